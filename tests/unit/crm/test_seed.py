"""Tests of the demo-data seeder against real SQLite files (and PostgreSQL when reachable)."""

from __future__ import annotations

import re
from collections import Counter
from datetime import date, datetime, time, timedelta, timezone
from decimal import Decimal
from pathlib import Path
from typing import Dict, Iterator, List, Tuple

import pytest
from sqlalchemy import func, insert, select
from sqlalchemy.engine import Row

from bot.crm import rules
from bot.crm.database import Database
from bot.crm.models import Customer, Order, OrderItem, Product, ReturnRequest
from bot.crm.seed import DEMO_CUSTOMERS, SeedReport, seed_demo_data
from bot.crm.store import CrmStore

TODAY = date(2025, 3, 14)
CLOCK = datetime.combine(TODAY, time.min)
TABLES = (Customer, Product, Order, OrderItem, ReturnRequest)


def sqlite_database(folder: Path) -> Database:
    return Database(f"sqlite:///{folder / 'crm.sqlite3'}")


def all_rows(database: Database, model: type) -> List[Tuple[object, ...]]:
    with database.session() as session:
        rows = session.execute(select(model.__table__).order_by(model.__table__.c.id)).all()
    return [tuple(row) for row in rows]


def orders_by_number(database: Database) -> Dict[str, Row]:
    with database.session() as session:
        return {row.number: row for row in session.execute(select(Order.__table__)).all()}


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Tuple[Database, SeedReport]]:
    """The default demo shop (500 customers, 200 products, 5000 orders), seeded once."""
    database = sqlite_database(tmp_path_factory.mktemp("seed"))
    report = seed_demo_data(database, today=TODAY)
    yield database, report
    database.dispose()


# Size, speed and determinism --------------------------------------------------------------


def test_default_size_seeds_in_seconds(seeded: Tuple[Database, SeedReport]) -> None:
    _, report = seeded
    print(f"seeded 500/200/5000 on SQLite in {report.seconds:.2f} s ({report.order_items} items)")
    assert report.seconds < 120  # a sanity bound only; the README reports measured numbers


def test_counts_match_the_request_and_the_report(seeded: Tuple[Database, SeedReport]) -> None:
    database, report = seeded
    assert (report.customers, report.products, report.orders) == (500, 200, 5000)
    with database.session() as session:
        counted = {model: session.execute(select(func.count(model.id))).scalar_one() for model in TABLES}
    assert counted[Customer] == report.customers
    assert counted[Product] == report.products
    assert counted[Order] == report.orders
    assert counted[OrderItem] == report.order_items
    assert report.orders <= report.order_items <= 5 * report.orders


def test_same_arguments_give_identical_rows(tmp_path: Path) -> None:
    first, second, other = (sqlite_database(tmp_path / name) for name in ("a", "b", "c"))
    for database in (first, second):
        seed_demo_data(database, customers=60, products=40, orders=600, seed=7, today=TODAY)
    seed_demo_data(other, customers=60, products=40, orders=600, seed=8, today=TODAY)
    for model in TABLES:
        assert all_rows(first, model) == all_rows(second, model), model.__tablename__
    assert all_rows(first, Customer) != all_rows(other, Customer)
    assert all_rows(first, Order) != all_rows(other, Order)


def test_default_today_is_the_current_utc_date(tmp_path: Path) -> None:
    database = sqlite_database(tmp_path)
    seed_demo_data(database, customers=5, products=10, orders=20)
    placed_at = orders_by_number(database)["ORD-900021"].placed_at
    assert placed_at.date() == datetime.now(timezone.utc).date()


def test_refuses_a_database_that_already_has_customers(tmp_path: Path) -> None:
    database = sqlite_database(tmp_path)
    database.create_schema()
    with database.session() as session:
        session.execute(insert(Customer).values(name="Ann Example", email="ann@example.com"))
    with pytest.raises(ValueError, match="already has data in customers"):
        seed_demo_data(database, customers=5, products=10, orders=20, today=TODAY)
    assert len(all_rows(database, Customer)) == 1


