"""Session start: recognise a logged-in visitor from the signed token in the metadata."""

from __future__ import annotations

import asyncio
import logging
from typing import Any, Dict, List

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActionExecuted, EventType, SessionStarted, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.context import clear_identity_events, crm_store, identity_events, token_customer_id
from bot.crm.errors import CrmError, CustomerNotFound

logger = logging.getLogger(__name__)


class ActionSessionStart(Action):
    """Starts every session from scratch; a valid customer token verifies the customer.

    Identity is never carried over from an earlier session: a returning visitor is
    recognised again by a fresh token, or proves who they are again.
    """

    def name(self) -> str:
        return "action_session_start"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]
    ) -> List[EventType]:
        events: List[EventType] = [SessionStarted()]
        customer_id = token_customer_id(tracker.get_slot("session_started_metadata"))
        if customer_id is None:
            events += clear_identity_events()
        else:
            events += await self._identify(customer_id)
        events.append(SlotSet("verification_attempts", 0))
        events.append(ActionExecuted("action_listen"))
        return events

    @staticmethod
    async def _identify(customer_id: int) -> List[EventType]:
        try:
            customer = await asyncio.get_running_loop().run_in_executor(
                None, crm_store().get_customer, customer_id
            )
        except CustomerNotFound:
            logger.warning("Valid token for customer %s, who is not in the CRM: not verified", customer_id)
            return clear_identity_events()
        except CrmError as error:
            # The signature already proves who it is; the name can wait.
            logger.warning("Token verified but customer not loaded: %s", error.__class__.__name__)
            return [
                SlotSet("customer_id", customer_id),
                SlotSet("customer_name", None),
                SlotSet("customer_verified", True),
            ]
        return identity_events(customer)
