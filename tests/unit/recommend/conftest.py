"""A small, explicit shop whose right answers are known, on a real SQLite file.

Who bought what (days before NOW):
- customers 1-4 buy Espresso Coffee Beans three times (-30, -20, -10): a consumable people re-buy;
- customers 5-10 buy an Electric Kettle with a Ceramic Mug (-30), then only Green Tea (-10):
  the kettle is a one-off (they ordered again and never re-bought it);
- customers 11-16 buy the Garden Hose together with the Hose Nozzle (-15): a co-purchase pair;
- customers 17-24 buy Wireless Headphones (-5): the most popular product, but out of stock;
- customers 25-26 buy the Wooden Train Set with Wooden Building Blocks (-12, -8);
- Ada (30): Espresso (-20), Espresso (-10), Espresso + Electric Kettle (-1, her last order);
- Ben (31): one order with the Garden Hose only (-2);
- Cy (32): no orders;
- Dee (33): a cancelled order of Headphones and a returned Race Car (neither counts).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Dict, Iterator, List, Sequence, Tuple

import pytest
from sqlalchemy import insert

from bot.crm.database import Database
from bot.crm.models import Customer, Order, OrderItem, Product
from bot.recommend.config import BlendParams, ModelParams
from bot.recommend.data import CrmReader
from bot.recommend.model import RecommenderModel, fit
from bot.recommend.recommender import Recommender

NOW = datetime(2025, 3, 14, 12, 0, 0)
ADA, BEN, CY, DEE = 30, 31, 32, 33

PRODUCTS: Sequence[Tuple[int, str, str, str, str, str, int]] = (
    # id, sku, name, category, description, price, stock
    (1, "PAN-ESP", "Espresso Coffee Beans 1kg", "Pantry", "Dark roast espresso coffee beans.", "15.00", 50),
    (2, "PAN-TEA", "Green Tea 100 Bags", "Pantry", "Japanese green tea bags.", "6.00", 50),
    (3, "KIT-KET", "Electric Kettle", "Kitchen", "Stainless steel electric kettle.", "39.00", 10),
    (4, "KIT-GRI", "Coffee Grinder", "Kitchen", "Burr grinder for coffee beans.", "49.00", 10),
    (5, "KIT-MUG", "Ceramic Mug", "Kitchen", "Large ceramic mug.", "12.00", 10),
    (6, "TOY-TRN", "Wooden Train Set", "Toys", "Wooden train set with tracks and wagons.", "30.00", 5),
    (7, "TOY-BLK", "Wooden Building Blocks", "Toys", "Wooden building blocks in a box.", "20.00", 5),
    (8, "TOY-CAR", "Plastic Race Car", "Toys", "Remote controlled race car.", "25.00", 5),
    (9, "GAR-HOS", "Garden Hose 20 m", "Garden", "Flexible garden hose, 20 metres.", "35.00", 5),
    (10, "GAR-NOZ", "Hose Nozzle", "Garden", "Spray nozzle for the garden hose.", "8.00", 5),
    (11, "ELE-HPH", "Wireless Headphones", "Electronics", "Over-ear wireless headphones.", "99.00", 0),
)

# (customer, days ago, product ids, status)
ORDERS: List[Tuple[int, float, Tuple[int, ...], str]] = (
    [(c, days, (1,), "delivered") for c in range(1, 5) for days in (30, 20, 10)]
    + [(c, 30, (3, 5), "delivered") for c in range(5, 11)]
    + [(c, 10, (2,), "delivered") for c in range(5, 11)]
    + [(c, 15, (9, 10), "delivered") for c in range(11, 17)]
    + [(c, 5, (11,), "delivered") for c in range(17, 25)]
    + [(25, 12, (6, 7), "delivered"), (26, 8, (6, 7), "delivered")]
    + [(ADA, 20, (1,), "delivered"), (ADA, 10, (1,), "delivered"), (ADA, 1, (1, 3), "paid")]
    + [(BEN, 2, (9,), "shipped")]
    + [(DEE, 3, (11,), "cancelled"), (DEE, 4, (8,), "returned")]
)


def build_shop(
    database: Database,
    products: Sequence[Tuple[int, str, str, str, str, str, int]] = PRODUCTS,
    orders: Sequence[Tuple[int, float, Tuple[int, ...], str]] = ORDERS,
    customers: Sequence[int] = (),
) -> None:
    """Write products, customers and orders (one unit of each item) into an empty CRM."""
    database.create_schema()
    customer_ids = sorted({order[0] for order in orders} | set(customers))
    with database.session() as session:
        if customer_ids:
            session.execute(
                insert(Customer),
                [{"id": c, "name": f"Customer {c}", "email": f"c{c}@example.com"} for c in customer_ids],
            )
        if products:
            session.execute(
                insert(Product),
                [
                    {"id": pid, "sku": sku, "name": name, "category": category, "description": text,
                     "price": Decimal(price), "stock": stock, "tags": ""}
                    for pid, sku, name, category, text, price, stock in products
                ],
            )
        prices = {row[0]: Decimal(row[5]) for row in products}
        item_id = 1
        for order_id, (customer, days, items, status) in enumerate(orders, start=1):
            session.execute(
                insert(Order),
                [{"id": order_id, "number": f"ORD-{700000 + order_id}", "customer_id": customer,
                  "status": status, "placed_at": NOW - timedelta(days=days)}],
            )
            session.execute(
                insert(OrderItem),
                [{"id": item_id + i, "order_id": order_id, "product_id": pid, "quantity": 1,
                  "unit_price": prices[pid]} for i, pid in enumerate(items)],
            )
            item_id += len(items)


@dataclass
class Shop:
    database: Database
    model: RecommenderModel
    recommender: Recommender

    def with_blend(self, blend: BlendParams) -> Recommender:
        return Recommender(self.model, CrmReader(self.database), blend)


def open_shop(database: Database, blend: BlendParams | None = None) -> Shop:
    reader = CrmReader(database)
    model = fit(reader.catalogue(), reader.order_log(), ModelParams())
    return Shop(database, model, Recommender(model, reader, blend or BlendParams()))


@pytest.fixture
def database(tmp_path: Path) -> Iterator[Database]:
    db = Database(f"sqlite:///{tmp_path / 'crm.sqlite3'}")
    yield db
    db.dispose()


@pytest.fixture
def shop(database: Database) -> Shop:
    build_shop(database, customers=(CY,))
    return open_shop(database)


def skus(recommendations: Sequence[object]) -> List[str]:
    return [item.sku for item in recommendations]  # type: ignore[attr-defined]


def by_sku(recommendations: Sequence[object]) -> Dict[str, object]:
    return {item.sku: item for item in recommendations}  # type: ignore[attr-defined]
