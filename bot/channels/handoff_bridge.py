"""The Rasa server's side of a handoff: customer messages go to the ticket, agent messages to the customer.

- While a conversation has an open ticket, the channels give each customer message
  to `intercept`: it is stored on the ticket (with its sentiment) for the agent,
  and the bot does not answer. The ticket, not Rasa's pause flag, decides, so a
  restarted Rasa server or a lost tracker cannot make the bot talk over an agent.
- The agent console calls `POST /webhooks/socketio/handoff` (bearer token derived
  from the server secret) to deliver an agent's message, announce the agent, or
  end the handoff; `deliver` emits it to every tab of the conversation and records
  it in the tracker, so the transcript stays whole.
"""

from __future__ import annotations

import asyncio
import hmac
import logging
from typing import Any, Dict, List, Optional

from rasa.shared.core.constants import ACTION_LISTEN_NAME
from rasa.shared.core.events import ActionExecuted, BotUttered, ConversationResumed, Event, SlotSet
from sanic import response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.crm.database import get_database
from bot.crm.errors import CrmError
from bot.handoff.tickets import TicketDesk, TicketRef
from bot.settings import get_settings

logger = logging.getLogger(__name__)

BRIDGE_TYPES = ("agent_joined", "agent_message", "resolved", "handed_back")


def handoff_state(ticket: TicketRef) -> Dict[str, Any]:
    state = "agent_joined" if ticket.status == "active" else "waiting"
    return {"handoff": {"state": state, "agent_name": ticket.agent_name, "ticket_id": ticket.id}}


class HandoffBridge:
    def __init__(self, desk: Optional[TicketDesk] = None) -> None:
        settings = get_settings()
        self.desk = desk or TicketDesk(get_database(settings.database_url), settings.handoff.minutes_per_conversation)
        self.token = settings.bridge_token

    async def open_ticket(self, conversation_id: str) -> Optional[TicketRef]:
        try:
            return await asyncio.get_running_loop().run_in_executor(None, self.desk.open_ticket_for, conversation_id)
        except CrmError:
            # Without the CRM we cannot know; the bot answers (and apologises if it needs the CRM).
            return None

    async def intercept(self, conversation_id: str, text: str, rasa_agent: Any) -> Optional[TicketRef]:
        """If the conversation is with the support team, keep the message for the agent and return the ticket."""
        ticket = await self.open_ticket(conversation_id)
        if ticket is None or not text.strip():
            return ticket
        sentiment = None
        if rasa_agent is not None:
            try:
                parsed = await rasa_agent.parse_message(text)
                sentiment = (parsed.get("sentiment") or {}).get("score")
            except Exception:  # scoring is a nicety; the message must be stored anyway
                logger.warning("Could not score a handed-off message", exc_info=True)
        await asyncio.get_running_loop().run_in_executor(
            None, self.desk.add_customer_message, ticket.id, text, sentiment
        )
        return ticket

    def authorised(self, request: Request) -> bool:
        header = request.headers.get("Authorization", "")
        return header.startswith("Bearer ") and hmac.compare_digest(header[7:], self.token)

    async def handle(self, request: Request, emit: Any) -> HTTPResponse:
        """The console's request: {"conversation_id", "type", "text"?, "agent_name"?}."""
        if not self.authorised(request):
            return response.json({"error": "unauthorised"}, status=401)
        body = request.json if isinstance(request.json, dict) else {}
        conversation_id, kind = body.get("conversation_id"), body.get("type")
        agent_name = str(body.get("agent_name") or "Our team")[:120]
        text = str(body.get("text") or "").strip()[:2000]
        if not isinstance(conversation_id, str) or not conversation_id or kind not in BRIDGE_TYPES:
            return response.json({"error": f"conversation_id and a type in {BRIDGE_TYPES} are required"}, status=400)
        if kind == "agent_message" and not text:
            return response.json({"error": "text is required"}, status=400)

        messages, events = self._messages_and_events(kind, text, agent_name)
        await self._record(request.app.ctx.agent, conversation_id, events)
        for message in messages:
            await emit(conversation_id, message)
        return response.json({"delivered": len(messages)})

    @staticmethod
    def _messages_and_events(kind: str, text: str, agent_name: str) -> tuple[List[Dict[str, Any]], List[Event]]:
        person = {"sender": "agent", "agent_name": agent_name}
        if kind == "agent_message":
            message = {"text": text, "custom": person}
            return [message], [BotUttered(text, data={"custom": person}, metadata={"agent_name": agent_name})]
        if kind == "agent_joined":
            note = f"{agent_name} from our team has joined the chat."
            custom = {"handoff": {"state": "agent_joined", "agent_name": agent_name}}
            return [{"text": note, "custom": custom}], [BotUttered(note, data={"custom": custom})]
        # resolved or handed_back: the agent is done, the bot is back.
        farewell = text or f"{agent_name} has finished helping you."
        welcome = "Hi again, it's the assistant. Is there anything else I can help you with?"
        back = {"handoff": {"state": "bot", "outcome": kind}}
        messages = [{"text": farewell, "custom": person}, {"text": welcome, "custom": back}]
        events: List[Event] = [
            BotUttered(farewell, data={"custom": person}, metadata={"agent_name": agent_name}),
            ConversationResumed(),
            SlotSet("handoff_active", False),
            BotUttered(welcome, data={"custom": back}),
            # The bot paused right after action_handoff; listening again lets the rules
            # match the customer's next message as at any other turn.
            ActionExecuted(ACTION_LISTEN_NAME),
        ]
        return messages, events

    @staticmethod
    async def _record(rasa_agent: Any, conversation_id: str, events: List[Event]) -> None:
        """Append to the conversation's tracker under its lock, as Rasa's own API does."""
        if rasa_agent is None or rasa_agent.processor is None:
            return
        async with rasa_agent.lock_store.lock(conversation_id):
            tracker = await rasa_agent.processor.fetch_tracker_with_initial_session(conversation_id)
            for event in events:
                tracker.update(event, rasa_agent.domain)
            await rasa_agent.tracker_store.save(tracker)
