"""The agent console's HTTP API (and its page): log in, watch the queue, claim, reply, close.

Authentication: a session cookie (HttpOnly, SameSite=Strict, only the token's
hash is stored); state-changing requests also need the `X-Console: 1` header, so a
form on another site cannot submit them. Agents see waiting tickets and their
own, never arbitrary conversations. Every input is checked here.

Agent messages reach the customer through the Rasa server's handoff endpoint
(`bot/channels/handoff_bridge.py`); the ticket and its messages are in the CRM
database first, so nothing is lost if the Rasa server is restarting.
"""

from __future__ import annotations

import asyncio
import json
import logging
from functools import partial
from pathlib import Path
from typing import Any, Callable, Coroutine, Dict, Optional, TypeVar

import aiohttp
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.crm.errors import CrmUnavailable
from bot.crm.store import CrmStore
from bot.handoff.agents import AgentDirectory, AgentInfo
from bot.handoff.tickets import TicketDesk, TicketError, TicketView
from bot.settings import Settings

logger = logging.getLogger(__name__)

SESSION_COOKIE = "nw_agent_session"
MAX_TEXT = 2000
T = TypeVar("T")
Handler = Callable[..., Coroutine[Any, Any, Any]]


class RasaBridgeClient:
    """Posts handoff messages to the Rasa server's `/webhooks/socketio/handoff`."""

    def __init__(self, settings: Settings) -> None:
        self.url = settings.rasa_url.rstrip("/") + "/webhooks/socketio/handoff"
        self.token = settings.bridge_token

    async def send(self, conversation_id: str, kind: str, agent_name: str, text: str = "") -> bool:
        payload = {"conversation_id": conversation_id, "type": kind, "agent_name": agent_name, "text": text}
        try:
            async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=10)) as session:
                async with session.post(self.url, json=payload, headers={"Authorization": f"Bearer {self.token}"}) as reply:
                    if reply.status == 200:
                        return True
                    logger.error("Rasa handoff endpoint answered %s for %s", reply.status, kind)
        except (aiohttp.ClientError, asyncio.TimeoutError) as error:
            logger.error("Rasa server unreachable for %s: %s", kind, error.__class__.__name__)
        return False


def _json_error(message: str, status: int) -> HTTPResponse:
    return response.json({"error": message}, status=status)


