"""Tickets in a real database: creation in one transaction, the queue, claiming, replies, closing."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta
from typing import List

import pytest

from bot.crm.database import Database
from bot.crm.models import TicketEvent
from bot.handoff.agents import AgentDirectory
from bot.handoff.tickets import NewTicket, TicketDesk, TicketError, TranscriptLine
from tests.conftest import SmallCrm, build_small_crm

NOW = datetime(2026, 11, 23, 12, 0, 0)


@pytest.fixture(params=["sqlite", "postgres"])
def crm(request: pytest.FixtureRequest) -> SmallCrm:
    database: Database = request.getfixturevalue("sqlite_database" if request.param == "sqlite" else "postgres_database")
    return build_small_crm(database, NOW)


def new_ticket(conversation: str, priority: int = 3, customer_id: int = 1) -> NewTicket:
    return NewTicket(
        conversation_id=conversation, customer_id=customer_id, reason="negative_streak",
        reason_detail="2 negative messages in a row", priority=priority, summary="Ada is upset",
        sentiment_trajectory=[-0.2, -0.7], orders_mentioned=["ORD-200003", "ORD-200003"],
        transcript=[TranscriptLine("customer", "where is my parcel", NOW - timedelta(minutes=2), -0.2),
                    TranscriptLine("bot", "It is on its way.", NOW - timedelta(minutes=2)),
                    TranscriptLine("customer", "this is ridiculous", NOW - timedelta(minutes=1), -0.7)],
    )


def agents(crm: SmallCrm) -> List[int]:
    directory = AgentDirectory(crm.database)
    return [directory.create(f"agent{i}", f"Agent {i}", "a-long-password").id for i in (1, 2)]


def test_a_ticket_carries_the_transcript_and_only_one_is_open_per_conversation(crm: SmallCrm) -> None:
    desk = TicketDesk(crm.database)
    ticket = desk.open_ticket(new_ticket("c1"), now=NOW)
    assert ticket.created and ticket.status == "waiting"
    again = desk.open_ticket(new_ticket("c1"), now=NOW)
    assert (again.id, again.created) == (ticket.id, False)
    view = desk.ticket(ticket.id)
    assert view.orders_mentioned == ["ORD-200003"] and view.sentiment_trajectory == [-0.2, -0.7]
    assert view.customer_name == "Ada Lovelace"
    assert [(m.sender, m.text) for m in desk.messages(ticket.id)] == [
        ("customer", "where is my parcel"), ("bot", "It is on its way."), ("customer", "this is ridiculous")]
    assert [e["kind"] for e in desk.events(ticket.id)] == ["created"]


def test_the_queue_is_ordered_by_priority_then_waiting_time(crm: SmallCrm) -> None:
    desk = TicketDesk(crm.database)
    old_normal = desk.open_ticket(new_ticket("a", 3), now=NOW - timedelta(minutes=10)).id
    new_urgent = desk.open_ticket(new_ticket("b", 1), now=NOW).id
    new_normal = desk.open_ticket(new_ticket("c", 3), now=NOW).id
    assert [t.id for t in desk.queue()] == [new_urgent, old_normal, new_normal]
    assert desk.expected_wait_minutes(new_normal, online_agents=1) == 18
    assert desk.expected_wait_minutes(new_urgent, online_agents=2) == 3


def test_only_one_of_two_agents_claiming_at_once_wins(crm: SmallCrm) -> None:
    desk = TicketDesk(crm.database)
    first, second = agents(crm)
    ticket = desk.open_ticket(new_ticket("race"), now=NOW).id
    results: List[bool] = []
    barrier = threading.Barrier(2)

    def claim(agent_id: int) -> None:
        barrier.wait()
        results.append(desk.claim(ticket, agent_id))

    threads = [threading.Thread(target=claim, args=(a,)) for a in (first, second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == [False, True]
    view = desk.ticket(ticket)
    assert view.status == "active" and view.agent_id in (first, second)
    assert [e["kind"] for e in desk.events(ticket)] == ["created", "claimed"]


def test_only_the_claiming_agent_replies_and_closes(crm: SmallCrm) -> None:
    desk = TicketDesk(crm.database)
    mine, other = agents(crm)
    ticket = desk.open_ticket(new_ticket("reply"), now=NOW).id
    with pytest.raises(TicketError):
        desk.add_agent_message(ticket, mine, "hello")  # not claimed yet
    assert desk.claim(ticket, mine)
    message = desk.add_agent_message(ticket, mine, "  Hi Ada, I'm on it.  ")
    assert (message.sender, message.text, message.agent_name) == ("agent", "Hi Ada, I'm on it.", "Agent 1")
    with pytest.raises(TicketError):
        desk.add_agent_message(ticket, other, "let me help")
    with pytest.raises(TicketError):
        desk.add_agent_message(ticket, mine, "   ")
    desk.add_customer_message(ticket, "thanks!", 0.8)
    closed = desk.close(ticket, mine, "handed_back", "refund issued")
    assert (closed.status, closed.resolution_note) == ("handed_back", "refund issued")
    with pytest.raises(TicketError):
        desk.close(ticket, mine, "resolved")
    assert [e["kind"] for e in desk.events(ticket)] == ["created", "claimed", "message", "handed_back"]
    assert desk.open_ticket_for("reply") is None
    assert desk.open_ticket(new_ticket("reply"), now=NOW).created  # a new handoff later is a new ticket


def test_agents_see_waiting_tickets_and_their_own(crm: SmallCrm) -> None:
    desk = TicketDesk(crm.database)
    mine, other = agents(crm)
    ticket_id = desk.open_ticket(new_ticket("vis"), now=NOW).id
    assert desk.visible_to(desk.ticket(ticket_id), other)
    desk.claim(ticket_id, mine)
    assert desk.visible_to(desk.ticket(ticket_id), mine)
    assert not desk.visible_to(desk.ticket(ticket_id), other)
    assert [t.id for t in desk.queue(agent_id=mine)] == [ticket_id]
    assert desk.queue(agent_id=other) == []


def test_the_version_changes_with_every_message(crm: SmallCrm) -> None:
    desk = TicketDesk(crm.database)
    before = desk.version()
    ticket = desk.open_ticket(new_ticket("v"), now=NOW).id
    after_open = desk.version()
    desk.add_customer_message(ticket, "hello?")
    assert len({before, after_open, desk.version()}) == 3


def test_events_record_every_agent_action(crm: SmallCrm) -> None:
    desk = TicketDesk(crm.database)
    mine, _ = agents(crm)
    ticket = desk.open_ticket(new_ticket("audit"), now=NOW).id
    desk.claim(ticket, mine)
    desk.add_agent_message(ticket, mine, "one")
    desk.close(ticket, mine, "resolved", "done")
    with crm.database.session() as session:
        kinds = [e.kind for e in session.query(TicketEvent).filter_by(ticket_id=ticket).order_by(TicketEvent.id)]
        agents_of = {e.agent_id for e in session.query(TicketEvent).filter_by(ticket_id=ticket) if e.kind != "created"}
    assert kinds == ["created", "claimed", "message", "resolved"] and agents_of == {mine}


def test_the_version_changes_when_a_ticket_closes_in_the_same_second(crm: SmallCrm) -> None:
    desk = TicketDesk(crm.database)
    mine, _ = agents(crm)
    ticket = desk.open_ticket(new_ticket("same-second"), now=NOW).id
    desk.claim(ticket, mine, now=NOW)
    desk.add_customer_message(ticket, "bye", now=NOW)
    before = desk.version()
    desk.close(ticket, mine, "handed_back", now=NOW)
    assert desk.version() != before
