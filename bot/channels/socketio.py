"""The socket.io channel the website widget talks to.

Protocol compatible with Rasa's `socketio` channel (events `session_request` →
`session_confirm`, `user_uttered` → `bot_uttered`, metadata under `customData`),
with these differences:

- Rasa 3.6 calls python-socketio 5's `enter_room` without awaiting it, so with
  session persistence no reply ever reaches the browser. We await it.
- The conversation id is the session the socket asked for in `session_request`
  and is remembered per socket; a message cannot name another conversation.
- Text, metadata and session ids are checked (`sanitize.py`); a malformed
  session id gets a fresh one.
- Custom payloads (product cards, handoff states) are sent as `{"custom": ...}`
  instead of being spread into `emit` arguments.
- With `redis_url` (production profile) python-socketio's Redis manager relays
  emits between Rasa servers: an agent's reply reaches the customer whichever
  server their browser is connected to.
- Handoff (see `handoff_bridge.py`): messages of a conversation with an open
  ticket go to the agent, not the bot; `POST /webhooks/socketio/handoff` lets the
  console reach the customer; a reconnecting tab is told the handoff state.
"""

from __future__ import annotations

import logging
import re
import uuid
from typing import Any, Awaitable, Callable, Dict, Iterable, List, Optional

import engineio
from engineio import packet as engineio_packet
from rasa.core.channels.channel import InputChannel, OutputChannel, UserMessage
from rasa.core.channels.socketio import SocketBlueprint
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse
from socketio import AsyncRedisManager, AsyncServer

from bot.channels.handoff_bridge import HandoffBridge, handoff_state
from bot.channels.remote_actions import close_action_sessions, fallback_message
from bot.channels.sanitize import clean_metadata, clean_text

logger = logging.getLogger(__name__)

SESSION_ID = re.compile(r"^[A-Za-z0-9_-]{8,64}$")


class _AppAwareBlueprint(SocketBlueprint):
    """Remembers the Sanic app it is registered on (the socket handlers need Rasa's agent)."""

    def register(self, app: Any, options: Dict[str, Any]) -> None:
        self.ctx.app = app
        super().register(app, options)

    def rasa_agent(self) -> Any:
        app = getattr(self.ctx, "app", None)
        return getattr(app.ctx, "agent", None) if app is not None else None


class _EngineIOServer(engineio.AsyncServer):
    """Sends no HTTP response once a websocket session has ended.

    python-engineio answers "200 OK" when a websocket closes; Sanic then writes it to a
    connection that is upgraded or already gone, and logs an AttributeError with a
    traceback when the client hung up first. Sanic sends nothing for a route handler
    marked `is_websocket` that returns None.
    """

    async def handle_request(self, *args: Any, **kwargs: Any) -> Any:
        response = await super().handle_request(*args, **kwargs)
        transport = getattr(args[0], "transport", None) if args else None
        return None if transport is None or _upgraded_or_gone(transport) else response

    handle_request.is_websocket = True  # type: ignore[attr-defined]


def _upgraded_or_gone(transport: Any) -> bool:
    """True when Sanic can no longer send an HTTP response on `transport`: the connection
    became a websocket, or the client hung up (Sanic's protocol then drops its transport,
    and sending raises AttributeError on None)."""
    protocol = transport.get_protocol()
    return (getattr(protocol, "websocket", None) is not None
            or getattr(protocol, "transport", None) is None
            or transport.is_closing())


class TolerantAsyncServer(AsyncServer):
    """Drops a malformed socket.io packet with a warning (and uses `_EngineIOServer`).

    python-socketio raises on packets no widget sends (JSON that is invalid or nested
    past the recursion limit, an event without a name, a stray binary attachment), and
    engine.io logs each as an ERROR with a traceback: the client's fault, reported as
    ours. Event handlers run as tasks of their own, so their errors are not caught here.
    """

    def _engineio_server_class(self) -> type:
        return _EngineIOServer

    async def _handle_eio_message(self, eio_sid: str, data: Any) -> None:
        try:
            await super()._handle_eio_message(eio_sid, data)
        except (ValueError, TypeError, IndexError, KeyError, RecursionError) as error:
            logger.warning("Dropped a malformed socket.io packet (%s)", error.__class__.__name__)


