"""SQLAlchemy tables of the CRM store.

Timestamps are naive UTC datetimes: SQLite has no time zones and PostgreSQL
`timestamp without time zone` keeps the same values, so both behave alike.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Column,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Text,
    text,
)
from sqlalchemy.orm import registry, relationship
from sqlalchemy.orm.decl_api import DeclarativeMeta

mapper_registry = registry()


class Base(metaclass=DeclarativeMeta):
    """Declarative base written out, so type checkers see a class (SQLAlchemy 1.4 idiom)."""

    __abstract__ = True
    registry = mapper_registry
    metadata = mapper_registry.metadata
    __init__ = mapper_registry.constructor

ORDER_STATUSES = ("placed", "paid", "shipped", "delivered", "cancelled", "returned")
RETURN_STATUSES = ("requested", "approved", "received", "refunded", "rejected")


def utcnow() -> datetime:
    return datetime.utcnow().replace(microsecond=0)


class Customer(Base):
    __tablename__ = "customers"

    id = Column(Integer, primary_key=True)
    # Identifier in the system the customer was imported from (e.g. a retail log's CustomerID).
    external_ref = Column(String(64), unique=True, nullable=True)
    name = Column(String(200), nullable=False)
    email = Column(String(254), unique=True, nullable=False)
    phone = Column(String(40), nullable=True)
    address = Column(Text, nullable=True)
    country = Column(String(80), nullable=True)
    created_at = Column(DateTime, nullable=False, default=utcnow)

    orders = relationship("Order", back_populates="customer")


class Product(Base):
    __tablename__ = "products"

    id = Column(Integer, primary_key=True)
    sku = Column(String(64), unique=True, nullable=False)
    name = Column(String(300), nullable=False)
    category = Column(String(120), nullable=False, index=True)
    description = Column(Text, nullable=False, default="")
    price = Column(Numeric(10, 2), nullable=False)
    stock = Column(Integer, nullable=False, default=0)
    # Comma-separated lower-case tags ("gift,summer").
    tags = Column(Text, nullable=False, default="")
    image = Column(String(500), nullable=True)
    created_at = Column(DateTime, nullable=False, default=utcnow)


class Order(Base):
    __tablename__ = "orders"
    __table_args__ = (
        CheckConstraint(
            "status IN ('placed','paid','shipped','delivered','cancelled','returned')",
            name="ck_orders_status",
        ),
        Index("ix_orders_customer_placed", "customer_id", "placed_at"),
    )

    id = Column(Integer, primary_key=True)
    # The customer-facing number, e.g. ORD-104233.
    number = Column(String(32), unique=True, nullable=False)
    customer_id = Column(Integer, ForeignKey("customers.id"), nullable=False)
    status = Column(String(16), nullable=False, default="placed")
    placed_at = Column(DateTime, nullable=False, default=utcnow)
    paid_at = Column(DateTime, nullable=True)
    shipped_at = Column(DateTime, nullable=True)
    delivered_at = Column(DateTime, nullable=True)
    cancelled_at = Column(DateTime, nullable=True)
    returned_at = Column(DateTime, nullable=True)
    carrier = Column(String(40), nullable=True)
    tracking_number = Column(String(64), nullable=True)
    shipping_address = Column(Text, nullable=True)

    customer = relationship("Customer", back_populates="orders")
    items = relationship("OrderItem", back_populates="order", cascade="all, delete-orphan")


class OrderItem(Base):
    __tablename__ = "order_items"

    id = Column(Integer, primary_key=True)
    order_id = Column(Integer, ForeignKey("orders.id"), nullable=False, index=True)
    product_id = Column(Integer, ForeignKey("products.id"), nullable=False, index=True)
    quantity = Column(Integer, nullable=False)
    unit_price = Column(Numeric(10, 2), nullable=False)

    order = relationship("Order", back_populates="items")
    product = relationship("Product")


class ReturnRequest(Base):
    __tablename__ = "return_requests"

    id = Column(Integer, primary_key=True)
    order_id = Column(Integer, ForeignKey("orders.id"), nullable=False, index=True)
    customer_id = Column(Integer, ForeignKey("customers.id"), nullable=False)
    reason = Column(Text, nullable=False, default="")
    status = Column(String(16), nullable=False, default="requested")
    created_at = Column(DateTime, nullable=False, default=utcnow)


class Agent(Base):
    """A person from the support team who answers handed-off conversations."""

    __tablename__ = "agents"

    id = Column(Integer, primary_key=True)
    username = Column(String(64), unique=True, nullable=False)
    display_name = Column(String(120), nullable=False)
    # scrypt hash: "scrypt$n$r$p$salt_hex$hash_hex" (bot/handoff/agents.py).
    password_hash = Column(String(255), nullable=False)
    active = Column(Boolean, nullable=False, default=True)
    created_at = Column(DateTime, nullable=False, default=utcnow)


class AgentSession(Base):
    """A logged-in console session; only the SHA-256 of its token is stored."""

    __tablename__ = "agent_sessions"

    id = Column(Integer, primary_key=True)
    token_hash = Column(String(64), unique=True, nullable=False)
    agent_id = Column(Integer, ForeignKey("agents.id"), nullable=False, index=True)
    created_at = Column(DateTime, nullable=False, default=utcnow)
    expires_at = Column(DateTime, nullable=False)
    last_seen_at = Column(DateTime, nullable=False, default=utcnow)


TICKET_STATUSES = ("waiting", "active", "resolved", "handed_back")
OPEN_TICKET_STATUSES = ("waiting", "active")


class HandoffTicket(Base):
    """A conversation handed to the support team, with everything an agent needs."""

    __tablename__ = "handoff_tickets"
    __table_args__ = (
        CheckConstraint(
            "status IN ('waiting','active','resolved','handed_back')", name="ck_tickets_status"
        ),
        # At most one open ticket per conversation.
        Index(
            "ux_tickets_open_conversation",
            "conversation_id",
            unique=True,
            sqlite_where=text("status IN ('waiting','active')"),
            postgresql_where=text("status IN ('waiting','active')"),
        ),
        Index("ix_tickets_status_priority", "status", "priority", "created_at"),
    )

    id = Column(Integer, primary_key=True)
    conversation_id = Column(String(255), nullable=False, index=True)
    customer_id = Column(Integer, ForeignKey("customers.id"), nullable=True)
    status = Column(String(16), nullable=False, default="waiting")
    # Why the bot handed over: customer_request, negative_streak, negative_trend, ...
    reason = Column(String(64), nullable=False)
    reason_detail = Column(Text, nullable=False, default="")
    # 1 urgent, 2 high, 3 normal: the queue is ordered by priority, then waiting time.
    priority = Column(Integer, nullable=False, default=3)
    summary = Column(Text, nullable=False, default="")
    sentiment_trajectory = Column(JSON, nullable=False, default=list)
    orders_mentioned = Column(JSON, nullable=False, default=list)
    agent_id = Column(Integer, ForeignKey("agents.id"), nullable=True)
    created_at = Column(DateTime, nullable=False, default=utcnow)
    claimed_at = Column(DateTime, nullable=True)
    closed_at = Column(DateTime, nullable=True)
    resolution_note = Column(Text, nullable=True)
    updated_at = Column(DateTime, nullable=False, default=utcnow, index=True)


class TicketMessage(Base):
    """One line of a ticket's transcript: customer, bot, agent or system."""

    __tablename__ = "ticket_messages"

    id = Column(Integer, primary_key=True)
    ticket_id = Column(Integer, ForeignKey("handoff_tickets.id"), nullable=False, index=True)
    sender = Column(String(16), nullable=False)
    text = Column(Text, nullable=False)
    agent_id = Column(Integer, ForeignKey("agents.id"), nullable=True)
    sentiment = Column(Float, nullable=True)
    created_at = Column(DateTime, nullable=False, default=utcnow)


