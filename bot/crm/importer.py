"""Import a real order log ("Online Retail" CSV layout) into the CRM tables.

Why: the assistant is only as believable as the orders it can talk about, and
hand-written fixtures never have the mess of a real shop (cancellations, rows
without a customer, free samples, postage lines). This module turns such a log
into customers, products, orders and order items, so demos, benchmarks and
load tests run on real order histories.

Input: a CSV with the header
`InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID,Country`
(column order free, names case-insensitive). Dates are `2010-12-01 08:26:00`
(ISO, seconds optional) or `12/1/2010 8:26` (US month/day, as in the UCI export).

Mapping (each rule is a guess at what the shop meant, kept simple on purpose):

* Customer: one per CustomerID, keyed by `external_ref` (`"17850.0"` -> `"17850"`),
  named "Customer 17850", email `customer-17850@imported.invalid` (the `.invalid`
  top-level domain can never receive mail), country from its first row.
* Product: one per StockCode (upper-cased, the log mixes `85123a` and `85123A`).
  Name: the first non-empty Description, title-cased. Price: the most common unit
  price in the imported rows. Category and tags: keyword tables below. Stock: 100,
  because the log says nothing about inventory.
* Order: one per InvoiceNo, numbered `ORD-<InvoiceNo>`. Invoices starting with "C"
  are cancellations: status "cancelled", `cancelled_at` = invoice date, items with
  the absolute quantity. Other invoices are "delivered": placed and paid at the
  invoice date, shipped one day and delivered two days later (the log has no
  shipping data; the offsets give the bot realistic tracking answers). An invoice
  dated so recently that those moments are still in the future stays "paid" or
  "shipped". The order's date is its earliest row's.
* Order items: one per accepted row. Rows repeating a StockCode within an invoice
  stay separate lines, as in the log, so totals match the shop's invoice exactly.

Rows are skipped, never fatal, and counted by reason: `malformed_row` (broken CSV,
wrong number of fields, missing invoice or stock code), `no_customer`, `bad_customer`, `non_product`
(postage, fees, discounts and manual adjustments: not catalogue items, and their
names would pollute the NLU's product list), `bad_quantity` (zero, non-integer,
or negative outside a cancellation), `bad_price` (not a number, not positive
after rounding to cents, or too large), `bad_date`, `customer_mismatch` (a row
naming another customer than its invoice's first row) and `already_present` (the
order was imported before). So `rows_read == order_items_imported + sum(skipped)`.

Idempotency: an invoice whose order number already exists is skipped as a whole,
so importing a file twice imports nothing new. Existing customers (by
`external_ref`) and products (by sku) are reused and never modified.

Speed: the CSV is streamed, complete invoices are buffered and written in batches
with multi-row inserts and ids allocated from `max(id) + 1`, so no row costs a
query. The whole import is one transaction: all or nothing, and a failed import
can simply be rerun. On PostgreSQL the four tables are locked against concurrent
writers for that transaction (readers are not blocked) so the allocated ids cannot
collide, and the id sequences are moved past the new ids before commit. On SQLite
the write lock is held for the whole import too; run large imports off-peak.
"""

from __future__ import annotations

import csv
import logging
import re
import time
from collections import Counter
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta, timezone
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from pathlib import Path
from typing import Any, Dict, FrozenSet, Iterable, Iterator, List, Optional, Sequence, Set, Tuple

from sqlalchemy import bindparam, func, insert, select, text, update
from sqlalchemy.orm import Session

from bot.crm.database import Database
from bot.crm.errors import CrmError
from bot.crm.models import Customer, Order, OrderItem, Product, utcnow

logger = logging.getLogger(__name__)

REQUIRED_COLUMNS = (
    "invoiceno",
    "stockcode",
    "description",
    "quantity",
    "invoicedate",
    "unitprice",
    "customerid",
    "country",
)

