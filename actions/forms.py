"""Validation of the order request forms.

Every order request (status, history, tracking, cancellation, return) is a form.
All of them first make sure who the customer is: a verified token from the
website, or the customer's email plus one of their order numbers, checked
against the CRM together. Wrong pairs count towards a limit; the reply never
says which half was wrong. Cancellation and return forms then pick the order
and check that the change is allowed.
"""

from __future__ import annotations

import asyncio
import logging
import re
from abc import abstractmethod
from typing import Any, Dict, List, Optional

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.forms import REQUESTED_SLOT, FormValidationAction
from rasa_sdk.types import DomainDict

from actions.context import (
    REQUEST_SLOTS,
    crm_store,
    first_value,
    identity_events,
    latest_entity_values,
    settings,
    verified_customer_id,
)
from actions.replies import utter_crm_error
from bot.crm.errors import CrmError, CrmUnavailable
from bot.crm.store import normalise_email, normalise_order_number

logger = logging.getLogger(__name__)

IDENTITY_SLOTS = ["email", "order_number"]
EMAIL_PATTERN = re.compile(r"^[a-z0-9._%+-]+@[a-z0-9.-]+\.[a-z]{2,}$")
ORDER_NUMBER_PATTERN = re.compile(r"^ORD-C?\d{4,10}$")


