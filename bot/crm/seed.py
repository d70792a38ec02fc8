"""Deterministic demo data for the CRM of "Northwind Goods", an online shop.

`make run` seeds an empty database with it and the tests build on it, so the same
arguments must always give the same rows: one `random.Random(seed)` drives every
choice, every date is relative to `today`, and rows get explicit ids.

Shape of the data, chosen so later features (recommendations, returns, tracking)
have something realistic to work on:

- a catalogue of ten categories whose product names are composed from
  per-category nouns, materials, adjectives, sizes and made-up brands;
- customers with varied names, reserved example-domain emails, fictional-range
  phone numbers and addresses in the shop's nine markets;
- orders over the last two years, more of them recently, skewed so a few loyal
  customers order often; customers have favourite categories, some products are
  bought together and consumables are bought again;
- order statuses and timestamps that follow one consistent life cycle.

`DEMO_CUSTOMERS` are three hand-designed accounts whose orders are in exactly
known states, for the README walkthrough and the tests. They are the first three
customers, their nine orders use the reserved ORD-9000xx range and both count
towards the `customers` and `orders` totals. Generated orders are numbered from
ORD-100001 in order of placement.

The shop's clock while seeding is midnight (UTC) at the start of `today`: every
generated event happened before it and the one demo order "placed today" is placed
exactly then, so nothing lies in the future when the seed runs on `today`.
"""

from __future__ import annotations

import bisect
import itertools
import math
import random
import unicodedata
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from decimal import ROUND_HALF_UP, Decimal
from time import perf_counter
from typing import Dict, Iterator, List, Optional, Sequence, Set, Tuple

from sqlalchemy import insert, select, text
from sqlalchemy.orm import Session

from bot.crm.database import Database
from bot.crm.models import Customer, Order, OrderItem, Product, ReturnRequest

CENT = Decimal("0.01")
ORDER_HISTORY_DAYS = 730
CUSTOMER_HISTORY_DAYS = 1095
FIRST_ORDER_NUMBER = 100001
# Mirrors `orders.transit_days` in support.yml, so expected and seeded deliveries agree.
TRANSIT_DAYS = {"UPS": 3, "DHL": 4, "FedEx": 3, "USPS": 5, "Royal Mail": 2}
UPS_SHIPPER_NUMBER = "8V4W29"


@dataclass(frozen=True)
class SeedReport:
    customers: int
    products: int
    orders: int
    order_items: int
    seconds: float


# Demo accounts ---------------------------------------------------------------------------


def _on(days_ago: int, clock: str) -> timedelta:
    """Offset from the seed clock (midnight UTC starting `today`) to `clock` `days_ago` days ago."""
    hours, minutes = (int(part) for part in clock.split(":"))
    return timedelta(days=-days_ago, hours=hours, minutes=minutes)


@dataclass(frozen=True)
class DemoOrder:
    """An order of a demo account; times are offsets from midnight UTC starting `today`."""

    number: str
    status: str
    placed: timedelta
    paid: Optional[timedelta] = None
    shipped: Optional[timedelta] = None
    delivered: Optional[timedelta] = None
    cancelled: Optional[timedelta] = None
    carrier: Optional[str] = None
    tracking_number: Optional[str] = None
    # (sku, quantity) pairs; the products are the fixed first product of their category.
    lines: Tuple[Tuple[str, int], ...] = ()

    def timestamps(self, today: date) -> Dict[str, Optional[datetime]]:
        """The order's timestamp columns when seeded with this `today`."""
        clock = datetime.combine(today, time.min)
        offsets = {
            "placed_at": self.placed,
            "paid_at": self.paid,
            "shipped_at": self.shipped,
            "delivered_at": self.delivered,
            "cancelled_at": self.cancelled,
            "returned_at": None,
        }
        return {key: None if value is None else clock + value for key, value in offsets.items()}


@dataclass(frozen=True)
class DemoCustomer:
    name: str
    email: str
    phone: str
    address: str
    country: str
    created: timedelta
    orders: Tuple[DemoOrder, ...]

    @property
    def order_numbers(self) -> Tuple[str, ...]:
        return tuple(order.number for order in self.orders)


DEMO_CUSTOMERS: List[DemoCustomer] = [
    DemoCustomer(
        name="Maria Garcia",
        email="maria.garcia@example.com",
        phone="+1 512-555-0147",
        address="1847 Bluebonnet Lane, Austin, TX 78704, United States",
        country="United States",
        created=_on(420, "10:12"),
        orders=(
            DemoOrder(
                "ORD-900001",
                "placed",
                placed=_on(1, "18:42"),
                lines=(("NW-BTY-0001", 2), ("NW-BKS-0001", 1)),
            ),
            DemoOrder(
                "ORD-900002",
                "paid",
                placed=_on(2, "09:15"),
                paid=_on(2, "09:17"),
                lines=(("NW-KIT-0001", 1),),
            ),
            DemoOrder(
                "ORD-900003",
                "shipped",
                placed=_on(4, "20:03"),
                paid=_on(4, "20:04"),
                shipped=_on(3, "16:30"),
                carrier="UPS",
                tracking_number="1Z8V4W290341027736",
                lines=(("NW-ELE-0001", 1),),
            ),
            DemoOrder(
                "ORD-900004",
                "delivered",
                placed=_on(9, "12:20"),
                paid=_on(9, "12:21"),
                shipped=_on(8, "15:05"),
                delivered=_on(5, "11:48"),
                carrier="USPS",
                tracking_number="9400111202555842761024",
                lines=(("NW-OUT-0001", 2), ("NW-SPT-0001", 1)),
            ),
            DemoOrder(
                "ORD-900005",
                "delivered",
                placed=_on(64, "08:55"),
                paid=_on(64, "08:56"),
                shipped=_on(63, "14:10"),
                delivered=_on(60, "10:32"),
                carrier="UPS",
                tracking_number="1Z8V4W290377215583",
                lines=(("NW-DEC-0001", 2),),
            ),
            DemoOrder(
                "ORD-900006",
                "cancelled",
                placed=_on(20, "21:37"),
                paid=_on(20, "21:38"),
                cancelled=_on(20, "23:02"),
                lines=(("NW-TOY-0001", 1),),
            ),
        ),
    ),
    DemoCustomer(
        name="Liam O'Brien",
        email="liam.obrien@example.com",
        phone="+44 7700 900318",
        address="27 Larkfield Crescent, Manchester M20 2RN, United Kingdom",
        country="United Kingdom",
        created=_on(230, "19:40"),
        orders=(
            DemoOrder(
                "ORD-900011",
                "delivered",
                placed=_on(14, "07:50"),
                paid=_on(14, "07:51"),
                shipped=_on(13, "17:25"),
                delivered=_on(10, "13:05"),
                carrier="Royal Mail",
                tracking_number="RN482913572GB",
                lines=(("NW-CLO-0001", 2),),
            ),
            DemoOrder(
                "ORD-900012",
                "shipped",
                placed=_on(2, "19:10"),
                paid=_on(2, "19:11"),
                shipped=_on(1, "15:45"),
                carrier="DHL",
                tracking_number="4829301756",
                lines=(("NW-GAR-0001", 1), ("NW-KIT-0001", 1)),
            ),
        ),
    ),
    DemoCustomer(
        name="Yuki Tanaka",
        email="yuki.tanaka@example.com",
        phone="+1 604-555-0183",
        address="Unit 305, 1188 Alder Street, Vancouver, BC V6K 2G7, Canada",
        country="Canada",
        created=_on(3, "21:14"),
        orders=(
            DemoOrder(
                "ORD-900021",
                "placed",
                placed=_on(0, "00:00"),
                lines=(("NW-BKS-0001", 1), ("NW-DEC-0001", 1)),
            ),
        ),
    ),
]
DEMO_ORDER_COUNT = sum(len(customer.orders) for customer in DEMO_CUSTOMERS)


# Catalogue vocabulary --------------------------------------------------------------------


@dataclass(frozen=True)
class _Noun:
    name: str
    modifiers: Tuple[str, ...]  # materials or features that fit, placed before the noun
    variants: Tuple[str, ...]  # sizes and packs, placed after the noun
    use: str  # completes "A bamboo cutting board ..." in the description
    low: int  # usual price range in dollars
    high: int
    consumable: bool = False  # bought again and again
    article: bool = True  # False for plurals and mass nouns ("headphones", "potting mix")
    tags: Tuple[str, ...] = ()
    adjectives: Optional[Tuple[str, ...]] = None  # None: the category's


def _noun(
    name: str,
    modifiers: str,
    variants: str,
    use: str,
    low: int,
    high: int,
    *,
    consumable: bool = False,
    article: bool = True,
    tags: str = "",
    adjectives: Optional[str] = None,
) -> _Noun:
    """A `_Noun` from "|"-separated word lists, which keeps the tables below readable."""

    def split(words: str) -> Tuple[str, ...]:
        return tuple(word for word in words.split("|") if word)

    return _Noun(
        name=name,
        modifiers=split(modifiers),
        variants=split(variants),
        use=use,
        low=low,
        high=high,
        consumable=consumable,
        article=article,
        tags=split(tags.replace(",", "|")),
        adjectives=None if adjectives is None else split(adjectives),
    )


@dataclass(frozen=True)
class _Hero:
    """The fixed first product of a category, used by the demo orders."""

    name: str
    noun: str
    price: str
    stock: int
    tags: str
    description: str


@dataclass(frozen=True)
class _Category:
    name: str
    code: str
    weight: int  # share of the catalogue and of purchases
    adjectives: Tuple[str, ...]
    brands: Tuple[str, ...]
    nouns: Tuple[_Noun, ...]
    # Nouns bought together, e.g. a knife with a cutting board.
    companions: Tuple[Tuple[str, ...], ...]
    notes: Tuple[str, ...]  # extra sentences for descriptions
    hero: _Hero