DEFAULT_BATCH_SIZE = 5000
DEFAULT_STOCK = 100
EMAIL_DOMAIN = "imported.invalid"
SHIPPED_AFTER = timedelta(days=1)
DELIVERED_AFTER = timedelta(days=2)

# Stock codes of postage, fees, discounts and manual corrections in this layout.
NON_PRODUCT_CODES = frozenset(
    {
        "POST",
        "DOT",
        "C2",
        "M",
        "D",
        "S",
        "B",
        "AMAZONFEE",
        "BANK CHARGES",
        "CRUK",
        "ADJUST",
        "ADJUST2",
    }
)

# Category heuristic: the first category with a keyword among the description's
# words wins (a word also matches without a trailing S or ES); no match -> "Gifts".
# Seasonal comes first so "CHRISTMAS LIGHTS" is Christmas, not Candles & Lights;
# Home Decor before Kitchen so "FAIRY CAKE CUSHION" is a cushion. Plain "LIGHT" is
# no keyword: in this log it is mostly a colour ("LIGHT GREEN BOWL").
CATEGORY_KEYWORDS: Tuple[Tuple[str, FrozenSet[str]], ...] = (
    (
        "Christmas",
        frozenset(
            "CHRISTMAS XMAS ADVENT SANTA REINDEER SNOWFLAKE SNOWMAN BAUBLE NATIVITY TINSEL".split()
        ),
    ),
    (
        "Candles & Lights",
        frozenset(
            "CANDLE CANDLEHOLDER T-LIGHT TEALIGHT LANTERN LIGHTS NIGHTLIGHT LAMP LAMPSHADE "
            "LED CHANDELIER".split()
        ),
    ),
    ("Bags", frozenset("BAG HANDBAG TOTE SHOPPER PURSE BACKPACK RUCKSACK".split())),
    (
        "Home Decor",
        frozenset(
            "FRAME CLOCK CUSHION SIGN MIRROR VASE DOORMAT HANGER HOOK DECORATION ORNAMENT "
            "DOORSTOP THROW BLANKET BUNTING GARLAND WREATH CHIME DRAWER CABINET SHELF KNOB "
            "STORAGE BASKET WICKER PLAQUE".split()
        ),
    ),
    (
        "Kitchen",
        frozenset(
            "KITCHEN MUG CUP TEACUP SAUCER PLATE BOWL JUG TEAPOT TEA COFFEE SPOON CUTLERY "
            "BAKING CAKE CAKESTAND CAKETIN LUNCH NAPKIN APRON JAR JAM COOKIE CUTTER BISCUIT "
            "RECIPE EGG TRAY COASTER PANTRY SCALE CHOPSTICK POPCORN BREAKFAST DINNER "
            "TUMBLER BEAKER MEASURING OVEN".split()
        ),
    ),
    (
        "Stationery",
        frozenset(
            "CARD NOTEBOOK PEN PENCIL ERASER WRAP PAPER STICKER ENVELOPE JOURNAL DIARY "
            "CALENDAR TAPE NOTEPAD BOOKMARK CRAYON CHALK RULER SHARPENER".split()
        ),
    ),
    (
        "Toys",
        frozenset(
            "TOY GAME DOLL DOLLY PUZZLE JIGSAW SKITTLE MARBLE DOMINO TEDDY PLAYHOUSE "
            "SOLDIER BALLOON KITE SKIPPING".split()
        ),
    ),
    (
        "Garden",
        frozenset(
            "GARDEN PLANT PLANTER WATERING BIRDHOUSE FEEDER FLOWERPOT SEED HERB GNOME "
            "TROWEL".split()
        ),
    ),
)
DEFAULT_CATEGORY = "Gifts"

# Tags: every matched category keyword plus these colours and motifs, lower-cased.
TAG_WORDS = frozenset(
    "RED PINK BLUE WHITE GREEN BLACK CREAM IVORY SILVER GOLD YELLOW PURPLE GREY ORANGE "
    "HEART VINTAGE RETROSPOT POLKADOT ROSE STAR BIRD OWL SKULL BUTTERFLY FLORAL FLOWER "
    "PAISLEY GINGHAM WOODLAND LOVE EASTER BIRTHDAY PARTY WEDDING BABY".split()
)
MAX_TAGS = 8

