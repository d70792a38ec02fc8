"""Every custom action and form validation of the action server, run directly.

No servers and no mocks of our code: each test builds a real rasa_sdk `Tracker`,
runs the action with a `CollectingDispatcher` against a small SQLite CRM
(`tests.conftest.build_small_crm`), and checks the events, the replies and what
ended up in the database. Covered: session start with signed tokens, order status,
history and tracking, the identity check and slot validation of every form,
cancellation and return (forms, questions and submit actions), handoff requests,
fallback explanations, and every one of them with the CRM database down.
"""

from __future__ import annotations

import asyncio
import json
import time
from datetime import timedelta
from typing import Any, Dict, List, Optional, Type

import jwt
import pytest
from rasa_sdk import Action
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy import select

from actions.base import CustomerRequestAction
from actions.changes import (
    ActionAskCancelOrderFormOrderNumber,
    ActionAskReturnOrderFormOrderNumber,
    ActionCancelOrder,
    ActionRequestReturn,
)
from actions.context import REQUEST_SLOTS
from actions.fallback import ActionExplainFallback
from actions.forms import (
    OrderRequestFormValidation,
    ValidateCancelOrderForm,
    ValidateOrderHistoryForm,
    ValidateOrderStatusForm,
    ValidateReturnOrderForm,
    ValidateTrackShipmentForm,
)
from actions.orders import ActionCheckOrderStatus, ActionShowOrderHistory, ActionTrackShipment
from actions.replies import day
from actions.session import ActionSessionStart
from bot.crm.models import ReturnRequest
from bot.crm.store import CrmStore
from bot.identity import issue_customer_token
from bot.settings import get_settings
from tests.conftest import SmallCrm
from tests.unit.actions.conftest import (
    DOMAIN,
    TOKEN_SECRET,
    Events,
    make_tracker,
    reply_without,
    responses,
    run_action,
    slot_events,
    texts,
    verified_as,
)

pytestmark = [
    # Known and harmless: amounts are read back exactly (see bot/crm/database.py), and
    # our forms validate slots that Rasa extracts, so they have no extract_ methods.
    pytest.mark.filterwarnings("ignore:Dialect sqlite\\+pysqlite does \\*not\\* support Decimal"),
    pytest.mark.filterwarnings("ignore:No method 'extract_:UserWarning"),
]

ADA = verified_as(1, "Ada")
BEN = verified_as(2, "Ben")
MISSING_ORDER = "ORD-999999"

ORDER_ACTIONS: List[Type[CustomerRequestAction]] = [
    ActionCheckOrderStatus,
    ActionShowOrderHistory,
    ActionTrackShipment,
    ActionCancelOrder,
    ActionRequestReturn,
]
FORMS: List[Type[OrderRequestFormValidation]] = [
    ValidateOrderStatusForm,
    ValidateOrderHistoryForm,
    ValidateTrackShipmentForm,
    ValidateCancelOrderForm,
    ValidateReturnOrderForm,
]
# What each form needs once the customer is known (from domain.yml).
REQUEST_SLOTS_OF_FORM = {
    "order_status_form": [],
    "order_history_form": [],
    "track_shipment_form": [],
    "cancel_order_form": ["order_number", "cancel_confirmed"],
    "return_order_form": ["order_number", "return_reason"],
}


def store_of(crm: SmallCrm) -> CrmStore:
    """A second store on the same database, to read back what the actions wrote."""
    return CrmStore(crm.database)


def required_slots(form: OrderRequestFormValidation, slots: Dict[str, Any]) -> List[str]:
    tracker = make_tracker(slots, active_form=form.form_name())
    return asyncio.run(form.required_slots(form.domain_slots(DOMAIN), CollectingDispatcher(), tracker, DOMAIN))


def only_reply(dispatcher: CollectingDispatcher) -> Dict[str, Any]:
    assert len(dispatcher.messages) == 1, dispatcher.messages
    return dispatcher.messages[0]


def assert_request_slots_cleared(events: Events) -> None:
    """The request's slots are reset at the end, after anything else the action set."""
    tail = {event["name"]: event["value"] for event in events[-len(REQUEST_SLOTS) :] if event["event"] == "slot"}
    assert tail == dict.fromkeys(REQUEST_SLOTS)


# Session start -------------------------------------------------------------------


def session_start(metadata: Optional[Dict[str, Any]], slots: Optional[Dict[str, Any]] = None) -> Events:
    tracker = make_tracker({**(slots or {}), "session_started_metadata": metadata})
    events, dispatcher = run_action(ActionSessionStart(), tracker)
    assert dispatcher.messages == []
    assert events[0]["event"] == "session_started"
    assert (events[-1]["event"], events[-1]["name"]) == ("action", "action_listen")
    return events