def test_refuses_to_seed_twice(tmp_path: Path) -> None:
    database = sqlite_database(tmp_path)
    seed_demo_data(database, customers=5, products=10, orders=20, today=TODAY)
    with pytest.raises(ValueError, match="seed only an empty database"):
        seed_demo_data(database, customers=5, products=10, orders=20, today=TODAY)


@pytest.mark.parametrize(
    "counts, message",
    [
        ((2, 200, 5000), "customers must be at least 3"),
        ((500, 9, 5000), "products must be at least 10"),
        ((500, 200, 400), "orders must be at least 506"),
    ],
)
def test_rejects_impossible_counts(
    tmp_path: Path, counts: Tuple[int, int, int], message: str
) -> None:
    customers, products, orders = counts
    with pytest.raises(ValueError, match=message):
        seed_demo_data(sqlite_database(tmp_path), customers, products, orders, today=TODAY)


def test_ten_thousand_products_keep_distinct_human_names(tmp_path: Path) -> None:
    database = sqlite_database(tmp_path)
    seed_demo_data(database, customers=20, products=10_000, orders=100, today=TODAY)
    with database.session() as session:
        names = session.execute(select(Product.name)).scalars().all()
    assert len(names) == 10_000
    assert len({name.lower() for name in names}) == 10_000
    assert sum(" Mk " in name for name in names) < 100


# Demo accounts ----------------------------------------------------------------------------


def test_demo_customers_are_the_first_three(seeded: Tuple[Database, SeedReport]) -> None:
    database, _ = seeded
    first = all_rows(database, Customer)[:3]
    assert [(row[0], row[2], row[3]) for row in first] == [
        (1, "Maria Garcia", "maria.garcia@example.com"),
        (2, "Liam O'Brien", "liam.obrien@example.com"),
        (3, "Yuki Tanaka", "yuki.tanaka@example.com"),
    ]
    assert [demo.order_numbers for demo in DEMO_CUSTOMERS] == [
        ("ORD-900001", "ORD-900002", "ORD-900003", "ORD-900004", "ORD-900005", "ORD-900006"),
        ("ORD-900011", "ORD-900012"),
        ("ORD-900021",),
    ]


def test_demo_orders_are_exactly_as_designed(seeded: Tuple[Database, SeedReport]) -> None:
    database, _ = seeded
    orders = orders_by_number(database)
    for customer_id, demo in enumerate(DEMO_CUSTOMERS, start=1):
        with database.session() as session:
            numbers = session.execute(
                select(Order.number).where(Order.customer_id == customer_id)
            ).scalars()
            assert sorted(numbers) == sorted(demo.order_numbers)
        for demo_order in demo.orders:
            row = orders[demo_order.number]
            assert row.status == demo_order.status
            assert row.carrier == demo_order.carrier
            assert row.tracking_number == demo_order.tracking_number
            assert row.shipping_address == demo.address
            for column, expected in demo_order.timestamps(TODAY).items():
                assert getattr(row, column) == expected, (demo_order.number, column)

    def days_ago(moment: datetime) -> int:
        return (TODAY - moment.date()).days

    # The states the README walks through, stated once more in plain terms.
    maria = [orders[f"ORD-90000{n}"] for n in range(1, 7)]
    assert [order.status for order in maria] == [
        "placed", "paid", "shipped", "delivered", "delivered", "cancelled"
    ]
    assert days_ago(maria[0].placed_at) == 1 and maria[0].paid_at is None
    assert days_ago(maria[1].paid_at) == 2 and maria[1].shipped_at is None
    assert days_ago(maria[2].shipped_at) == 3 and maria[2].carrier == "UPS"
    assert re.fullmatch(r"1Z[0-9A-Z]{16}", maria[2].tracking_number)
    assert days_ago(maria[3].delivered_at) == 5
    assert days_ago(maria[4].delivered_at) == 60
    assert maria[5].cancelled_at is not None and maria[5].shipped_at is None
    liam_delivered, liam_shipped = orders["ORD-900011"], orders["ORD-900012"]
    assert liam_delivered.status == "delivered" and days_ago(liam_delivered.delivered_at) == 10
    assert liam_shipped.status == "shipped" and days_ago(liam_shipped.shipped_at) == 1
    assert liam_shipped.carrier == "DHL" and liam_shipped.tracking_number
    yuki = orders["ORD-900021"]
    assert yuki.status == "placed" and yuki.placed_at.date() == TODAY