_SMALL_WORDS = frozenset("a an and as at by for in of on or the to with".split())
_ACRONYMS = frozenset("LED UK USA DVD CD XL 3D".split())
_WORD_PARTS = re.compile(r"([-/,+&'.])")
_TOKEN = re.compile(r"[A-Z0-9'-]+")
_INVOICE = re.compile(r"^[A-Z0-9][A-Z0-9-]{0,27}$")
_CUSTOMER_REF = re.compile(r"^[A-Z0-9][A-Z0-9_-]{0,39}$")
_DATE_FORMATS = ("%m/%d/%Y %H:%M", "%m/%d/%Y %H:%M:%S", "%m/%d/%y %H:%M", "%Y-%m-%d %H:%M")
_CENT = Decimal("0.01")
_MAX_PRICE = Decimal("99999999.99")  # Numeric(10, 2)
_MAX_QUANTITY = 2**31 - 1
_PARAMS_PER_QUERY = 500  # well below SQLite's and PostgreSQL's bound-parameter limits
_PRODUCT_FIELDS = ("name", "price", "category", "description", "tags")

_Row = Dict[str, object]


class ImportFormatError(CrmError, ValueError):
    """The file is not an order log in the expected layout (e.g. a column is missing)."""


@dataclass
class ImportReport:
    """What one import did; `skipped` maps a reason to its row count."""

    rows_read: int = 0
    orders_imported: int = 0
    order_items_imported: int = 0
    customers_created: int = 0
    products_created: int = 0
    orders_already_present: int = 0
    skipped: Dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0

    def skip(self, reason: str, rows: int = 1) -> None:
        self.skipped[reason] = self.skipped.get(reason, 0) + rows

    def to_dict(self) -> Dict[str, object]:
        data = asdict(self)
        data["skipped"] = dict(sorted(self.skipped.items()))
        data["seconds"] = round(self.seconds, 3)
        return data


@dataclass(frozen=True)
class _Line:
    sku: str
    description: str
    quantity: int
    unit_price: Decimal


@dataclass
class _Invoice:
    """The accepted rows of one invoice, waiting to be written."""

    invoice_no: str
    customer_ref: str
    country: str
    placed_at: datetime
    lines: List[_Line] = field(default_factory=list)

    @property
    def number(self) -> str:
        return f"ORD-{self.invoice_no}"

    @property
    def cancelled(self) -> bool:
        return self.invoice_no.startswith("C")


@dataclass
class _ProductStats:
    """What the import has seen of a product it created, to name and price it at the end."""

    id: int
    description: str = ""
    prices: Counter[Decimal] = field(default_factory=Counter)
    # (description, price) as first inserted, to update only what changed since.
    written: Tuple[str, Optional[Decimal]] = ("", None)


class _Skip(Exception):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


# Public API -------------------------------------------------------------------------


def import_orders(
    database: Database, path: Path, batch_size: int = DEFAULT_BATCH_SIZE
) -> ImportReport:
    """Import the order log at `path` into `database`; see the module docstring."""
    if batch_size < 1:
        raise ValueError("batch_size must be positive")
    started = time.perf_counter()
    database.create_schema()
    report = ImportReport()
    with database.session() as session:
        writer = _Writer(session, report)
        pending: Dict[str, _Invoice] = {}
        pending_lines = 0
        previous_invoice = ""
        for invoice_no, parsed in _parse_rows(Path(path), report):
            # Flush at an invoice boundary, so a sorted log writes complete invoices.
            if pending_lines >= batch_size and invoice_no != previous_invoice:
                writer.write(pending.values())
                pending, pending_lines = {}, 0
            previous_invoice = invoice_no
            customer_ref, country, placed_at, line = parsed
            invoice = pending.get(invoice_no)
            if invoice is None:
                expected = writer.customer_of_written_invoice(invoice_no)
                if expected is not None and expected != customer_ref:
                    report.skip("customer_mismatch")
                    continue
                invoice = _Invoice(invoice_no, customer_ref, country, placed_at)
                pending[invoice_no] = invoice
            elif invoice.customer_ref != customer_ref:
                report.skip("customer_mismatch")
                continue
            invoice.placed_at = min(invoice.placed_at, placed_at)
            invoice.lines.append(line)
            pending_lines += 1
        writer.write(pending.values())
        writer.finish()
    report.seconds = time.perf_counter() - started
    logger.info(
        "Imported order log: %s rows, %s orders (%s already present), %s items, skipped %s",
        report.rows_read,
        report.orders_imported,
        report.orders_already_present,
        report.order_items_imported,
        report.skipped,
    )
    return report


