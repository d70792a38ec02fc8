"""Handoff end to end: real Rasa, action and console servers, a real database, a socket.io customer."""

from __future__ import annotations

import asyncio
import concurrent.futures
from pathlib import Path
from typing import Any, Dict, List

import pytest
import requests
from sqlalchemy import select

from bot.crm.database import Database
from bot.crm.models import HandoffTicket, TicketMessage
from bot.handoff.agents import AgentDirectory
from bot.stack import Stack
from bot.widget_client import WidgetClient
from tests.integration.conftest import Chat

pytestmark = pytest.mark.integration
PASSWORD = "a-long-test-password"


@pytest.fixture(scope="module")
def agents(crm_path: Path) -> List[str]:
    directory = AgentDirectory(Database(f"sqlite:///{crm_path}"))
    return [directory.create(name, name.title(), PASSWORD).username for name in ("ana", "ben")]


class Console:
    """An agent in the console, through its HTTP API."""

    def __init__(self, stack: Stack, username: str) -> None:
        self.base = f"{stack.web_url}/console/api"
        self.http = requests.Session()
        reply = self.http.post(f"{self.base}/login", json={"username": username, "password": PASSWORD}, timeout=10)
        assert reply.status_code == 200, reply.text

    def get(self, path: str) -> requests.Response:
        return self.http.get(self.base + path, timeout=10)

    def post(self, path: str, data: Dict[str, Any] | None = None) -> requests.Response:
        return self.http.post(self.base + path, json=data or {}, headers={"X-Console": "1"}, timeout=15)

    def ticket_for(self, conversation_id: str) -> Dict[str, Any]:
        tickets = [t for t in self.get("/queue").json()["tickets"] if t["conversation_id"] == conversation_id]
        assert tickets, f"no ticket for {conversation_id}"
        return tickets[0]


async def wait_for_message(crm_path: Path, ticket_id: int, text: str, timeout: float = 10) -> List[str]:
    """The ticket's message texts, once `text` is among them (or when the time is up)."""
    database = Database(f"sqlite:///{crm_path}")
    texts: List[str] = []
    for _ in range(int(timeout * 5)):
        with database.session() as session:
            texts = list(session.execute(select(TicketMessage.text).where(TicketMessage.ticket_id == ticket_id)).scalars())
        if text in texts:
            break
        await asyncio.sleep(0.2)
    database.dispose()
    return texts


def tickets_of(crm_path: Path, conversation_id: str) -> List[HandoffTicket]:
    database = Database(f"sqlite:///{crm_path}")
    with database.session() as session:
        return list(session.execute(select(HandoffTicket).where(HandoffTicket.conversation_id == conversation_id)).scalars())


def test_a_handoff_from_request_to_agent_reply_to_handback(stack: Stack, crm_path: Path, agents: List[str]) -> None:
    async def scenario() -> None:
        customer = WidgetClient(stack.rasa_url)
        session_id = await customer.connect()
        assert "Northwind" in (await customer.ask("hi"))[0]["text"]
        handed = await customer.ask("i want to talk to a real person")
        assert "bringing in a person" in handed[0]["text"]
        assert handed[-1]["custom"]["handoff"]["state"] == "waiting"

        ticket = tickets_of(crm_path, session_id)[0]
        assert (ticket.status, ticket.reason) == ("waiting", "customer_request")
        await customer.say("hello? is anyone there")
        with pytest.raises(asyncio.TimeoutError):
            await customer.replies(first_timeout=2)  # the bot stays quiet while waiting

        ana = Console(stack, "ana")
        queued = ana.ticket_for(session_id)
        detail = ana.get(f"/tickets/{queued['id']}").json()
        assert [m["text"] for m in detail["messages"] if m["sender"] == "customer"][-1] == "hello? is anyone there"
        assert ana.post(f"/tickets/{queued['id']}/claim").json()["delivered"] is True
        joined = await customer.replies()
        assert joined[0]["custom"]["handoff"] == {"state": "agent_joined", "agent_name": "Ana"}

        assert ana.post(f"/tickets/{queued['id']}/messages", {"text": "Hi, I'm Ana. How can I help?"}).status_code == 200
        reply = (await customer.replies())[0]
        assert reply["text"] == "Hi, I'm Ana. How can I help?" and reply["custom"]["sender"] == "agent"

        await customer.say("my parcel never arrived")
        await wait_for_message(crm_path, queued["id"], "my parcel never arrived")
        messages = ana.get(f"/tickets/{queued['id']}/messages?after=0").json()["messages"]
        assert messages[-1]["sender"] == "customer" and messages[-1]["text"] == "my parcel never arrived"

        assert ana.post(f"/tickets/{queued['id']}/handback", {"note": "explained the delay"}).status_code == 200
        back = await customer.replies()
        assert back[-1]["custom"]["handoff"]["state"] == "bot"
        assert "Northwind" in (await customer.ask("hello"))[0]["text"]  # the bot answers again
        await customer.close()

        events = [e["kind"] for e in ana.get(f"/tickets/{queued['id']}").json()["events"]]
        assert events == ["created", "claimed", "message", "handed_back"]

    asyncio.run(scenario())