_CATEGORIES: Tuple[_Category, ...] = (
    _Category(
        name="Kitchen",
        code="KIT",
        weight=16,
        adjectives=("Classic", "Everyday", "Compact", "Professional", "Nordic", "Rustic"),
        brands=("Hearthline", "Pantrywell", "Larder & Co.", "Brightwick"),
        nouns=(
            _noun("Cutting Board", "Bamboo|Acacia Wood|Walnut|Olive Wood|Maple", "Set|XL|with Juice Groove",
                  "for chopping vegetables, bread and cheese", 18, 65, tags="cooking"),
            _noun("Chef's Knife", "Stainless Steel|Damascus Steel|Ceramic|High-Carbon Steel",
                  "8-inch|6-inch|with Magnetic Sheath",
                  "with a balanced handle for everyday slicing and dicing", 25, 140, tags="cooking"),
            _noun("Skillet", "Cast Iron|Pre-Seasoned Cast Iron|Enameled Cast Iron|Carbon Steel",
                  "10-inch|12-inch|with Lid",
                  "that goes from stovetop to oven and gets better with use", 30, 95, tags="cooking"),
            _noun("Mixing Bowls", "Stainless Steel|Glass|Ceramic|Melamine", "Set of 3|Set of 5",
                  "for baking, marinating and tossing salads", 20, 60, article=False, tags="baking"),
            _noun("French Press", "Glass|Stainless Steel|Double-Walled", "350ml|1L|8-Cup",
                  "for rich, full-bodied coffee in four minutes", 22, 70, tags="coffee"),
            _noun("Coffee Grinder", "Conical Burr|Manual|Ceramic Burr|Electric", "Compact|Pro",
                  "that grinds beans fresh for filter, espresso or French press", 25, 150,
                  tags="coffee", adjectives=""),
            _noun("Coffee Beans", "Single-Origin|Organic|Dark Roast|Decaf|Espresso", "250g|500g|1kg",
                  "roasted in small batches for a smooth, balanced cup", 9, 30,
                  consumable=True, article=False, tags="coffee", adjectives=""),
            _noun("Loose Leaf Tea", "Green|Chamomile|Peppermint|Rooibos|Jasmine|Black", "100g|Tin|Sampler",
                  "blended for a calm afternoon cup", 7, 24,
                  consumable=True, article=False, tags="tea", adjectives="Organic|Fair Trade"),
            _noun("Kettle", "Stainless Steel|Enamel|Glass|Gooseneck|Cordless Electric", "1.2L|1.7L",
                  "that boils water quickly for tea, coffee and instant oats", 25, 90, tags="tea"),
            _noun("Apron", "Linen|Cotton Canvas|Waxed Canvas|Denim", "with Pockets|Cross-Back",
                  "that keeps flour and sauce off your clothes", 18, 45, tags="cooking"),
            _noun("Spice Jars", "Glass|Amber Glass|Stoneware", "Set of 6|Set of 12|with Labels",
                  "that keep spices fresh and easy to find", 15, 45, article=False),
            _noun("Food Storage Containers", "Glass|Stainless Steel|Silicone|Bamboo-Lid",
                  "Set of 4|Set of 10", "for leftovers, meal prep and packed lunches", 18, 55,
                  article=False),
            _noun("Baking Sheet", "Aluminum|Nonstick|Carbon Steel", "Large|Set of 2",
                  "for cookies, roasted vegetables and sheet-pan dinners", 12, 35, tags="baking"),
            _noun("Dish Towels", "Linen|Organic Cotton|Waffle Cotton", "Set of 3|Set of 6",
                  "that dry glasses without leaving lint", 12, 30, article=False),
            _noun("Beeswax Wraps", "Organic Cotton|Printed|Botanical", "Set of 3|Set of 5",
                  "that replace plastic wrap for sandwiches, cheese and bowls", 12, 28,
                  consumable=True, article=False, tags="eco", adjectives=""),
            _noun("Dish Soap", "Plant-Based|Lemon|Unscented|Lavender", "500ml|Refill 1L|2-Pack",
                  "that cuts through grease and is gentle on hands", 5, 16,
                  consumable=True, article=False, tags="eco", adjectives=""),
        ),
        companions=(
            ("Chef's Knife", "Cutting Board"),
            ("French Press", "Coffee Grinder", "Coffee Beans"),
            ("Kettle", "Loose Leaf Tea"),
            ("Mixing Bowls", "Baking Sheet", "Apron"),
            ("Food Storage Containers", "Beeswax Wraps"),
            ("Skillet", "Dish Towels", "Dish Soap"),
        ),
        notes=(
            "Tested in our own kitchen before it made the catalog.",
            "A thoughtful gift for anyone who loves to cook.",
            "Ships in plastic-free packaging.",
        ),
        hero=_Hero(
            name="Bamboo Cutting Board Set",
            noun="Cutting Board",
            price="34.99",
            stock=140,
            tags="bestseller,cooking,eco,gift",
            description=(
                "Three bamboo cutting boards in small, medium and large for chopping vegetables, "
                "bread and cheese. Bamboo grows back fast and is gentle on knife edges."
            ),
        ),
    ),
    _Category(
        name="Home Decor",
        code="DEC",
        weight=12,
        adjectives=("Modern", "Scandinavian", "Boho", "Minimalist", "Vintage-Style", "Coastal"),
        brands=("Fernleigh", "Quillmoor", "Stillwater Home", "Juniper & Lane"),
        nouns=(
            _noun("Throw Pillow Cover", "Linen|Velvet|Cotton|Boucle|Chunky Knit",
                  "18x18 in|20x20 in|Set of 2", "that freshens up a sofa or reading chair", 15, 40),
            _noun("Throw Blanket", "Chunky Knit|Merino Wool|Cotton Waffle|Faux Fur|Linen",
                  "Oversized|50x60 in", "for cozy evenings on the sofa", 30, 120, tags="gift"),
            _noun("Scented Candle", "Soy Wax|Beeswax|Coconut Wax",
                  "Fig & Cedar|Sea Salt & Sage|Amber & Vanilla|Fresh Linen|Set of 3",
                  "that burns cleanly for up to 50 hours", 14, 45, consumable=True, tags="gift"),
            _noun("Table Lamp", "Ceramic|Brass|Rattan|Marble|Oak", "with Linen Shade|Dimmable",
                  "that casts a warm, soft light over a desk or bedside table", 35, 150),
            _noun("Wall Mirror", "Round|Arched|Brass-Framed|Oak-Framed|Rattan", "24 in|32 in",
                  "that brightens a hallway or entryway", 40, 180),
            _noun("Vase", "Ceramic|Glass|Stoneware|Terracotta|Recycled Glass", "Small|Tall|Set of 3",
                  "for fresh stems, dried flowers or on its own as a centerpiece", 15, 70),
            _noun("Picture Frame", "Oak|Walnut|Brass|Black Aluminum", "5x7 in|8x10 in|Set of 3",
                  "for photos, prints and children's drawings", 12, 60, tags="gift"),
            _noun("Area Rug", "Jute|Wool|Cotton|Recycled Polyester", "4x6 ft|5x8 ft|Runner",
                  "that adds warmth underfoot and softens echoes", 60, 320),
            _noun("Curtains", "Linen|Blackout|Velvet|Cotton Voile", "84 in|96 in|Pair",
                  "that filter light and add privacy", 35, 120, article=False),
            _noun("Wall Clock", "Oak|Brass|Concrete|Walnut", "12 in|Silent",
                  "with a silent sweep movement", 25, 80),
            _noun("Storage Basket", "Seagrass|Cotton Rope|Rattan|Felt|Water Hyacinth",
                  "Small|Large|Set of 2|with Handles", "for blankets, toys or laundry", 18, 60),
            _noun("Coasters", "Cork|Marble|Ceramic|Slate|Walnut", "Set of 4|Set of 6",
                  "that protect tables from rings and heat", 10, 30, article=False),
            _noun("Reed Diffuser", "Lavender|Fig|Sea Salt|Cedarwood|Neroli", "100ml|200ml|Refill",
                  "that scents a room for up to three months", 18, 45,
                  consumable=True, adjectives="Luxury|Botanical"),
        ),
        companions=(
            ("Throw Pillow Cover", "Throw Blanket"),
            ("Scented Candle", "Reed Diffuser"),
            ("Vase", "Picture Frame"),
            ("Table Lamp", "Wall Clock", "Wall Mirror"),
            ("Area Rug", "Curtains", "Storage Basket"),
            ("Coasters", "Scented Candle"),
        ),
        notes=(
            "Designed in-house and made in small runs.",
            "Pairs well with natural wood and neutral tones.",
            "Arrives gift-ready in recyclable packaging.",
        ),
        hero=_Hero(
            name="Stonewashed Linen Throw Pillow Cover",
            noun="Throw Pillow Cover",
            price="29.00",
            stock=85,
            tags="bestseller,eco,gift",
            description=(
                "A stonewashed linen throw pillow cover that freshens up a sofa or reading chair. "
                "Linen softens with every wash. Fits 20x20 in inserts."
            ),
        ),
    ),
    _Category(
        name="Garden",
        code="GAR",
        weight=9,
        adjectives=("Heavy-Duty", "Compact", "Weatherproof", "Classic"),
        brands=("Greenhollow", "Thistledown", "Bramblegate"),
        nouns=(
            _noun("Planter", "Ceramic|Terracotta|Concrete|Galvanized Steel|Recycled Plastic",
                  "Small|Large|Set of 3", "for herbs, succulents and houseplants", 15, 90,
                  adjectives="Self-Watering|Hanging|Classic|Modern"),
            _noun("Pruning Shears", "Bypass|Anvil|Ratchet", "8-inch|with Holster",
                  "that make clean cuts on stems and branches", 18, 55, article=False),
            _noun("Garden Gloves", "Leather|Bamboo|Nitrile-Coated|Goatskin", "Size M|Size L|3-Pack",
                  "that protect hands from thorns and soil", 9, 30, consumable=True, article=False),
            _noun("Watering Can", "Galvanized Steel|Copper|Recycled Plastic|Enamel",
                  "1 Gallon|2 Gallon|Indoor",
                  "with a long spout that reaches the back of the border", 18, 70),
            _noun("Garden Hose", "Expandable|Rubber|Kink-Free", "50 ft|75 ft|with Spray Nozzle",
                  "that coils away neatly after watering", 25, 80),
            _noun("Raised Garden Bed", "Cedar|Galvanized Steel|Larch", "4x2 ft|6x3 ft",
                  "for growing vegetables at a comfortable height", 60, 220),
            _noun("Seed Collection", "Heirloom Tomato|Herb|Wildflower|Salad Leaf|Chili Pepper",
                  "6 Varieties|12 Varieties", "with easy instructions for sowing indoors or out", 8, 25,
                  consumable=True, tags="gift", adjectives="Organic|Heirloom|Pollinator-Friendly"),
            _noun("Potting Mix", "Peat-Free|Organic|Cactus|Orchid", "10 qt|20 qt|40 qt",
                  "that holds moisture and feeds roots for months", 7, 25,
                  consumable=True, article=False, adjectives=""),
            _noun("Plant Food", "Liquid|Organic|Tomato|Houseplant", "16 oz|32 oz",
                  "for stronger roots and more flowers", 6, 18,
                  consumable=True, article=False, adjectives=""),
            _noun("Bird Feeder", "Hanging|Copper-Roof|Cedar|Window", "Large|Squirrel-Proof",
                  "that brings finches and chickadees to the garden", 15, 60, tags="gift"),
            _noun("Solar Path Lights", "Warm White|Stainless Steel|Glass", "Set of 6|Set of 12",
                  "that charge by day and glow along paths at night", 20, 70, article=False, tags="eco"),
            _noun("Hand Trowel", "Stainless Steel|Carbon Steel|Copper", "with Depth Markings|and Fork Set",
                  "for planting bulbs, seedlings and herbs", 10, 35),
            _noun("Garden Kneeler", "Memory Foam|Recycled Foam", "with Handles|Foldable",
                  "that saves knees on long weeding sessions", 12, 40),
        ),
        companions=(
            ("Planter", "Potting Mix", "Plant Food"),
            ("Seed Collection", "Hand Trowel", "Garden Gloves"),
            ("Watering Can", "Garden Hose"),
            ("Pruning Shears", "Garden Gloves", "Garden Kneeler"),
            ("Raised Garden Bed", "Seed Collection", "Potting Mix"),
            ("Bird Feeder", "Solar Path Lights"),
        ),
        notes=(
            "Chosen with our gardening team for small yards and balconies.",
            "Suitable for beginners and seasoned gardeners alike.",
            "Ships in plastic-free packaging.",
        ),
        hero=_Hero(
            name="Ceramic Herb Planter Trio",
            noun="Planter",
            price="39.00",
            stock=60,
            tags="bestseller,gift",
            description=(
                "Three glazed ceramic planters with drainage trays for herbs on a sunny windowsill. "
                "Each pot holds a standard 4-inch nursery pot."
            ),
        ),
    ),
    _Category(
        name="Electronics",
        code="ELE",
        weight=13,
        adjectives=("Compact", "Slim", "Travel", "Ultra-Light"),
        brands=("Arcwave", "Lumio", "Brightcell", "Quorra", "Helix Labs"),
        nouns=(
            _noun("Headphones", "Wireless Noise-Cancelling|Over-Ear|On-Ear|Bluetooth|Studio",
                  "Pro|Lite|with Travel Case", "for long flights, commutes and focused work", 45, 320,
                  article=False),
            _noun("Earbuds", "True Wireless|Sport|Noise-Cancelling|Bluetooth", "Pro|Lite|with Charging Case",
                  "that stay put during runs and calls", 35, 220, article=False),
            _noun("Bluetooth Speaker", "Waterproof|Portable|Mini|Smart", "20W|40W|Pro",
                  "with rich sound for the kitchen, garden or beach", 30, 200),
            _noun("Power Bank", "Slim|Magnetic|Fast-Charging|Solar", "5000mAh|10000mAh|20000mAh",
                  "that charges a phone two to four times over", 20, 70),
            _noun("Charging Cable", "Braided USB-C|USB-C to USB-A|Right-Angle USB-C|Magnetic",
                  "3 ft|6 ft|2-Pack", "for fast charging and data transfer", 9, 25, consumable=True,
                  adjectives=""),
            _noun("Wall Charger", "65W GaN|30W USB-C|Dual-Port|Foldable", "with Cable|2-Pack",
                  "that charges a laptop and a phone from one plug", 18, 60),
            _noun("Smart Plug", "Wi-Fi|Mini|Outdoor", "2-Pack|4-Pack|with Energy Monitoring",
                  "that puts lamps and fans on a schedule", 12, 45, adjectives=""),
            _noun("Desk Lamp", "Dimmable|Clamp-On|Wireless Charging|Architect", "with USB Port|Pro",
                  "with adjustable color temperature for reading and work", 25, 90),
            _noun("Webcam", "1080p|4K|Wide-Angle", "with Privacy Cover|with Ring Light",
                  "for sharp, well-lit video calls", 35, 150),
            _noun("Keyboard", "Mechanical|Wireless|Low-Profile|Bluetooth", "Tenkeyless|Full-Size|75%",
                  "with a satisfying, quiet typing feel", 45, 180),
            _noun("Mouse", "Wireless|Ergonomic|Vertical|Silent", "Rechargeable|Pro",
                  "that fits the hand for long work days", 18, 80),
            _noun("Fitness Tracker", "Slim|Waterproof|GPS|Heart-Rate", "Sport|Pro",
                  "that counts steps, sleep and heart rate", 40, 200),
            _noun("Rechargeable Batteries", "AA|AAA", "4-Pack|8-Pack|with Charger",
                  "that replace hundreds of single-use cells", 12, 40,
                  consumable=True, article=False, tags="eco", adjectives=""),
        ),
        companions=(
            ("Keyboard", "Mouse", "Desk Lamp", "Webcam"),
            ("Earbuds", "Charging Cable", "Wall Charger"),
            ("Power Bank", "Charging Cable"),
            ("Bluetooth Speaker", "Power Bank"),
            ("Headphones", "Wall Charger"),
            ("Smart Plug", "Rechargeable Batteries"),
        ),
        notes=(
            "Backed by a two-year warranty.",
            "Tested by our team for everyday reliability.",
            "Ships in plastic-free packaging.",
        ),
        hero=_Hero(
            name="Wireless Noise-Cancelling Headphones",
            noun="Headphones",
            price="189.00",
            stock=42,
            tags="bestseller,gift,travel",
            description=(
                "Wireless noise-cancelling headphones for long flights, commutes and focused work. "
                "Up to 30 hours of battery life and a fold-flat travel case."
            ),
        ),
    ),
    _Category(
        name="Outdoor & Camping",
        code="OUT",
        weight=8,
        adjectives=("Lightweight", "Packable", "Ultralight", "Rugged", "All-Season"),
        brands=("Trailmark", "Northpass", "Cairnline", "Summit & Pine"),
        nouns=(
            _noun("Water Bottle", "Stainless Steel|Insulated|Collapsible Silicone|Glass", "16 oz|24 oz|32 oz",
                  "for hikes, commutes and the gym", 15, 45),
            _noun("Tent", "2-Person|3-Person|4-Person|Backpacking", "with Footprint|Quick-Pitch",
                  "that pitches in minutes and stands up to wind and rain", 90, 420),
            _noun("Sleeping Bag", "Down|Synthetic|Mummy|Rectangular", "3-Season|Summer|20°F",
                  "rated for cold nights under the stars", 45, 260),
            _noun("Camping Chair", "Folding|Reclining|Low-Back", "with Cup Holder|with Side Table",
                  "that packs small and sets up in seconds", 25, 110),
            _noun("Headlamp", "Rechargeable|Waterproof|Red-Light", "300 Lumen|500 Lumen",
                  "for night hikes, camp chores and power cuts", 15, 60),
            _noun("Hiking Backpack", "Waterproof|Recycled Nylon|Ventilated", "20L|35L|50L",
                  "with padded straps for all-day comfort on the trail", 40, 190),
            _noun("Camping Stove", "Compact Gas|Butane|Wood-Burning|Titanium", "with Piezo Igniter|Kit",
                  "that boils water for two in a few minutes", 30, 120),
            _noun("Camp Cook Set", "Titanium|Aluminum|Stainless Steel", "2-Person|4-Person",
                  "with nesting pots, pans and mugs that pack into one", 25, 90),
            _noun("Trekking Poles", "Carbon|Aluminum|Folding|Cork-Grip", "Pair|Adjustable",
                  "that take the strain off knees on steep descents", 30, 120, article=False),
            _noun("Hammock", "Parachute Nylon|Cotton|Camping", "Double|Single|with Bug Net",
                  "that hangs between two trees in minutes", 25, 90),
            _noun("Lantern", "LED|Solar|Collapsible", "Rechargeable|with Power Bank",
                  "that lights up a tent or picnic table", 15, 55),
            _noun("Insect Repellent", "DEET-Free|Citronella|Picaridin", "3.4 oz|Spray 6 oz",
                  "that keeps mosquitoes and ticks away for up to eight hours", 7, 16,
                  consumable=True, article=False, adjectives=""),
            _noun("First Aid Kit", "Compact|Waterproof|Trail", "50-Piece|100-Piece",
                  "with the essentials for scrapes, blisters and stings", 15, 45, adjectives=""),
        ),
        companions=(
            ("Tent", "Sleeping Bag", "Headlamp"),
            ("Camping Stove", "Camp Cook Set"),
            ("Hiking Backpack", "Water Bottle", "Trekking Poles"),
            ("Hammock", "Lantern", "Insect Repellent"),
            ("Camping Chair", "Lantern"),
            ("First Aid Kit", "Insect Repellent", "Headlamp"),
        ),
        notes=(
            "Field-tested by our staff on weekend trips.",
            "Chosen for the trail, the campsite and the backyard.",
        ),
        hero=_Hero(
            name="Stainless Steel Water Bottle 750ml",
            noun="Water Bottle",
            price="24.95",
            stock=210,
            tags="bestseller,eco,travel",
            description=(
                "A double-walled stainless steel water bottle that keeps drinks cold for 24 hours "
                "or hot for 12. Leakproof lid, fits most cup holders."
            ),
        ),
    ),
    _Category(
        name="Toys & Games",
        code="TOY",
        weight=8,
        adjectives=("Classic", "Deluxe", "Mini", "Family"),
        brands=("Tumblewick", "Pip & Puzzle", "Brightburrow", "Little Oak"),
        nouns=(
            _noun("Building Blocks", "Wooden|Magnetic|Soft|Rainbow", "50-Piece|100-Piece",
                  "for open-ended play from age two", 18, 70, article=False),
            _noun("Jigsaw Puzzle", "Landscape|Botanical|World Map|Animal|Night Sky",
                  "500-Piece|1000-Piece|24-Piece", "for quiet evenings at the kitchen table", 12, 35),
            _noun("Board Game", "Strategy|Cooperative|Family|Word|Trivia", "Deluxe Edition|Travel Edition",
                  "for two to six players aged eight and up", 20, 60, adjectives=""),
            _noun("Card Game", "Party|Strategy|Family|Word", "Travel Tin|Expansion Pack",
                  "that plays in about twenty minutes", 8, 25, adjectives=""),
            _noun("Plush Toy", "Fox|Bear|Whale|Bunny|Sloth|Octopus", "Small|Large|Giant",
                  "with soft, washable fur and embroidered eyes", 12, 45, tags="gift"),
            _noun("Train Set", "Wooden|Battery-Powered|Magnetic", "40-Piece|with Bridge",
                  "that connects into endless track layouts", 25, 90),
            _noun("Kids' Art Set", "Watercolor|Crayon|Washable Paint|Chalk", "60-Piece|in Carry Case",
                  "that keeps young artists busy for hours", 15, 45),
            _noun("Science Kit", "Crystal-Growing|Volcano|Robotics|Chemistry", "Starter|Deluxe",
                  "with step-by-step experiments for ages eight and up", 20, 70, adjectives=""),
            _noun("Kite", "Diamond|Delta|Stunt|Parafoil", "Large|with 100 ft Line",
                  "that flies in light to moderate wind", 15, 45),
            _noun("Modeling Dough", "Scented|Natural|Glitter", "6-Pack|12-Pack",
                  "in bright colors that will not stain hands", 8, 20,
                  consumable=True, article=False, adjectives=""),
            _noun("Marble Run", "Wooden|Glow-in-the-Dark|Modular", "80-Piece|150-Piece",
                  "with tracks, funnels and spirals to rebuild again and again", 25, 80),
        ),
        companions=(
            ("Board Game", "Card Game", "Jigsaw Puzzle"),
            ("Building Blocks", "Train Set", "Marble Run"),
            ("Kids' Art Set", "Modeling Dough"),
            ("Science Kit", "Kite"),
            ("Plush Toy", "Building Blocks"),
        ),
        notes=(
            "Safety-tested to US and EU toy standards.",
            "Recommended by our team of parents.",
            "A favorite gift for birthdays and holidays.",
        ),
        hero=_Hero(
            name="Wooden Stacking Rainbow",
            noun="Building Blocks",
            price="34.00",
            stock=55,
            tags="bestseller,eco,gift",
            description=(
                "Seven hand-painted wooden arches for stacking, sorting and building. "
                "Made from sustainably sourced wood with non-toxic paints."
            ),
        ),
    ),
    _Category(
        name="Books & Stationery",
        code="BKS",
        weight=8,
        adjectives=("Classic", "Pocket", "Premium", "Minimalist"),
        brands=("Inkwell & Vine", "Foxglove Press", "Paperlark", "Quire & Co."),
        nouns=(
            _noun("Notebook", "Dotted|Lined|Grid|Blank|Linen-Bound", "A5|A6|B5|2-Pack",
                  "with 160 pages of fountain-pen-friendly paper", 8, 28, consumable=True),
            _noun("Planner", "Weekly|Daily|Undated|Academic", "A5|Hardcover",
                  "that keeps a year of plans, goals and notes in one place", 14, 38, consumable=True),
            _noun("Fountain Pen", "Brass|Resin|Aluminum|Walnut", "Fine Nib|Medium Nib",
                  "that writes smoothly with cartridges or bottled ink", 18, 120, tags="gift"),
            _noun("Gel Pens", "Fine|Pastel|Quick-Dry|Retractable", "6-Pack|12-Pack|24-Pack",
                  "that glide across paper without smudging", 6, 20, consumable=True, article=False),
            _noun("Sketchbook", "Spiral|Hardbound|Toned|Watercolor", "A4|A5|Square",
                  "with heavy paper for pencil, ink and markers", 9, 32, consumable=True),
            _noun("Cookbook", "Vegetarian|Baking|Weeknight|Mediterranean|Slow Cooker",
                  "Hardcover|Paperback", "with simple recipes for busy households", 15, 35,
                  tags="cooking", adjectives=""),
            _noun("Field Guide", "Birdwatching|Wildflower|Tree|Stargazing|Mushroom",
                  "Pocket Edition|Hardcover", "with clear illustrations for identifying what you find",
                  12, 30, adjectives=""),
            _noun("Journal", "Leather|Gratitude|Travel|Bullet", "A5|Refillable",
                  "for daily reflections, lists and sketches", 12, 45, tags="gift"),
            _noun("Washi Tape", "Floral|Metallic|Pastel|Geometric", "Set of 10|Set of 20",
                  "for decorating planners, cards and gift wrap", 6, 18,
                  consumable=True, article=False, adjectives=""),
            _noun("Desk Organizer", "Bamboo|Walnut|Felt|Metal Mesh", "with Drawer|3-Compartment",
                  "that keeps pens, notes and cables in order", 15, 50),
            _noun("Greeting Cards", "Birthday|Thank You|Botanical|Blank", "Set of 8|Set of 12",
                  "printed on recycled card with kraft envelopes", 8, 22,
                  consumable=True, article=False, adjectives=""),
        ),
        companions=(
            ("Notebook", "Fountain Pen", "Gel Pens"),
            ("Sketchbook", "Gel Pens"),
            ("Planner", "Washi Tape", "Desk Organizer"),
            ("Journal", "Fountain Pen"),
            ("Cookbook", "Greeting Cards"),
        ),
        notes=(
            "Chosen by our stationery team.",
            "A thoughtful gift for writers and doodlers.",
            "Ships in recycled packaging.",
        ),
        hero=_Hero(
            name="Dotted A5 Notebook",
            noun="Notebook",
            price="14.00",
            stock=320,
            tags="bestseller,gift",
            description=(
                "A dotted A5 notebook with 160 pages of fountain-pen-friendly paper. "
                "Lies flat when open thanks to a sewn binding."
            ),
        ),
    ),
    _Category(
        name="Beauty & Care",
        code="BTY",
        weight=9,
        adjectives=("Organic", "Vegan", "Gentle"),
        brands=("Wildmere", "Petalworks", "Bramble & Bloom", "Saltmarsh"),
        nouns=(
            _noun("Hand Cream", "Shea Butter|Lavender|Unscented|Rose|Oat", "1.7 oz|3.4 oz|Trio",
                  "that softens dry hands without feeling greasy", 6, 22, consumable=True, article=False),
            _noun("Face Serum", "Vitamin C|Hyaluronic Acid|Niacinamide|Squalane", "1 oz|1.7 oz",
                  "for brighter, more even-looking skin", 14, 48, consumable=True, article=False),
            _noun("Shampoo Bar", "Rosemary|Coconut|Tea Tree|Argan Oil", "2.8 oz|2-Pack",
                  "that lathers well and replaces a bottle of liquid shampoo", 8, 16,
                  consumable=True, tags="eco"),
            _noun("Body Wash", "Eucalyptus|Citrus|Oat & Honey|Unscented", "8 oz|16 oz|Refill 32 oz",
                  "that cleans gently and leaves a light scent", 7, 20, consumable=True, article=False),
            _noun("Lip Balm", "Beeswax|Tinted|Peppermint|Shea", "3-Pack|Tin",
                  "that soothes chapped lips", 4, 12, consumable=True, article=False),
            _noun("Sunscreen", "Mineral|Reef-Safe|Daily|Sport", "SPF 30|SPF 50",
                  "with broad-spectrum protection that absorbs quickly", 10, 28,
                  consumable=True, article=False),
            _noun("Bath Salts", "Epsom|Sea Salt|Lavender|Eucalyptus", "1 lb|2 lb",
                  "for a long, relaxing soak after a busy day", 9, 24, consumable=True, article=False),
            _noun("Hairbrush", "Bamboo|Boar Bristle|Detangling|Paddle", "Travel Size|Large",
                  "that detangles gently from root to tip", 10, 35, adjectives=""),
            _noun("Safety Razor", "Brass|Stainless Steel|Chrome|Rose Gold", "with 10 Blades|Kit",
                  "that gives a close shave with plastic-free blades", 20, 50, tags="eco", adjectives=""),
            _noun("Face Cleanser", "Gel|Foaming|Cream|Oil", "5 oz|7 oz",
                  "that removes makeup and daily grime without stripping skin", 9, 28,
                  consumable=True, article=False),
            _noun("Deodorant", "Natural|Aluminum-Free|Sensitive", "Cedar & Sage|Unscented|Refill",
                  "that keeps you fresh all day", 8, 16, consumable=True, article=False),
            _noun("Toiletry Bag", "Waxed Canvas|Vegan Leather|Recycled Nylon", "Hanging|Large",
                  "with room for a week of travel essentials", 18, 55, tags="travel", adjectives=""),
        ),
        companions=(
            ("Shampoo Bar", "Body Wash", "Toiletry Bag"),
            ("Face Serum", "Face Cleanser", "Sunscreen"),
            ("Hand Cream", "Lip Balm"),
            ("Bath Salts", "Body Wash"),
            ("Safety Razor", "Deodorant"),
        ),
        notes=(
            "Cruelty-free and never tested on animals.",
            "Made in small batches.",
            "Ships in recyclable packaging.",
        ),
        hero=_Hero(
            name="Lavender Shea Butter Hand Cream",
            noun="Hand Cream",
            price="12.50",
            stock=260,
            tags="bestseller,gift",
            description=(
                "A rich hand cream with shea butter and lavender oil that softens dry hands "
                "without feeling greasy. Never tested on animals."
            ),
        ),
    ),
    _Category(
        name="Clothing",
        code="CLO",
        weight=9,
        adjectives=("Classic", "Relaxed-Fit", "Lightweight", "Everyday"),
        brands=("Harbour & Thread", "Wren Atelier", "Fieldnote Apparel", "Northmoor"),
        nouns=(
            _noun("Crew Socks", "Merino Wool|Organic Cotton|Bamboo|Cushioned", "3-Pack|5-Pack",
                  "that stay soft and breathable all day", 10, 30,
                  consumable=True, article=False, adjectives="Everyday|Hiking|Classic"),
            _noun("T-Shirt", "Organic Cotton|Linen|Pima Cotton|Recycled Cotton", "Crew Neck|V-Neck|Pocket",
                  "with a soft feel that gets better with every wash", 15, 45),
            _noun("Hoodie", "Fleece|Organic Cotton|Recycled|Heavyweight", "Zip-Up|Pullover",
                  "for chilly mornings and lazy weekends", 35, 90),
            _noun("Rain Jacket", "Packable|Waterproof|Recycled Nylon", "Hooded|Long",
                  "that keeps you dry without overheating", 55, 180),
            _noun("Beanie", "Merino Wool|Cashmere|Cable-Knit|Ribbed", "Pom-Pom|Cuffed",
                  "that keeps ears warm on cold days", 15, 45, adjectives="Classic|Chunky|Slouchy"),
            _noun("Scarf", "Cashmere|Merino Wool|Lambswool|Cotton Gauze", "Oversized|Plaid",
                  "for wrapping up on windy days", 20, 90, tags="gift"),
            _noun("Chinos", "Stretch Cotton|Organic Cotton|Linen-Blend", "Slim|Straight",
                  "that work for the office and the weekend", 35, 85, article=False),
            _noun("Sweater", "Merino Wool|Cashmere|Cotton|Alpaca-Blend", "Crew Neck|V-Neck|Roll Neck",
                  "that layers easily over a shirt", 40, 150),
            _noun("Sneakers", "Canvas|Leather|Knit|Recycled", "Low-Top|High-Top|Slip-On",
                  "with cushioned insoles for all-day walking", 45, 140, article=False),
            _noun("Pajama Set", "Cotton|Flannel|Linen|Bamboo", "Long|Short",
                  "for a comfortable night's sleep", 30, 80, tags="gift"),
            _noun("Belt", "Leather|Canvas|Braided|Vegan Leather", "with Brass Buckle|Reversible",
                  "that holds its shape for years", 20, 70),
        ),
        companions=(
            ("T-Shirt", "Chinos", "Belt"),
            ("Beanie", "Scarf", "Sweater"),
            ("Crew Socks", "Sneakers"),
            ("Hoodie", "T-Shirt"),
            ("Rain Jacket", "Beanie"),
            ("Pajama Set", "Crew Socks"),
        ),
        notes=(
            "See the size guide for measurements.",
            "Free exchanges within 30 days if the size is not right.",
            "Made in audited factories that pay a living wage.",
        ),
        hero=_Hero(
            name="Merino Wool Crew Socks 3-Pack",
            noun="Crew Socks",
            price="24.00",
            stock=180,
            tags="bestseller,gift",
            description=(
                "Merino wool crew socks that stay soft and breathable all day. "
                "Naturally odor-resistant; three pairs in a pack."
            ),
        ),
    ),
    _Category(
        name="Sports & Fitness",
        code="SPT",
        weight=8,
        adjectives=("Lightweight", "Compact", "Everyday", "Pro"),
        brands=("Pacewright", "Ironbark Athletics", "Loftline", "Vireo Sport"),
        nouns=(
            _noun("Yoga Mat", "Non-Slip|Cork|Natural Rubber|TPE|Jute", "4mm|6mm|Travel",
                  "with a grippy surface for yoga, pilates and stretching", 22, 90),
            _noun("Resistance Bands", "Fabric|Latex-Free|Loop|Tube", "Set of 3|Set of 5",
                  "for strength work at home or on the road", 12, 35, article=False),
            _noun("Dumbbells", "Adjustable|Neoprene|Cast Iron|Hex Rubber", "Pair 5 lb|Pair 10 lb|Pair 20 lb",
                  "for strength training in small spaces", 25, 250, article=False),
            _noun("Kettlebell", "Cast Iron|Vinyl|Competition", "18 lb|26 lb|35 lb",
                  "for swings, squats and full-body workouts", 25, 90),
            _noun("Jump Rope", "Speed|Weighted|Beaded", "Adjustable|with Counter",
                  "for quick cardio warm-ups", 8, 30),
            _noun("Foam Roller", "High-Density|Textured|Vibrating", "13 in|18 in|36 in",
                  "that eases tight muscles after training", 15, 60),
            _noun("Running Belt", "Reflective|Water-Resistant|Slim", "with Bottle Holders|Large",
                  "that carries a phone and keys without bouncing", 12, 35),
            _noun("Duffel Bag", "Recycled Polyester|Waxed Canvas|Waterproof", "30L|45L|with Shoe Pocket",
                  "with a separate pocket for shoes and damp kit", 25, 80),
            _noun("Tennis Balls", "Pressurized|Championship|Practice", "3-Pack|4-Pack|12-Pack",
                  "with consistent bounce on hard and clay courts", 4, 24,
                  consumable=True, article=False, adjectives=""),
            _noun("Shaker Bottle", "Stainless Steel|BPA-Free|Leakproof", "20 oz|28 oz",
                  "that mixes protein shakes without lumps", 8, 30),
            _noun("Workout Towel", "Microfiber|Cooling|Bamboo", "2-Pack|Large",
                  "that dries fast and packs small", 8, 25),
            _noun("Electrolyte Tablets", "Lemon|Berry|Citrus|Unflavored", "20 Tablets|4 Tubes",
                  "that replace salts lost during long workouts", 7, 24,
                  consumable=True, article=False, adjectives=""),
        ),
        companions=(
            ("Yoga Mat", "Resistance Bands", "Foam Roller"),
            ("Dumbbells", "Kettlebell", "Workout Towel"),
            ("Running Belt", "Electrolyte Tablets"),
            ("Duffel Bag", "Shaker Bottle", "Workout Towel"),
            ("Jump Rope", "Resistance Bands"),
        ),
        notes=(
            "Recommended by our in-house personal trainers.",
            "Chosen for home workouts and the gym alike.",
        ),
        hero=_Hero(
            name="Non-Slip Yoga Mat 6mm",
            noun="Yoga Mat",
            price="39.00",
            stock=95,
            tags="bestseller,eco",
            description=(
                "A 6mm non-slip yoga mat with a grippy surface for yoga, pilates and stretching. "
                "Made from natural rubber; comes with a carry strap."
            ),
        ),
    ),
)

