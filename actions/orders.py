"""Order status, order history and shipment tracking."""

from __future__ import annotations

from typing import List, Optional

from rasa_sdk import Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher

from actions.base import CustomerRequestAction
from actions.context import crm_store, settings
from actions.replies import history_text, no_orders_in_period_text, order_status_text, tracking_text
from bot.crm.store import OrderDetail
from bot.nlu.dates import DateRange


class ActionCheckOrderStatus(CustomerRequestAction):
    """The status of the order named in the conversation, or of the latest order."""

    def name(self) -> str:
        return "action_check_order_status"

    def answer(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, customer_id: int
    ) -> List[EventType]:
        store = crm_store()
        number = tracker.get_slot("order_number")
        order = store.get_order(customer_id, number) if number else store.latest_order(customer_id)
        if order is None:
            dispatcher.utter_message(response="utter_no_orders")
            return []
        dispatcher.utter_message(text=order_status_text(order, store, settings().currency_symbol))
        return []


class ActionShowOrderHistory(CustomerRequestAction):
    """The customer's latest orders, or those placed in the period they named ("in October")."""

    def name(self) -> str:
        return "action_show_order_history"

    def answer(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, customer_id: int
    ) -> List[EventType]:
        symbol, limit = settings().currency_symbol, settings().orders.history_length
        period = DateRange.from_value(tracker.get_slot("date"))
        if period is None:
            orders = crm_store().recent_orders(customer_id, limit)
            if not orders:
                dispatcher.utter_message(response="utter_no_orders")
            else:
                dispatcher.utter_message(text=history_text(orders, symbol))
            return []
        since, until = period.utc_bounds()
        # One more than shown, to know whether the period holds more.
        orders = crm_store().recent_orders(customer_id, limit + 1, since=since, until=until)
        if not orders:
            dispatcher.utter_message(text=no_orders_in_period_text(period))
        else:
            dispatcher.utter_message(
                text=history_text(orders[:limit], symbol, period=period, more=len(orders) > limit)
            )
        return []


class ActionTrackShipment(CustomerRequestAction):
    """Carrier, tracking number and expected delivery of the named or latest shipped order."""

    def name(self) -> str:
        return "action_track_shipment"

    def answer(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, customer_id: int
    ) -> List[EventType]:
        store = crm_store()
        number = tracker.get_slot("order_number")
        order: Optional[OrderDetail]
        if number:
            order = store.get_order(customer_id, number)
        else:
            order = store.latest_order(customer_id, statuses=["shipped"]) or store.latest_order(
                customer_id
            )
        if order is None:
            dispatcher.utter_message(response="utter_no_orders")
            return []
        dispatcher.utter_message(text=tracking_text(order, store))
        return []