def ignore_invalid_engineio_frames() -> None:
    """Make an invalid Engine.IO frame a no-op packet instead of an error (once per process).

    python-engineio decodes a websocket frame before its error handling: an empty frame
    or one starting with a non-digit makes Sanic log an ERROR and drop the connection,
    an unknown packet type ("9") logs a traceback. Browsers never send them; anyone can.
    A NOOP packet is what the library itself ignores.
    """
    original = engineio_packet.Packet.decode
    if getattr(original, "_northwind_tolerant", False):
        return

    def decode(self: engineio_packet.Packet, encoded_packet: Any) -> Any:
        try:
            result = original(self, encoded_packet)
            if not 0 <= self.packet_type < len(engineio_packet.packet_names):
                raise ValueError("unknown Engine.IO packet type")
            return result
        except (ValueError, IndexError, TypeError):
            self.packet_type, self.data, self.binary = engineio_packet.NOOP, None, False
            return None

    decode._northwind_tolerant = True  # type: ignore[attr-defined]
    engineio_packet.Packet.decode = decode  # type: ignore[method-assign]


def valid_session_id(value: Any) -> Optional[str]:
    return value if isinstance(value, str) and SESSION_ID.match(value) else None


class SupportSocketIOOutput(OutputChannel):
    """Emits bot messages to everyone in the conversation's room (all its tabs)."""

    @classmethod
    def name(cls) -> str:
        return "socketio"

    def __init__(self, sio: AsyncServer, bot_message_evt: str) -> None:
        self.sio = sio
        self.bot_message_evt = bot_message_evt

    async def emit(self, room: str, message: Dict[str, Any]) -> None:
        await self.sio.emit(self.bot_message_evt, message, room=room)

    async def send_text_message(self, recipient_id: str, text: str, **kwargs: Any) -> None:
        for part in text.strip().split("\n\n"):
            await self.emit(recipient_id, {"text": part})

    async def send_text_with_buttons(
        self, recipient_id: str, text: str, buttons: List[Dict[str, Any]], **kwargs: Any
    ) -> None:
        parts = text.strip().split("\n\n") or [text]
        for part in parts[:-1]:
            await self.emit(recipient_id, {"text": part})
        await self.emit(
            recipient_id,
            {
                "text": parts[-1],
                "quick_replies": [
                    {"content_type": "text", "title": b["title"], "payload": b["payload"]} for b in buttons
                ],
            },
        )

    async def send_image_url(self, recipient_id: str, image: str, **kwargs: Any) -> None:
        await self.emit(recipient_id, {"attachment": {"type": "image", "payload": {"src": image}}})

    async def send_elements(self, recipient_id: str, elements: Iterable[Dict[str, Any]], **kwargs: Any) -> None:
        await self.emit(recipient_id, {"elements": list(elements)})

    async def send_custom_json(self, recipient_id: str, json_message: Dict[str, Any], **kwargs: Any) -> None:
        await self.emit(recipient_id, {"custom": json_message})

    async def send_attachment(  # type: ignore[override]
        self, recipient_id: str, attachment: Dict[str, Any], **kwargs: Any
    ) -> None:
        await self.emit(recipient_id, {"attachment": attachment})