# Parsing ----------------------------------------------------------------------------

_ParsedRow = Tuple[str, Tuple[str, str, datetime, _Line]]


def _parse_rows(path: Path, report: ImportReport) -> Iterator[_ParsedRow]:
    """Yield (invoice_no, (customer_ref, country, date, line)) per accepted row."""
    dates: Dict[str, Optional[datetime]] = {}
    with path.open("r", encoding="utf-8-sig", errors="replace", newline="") as handle:
        reader = csv.reader(handle)
        header = next(reader, None)
        if header is None:
            raise ImportFormatError(f"{path.name} is empty")
        columns = {name.strip().lower(): index for index, name in enumerate(header)}
        missing = [name for name in REQUIRED_COLUMNS if name not in columns]
        if missing:
            raise ImportFormatError(f"{path.name} lacks columns: {', '.join(missing)}")
        indexes = [columns[name] for name in REQUIRED_COLUMNS]
        width = len(header)
        for row in _rows(reader, report):
            report.rows_read += 1
            # Extra fields mean an unquoted comma shifted the columns ("2,55"): the
            # values would land in the wrong fields and still look plausible.
            if len(row) < width or any(value.strip() for value in row[width:]):
                report.skip("malformed_row")
                continue
            try:
                yield _parse_row([row[index] for index in indexes], dates)
            except _Skip as skip:
                report.skip(skip.reason)


def _rows(reader: Iterator[List[str]], report: ImportReport) -> Iterator[List[str]]:
    """The reader's rows; a line the csv module cannot parse counts as a malformed row."""
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error:
            report.rows_read += 1
            report.skip("malformed_row")
            continue
        if row:  # blank lines are not rows
            yield row


def _parse_row(values: Sequence[str], dates: Dict[str, Optional[datetime]]) -> _ParsedRow:
    invoice_raw, code_raw, description, quantity_raw, date_raw, price_raw, ref_raw, country = values
    invoice_no = invoice_raw.strip().upper()
    sku = code_raw.strip().upper()
    if not invoice_no or not sku or not _INVOICE.match(invoice_no) or len(sku) > 64:
        raise _Skip("malformed_row")
    customer_ref = normalise_customer_ref(ref_raw)
    if not customer_ref:
        raise _Skip("no_customer")
    if not _CUSTOMER_REF.match(customer_ref):
        raise _Skip("bad_customer")
    if sku in NON_PRODUCT_CODES:
        raise _Skip("non_product")
    cancelled = invoice_no.startswith("C")
    quantity = _parse_quantity(quantity_raw)
    if quantity is None or quantity == 0 or (quantity < 0 and not cancelled):
        raise _Skip("bad_quantity")
    price = _parse_price(price_raw)
    if price is None:
        raise _Skip("bad_price")
    # A log has few distinct timestamps (one per invoice), so parse each once.
    date_key = date_raw.strip()
    if date_key in dates:
        placed_at = dates[date_key]
    else:
        placed_at = dates[date_key] = parse_invoice_date(date_key)
    if placed_at is None:
        raise _Skip("bad_date")
    line = _Line(
        sku=sku,
        description=" ".join(description.split()),
        quantity=abs(quantity),
        unit_price=price,
    )
    return invoice_no, (customer_ref, " ".join(country.split())[:80], placed_at, line)


