"""Tests of the order-log importer against real SQLite files (and PostgreSQL when reachable)."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any, Iterator, List, Sequence

import pytest
from sqlalchemy import func, select

from bot.crm.database import Database
from bot.crm.importer import (
    ImportFormatError,
    classify_product,
    import_orders,
    normalise_customer_ref,
    parse_invoice_date,
    product_name,
)
from bot.crm.models import Customer, Order, OrderItem, Product
from bot.crm.store import CrmStore

HEADER = "InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID,Country"
PROJECT_ROOT = Path(__file__).resolve().parents[3]
SHARED_LOG = (
    PROJECT_ROOT.parent / "shared/datasets/online_retail/online_retail_first30k_contiguous.csv"
)

# Two normal invoices of one customer (second spelled 17850.0), one cancellation, and
# a second customer; 536365 repeats a stock code on purpose.
HEART = "WHITE HANGING HEART T-LIGHT HOLDER"
BASIC_LOG = [
    f"536365,85123A,{HEART},6,2010-12-01 08:26:00,2.55,17850,United Kingdom",
    "536365,71053,WHITE METAL LANTERN,6,2010-12-01 08:26:00,3.39,17850,United Kingdom",
    f"536365,85123A,{HEART},2,2010-12-01 08:26:00,2.55,17850,United Kingdom",
    "536366,22633,HAND WARMER UNION JACK,6,12/1/2010 8:28,1.85,17850.0,United Kingdom",
    "536367,84879,ASSORTED COLOUR BIRD ORNAMENT,32,2010-12-01 08:34:00,1.69,13047,France",
    f"C536379,85123A,{HEART},-3,2010-12-01 09:41:00,2.55,13047,France",
]


def write_log(path: Path, rows: Sequence[str], header: str = HEADER) -> Path:
    path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    return path


@pytest.fixture
def database(tmp_path: Path) -> Iterator[Database]:
    db = Database(f"sqlite:///{tmp_path / 'crm.sqlite3'}")
    yield db
    db.dispose()


def count(db: Database, model: Any) -> int:
    with db.session() as session:
        return int(session.execute(select(func.count(model.id))).scalar_one())


def order_by_number(db: Database, number: str) -> Order:
    with db.session() as session:
        return session.execute(select(Order).where(Order.number == number)).scalar_one()


def items_of(db: Database, number: str) -> List[OrderItem]:
    with db.session() as session:
        statement = select(OrderItem).join(Order).where(Order.number == number)
        return list(session.execute(statement.order_by(OrderItem.id)).scalars())


# The mapping -------------------------------------------------------------------------


def test_imports_customers_products_and_orders(database: Database, tmp_path: Path) -> None:
    report = import_orders(database, write_log(tmp_path / "log.csv", BASIC_LOG))

    assert report.rows_read == 6
    assert report.orders_imported == 4
    assert report.order_items_imported == 6  # repeated stock codes stay separate lines
    assert report.customers_created == 2
    assert report.products_created == 4
    assert report.skipped == {}
    with database.session() as session:
        customer = session.execute(
            select(Customer).where(Customer.external_ref == "17850")
        ).scalar_one()
        assert customer.name == "Customer 17850"
        assert customer.email == "customer-17850@imported.invalid"
        assert customer.country == "United Kingdom"
        product = session.execute(select(Product).where(Product.sku == "85123A")).scalar_one()
        assert product.name == "White Hanging Heart T-Light Holder"
        assert product.category == "Candles & Lights"
        assert product.price == Decimal("2.55")
        assert product.stock == 100
        assert "heart" in product.tags.split(",")
        assert product.description == "WHITE HANGING HEART T-LIGHT HOLDER"

    order = order_by_number(database, "ORD-536365")
    placed = datetime(2010, 12, 1, 8, 26)
    assert order.status == "delivered"
    assert (order.placed_at, order.paid_at) == (placed, placed)
    assert order.shipped_at == placed + timedelta(days=1)
    assert order.delivered_at == placed + timedelta(days=2)
    assert order.cancelled_at is None
    assert [item.quantity for item in items_of(database, "ORD-536365")] == [6, 6, 2]


def test_cancellation_invoice_becomes_cancelled_order(database: Database, tmp_path: Path) -> None:
    import_orders(database, write_log(tmp_path / "log.csv", BASIC_LOG))

    order = order_by_number(database, "ORD-C536379")
    assert order.status == "cancelled"
    assert order.cancelled_at == datetime(2010, 12, 1, 9, 41)
    assert order.paid_at is None and order.shipped_at is None and order.delivered_at is None
    [item] = items_of(database, "ORD-C536379")
    assert item.quantity == 3
    assert item.unit_price == Decimal("2.55")


def test_recent_invoice_is_not_delivered_yet(database: Database, tmp_path: Path) -> None:
    now = datetime.utcnow().replace(microsecond=0)
    rows = [f"900001,85123A,HEART,1,{now:%Y-%m-%d %H:%M:%S},2.55,17850,United Kingdom"]

    import_orders(database, write_log(tmp_path / "log.csv", rows))

    order = order_by_number(database, "ORD-900001")
    assert order.status == "paid"
    assert order.shipped_at is None and order.delivered_at is None


def test_order_total_equals_sum_of_its_lines(database: Database, tmp_path: Path) -> None:
    import_orders(database, write_log(tmp_path / "log.csv", BASIC_LOG))
    customer_id = order_by_number(database, "ORD-536365").customer_id

    detail = CrmStore(database).get_order(customer_id, "ORD-536365")

    expected = Decimal("6") * Decimal("2.55") + Decimal("6") * Decimal("3.39") + 2 * Decimal("2.55")
    assert detail.total == expected == Decimal("40.74")
    assert detail.item_count == 14


def test_customer_id_with_decimal_suffix_is_the_same_customer(
    database: Database, tmp_path: Path
) -> None:
    import_orders(database, write_log(tmp_path / "log.csv", BASIC_LOG))

    assert (
        order_by_number(database, "ORD-536366").customer_id
        == order_by_number(database, "ORD-536365").customer_id
    )
    with database.session() as session:
        refs = sorted(session.execute(select(Customer.external_ref)).scalars())
    assert refs == ["13047", "17850"]


def test_both_date_formats_are_read(database: Database, tmp_path: Path) -> None:
    rows = [
        "536365,85123A,HEART,6,2010-12-01 08:26:00,2.55,17850,United Kingdom",
        "536366,85123A,HEART,6,12/1/2010 8:26,2.55,17850,United Kingdom",
        "536367,85123A,HEART,6,12/13/2010 18:05,2.55,17850,United Kingdom",
    ]

    report = import_orders(database, write_log(tmp_path / "log.csv", rows))

    assert report.orders_imported == 3
    assert order_by_number(database, "ORD-536365").placed_at == datetime(2010, 12, 1, 8, 26)
    assert order_by_number(database, "ORD-536366").placed_at == datetime(2010, 12, 1, 8, 26)
    assert order_by_number(database, "ORD-536367").placed_at == datetime(2010, 12, 13, 18, 5)


def test_product_takes_first_description_and_most_common_price(
    database: Database, tmp_path: Path
) -> None:
    rows = [
        "536365,22423,,1,2010-12-01 08:26:00,12.75,17850,United Kingdom",
        "536366,22423,REGENCY CAKESTAND 3 TIER,1,2010-12-01 09:00:00,10.95,17850,United Kingdom",
        "536367,22423,REGENCY CAKE STAND,1,2010-12-01 10:00:00,10.95,17850,United Kingdom",
    ]

    import_orders(database, write_log(tmp_path / "log.csv", rows), batch_size=1)

    with database.session() as session:
        product = session.execute(select(Product).where(Product.sku == "22423")).scalar_one()
    assert product.name == "Regency Cakestand 3 Tier"
    assert product.price == Decimal("10.95")
    assert product.category == "Kitchen"
    # Each line keeps the price it was sold at.
    assert [item.unit_price for item in items_of(database, "ORD-536365")] == [Decimal("12.75")]


# Skipped rows ------------------------------------------------------------------------


def test_skipped_rows_are_counted_by_reason(database: Database, tmp_path: Path) -> None:
    rows = [
        "536365,85123A,HEART,6,2010-12-01 08:26:00,2.55,17850,United Kingdom",
        "536366,85123A,HEART,6,2010-12-01 08:26:00,2.55,,United Kingdom",  # no customer
        "536367,85123A,HEART,0,2010-12-01 08:26:00,2.55,17850,United Kingdom",  # zero
        "536368,85123A,HEART,-2,2010-12-01 08:26:00,2.55,17850,United Kingdom",  # negative
        "536369,85123A,HEART,1.5,2010-12-01 08:26:00,2.55,17850,United Kingdom",  # fraction
        "536370,85123A,HEART,6,2010-12-01 08:26:00,0.0,17850,United Kingdom",  # free
        "536371,85123A,HEART,6,2010-12-01 08:26:00,-1.00,17850,United Kingdom",  # negative
        "536372,85123A,HEART,6,2010-12-01 08:26:00,abc,17850,United Kingdom",  # not a number
        "536373,85123A,HEART,6,yesterday,2.55,17850,United Kingdom",  # bad date
        "536374,85123A,HEART,6",  # too few fields
        ",85123A,HEART,6,2010-12-01 08:26:00,2.55,17850,United Kingdom",  # no invoice
        "536375,POST,POSTAGE,1,2010-12-01 08:26:00,18.00,17850,United Kingdom",  # postage
        "536376,85123A,HEART,6,2010-12-01 08:26:00,2.55,a b c,United Kingdom",  # odd id
        "536365,71053,LANTERN,6,2010-12-01 08:26:00,3.39,99999,United Kingdom",  # other cust
    ]

    report = import_orders(database, write_log(tmp_path / "log.csv", rows))

    assert report.skipped == {
        "no_customer": 1,
        "bad_quantity": 3,
        "bad_price": 3,
        "bad_date": 1,
        "malformed_row": 2,
        "non_product": 1,
        "bad_customer": 1,
        "customer_mismatch": 1,
    }
    assert report.orders_imported == 1
    assert report.rows_read == len(rows)
    assert report.rows_read == report.order_items_imported + sum(report.skipped.values())
    assert count(database, Customer) == 1  # 99999 only appeared on a rejected row


def test_broken_rows_do_not_abort_the_import(database: Database, tmp_path: Path) -> None:
    path = tmp_path / "log.csv"
    path.write_bytes(
        (HEADER + "\n").encode()
        + b"536365,85123A,HEART,6,2010-12-01 08:26:00,2.55,17850,United Kingdom\n"
        + b"536366,85123A,HEART,six,2010-12-01 08:26:00,2.55,17850,United Kingdom\n"
        + b"536367,85123A,HEART,6,2010-12-01 08:26:00,2,55,17850,United Kingdom\n"
        + b"536368,85123A,HE\x00ART,6,2010-12-01 08:26:00,2.55,17850,United Kingdom\n"
        + b"536369,85123A,CAF\xe9 MUG,6,2010-12-01 08:26:00,1e999,17850,United Kingdom\n"
        + b"536370,85123A,HEART,6,2010-12-01 08:26:00,NaN,17850,United Kingdom\n"
        + b"536371,85123A,HEART,99999999999999,2010-12-01 08:26:00,2.55,17850,UK\n"
        + b"536372,85123A,HEART,6,2010-12-01 08:26:00,2.55,17850,United Kingdom\n"
    )

    report = import_orders(database, path)

    assert report.rows_read == 8
    assert report.orders_imported == 2
    assert order_by_number(database, "ORD-536372").status == "delivered"
    assert report.skipped == {"bad_quantity": 2, "malformed_row": 2, "bad_price": 2}


def test_missing_column_is_a_format_error(database: Database, tmp_path: Path) -> None:
    path = write_log(tmp_path / "log.csv", [], header="InvoiceNo,StockCode,Quantity")

    with pytest.raises(ImportFormatError, match="description"):
        import_orders(database, path)


# Idempotency and reuse ---------------------------------------------------------------


def test_second_import_of_the_same_file_imports_nothing(database: Database, tmp_path: Path) -> None:
    path = write_log(tmp_path / "log.csv", BASIC_LOG)
    first = import_orders(database, path)

    second = import_orders(database, path)

    assert first.orders_imported == 4
    assert (second.orders_imported, second.order_items_imported) == (0, 0)
    assert (second.customers_created, second.products_created) == (0, 0)
    assert second.orders_already_present == 4
    assert second.skipped == {"already_present": 6}
    assert (count(database, Order), count(database, OrderItem)) == (4, 6)


def test_existing_customers_and_products_are_reused_unchanged(
    database: Database, tmp_path: Path
) -> None:
    import_orders(database, write_log(tmp_path / "first.csv", BASIC_LOG))
    with database.session() as session:
        product = session.execute(select(Product).where(Product.sku == "85123A")).scalar_one()
        product.name = "Heart Tea-Light Holder"  # edited by the shop after the first import
    later = ["536400,85123a,WHITE HANGING HEART,1,2010-12-02 10:00:00,2.95,17850,United Kingdom"]

    report = import_orders(database, write_log(tmp_path / "second.csv", later))

    assert (report.orders_imported, report.customers_created, report.products_created) == (1, 0, 0)
    assert count(database, Customer) == 2
    with database.session() as session:
        product = session.execute(select(Product).where(Product.sku == "85123A")).scalar_one()
    assert (product.name, product.price) == ("Heart Tea-Light Holder", Decimal("2.55"))


def test_invoice_split_across_batches_stays_one_order(database: Database, tmp_path: Path) -> None:
    rows = [
        "536365,85123A,HEART,1,2010-12-01 08:26:00,2.55,17850,United Kingdom",
        "536366,71053,LANTERN,1,2010-12-01 08:30:00,3.39,13047,France",
        "536365,71053,LANTERN,2,2010-12-01 08:26:00,3.39,17850,United Kingdom",
    ]

    report = import_orders(database, write_log(tmp_path / "log.csv", rows), batch_size=1)

    assert (report.orders_imported, report.order_items_imported) == (2, 3)
    assert [item.quantity for item in items_of(database, "ORD-536365")] == [1, 2]
    again = import_orders(database, write_log(tmp_path / "log.csv", rows), batch_size=1)
    assert (again.orders_imported, again.orders_already_present) == (0, 2)


def test_rows_added_later_get_ids_after_the_existing_ones(
    database: Database, tmp_path: Path
) -> None:
    import_orders(database, write_log(tmp_path / "log.csv", BASIC_LOG))
    with database.session() as session:
        session.add(Customer(name="Walk-in", email="walk-in@example.com"))

    later = ["536500,85123A,HEART,1,2010-12-02 08:00:00,2.55,1,United Kingdom"]
    import_orders(database, write_log(tmp_path / "more.csv", later))

    with database.session() as session:
        ids = list(session.execute(select(Customer.id).order_by(Customer.id)).scalars())
    assert ids == [1, 2, 3, 4]


# Helpers -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("17850", "17850"), ("17850.0", "17850"), (" 17850.00 ", "17850"), ("", ""), ("12.5", "12.5")],
)
def test_normalise_customer_ref(raw: str, expected: str) -> None:
    assert normalise_customer_ref(raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("2010-12-01 08:26:00", datetime(2010, 12, 1, 8, 26)),
        ("2010-12-01 08:26", datetime(2010, 12, 1, 8, 26)),
        ("12/1/2010 8:26", datetime(2010, 12, 1, 8, 26)),
        ("12/01/2010 08:26:30", datetime(2010, 12, 1, 8, 26, 30)),
        ("2010-12-01T09:26:00+01:00", datetime(2010, 12, 1, 8, 26)),
        ("13/1/2010 8:26", None),
        ("", None),
    ],
)
def test_parse_invoice_date(raw: str, expected: object) -> None:
    assert parse_invoice_date(raw) == expected


@pytest.mark.parametrize(
    ("description", "name"),
    [
        ("WHITE HANGING HEART T-LIGHT HOLDER", "White Hanging Heart T-Light Holder"),
        ("SET OF 3 CAKE TINS PANTRY DESIGN", "Set of 3 Cake Tins Pantry Design"),
        ("CHILDREN'S SPACEBOY MUG", "Children's Spaceboy Mug"),
        ("SET/6 RED SPOTTY PAPER PLATES", "Set/6 Red Spotty Paper Plates"),
        ("POLYESTER FILLER PAD 45x30cm", "Polyester Filler Pad 45x30cm"),
        ("SUNJAR LED NIGHT NIGHT LIGHT", "Sunjar LED Night Night Light"),
    ],
)
def test_product_name(description: str, name: str) -> None:
    assert product_name(description) == name


@pytest.mark.parametrize(
    ("description", "category"),
    [
        ("PAPER CHAIN KIT 50'S CHRISTMAS", "Christmas"),
        ("WHITE METAL LANTERN", "Candles & Lights"),
        ("JUMBO BAG RED RETROSPOT", "Bags"),
        ("RED RETROSPOT CAKE STAND", "Kitchen"),
        ("LIGHT GREEN BOWL", "Kitchen"),
        ("PACK OF 72 RETROSPOT CAKE CASES", "Kitchen"),
        ("SPACEBOY BIRTHDAY CARD", "Stationery"),
        ("FELTCRAFT DOLL MOLLY", "Toys"),
        ("GARDEN TOOLS IN TIN", "Garden"),
        ("HOME BUILDING BLOCK WORD", "Gifts"),
        ("ALARM CLOCK BAKELIKE RED", "Home Decor"),
    ],
)
def test_classify_product(description: str, category: str) -> None:
    assert classify_product(description)[0] == category


def test_tags_are_lower_case_keywords() -> None:
    assert classify_product("JUMBO BAG RED RETROSPOT")[1] == "bag,red,retrospot"


# Real data ---------------------------------------------------------------------------


@pytest.mark.skipif(not SHARED_LOG.exists(), reason=f"shared dataset not found at {SHARED_LOG}")
def test_imports_the_shared_online_retail_sample(database: Database) -> None:
    report = import_orders(database, SHARED_LOG)

    assert report.rows_read == 30_000
    assert report.skipped["no_customer"] == 10_043  # a third of the log has no CustomerID
    assert 1_000 < report.orders_imported < 1_406  # 1,406 invoices, some without customers
    assert 700 < report.customers_created <= 755
    assert 2_000 < report.products_created <= 2_645
    assert 19_000 < report.order_items_imported < 20_000
    assert report.rows_read == report.order_items_imported + sum(report.skipped.values())
    with database.session() as session:
        statuses = dict(
            session.execute(select(Order.status, func.count()).group_by(Order.status)).all()
        )
        unnamed = session.execute(
            select(func.count()).select_from(Product).where(Product.name == Product.sku)
        ).scalar_one()
    assert set(statuses) == {"delivered", "cancelled"}
    assert 100 < statuses["cancelled"] < 300
    assert unnamed == 0

    again = import_orders(database, SHARED_LOG)
    assert (again.orders_imported, again.orders_already_present) == (0, report.orders_imported)


# PostgreSQL --------------------------------------------------------------------------


def test_import_on_postgresql(postgres_database: Database, tmp_path: Path) -> None:
    path = write_log(tmp_path / "log.csv", BASIC_LOG)

    report = import_orders(postgres_database, path, batch_size=2)
    again = import_orders(postgres_database, path)

    assert (report.orders_imported, report.order_items_imported) == (4, 6)
    assert (again.orders_imported, again.orders_already_present) == (0, 4)
    assert order_by_number(postgres_database, "ORD-C536379").status == "cancelled"
    # The sequences were moved past the imported ids: ORM inserts do not collide.
    with postgres_database.session() as session:
        session.add(Customer(name="Walk-in", email="walk-in@example.com"))
        session.flush()
        assert session.execute(select(func.max(Customer.id))).scalar_one() == 3
    customer_id = order_by_number(postgres_database, "ORD-536365").customer_id
    detail = CrmStore(postgres_database).get_order(customer_id, "ORD-536365")
    assert detail.total == Decimal("40.74")


@pytest.mark.skipif(not SHARED_LOG.exists(), reason=f"shared dataset not found at {SHARED_LOG}")
def test_shared_sample_on_postgresql(postgres_database: Database) -> None:
    report = import_orders(postgres_database, SHARED_LOG)

    assert report.rows_read == 30_000
    assert count(postgres_database, OrderItem) == report.order_items_imported
