"""Hand the conversation to a person: open a ticket with everything the agent needs, then pause."""

from __future__ import annotations

import asyncio
import logging
from typing import Any, Dict, List, Optional

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActiveLoop, ConversationPaused, EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.context import agent_directory, clear_request_events, settings, ticket_desk, verified_customer_id
from bot.crm.errors import CrmError
from bot.handoff.escalation import CUSTOMER_REQUEST, EscalationDecision, decide
from bot.handoff.summary import summarise
from bot.handoff.tickets import NewTicket, TicketRef
from bot.handoff.transcript import customer_turns, orders_mentioned, transcript

logger = logging.getLogger(__name__)


class ActionHandoff(Action):
    """Opens (or finds) the conversation's ticket, tells the customer the wait, pauses the bot."""

    def name(self) -> str:
        return "action_handoff"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]
    ) -> List[EventType]:
        try:
            ticket, wait = await asyncio.get_running_loop().run_in_executor(None, self._open, tracker)
        except CrmError:
            logger.error("Handoff failed for %s: CRM unavailable", tracker.sender_id)
            dispatcher.utter_message(response="utter_handoff_unavailable")
            return clear_request_events()
        dispatcher.utter_message(response="utter_handoff_started", wait_minutes=wait)
        dispatcher.utter_message(
            json_message={"handoff": {"state": "waiting", "ticket_id": ticket.id, "expected_wait_minutes": wait}}
        )
        events: List[EventType] = [ActiveLoop(None)] if tracker.active_loop.get("name") else []
        return events + clear_request_events() + [
            SlotSet("handoff_active", True),
            SlotSet("handoff_reason", None),
            SlotSet("handoff_detail", None),
            SlotSet("handoff_priority", None),
            ConversationPaused(),
        ]

    def _open(self, tracker: Tracker) -> tuple[TicketRef, int]:
        events = tracker.events
        turns = customer_turns(events)
        decision = self._decision(tracker, turns)
        customer_id = verified_customer_id(tracker)
        orders = orders_mentioned(events)
        lines = transcript(events)
        ticket = ticket_desk().open_ticket(
            NewTicket(
                conversation_id=tracker.sender_id,
                customer_id=customer_id,
                reason=decision.reason,
                reason_detail=decision.detail,
                priority=decision.priority,
                summary=summarise(turns, lines, decision, tracker.get_slot("customer_name") if customer_id else None, orders),
                sentiment_trajectory=[t.sentiment for t in turns if t.sentiment is not None],
                orders_mentioned=orders,
                transcript=lines,
            )
        )
        logger.info("Ticket %s for %s (%s, priority %s)", ticket.id, tracker.sender_id, decision.reason, decision.priority)
        return ticket, ticket_desk().expected_wait_minutes(ticket.id, agent_directory().online_count())

    @staticmethod
    def _decision(tracker: Tracker, turns: list) -> EscalationDecision:  # type: ignore[type-arg]
        """The escalation policy's reason if it decided, else the rules again, else the customer asked."""
        reason: Optional[str] = tracker.get_slot("handoff_reason")
        if reason:
            priority = int(tracker.get_slot("handoff_priority") or 3)
            return EscalationDecision(True, reason, tracker.get_slot("handoff_detail") or "", priority)
        decision = decide(turns, settings().escalation)
        if decision.escalate:
            return decision
        return EscalationDecision(True, CUSTOMER_REQUEST, "the customer asked for a person", 3)