def test_session_start_with_a_valid_token_verifies_the_customer(crm: SmallCrm) -> None:
    token = issue_customer_token(crm.ada, TOKEN_SECRET)
    slots = slot_events(session_start({"customer_token": token}))
    assert slots["customer_id"] == crm.ada
    assert slots["customer_verified"] is True
    assert slots["customer_name"] == "Ada"
    assert slots["verification_attempts"] == 0


@pytest.mark.parametrize(
    "metadata",
    [
        pytest.param({"customer_token": issue_customer_token(1, "another-secret-that-is-long-enough-for-hs256")},
                     id="forged"),
        pytest.param({"customer_token": jwt.encode({"sub": "1", "exp": int(time.time()) - 60}, TOKEN_SECRET,
                                                   algorithm="HS256")}, id="expired"),
        pytest.param({"customer_token": "not.a.token"}, id="junk"),
        pytest.param({}, id="absent"),
        pytest.param(None, id="no-metadata"),
    ],
)
def test_session_start_without_a_valid_token_clears_identity(crm: SmallCrm, metadata: Optional[Dict[str, Any]]) -> None:
    # A previous session's identity must not survive into the new one.
    slots = slot_events(session_start(metadata, slots={**ADA, "verification_attempts": 2}))
    assert slots["customer_id"] is None
    assert slots["customer_name"] is None
    assert slots["customer_verified"] is False
    assert slots["verification_attempts"] == 0


def test_session_start_trusts_the_signature_when_the_crm_is_down(crm_down: None) -> None:
    slots = slot_events(session_start({"customer_token": issue_customer_token(1, TOKEN_SECRET)}))
    assert slots["customer_id"] == 1
    assert slots["customer_verified"] is True
    assert slots["customer_name"] is None


def test_session_start_does_not_verify_a_customer_the_crm_does_not_know(crm: SmallCrm) -> None:
    slots = slot_events(session_start({"customer_token": issue_customer_token(99, TOKEN_SECRET)}))
    assert slots["customer_verified"] is not True


# Order status, history and tracking ----------------------------------------------


def test_status_of_a_named_shipped_order(crm: SmallCrm) -> None:
    number = crm.orders["shipped"]
    events, dispatcher = run_action(ActionCheckOrderStatus(), make_tracker({**ADA, "order_number": number}))
    text = only_reply(dispatcher)["text"]
    # Shipped 3 days ago with UPS, whose transit time in support.yml is 3 days.
    arrival = day(crm.now - timedelta(days=3) + timedelta(days=3))
    assert text.startswith(f"Order {number} (")
    assert "is on its way" in text
    assert f"with UPS and should arrive by {arrival}" in text
    assert_request_slots_cleared(events)


def test_status_accepts_the_number_as_customers_type_it(crm: SmallCrm) -> None:
    _, dispatcher = run_action(ActionCheckOrderStatus(), make_tracker({**ADA, "order_number": "ord 200004"}))
    text = only_reply(dispatcher)["text"]
    assert f"Order {crm.orders['delivered']} (" in text
    assert f"It was delivered on {day(crm.now - timedelta(days=5))}." in text


def test_status_without_a_number_is_about_the_latest_order(crm: SmallCrm) -> None:
    _, dispatcher = run_action(ActionCheckOrderStatus(), make_tracker(ADA))
    text = only_reply(dispatcher)["text"]
    assert text.startswith(f"Order {crm.orders['placed']} (1 x Bamboo Cutting Board, $24.90)")
    assert "placed and waiting for payment confirmation" in text


def test_history_lists_the_five_latest_own_orders_newest_first(crm: SmallCrm) -> None:
    events, dispatcher = run_action(ActionShowOrderHistory(), make_tracker(ADA))
    text = only_reply(dispatcher)["text"]
    listed = [line.split(",")[0].removeprefix("- ") for line in text.splitlines()[1:]]
    assert listed == [crm.orders[label] for label in ("placed", "paid", "shipped", "delivered", "cancelled")]
    assert crm.orders["ben"] not in text
    assert_request_slots_cleared(events)


def test_history_of_another_customer_shows_only_their_orders(crm: SmallCrm) -> None:
    _, dispatcher = run_action(ActionShowOrderHistory(), make_tracker(BEN))
    text = only_reply(dispatcher)["text"]
    assert text.splitlines()[1:] == [
        f"- {crm.orders['ben']}, {day(crm.now - timedelta(days=7))}: $24.90, 1 item, delivered"
    ]


def test_tracking_a_shipped_order_gives_carrier_number_and_expected_delivery(crm: SmallCrm) -> None:
    number = crm.orders["shipped"]
    events, dispatcher = run_action(ActionTrackShipment(), make_tracker({**ADA, "order_number": number}))
    text = only_reply(dispatcher)["text"]
    assert f"Order {number} travels with UPS, tracking number 1Z999AA10123456784." in text
    assert f"Expected delivery: {day(crm.now)}." in text
    assert "https://www.ups.com/track?tracknum=1Z999AA10123456784" in text
    assert_request_slots_cleared(events)


