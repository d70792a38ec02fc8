"""What the recommender reads from the CRM store, as plain arrays and small dataclasses.

Why a module of its own: training needs the whole order log at once (hundreds of
thousands of lines, so it is read as numpy arrays, not ORM objects), while the
action server needs one customer's orders and a few products' live stock and
price per request. Both read only non-cancelled, non-returned orders: a cancelled
or returned purchase is no evidence that the customer wanted the item.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from decimal import Decimal
from typing import Any, Dict, FrozenSet, Iterable, List, Optional, Sequence, Tuple

import numpy as np
from sqlalchemy import func, select

from bot.crm.database import Database
from bot.crm.models import Order, OrderItem, Product

EXCLUDED_STATUSES = ("cancelled", "returned")
CENT = Decimal("0.01")
# A customer's profile uses at most this many recent orders (bounds query time for heavy buyers).
HISTORY_ORDER_LIMIT = 100
_PARAMS_PER_QUERY = 500


def to_seconds(moment: datetime) -> float:
    """Seconds since the epoch of a naive UTC timestamp (the CRM's convention)."""
    return moment.replace(tzinfo=timezone.utc).timestamp()


def to_decimal(cents: int) -> Decimal:
    return (Decimal(int(cents)) / 100).quantize(CENT)


@dataclass(frozen=True)
class Catalogue:
    """Every product, in product id order; position i of each field is the same product."""

    product_ids: np.ndarray  # int64
    skus: List[str]
    names: List[str]
    categories: List[str]
    descriptions: List[str]
    tags: List[str]
    images: List[Optional[str]]
    price_cents: np.ndarray  # int64
    stock: np.ndarray  # int64

    def __len__(self) -> int:
        return len(self.skus)

    @classmethod
    def empty(cls) -> Catalogue:
        return cls(np.zeros(0, np.int64), [], [], [], [], [], [], np.zeros(0, np.int64), np.zeros(0, np.int64))


@dataclass(frozen=True)
class OrderLog:
    """Order lines of kept orders, one per (order, product), sorted by customer, time, order."""

    customer_ids: np.ndarray  # int64
    order_ids: np.ndarray  # int64
    placed_at: np.ndarray  # float64 seconds
    product_ids: np.ndarray  # int64
    quantities: np.ndarray  # int64

    def __len__(self) -> int:
        return len(self.order_ids)

    def select(self, mask: np.ndarray) -> OrderLog:
        return OrderLog(
            self.customer_ids[mask],
            self.order_ids[mask],
            self.placed_at[mask],
            self.product_ids[mask],
            self.quantities[mask],
        )

    @classmethod
    def from_lines(cls, lines: Iterable[Tuple[int, int, float, int, int]]) -> OrderLog:
        """From (customer_id, order_id, placed_at seconds, product_id, quantity) tuples."""
        rows = list(lines)
        if not rows:
            empty = np.zeros(0, np.int64)
            return cls(empty, empty, np.zeros(0, np.float64), empty, empty)
        customers, orders, placed, products, quantities = (np.asarray(column) for column in zip(*rows, strict=True))
        order = np.lexsort((orders, placed, customers))
        return cls(
            customers.astype(np.int64)[order],
            orders.astype(np.int64)[order],
            placed.astype(np.float64)[order],
            products.astype(np.int64)[order],
            quantities.astype(np.int64)[order],
        )


@dataclass(frozen=True)
class PastOrder:
    order_id: int
    placed_at: float  # seconds
    product_ids: Tuple[int, ...]
    quantities: Tuple[int, ...]


@dataclass(frozen=True)
class CustomerHistory:
    """A customer's kept orders, oldest first (empty for a new or anonymous customer)."""

    orders: Tuple[PastOrder, ...] = ()

    @property
    def last_order(self) -> Optional[PastOrder]:
        return self.orders[-1] if self.orders else None

    def product_ids(self) -> List[int]:
        return sorted({product for order in self.orders for product in order.product_ids})


def histories_from_log(log: OrderLog) -> Dict[int, CustomerHistory]:
    """Every customer's history from an order log (used by evaluation, where the log is in memory)."""
    histories: Dict[int, List[PastOrder]] = {}
    if len(log) == 0:
        return {}
    boundaries = np.flatnonzero(np.diff(log.order_ids) != 0) + 1
    for chunk in np.split(np.arange(len(log)), boundaries):
        first = chunk[0]
        histories.setdefault(int(log.customer_ids[first]), []).append(
            PastOrder(
                order_id=int(log.order_ids[first]),
                placed_at=float(log.placed_at[first]),
                product_ids=tuple(int(p) for p in log.product_ids[chunk]),
                quantities=tuple(int(q) for q in log.quantities[chunk]),
            )
        )
    return {customer: CustomerHistory(tuple(orders)) for customer, orders in histories.items()}


@dataclass(frozen=True)
class HoldOut:
    """Training lines, and per evaluated customer the product ids of the held-out order."""

    train: OrderLog
    targets: Dict[int, FrozenSet[int]]


def hold_out_last_orders(log: OrderLog, min_orders: int = 2) -> HoldOut:
    """Hold out the last order of every customer with at least `min_orders` orders."""
    if len(log) == 0:
        return HoldOut(log, {})
    # The log is sorted by customer, time, order: a customer's last order is at the end of its block.
    keep = np.ones(len(log), dtype=bool)
    targets: Dict[int, FrozenSet[int]] = {}
    boundaries = np.flatnonzero(np.diff(log.customer_ids) != 0) + 1
    for block in np.split(np.arange(len(log)), boundaries):
        orders = log.order_ids[block]
        if len(np.unique(orders)) < min_orders:
            continue
        last = block[orders == orders[-1]]
        keep[last] = False
        targets[int(log.customer_ids[block[0]])] = frozenset(int(p) for p in log.product_ids[last])
    return HoldOut(log.select(keep), targets)


@dataclass(frozen=True)
class ProductInfo:
    """A product as the CRM has it now (live stock and price)."""

    id: int
    sku: str
    name: str
    category: str
    description: str
    price: Decimal
    stock: int
    image: Optional[str]
    tags: Tuple[str, ...]


def _product_info(row: Any) -> ProductInfo:
    return ProductInfo(
        id=int(row.id),
        sku=row.sku,
        name=row.name,
        category=row.category,
        description=row.description or "",
        price=Decimal(str(row.price)).quantize(CENT),
        stock=int(row.stock or 0),
        image=row.image,
        tags=tuple(tag for tag in (row.tags or "").split(",") if tag),
    )


_PRODUCT_COLUMNS = (
    Product.id,
    Product.sku,
    Product.name,
    Product.category,
    Product.description,
    Product.price,
    Product.stock,
    Product.image,
    Product.tags,
)


def read_training_data(database_url: str) -> Tuple[Catalogue, OrderLog]:
    """The catalogue and the whole order log of the CRM at `database_url`, which is closed afterwards.

    What training, evaluation and tuning start from; they run once, so the engine is not kept.
    """
    database = Database(database_url)
    try:
        reader = CrmReader(database)
        return reader.catalogue(), reader.order_log()
    finally:
        database.dispose()


class CrmReader:
    """Reads catalogue, order log and customer histories from the CRM store."""

    def __init__(self, database: Database) -> None:
        self.database = database

    def catalogue(self) -> Catalogue:
        with self.database.session() as session:
            rows = session.execute(select(*_PRODUCT_COLUMNS).order_by(Product.id)).all()
        if not rows:
            return Catalogue.empty()
        return Catalogue(
            product_ids=np.array([row.id for row in rows], dtype=np.int64),
            skus=[row.sku for row in rows],
            names=[row.name for row in rows],
            categories=[row.category for row in rows],
            descriptions=[row.description or "" for row in rows],
            tags=[row.tags or "" for row in rows],
            images=[row.image for row in rows],
            price_cents=np.array([int(round(float(row.price) * 100)) for row in rows], dtype=np.int64),
            stock=np.array([int(row.stock or 0) for row in rows], dtype=np.int64),
        )

    def order_log(self) -> OrderLog:
        """All lines of kept orders. Orders and lines are read apart so only orders parse dates."""
        orders_statement = select(Order.id, Order.customer_id, Order.placed_at).where(
            Order.status.not_in(EXCLUDED_STATUSES)
        )
        lines_statement = (
            select(OrderItem.order_id, OrderItem.product_id, func.sum(OrderItem.quantity))
            .join(Order, Order.id == OrderItem.order_id)
            .where(Order.status.not_in(EXCLUDED_STATUSES))
            .group_by(OrderItem.order_id, OrderItem.product_id)
        )
        with self.database.session() as session:
            orders = session.execute(orders_statement).all()
            lines = session.execute(lines_statement).all()
        if not orders or not lines:
            return OrderLog.from_lines([])
        order_ids = np.array([row[0] for row in orders], dtype=np.int64)
        order_customers = np.array([row[1] for row in orders], dtype=np.int64)
        order_times = np.array([to_seconds(row[2]) for row in orders], dtype=np.float64)
        line_array = np.array(lines, dtype=np.int64)
        sorter = np.argsort(order_ids)
        position = sorter[np.searchsorted(order_ids, line_array[:, 0], sorter=sorter)]
        customers = order_customers[position]
        placed = order_times[position]
        order = np.lexsort((line_array[:, 1], line_array[:, 0], placed, customers))
        return OrderLog(
            customer_ids=customers[order],
            order_ids=line_array[order, 0],
            placed_at=placed[order],
            product_ids=line_array[order, 1],
            quantities=line_array[order, 2],
        )

    def history(self, customer_id: int, limit: int = HISTORY_ORDER_LIMIT) -> CustomerHistory:
        """The customer's most recent kept orders (at most `limit`), oldest first."""
        recent = (
            select(Order.id, Order.placed_at)
            .where(Order.customer_id == customer_id, Order.status.not_in(EXCLUDED_STATUSES))
            .order_by(Order.placed_at.desc(), Order.id.desc())
            .limit(limit)
            .subquery()
        )
        statement = (
            select(recent.c.id, recent.c.placed_at, OrderItem.product_id, func.sum(OrderItem.quantity))
            .join(OrderItem, OrderItem.order_id == recent.c.id)
            .group_by(recent.c.id, recent.c.placed_at, OrderItem.product_id)
            .order_by(recent.c.placed_at, recent.c.id, OrderItem.product_id)
        )
        with self.database.session() as session:
            rows = session.execute(statement).all()
        lines: Dict[int, Tuple[float, List[int], List[int]]] = {}
        for order_id, placed_at, product_id, quantity in rows:
            if order_id not in lines:
                lines[order_id] = (to_seconds(placed_at), [], [])
            lines[order_id][1].append(int(product_id))
            lines[order_id][2].append(int(quantity))
        # Rows come in order of time, and dicts keep insertion order.
        return CustomerHistory(
            tuple(
                PastOrder(int(order_id), placed, tuple(products), tuple(quantities))
                for order_id, (placed, products, quantities) in lines.items()
            )
        )

    def products(self, product_ids: Sequence[int]) -> Dict[int, ProductInfo]:
        """Live rows of these products (missing ids are left out)."""
        found: Dict[int, ProductInfo] = {}
        ids = list(dict.fromkeys(int(pid) for pid in product_ids))
        with self.database.session() as session:
            for start in range(0, len(ids), _PARAMS_PER_QUERY):
                chunk = ids[start : start + _PARAMS_PER_QUERY]
                for row in session.execute(select(*_PRODUCT_COLUMNS).where(Product.id.in_(chunk))):
                    found[int(row.id)] = _product_info(row)
        return found

    def product_by_sku(self, sku: str) -> Optional[ProductInfo]:
        with self.database.session() as session:
            row = session.execute(select(*_PRODUCT_COLUMNS).where(Product.sku == sku.strip())).first()
            if row is None:
                row = session.execute(
                    select(*_PRODUCT_COLUMNS).where(func.upper(Product.sku) == sku.strip().upper())
                ).first()
        return _product_info(row) if row is not None else None