def normalise_customer_ref(raw: str) -> str:
    """CustomerID as stored in `external_ref`: '17850.0' -> '17850', '' -> ''."""
    ref = raw.strip().upper()
    if "." in ref:
        whole, _, fraction = ref.partition(".")
        if whole.isdigit() and fraction.strip("0") == "":
            ref = whole
    return ref


def parse_invoice_date(raw: str) -> Optional[datetime]:
    """`2010-12-01 08:26:00`, `2010-12-01T08:26` or `12/1/2010 8:26`; None if neither."""
    raw = raw.strip()
    if not raw:
        return None
    try:
        parsed = datetime.fromisoformat(raw)
    except ValueError:
        parsed = None
        for date_format in _DATE_FORMATS:
            try:
                parsed = datetime.strptime(raw, date_format)
                break
            except ValueError:
                continue
    if parsed is None:
        return None
    if parsed.tzinfo is not None:
        # Naive UTC, like every timestamp in the CRM (see models.py).
        parsed = parsed.astimezone(timezone.utc).replace(tzinfo=None)
    return parsed.replace(microsecond=0)


def _parse_quantity(raw: str) -> Optional[int]:
    try:
        quantity = int(raw)
    except ValueError:
        try:
            as_float = float(raw)
        except ValueError:
            return None
        if not as_float.is_integer():
            return None
        quantity = int(as_float)
    return quantity if abs(quantity) <= _MAX_QUANTITY else None


def _parse_price(raw: str) -> Optional[Decimal]:
    """A positive price in cents, or None."""
    try:
        price = Decimal(raw.strip()).quantize(_CENT, rounding=ROUND_HALF_UP)
    except (InvalidOperation, ValueError):
        return None
    if not price.is_finite() or price <= 0 or price > _MAX_PRICE:
        return None
    return price


# Naming and classifying products ----------------------------------------------------


def product_name(description: str) -> str:
    """A shop-window name from a log description: 'SET OF 3 CAKE TINS' -> 'Set of 3 Cake Tins'."""
    words = description.split()
    return " ".join(_title_word(word, first=index == 0) for index, word in enumerate(words))


def _title_word(word: str, first: bool) -> str:
    lower = word.lower()
    if not first and lower in _SMALL_WORDS:
        return lower
    if word.upper() in _ACRONYMS:
        return word.upper()
    parts = _WORD_PARTS.split(word)
    titled = []
    for index, part in enumerate(parts):
        if not part or _WORD_PARTS.fullmatch(part):
            titled.append(part)
        elif index > 0 and parts[index - 1] == "'":
            titled.append(part.lower())  # children's, 50's
        elif part[0].isalpha():
            titled.append(part[0].upper() + part[1:].lower())
        else:
            titled.append(part.lower())  # 125g, 45x30cm
    return "".join(titled)


def _keyword_forms(description: str) -> Set[str]:
    forms: Set[str] = set()
    for token in _TOKEN.findall(description.upper()):
        token = token.strip("'-")
        forms.add(token)
        if token.endswith("S"):
            forms.add(token[:-1])
        if token.endswith("ES"):
            forms.add(token[:-2])
    return forms


def classify_product(description: str) -> Tuple[str, str]:
    """(category, comma-separated tags) for a description; see CATEGORY_KEYWORDS."""
    forms = _keyword_forms(description)
    category = DEFAULT_CATEGORY
    tags: Set[str] = set(forms & TAG_WORDS)
    for name, keywords in reversed(CATEGORY_KEYWORDS):
        matched = forms & keywords
        if matched:
            category = name  # iterating in reverse leaves the first match
            tags |= matched
    return category, ",".join(sorted(tag.lower() for tag in tags)[:MAX_TAGS])