def test_tracking_without_a_number_picks_the_latest_shipped_order(crm: SmallCrm) -> None:
    # The newest order (placed) has nothing to track; the shipped one has.
    _, dispatcher = run_action(ActionTrackShipment(), make_tracker(ADA))
    assert f"Order {crm.orders['shipped']} travels with UPS" in only_reply(dispatcher)["text"]


def test_tracking_an_order_that_has_not_shipped_says_so(crm: SmallCrm) -> None:
    number = crm.orders["paid"]
    _, dispatcher = run_action(ActionTrackShipment(), make_tracker({**ADA, "order_number": number}))
    assert only_reply(dispatcher)["text"].startswith(f"Order {number} hasn't shipped yet")


@pytest.mark.parametrize("action_class", [ActionCheckOrderStatus, ActionTrackShipment])
def test_a_foreign_order_gets_the_same_reply_as_a_missing_one(
    crm: SmallCrm, action_class: Type[CustomerRequestAction]
) -> None:
    foreign = crm.orders["ben"]
    _, foreign_reply = run_action(action_class(), make_tracker({**ADA, "order_number": foreign}))
    _, missing_reply = run_action(action_class(), make_tracker({**ADA, "order_number": MISSING_ORDER}))
    assert responses(foreign_reply) == ["utter_order_not_found"]
    assert reply_without(foreign_reply, foreign) == reply_without(missing_reply, MISSING_ORDER)
    # Nothing about Ben's order leaks: not its status, carrier or tracking number.
    assert "FedEx" not in reply_without(foreign_reply, foreign)


@pytest.mark.parametrize("action_class", ORDER_ACTIONS)
@pytest.mark.parametrize(
    "identity",
    [pytest.param({}, id="anonymous"),
     pytest.param({"customer_id": 1, "customer_verified": False}, id="id-without-verification")],
)
def test_unverified_customers_get_no_order_details(
    crm: SmallCrm, action_class: Type[CustomerRequestAction], identity: Dict[str, Any]
) -> None:
    tracker = make_tracker({**identity, "order_number": crm.orders["placed"], "order_eligible": True,
                            "cancel_confirmed": True, "return_reason": "broken"})
    events, dispatcher = run_action(action_class(), tracker)
    assert responses(dispatcher) == ["utter_verification_locked"]
    assert_request_slots_cleared(events)
    assert store_of(crm).get_order(crm.ada, crm.orders["placed"]).status == "placed"


@pytest.mark.parametrize("action_class", [ActionCheckOrderStatus, ActionShowOrderHistory, ActionTrackShipment])
def test_a_token_of_another_customer_locks_the_verified_customers_data(crm: SmallCrm, action_class: type) -> None:
    # Ada's conversation continues on a page where Ben has logged in since.
    message = {"text": "show my orders", "intent": {"name": "order_history", "confidence": 1.0}, "entities": [],
               "metadata": {"customer_token": issue_customer_token(crm.ben, TOKEN_SECRET)}}
    _, dispatcher = run_action(action_class(), make_tracker(ADA, latest_message=message))
    said = json.dumps(dispatcher.messages)
    assert dispatcher.messages, "the customer must get an answer"
    assert not [number for number in crm.orders.values() if number in said]
    assert "ORD-300001" not in said
    # The same message with Ada's own token gets her orders.
    message["metadata"] = {"customer_token": issue_customer_token(crm.ada, TOKEN_SECRET)}
    _, dispatcher = run_action(action_class(), make_tracker(ADA, latest_message=message))
    assert any(number in json.dumps(dispatcher.messages) for number in crm.orders.values())


def test_a_customer_without_orders_is_told_so(crm: SmallCrm) -> None:
    empty = verified_as(3, "Cleo")  # a verified id with no orders at all
    for action_class in (ActionCheckOrderStatus, ActionShowOrderHistory, ActionTrackShipment):
        _, dispatcher = run_action(action_class(), make_tracker(empty))
        assert responses(dispatcher) == ["utter_no_orders"], action_class


# Form validation: which slots, identity check -------------------------------------


@pytest.mark.parametrize("form_class", FORMS)
def test_unverified_customers_are_asked_for_email_and_order_number_first(
    crm: SmallCrm, form_class: Type[OrderRequestFormValidation]
) -> None:
    form = form_class()
    request = REQUEST_SLOTS_OF_FORM[form.form_name()]
    expected = ["email", "order_number"] + [slot for slot in request if slot != "order_number"]
    assert required_slots(form, {}) == expected
    assert required_slots(form, {"verification_attempts": 2}) == expected


