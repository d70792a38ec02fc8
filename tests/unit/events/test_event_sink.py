"""The event consumer's sink: every event once per event id, handoffs notify agents."""

from __future__ import annotations

from typing import Any, Dict, List

from sqlalchemy import func, select

from bot.crm.database import Database
from bot.crm.models import AgentNotification, AnalyticsEvent
from bot.events.consumer import EventSink


def events(sender: str) -> List[Dict[str, Any]]:
    return [
        {"sender_id": sender, "event": "user", "timestamp": 1.0, "text": "this is useless",
         "parse_data": {"intent": {"name": "request_human"}, "sentiment": {"score": -0.8}}},
        {"sender_id": sender, "event": "action", "timestamp": 2.0, "name": "action_handoff"},
        {"sender_id": sender, "event": "bot", "timestamp": 3.0, "text": "A person is coming."},
    ]


def count(database: Database, model: Any) -> int:
    with database.session() as session:
        return session.execute(select(func.count(model.id))).scalar_one()


def test_a_batch_is_stored_once_even_when_delivered_again(sqlite_database: Database) -> None:
    sqlite_database.create_schema()
    sink = EventSink(sqlite_database)
    batch = events("c1")
    assert sink.store_batch(batch + [batch[0]]) == 3  # a duplicate inside the batch counts once
    assert sink.store_batch(batch) == 0  # redelivered after a crash before the ack
    assert count(sqlite_database, AnalyticsEvent) == 3
    assert count(sqlite_database, AgentNotification) == 1
    with sqlite_database.session() as session:
        user = session.execute(select(AnalyticsEvent).where(AnalyticsEvent.kind == "user")).scalar_one()
        assert (user.name, user.sentiment, user.conversation_id) == ("request_human", -0.8, "c1")


def test_messages_that_are_not_events_are_skipped(sqlite_database: Database) -> None:
    sqlite_database.create_schema()
    sink = EventSink(sqlite_database)
    assert sink.store_batch(["text", 42, None, {"event": "user"}, {"sender_id": "x"}]) == 0
    assert sink.store(events("c2")[0]) is True
    assert sink.store(events("c2")[0]) is False
    assert count(sqlite_database, AnalyticsEvent) == 1
