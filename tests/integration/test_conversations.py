"""Real multi-turn conversations over REST against a seeded CRM (the demo customers)."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Dict, List

import pytest
from sqlalchemy import select

from bot.crm.database import Database
from bot.crm.models import HandoffTicket, Order, ReturnRequest
from bot.identity import issue_customer_token
from bot.stack import Stack
from tests.integration.conftest import Chat

pytestmark = pytest.mark.integration

MARIA = ("maria.garcia@example.com", "ORD-900004")


def order_status(crm_path: Path, number: str) -> str:
    database = Database(f"sqlite:///{crm_path}")
    try:
        with database.session() as session:
            return session.execute(select(Order.status).where(Order.number == number)).scalar_one()
    finally:
        database.dispose()


def verify(chat: Chat, request: str, number: str = MARIA[1]) -> List[Dict[str, Any]]:
    """Ask `request` anonymously and prove identity as Maria with one of her orders."""
    assert "email" in chat.text(request).lower()
    assert "order" in chat.text(MARIA[0]).lower()
    return chat.say(number)


def joined(messages: List[Dict[str, Any]]) -> str:
    return "\n".join(m.get("text", "") for m in messages)


def test_anonymous_customer_verifies_then_gets_status_history_and_tracking(chat: Chat) -> None:
    assert "Northwind" in chat.text("hello")
    answer = joined(verify(chat, "what is the status of my order?"))
    assert "you're verified" in answer and "ORD-900004" in answer and "delivered" in answer
    history = chat.text("show me my order history")
    for number in ("ORD-900001", "ORD-900002", "ORD-900003", "ORD-900004"):
        assert number in history
    assert "$" in history
    tracking = chat.text("can i get the tracking number for my parcel")
    assert "ORD-900003" in tracking and "UPS" in tracking and "Expected delivery" in tracking


def test_an_order_number_given_before_the_email_is_kept(chat: Chat) -> None:
    assert "email address" in chat.text("where is my parcel?")
    asked_again = chat.text(MARIA[1])  # the order number, though the email was asked for
    assert f"noted order {MARIA[1]}" in asked_again and "email address" in asked_again
    answer = chat.text(MARIA[0])
    assert "you're verified" in answer and "order numbers?" not in answer
    assert "ORD-900004" in answer or "ORD-900003" in answer


def test_details_given_before_the_request_verify_and_offer_choices(chat: Chat) -> None:
    reply = chat.say(f"hi, my email is {MARIA[0]} and my order number is {MARIA[1]}")
    text = joined(reply)
    assert "you're verified" in text and f"What would you like to do with order {MARIA[1]}?" in text
    buttons = {b["title"]: b["payload"] for m in reply for b in m.get("buttons", [])}
    assert {"Order status", "Track the parcel", "Order history", "Cancel it", "Return it"} <= set(buttons)
    status = chat.text(buttons["Order status"])
    assert MARIA[1] in status and "delivered" in status and "email address" not in status


def test_a_detail_without_email_or_order_number_gets_the_choices(chat: Chat) -> None:
    reply = chat.say("/inform")  # an `inform` with neither detail (NLU rarely gives one outside a request)
    assert "What would you like to do?" in joined(reply)
    assert "Return it" in [b["title"] for m in reply for b in m.get("buttons", [])]


def test_an_order_number_alone_is_kept_until_the_email_comes(chat: Chat) -> None:
    asked = chat.text(MARIA[1])
    assert f"noted order {MARIA[1]}" in asked and "email address" in asked
    answer = chat.text(MARIA[0])
    assert "you're verified" in answer and f"with order {MARIA[1]}" in answer


def test_wrong_details_are_refused_without_saying_which_half_was_wrong(chat: Chat) -> None:
    chat.text("show my order history")
    chat.text("maria.garcia@example.com")
    wrong_order = chat.text("ORD-900011")  # Liam's order
    chat.text("liam.obrien@example.com")
    wrong_email = chat.text("ORD-900004")
    assert "don't match our records" in wrong_order
    assert wrong_order == wrong_email
    chat.text("maria.garcia@example.com")
    locked = chat.text("ORD-123456")
    assert "couldn't confirm your identity" in locked


def test_a_foreign_order_gets_the_same_answer_as_a_missing_one(chat: Chat) -> None:
    verify(chat, "order status please")
    foreign = chat.text("what's the status of ORD-900011").replace("ORD-900011", "N")
    missing = chat.text("what's the status of ORD-999999").replace("ORD-999999", "N")
    assert foreign == missing and "couldn't find" in foreign


def test_cancellation_needs_confirmation_and_is_written_to_the_crm(chat: Chat, crm_path: Path) -> None:
    question = verify(chat, "i need to cancel an order", "ORD-900002")
    assert "cancel order ORD-900002" in question[-1]["text"]
    assert [b["title"] for b in question[-1]["buttons"]] == ["Yes, cancel it", "No, keep it"]
    assert order_status(crm_path, "ORD-900002") == "paid"
    assert "is cancelled" in chat.text("yes")
    assert order_status(crm_path, "ORD-900002") == "cancelled"
    shipped = chat.text("cancel order ORD-900003")
    assert "can't cancel order ORD-900003" in shipped and "left our warehouse" in shipped
    assert order_status(crm_path, "ORD-900003") == "shipped"


def test_a_return_creates_a_return_request(chat: Chat, crm_path: Path) -> None:
    assert "why are you returning order ORD-900004" in joined(verify(chat, "i want to return something", "ORD-900004"))
    # Only ORD-900004 is delivered inside the window (and has no open return yet).
    reply = chat.text("it's too small")
    assert "opened return request" in reply and "ORD-900004" in reply
    database = Database(f"sqlite:///{crm_path}")
    with database.session() as session:
        reasons = session.execute(
            select(ReturnRequest.reason).join(Order, Order.id == ReturnRequest.order_id).where(Order.number == "ORD-900004")
        ).scalars().all()
    database.dispose()
    assert "it's too small" in reasons
    outside = chat.text("can i return ORD-900005")
    assert "outside our return window" in outside


def test_a_change_to_an_order_is_explained_and_changes_nothing(chat: Chat, crm_path: Path) -> None:
    reply = chat.say("can I change the delivery address on ORD-900001?")
    assert "can't change an order" in reply[0]["text"]
    assert [b["payload"] for b in reply[0]["buttons"]] == ["/request_human", "/cancel_order"]
    assert order_status(crm_path, "ORD-900001") == "placed"


def test_a_logged_in_customer_is_recognised_from_the_signed_token(stack: Stack) -> None:
    token = issue_customer_token(2, stack.token_secret)  # Liam O'Brien
    chat = Chat(stack, "it-token", metadata={"customer_token": token})
    history = chat.text("show me my orders")
    assert "ORD-900011" in history and "ORD-900001" not in history
    forged = Chat(stack, "it-forged", metadata={"customer_token": issue_customer_token(2, "not-the-secret-but-just-as-long-as-one")})
    assert "email" in forged.text("show me my orders").lower()


def test_asking_for_a_person_opens_a_ticket_with_the_transcript(chat: Chat, crm_path: Path) -> None:
    chat.text("where is ORD-900004")
    reply = chat.say("i want to talk to a human")
    assert "bringing in a person" in reply[0]["text"]
    assert reply[-1]["custom"]["handoff"]["state"] == "waiting"
    database = Database(f"sqlite:///{crm_path}")
    with database.session() as session:
        saved = session.execute(
            select(HandoffTicket).where(HandoffTicket.conversation_id == chat.sender)
        ).scalar_one()
        assert (saved.reason, saved.status) == ("customer_request", "waiting")
        assert saved.orders_mentioned == ["ORD-900004"]
    database.dispose()
    waiting = chat.say("hello?")
    assert waiting == [{"recipient_id": chat.sender, "custom": {"handoff": {"state": "waiting", "agent_name": None,
                                                                           "ticket_id": saved.id}}}]


@pytest.mark.parametrize(
    "text, expected",
    [
        ("", "didn't catch any words"),
        ("🙂🙂🙂", "didn't catch any words"),
        ("¿Dónde está mi pedido?", "only help in English"),
        ("我的订单在哪里", "only help in English"),
        ("x' OR 1=1; DROP TABLE orders; --", ""),
        ("where is my parcel " * 600, ""),
    ],
)
def test_bad_input_gets_a_sensible_answer(chat: Chat, text: str, expected: str) -> None:
    reply = chat.text(text)
    assert reply.strip(), "the bot must always answer"
    assert expected in reply


def test_the_crm_being_down_gets_an_apology_and_the_offer_of_a_person(stack: Stack, crm_path: Path) -> None:
    token = issue_customer_token(1, stack.token_secret)
    chat = Chat(stack, "it-crm-down", metadata={"customer_token": token})
    assert "ORD-900001" in chat.text("show my order history")
    moved = crm_path.with_suffix(".moved")
    crm_path.rename(moved)
    try:
        reply = chat.say("show my order history again")
        assert "can't reach our order system" in reply[0]["text"]
        assert reply[0]["buttons"][0]["payload"] == "/request_human"
    finally:
        crm_path.with_suffix(".sqlite3").unlink(missing_ok=True)  # the empty file SQLite created
        moved.rename(crm_path)
    assert "ORD-900001" in chat.text("show my order history")


def test_the_action_server_being_down_gets_a_fallback_answer(stack: Stack) -> None:
    chat = Chat(stack, "it-actions-down")
    stack.stop_process("actions")
    try:
        assert "trouble reaching our systems" in chat.text("show my order history")
        assert "trouble reaching our systems" in chat.text("what's the status of ORD-900004")
    finally:
        stack.start_actions()
    assert "email" in chat.text("show my order history").lower()