@pytest.mark.parametrize("form_class", FORMS)
def test_verified_customers_are_asked_only_what_the_request_needs(
    crm: SmallCrm, form_class: Type[OrderRequestFormValidation]
) -> None:
    form = form_class()
    assert required_slots(form, ADA) == REQUEST_SLOTS_OF_FORM[form.form_name()]


@pytest.mark.parametrize("form_class", FORMS)
def test_after_the_last_allowed_attempt_nothing_more_is_asked(
    crm: SmallCrm, form_class: Type[OrderRequestFormValidation]
) -> None:
    max_attempts = get_settings().identity.max_verification_attempts
    assert max_attempts == 3
    assert required_slots(form_class(), {"verification_attempts": max_attempts}) == []


def test_activating_a_form_asks_an_anonymous_customer_for_the_email(crm: SmallCrm) -> None:
    events, dispatcher = run_action(ValidateOrderStatusForm(), make_tracker({}))
    assert slot_events(events) == {"requested_slot": "email"}
    assert dispatcher.messages == []


def test_email_and_own_order_number_verify_the_customer(crm: SmallCrm) -> None:
    tracker = make_tracker(
        {"email": "ada@example.com"}, candidates={"order_number": "ord 200004"}, active_form="order_status_form"
    )
    events, dispatcher = run_action(ValidateOrderStatusForm(), tracker)
    slots = slot_events(events)
    assert slots["order_number"] == crm.orders["delivered"]
    assert (slots["customer_id"], slots["customer_name"], slots["customer_verified"]) == (crm.ada, "Ada", True)
    assert slots["verification_attempts"] == 0
    assert dispatcher.messages == [
        {**dispatcher.messages[0], "response": "utter_verified", "customer_name": "Ada"}
    ]
    # Nothing left to ask: the status form is done.
    assert slots.get("requested_slot") is None


def test_email_and_order_number_in_one_message_verify_on_activation(crm: SmallCrm) -> None:
    tracker = make_tracker(candidates={"email": " Ada@Example.COM ", "order_number": crm.orders["placed"]})
    events, dispatcher = run_action(ValidateOrderHistoryForm(), tracker)
    slots = slot_events(events)
    assert slots["email"] == "ada@example.com"
    assert slots["customer_verified"] is True and slots["customer_id"] == crm.ada
    assert responses(dispatcher) == ["utter_verified"]


@pytest.mark.parametrize(
    "email, number",
    [
        pytest.param("ada@example.com", "ORD-300001", id="someone-elses-order"),
        pytest.param("ada@example.com", MISSING_ORDER, id="missing-order"),
        pytest.param("ben@example.org", "ORD-200001", id="someone-elses-email"),
        pytest.param("nobody@example.com", "ORD-200001", id="unknown-email"),
    ],
)
def test_a_wrong_pair_counts_an_attempt_and_asks_again(crm: SmallCrm, email: str, number: str) -> None:
    tracker = make_tracker(
        {"email": email, "verification_attempts": 1}, candidates={"order_number": number},
        active_form="order_status_form",
    )
    events, dispatcher = run_action(ValidateOrderStatusForm(), tracker)
    slots = slot_events(events)
    assert slots["verification_attempts"] == 2
    assert slots["email"] is None and slots["order_number"] is None
    assert "customer_verified" not in slots and "customer_id" not in slots
    # The same words whichever half was wrong.
    assert responses(dispatcher) == ["utter_verification_failed"]
    assert slots["requested_slot"] == "email"


def test_the_last_wrong_pair_ends_the_form(crm: SmallCrm) -> None:
    tracker = make_tracker(
        {"email": "ada@example.com", "verification_attempts": 2},
        candidates={"order_number": crm.orders["ben"]},
        active_form="cancel_order_form",
    )
    events, dispatcher = run_action(ValidateCancelOrderForm(), tracker)
    slots = slot_events(events)
    assert slots["verification_attempts"] == 3
    assert "customer_verified" not in slots
    assert "utter_verification_failed" not in responses(dispatcher)
    assert "requested_slot" in slots and slots["requested_slot"] is None


def test_no_identity_check_once_the_attempts_are_used_up(crm: SmallCrm) -> None:
    tracker = make_tracker(
        {"email": "ada@example.com", "verification_attempts": 3},
        candidates={"order_number": crm.orders["placed"]},
    )
    events, dispatcher = run_action(ValidateOrderStatusForm(), tracker)
    assert slot_events(events).get("customer_verified") is not True
    assert "utter_verified" not in responses(dispatcher)


@pytest.mark.parametrize("typed", ["ada at example dot com", "ada@example", "@example.com", ""])
def test_an_invalid_email_is_rejected_with_a_hint(crm: SmallCrm, typed: str) -> None:
    tracker = make_tracker(candidates={"email": typed}, active_form="order_status_form")
    events, dispatcher = run_action(ValidateOrderStatusForm(), tracker)
    slots = slot_events(events)
    assert slots["email"] is None
    assert texts(dispatcher) == "That doesn't look like an email address. Could you type it again?"
    assert slots["requested_slot"] == "email"