def test_store_sees_the_demo_orders_as_designed(seeded: Tuple[Database, SeedReport]) -> None:
    database, _ = seeded
    store = CrmStore(database)
    now = CLOCK + timedelta(hours=12)
    maria = store.verify_customer("Maria.Garcia@example.com", "ord 900004")
    assert maria is not None and maria.name == "Maria Garcia"
    assert store.verify_customer("liam.obrien@example.com", "ORD-900004") is None
    expected = {
        "ORD-900001": (None, rules.NOT_DELIVERED_YET),
        "ORD-900002": (None, rules.NOT_DELIVERED_YET),
        "ORD-900003": (rules.ALREADY_SHIPPED, rules.NOT_DELIVERED_YET),
        "ORD-900004": (rules.ALREADY_DELIVERED, None),
        "ORD-900005": (rules.ALREADY_DELIVERED, rules.RETURN_WINDOW_CLOSED),
        "ORD-900006": (rules.ALREADY_CANCELLED, rules.ALREADY_CANCELLED),
    }
    for number, (cancel, return_) in expected.items():
        assert store.order_blocks(maria.id, number, now=now) == {"cancel": cancel, "return": return_}
    detail = store.get_order(maria.id, "ORD-900004")
    assert [(line.sku, line.quantity) for line in detail.lines] == [("NW-OUT-0001", 2), ("NW-SPT-0001", 1)]
    assert detail.total == Decimal("88.90")


# Orders -------------------------------------------------------------------------------------


def test_every_order_follows_one_consistent_life_cycle(seeded: Tuple[Database, SeedReport]) -> None:
    database, _ = seeded
    with database.session() as session:
        customer_addresses = dict(session.execute(select(Customer.id, Customer.address)).all())
    for order in orders_by_number(database).values():
        steps = [order.placed_at, order.paid_at, order.shipped_at, order.delivered_at]
        reached = [moment for moment in steps if moment is not None]
        assert steps[: len(reached)] == reached, order.number  # no gaps in the chain
        assert reached == sorted(reached), order.number
        assert all(moment <= CLOCK for moment in reached), order.number
        assert order.shipping_address == customer_addresses[order.customer_id]
        assert (order.shipped_at is not None) == (order.carrier is not None), order.number
        assert (order.carrier is not None) == (order.tracking_number is not None), order.number
        assert (order.cancelled_at is not None) == (order.status == "cancelled"), order.number
        assert (order.returned_at is not None) == (order.status == "returned"), order.number
        if order.status == "placed":
            assert order.paid_at is None
        elif order.status == "paid":
            assert order.paid_at is not None and order.shipped_at is None
        elif order.status == "shipped":
            assert order.shipped_at is not None and order.delivered_at is None
        elif order.status == "delivered":
            assert order.delivered_at is not None
        elif order.status == "returned":
            assert order.delivered_at is not None
            assert order.delivered_at <= order.returned_at <= CLOCK
        else:
            assert order.status == "cancelled"
            assert order.shipped_at is None
            assert order.placed_at <= order.cancelled_at <= CLOCK
            assert order.paid_at is None or order.paid_at <= order.cancelled_at


def test_statuses_follow_the_age_of_orders(seeded: Tuple[Database, SeedReport]) -> None:
    database, _ = seeded
    orders = [o for o in orders_by_number(database).values() if not o.number.startswith("ORD-9")]
    old = Counter(o.status for o in orders if o.placed_at < CLOCK - timedelta(days=14))
    recent = Counter(o.status for o in orders if o.placed_at >= CLOCK - timedelta(days=3))
    total_old = sum(old.values())
    assert set(old) == {"delivered", "cancelled", "returned"}
    assert old["delivered"] / total_old > 0.85
    assert 0.02 < old["cancelled"] / total_old < 0.09
    assert 0.01 < old["returned"] / total_old < 0.06
    assert {"paid", "shipped"} <= set(recent)


