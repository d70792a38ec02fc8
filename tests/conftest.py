"""Shared fixtures: a small, explicit CRM on a real SQLite file (or PostgreSQL)."""

from __future__ import annotations

import os
import uuid
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Dict, Iterator

import pytest
from sqlalchemy import create_engine, insert, text
from sqlalchemy.exc import SQLAlchemyError

from bot.crm.database import Database
from bot.crm.models import Customer, Order, OrderItem, Product

DEFAULT_POSTGRES_URL = "postgresql+psycopg2://postgres@127.0.0.1:5432/test"


@dataclass(frozen=True)
class SmallCrm:
    """Two customers; Ada has one order in every state, Ben has one delivered order."""

    database: Database
    now: datetime
    ada: int
    ben: int
    orders: Dict[str, str]  # label -> order number


def build_small_crm(database: Database, now: datetime) -> SmallCrm:
    database.create_schema()
    day = timedelta(days=1)
    with database.session() as session:
        session.execute(
            insert(Customer),
            [
                {"id": 1, "name": "Ada Lovelace", "email": "ada@example.com", "created_at": now - 400 * day},
                {"id": 2, "name": "Ben Okafor", "email": "ben@example.org", "created_at": now - 300 * day},
            ],
        )
        session.execute(
            insert(Product),
            [
                {"id": 1, "sku": "NW-KIT-0001", "name": "Bamboo Cutting Board", "category": "Kitchen",
                 "description": "A sturdy bamboo board.", "price": Decimal("24.90"), "stock": 12, "tags": "eco"},
                {"id": 2, "sku": "NW-ELE-0001", "name": "Wireless Noise-Cancelling Headphones", "category": "Electronics",
                 "description": "Over-ear headphones.", "price": Decimal("129.00"), "stock": 3, "tags": "gift"},
            ],
        )
        orders = [
            # label, number, customer, status, placed days ago, extra timestamps
            ("placed", "ORD-200001", 1, "placed", 1, {}),
            ("paid", "ORD-200002", 1, "paid", 2, {"paid_at": now - 2 * day}),
            ("shipped", "ORD-200003", 1, "shipped", 4, {"paid_at": now - 4 * day, "shipped_at": now - 3 * day,
                                                        "carrier": "UPS", "tracking_number": "1Z999AA10123456784"}),
            ("delivered", "ORD-200004", 1, "delivered", 9, {"paid_at": now - 9 * day, "shipped_at": now - 8 * day,
                                                            "delivered_at": now - 5 * day, "carrier": "DHL",
                                                            "tracking_number": "1234567890"}),
            ("old", "ORD-200005", 1, "delivered", 90, {"paid_at": now - 90 * day, "shipped_at": now - 89 * day,
                                                       "delivered_at": now - 60 * day, "carrier": "USPS",
                                                       "tracking_number": "9400100000000000000000"}),
            ("cancelled", "ORD-200006", 1, "cancelled", 20, {"cancelled_at": now - 19 * day}),
            ("ben", "ORD-300001", 2, "delivered", 7, {"paid_at": now - 7 * day, "shipped_at": now - 6 * day,
                                                      "delivered_at": now - 4 * day, "carrier": "FedEx",
                                                      "tracking_number": "612999AA10"}),
        ]
        # executemany takes its columns from the first row: give every row all of them.
        optional = dict.fromkeys(
            ["paid_at", "shipped_at", "delivered_at", "cancelled_at", "returned_at", "carrier", "tracking_number"]
        )
        session.execute(
            insert(Order),
            [
                {"id": i + 1, "number": number, "customer_id": customer, "status": status,
                 "placed_at": now - days * day, "shipping_address": "1 Example Street", **optional, **extra}
                for i, (_, number, customer, status, days, extra) in enumerate(orders)
            ],
        )
        session.execute(
            insert(OrderItem),
            [
                {"order_id": i + 1, "product_id": 1 + (i % 2), "quantity": 1 + (i % 3),
                 "unit_price": Decimal("24.90") if i % 2 == 0 else Decimal("129.00")}
                for i in range(len(orders))
            ],
        )
    return SmallCrm(database, now, 1, 2, {label: number for label, number, *_ in orders})


@pytest.fixture
def sqlite_database(tmp_path: Path) -> Iterator[Database]:
    database = Database(f"sqlite:///{tmp_path / 'crm.sqlite3'}")
    yield database
    database.dispose()


@pytest.fixture
def small_crm(sqlite_database: Database) -> SmallCrm:
    return build_small_crm(sqlite_database, datetime.utcnow().replace(microsecond=0))


@contextmanager
def private_postgres_schema() -> Iterator[Database]:
    """A private schema in the test PostgreSQL database, dropped afterwards; skips if unreachable."""
    url = os.environ.get("CRM_TEST_POSTGRES_URL", DEFAULT_POSTGRES_URL)
    schema = f"test_{uuid.uuid4().hex[:10]}"
    try:
        admin = create_engine(url, future=True, connect_args={"connect_timeout": 3})
        with admin.begin() as connection:
            connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    except SQLAlchemyError as error:
        pytest.skip(f"PostgreSQL not reachable at {url}: {error.__class__.__name__}")
    separator = "&" if "?" in url else "?"
    database = Database(f"{url}{separator}options=-csearch_path%3D{schema}")
    try:
        yield database
    finally:
        database.dispose()
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture
def postgres_database() -> Iterator[Database]:
    with private_postgres_schema() as database:
        yield database