@pytest.mark.parametrize(
    "typed, expected",
    [("ord 200001", "ORD-200001"), ("#ord-200001", "ORD-200001"), ("200001", "ORD-200001"),
     (["ord 200002", "ORD-200001"], "ORD-200002")],
)
def test_order_numbers_are_normalised(crm: SmallCrm, typed: Any, expected: str) -> None:
    tracker = make_tracker(candidates={"order_number": typed}, active_form="order_status_form")
    events, dispatcher = run_action(ValidateOrderStatusForm(), tracker)
    slots = slot_events(events)
    assert slots["order_number"] == expected
    assert dispatcher.messages == []
    assert slots["requested_slot"] == "email"  # no identity check without the email


@pytest.mark.parametrize("typed", ["12", "ORDER 5", "ada@example.com", "ORD-12345678901"])
def test_an_invalid_order_number_is_rejected_with_a_hint(crm: SmallCrm, typed: str) -> None:
    tracker = make_tracker({"email": "ada@example.com"}, candidates={"order_number": typed},
                           active_form="order_status_form")
    events, dispatcher = run_action(ValidateOrderStatusForm(), tracker)
    slots = slot_events(events)
    assert slots["order_number"] is None
    assert texts(dispatcher) == "Order numbers look like ORD-104233. Could you check it?"
    assert "verification_attempts" not in slots  # a typo is not a failed identity check


# Form validation: cancellation and return -----------------------------------------


def test_cancel_form_with_several_cancellable_orders_lets_the_customer_choose(crm: SmallCrm) -> None:
    events, dispatcher = run_action(ValidateCancelOrderForm(), make_tracker(ADA))
    slots = slot_events(events)
    assert slots.get("order_number") is None
    assert slots.get("order_eligible") is None
    assert dispatcher.messages == []

    _, asked = run_action(ActionAskCancelOrderFormOrderNumber(), make_tracker(ADA, active_form="cancel_order_form"))
    buttons = only_reply(asked)["buttons"]
    assert buttons == [
        {"title": crm.orders["placed"], "payload": f'/inform{{"order_number":"{crm.orders["placed"]}"}}'},
        {"title": crm.orders["paid"], "payload": f'/inform{{"order_number":"{crm.orders["paid"]}"}}'},
    ]


def test_cancel_form_picks_the_only_cancellable_order(crm: SmallCrm) -> None:
    store_of(crm).cancel_order(crm.ada, crm.orders["paid"])
    events, _ = run_action(ValidateCancelOrderForm(), make_tracker(ADA))
    slots = slot_events(events)
    assert slots["order_number"] == crm.orders["placed"]
    assert slots["order_eligible"] is True


def test_cancel_form_ends_when_nothing_can_be_cancelled(crm: SmallCrm) -> None:
    events, _ = run_action(ValidateCancelOrderForm(), make_tracker(BEN))
    slots = slot_events(events)
    assert slots["order_eligible"] is False
    assert "requested_slot" in slots and slots["requested_slot"] is None


def test_cancel_form_marks_a_shipped_order_not_eligible(crm: SmallCrm) -> None:
    tracker = make_tracker(ADA, candidates={"order_number": "ord 200003"}, active_form="cancel_order_form")
    events, _ = run_action(ValidateCancelOrderForm(), tracker)
    slots = slot_events(events)
    assert slots["order_number"] == crm.orders["shipped"]
    assert slots["order_eligible"] is False
    assert "requested_slot" in slots and slots["requested_slot"] is None


def test_cancel_form_accepts_a_cancellable_order_and_asks_for_confirmation_next(crm: SmallCrm) -> None:
    tracker = make_tracker(ADA, candidates={"order_number": crm.orders["paid"]}, active_form="cancel_order_form")
    events, _ = run_action(ValidateCancelOrderForm(), tracker)
    slots = slot_events(events)
    assert slots["order_number"] == crm.orders["paid"]
    assert slots["order_eligible"] is True


def test_cancel_form_treats_a_foreign_order_as_unknown(crm: SmallCrm) -> None:
    tracker = make_tracker(ADA, candidates={"order_number": crm.orders["ben"]}, active_form="cancel_order_form")
    events, dispatcher = run_action(ValidateCancelOrderForm(), tracker)
    assert slot_events(events)["order_number"] is None
    assert responses(dispatcher) == ["utter_order_not_found"]
    assert dispatcher.messages[0]["order_number"] == crm.orders["ben"]