class SupportSocketIOInput(InputChannel):
    """socket.io input channel with persistent sessions (one room per conversation)."""

    @classmethod
    def name(cls) -> str:
        return "socketio"

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[str, Any]]) -> InputChannel:
        credentials = credentials or {}
        return cls(
            user_message_evt=credentials.get("user_message_evt", "user_uttered"),
            bot_message_evt=credentials.get("bot_message_evt", "bot_uttered"),
            namespace=credentials.get("namespace"),
            socketio_path=credentials.get("socketio_path", "/socket.io"),
            metadata_key=credentials.get("metadata_key", "customData"),
            redis_url=credentials.get("redis_url") or None,
        )

    def __init__(
        self,
        user_message_evt: str = "user_uttered",
        bot_message_evt: str = "bot_uttered",
        namespace: Optional[str] = None,
        socketio_path: str = "/socket.io",
        metadata_key: str = "customData",
        redis_url: Optional[str] = None,
    ) -> None:
        self.user_message_evt = user_message_evt
        self.bot_message_evt = bot_message_evt
        self.namespace = namespace
        self.socketio_path = socketio_path
        self.metadata_key = metadata_key
        # With several Rasa servers, Redis relays emits to the server the browser is on.
        self.redis_url = redis_url
        self.sio: Optional[AsyncServer] = None

    def get_output_channel(self) -> Optional[OutputChannel]:
        """Lets Rasa's HTTP API (`output_channel=socketio`) reach a conversation's browser."""
        return SupportSocketIOOutput(self.sio, self.bot_message_evt) if self.sio else None

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        # cors_allowed_origins=[]: python-socketio leaves CORS to Sanic-CORS (`rasa run --cors`).
        ignore_invalid_engineio_frames()
        manager = AsyncRedisManager(self.redis_url) if self.redis_url else None
        sio = TolerantAsyncServer(async_mode="sanic", cors_allowed_origins=[], client_manager=manager)
        self.sio = sio
        webhook = _AppAwareBlueprint(sio, self.socketio_path, "socketio_webhook", __name__)
        output = SupportSocketIOOutput(sio, self.bot_message_evt)
        bridge = HandoffBridge()
        webhook.listener("after_server_stop")(close_action_sessions)

        @webhook.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @webhook.route("/handoff", methods=["POST"])
        async def handoff(request: Request) -> HTTPResponse:
            return await bridge.handle(request, output.emit)

        @sio.on("connect", namespace=self.namespace)
        async def connect(sid: str, environ: Dict, auth: Optional[Dict] = None) -> bool:
            return True

        @sio.on("session_request", namespace=self.namespace)
        async def session_request(sid: str, data: Any) -> None:
            requested = valid_session_id(data.get("session_id")) if isinstance(data, dict) else None
            session_id = requested or uuid.uuid4().hex
            saved = await sio.get_session(sid, namespace=self.namespace)
            previous = saved.get("session_id")
            if previous and previous != session_id:
                await sio.leave_room(sid, previous, namespace=self.namespace)
            await sio.enter_room(sid, session_id, namespace=self.namespace)
            await sio.save_session(sid, {"session_id": session_id}, namespace=self.namespace)
            await sio.emit("session_confirm", session_id, room=sid, namespace=self.namespace)
            # Tell the tab who it is talking to: an agent, the queue, or the bot (a tab that
            # was offline during a handback would otherwise keep a stale banner).
            ticket = await bridge.open_ticket(session_id)
            state = handoff_state(ticket) if ticket is not None else {"handoff": {"state": "bot"}}
            await sio.emit(self.bot_message_evt, {"custom": state}, room=sid, namespace=self.namespace)

        @sio.on(self.user_message_evt, namespace=self.namespace)
        async def handle_message(sid: str, data: Any) -> None:
            saved = await sio.get_session(sid, namespace=self.namespace)
            session_id = saved.get("session_id")
            if not session_id:
                await sio.emit(
                    "error", {"message": "send session_request before messages"}, room=sid, namespace=self.namespace
                )
                return
            data = data if isinstance(data, dict) else {}
            text = clean_text(data.get("message"))
            if await bridge.intercept(session_id, text, webhook.rasa_agent()) is not None:
                return  # with the support team: the agent reads it, the bot stays quiet
            message = UserMessage(
                text,
                output,
                session_id,
                input_channel=self.name(),
                metadata=clean_metadata(data.get(self.metadata_key)),
            )
            try:
                await on_new_message(message)
            except Exception:  # as the REST channel: logged with the conversation, not as an orphan task
                logger.exception("socket.io message for %s failed", session_id)
                await sio.emit(self.bot_message_evt, {"text": fallback_message(webhook.rasa_agent())}, room=sid,
                               namespace=self.namespace)

        return webhook
