"""The production profile on this machine: two Rasa servers, PostgreSQL, Redis, RabbitMQ.

Needs PostgreSQL, Redis and RabbitMQ on their default local ports (.ci/run starts them);
skips, saying which one, where they are not reachable.
"""

from __future__ import annotations

import asyncio
import socket
import tempfile
import uuid
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from pathlib import Path
from typing import Any, Dict, Iterator, List

import pytest
import requests
from sqlalchemy import func, select

from bot.crm.database import Database
from bot.crm.models import AgentNotification, AnalyticsEvent
from bot.handoff.agents import AgentDirectory
from bot.stack import Stack, start_seeded_stack
from bot.widget_client import WidgetClient

pytestmark = pytest.mark.integration
SERVICES = {"PostgreSQL": 5432, "Redis": 6379, "RabbitMQ": 5672}


def _reachable(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(1)
        return sock.connect_ex(("127.0.0.1", port)) == 0


@pytest.fixture(scope="module")
def prod() -> Iterator[Stack]:
    missing = [name for name, port in SERVICES.items() if not _reachable(port)]
    if missing:
        pytest.skip(f"not reachable on this machine: {', '.join(missing)}")
    with ExitStack() as cleanup:
        stack = start_seeded_stack("production", 2, Path(tempfile.mkdtemp(prefix="nw-it-")), cleanup,
                                   prefix="nw_it", web=True)
        database = Database(stack.database_url)
        AgentDirectory(database).create("ana", "Ana Silva", "a-long-test-password")
        database.dispose()
        yield stack


def say(stack: Stack, server: str, sender: str, message: str, metadata: Dict[str, Any] | None = None) -> List[Dict[str, Any]]:
    reply = requests.post(f"{stack.url_of(server)}/webhooks/rest/webhook",
                          json={"sender": sender, "message": message, "metadata": metadata or {}}, timeout=30)
    assert reply.status_code == 200, reply.text
    return reply.json()


def tracker(stack: Stack, server: str, sender: str) -> Dict[str, Any]:
    return requests.get(f"{stack.url_of(server)}/conversations/{sender}/tracker",
                        params={"token": stack.api_token}, timeout=10).json()


def test_one_conversation_alternating_between_servers_stays_consistent(prod: Stack) -> None:
    sender = f"alt-{uuid.uuid4().hex[:6]}"
    assert "email" in say(prod, "rasa", sender, "show me my order history")[0]["text"]
    assert "order" in say(prod, "rasa2", sender, "maria.garcia@example.com")[0]["text"].lower()
    history = " ".join(m.get("text", "") for m in say(prod, "rasa", sender, "ORD-900004"))
    assert "ORD-900001" in history  # the form continued on the other server
    assert tracker(prod, "rasa", sender)["events"] == tracker(prod, "rasa2", sender)["events"]


def test_concurrent_messages_to_one_conversation_are_processed_one_at_a_time(prod: Stack) -> None:
    sender = f"lock-{uuid.uuid4().hex[:6]}"
    messages = ["hi", "what can you do", "are you a bot", "thanks", "hello again", "who are you"]
    with ThreadPoolExecutor(len(messages)) as pool:
        replies = list(pool.map(lambda i: say(prod, ["rasa", "rasa2"][i % 2], sender, messages[i]), range(len(messages))))
    assert all(replies)
    events = [e for e in tracker(prod, "rasa", sender)["events"] if e["event"] in ("user", "action", "bot")]
    # Serialised: every user message is followed by its own actions before the next message.
    kinds = [e["event"] for e in events]
    users = [i for i, kind in enumerate(kinds) if kind == "user"]
    assert len(users) == len(messages)
    for start, end in zip(users, users[1:] + [len(kinds)], strict=True):
        turn = events[start + 1 : end]
        names = [(e["event"], e.get("name") or e.get("text")) for e in events]
        assert turn and turn[-1]["event"] == "action" and turn[-1]["name"] == "action_listen", names


def test_a_killed_server_loses_nothing_and_the_other_continues(prod: Stack) -> None:
    sender = f"kill-{uuid.uuid4().hex[:6]}"
    say(prod, "rasa", sender, "i want to see my orders")
    say(prod, "rasa", sender, "maria.garcia@example.com")
    before = len(tracker(prod, "rasa", sender)["events"])
    prod.kill_process("rasa")
    try:
        history = " ".join(m.get("text", "") for m in say(prod, "rasa2", sender, "ORD-900004"))
        assert "ORD-900001" in history
        assert len(tracker(prod, "rasa2", sender)["events"]) > before
    finally:
        prod.start_rasa(name="rasa")
    assert tracker(prod, "rasa", sender)["events"] == tracker(prod, "rasa2", sender)["events"]


def test_every_event_reaches_the_consumer_once(prod: Stack) -> None:
    sender = f"events-{uuid.uuid4().hex[:6]}"
    say(prod, "rasa", sender, "hello")
    say(prod, "rasa2", sender, "i want to talk to a human")
    events = tracker(prod, "rasa", sender)["events"]
    database = Database(prod.database_url)
    stored, notifications = 0, 0
    for _ in range(150):
        with database.session() as session:
            stored = session.execute(
                select(func.count(AnalyticsEvent.id)).where(AnalyticsEvent.conversation_id == sender)).scalar_one()
            notifications = session.execute(
                select(func.count(AgentNotification.id)).where(AgentNotification.conversation_id == sender)).scalar_one()
        if stored >= len(events) and notifications:
            break
        asyncio.run(asyncio.sleep(0.2))
    database.dispose()
    assert stored == len(events), prod.logs("consumer")[-3000:]
    assert notifications == 1


def test_an_agent_reply_reaches_a_customer_connected_to_the_other_server(prod: Stack) -> None:
    async def scenario() -> None:
        customer = WidgetClient(prod.url_of("rasa2"))
        session_id = await customer.connect()
        await customer.ask("i need a human please")
        console = requests.Session()
        base = f"{prod.web_url}/console/api"
        assert console.post(f"{base}/login", json={"username": "ana", "password": "a-long-test-password"}).ok
        ticket = next(t for t in console.get(f"{base}/queue").json()["tickets"] if t["conversation_id"] == session_id)
        # The console talks to the first Rasa server; the customer is on the second.
        assert prod.rasa_url == prod.url_of("rasa")
        assert console.post(f"{base}/tickets/{ticket['id']}/claim", headers={"X-Console": "1"}).json()["delivered"]
        assert (await customer.replies())[0]["custom"]["handoff"]["state"] == "agent_joined"
        console.post(f"{base}/tickets/{ticket['id']}/messages", json={"text": "Hello from Ana"}, headers={"X-Console": "1"})
        assert (await customer.replies())[0]["text"] == "Hello from Ana"
        await customer.close()

    asyncio.run(scenario())