def test_verifying_with_the_order_to_cancel_chooses_it(crm: SmallCrm) -> None:
    tracker = make_tracker({"email": "ada@example.com"}, candidates={"order_number": crm.orders["placed"]},
                           active_form="cancel_order_form")
    events, dispatcher = run_action(ValidateCancelOrderForm(), tracker)
    slots = slot_events(events)
    assert slots["customer_verified"] is True
    assert slots["order_number"] == crm.orders["placed"]
    assert slots["order_eligible"] is True
    assert responses(dispatcher) == ["utter_verified"]


def test_activating_a_form_forgets_an_abandoned_request(crm: SmallCrm) -> None:
    stale = {"order_number": crm.orders["shipped"], "order_eligible": False, "cancel_confirmed": True,
             "return_reason": "too big"}
    events, _ = run_action(ValidateCancelOrderForm(), make_tracker({**ADA, **stale}))
    slots = slot_events(events)
    assert {name: slots.get(name, "unchanged") for name in stale} == dict.fromkeys(stale)


def test_activating_a_form_keeps_the_order_number_of_this_message(crm: SmallCrm) -> None:
    number = crm.orders["paid"]
    message = {"text": f"cancel {number}", "intent": {"name": "cancel_order", "confidence": 1.0},
               "entities": [{"entity": "order_number", "value": number}]}
    tracker = make_tracker({**ADA, "order_eligible": False}, candidates={"order_number": number},
                           latest_message=message)
    events, _ = run_action(ValidateCancelOrderForm(), tracker)
    slots = slot_events(events)
    assert slots["order_number"] == number
    assert slots["order_eligible"] is True


@pytest.mark.parametrize("label, eligible", [("delivered", True), ("old", False), ("shipped", False),
                                             ("cancelled", False)])
def test_return_form_checks_the_return_window(crm: SmallCrm, label: str, eligible: bool) -> None:
    tracker = make_tracker(ADA, candidates={"order_number": crm.orders[label]}, active_form="return_order_form")
    events, _ = run_action(ValidateReturnOrderForm(), tracker)
    slots = slot_events(events)
    assert slots["order_number"] == crm.orders[label]
    assert slots["order_eligible"] is eligible
    if not eligible:
        assert "requested_slot" in slots and slots["requested_slot"] is None


def test_return_form_picks_the_only_returnable_order(crm: SmallCrm) -> None:
    # The old delivery is outside the 30-day window: only one order can be returned.
    events, _ = run_action(ValidateReturnOrderForm(), make_tracker(ADA))
    slots = slot_events(events)
    assert slots["order_number"] == crm.orders["delivered"]
    assert slots["order_eligible"] is True


def test_return_reason_is_tidied_and_must_say_something(crm: SmallCrm) -> None:
    chosen = {**ADA, "order_number": crm.orders["delivered"], "order_eligible": True}
    events, dispatcher = run_action(
        ValidateReturnOrderForm(),
        make_tracker(chosen, candidates={"return_reason": "  too   small\n for me "}, active_form="return_order_form"),
    )
    assert slot_events(events)["return_reason"] == "too small for me"
    assert dispatcher.messages == []

    events, dispatcher = run_action(
        ValidateReturnOrderForm(),
        make_tracker(chosen, candidates={"return_reason": " x "}, active_form="return_order_form"),
    )
    assert slot_events(events)["return_reason"] is None
    assert "why you're returning it" in texts(dispatcher)


# Questions of the cancellation and return forms ----------------------------------


def test_return_question_offers_only_returnable_orders(crm: SmallCrm) -> None:
    _, dispatcher = run_action(ActionAskReturnOrderFormOrderNumber(), make_tracker(ADA))
    reply = only_reply(dispatcher)
    assert reply["text"] == "Which order would you like to return? These are the ones I can help with:"
    assert [button["payload"] for button in reply["buttons"]] == [
        f'/inform{{"order_number":"{crm.orders["delivered"]}"}}'
    ]


def test_cancel_question_without_candidates_asks_for_the_number(crm: SmallCrm) -> None:
    _, dispatcher = run_action(ActionAskCancelOrderFormOrderNumber(), make_tracker(BEN))
    reply = only_reply(dispatcher)
    assert reply["text"] == "Which order would you like to cancel? Please give me its number."
    assert reply["buttons"] == []


@pytest.mark.parametrize(
    "action_class, verb", [(ActionAskCancelOrderFormOrderNumber, "cancel"), (ActionAskReturnOrderFormOrderNumber, "return")]
)
def test_order_questions_to_anonymous_customers_list_nothing(crm: SmallCrm, action_class: Type[Action], verb: str) -> None:
    events, dispatcher = run_action(action_class(), make_tracker({"customer_id": 1}))
    reply = only_reply(dispatcher)
    assert reply["text"].startswith(f"And the number of the order you'd like to {verb}?")
    assert reply["buttons"] == []
    assert events == []


