"""The REST channel, with its input checked (see `sanitize.py`).

Same URL and protocol as Rasa's `rest` channel:
POST /webhooks/rest/webhook {"sender": "...", "message": "...", "metadata": {...}}
answers a JSON list of bot messages. Unlike Rasa's, a request without a sender
is refused (400): Rasa would file it under the shared conversation "default",
where one visitor could see what another was told. While the conversation is
with the support team, messages go to the agent and the answer is the handoff
state (`{"custom": {"handoff": ...}}`).
"""

from __future__ import annotations

import logging
from asyncio import CancelledError
from typing import Any, Awaitable, Callable, Dict, Optional

from rasa.core.channels.channel import CollectingOutputChannel, UserMessage
from rasa.core.channels.rest import RestInput
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.channels.handoff_bridge import HandoffBridge, handoff_state
from bot.channels.remote_actions import close_action_sessions, fallback_message
from bot.channels.sanitize import MAX_SENDER_CHARS, clean_metadata, clean_sender, clean_text

logger = logging.getLogger(__name__)


def _body(request: Request) -> Optional[Dict[str, Any]]:
    try:
        body = request.json
    except Exception:  # Sanic raises its own error types for bodies that are not JSON
        return None
    return body if isinstance(body, dict) else None


class SupportRestInput(RestInput):
    @classmethod
    def name(cls) -> str:
        return "rest"

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        webhook = Blueprint(f"custom_webhook_{type(self).__name__}", __name__)
        bridge = HandoffBridge()
        webhook.listener("after_server_stop")(close_action_sessions)

        @webhook.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @webhook.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            body = _body(request)
            if body is None:
                return response.json({"error": "the body must be a JSON object"}, status=400)
            sender = clean_sender(body.get("sender"))
            if sender is None:
                return response.json({"error": f"`sender` (a conversation id) must be a string of 1 to "
                                               f"{MAX_SENDER_CHARS} characters"}, status=400)
            text = clean_text(body.get("message"))
            ticket = await bridge.intercept(sender, text, getattr(request.app.ctx, "agent", None))
            if ticket is not None:
                return response.json([{"recipient_id": sender, "custom": handoff_state(ticket)}])
            collector = CollectingOutputChannel()
            message = UserMessage(
                text,
                collector,
                sender,
                input_channel=self.name(),
                metadata=clean_metadata(body.get("metadata")),
            )
            try:
                await on_new_message(message)
            except CancelledError:
                logger.error("REST message for %s timed out", sender)
            except Exception:
                logger.exception("REST message for %s failed", sender)
                if not collector.messages:
                    agent = getattr(request.app.ctx, "agent", None)
                    collector.messages.append({"recipient_id": sender, "text": fallback_message(agent)})
            return response.json(collector.messages)

        return webhook