# Writing ----------------------------------------------------------------------------


class _Writer:
    """Turns buffered invoices into bulk inserts within one session."""

    def __init__(self, session: Session, report: ImportReport) -> None:
        self.session = session
        self.report = report
        self.postgres = session.get_bind().dialect.name == "postgresql"
        if self.postgres:
            # Nobody else may insert while ids are handed out from max(id) + 1.
            session.execute(
                text(
                    "LOCK TABLE customers, products, orders, order_items "
                    "IN SHARE ROW EXCLUSIVE MODE"
                )
            )
        self.next_ids: Dict[Any, int] = {
            model: int(session.execute(select(func.max(model.id))).scalar() or 0) + 1
            for model in (Customer, Product, Order, OrderItem)
        }
        self.customers: Dict[str, int] = {}
        self.emails: Dict[str, int] = {}
        for customer_id, ref, email in session.execute(
            select(Customer.id, Customer.external_ref, Customer.email)
        ):
            if ref is not None:
                self.customers[ref] = customer_id
            self.emails[email] = customer_id
        self.products: Dict[str, int] = {
            sku: product_id for sku, product_id in session.execute(select(Product.sku, Product.id))
        }
        self.created_products: Dict[str, _ProductStats] = {}
        # Orders written by this import: invoice -> (order id, customer ref).
        self.written: Dict[str, Tuple[int, str]] = {}
        self.present: Set[str] = set()

    def customer_of_written_invoice(self, invoice_no: str) -> Optional[str]:
        written = self.written.get(invoice_no)
        return written[1] if written else None

    def write(self, invoices: Iterable[_Invoice]) -> None:
        invoices = list(invoices)
        if not invoices:
            return
        new_numbers = [
            invoice.number for invoice in invoices if invoice.invoice_no not in self.written
        ]
        existing = self._existing_numbers(new_numbers)
        now = utcnow()
        customers: List[_Row] = []
        products: List[_Row] = []
        orders: List[_Row] = []
        items: List[_Row] = []
        for invoice in invoices:
            invoice_no = invoice.invoice_no
            if invoice_no in self.written:
                order_id = self.written[invoice_no][0]  # more rows of an invoice written earlier
            elif invoice.number in existing:
                if invoice.number not in self.present:
                    self.present.add(invoice.number)
                    self.report.orders_already_present += 1
                self.report.skip("already_present", len(invoice.lines))
                continue
            else:
                order_id = self._allocate(Order)
                customer_id = self._customer_id(invoice, customers)
                orders.append(_order_row(order_id, customer_id, invoice, now))
                self.written[invoice_no] = (order_id, invoice.customer_ref)
            for line in invoice.lines:
                items.append(
                    {
                        "id": self._allocate(OrderItem),
                        "order_id": order_id,
                        "product_id": self._product_id(line, products),
                        "quantity": line.quantity,
                        "unit_price": line.unit_price,
                    }
                )
        # Parents before children: SQLite checks foreign keys per statement.
        batches = ((Customer, customers), (Product, products), (Order, orders), (OrderItem, items))
        for model, rows in batches:
            if rows:
                self.session.execute(insert(model), rows)
        self.report.customers_created += len(customers)
        self.report.products_created += len(products)
        self.report.orders_imported += len(orders)
        self.report.order_items_imported += len(items)

    def finish(self) -> None:
        """Give created products their final name and price; move PostgreSQL sequences."""
        changes: List[_Row] = []
        for sku, stats in self.created_products.items():
            if (stats.description, _usual_price(stats)) != stats.written:
                values = _product_values(sku, stats)
                changes.append({"b_id": stats.id, **{f"b_{key}": values[key] for key in values}})
        if changes:
            table = Product.__table__
            self.session.execute(
                update(table)
                .where(table.c.id == bindparam("b_id"))
                .values({key: bindparam(f"b_{key}") for key in _PRODUCT_FIELDS}),
                changes,
            )
        if self.postgres:
            for model in (Customer, Product, Order, OrderItem):
                # Table names come from our models, never from input.
                table_name = model.__tablename__
                self.session.execute(
                    text(
                        f"SELECT setval(pg_get_serial_sequence('{table_name}', 'id'), "
                        f"COALESCE((SELECT MAX(id) FROM {table_name}), 0) + 1, false)"
                    )
                )

    def _existing_numbers(self, numbers: List[str]) -> Set[str]:
        found: Set[str] = set()
        for start in range(0, len(numbers), _PARAMS_PER_QUERY):
            chunk = numbers[start : start + _PARAMS_PER_QUERY]
            found.update(
                self.session.execute(select(Order.number).where(Order.number.in_(chunk))).scalars()
            )
        return found

    def _allocate(self, model: Any) -> int:
        next_id = self.next_ids[model]
        self.next_ids[model] = next_id + 1
        return next_id

    def _customer_id(self, invoice: _Invoice, new_rows: List[_Row]) -> int:
        ref = invoice.customer_ref
        customer_id = self.customers.get(ref)
        if customer_id is not None:
            return customer_id
        email = f"customer-{ref.lower()}@{EMAIL_DOMAIN}"
        customer_id = self.emails.get(email)  # imported before under this email, without a ref
        if customer_id is None:
            customer_id = self._allocate(Customer)
            new_rows.append(
                {
                    "id": customer_id,
                    "external_ref": ref,
                    "name": f"Customer {ref}",
                    "email": email,
                    "country": invoice.country or None,
                    "created_at": utcnow(),
                }
            )
            self.emails[email] = customer_id
        self.customers[ref] = customer_id
        return customer_id

    def _product_id(self, line: _Line, new_rows: List[_Row]) -> int:
        stats = self.created_products.get(line.sku)
        if stats is None:
            product_id = self.products.get(line.sku)
            if product_id is not None:
                return product_id  # existed before this import: reused as it is
            stats = _ProductStats(id=self._allocate(Product))
            self.created_products[line.sku] = stats
            self.products[line.sku] = stats.id
            _observe(stats, line)
            values = _product_values(line.sku, stats)
            stats.written = (stats.description, _usual_price(stats))
            new_rows.append(
                {
                    "id": stats.id,
                    "sku": line.sku,
                    "stock": DEFAULT_STOCK,
                    "created_at": utcnow(),
                    **values,
                }
            )
            return stats.id
        _observe(stats, line)
        return stats.id