# Cancellation ---------------------------------------------------------------------


def test_a_confirmed_cancellation_cancels_the_order(crm: SmallCrm) -> None:
    number = crm.orders["placed"]
    tracker = make_tracker({**ADA, "order_number": number, "order_eligible": True, "cancel_confirmed": True})
    events, dispatcher = run_action(ActionCancelOrder(), tracker)
    assert only_reply(dispatcher)["text"].startswith(f"Done: order {number} is cancelled. The $24.90 goes back")
    order = store_of(crm).get_order(crm.ada, number)
    assert order.status == "cancelled" and order.cancelled_at is not None
    assert_request_slots_cleared(events)


def test_a_declined_cancellation_keeps_the_order(crm: SmallCrm) -> None:
    number = crm.orders["paid"]
    tracker = make_tracker({**ADA, "order_number": number, "order_eligible": True, "cancel_confirmed": False})
    events, dispatcher = run_action(ActionCancelOrder(), tracker)
    assert only_reply(dispatcher) == {**dispatcher.messages[0], "response": "utter_cancel_kept", "order_number": number}
    assert store_of(crm).get_order(crm.ada, number).status == "paid"
    assert_request_slots_cleared(events)


def test_cancelling_a_shipped_order_explains_why_not(crm: SmallCrm) -> None:
    number = crm.orders["shipped"]
    tracker = make_tracker({**ADA, "order_number": number, "order_eligible": False, "cancel_confirmed": True})
    _, dispatcher = run_action(ActionCancelOrder(), tracker)
    text = only_reply(dispatcher)["text"]
    assert text.startswith(f"I can't cancel order {number}: it has already left our warehouse")
    assert store_of(crm).get_order(crm.ada, number).status == "shipped"


def test_an_order_that_shipped_while_confirming_is_not_cancelled(crm: SmallCrm) -> None:
    # The form found it cancellable, but the store re-checks when cancelling.
    number = crm.orders["shipped"]
    tracker = make_tracker({**ADA, "order_number": number, "order_eligible": True, "cancel_confirmed": True})
    _, dispatcher = run_action(ActionCancelOrder(), tracker)
    assert only_reply(dispatcher)["text"].startswith(f"I can't do that for order {number}: it has already left")
    assert store_of(crm).get_order(crm.ada, number).status == "shipped"


def test_cancelling_without_a_cancellable_order_says_there_is_none(crm: SmallCrm) -> None:
    tracker = make_tracker({**BEN, "order_number": None, "order_eligible": False})
    _, dispatcher = run_action(ActionCancelOrder(), tracker)
    assert only_reply(dispatcher)["text"].startswith("You have no orders that can still be cancelled")
    assert store_of(crm).get_order(crm.ben, crm.orders["ben"]).status == "delivered"


# Returns --------------------------------------------------------------------------


def return_rows(crm: SmallCrm) -> List[Dict[str, Any]]:
    with crm.database.session() as session:
        rows = session.execute(select(ReturnRequest)).scalars().all()
        return [{"id": r.id, "order_id": r.order_id, "customer_id": r.customer_id, "reason": r.reason,
                 "status": r.status} for r in rows]


def test_a_return_request_is_recorded_with_its_reason(crm: SmallCrm) -> None:
    number = crm.orders["delivered"]
    tracker = make_tracker({**ADA, "order_number": number, "order_eligible": True, "return_reason": "too small"})
    events, dispatcher = run_action(ActionRequestReturn(), tracker)
    rows = return_rows(crm)
    assert len(rows) == 1
    assert rows[0]["customer_id"] == crm.ada and rows[0]["reason"] == "too small" and rows[0]["status"] == "requested"
    assert rows[0]["order_id"] == 4  # ORD-200004, the fourth order of the small CRM
    deadline = day(crm.now - timedelta(days=5) + timedelta(days=30))
    text = only_reply(dispatcher)["text"]
    assert text.startswith(f"I've opened return request R-{rows[0]['id']} for order {number}.")
    assert f"please send the parcel by {deadline}" in text
    assert store_of(crm).get_order(crm.ada, number).has_open_return
    assert_request_slots_cleared(events)


def test_a_return_outside_the_window_is_explained_and_not_recorded(crm: SmallCrm) -> None:
    number = crm.orders["old"]
    tracker = make_tracker({**ADA, "order_number": number, "order_eligible": False, "return_reason": "broken"})
    _, dispatcher = run_action(ActionRequestReturn(), tracker)
    text = only_reply(dispatcher)["text"]
    assert text.startswith(f"I can't start a return for order {number}: it was delivered more than 30 days ago")
    assert return_rows(crm) == []