class OrderRequestFormValidation(FormValidationAction):
    """Identity first, then the request's own slots (`request_slots`)."""

    @abstractmethod
    def name(self) -> str:
        """Subclasses name themselves; abstract, so the action server skips this class."""

    # Hooks for subclasses --------------------------------------------------------

    def request_slots(self, tracker: Tracker, domain_slots: List[str]) -> List[str]:
        """Slots this request needs once the customer is known.

        The domain lists the identity slots in every order form so that Rasa takes an
        order number given when the email was asked for (and the other way round)
        instead of rejecting the form; a known customer is not asked for them again.
        """
        return [slot for slot in domain_slots if slot not in IDENTITY_SLOTS]

    def check_request(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, customer_id: int
    ) -> Dict[str, Any]:
        """Request-specific checks once the customer is known (blocking; runs in a thread)."""
        return {}

    # Form logic ------------------------------------------------------------------

    async def required_slots(
        self,
        domain_slots: List[str],
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> List[str]:
        if tracker.get_slot("request_failed"):
            return []  # the CRM could not be reached; the customer has been told
        request = self.request_slots(tracker, domain_slots)
        if verified_customer_id(tracker) is not None:
            return request
        if attempts_used_up(tracker):
            return []
        return IDENTITY_SLOTS + [slot for slot in request if slot not in IDENTITY_SLOTS]

    async def next_requested_slot(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Optional[EventType]:
        """Always this action's choice: rasa_sdk leaves it to Rasa when the list equals the domain's."""
        required = await self.required_slots(self.domain_slots(domain), dispatcher, tracker, domain)
        return SlotSet(REQUESTED_SLOT, next((slot for slot in required if tracker.get_slot(slot) is None), None))

    async def get_validation_events(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> List[EventType]:
        events = await super().get_validation_events(dispatcher, tracker, domain)
        tracker.add_slots(events)
        if tracker.active_loop.get("name") != self.form_name():
            # Activation: forget what an abandoned earlier request left behind,
            # except what the customer said in this very message.
            reset = self._reset_request_state(tracker)
            events += reset
            tracker.add_slots(reset)

        if verified_customer_id(tracker) is None and not attempts_used_up(tracker):
            identity = await verify_identity(dispatcher, tracker)
            events += identity
            tracker.add_slots(identity)

        customer_id = verified_customer_id(tracker)
        if customer_id is not None and not tracker.get_slot("request_failed"):
            try:
                checked = await asyncio.get_running_loop().run_in_executor(
                    None, self.check_request, dispatcher, tracker, customer_id
                )
            except CrmError as error:
                utter_crm_error(dispatcher, error)
                checked = {"request_failed": True}
            request_events = [SlotSet(name, value) for name, value in checked.items()]
            events += request_events
            tracker.add_slots(request_events)
        return events

    def validate_email(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[str, Any]:
        email = normalise_email(str(value or ""))
        if not EMAIL_PATTERN.match(email):
            dispatcher.utter_message(text="That doesn't look like an email address. Could you type it again?")
            return {"email": None}
        return {"email": email}

    def validate_order_number(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[str, Any]:
        number = normalise_order_number(first_value(value) or "")
        if not ORDER_NUMBER_PATTERN.match(number):
            dispatcher.utter_message(text="Order numbers look like ORD-104233. Could you check it?")
            return {"order_number": None}
        # A new number means its eligibility has not been checked yet.
        return {"order_number": number, "order_eligible": None}

    # Internals -------------------------------------------------------------------

    def _reset_request_state(self, tracker: Tracker) -> List[EventType]:
        # Slots filled from an entity of this very message ("orders from last week") stay.
        return [
            SlotSet(name, None)
            for name in REQUEST_SLOTS
            if tracker.get_slot(name) is not None and not latest_entity_values(tracker, name)
        ]


def attempts_used_up(tracker: Tracker) -> bool:
    """True once the customer has given as many wrong email and order pairs as allowed."""
    attempts = int(tracker.get_slot("verification_attempts") or 0)
    return attempts >= settings().identity.max_verification_attempts


async def verify_identity(dispatcher: CollectingDispatcher, tracker: Tracker) -> List[EventType]:
    """Check the email and order number in the slots against the CRM, once both are there.

    Success sets the customer; a wrong pair counts an attempt and clears both (the same
    answer whichever half was wrong); a CRM that is down ends the request.
    """
    email, number = tracker.get_slot("email"), tracker.get_slot("order_number")
    if not email or not number:
        return []
    store = crm_store()
    try:
        customer = await asyncio.get_running_loop().run_in_executor(
            None, store.verify_customer, email, number
        )
    except CrmUnavailable as error:
        # Asking again is pointless while the CRM is down: end the request here.
        utter_crm_error(dispatcher, error)
        return [SlotSet("request_failed", True)]
    if customer is not None:
        logger.info("Customer %s verified by email and order number", customer.id)
        dispatcher.utter_message(response="utter_verified", customer_name=customer.first_name)
        return identity_events(customer)
    attempts = int(tracker.get_slot("verification_attempts") or 0) + 1
    logger.info("Identity check failed (attempt %d)", attempts)
    if attempts < settings().identity.max_verification_attempts:
        dispatcher.utter_message(response="utter_verification_failed")
    return [
        SlotSet("verification_attempts", attempts),
        SlotSet("email", None),
        SlotSet("order_number", None),
    ]


class ValidateOrderStatusForm(OrderRequestFormValidation):
    def name(self) -> str:
        return "validate_order_status_form"


class ValidateOrderHistoryForm(OrderRequestFormValidation):
    def name(self) -> str:
        return "validate_order_history_form"


class ValidateTrackShipmentForm(OrderRequestFormValidation):
    def name(self) -> str:
        return "validate_track_shipment_form"


class _OrderChangeFormValidation(OrderRequestFormValidation):
    """Shared by cancellation and return: pick the order, check the change is allowed.

    `order_eligible` is False when the chosen order cannot be changed, or when the
    customer has no order that could be; the form then ends and the submit action
    explains why.
    """

    change: str = ""  # "cancel" or "return", the key of `CrmStore.order_blocks`

    def request_slots(self, tracker: Tracker, domain_slots: List[str]) -> List[str]:
        if tracker.get_slot("order_eligible") is False:
            return []
        # The order number is this request's own slot too: which order to change.
        return [slot for slot in domain_slots if slot != "email"]

    def check_request(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, customer_id: int
    ) -> Dict[str, Any]:
        number: Optional[str] = tracker.get_slot("order_number")
        if tracker.get_slot("order_eligible") is not None:
            return {}
        store = crm_store()
        if number is None:
            candidates = store.changeable_orders(customer_id, self.change)
            if not candidates:
                return {"order_eligible": False}
            if len(candidates) == 1:
                number = candidates[0]
            else:
                return {}  # the ask action lists them
        try:
            blocks = store.order_blocks(customer_id, number)
        except CrmError as error:
            if isinstance(error, CrmUnavailable):
                raise
            utter_crm_error(dispatcher, error)
            return {"order_number": None}
        return {"order_number": number, "order_eligible": blocks[self.change] is None}


class ValidateCancelOrderForm(_OrderChangeFormValidation):
    change = "cancel"

    def name(self) -> str:
        return "validate_cancel_order_form"


class ValidateReturnOrderForm(_OrderChangeFormValidation):
    change = "return"

    def name(self) -> str:
        return "validate_return_order_form"

    def validate_return_reason(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[str, Any]:
        reason = " ".join(str(value or "").split())[:500]
        if len(reason) < 2:
            dispatcher.utter_message(text="Could you tell me a little about why you're returning it?")
            return {"return_reason": None}
        return {"return_reason": reason}