def test_two_agents_claiming_at_once_exactly_one_wins(stack: Stack, agents: List[str]) -> None:
    chat = Chat(stack, "it-race")
    chat.say("get me a human agent please")
    ana, ben = Console(stack, "ana"), Console(stack, "ben")
    ticket_id = ana.ticket_for("it-race")["id"]
    with concurrent.futures.ThreadPoolExecutor(2) as pool:
        codes = sorted(pool.map(lambda console: console.post(f"/tickets/{ticket_id}/claim").status_code, [ana, ben]))
    assert codes == [200, 409]


def test_the_console_needs_an_agent_login(stack: Stack, agents: List[str]) -> None:
    anonymous = requests.Session()
    base = f"{stack.web_url}/console/api"
    assert anonymous.get(f"{base}/queue", timeout=5).status_code == 401
    assert anonymous.post(f"{base}/tickets/1/claim", headers={"X-Console": "1"}, timeout=5).status_code == 401
    assert anonymous.post(f"{base}/login", json={"username": "ana", "password": "wrong"}, timeout=5).status_code == 401
    ana = Console(stack, "ana")
    assert ana.http.post(f"{base}/tickets/1/claim", timeout=5).status_code == 403  # no X-Console header
    handoff = requests.post(f"{stack.rasa_url}/webhooks/socketio/handoff",
                            json={"conversation_id": "x", "type": "agent_message", "text": "hi"}, timeout=5)
    assert handoff.status_code == 401  # customers cannot speak as an agent


def test_an_agent_cannot_read_another_agents_ticket(stack: Stack, agents: List[str]) -> None:
    Chat(stack, "it-private").say("connect me to customer service")
    ana, ben = Console(stack, "ana"), Console(stack, "ben")
    ticket_id = ana.ticket_for("it-private")["id"]
    assert ana.post(f"/tickets/{ticket_id}/claim").status_code == 200
    assert ben.get(f"/tickets/{ticket_id}").status_code == 404
    assert ben.post(f"/tickets/{ticket_id}/messages", {"text": "hi"}).status_code == 409
    assert ana.post(f"/tickets/{ticket_id}/messages", {"text": ""}).status_code == 400
    assert ana.post(f"/tickets/{ticket_id}/messages", {"text": "x" * 3000}).status_code == 400
    assert ana.post(f"/tickets/{ticket_id}/resolve", {"note": "done"}).status_code == 200


def test_restarting_the_rasa_server_loses_no_ticket_and_keeps_the_agent(stack: Stack, crm_path: Path,
                                                                         agents: List[str]) -> None:
    async def scenario() -> None:
        customer = WidgetClient(stack.rasa_url)
        session_id = await customer.connect()
        await customer.ask("i need to speak to a manager")
        ana = Console(stack, "ana")
        ticket_id = ana.ticket_for(session_id)["id"]
        ana.post(f"/tickets/{ticket_id}/claim")
        await customer.replies()
        await customer.close()

        stack.stop_process("rasa")
        stack.start_rasa()

        again = WidgetClient(stack.rasa_url)
        assert await again.connect(session_id) == session_id
        state = again.handoff_state
        assert state["state"] == "agent_joined" and state["agent_name"] == "Ana"
        await again.say("are you still there?")
        with pytest.raises(asyncio.TimeoutError):
            await again.replies(first_timeout=2)  # still with Ana, not the bot
        assert "are you still there?" in await wait_for_message(crm_path, ticket_id, "are you still there?")
        ana.post(f"/tickets/{ticket_id}/messages", {"text": "Yes, still here."})
        assert (await again.replies())[0]["text"] == "Yes, still here."
        await again.close()

    asyncio.run(scenario())


def test_a_negative_conversation_opens_a_ticket_with_its_sentiment(stack: Stack, crm_path: Path) -> None:
    chat = Chat(stack, "it-angry")
    first = chat.text("my parcel still hasn't arrived after three weeks, this is really disappointing")
    assert "bringing in a person" not in first  # one complaint: the bot tries first
    second = chat.text("that's useless, nobody ever answers my emails")
    assert "bringing in a person" in second
    ticket = tickets_of(crm_path, "it-angry")[0]
    assert ticket.reason in ("negative_streak", "strong_negative", "negative_trend")
    assert len(ticket.sentiment_trajectory) == 2 and max(ticket.sentiment_trajectory) < -0.3
    assert ticket.priority in (1, 2)
    assert "disappointing" in ticket.summary or "useless" in ticket.summary