# Sentences about a material, keyed by the modifier that names it.
_MATERIAL_NOTES: Dict[str, str] = {
    "Bamboo": "Bamboo grows back fast and is naturally durable.",
    "Acacia Wood": "Each board's acacia grain is different, so no two are alike.",
    "Walnut": "Oiled walnut darkens beautifully with age.",
    "Olive Wood": "Olive wood is dense, hard-wearing and full of character.",
    "Maple": "Hard maple is gentle on knife edges.",
    "Oak": "Solid oak with a natural oil finish.",
    "Cedar": "Cedar resists rot naturally, without chemical treatment.",
    "Stainless Steel": "Made from stainless steel that will not rust.",
    "Cast Iron": "Solid cast iron that lasts for generations.",
    "Ceramic": "High-fired ceramic that is easy to care for.",
    "Stoneware": "Heavy stoneware with a reactive glaze, so each piece is unique.",
    "Terracotta": "Unglazed terracotta with a warm, earthy finish.",
    "Glass": "Made from clear borosilicate glass that handles heat and cold.",
    "Recycled Glass": "Blown from 100% recycled glass.",
    "Linen": "Stonewashed European linen that softens with every wash.",
    "Organic Cotton": "GOTS-certified organic cotton, grown without synthetic pesticides.",
    "Merino Wool": "Fine merino wool regulates temperature and resists odors.",
    "Cashmere": "Grade-A cashmere, brushed for extra softness.",
    "Recycled Polyester": "Woven from recycled plastic bottles.",
    "Recycled Nylon": "Made from recycled nylon, water-resistant and tough.",
    "Recycled Plastic": "Made from recycled plastic and fully recyclable again.",
    "Cork": "Natural cork is harvested without cutting down the tree.",
    "Jute": "Hand-woven jute with a natural, earthy texture.",
    "Rattan": "Hand-woven rattan on a sturdy frame.",
    "Wool": "Pure wool that is naturally stain-resistant.",
    "Leather": "Full-grain leather that develops a rich patina.",
    "Vegan Leather": "Plant-based vegan leather, no animal products.",
    "Brass": "Solid brass that mellows to a warm patina.",
    "Copper": "Solid copper with a lacquered finish.",
    "Beeswax": "Pure beeswax from small, local apiaries.",
    "Soy Wax": "Hand-poured soy wax with a cotton wick.",
    "Shea Butter": "Rich in unrefined shea butter from a women-led cooperative.",
    "Titanium": "Titanium is light, strong and never rusts.",
    "Natural Rubber": "Natural tree rubber, free from PVC.",
    "Galvanized Steel": "Galvanized steel that will not rust outdoors.",
    "Waxed Canvas": "Waxed cotton canvas that shrugs off rain.",
}
_ECO_MODIFIERS = frozenset(
    {
        "Bamboo", "Cork", "Jute", "Linen", "Organic Cotton", "Recycled Glass", "Recycled Plastic",
        "Recycled Polyester", "Recycled Nylon", "Recycled Cotton", "Recycled", "Beeswax", "Soy Wax",
        "Plant-Based", "Natural Rubber", "Peat-Free", "Organic", "Solar", "Seagrass", "Cedar",
    }
)
_HANDMADE_MODIFIERS = frozenset(
    {"Walnut", "Olive Wood", "Acacia Wood", "Ceramic", "Stoneware", "Rattan", "Jute", "Oak",
     "Soy Wax", "Beeswax", "Leather", "Chunky Knit", "Cotton Rope", "Seagrass"}
)
# Words that need "an" although they start with a consonant, or "a" despite a vowel.
_AN_WORDS = frozenset({"LED", "Herb"})
_A_WORDS = frozenset({"USB-C"})
# Proper adjectives and trade terms that keep their capitals in running text.
_KEEP_CASE = frozenset(
    {"French", "Mediterranean", "Scandinavian", "Nordic", "Damascus", "Pima", "Epsom", "GaN"}
)


