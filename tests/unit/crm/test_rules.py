"""Order rules as plain functions."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from bot.crm import rules

NOW = datetime(2026, 11, 23, 12, 0)


@pytest.mark.parametrize(
    "status, reason",
    [("placed", None), ("paid", None), ("shipped", rules.ALREADY_SHIPPED),
     ("delivered", rules.ALREADY_DELIVERED), ("cancelled", rules.ALREADY_CANCELLED),
     ("returned", rules.ALREADY_RETURNED)],
)
def test_cancellation_only_before_shipping(status: str, reason: str) -> None:
    assert rules.cancellation_block(status, ["placed", "paid"]) == reason


def test_return_window_is_inclusive_of_its_last_moment() -> None:
    delivered = NOW - timedelta(days=30)
    assert rules.return_block("delivered", delivered, NOW, 30) is None
    assert rules.return_block("delivered", delivered, NOW + timedelta(seconds=1), 30) == rules.RETURN_WINDOW_CLOSED


@pytest.mark.parametrize(
    "status, delivered_at, open_return, reason",
    [("shipped", None, False, rules.NOT_DELIVERED_YET),
     ("delivered", None, False, rules.NOT_DELIVERED_YET),
     ("cancelled", None, False, rules.ALREADY_CANCELLED),
     ("returned", NOW, False, rules.ALREADY_RETURNED),
     ("delivered", NOW, True, rules.RETURN_ALREADY_REQUESTED)],
)
def test_return_blocks(status: str, delivered_at, open_return: bool, reason: str) -> None:  # type: ignore[no-untyped-def]
    assert rules.return_block(status, delivered_at, NOW, 30, has_open_return=open_return) == reason


def test_expected_delivery_uses_the_carrier_transit_time() -> None:
    shipped = NOW - timedelta(days=1)
    assert rules.expected_delivery(shipped, "UPS", {"UPS": 3}, 5) == shipped + timedelta(days=3)
    assert rules.expected_delivery(shipped, "Unknown", {"UPS": 3}, 5) == shipped + timedelta(days=5)
    assert rules.expected_delivery(None, "UPS", {"UPS": 3}, 5) is None