def test_a_second_return_for_the_same_order_is_refused(crm: SmallCrm) -> None:
    number = crm.orders["delivered"]
    tracker = {**ADA, "order_number": number, "order_eligible": True, "return_reason": "too small"}
    run_action(ActionRequestReturn(), make_tracker(tracker))
    _, dispatcher = run_action(ActionRequestReturn(), make_tracker(tracker))
    assert "a return is already open for it" in only_reply(dispatcher)["text"]
    assert len(return_rows(crm)) == 1


def test_returning_without_a_returnable_order_says_there_is_none(crm: SmallCrm) -> None:
    _, dispatcher = run_action(ActionRequestReturn(), make_tracker({**ADA, "order_eligible": False}))
    assert only_reply(dispatcher)["text"].startswith("None of your orders can be returned right now")
    assert return_rows(crm) == []


# Handoff to a person --------------------------------------------------------------


# Fallback -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "message, response",
    [
        ({"text": "wo ist meine Bestellung", "language": {"code": "de", "supported": False}}, "utter_english_only"),
        ({"text": "?!? ...", "language": {"code": "en", "supported": True}}, "utter_empty_message"),
        ({"text": "👍"}, "utter_empty_message"),
        ({"text": ""}, "utter_empty_message"),
        ({"text": "purple monkey dishwasher", "language": {"code": "en", "supported": True}}, "utter_please_rephrase"),
        ({"text": "asdf"}, "utter_please_rephrase"),
    ],
)
def test_fallback_explains_why_it_did_not_understand(message: Dict[str, Any], response: str) -> None:
    events, dispatcher = run_action(ActionExplainFallback(), make_tracker(latest_message=message))
    assert responses(dispatcher) == [response]
    assert events == []


# CRM unavailable ------------------------------------------------------------------


@pytest.mark.parametrize(
    "action_class, slots",
    [
        (ActionCheckOrderStatus, {"order_number": "ORD-200003"}),
        (ActionCheckOrderStatus, {}),
        (ActionShowOrderHistory, {}),
        (ActionTrackShipment, {}),
        (ActionCancelOrder, {"order_number": "ORD-200001", "order_eligible": True, "cancel_confirmed": True}),
        (ActionCancelOrder, {"order_number": "ORD-200003", "order_eligible": False}),
        (ActionRequestReturn, {"order_number": "ORD-200004", "order_eligible": True, "return_reason": "x y"}),
    ],
)
def test_order_actions_apologise_when_the_crm_is_down(
    crm_down: None, action_class: Type[CustomerRequestAction], slots: Dict[str, Any]
) -> None:
    events, dispatcher = run_action(action_class(), make_tracker({**ADA, **slots}))
    assert responses(dispatcher) == ["utter_crm_unavailable"]
    assert_request_slots_cleared(events)


def test_identity_check_ends_the_request_when_the_crm_is_down(crm_down: None) -> None:
    tracker = make_tracker({"email": "ada@example.com", "verification_attempts": 1},
                           candidates={"order_number": "ORD-200001"}, active_form="order_status_form")
    events, dispatcher = run_action(ValidateOrderStatusForm(), tracker)
    slots = slot_events(events)
    assert responses(dispatcher) == ["utter_crm_unavailable"]
    assert "customer_verified" not in slots
    assert "verification_attempts" not in slots  # an outage is not a failed attempt
    assert slots["request_failed"] is True
    # No slot is asked any more: the status form (no domain slots) completes.
    assert asyncio.run(ValidateOrderStatusForm().required_slots([], CollectingDispatcher(), make_tracker(
        {"email": "ada@example.com", "request_failed": True}), DOMAIN)) == []


def test_cancel_form_ends_when_the_crm_is_down(crm_down: None) -> None:
    events, dispatcher = run_action(ValidateCancelOrderForm(), make_tracker(ADA))
    slots = slot_events(events)
    assert responses(dispatcher) == ["utter_crm_unavailable"]
    assert slots["request_failed"] is True
    assert "requested_slot" in slots and slots["requested_slot"] is None


def test_a_crm_outage_is_not_reported_as_having_no_orders(crm_down: None) -> None:
    form_events, _ = run_action(ValidateCancelOrderForm(), make_tracker(ADA))
    events, dispatcher = run_action(ActionCancelOrder(), make_tracker({**ADA, **slot_events(form_events)}))
    assert "no orders that can still be cancelled" not in texts(dispatcher)
    assert dispatcher.messages == []  # the form has apologised once already
    assert slot_events(events)["request_failed"] is None


@pytest.mark.parametrize("action_class", [ActionAskCancelOrderFormOrderNumber, ActionAskReturnOrderFormOrderNumber])
def test_order_questions_ask_for_the_number_when_the_crm_is_down(crm_down: None, action_class: Type[Action]) -> None:
    _, dispatcher = run_action(action_class(), make_tracker(ADA))
    reply = only_reply(dispatcher)
    assert reply["text"].endswith("Please give me its number.")
    assert reply["buttons"] == []
