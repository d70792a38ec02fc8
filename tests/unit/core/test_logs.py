"""Personal data never reaches the logs."""

from __future__ import annotations

import logging

import pytest

from bot.logs import PiiMaskingFilter, mask_pii


@pytest.mark.parametrize(
    "text, hidden, kept",
    [
        ("contact maria.garcia@example.com now", "maria.garcia", "m***@example.com"),
        ("call +1 555 123 4567", "555 123", "***4567"),
        ("phone 0612345678", "0612345678", "***5678"),
    ],
)
def test_emails_and_phones_are_masked(text: str, hidden: str, kept: str) -> None:
    masked = mask_pii(text)
    assert hidden not in masked and kept in masked


def test_order_numbers_dates_and_amounts_stay_readable() -> None:
    text = "ORD-104233 placed 2026-11-23 12:00:01 for 129.00"
    assert mask_pii(text) == text


def test_the_filter_masks_formatted_records(caplog: pytest.LogCaptureFixture) -> None:
    logger = logging.getLogger("test.pii")
    caplog.handler.addFilter(PiiMaskingFilter())
    with caplog.at_level(logging.INFO):
        logger.info("verified %s", "ada@example.com")
    assert "ada@example.com" not in caplog.text and "a***@example.com" in caplog.text