# People vocabulary -----------------------------------------------------------------------


@dataclass(frozen=True)
class _NamePool:
    weight: int
    first: Tuple[str, ...]
    last: Tuple[str, ...]
    home: Tuple[str, ...] = ()  # market countries where many of these customers live


def _names(words: str) -> Tuple[str, ...]:
    return tuple(words.split(", "))


_NAME_POOLS: Tuple[_NamePool, ...] = (
    _NamePool(
        30,
        _names("James, Olivia, Emma, Noah, Ava, Ethan, Sophie, Oliver, Charlotte, Jack, Amelia, Harry, "
               "Grace, Henry, Lily, Samuel, Hannah, Daniel, Chloe, Emily, Benjamin, Abigail, Thomas, Megan, "
               "Ryan, Jessica, Nathan, Zoë, Renée, Madison, Tyler, Brooke, Austin, Paige, Caleb, Holly"),
        _names("Smith, Johnson, Williams, Brown, Taylor, Wilson, Davies, Evans, Thompson, Walker, Robinson, "
               "Wright, Hughes, Green, Hall, Clarke, Turner, Parker, Bennett, Mitchell, Cooper, Ward, Morgan, "
               "Bailey, Hayes, Foster, Palmer, Fletcher, Ellis, Reid, Carter, Brooks, Sullivan, Price"),
        ("United States", "United Kingdom", "Canada", "Australia"),
    ),
    _NamePool(
        5,
        _names("Seán, Siobhán, Niamh, Aoife, Ciarán, Oisín, Róisín, Pádraig, Saoirse, Eoin, Cian, Méabh, Liam"),
        _names("O'Brien, Murphy, Kelly, O'Sullivan, Walsh, Byrne, Ryan, O'Connor, McCarthy, Doyle, "
               "Gallagher, Nolan, Fitzgerald, Ó Briain"),
        ("Ireland", "United Kingdom", "United States"),
    ),
    _NamePool(
        12,
        _names("José, María, Lucía, Sofía, Mateo, Martín, Valentina, Camila, Alejandro, Diego, Ana, Isabel, "
               "Andrés, Inés, Javier, Carmen, Nicolás, Elena, Maria, Carlos"),
        _names("García, Martínez, Rodríguez, López, Hernández, González, Pérez, Sánchez, Ramírez, Torres, "
               "Flores, Rivera, Gómez, Díaz, Moreno, Jiménez, Ruiz, Núñez, Castillo, Ortega, Garcia"),
        ("Spain", "United States"),
    ),
    _NamePool(
        7,
        _names("Jürgen, Lena, Jonas, Anna, Lukas, Mia, Felix, Sophie, Björn, Ingrid, Søren, Astrid, Henrik, "
               "Freya, Matthias, Greta, Åsa, Kirsten"),
        _names("Müller, Schmidt, Schneider, Fischer, Weber, Becker, Wagner, Hoffmann, Schäfer, Köhler, "
               "Jørgensen, Lindqvist, Andersson, Nyström, Halvorsen, Bäckström"),
        ("Germany",),
    ),
    _NamePool(
        5,
        _names("Chloé, Léa, Hugo, Louis, Camille, Manon, Théo, Élodie, Gabriel, Inès, Clément, Amélie, "
               "François, Hélène"),
        _names("Dubois, Lefèvre, Moreau, Laurent, Girard, Rousseau, Fontaine, Chevalier, Mercier, Bonnet, "
               "Faure, Lemaître"),
        ("France", "Canada"),
    ),
    _NamePool(
        5,
        _names("Giulia, Marco, Francesca, Luca, Chiara, Matteo, João, Beatriz, Gonçalo, Leonor, Tiago, Rafaela"),
        _names("Rossi, Russo, Ferrari, Esposito, Bianchi, Romano, Conti, De Luca, Silva, Santos, Ferreira, "
               "Gonçalves, Araújo"),
    ),
    _NamePool(
        5,
        _names("Łukasz, Agnieszka, Małgorzata, Piotr, Katarzyna, Tomasz, Zofia, Jakub, Mateusz, Ivana, "
               "Luka, Petra, Marko"),
        _names("Nowak, Wójcik, Kaczmarek, Mazur, Krawczyk, Zając, Król, Wróbel, Horvat, Kovačević, Babić, Jurić"),
    ),
    _NamePool(
        3,
        _names("Haruto, Sakura, Hiroshi, Aiko, Ren, Yui, Kenji, Emi, Sota, Hana, Takeshi, Yuki"),
        _names("Sato, Suzuki, Takahashi, Watanabe, Ito, Yamamoto, Nakamura, Kobayashi, Kato, Yoshida, "
               "Saito, Matsumoto, Tanaka, Ōno"),
    ),
    _NamePool(
        4,
        _names("Wei, Jing, Hao, Xiu, Lei, Yan, Ming, Hui, Jia, Yong, Lan, Xin"),
        _names("Wang, Li, Zhang, Liu, Chen, Yang, Huang, Zhao, Wu, Zhou, Xu, Lin"),
    ),
    _NamePool(
        2,
        _names("Minh, Thảo, Linh, Quân, Huyền, Anh, Tuấn, Phương"),
        _names("Nguyễn, Trần, Lê, Phạm, Hoàng, Vũ, Đặng, Bùi"),
    ),
    _NamePool(
        2,
        _names("Ji-woo, Min-jun, Seo-yeon, Ha-eun, Do-yun, Ji-ho, Soo-ah, Hyun-woo"),
        _names("Kim, Lee, Park, Choi, Jung, Kang, Yoon, Han"),
    ),
    _NamePool(
        5,
        _names("Priya, Arjun, Ananya, Rohan, Aditi, Vikram, Kavya, Rahul, Sneha, Aarav, Isha, Neha"),
        _names("Sharma, Patel, Singh, Gupta, Iyer, Reddy, Nair, Kumar, Mehta, Rao, Desai, Chatterjee"),
        ("United Kingdom", "United States", "Canada"),
    ),
    _NamePool(
        4,
        _names("Ngozi, Chidi, Kwame, Ama, Tendai, Amara, Kofi, Zanele, Tunde, Folake, Abebe, Wanjiru"),
        _names("Okafor, Mensah, Adeyemi, Nwosu, Boateng, Mwangi, Okonkwo, Dlamini, Asante, Kamau, Bello, Owusu"),
    ),
    _NamePool(
        4,
        _names("Fatima, Omar, Aisha, Youssef, Layla, Karim, Nour, Hassan, Zeynep, Emre, Elif, Ayşe"),
        _names("Haddad, Khalil, Mansour, Saleh, Nasser, Aziz, Yılmaz, Kaya, Demir, Şahin, Öztürk, Çelik"),
    ),
    _NamePool(
        3,
        _names("Sanne, Daan, Femke, Bram, Lotte, Joris, Anouk, Sem, Eva, Thijs"),
        _names("de Jong, Jansen, de Vries, van den Berg, van Dijk, Bakker, Visser, Smit, Meijer, de Boer"),
        ("Netherlands",),
    ),
)

