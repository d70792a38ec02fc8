"""The CRM store on a real database: scoping, totals, cancellation and return rules."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

import pytest

from bot.crm import rules
from bot.crm.database import Database
from bot.crm.errors import CrmUnavailable, OrderNotEligible, OrderNotFound
from bot.crm.models import ReturnRequest
from bot.crm.store import CrmStore, normalise_order_number
from tests.conftest import SmallCrm, build_small_crm


@pytest.fixture(params=["sqlite", "postgres"])
def crm(request: pytest.FixtureRequest) -> SmallCrm:
    database: Database = request.getfixturevalue(
        "sqlite_database" if request.param == "sqlite" else "postgres_database"
    )
    return build_small_crm(database, datetime.utcnow().replace(microsecond=0))


def store_of(crm: SmallCrm) -> CrmStore:
    return CrmStore(crm.database)


@pytest.mark.parametrize(
    "typed, expected",
    [("ORD-104233", "ORD-104233"), ("ord 104233", "ORD-104233"), ("ord104233", "ORD-104233"),
     ("#ORD-104233", "ORD-104233"), ("104233", "ORD-104233"), (" Ord-104233 ", "ORD-104233")],
)
def test_order_numbers_are_normalised_as_customers_type_them(typed: str, expected: str) -> None:
    assert normalise_order_number(typed) == expected


def test_verify_customer_needs_both_email_and_own_order(crm: SmallCrm) -> None:
    store = store_of(crm)
    assert store.verify_customer(" ADA@example.com ", "ord 200004").id == crm.ada
    assert store.verify_customer("ada@example.com", crm.orders["ben"]) is None  # someone else's order
    assert store.verify_customer("nobody@example.com", crm.orders["placed"]) is None
    assert store.verify_customer("ada@example.com", "ORD-999999") is None


def test_a_foreign_order_is_indistinguishable_from_a_missing_one(crm: SmallCrm) -> None:
    store = store_of(crm)
    with pytest.raises(OrderNotFound) as foreign:
        store.get_order(crm.ada, crm.orders["ben"])
    with pytest.raises(OrderNotFound) as missing:
        store.get_order(crm.ada, "ORD-999999")
    assert type(foreign.value) is type(missing.value)
    assert str(foreign.value).replace(crm.orders["ben"], "N") == str(missing.value).replace("ORD-999999", "N")


def test_recent_orders_are_newest_first_with_totals(crm: SmallCrm) -> None:
    orders = store_of(crm).recent_orders(crm.ada, limit=3)
    assert [o.number for o in orders] == [crm.orders["placed"], crm.orders["paid"], crm.orders["shipped"]]
    assert orders[0].total == Decimal("24.90") and orders[0].item_count == 1
    assert orders[1].total == Decimal("258.00") and orders[1].item_count == 2
    assert all(o.number != crm.orders["ben"] for o in store_of(crm).recent_orders(crm.ada, limit=50))


def test_recent_orders_between_dates_are_only_the_customers_own(crm: SmallCrm) -> None:
    store, day = store_of(crm), timedelta(days=1)
    # Ada's orders were placed 1, 2, 4, 9, 20 and 90 days ago; Ben's 7 days ago, inside Ada's window.
    window = store.recent_orders(crm.ada, limit=50, since=crm.now - 10 * day, until=crm.now - 3 * day)
    assert [o.number for o in window] == [crm.orders["shipped"], crm.orders["delivered"]]
    assert window[0].total == Decimal("74.70") and window[0].item_count == 3
    assert [o.number for o in store.recent_orders(crm.ben, since=crm.now - 10 * day, until=crm.now - 3 * day)] == [
        crm.orders["ben"]
    ]
    # `since` is included, `until` is not.
    assert [o.number for o in store.recent_orders(crm.ada, since=crm.now - 4 * day, until=crm.now - 2 * day)] == [
        crm.orders["shipped"]
    ]
    assert [o.number for o in store.recent_orders(crm.ada, limit=50, since=crm.now - 2 * day)] == [
        crm.orders["placed"], crm.orders["paid"]
    ]
    assert [o.number for o in store.recent_orders(crm.ada, limit=50, until=crm.now - 20 * day)] == [crm.orders["old"]]
    # The limit keeps the newest orders of the period.
    assert [o.number for o in store.recent_orders(crm.ada, limit=1, since=crm.now - 10 * day)] == [crm.orders["placed"]]
    assert store.recent_orders(crm.ada, since=crm.now - 60 * day, until=crm.now - 30 * day) == []


def test_latest_order_with_status_filter(crm: SmallCrm) -> None:
    store = store_of(crm)
    assert store.latest_order(crm.ada).number == crm.orders["placed"]
    assert store.latest_order(crm.ada, statuses=["shipped"]).number == crm.orders["shipped"]
    assert store.latest_order(crm.ben, statuses=["shipped"]) is None


def test_order_detail_has_lines_tracking_and_expected_delivery(crm: SmallCrm) -> None:
    store = CrmStore(crm.database, order_rules=store_of(crm).order_rules.__class__(transit_days={"UPS": 3}))
    order = store.get_order(crm.ada, crm.orders["shipped"])
    assert order.carrier == "UPS" and order.tracking_number.startswith("1Z")
    assert order.lines[0].product_name == "Bamboo Cutting Board"
    assert store.expected_delivery(order) == order.shipped_at + timedelta(days=3)
    delivered = store.get_order(crm.ada, crm.orders["delivered"])
    assert store.expected_delivery(delivered) == delivered.delivered_at


def test_cancel_only_before_shipping_and_it_is_written(crm: SmallCrm) -> None:
    store = store_of(crm)
    cancelled = store.cancel_order(crm.ada, crm.orders["paid"])
    assert cancelled.status == "cancelled" and cancelled.cancelled_at is not None
    assert store.get_order(crm.ada, crm.orders["paid"]).status == "cancelled"
    with pytest.raises(OrderNotEligible) as shipped:
        store.cancel_order(crm.ada, crm.orders["shipped"])
    assert shipped.value.reason == rules.ALREADY_SHIPPED
    with pytest.raises(OrderNotEligible) as again:
        store.cancel_order(crm.ada, crm.orders["paid"])
    assert again.value.reason == rules.ALREADY_CANCELLED
    with pytest.raises(OrderNotFound):
        store.cancel_order(crm.ada, crm.orders["ben"])
    assert store.get_order(crm.ben, crm.orders["ben"]).status == "delivered"


def test_returns_only_for_delivered_orders_inside_the_window(crm: SmallCrm) -> None:
    store = store_of(crm)
    request = store.request_return(crm.ada, crm.orders["delivered"], "  too small  ")
    assert request.order_number == crm.orders["delivered"] and request.status == "requested"
    with crm.database.session() as session:
        saved = session.get(ReturnRequest, request.id)
        assert saved.reason == "too small" and saved.customer_id == crm.ada
    for label, reason in [
        ("delivered", rules.RETURN_ALREADY_REQUESTED),
        ("old", rules.RETURN_WINDOW_CLOSED),
        ("shipped", rules.NOT_DELIVERED_YET),
        ("cancelled", rules.ALREADY_CANCELLED),
    ]:
        with pytest.raises(OrderNotEligible) as blocked:
            store.request_return(crm.ada, crm.orders[label], "x")
        assert blocked.value.reason == reason, label


def test_changeable_orders_lists_what_can_be_cancelled_or_returned(crm: SmallCrm) -> None:
    store = store_of(crm)
    assert store.changeable_orders(crm.ada, "cancel") == [crm.orders["placed"], crm.orders["paid"]]
    assert store.changeable_orders(crm.ada, "return") == [crm.orders["delivered"]]
    assert store.changeable_orders(crm.ben, "cancel") == []
    with pytest.raises(ValueError):
        store.changeable_orders(crm.ada, "explode")


def test_sql_looking_input_is_just_a_value(crm: SmallCrm) -> None:
    store = store_of(crm)
    assert store.verify_customer("x' OR '1'='1", "ORD-200001' OR 1=1 --") is None
    with pytest.raises(OrderNotFound):
        store.get_order(crm.ada, "'; DROP TABLE orders; --")
    assert len(store.recent_orders(crm.ada, limit=50)) == 6


def test_unreachable_database_raises_crm_unavailable(tmp_path) -> None:  # type: ignore[no-untyped-def]
    missing_dir = tmp_path / "no" / "such"
    database = Database("postgresql+psycopg2://nobody@127.0.0.1:1/none")
    with pytest.raises(CrmUnavailable):
        CrmStore(database).recent_orders(1)
    assert not missing_dir.exists()
