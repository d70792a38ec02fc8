"""Customer-facing words: formatting of orders and the one mapping from domain errors to replies."""

from __future__ import annotations

import logging
from datetime import date
from decimal import Decimal
from typing import Iterable, List, Optional

from rasa_sdk.executor import CollectingDispatcher

from bot.crm import rules
from bot.crm.errors import CrmError, CrmUnavailable, CustomerNotFound, OrderNotEligible, OrderNotFound
from bot.crm.store import CrmStore, OrderDetail, OrderSummary
from bot.nlu.dates import DateRange

logger = logging.getLogger(__name__)

STATUS_WORDS = {
    "placed": "placed and waiting for payment confirmation",
    "paid": "paid and being prepared in our warehouse",
    "shipped": "on its way",
    "delivered": "delivered",
    "cancelled": "cancelled",
    "returned": "returned",
}

BLOCK_REASONS = {
    rules.ALREADY_SHIPPED: "it has already left our warehouse, so it can no longer be cancelled. Once it arrives you can return it instead.",
    rules.ALREADY_DELIVERED: "it has already been delivered, so it can't be cancelled any more. You can start a return instead.",
    rules.ALREADY_CANCELLED: "it is already cancelled.",
    rules.ALREADY_RETURNED: "it has already been returned.",
    rules.NOT_DELIVERED_YET: "it hasn't been delivered yet. Returns open once it arrives; if it hasn't shipped you can cancel it instead.",
    rules.RETURN_WINDOW_CLOSED: "it was delivered more than {window} days ago, outside our return window. A person from our team can still look at it if something is wrong with it.",
    rules.RETURN_ALREADY_REQUESTED: "a return is already open for it. We'll email you the next steps.",
}


def money(amount: Decimal, symbol: str) -> str:
    return f"{symbol}{amount:,.2f}"


def day(moment: Optional[date]) -> str:
    """'Mon 23 Nov 2026'."""
    return moment.strftime("%a %d %b %Y") if moment else "unknown"


def period_text(period: DateRange) -> str:
    """'between Thu 01 Oct 2026 and Sat 31 Oct 2026', or 'on Sun 22 Nov 2026' for one day."""
    if period.start == period.end:
        return f"on {day(period.start)}"
    return f"between {day(period.start)} and {day(period.end)}"


def items_phrase(order: OrderDetail, limit: int = 3) -> str:
    names = [f"{line.quantity} x {line.product_name}" for line in order.lines[:limit]]
    if len(order.lines) > limit:
        names.append(f"{len(order.lines) - limit} more")
    return ", ".join(names)


def order_status_text(order: OrderDetail, store: CrmStore, symbol: str) -> str:
    """One order's status in a sentence or two."""
    lines = [
        f"Order {order.number} ({items_phrase(order)}, {money(order.total, symbol)}) "
        f"is {STATUS_WORDS.get(order.status, order.status)}."
    ]
    if order.status == "shipped":
        lines.append(
            f"It shipped on {day(order.shipped_at)} with {order.carrier} and should arrive by "
            f"{day(store.expected_delivery(order))}."
        )
    elif order.status == "delivered":
        lines.append(f"It was delivered on {day(order.delivered_at)}.")
    elif order.status in ("placed", "paid"):
        lines.append(f"You placed it on {day(order.placed_at)}; it hasn't shipped yet.")
    elif order.status == "cancelled":
        lines.append(f"It was cancelled on {day(order.cancelled_at)}.")
    elif order.status == "returned":
        lines.append(f"The return was completed on {day(order.returned_at)}.")
    return " ".join(lines)


def tracking_text(order: OrderDetail, store: CrmStore) -> str:
    if order.status in ("placed", "paid"):
        return (
            f"Order {order.number} hasn't shipped yet ({STATUS_WORDS[order.status]}). "
            "I'll have tracking details as soon as it leaves the warehouse."
        )
    if order.status == "cancelled":
        return f"Order {order.number} was cancelled, so there's nothing to track."
    text = (
        f"Order {order.number} travels with {order.carrier or 'our courier'}, tracking number "
        f"{order.tracking_number or 'not available'}."
    )
    if order.status == "delivered":
        return text + f" It was delivered on {day(order.delivered_at)}."
    url = store.tracking_url(order)
    text += f" Expected delivery: {day(store.expected_delivery(order))}."
    if url:
        text += f" Follow it here: {url}"
    return text


def history_text(
    orders: Iterable[OrderSummary], symbol: str, period: Optional[DateRange] = None, more: bool = False
) -> str:
    """The orders, one a line; `period` names the period they were picked from, `more` says it holds others."""
    rows: List[str] = [
        f"- {order.number}, {day(order.placed_at)}: {money(order.total, symbol)}, "
        f"{order.item_count} item{'s' if order.item_count != 1 else ''}, {order.status}"
        for order in orders
    ]
    if period is None:
        return "Your recent orders:\n" + "\n".join(rows)
    text = f"Your orders {period_text(period)}:\n" + "\n".join(rows)
    if more:
        text += f"\nThese are the {len(rows)} most recent; ask about a shorter period to see the others."
    return text


def no_orders_in_period_text(period: DateRange) -> str:
    return f"No orders {period_text(period)}. Ask for \"my orders\" to see your most recent ones."


def block_reason_text(reason: str, window_days: int) -> str:
    return BLOCK_REASONS.get(reason, "it can't be changed right now.").format(window=window_days)


def utter_crm_error(dispatcher: CollectingDispatcher, error: CrmError, window_days: int = 30) -> None:
    """The one place that turns CRM errors into replies."""
    if isinstance(error, OrderNotFound):
        dispatcher.utter_message(response="utter_order_not_found", order_number=error.number)
    elif isinstance(error, OrderNotEligible):
        dispatcher.utter_message(
            text=f"I can't do that for order {error.number}: {block_reason_text(error.reason, window_days)}"
        )
    elif isinstance(error, CustomerNotFound):
        dispatcher.utter_message(response="utter_verification_locked")
    elif isinstance(error, CrmUnavailable):
        logger.error("CRM unavailable while answering: %s", error)
        dispatcher.utter_message(response="utter_crm_unavailable")
    else:
        logger.exception("Unexpected CRM error")
        dispatcher.utter_message(response="utter_crm_unavailable")
