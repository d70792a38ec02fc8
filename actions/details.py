"""Details a customer gives before saying what they want: "my email is ... and my order is ...".

Why: customers often lead with their details. Outside a request they used to meet the
fallback, which also forgot them, so the form asked for both again. Now they are kept:
with both, the customer is verified at once; with one, the other is asked for; then
the customer picks what to do with buttons that carry the order number.
"""

from __future__ import annotations

import json
from typing import Any, Dict, List, Optional

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.context import first_value, verified_customer_id
from actions.forms import attempts_used_up, verify_identity
from bot.crm.store import normalise_order_number

# (button title, intent) offered once the customer is known.
_ORDER_CHOICES = (
    ("Order status", "check_order_status"),
    ("Track the parcel", "track_shipment"),
    ("Cancel it", "cancel_order"),
    ("Return it", "return_order"),
)


def choice_buttons(order_number: Optional[str]) -> List[Dict[str, str]]:
    """What the customer can do next; with an order number, each button is about that order."""
    entities = f"{json.dumps({'order_number': order_number})}" if order_number else ""
    buttons = [{"title": title, "payload": f"/{intent}{entities}"} for title, intent in _ORDER_CHOICES]
    buttons.insert(2, {"title": "Order history", "payload": "/order_history"})
    return buttons


class ActionTakeDetails(Action):
    """Keeps an email or order number given outside a request, verifies when both are there."""

    def name(self) -> str:
        return "action_take_details"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]
    ) -> List[EventType]:
        number = first_value(tracker.get_slot("order_number"))
        number = normalise_order_number(number) if number else None
        # One value per slot (a message with two numbers fills a list), as the CRM check expects.
        events: List[EventType] = [SlotSet("order_number", number)] if number else []
        email = first_value(tracker.get_slot("email"))
        if email:
            events.append(SlotSet("email", email))
        tracker.add_slots(events)
        if verified_customer_id(tracker) is None:
            if attempts_used_up(tracker):
                dispatcher.utter_message(response="utter_verification_locked")
                return events
            if not email and not number:
                # Nothing to keep ("not what i ordered" outside a request): ask what for.
                dispatcher.utter_message(text="What would you like to do?", buttons=choice_buttons(None))
                return events
            if not email:
                dispatcher.utter_message(response="utter_ask_email")
                return events
            if not number:
                dispatcher.utter_message(response="utter_ask_order_number")
                return events
            identity = await verify_identity(dispatcher, tracker)
            events += identity
            tracker.add_slots(identity)
            if verified_customer_id(tracker) is None:
                if attempts_used_up(tracker):
                    dispatcher.utter_message(response="utter_verification_locked")
                return events  # a wrong pair (already said) or the CRM is down (already said)
        text = f"What would you like to do with order {number}?" if number else "What would you like to do?"
        dispatcher.utter_message(text=text, buttons=choice_buttons(number))
        return events