def create_console_blueprint(settings: Settings, desk: TicketDesk, directory: AgentDirectory, store: CrmStore,
                             bridge: Optional[RasaBridgeClient] = None) -> Blueprint:
    console = Blueprint("console", url_prefix="/console")
    bridge = bridge or RasaBridgeClient(settings)
    console_page = Path(__file__).resolve().parent / "static" / "console" / "index.html"

    async def blocking(function: Callable[..., T], *args: Any) -> T:
        return await asyncio.get_running_loop().run_in_executor(None, partial(function, *args))

    async def current_agent(request: Request) -> Optional[AgentInfo]:
        return await blocking(directory.session_agent, request.cookies.get(SESSION_COOKIE))

    def needs_agent(handler: Handler) -> Handler:
        async def wrapped(request: Request, *args: Any, **kwargs: Any) -> HTTPResponse:
            try:
                agent = await current_agent(request)
            except CrmUnavailable:
                return _json_error("the CRM database is unavailable", 503)
            if agent is None:
                return _json_error("log in first", 401)
            if request.method != "GET" and request.headers.get("X-Console") != "1":
                return _json_error("missing X-Console header", 403)
            try:
                return await handler(request, agent, *args, **kwargs)
            except CrmUnavailable:
                return _json_error("the CRM database is unavailable", 503)

        wrapped.__name__ = handler.__name__
        return wrapped

    def body(request: Request) -> Dict[str, Any]:
        try:
            data = request.json
        except Exception:
            return {}
        return data if isinstance(data, dict) else {}

    async def visible_ticket(ticket_id: int, agent: AgentInfo) -> Optional[TicketView]:
        ticket = await blocking(desk.ticket, ticket_id)
        return ticket if ticket is not None and desk.visible_to(ticket, agent.id) else None

    # Pages ------------------------------------------------------------------------

    @console.get("/")
    async def page(_: Request) -> HTTPResponse:
        return await response.file(str(console_page), headers={"Cache-Control": "no-store"})

    # Session ----------------------------------------------------------------------

    @console.post("/api/login")
    async def login(request: Request) -> HTTPResponse:
        data = body(request)
        username, password = data.get("username"), data.get("password")
        if not isinstance(username, str) or not isinstance(password, str) or not username or not password:
            return _json_error("username and password are required", 400)
        try:
            agent = await blocking(directory.authenticate, username[:64], password[:1024])
            if agent is None:
                return _json_error("wrong username or password", 401)
            token = await blocking(directory.start_session, agent)
        except CrmUnavailable:
            return _json_error("the CRM database is unavailable", 503)
        reply = response.json({"agent": agent.__dict__})
        reply.cookies[SESSION_COOKIE] = token
        cookie = reply.cookies[SESSION_COOKIE]
        cookie["httponly"] = True
        cookie["samesite"] = "Strict"
        cookie["path"] = "/console"
        cookie["max-age"] = settings.handoff.session_max_minutes * 60
        cookie["secure"] = request.scheme == "https"
        return reply

    @console.post("/api/logout")
    @needs_agent
    async def logout(request: Request, agent: AgentInfo) -> HTTPResponse:
        await blocking(directory.end_session, request.cookies.get(SESSION_COOKIE))
        reply = response.json({"ok": True})
        del reply.cookies[SESSION_COOKIE]
        return reply

    @console.get("/api/me")
    async def me(request: Request) -> HTTPResponse:
        """Who is logged in: {"agent": null} rather than a 401, so the page can ask quietly."""
        try:
            agent = await current_agent(request)
        except CrmUnavailable:
            return _json_error("the CRM database is unavailable", 503)
        return response.json({"agent": agent.__dict__ if agent else None})

    # Queue and tickets ------------------------------------------------------------

    @console.get("/api/queue")
    @needs_agent
    async def queue(request: Request, agent: AgentInfo) -> HTTPResponse:
        tickets = await blocking(desk.queue, agent.id)
        return response.json({"tickets": [t.to_dict() for t in tickets], "version": await blocking(desk.version)})

    @console.get("/api/tickets/<ticket_id:int>")
    @needs_agent
    async def ticket_detail(request: Request, agent: AgentInfo, ticket_id: int) -> HTTPResponse:
        ticket = await visible_ticket(ticket_id, agent)
        if ticket is None:
            return _json_error("no such ticket", 404)
        customer: Optional[Dict[str, Any]] = None
        orders = []
        if ticket.customer_id is not None:
            info = await blocking(store.get_customer, ticket.customer_id)
            customer = {"id": info.id, "name": info.name, "email": info.email}
            orders = [
                {"number": o.number, "status": o.status, "placed_at": o.placed_at.isoformat(), "total": str(o.total),
                 "item_count": o.item_count}
                for o in await blocking(store.recent_orders, ticket.customer_id, 10)
            ]
        messages = await blocking(desk.messages, ticket_id)
        return response.json({
            "ticket": ticket.to_dict(),
            "messages": [m.to_dict() for m in messages],
            "events": await blocking(desk.events, ticket_id),
            "customer": customer,
            "orders": orders,
            "currency_symbol": settings.currency_symbol,
        })

    @console.get("/api/tickets/<ticket_id:int>/messages")
    @needs_agent
    async def ticket_messages(request: Request, agent: AgentInfo, ticket_id: int) -> HTTPResponse:
        if await visible_ticket(ticket_id, agent) is None:
            return _json_error("no such ticket", 404)
        try:
            after = max(0, int(request.args.get("after", "0")))
        except ValueError:
            return _json_error("after must be a message id", 400)
        return response.json({"messages": [m.to_dict() for m in await blocking(desk.messages, ticket_id, after)]})

    @console.post("/api/tickets/<ticket_id:int>/claim")
    @needs_agent
    async def claim(request: Request, agent: AgentInfo, ticket_id: int) -> HTTPResponse:
        if not await blocking(desk.claim, ticket_id, agent.id):
            return _json_error("this ticket is no longer waiting: another agent took it or it was closed", 409)
        ticket = await blocking(desk.ticket, ticket_id)
        assert ticket is not None
        delivered = await bridge.send(ticket.conversation_id, "agent_joined", agent.display_name)
        return response.json({"ticket": ticket.to_dict(), "delivered": delivered})

    @console.post("/api/tickets/<ticket_id:int>/messages")
    @needs_agent
    async def reply(request: Request, agent: AgentInfo, ticket_id: int) -> HTTPResponse:
        text = body(request).get("text")
        if not isinstance(text, str) or not text.strip() or len(text) > MAX_TEXT:
            return _json_error(f"text must be 1-{MAX_TEXT} characters", 400)
        try:
            message = await blocking(desk.add_agent_message, ticket_id, agent.id, text)
        except TicketError as error:
            return _json_error(str(error), 409)
        ticket = await blocking(desk.ticket, ticket_id)
        assert ticket is not None
        delivered = await bridge.send(ticket.conversation_id, "agent_message", agent.display_name, message.text)
        return response.json({"message": message.to_dict(), "delivered": delivered})

    async def close(request: Request, agent: AgentInfo, ticket_id: int, outcome: str) -> HTTPResponse:
        note = body(request).get("note", "")
        if not isinstance(note, str) or len(note) > MAX_TEXT:
            return _json_error(f"note must be at most {MAX_TEXT} characters", 400)
        try:
            ticket = await blocking(desk.close, ticket_id, agent.id, outcome, note)
        except TicketError as error:
            return _json_error(str(error), 409)
        delivered = await bridge.send(ticket.conversation_id, outcome, agent.display_name)
        return response.json({"ticket": ticket.to_dict(), "delivered": delivered})

    @console.post("/api/tickets/<ticket_id:int>/resolve")
    @needs_agent
    async def resolve(request: Request, agent: AgentInfo, ticket_id: int) -> HTTPResponse:
        return await close(request, agent, ticket_id, "resolved")

    @console.post("/api/tickets/<ticket_id:int>/handback")
    @needs_agent
    async def handback(request: Request, agent: AgentInfo, ticket_id: int) -> HTTPResponse:
        return await close(request, agent, ticket_id, "handed_back")

    # Live updates -----------------------------------------------------------------

    @console.get("/api/stream")
    @needs_agent
    async def stream(request: Request, agent: AgentInfo) -> Any:
        """Server-sent events: `queue` whenever a ticket or message changes (polled from the database)."""

        async def push(stream_response: Any) -> None:
            last = None
            while True:
                try:
                    version = await blocking(desk.version)
                    if version != last:
                        last = version
                        tickets = await blocking(desk.queue, agent.id)
                        payload = json.dumps({"tickets": [t.to_dict() for t in tickets], "version": version})
                        await stream_response.write(f"event: queue\ndata: {payload}\n\n")
                    else:
                        await stream_response.write(": keep-alive\n\n")
                    if await blocking(directory.session_agent, request.cookies.get(SESSION_COOKIE)) is None:
                        await stream_response.write("event: logout\ndata: {}\n\n")
                        return
                except CrmUnavailable:
                    await stream_response.write('event: error\ndata: {"error": "CRM unavailable"}\n\n')
                await asyncio.sleep(1.0)

        return response.stream(push, content_type="text/event-stream", headers={"Cache-Control": "no-store"})

    return console