def _observe(stats: _ProductStats, line: _Line) -> None:
    if not stats.description and line.description:
        stats.description = line.description
    stats.prices[line.unit_price] += 1


def _usual_price(stats: _ProductStats) -> Decimal:
    # most_common keeps first-seen order among ties, so ties go to the earliest price.
    return stats.prices.most_common(1)[0][0]


def _product_values(sku: str, stats: _ProductStats) -> _Row:
    category, tags = classify_product(stats.description)
    return {
        "name": (product_name(stats.description) or sku)[:300],
        "price": _usual_price(stats),
        "category": category,
        "description": stats.description,
        "tags": tags,
    }


def _order_row(order_id: int, customer_id: int, invoice: _Invoice, now: datetime) -> _Row:
    placed_at = invoice.placed_at
    row: _Row = {
        "id": order_id,
        "number": invoice.number,
        "customer_id": customer_id,
        "placed_at": placed_at,
        "paid_at": None,
        "shipped_at": None,
        "delivered_at": None,
        "cancelled_at": None,
    }
    if invoice.cancelled:
        row.update(status="cancelled", cancelled_at=placed_at)
        return row
    row.update(status="paid", paid_at=placed_at)
    shipped_at, delivered_at = placed_at + SHIPPED_AFTER, placed_at + DELIVERED_AFTER
    if shipped_at <= now:
        row.update(status="shipped", shipped_at=shipped_at)
    if delivered_at <= now:
        row.update(status="delivered", delivered_at=delivered_at)
    return row
