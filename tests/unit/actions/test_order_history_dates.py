"""Order history for a period the customer named ("what did I buy last week"), on a real SQLite CRM."""

from __future__ import annotations

from datetime import timedelta
from typing import Any, Dict

import pytest

from actions.forms import ValidateOrderHistoryForm
from actions.orders import ActionShowOrderHistory
from actions.replies import day
from bot.nlu.dates import DateRange
from tests.conftest import SmallCrm
from tests.unit.actions.conftest import make_tracker, run_action, slot_events, texts, verified_as

pytestmark = [
    pytest.mark.filterwarnings("ignore:Dialect sqlite\\+pysqlite does \\*not\\* support Decimal"),
    pytest.mark.filterwarnings("ignore:No method 'extract_:UserWarning"),
]

ADA = verified_as(1, "Ada")
BEN = verified_as(2, "Ben")


def period(crm: SmallCrm, first_days_ago: int, last_days_ago: int) -> DateRange:
    return DateRange((crm.now - timedelta(days=first_days_ago)).date(), (crm.now - timedelta(days=last_days_ago)).date())


def history(slots: Dict[str, Any]) -> str:
    events, dispatcher = run_action(ActionShowOrderHistory(), make_tracker(slots))
    assert slot_events(events)["date"] is None  # cleared with the other request slots
    assert len(dispatcher.messages) == 1
    return texts(dispatcher)


def listed(text: str) -> list:
    return [line.split(",")[0].removeprefix("- ") for line in text.splitlines() if line.startswith("- ")]


def test_only_the_customers_orders_of_the_period_are_listed(crm: SmallCrm) -> None:
    # Ada ordered 1, 2, 4, 9, 20 and 90 days ago; Ben 7 days ago.
    window = period(crm, 10, 3)
    text = history({**ADA, "date": window.to_value()})
    assert text.splitlines()[0] == f"Your orders between {day(window.start)} and {day(window.end)}:"
    assert listed(text) == [crm.orders["shipped"], crm.orders["delivered"]]
    assert crm.orders["ben"] not in text
    assert listed(history({**BEN, "date": window.to_value()})) == [crm.orders["ben"]]


def test_a_period_without_orders_says_so(crm: SmallCrm) -> None:
    empty = period(crm, 60, 30)
    assert history({**ADA, "date": empty.to_value()}) == (
        f"No orders between {day(empty.start)} and {day(empty.end)}. "
        'Ask for "my orders" to see your most recent ones.'
    )
    one_day = period(crm, 5, 5)
    assert history({**ADA, "date": one_day.to_value()}).startswith(f"No orders on {day(one_day.start)}.")


def test_a_period_with_more_orders_than_fit_shows_the_newest(crm: SmallCrm) -> None:
    text = history({**ADA, "date": period(crm, 100, 0).to_value()})
    assert listed(text) == [crm.orders[label] for label in ("placed", "paid", "shipped", "delivered", "cancelled")]
    assert text.endswith("These are the 5 most recent; ask about a shorter period to see the others.")


@pytest.mark.parametrize("value", [None, "last week", "2026-13-01/2026-13-31"])
def test_without_a_usable_period_the_latest_orders_are_listed(crm: SmallCrm, value: Any) -> None:
    text = history({**ADA, "date": value})
    assert text.startswith("Your recent orders:")
    assert len(listed(text)) == 5


def test_the_form_keeps_the_period_of_this_message_and_forgets_an_old_one(crm: SmallCrm) -> None:
    value = period(crm, 10, 3).to_value()
    message = {"text": "what did i buy last week", "intent": {"name": "order_history", "confidence": 1.0},
               "entities": [{"entity": "date", "value": value}]}
    events, _ = run_action(ValidateOrderHistoryForm(), make_tracker({**ADA, "date": value}, latest_message=message))
    assert "date" not in slot_events(events)

    stale = {"text": "show my orders", "intent": {"name": "order_history", "confidence": 1.0}, "entities": []}
    events, _ = run_action(ValidateOrderHistoryForm(), make_tracker({**ADA, "date": value}, latest_message=stale))
    assert slot_events(events)["date"] is None