def test_order_numbers_are_unique_and_follow_placement(seeded: Tuple[Database, SeedReport]) -> None:
    database, _ = seeded
    orders = list(orders_by_number(database).values())
    demo_numbers = {number for demo in DEMO_CUSTOMERS for number in demo.order_numbers}
    generated = sorted(
        (o for o in orders if o.number not in demo_numbers), key=lambda o: o.number
    )
    assert len({o.number for o in orders}) == len(orders)
    assert {o.number for o in orders} >= demo_numbers
    assert [o.number for o in generated] == [f"ORD-{100001 + i}" for i in range(len(generated))]
    placed = [o.placed_at for o in generated]
    assert placed == sorted(placed)
    assert min(placed) >= CLOCK - timedelta(days=731)
    # More orders recently: the last year holds clearly more than the year before.
    last_year = sum(moment >= CLOCK - timedelta(days=365) for moment in placed)
    assert last_year > 1.3 * (len(placed) - last_year)
    by_id = sorted(orders, key=lambda o: o.id)
    assert [o.placed_at for o in by_id] == sorted(o.placed_at for o in orders)


def test_tracking_numbers_look_like_the_carriers(seeded: Tuple[Database, SeedReport]) -> None:
    database, _ = seeded
    patterns = {
        "UPS": r"1Z[0-9A-Z]{16}",
        "FedEx": r"\d{12}",
        "USPS": r"9400\d{18}",
        "DHL": r"\d{10}",
        "Royal Mail": r"[A-Z]{2}\d{9}GB",
    }
    shipped = [o for o in orders_by_number(database).values() if o.carrier]
    assert {o.carrier for o in shipped} == set(patterns)
    for order in shipped:
        assert re.fullmatch(patterns[order.carrier], order.tracking_number), order.tracking_number
    assert len({o.tracking_number for o in shipped}) == len(shipped)


def test_order_items_are_plausible(seeded: Tuple[Database, SeedReport]) -> None:
    database, _ = seeded
    with database.session() as session:
        items = session.execute(
            select(OrderItem.order_id, OrderItem.product_id, OrderItem.quantity,
                   OrderItem.unit_price, Product.price, Product.created_at, Order.placed_at)
            .join(Product, Product.id == OrderItem.product_id)
            .join(Order, Order.id == OrderItem.order_id)
        ).all()
    per_order: Dict[int, List[int]] = {}
    for item in items:
        per_order.setdefault(item.order_id, []).append(item.product_id)
        assert 1 <= item.quantity <= 3
        assert Decimal("0") < item.unit_price <= item.price
        assert item.created_at <= item.placed_at  # sold only once it was in the catalogue
    assert len(per_order) == 5000
    assert all(1 <= len(products) <= 5 for products in per_order.values())
    assert all(len(set(products)) == len(products) for products in per_order.values())
    full_price = sum(item.unit_price == item.price for item in items)
    assert 0.85 < full_price / len(items) < 1


def test_customers_buy_again_and_some_are_loyal(seeded: Tuple[Database, SeedReport]) -> None:
    database, _ = seeded
    with database.session() as session:
        orders_per_customer = Counter(session.execute(select(Order.customer_id)).scalars())
        repeats = session.execute(
            select(Order.customer_id, OrderItem.product_id, func.count(func.distinct(Order.id)))
            .join(OrderItem, OrderItem.order_id == Order.id)
            .group_by(Order.customer_id, OrderItem.product_id)
            .having(func.count(func.distinct(Order.id)) > 1)
        ).all()
        first, second = OrderItem.__table__.alias("a"), OrderItem.__table__.alias("b")
        pairs = session.execute(
            select(func.count())
            .select_from(first)
            .join(
                second,
                (first.c.order_id == second.c.order_id) & (first.c.product_id < second.c.product_id),
            )
        ).scalar_one()
    assert set(orders_per_customer) == set(range(1, 501))  # everybody ordered
    counts = sorted(orders_per_customer.values())
    assert counts[0] == 1 and counts[-1] >= 25
    assert len(repeats) > 100  # the same product bought in several orders
    assert pairs > 1000  # products bought together, for item-item recommendations


