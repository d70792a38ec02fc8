"""Business rules for orders: what may be cancelled or returned, and when it arrives.

Plain functions of plain values, so they are tested without a database or Rasa.
Each "block" function returns `None` when the change is allowed, or a reason code
that `actions/replies.py` turns into words.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Mapping, Optional, Sequence

# Reason codes shared by the store and the replies.
ALREADY_SHIPPED = "already_shipped"
ALREADY_DELIVERED = "already_delivered"
ALREADY_CANCELLED = "already_cancelled"
ALREADY_RETURNED = "already_returned"
NOT_DELIVERED_YET = "not_delivered_yet"
RETURN_WINDOW_CLOSED = "return_window_closed"
RETURN_ALREADY_REQUESTED = "return_already_requested"


def cancellation_block(status: str, cancellable_statuses: Sequence[str]) -> Optional[str]:
    """Why an order in `status` cannot be cancelled, or None if it can."""
    if status in cancellable_statuses:
        return None
    return {
        "shipped": ALREADY_SHIPPED,
        "delivered": ALREADY_DELIVERED,
        "cancelled": ALREADY_CANCELLED,
        "returned": ALREADY_RETURNED,
    }.get(status, ALREADY_SHIPPED)


def return_deadline(delivered_at: Optional[datetime], window_days: int) -> Optional[datetime]:
    if delivered_at is None:
        return None
    return delivered_at + timedelta(days=window_days)


def return_block(
    status: str,
    delivered_at: Optional[datetime],
    now: datetime,
    window_days: int,
    has_open_return: bool = False,
) -> Optional[str]:
    """Why an order cannot be returned, or None if a return may start now."""
    if has_open_return:
        return RETURN_ALREADY_REQUESTED
    if status == "returned":
        return ALREADY_RETURNED
    if status == "cancelled":
        return ALREADY_CANCELLED
    if status != "delivered" or delivered_at is None:
        return NOT_DELIVERED_YET
    deadline = return_deadline(delivered_at, window_days)
    if deadline is not None and now > deadline:
        return RETURN_WINDOW_CLOSED
    return None


def expected_delivery(
    shipped_at: Optional[datetime],
    carrier: Optional[str],
    transit_days: Mapping[str, int],
    default_transit_days: int,
) -> Optional[datetime]:
    """When a shipped parcel should arrive, from the carrier's usual transit time."""
    if shipped_at is None:
        return None
    days = transit_days.get(carrier or "", default_transit_days)
    return shipped_at + timedelta(days=days)