class TicketEvent(Base):
    """Everything that happened to a ticket, including every agent action."""

    __tablename__ = "ticket_events"

    id = Column(Integer, primary_key=True)
    ticket_id = Column(Integer, ForeignKey("handoff_tickets.id"), nullable=False, index=True)
    agent_id = Column(Integer, ForeignKey("agents.id"), nullable=True)
    kind = Column(String(32), nullable=False)
    detail = Column(Text, nullable=False, default="")
    created_at = Column(DateTime, nullable=False, default=utcnow)


class AnalyticsEvent(Base):
    """One Rasa event as the event broker delivered it (bot/events/consumer.py).

    `event_id` is a hash of the event's content: a message the broker delivers
    twice (a redelivery, or a republish after RabbitMQ was down) is stored once.
    """

    __tablename__ = "analytics_events"

    id = Column(Integer, primary_key=True)
    event_id = Column(String(64), unique=True, nullable=False)
    conversation_id = Column(String(255), nullable=False, index=True)
    kind = Column(String(32), nullable=False, index=True)
    # The intent of user messages, the action name of actions, the slot name of slots.
    name = Column(String(128), nullable=True, index=True)
    sentiment = Column(Float, nullable=True)
    occurred_at = Column(DateTime, nullable=False, index=True)
    received_at = Column(DateTime, nullable=False, default=utcnow)


class AgentNotification(Base):
    """Something agents should know now (a conversation was handed over), from the event stream."""

    __tablename__ = "agent_notifications"

    id = Column(Integer, primary_key=True)
    event_id = Column(String(64), unique=True, nullable=False)
    conversation_id = Column(String(255), nullable=False)
    kind = Column(String(32), nullable=False)
    text = Column(Text, nullable=False)
    created_at = Column(DateTime, nullable=False, default=utcnow)
    seen_at = Column(DateTime, nullable=True)
