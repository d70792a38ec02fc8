"""The shape every order action shares: verified customer in, reply out, errors mapped."""

from __future__ import annotations

import asyncio
from abc import ABC, abstractmethod
from typing import Any, Dict, List

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher

from actions.context import clear_request_events, settings, verified_customer_id
from actions.replies import utter_crm_error
from bot.crm.errors import CrmError


class CustomerRequestAction(Action, ABC):
    """Answers one request of a verified customer, then clears the request's slots.

    Subclasses implement `answer`, which may block on the database: it runs in a
    worker thread so the action server keeps serving other conversations.
    """

    @abstractmethod
    def name(self) -> str:
        """Subclasses name themselves; abstract, so the action server skips this class."""

    @abstractmethod
    def answer(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, customer_id: int
    ) -> List[EventType]:
        """Reply to the verified customer `customer_id`; return extra events."""

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]
    ) -> List[EventType]:
        customer_id = verified_customer_id(tracker)
        events: List[EventType] = []
        if tracker.get_slot("request_failed"):
            pass  # the form already told the customer the CRM is unreachable
        elif customer_id is None:
            dispatcher.utter_message(response="utter_verification_locked")
        else:
            try:
                events = await asyncio.get_running_loop().run_in_executor(
                    None, self.answer, dispatcher, tracker, customer_id
                )
            except CrmError as error:
                utter_crm_error(dispatcher, error, settings().orders.return_window_days)
        return events + clear_request_events()
