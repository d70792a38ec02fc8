"""Cancellations and returns: the submit actions of their forms and the questions they ask."""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any, Dict, List

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher

from actions.base import CustomerRequestAction
from actions.context import crm_store, settings, verified_customer_id
from actions.replies import block_reason_text, day, money
from bot.crm.errors import CrmError


class ActionCancelOrder(CustomerRequestAction):
    """Cancels the chosen order if the customer confirmed and it has not shipped."""

    def name(self) -> str:
        return "action_cancel_order"

    def answer(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, customer_id: int
    ) -> List[EventType]:
        store = crm_store()
        number = tracker.get_slot("order_number")
        if number is None:
            dispatcher.utter_message(
                text="You have no orders that can still be cancelled: orders can be cancelled "
                "until they leave our warehouse. For a delivered order you can start a return."
            )
        elif tracker.get_slot("order_eligible") is False:
            reason = store.order_blocks(customer_id, number)["cancel"]
            dispatcher.utter_message(
                text=f"I can't cancel order {number}: "
                f"{block_reason_text(reason or '', store.order_rules.return_window_days)}"
            )
        elif tracker.get_slot("cancel_confirmed"):
            order = store.cancel_order(customer_id, number)
            dispatcher.utter_message(
                text=f"Done: order {order.number} is cancelled. The {money(order.total, settings().currency_symbol)} "
                "goes back to your original payment method within 5 business days."
            )
        else:
            dispatcher.utter_message(response="utter_cancel_kept", order_number=number)
        return []


class ActionRequestReturn(CustomerRequestAction):
    """Opens a return request for a delivered order inside the return window."""

    def name(self) -> str:
        return "action_request_return"

    def answer(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, customer_id: int
    ) -> List[EventType]:
        store = crm_store()
        window = store.order_rules.return_window_days
        number = tracker.get_slot("order_number")
        if number is None:
            dispatcher.utter_message(
                text=f"None of your orders can be returned right now: returns are open for "
                f"{window} days after delivery. If something is wrong with an order, a person "
                "from our team can help: just say \"agent\"."
            )
        elif tracker.get_slot("order_eligible") is False:
            reason = store.order_blocks(customer_id, number)["return"]
            dispatcher.utter_message(
                text=f"I can't start a return for order {number}: {block_reason_text(reason or '', window)}"
            )
        else:
            request = store.request_return(customer_id, number, tracker.get_slot("return_reason") or "")
            dispatcher.utter_message(
                text=f"I've opened return request R-{request.id} for order {request.order_number}. "
                f"We'll email you a prepaid return label; please send the parcel by "
                f"{day(request.deadline)}. Your refund is issued when it reaches us."
            )
        return []


class _AskOrderToChange(Action, ABC):
    """Asks which order to change, offering the ones that can be changed as buttons."""

    verb = ""
    change = ""  # the key of `CrmStore.changeable_orders`

    @abstractmethod
    def name(self) -> str:
        """Subclasses name themselves; abstract, so the action server skips this class."""

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]
    ) -> List[EventType]:
        customer_id = verified_customer_id(tracker)
        if customer_id is None:
            dispatcher.utter_message(
                text=f"And the number of the order you'd like to {self.verb}? "
                "It looks like ORD-104233 and is in your confirmation email."
            )
            return []
        try:
            numbers = crm_store().changeable_orders(customer_id, self.change)
        except CrmError:
            numbers = []
        buttons = [
            {"title": number, "payload": f'/inform{{"order_number":"{number}"}}'} for number in numbers[:5]
        ]
        dispatcher.utter_message(
            text=f"Which order would you like to {self.verb}?"
            + (" These are the ones I can help with:" if buttons else " Please give me its number."),
            buttons=buttons,
        )
        return []


class ActionAskCancelOrderFormOrderNumber(_AskOrderToChange):
    verb = "cancel"
    change = "cancel"

    def name(self) -> str:
        return "action_ask_cancel_order_form_order_number"


class ActionAskReturnOrderFormOrderNumber(_AskOrderToChange):
    verb = "return"
    change = "return"

    def name(self) -> str:
        return "action_ask_return_order_form_order_number"
