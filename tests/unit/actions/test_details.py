"""The choices offered once a customer's details are known."""

from __future__ import annotations

import json

from actions.context import first_value
from actions.details import choice_buttons


def test_each_choice_carries_the_order_number() -> None:
    buttons = choice_buttons("ORD-900004")
    assert [b["title"] for b in buttons] == ["Order status", "Track the parcel", "Order history", "Cancel it", "Return it"]
    status = buttons[0]["payload"]
    assert status.startswith("/check_order_status{")
    assert json.loads(status[len("/check_order_status"):]) == {"order_number": "ORD-900004"}
    assert buttons[2]["payload"] == "/order_history"


def test_without_an_order_number_the_choices_are_plain_intents() -> None:
    assert [b["payload"] for b in choice_buttons(None)] == [
        "/check_order_status", "/track_shipment", "/order_history", "/cancel_order", "/return_order",
    ]


def test_one_value_per_slot() -> None:
    assert first_value(["ORD-900004", "ORD-900003"]) == "ORD-900004"
    assert first_value("ORD-900004") == "ORD-900004"
    assert first_value([]) is None and first_value(None) is None and first_value("") is None
