"""The CRM store: typed queries over the CRM tables.

Every method opens its own session, scopes order queries to one customer, and
returns small frozen dataclasses, so callers never hold ORM objects or sessions.
No SQL is ever built from user text: values only travel as bound parameters.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Dict, List, Optional, Sequence, Tuple

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.crm import rules
from bot.crm.database import Database
from bot.crm.errors import CustomerNotFound, OrderNotEligible, OrderNotFound
from bot.crm.models import (
    Customer,
    Order,
    OrderItem,
    Product,
    ReturnRequest,
    utcnow,
)
from bot.settings import OrderRules

OPEN_RETURN_STATUSES = ("requested", "approved", "received")


@dataclass(frozen=True)
class CustomerInfo:
    id: int
    name: str
    email: str

    @property
    def first_name(self) -> str:
        return self.name.split()[0] if self.name.strip() else self.name


@dataclass(frozen=True)
class OrderLine:
    product_name: str
    sku: str
    quantity: int
    unit_price: Decimal


@dataclass(frozen=True)
class OrderSummary:
    number: str
    status: str
    placed_at: datetime
    total: Decimal
    item_count: int


@dataclass(frozen=True)
class OrderDetail:
    number: str
    status: str
    placed_at: datetime
    paid_at: Optional[datetime]
    shipped_at: Optional[datetime]
    delivered_at: Optional[datetime]
    cancelled_at: Optional[datetime]
    returned_at: Optional[datetime]
    carrier: Optional[str]
    tracking_number: Optional[str]
    shipping_address: Optional[str]
    lines: Tuple[OrderLine, ...]
    has_open_return: bool

    @property
    def total(self) -> Decimal:
        return sum((line.unit_price * line.quantity for line in self.lines), Decimal("0"))

    @property
    def item_count(self) -> int:
        return sum(line.quantity for line in self.lines)


@dataclass(frozen=True)
class ReturnInfo:
    id: int
    order_number: str
    status: str
    created_at: datetime
    deadline: Optional[datetime]


def normalise_order_number(raw: str) -> str:
    """Canonical form of an order number as customers type it: 'ord 104233' -> 'ORD-104233'."""
    cleaned = "".join(raw.split()).upper().replace("#", "")
    if cleaned.startswith("ORD") and not cleaned.startswith("ORD-"):
        cleaned = "ORD-" + cleaned[3:].lstrip("-_")
    elif cleaned.isdigit():
        cleaned = "ORD-" + cleaned
    return cleaned


def normalise_email(raw: str) -> str:
    return raw.strip().lower()


class CrmStore:
    """Repository over one CRM database."""

    def __init__(self, database: Database, order_rules: Optional[OrderRules] = None) -> None:
        self.database = database
        self.order_rules = order_rules or OrderRules()

    # Customers -----------------------------------------------------------------

    def get_customer(self, customer_id: int) -> CustomerInfo:
        with self.database.session() as session:
            customer = session.get(Customer, customer_id)
            if customer is None:
                raise CustomerNotFound(str(customer_id))
            return _customer_info(customer)

    def verify_customer(self, email: str, order_number: str) -> Optional[CustomerInfo]:
        """The customer owning both this email and this order, or None.

        Callers must not say which of the two was wrong.
        """
        statement = (
            select(Customer)
            .join(Order, Order.customer_id == Customer.id)
            .where(Customer.email == normalise_email(email))
            .where(Order.number == normalise_order_number(order_number))
        )
        with self.database.session() as session:
            customer = session.execute(statement).scalars().first()
            return _customer_info(customer) if customer else None

    def count_customers(self) -> int:
        with self.database.session() as session:
            return int(session.execute(select(func.count(Customer.id))).scalar_one())

    # Orders --------------------------------------------------------------------

    def recent_orders(
        self,
        customer_id: int,
        limit: Optional[int] = None,
        since: Optional[datetime] = None,
        until: Optional[datetime] = None,
    ) -> List[OrderSummary]:
        """The customer's most recent orders, newest first, with totals.

        `since` and `until` (UTC, like `placed_at`) keep only orders placed at or
        after `since` and before `until`: "in October" is since Oct 1, until Nov 1.
        """
        limit = limit or self.order_rules.history_length
        selected = select(Order.id, Order.number, Order.status, Order.placed_at).where(
            Order.customer_id == customer_id
        )
        if since is not None:
            selected = selected.where(Order.placed_at >= since)
        if until is not None:
            selected = selected.where(Order.placed_at < until)
        recent = (
            selected.order_by(Order.placed_at.desc(), Order.id.desc())
            .limit(limit)
            .subquery()
        )
        # Totals are summed over the few selected orders only, not the whole item table.
        statement = (
            select(
                recent.c.number,
                recent.c.status,
                recent.c.placed_at,
                func.coalesce(func.sum(OrderItem.quantity * OrderItem.unit_price), 0).label("total"),
                func.coalesce(func.sum(OrderItem.quantity), 0).label("item_count"),
            )
            .outerjoin(OrderItem, OrderItem.order_id == recent.c.id)
            .group_by(recent.c.id, recent.c.number, recent.c.status, recent.c.placed_at)
            .order_by(recent.c.placed_at.desc(), recent.c.id.desc())
        )
        with self.database.session() as session:
            rows = session.execute(statement).all()
        return [
            OrderSummary(
                number=row.number,
                status=row.status,
                placed_at=row.placed_at,
                total=Decimal(str(row.total)).quantize(Decimal("0.01")),
                item_count=int(row.item_count),
            )
            for row in rows
        ]

    def get_order(self, customer_id: int, number: str) -> OrderDetail:
        """One of the customer's orders; `OrderNotFound` if it is not theirs or does not exist."""
        with self.database.session() as session:
            order = self._owned_order(session, customer_id, number)
            return self._detail(session, order)

    def latest_order(
        self, customer_id: int, statuses: Optional[Sequence[str]] = None
    ) -> Optional[OrderDetail]:
        """The customer's most recent order, optionally only among `statuses`."""
        statement = (
            select(Order)
            .where(Order.customer_id == customer_id)
            .order_by(Order.placed_at.desc(), Order.id.desc())
            .limit(1)
        )
        if statuses:
            statement = statement.where(Order.status.in_(list(statuses)))
        with self.database.session() as session:
            order = session.execute(statement).scalars().first()
            return self._detail(session, order) if order else None

    def cancel_order(
        self, customer_id: int, number: str, now: Optional[datetime] = None
    ) -> OrderDetail:
        """Cancel an order that has not shipped yet, atomically.

        The status is re-read under a row lock (on PostgreSQL), so a parcel that
        ships while the customer is confirming is not cancelled.
        """
        now = now or utcnow()
        with self.database.session() as session:
            order = self._owned_order(session, customer_id, number, for_update=True)
            block = rules.cancellation_block(order.status, self.order_rules.cancellable_statuses)
            if block:
                raise OrderNotEligible(order.number, block)
            order.status = "cancelled"
            order.cancelled_at = now
            session.flush()
            return self._detail(session, order)

    def request_return(
        self, customer_id: int, number: str, reason: str, now: Optional[datetime] = None
    ) -> ReturnInfo:
        """Open a return request for a delivered order inside the return window."""
        now = now or utcnow()
        with self.database.session() as session:
            order = self._owned_order(session, customer_id, number, for_update=True)
            block = rules.return_block(
                order.status,
                order.delivered_at,
                now,
                self.order_rules.return_window_days,
                has_open_return=self._has_open_return(session, order.id),
            )
            if block:
                raise OrderNotEligible(order.number, block)
            request = ReturnRequest(
                order_id=order.id,
                customer_id=customer_id,
                reason=reason.strip()[:2000],
                status="requested",
                created_at=now,
            )
            session.add(request)
            session.flush()
            return ReturnInfo(
                id=request.id,
                order_number=order.number,
                status=request.status,
                created_at=request.created_at,
                deadline=rules.return_deadline(
                    order.delivered_at, self.order_rules.return_window_days
                ),
            )

    def order_blocks(
        self, customer_id: int, number: str, now: Optional[datetime] = None
    ) -> Dict[str, Optional[str]]:
        """What stands in the way of cancelling or returning an order (None: nothing)."""
        order = self.get_order(customer_id, number)
        return {
            "cancel": rules.cancellation_block(
                order.status, self.order_rules.cancellable_statuses
            ),
            "return": rules.return_block(
                order.status,
                order.delivered_at,
                now or utcnow(),
                self.order_rules.return_window_days,
                has_open_return=order.has_open_return,
            ),
        }

    def changeable_orders(
        self, customer_id: int, change: str, now: Optional[datetime] = None, limit: int = 50
    ) -> List[str]:
        """Numbers of the customer's recent orders that allow `change` ("cancel" or "return"), newest first."""
        now = now or utcnow()
        statement = (
            select(Order.id, Order.number, Order.status, Order.delivered_at)
            .where(Order.customer_id == customer_id)
            .order_by(Order.placed_at.desc(), Order.id.desc())
            .limit(limit)
        )
        with self.database.session() as session:
            rows = session.execute(statement).all()
            open_returns = set(
                session.execute(
                    select(ReturnRequest.order_id).where(
                        ReturnRequest.customer_id == customer_id,
                        ReturnRequest.status.in_(OPEN_RETURN_STATUSES),
                    )
                ).scalars()
            )
        if change == "cancel":
            return [
                row.number
                for row in rows
                if rules.cancellation_block(row.status, self.order_rules.cancellable_statuses) is None
            ]
        if change == "return":
            return [
                row.number
                for row in rows
                if rules.return_block(
                    row.status,
                    row.delivered_at,
                    now,
                    self.order_rules.return_window_days,
                    has_open_return=row.id in open_returns,
                )
                is None
            ]
        raise ValueError(f"unknown change {change!r}")

    def expected_delivery(self, order: OrderDetail) -> Optional[datetime]:
        if order.status == "delivered":
            return order.delivered_at
        return rules.expected_delivery(
            order.shipped_at,
            order.carrier,
            self.order_rules.transit_days,
            self.order_rules.default_transit_days,
        )

    def tracking_url(self, order: OrderDetail) -> Optional[str]:
        template = self.order_rules.tracking_urls.get(order.carrier or "")
        if not template or not order.tracking_number:
            return None
        return template.format(tracking_number=order.tracking_number)

    # Catalogue -----------------------------------------------------------------

    def catalogue_terms(self) -> Tuple[List[str], List[str]]:
        """Product names and categories, for the NLU's catalogue entity extractor."""
        with self.database.session() as session:
            names = session.execute(select(Product.name).order_by(Product.name)).scalars().all()
            categories = (
                session.execute(select(Product.category).distinct().order_by(Product.category))
                .scalars()
                .all()
            )
        return list(names), list(categories)

    # Internals -----------------------------------------------------------------

    @staticmethod
    def _owned_order(
        session: Session, customer_id: int, number: str, for_update: bool = False
    ) -> Order:
        statement = select(Order).where(
            Order.number == normalise_order_number(number), Order.customer_id == customer_id
        )
        if for_update:
            statement = statement.with_for_update()
        order = session.execute(statement).scalars().first()
        if order is None:
            raise OrderNotFound(normalise_order_number(number))
        return order

    @staticmethod
    def _has_open_return(session: Session, order_id: int) -> bool:
        statement = select(func.count(ReturnRequest.id)).where(
            ReturnRequest.order_id == order_id,
            ReturnRequest.status.in_(OPEN_RETURN_STATUSES),
        )
        return bool(session.execute(statement).scalar_one())

    def _detail(self, session: Session, order: Order) -> OrderDetail:
        line_rows = session.execute(
            select(Product.name, Product.sku, OrderItem.quantity, OrderItem.unit_price)
            .join(Product, Product.id == OrderItem.product_id)
            .where(OrderItem.order_id == order.id)
            .order_by(OrderItem.id)
        ).all()
        return OrderDetail(
            number=order.number,
            status=order.status,
            placed_at=order.placed_at,
            paid_at=order.paid_at,
            shipped_at=order.shipped_at,
            delivered_at=order.delivered_at,
            cancelled_at=order.cancelled_at,
            returned_at=order.returned_at,
            carrier=order.carrier,
            tracking_number=order.tracking_number,
            shipping_address=order.shipping_address,
            lines=tuple(
                OrderLine(
                    product_name=row.name,
                    sku=row.sku,
                    quantity=int(row.quantity),
                    unit_price=Decimal(str(row.unit_price)),
                )
                for row in line_rows
            ),
            has_open_return=self._has_open_return(session, order.id),
        )


def _customer_info(customer: Customer) -> CustomerInfo:
    return CustomerInfo(id=customer.id, name=customer.name, email=customer.email)