# Share of customers per market.
_MARKETS: Tuple[Tuple[str, int], ...] = (
    ("United States", 45),
    ("United Kingdom", 18),
    ("Canada", 9),
    ("Germany", 7),
    ("France", 5),
    ("Australia", 5),
    ("Ireland", 4),
    ("Netherlands", 4),
    ("Spain", 3),
)
_CARRIERS: Dict[str, Tuple[Tuple[str, int], ...]] = {
    "United States": (("USPS", 40), ("UPS", 35), ("FedEx", 25)),
    "Canada": (("UPS", 50), ("FedEx", 35), ("DHL", 15)),
    "United Kingdom": (("Royal Mail", 55), ("DHL", 25), ("UPS", 20)),
    "Ireland": (("DHL", 50), ("UPS", 30), ("FedEx", 20)),
    "Australia": (("DHL", 50), ("FedEx", 30), ("UPS", 20)),
}
_EU_CARRIERS = (("DHL", 55), ("UPS", 30), ("FedEx", 15))

_ENGLISH_STREETS = _names(
    "Maple, Oak, Cedar, Elm, Willow, Birch, Chestnut, Hawthorn, Linden, Juniper, Highland, Meadow, "
    "Orchard, Riverside, Lakeview, Church, Mill, Station, Park, Victoria, Albert, King, Queen, Windsor, "
    "Harbour, Primrose, Sycamore, Ashgrove, Fairview, Brookside"
)
_US_SUFFIXES = ("Street", "Avenue", "Road", "Lane", "Drive", "Court", "Place", "Boulevard")
_UK_SUFFIXES = ("Road", "Street", "Lane", "Close", "Crescent", "Avenue", "Gardens", "Terrace")
_AU_SUFFIXES = ("Street", "Road", "Avenue", "Parade", "Crescent", "Place")
_US_CITIES = (
    ("Austin", "TX", 787, "512"), ("Portland", "OR", 972, "503"), ("Denver", "CO", 802, "303"),
    ("Chicago", "IL", 606, "312"), ("Seattle", "WA", 981, "206"), ("Boston", "MA", 21, "617"),
    ("Atlanta", "GA", 303, "404"), ("Minneapolis", "MN", 554, "612"), ("Phoenix", "AZ", 850, "602"),
    ("Raleigh", "NC", 276, "919"), ("Madison", "WI", 537, "608"), ("San Diego", "CA", 921, "619"),
    ("Brooklyn", "NY", 112, "718"), ("Columbus", "OH", 432, "614"), ("Nashville", "TN", 372, "615"),
    ("Burlington", "VT", 54, "802"), ("Santa Fe", "NM", 875, "505"), ("Pittsburgh", "PA", 152, "412"),
)
_CA_CITIES = (
    ("Vancouver", "BC", "V6", "604"), ("Toronto", "ON", "M4", "416"), ("Montréal", "QC", "H2", "514"),
    ("Calgary", "AB", "T2", "403"), ("Ottawa", "ON", "K1", "613"), ("Halifax", "NS", "B3", "902"),
    ("Victoria", "BC", "V8", "250"), ("Winnipeg", "MB", "R3", "204"),
)
_UK_CITIES = (
    ("London", "SE"), ("London", "N"), ("London", "E"), ("Manchester", "M"), ("Leeds", "LS"),
    ("Bristol", "BS"), ("Edinburgh", "EH"), ("Cardiff", "CF"), ("Brighton", "BN"), ("York", "YO"),
    ("Glasgow", "G"), ("Norwich", "NR"), ("Belfast", "BT"), ("Oxford", "OX"), ("Sheffield", "S"),
)
_IE_CITIES = (
    ("Dublin", ("D02", "D04", "D06", "D08", "D07", "D09")), ("Cork", ("T12", "T23")),
    ("Galway", ("H91",)), ("Limerick", ("V94",)), ("Kilkenny", ("R95",)),
)
_AU_CITIES = (
    ("Fitzroy", "VIC", 3065, "3"), ("Brunswick", "VIC", 3056, "3"), ("Newtown", "NSW", 2042, "2"),
    ("Surry Hills", "NSW", 2010, "2"), ("Paddington", "QLD", 4064, "7"), ("Fremantle", "WA", 6160, "8"),
    ("Glenelg", "SA", 5045, "8"), ("Hobart", "TAS", 7000, "3"),
)
_DE_STREETS = _names(
    "Lindenstraße, Bahnhofstraße, Gartenweg, Schillerstraße, Goethestraße, Kastanienallee, Bergstraße, "
    "Mühlenweg, Rosenstraße, Eichendorffstraße, Hauptstraße, Am Markt"
)
_DE_CITIES = (
    ("Berlin", 10115, 14199), ("Hamburg", 20095, 22769), ("München", 80331, 81929), ("Köln", 50667, 51149),
    ("Leipzig", 4103, 4357), ("Freiburg im Breisgau", 79098, 79117), ("Dresden", 1067, 1328),
)
_FR_STREETS = _names(
    "rue des Lilas, rue Victor Hugo, avenue Jean Jaurès, boulevard Voltaire, rue de la République, "
    "rue du Moulin, place de l'Église, rue des Écoles, allée des Tilleuls, rue Pasteur"
)
_FR_CITIES = (
    ("Paris", tuple(range(75001, 75021))), ("Lyon", tuple(range(69001, 69010))),
    ("Marseille", tuple(range(13001, 13017))), ("Bordeaux", (33000, 33100, 33200, 33300, 33800)),
    ("Nantes", (44000, 44100, 44200, 44300)), ("Lille", (59000, 59160, 59260, 59800)),
)
_ES_STREETS = _names(
    "Calle Mayor, Calle de Alcalá, Avenida de la Constitución, Calle del Sol, Paseo de Gracia, "
    "Calle de la Luna, Plaza de España, Calle San Vicente, Calle Real, Avenida del Puerto"
)
_ES_CITIES = (
    ("Madrid", 28001, 28055), ("Barcelona", 8001, 8042), ("Valencia", 46001, 46026),
    ("Sevilla", 41001, 41020), ("Bilbao", 48001, 48015), ("Málaga", 29001, 29018),
)
_NL_STREETS = _names(
    "Keizersgracht, Prinsengracht, Kerkstraat, Molenweg, Dorpsstraat, Lindenlaan, Stationsweg, "
    "Oranjestraat, Wilhelminapark, Nieuwe Gracht"
)
_NL_CITIES = (
    ("Amsterdam", 1011, 1109), ("Utrecht", 3511, 3585), ("Rotterdam", 3011, 3089),
    ("Haarlem", 2011, 2037), ("Groningen", 9711, 9747), ("Eindhoven", 5611, 5658),
)
_UK_INWARD_LETTERS = "ABDEFGHJLNPQRSTUWXYZ"
_CA_LETTERS = "ABCEGHJKLMNPRSTVWXYZ"
_EIRCODE_CHARS = "ACDEFHKNPRTVWXY0123456789"
_NL_LETTERS = "ABCEGHJKLMNPRTVWXZ"
_EMAIL_DOMAINS = (("example.com", 60), ("example.org", 20), ("example.net", 20))
# Transliteration for letters NFKD does not decompose into ASCII.
_ASCII_LETTERS = str.maketrans({"ø": "o", "ł": "l", "ß": "ss", "æ": "ae", "œ": "oe", "đ": "d", "ı": "i"})