def test_returned_orders_have_a_refunded_return_request(seeded: Tuple[Database, SeedReport]) -> None:
    database, _ = seeded
    with database.session() as session:
        requests = session.execute(
            select(ReturnRequest, Order).join(Order, Order.id == ReturnRequest.order_id)
        ).all()
        returned = session.execute(
            select(func.count(Order.id)).where(Order.status == "returned")
        ).scalar_one()
    refunded = [r for r, _ in requests if r.status == "refunded"]
    assert len(refunded) == returned
    for request, order in requests:
        assert request.customer_id == order.customer_id
        assert order.delivered_at <= request.created_at <= CLOCK
        assert order.delivered_at + timedelta(days=30) >= request.created_at
        if request.status == "refunded":
            assert order.status == "returned" and request.created_at <= order.returned_at
        else:
            assert order.status == "delivered"


# Catalogue and customers ------------------------------------------------------------------


def test_catalogue_is_varied_and_well_formed(seeded: Tuple[Database, SeedReport]) -> None:
    database, _ = seeded
    with database.session() as session:
        products = session.execute(select(Product)).scalars().all()
    assert len({p.name.lower() for p in products}) == len(products)
    assert len({p.sku for p in products}) == len(products)
    assert len({p.category for p in products}) == 10
    out_of_stock = sum(p.stock == 0 for p in products) / len(products)
    assert 0.03 < out_of_stock < 0.2
    for product in products:
        assert re.fullmatch(r"NW-[A-Z]{3}-\d{4}", product.sku)
        assert product.image == f"/products/{product.sku}.svg"
        assert product.price > 0 and product.price == product.price.quantize(Decimal("0.01"))
        assert product.tags == "" or re.fullmatch(r"[a-z-]+(,[a-z-]+)*", product.tags)
        sentences = re.findall(r"[.!?](?:\s|$)", product.description)
        assert 1 <= len(sentences) <= 3, product.description
        assert product.description[0].isupper()
        assert product.created_at < CLOCK
    names = {p.name for p in products}
    assert {"Bamboo Cutting Board Set", "Wireless Noise-Cancelling Headphones"} <= names
    assert "Stainless Steel Water Bottle 750ml" in names


def test_customers_are_varied_and_well_formed(seeded: Tuple[Database, SeedReport]) -> None:
    database, _ = seeded
    with database.session() as session:
        customers = session.execute(select(Customer)).scalars().all()
    emails = [c.email for c in customers]
    assert len(set(emails)) == len(emails)
    assert len({c.name for c in customers}) == len(customers)
    assert any(not c.name.isascii() for c in customers)  # accents and other scripts' names
    assert len({c.country for c in customers}) >= 6
    for customer in customers:
        assert re.fullmatch(r"[a-z0-9._]+@example\.(com|org|net)", customer.email), customer.email
        assert customer.address and customer.address.endswith(customer.country)
        assert CLOCK - timedelta(days=3 * 366) <= customer.created_at <= CLOCK
        if customer.phone:
            assert re.fullmatch(
                r"\+1 \d{3}-555-01\d{2}|\+44 7700 900\d{3}|\+61 \d 5550 \d{4}", customer.phone
            ), customer.phone
    with database.session() as session:
        first_orders = dict(
            session.execute(
                select(Order.customer_id, func.min(Order.placed_at)).group_by(Order.customer_id)
            ).all()
        )
    assert all(c.created_at <= first_orders[c.id] for c in customers)


# PostgreSQL -----------------------------------------------------------------------------------


@pytest.mark.postgres
def test_seeds_postgresql_and_moves_its_sequences(postgres_database: Database, tmp_path: Path) -> None:
    report = seed_demo_data(postgres_database, today=TODAY)
    print(f"seeded 500/200/5000 on PostgreSQL in {report.seconds:.2f} s")
    assert (report.customers, report.products, report.orders) == (500, 200, 5000)
    with postgres_database.session() as session:
        customer = Customer(name="New Customer", email="new.customer@example.com")
        session.add(customer)
        session.flush()
        assert customer.id == report.customers + 1
    maria = CrmStore(postgres_database).verify_customer("maria.garcia@example.com", "ORD-900003")
    assert maria is not None and maria.id == 1
    # The same arguments give the same rows on both databases.
    sqlite = sqlite_database(tmp_path)
    seed_demo_data(sqlite, today=TODAY)
    for model in (Product, Order, OrderItem, ReturnRequest):
        assert all_rows(sqlite, model) == all_rows(postgres_database, model), model.__tablename__
    sqlite.dispose()