_ORDER_HOURS = tuple(range(24))
# Orders by hour of day (UTC): quiet at night, busy at lunch and in the evening.
_ORDER_HOUR_WEIGHTS = (1, 1, 1, 1, 1, 1, 2, 3, 4, 5, 6, 7, 8, 7, 6, 6, 6, 7, 8, 9, 9, 8, 5, 3)
_RETURN_REASONS = (
    "Wrong size.",
    "Arrived damaged.",
    "Not as described on the website.",
    "Changed my mind.",
    "Ordered two by mistake.",
    "Color looks different in person.",
    "Stopped working after a week.",
)


# Internal records ------------------------------------------------------------------------


@dataclass
class _Product:
    id: int
    category: int
    noun: str
    consumable: bool
    price: Decimal
    created_at: datetime
    popularity: float
    row: Dict[str, object]


@dataclass
class _Catalogue:
    products: List[_Product]
    by_sku: Dict[str, _Product]
    # Per category: product indexes and cumulative popularity weights for fast sampling.
    members: List[List[int]]
    cum_weights: List[List[float]]
    heroes: List[int]
    bundles: Dict[int, List[Tuple[int, ...]]]


@dataclass
class _Shopper:
    id: int
    address: str
    country: str
    created_at: datetime
    favourites: Tuple[int, ...]
    bought_consumables: List[int] = field(default_factory=list)


@dataclass
class _PlannedOrder:
    placed_at: datetime
    customer_id: int
    sequence: int  # tie-breaker among equal timestamps
    lines: List[Tuple[int, int, Decimal]]  # product index, quantity, unit price
    address: str
    country: str
    row: Dict[str, object] = field(default_factory=dict)
    return_request: Optional[Dict[str, object]] = None


# Public entry point ----------------------------------------------------------------------


def seed_demo_data(
    database: Database,
    customers: int = 500,
    products: int = 200,
    orders: int = 5000,
    seed: int = 42,
    today: Optional[date] = None,
) -> SeedReport:
    """Fill an empty CRM database with the demo shop; the same arguments give the same rows.

    `customers` and `orders` include the demo accounts and their orders, so at least
    3 customers, 10 products (one per category) and 9 + one per generated customer
    orders are needed. `today` defaults to the current UTC date. Returned orders also
    get a refunded `ReturnRequest` (and a few recent deliveries an open one).
    Raises `ValueError` for impossible counts or when the database already has data.
    """
    started = perf_counter()
    _check_counts(customers, products, orders)
    today = today or datetime.now(timezone.utc).date()
    clock = datetime.combine(today, time.min)
    rng = random.Random(seed)

    database.create_schema()
    with database.session() as session:
        _refuse_non_empty(session)

    catalogue = _build_catalogue(rng, products, clock)
    customer_rows, shoppers = _build_customers(rng, customers, clock)
    planned = _plan_orders(rng, catalogue, shoppers, orders - DEMO_ORDER_COUNT, clock)
    order_rows, item_rows, return_rows = _order_rows(rng, catalogue, planned, today)

    with database.session() as session:
        _refuse_non_empty(session)
        # Parents before children; each table in one executemany with explicit ids.
        session.execute(insert(Customer), customer_rows)
        session.execute(insert(Product), [product.row for product in catalogue.products])
        session.execute(insert(Order), order_rows)
        session.execute(insert(OrderItem), item_rows)
        if return_rows:
            session.execute(insert(ReturnRequest), return_rows)
        _reset_sequences(session)

    return SeedReport(
        customers=len(customer_rows),
        products=len(catalogue.products),
        orders=len(order_rows),
        order_items=len(item_rows),
        seconds=round(perf_counter() - started, 3),
    )


def _check_counts(customers: int, products: int, orders: int) -> None:
    if customers < len(DEMO_CUSTOMERS):
        raise ValueError(f"customers must be at least {len(DEMO_CUSTOMERS)} (the demo accounts)")
    if products < len(_CATEGORIES):
        raise ValueError(f"products must be at least {len(_CATEGORIES)} (one per category)")
    needed = DEMO_ORDER_COUNT + customers - len(DEMO_CUSTOMERS)
    if orders < needed:
        raise ValueError(
            f"orders must be at least {needed}: {DEMO_ORDER_COUNT} demo orders "
            "plus one for every generated customer"
        )
    if customers == len(DEMO_CUSTOMERS) and orders > DEMO_ORDER_COUNT:
        raise ValueError(
            f"orders beyond the {DEMO_ORDER_COUNT} demo orders need generated customers "
            f"(customers > {len(DEMO_CUSTOMERS)})"
        )


def _refuse_non_empty(session: Session) -> None:
    filled = [
        model.__tablename__
        for model in (Customer, Product, Order)
        if session.execute(select(model.id).limit(1)).first() is not None
    ]
    if filled:
        raise ValueError(
            f"refusing to seed: the CRM database already has data in {', '.join(filled)}; "
            "seed only an empty database"
        )


def _reset_sequences(session: Session) -> None:
    """Move PostgreSQL id sequences past the explicit ids, so later inserts do not collide."""
    if session.get_bind().dialect.name != "postgresql":
        return
    for model in (Customer, Product, Order, OrderItem, ReturnRequest):
        # Table names come from our models, never from input.
        table_name = model.__tablename__
        session.execute(
            text(
                f"SELECT setval(pg_get_serial_sequence('{table_name}', 'id'), "
                f"COALESCE((SELECT MAX(id) FROM {table_name}), 0) + 1, false)"
            )
        )


# Catalogue -------------------------------------------------------------------------------


def _build_catalogue(rng: random.Random, count: int, clock: datetime) -> _Catalogue:
    """Products grouped by category (ids in SKU order), with popularity and bundles."""
    per_category = _apportion(count, [category.weight for category in _CATEGORIES])
    used_names: Set[str] = {category.hero.name.lower() for category in _CATEGORIES}
    products: List[_Product] = []
    members: List[List[int]] = []
    cum_weights: List[List[float]] = []
    heroes: List[int] = []
    bundles: Dict[int, List[Tuple[int, ...]]] = {}
    hero_created = datetime.combine(clock.date() - timedelta(days=CUSTOMER_HISTORY_DAYS + 15), time(9))

    for index, category in enumerate(_CATEGORIES):
        n = per_category[index]
        width = max(4, len(str(n)))
        # Popularity: a Zipf-like curve over a random ranking; the hero is the top seller.
        ranks = list(range(1, n))
        rng.shuffle(ranks)
        ranks.insert(0, 0)
        popularity = [1.0 / (rank + 1) ** 0.9 for rank in ranks]
        bestseller_cutoff = max(1, n // 10)
        nouns = _noun_cycle(rng, category)
        start = len(products)
        for position in range(n):
            sku = f"NW-{category.code}-{position + 1:0{width}d}"
            product_id = len(products) + 1
            if position == 0:
                product = _hero_product(product_id, index, category, sku, hero_created)
            else:
                product = _generated_product(
                    rng, product_id, index, category, nouns, sku, used_names, clock,
                    bestseller=ranks[position] < bestseller_cutoff,
                )
            product.popularity = popularity[position]
            products.append(product)
        members.append(list(range(start, len(products))))
        cum_weights.append(list(itertools.accumulate(popularity)))
        heroes.append(start)
        _add_bundles(rng, category, products, members[-1], bundles)

    return _Catalogue(
        products=products,
        by_sku={str(product.row["sku"]): product for product in products},
        members=members,
        cum_weights=cum_weights,
        heroes=heroes,
        bundles=bundles,
    )


def _apportion(total: int, weights: Sequence[int]) -> List[int]:
    """Split `total` by `weights` (largest remainders), at least one each."""
    rest = total - len(weights)
    exact = [rest * weight / sum(weights) for weight in weights]
    shares = [int(value) for value in exact]
    by_remainder = sorted(range(len(weights)), key=lambda i: (-(exact[i] - shares[i]), i))
    for i in by_remainder[: rest - sum(shares)]:
        shares[i] += 1
    return [share + 1 for share in shares]


def _noun_cycle(rng: random.Random, category: _Category) -> Iterator[_Noun]:
    """Nouns in shuffled rounds, so even a small catalogue covers every kind of product."""
    while True:
        round_ = list(category.nouns)
        rng.shuffle(round_)
        yield from round_


def _hero_product(
    product_id: int, category_index: int, category: _Category, sku: str, created_at: datetime
) -> _Product:
    hero = category.hero
    noun = next(noun for noun in category.nouns if noun.name == hero.noun)
    price = Decimal(hero.price)
    return _Product(
        id=product_id,
        category=category_index,
        noun=noun.name,
        consumable=noun.consumable,
        price=price,
        created_at=created_at,
        popularity=1.0,
        row={
            "id": product_id,
            "sku": sku,
            "name": hero.name,
            "category": category.name,
            "description": hero.description,
            "price": price,
            "stock": hero.stock,
            "tags": hero.tags,
            "image": f"/products/{sku}.svg",
            "created_at": created_at,
        },
    )


def _generated_product(
    rng: random.Random,
    product_id: int,
    category_index: int,
    category: _Category,
    nouns: Iterator[_Noun],
    sku: str,
    used_names: Set[str],
    clock: datetime,
    bestseller: bool,
) -> _Product:
    # A noun whose combinations are used up hands over to the next one.
    for _ in range(len(category.nouns)):
        noun = next(nouns)
        named = _product_name(rng, category, noun, used_names)
        if named is not None:
            break
    if named is None:
        named = _numbered_name(rng, category, noun, used_names)
    name, parts = named
    used_names.add(name.lower())
    brand, adjective, modifier, _variant = parts

    # Most of the range sells at the lower end; brands cost a little more.
    value = noun.low + (noun.high - noun.low) * rng.random() ** 1.6
    if brand:
        value *= 1.1
    ending = rng.choices(("0.99", "0.95", "0.49", "0.00"), weights=(60, 15, 10, 15))[0]
    price = max(Decimal(int(value)) - 1 + Decimal(ending), Decimal("2.99")).quantize(CENT)

    stock = 0 if rng.random() < 0.1 else min(400, int(3 + rng.expovariate(1 / 60)))
    if rng.random() < 0.85:
        created_at = clock - timedelta(days=rng.uniform(ORDER_HISTORY_DAYS, CUSTOMER_HISTORY_DAYS))
    else:
        created_at = clock - timedelta(days=rng.uniform(3, ORDER_HISTORY_DAYS))
    created_at = created_at.replace(microsecond=0)

    tags = set(noun.tags)
    if modifier in _ECO_MODIFIERS or adjective in _ECO_MODIFIERS:
        tags.add("eco")
    if modifier in _HANDMADE_MODIFIERS and rng.random() < 0.4:
        tags.add("handmade")
    if rng.random() < (0.35 if "gift" in noun.tags else 0.15):
        tags.add("gift")
    if bestseller:
        tags.add("bestseller")
    if clock - created_at <= timedelta(days=60):
        tags.add("new")
    if rng.random() < 0.06:
        tags.add("sale")

    return _Product(
        id=product_id,
        category=category_index,
        noun=noun.name,
        consumable=noun.consumable,
        price=price,
        created_at=created_at,
        popularity=0.0,
        row={
            "id": product_id,
            "sku": sku,
            "name": name,
            "category": category.name,
            "description": _description(rng, category, noun, adjective, modifier),
            "price": price,
            "stock": stock,
            "tags": ",".join(sorted(tags)),
            "image": f"/products/{sku}.svg",
            "created_at": created_at,
        },
    )


_NameParts = Tuple[str, str, str, str]  # brand, adjective, modifier, variant


def _name_parts(
    rng: random.Random, category: _Category, noun: _Noun, boost: float
) -> Tuple[str, _NameParts]:
    adjectives = category.adjectives if noun.adjectives is None else noun.adjectives
    brand = rng.choice(category.brands) if rng.random() < 0.15 + boost else ""
    adjective = rng.choice(adjectives) if adjectives and rng.random() < 0.25 + boost else ""
    modifier = rng.choice(noun.modifiers) if noun.modifiers and rng.random() < 0.85 + boost else ""
    variant = rng.choice(noun.variants) if noun.variants and rng.random() < 0.4 + boost else ""
    name = " ".join(part for part in (brand, adjective, modifier, noun.name, variant) if part)
    return name, (brand, adjective, modifier, variant)


def _product_name(
    rng: random.Random, category: _Category, noun: _Noun, used_names: Set[str]
) -> Optional[Tuple[str, _NameParts]]:
    """A name not used yet, "[brand] [adjective] [modifier] noun [variant]", or None.

    Short names come first; when they run out, later attempts add more parts.
    """
    for attempt in range(60):
        name, parts = _name_parts(rng, category, noun, attempt / 30)
        if name != noun.name and name.lower() not in used_names:
            return name, parts
    return None


def _numbered_name(
    rng: random.Random, category: _Category, noun: _Noun, used_names: Set[str]
) -> Tuple[str, _NameParts]:
    """Past every combination of a category's words, a model number keeps names distinct."""
    base, parts = _name_parts(rng, category, noun, 1.0)
    for model in itertools.count(2):
        name = f"{base} Mk {model}"
        if name.lower() not in used_names:
            return name, parts
    raise AssertionError("unreachable")


def _description(
    rng: random.Random, category: _Category, noun: _Noun, adjective: str, modifier: str
) -> str:
    """One to three sentences: what it is and is for, its material, a shop note."""
    phrase = " ".join(part for part in (adjective, modifier, noun.name) if part)
    lowered = _lower_phrase(phrase)
    subject = _with_article(lowered, phrase) if noun.article else lowered
    sentences = [f"{subject[0].upper()}{subject[1:]} {noun.use}."]
    material_note = _MATERIAL_NOTES.get(modifier)
    if material_note and rng.random() < 0.8:
        sentences.append(material_note)
    if rng.random() < 0.5:
        sentences.append(rng.choice(category.notes))
    return " ".join(sentences)


def _lower_phrase(phrase: str) -> str:
    """Lower-case a name for running text, keeping acronyms and sizes ("USB-C", "4K", "A5")."""

    def lower_part(part: str) -> str:
        if part in _KEEP_CASE:
            return part
        letters = [char for char in part if char.isalpha()]
        if any(char.isdigit() for char in part) or (letters and all(c.isupper() for c in letters)):
            return part
        return part.lower()

    return " ".join("-".join(lower_part(part) for part in word.split("-")) for word in phrase.split())


def _with_article(lowered: str, original: str) -> str:
    first = original.split()[0]
    if first in _AN_WORDS:
        article = "an"
    elif first in _A_WORDS:
        article = "a"
    else:
        article = "an" if lowered[0] in "aeiou" else "a"
    return f"{article} {lowered}"


def _add_bundles(
    rng: random.Random,
    category: _Category,
    products: List[_Product],
    member_indexes: List[int],
    bundles: Dict[int, List[Tuple[int, ...]]],
) -> None:
    """Groups of companion products (one per companion noun) that are often bought together."""
    by_noun: Dict[str, List[int]] = {}
    for index in member_indexes:
        by_noun.setdefault(products[index].noun, []).append(index)
    for nouns in category.companions:
        present = [by_noun[noun] for noun in nouns if noun in by_noun]
        if len(present) < 2:
            continue
        for _ in range(max(1, min(len(group) for group in present))):
            bundle = tuple(
                rng.choices(group, weights=[products[i].popularity for i in group])[0]
                for group in present
            )
            for index in bundle:
                bundles.setdefault(index, []).append(bundle)


# Customers -------------------------------------------------------------------------------


def _build_customers(
    rng: random.Random, count: int, clock: datetime
) -> Tuple[List[Dict[str, object]], List[_Shopper]]:
    """Customer rows (demo accounts first) and, for generated customers, their habits."""
    rows: List[Dict[str, object]] = []
    for customer_id, demo in enumerate(DEMO_CUSTOMERS, start=1):
        rows.append(
            {
                "id": customer_id,
                "external_ref": None,
                "name": demo.name,
                "email": demo.email,
                "phone": demo.phone,
                "address": demo.address,
                "country": demo.country,
                "created_at": clock + demo.created,
            }
        )
    used_names = {demo.name for demo in DEMO_CUSTOMERS}
    used_emails = {demo.email for demo in DEMO_CUSTOMERS}
    pool_weights = [pool.weight for pool in _NAME_POOLS]
    category_weights = [category.weight for category in _CATEGORIES]
    shoppers: List[_Shopper] = []
    for customer_id in range(len(DEMO_CUSTOMERS) + 1, count + 1):
        pool = rng.choices(_NAME_POOLS, weights=pool_weights)[0]
        first, last = _person_name(rng, pool, pool_weights, used_names)
        name = f"{first} {last}"
        used_names.add(name)
        email = _email(rng, first, last, used_emails)
        used_emails.add(email)
        country = _country(rng, pool)
        address, phone = _address_and_phone(rng, country)
        created_at = _growth_time(rng, clock - timedelta(days=CUSTOMER_HISTORY_DAYS), clock, 1.2)
        favourite_count = 1 if rng.random() < 0.6 else 2
        favourites = tuple(
            _sample_without_replacement(rng, len(_CATEGORIES), category_weights, favourite_count)
        )
        rows.append(
            {
                "id": customer_id,
                "external_ref": None,
                "name": name,
                "email": email,
                "phone": phone,
                "address": address,
                "country": country,
                "created_at": created_at,
            }
        )
        shoppers.append(_Shopper(customer_id, address, country, created_at, favourites))
    return rows, shoppers


def _person_name(
    rng: random.Random, pool: _NamePool, pool_weights: List[int], used: Set[str]
) -> Tuple[str, str]:
    """A first and last name not used yet; some families mix backgrounds."""
    for _ in range(30):
        first = rng.choice(pool.first)
        family = pool if rng.random() < 0.88 else rng.choices(_NAME_POOLS, weights=pool_weights)[0]
        last = rng.choice(family.last)
        if f"{first} {last}" not in used and _ascii_slug(first + last) not in _DEMO_NAME_SLUGS:
            return first, last
    # Crowded pool: a middle initial keeps names distinct.
    for initial in itertools.cycle("ABCDEFGHJKLMNPRSTW"):
        middle = f"{first} {initial}."
        if f"{middle} {last}" not in used:
            return middle, last
        last = rng.choice(pool.last)
    raise AssertionError("unreachable")


def _ascii_slug(text_: str) -> str:
    folded = unicodedata.normalize("NFKD", text_.lower().translate(_ASCII_LETTERS))
    return "".join(char for char in folded if char.isascii() and char.isalnum())


# Generated customers never look like a demo account, not even without accents.
_DEMO_NAME_SLUGS = frozenset(_ascii_slug(demo.name) for demo in DEMO_CUSTOMERS)


def _email(rng: random.Random, first: str, last: str, used: Set[str]) -> str:
    """A unique lower-case address at a reserved example domain."""
    first_slug = _ascii_slug(first.split()[0])
    last_slug = _ascii_slug(last)
    pattern = rng.choices(
        (
            f"{first_slug}.{last_slug}",
            f"{first_slug}{last_slug}",
            f"{first_slug[0]}{last_slug}",
            f"{first_slug}_{last_slug}",
            f"{last_slug}.{first_slug}",
            f"{first_slug}.{last_slug}{rng.randint(60, 99)}",
        ),
        weights=(40, 15, 15, 10, 8, 12),
    )[0]
    domain = rng.choices([d for d, _ in _EMAIL_DOMAINS], weights=[w for _, w in _EMAIL_DOMAINS])[0]
    email = f"{pattern}@{domain}"
    number = 2
    while email in used:
        email = f"{pattern}{number}@{domain}"
        number += 1
    return email


def _country(rng: random.Random, pool: _NamePool) -> str:
    countries = [country for country, _ in _MARKETS]
    weights = [weight for _, weight in _MARKETS]
    if pool.home and rng.random() < 0.6:
        home_weights = [weight if country in pool.home else 0 for country, weight in _MARKETS]
        return rng.choices(countries, weights=home_weights)[0]
    return rng.choices(countries, weights=weights)[0]


def _address_and_phone(rng: random.Random, country: str) -> Tuple[str, Optional[str]]:
    """A one-line postal address and, where a range reserved for fiction exists, a phone.

    Phones only come from ranges regulators keep out of service for films and
    examples (NANP 555-01xx, Ofcom 07700 900xxx, ACMA 5550 xxxx), so the demo never
    shows a real person's number; other customers left the field empty.
    """
    number = rng.randint(1, 240)
    phone: Optional[str] = None
    if country == "United States":
        city, state, zip_prefix, area = rng.choice(_US_CITIES)
        unit = f", Apt {rng.randint(1, 30)}{rng.choice('ABCD')}" if rng.random() < 0.25 else ""
        street = f"{rng.randint(10, 9999)} {rng.choice(_ENGLISH_STREETS)} {rng.choice(_US_SUFFIXES)}"
        address = f"{street}{unit}, {city}, {state} {zip_prefix:03d}{rng.randint(1, 99):02d}"
        phone = f"+1 {area}-555-01{rng.randint(0, 99):02d}"
    elif country == "Canada":
        city, province, prefix, area = rng.choice(_CA_CITIES)
        postcode = (
            f"{prefix}{rng.choice(_CA_LETTERS)} "
            f"{rng.randint(0, 9)}{rng.choice(_CA_LETTERS)}{rng.randint(0, 9)}"
        )
        street = f"{rng.randint(10, 4999)} {rng.choice(_ENGLISH_STREETS)} {rng.choice(_US_SUFFIXES)}"
        address = f"{street}, {city}, {province} {postcode}"
        phone = f"+1 {area}-555-01{rng.randint(0, 99):02d}"
    elif country == "United Kingdom":
        city, area_code = rng.choice(_UK_CITIES)
        postcode = (
            f"{area_code}{rng.randint(1, 20)} {rng.randint(1, 9)}"
            f"{rng.choice(_UK_INWARD_LETTERS)}{rng.choice(_UK_INWARD_LETTERS)}"
        )
        address = f"{number} {rng.choice(_ENGLISH_STREETS)} {rng.choice(_UK_SUFFIXES)}, {city} {postcode}"
        phone = f"+44 7700 900{rng.randint(0, 999):03d}"
    elif country == "Ireland":
        city, keys = rng.choice(_IE_CITIES)
        eircode = f"{rng.choice(keys)} " + "".join(rng.choice(_EIRCODE_CHARS) for _ in range(4))
        address = f"{number} {rng.choice(_ENGLISH_STREETS)} {rng.choice(_UK_SUFFIXES)}, {city}, {eircode}"
    elif country == "Australia":
        suburb, state, au_postcode, trunk = rng.choice(_AU_CITIES)
        street = f"{number} {rng.choice(_ENGLISH_STREETS)} {rng.choice(_AU_SUFFIXES)}"
        address = f"{street}, {suburb} {state} {au_postcode}"
        phone = f"+61 {trunk} 5550 {rng.randint(0, 9999):04d}"
    elif country == "Germany":
        city, low, high = rng.choice(_DE_CITIES)
        address = f"{rng.choice(_DE_STREETS)} {number}, {rng.randint(low, high):05d} {city}"
    elif country == "France":
        city, postcodes = rng.choice(_FR_CITIES)
        address = f"{number} {rng.choice(_FR_STREETS)}, {rng.choice(postcodes)} {city}"
    elif country == "Spain":
        city, low, high = rng.choice(_ES_CITIES)
        floor = f", {rng.randint(1, 8)}º {rng.choice('ABCD')}" if rng.random() < 0.7 else ""
        address = f"{rng.choice(_ES_STREETS)} {number}{floor}, {rng.randint(low, high):05d} {city}"
    else:  # Netherlands
        city, low, high = rng.choice(_NL_CITIES)
        postcode = f"{rng.randint(low, high)} {rng.choice(_NL_LETTERS)}{rng.choice(_NL_LETTERS)}"
        address = f"{rng.choice(_NL_STREETS)} {number}, {postcode} {city}"
    if rng.random() < 0.15:
        phone = None
    return f"{address}, {country}", phone


def _sample_without_replacement(
    rng: random.Random, n: int, weights: Sequence[float], k: int
) -> List[int]:
    chosen: List[int] = []
    remaining = list(range(n))
    for _ in range(min(k, n)):
        pick = rng.choices(remaining, weights=[weights[i] for i in remaining])[0]
        chosen.append(pick)
        remaining.remove(pick)
    return chosen


def _growth_time(rng: random.Random, start: datetime, end: datetime, growth: float) -> datetime:
    """A moment in [start, end) whose density grows by e**growth over `ORDER_HISTORY_DAYS`."""
    span = (end - start).total_seconds()
    if span <= 1:
        return start
    rate = growth * span / (ORDER_HISTORY_DAYS * 86400)
    u = rng.random()
    fraction = math.log1p(u * math.expm1(rate)) / rate if rate > 1e-9 else u
    return start + timedelta(seconds=min(int(fraction * span), int(span) - 1))


# Orders ----------------------------------------------------------------------------------


def _plan_orders(
    rng: random.Random,
    catalogue: _Catalogue,
    shoppers: List[_Shopper],
    count: int,
    clock: datetime,
) -> List[_PlannedOrder]:
    """Generated orders: when each customer ordered and what, in each customer's order of time."""
    window_start = clock - timedelta(days=ORDER_HISTORY_DAYS)
    # Everybody orders once; the rest goes to customers by a skewed appetite times
    # the time they have had to order, so a few loyal customers order often.
    appetite = [
        min(6.0, rng.lognormvariate(0, 0.85))
        * max(0.02, (clock - max(shopper.created_at, window_start)) / (clock - window_start))
        for shopper in shoppers
    ]
    counts = [1] * len(shoppers)
    if count > len(shoppers):
        for index in rng.choices(range(len(shoppers)), weights=appetite, k=count - len(shoppers)):
            counts[index] += 1

    planned: List[_PlannedOrder] = []
    for shopper, n in zip(shoppers, counts, strict=True):
        times = _order_times(rng, shopper, n, window_start, clock)
        for sequence, placed_at in enumerate(times):
            lines = _order_lines(rng, catalogue, shopper, placed_at)
            planned.append(
                _PlannedOrder(
                    placed_at, shopper.id, sequence, lines, shopper.address, shopper.country
                )
            )
    return planned


def _order_times(
    rng: random.Random, shopper: _Shopper, n: int, window_start: datetime, clock: datetime
) -> List[datetime]:
    """`n` sorted order times after the customer signed up, more of them recently."""
    start = max(shopper.created_at, window_start)
    times: List[datetime] = []
    first = shopper.created_at + timedelta(minutes=rng.randint(2, 25))
    if shopper.created_at >= window_start and first < clock and rng.random() < 0.7:
        # Most accounts are opened at the first checkout.
        times.append(first)
    while len(times) < n:
        moment = _growth_time(rng, start, clock, 1.1)
        # Fewer orders outside the holiday season.
        if moment.month not in (11, 12) and rng.random() < 0.2:
            moment = _growth_time(rng, start, clock, 1.1)
        hour = rng.choices(_ORDER_HOURS, weights=_ORDER_HOUR_WEIGHTS)[0]
        daytime = datetime.combine(moment.date(), time(hour, rng.randrange(60), rng.randrange(60)))
        times.append(daytime if start <= daytime < clock else moment)
    return sorted(times)


def _order_lines(
    rng: random.Random, catalogue: _Catalogue, shopper: _Shopper, placed_at: datetime
) -> List[Tuple[int, int, Decimal]]:
    """1-5 distinct products: favourites, bundles, and consumables bought again."""
    size = rng.choices((1, 2, 3, 4, 5), weights=(45, 28, 15, 8, 4))[0]
    chosen: List[int] = []

    def add(index: Optional[int]) -> None:
        if index is not None and index not in chosen and len(chosen) < 5:
            chosen.append(index)

    if shopper.bought_consumables and rng.random() < 0.35:
        add(rng.choice(shopper.bought_consumables))
    category = _pick_category(rng, shopper)
    first = _pick_product(rng, catalogue, category, placed_at)
    add(first)
    if first in catalogue.bundles and rng.random() < 0.4:
        for index in rng.choice(catalogue.bundles[first]):
            if catalogue.products[index].created_at <= placed_at:
                add(index)
    attempts = 0
    while len(chosen) < size and attempts < 10:
        attempts += 1
        if rng.random() >= 0.55:
            category = _pick_category(rng, shopper)
        add(_pick_product(rng, catalogue, category, placed_at))

    lines: List[Tuple[int, int, Decimal]] = []
    for index in chosen:
        product = catalogue.products[index]
        if product.consumable:
            quantity = rng.choices((1, 2, 3), weights=(50, 35, 15))[0]
            if index not in shopper.bought_consumables:
                shopper.bought_consumables.append(index)
        else:
            quantity = rng.choices((1, 2, 3), weights=(82, 13, 5))[0]
        price = product.price
        if rng.random() < 0.07:
            discount = Decimal(rng.choice((10, 15, 20, 25)))
            price = (price * (100 - discount) / 100).quantize(CENT, rounding=ROUND_HALF_UP)
        lines.append((index, quantity, price))
    return lines


def _pick_category(rng: random.Random, shopper: _Shopper) -> int:
    if rng.random() < 0.75:
        return rng.choice(shopper.favourites)
    return rng.choices(range(len(_CATEGORIES)), weights=[c.weight for c in _CATEGORIES])[0]


def _pick_product(
    rng: random.Random, catalogue: _Catalogue, category: int, placed_at: datetime
) -> int:
    """A product of `category` by popularity that was already on sale at `placed_at`."""
    members = catalogue.members[category]
    cum = catalogue.cum_weights[category]
    for _ in range(8):
        index = members[bisect.bisect_right(cum, rng.random() * cum[-1])]
        if catalogue.products[index].created_at <= placed_at:
            return index
    return catalogue.heroes[category]


def _order_rows(
    rng: random.Random, catalogue: _Catalogue, planned: List[_PlannedOrder], today: date
) -> Tuple[List[Dict[str, object]], List[Dict[str, object]], List[Dict[str, object]]]:
    """Order, item and return rows: numbers by date, life cycles, demo orders merged in."""
    clock = datetime.combine(today, time.min)
    planned.sort(key=lambda order: (order.placed_at, order.customer_id, order.sequence))
    used_tracking: Set[str] = {
        order.tracking_number
        for customer in DEMO_CUSTOMERS
        for order in customer.orders
        if order.tracking_number
    }
    for position, order in enumerate(planned):
        order.row = _life_cycle(rng, order, clock, used_tracking)
        order.row["number"] = f"ORD-{FIRST_ORDER_NUMBER + position}"
        order.row["customer_id"] = order.customer_id

    for customer_id, demo in enumerate(DEMO_CUSTOMERS, start=1):
        for demo_order in demo.orders:
            lines = [
                (catalogue.by_sku[sku].id - 1, quantity, catalogue.by_sku[sku].price)
                for sku, quantity in demo_order.lines
            ]
            stamps = demo_order.timestamps(today)
            placed_at = stamps["placed_at"]
            assert placed_at is not None
            entry = _PlannedOrder(placed_at, customer_id, 0, lines, demo.address, demo.country)
            entry.row = {
                "number": demo_order.number,
                "customer_id": customer_id,
                "status": demo_order.status,
                **stamps,
                "carrier": demo_order.carrier,
                "tracking_number": demo_order.tracking_number,
                "shipping_address": demo.address,
            }
            planned.append(entry)

    planned.sort(key=lambda order: (order.placed_at, str(order.row["number"])))
    order_rows: List[Dict[str, object]] = []
    item_rows: List[Dict[str, object]] = []
    return_rows: List[Dict[str, object]] = []
    for order_id, order in enumerate(planned, start=1):
        order_rows.append({"id": order_id, **order.row})
        for product_index, quantity, unit_price in order.lines:
            item_rows.append(
                {
                    "id": len(item_rows) + 1,
                    "order_id": order_id,
                    "product_id": catalogue.products[product_index].id,
                    "quantity": quantity,
                    "unit_price": unit_price,
                }
            )
        if order.return_request is not None:
            return_rows.append(
                {
                    "id": len(return_rows) + 1,
                    "order_id": order_id,
                    "customer_id": order.customer_id,
                    **order.return_request,
                }
            )
    return order_rows, item_rows, return_rows


def _life_cycle(
    rng: random.Random, order: _PlannedOrder, clock: datetime, used_tracking: Set[str]
) -> Dict[str, object]:
    """Status and timestamps of an order as they stand at `clock`.

    Every order follows placed -> paid -> shipped -> delivered, some are cancelled
    before shipping (about 5%) or returned after delivery (about 3%); the status is
    the last step that happened before `clock`, and later steps stay empty.
    """
    placed = order.placed_at
    paid = placed + timedelta(seconds=int(rng.lognormvariate(4.5, 1.2)) + 20)
    shipped = paid + timedelta(hours=rng.uniform(5, 60))
    carrier = _carrier(rng, order)
    transit = max(1, TRANSIT_DAYS[carrier] + rng.choice((-1, 0, 0, 0, 1, 1, 2)))
    delivered = shipped + timedelta(days=transit - 1, hours=rng.uniform(10, 34))

    cancelled: Optional[datetime] = None
    if rng.random() < 0.05:
        cancelled = placed + (shipped - placed) * rng.uniform(0.02, 0.9)
    returned: Optional[datetime] = None
    requested: Optional[datetime] = None
    if rng.random() < 0.033:
        requested = delivered + timedelta(days=rng.uniform(1, 20))
        returned = requested + timedelta(days=rng.uniform(3, 9))
    reason = rng.choice(_RETURN_REASONS)
    tracking = _tracking_number(rng, carrier, used_tracking)

    def past(moment: Optional[datetime]) -> Optional[datetime]:
        return moment.replace(microsecond=0) if moment is not None and moment < clock else None

    row: Dict[str, object] = {
        "placed_at": placed.replace(microsecond=0),
        "paid_at": past(paid),
        "shipped_at": None,
        "delivered_at": None,
        "cancelled_at": None,
        "returned_at": None,
        "carrier": None,
        "tracking_number": None,
        "shipping_address": order.address,
    }
    if past(cancelled):
        # Cancelled before it shipped; it was paid only if payment came first.
        row["status"] = "cancelled"
        row["cancelled_at"] = past(cancelled)
        row["paid_at"] = row["paid_at"] if cancelled is not None and paid <= cancelled else None
        return row
    row["shipped_at"] = past(shipped)
    row["delivered_at"] = past(delivered)
    row["returned_at"] = past(returned)
    if row["shipped_at"] is not None:
        used_tracking.add(tracking)
        row["carrier"] = carrier
        row["tracking_number"] = tracking
    if row["returned_at"] is not None:
        row["status"] = "returned"
    elif row["delivered_at"] is not None:
        row["status"] = "delivered"
    elif row["shipped_at"] is not None:
        row["status"] = "shipped"
    elif row["paid_at"] is not None:
        row["status"] = "paid"
    else:
        row["status"] = "placed"
    if requested is not None and past(requested) and row["delivered_at"] is not None:
        order.return_request = {
            "reason": reason,
            "status": "refunded" if row["returned_at"] is not None else "approved",
            "created_at": past(requested),
        }
    return row


def _carrier(rng: random.Random, order: _PlannedOrder) -> str:
    options = _CARRIERS.get(order.country, _EU_CARRIERS)
    return rng.choices([name for name, _ in options], weights=[weight for _, weight in options])[0]


def _tracking_number(rng: random.Random, carrier: str, used: Set[str]) -> str:
    """A tracking number in the carrier's usual format, unique within the seed."""
    while True:
        if carrier == "UPS":
            number = f"1Z{UPS_SHIPPER_NUMBER}{rng.choice(('01', '02', '03'))}{rng.randrange(10**8):08d}"
        elif carrier == "FedEx":
            number = f"{rng.randrange(10**11, 10**12)}"
        elif carrier == "USPS":
            number = f"94001{rng.randrange(10**17):017d}"
        elif carrier == "DHL":
            number = f"{rng.randrange(10**9, 10**10)}"
        else:
            number = _royal_mail_number(rng)
        if number not in used:
            return number


def _royal_mail_number(rng: random.Random) -> str:
    """UPU S10 format: two letters, eight digits, a check digit, "GB"."""
    digits = [rng.randrange(10) for _ in range(8)]
    total = sum(d * w for d, w in zip(digits, (8, 6, 4, 2, 3, 5, 9, 7), strict=True))
    check = 11 - total % 11
    check = 0 if check == 10 else 5 if check == 11 else check
    prefix = rng.choice(("RN", "TT", "RM"))
    return f"{prefix}{''.join(map(str, digits))}{check}GB"
