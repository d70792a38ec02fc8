"""The cached SQL tracker store stores and returns exactly what Rasa's SQL store does.

On SQLite (the embedded profile) and on a fresh database of the local PostgreSQL
(the production profile; .ci/run starts it).
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any, Dict, Iterator, List

import pytest
from rasa.core.brokers.broker import EventBroker
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, BotUttered, SessionStarted, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from bot.stack import TemporaryPostgresDatabase
from bot.tracker_store import CachedSQLTrackerStore

Db = Dict[str, Any]  # the dialect and connection options of a tracker store

DOMAIN = Domain.from_yaml(
    """
version: "3.1"
intents: [greet, check_order_status]
slots:
  order_number:
    type: text
    mappings: [{type: custom}]
responses:
  utter_greet: [{text: hi}]
"""
)


class RecordingBroker(EventBroker):
    """Keeps what would have gone to RabbitMQ, to count each event's publications."""

    def __init__(self) -> None:
        self.published: List[Dict[str, Any]] = []

    def publish(self, event: Dict[str, Any]) -> None:
        self.published.append(event)


def run(coroutine: Any) -> Any:
    return asyncio.run(coroutine)


@pytest.fixture(params=["sqlite", "postgresql"])
def db(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Db]:
    if request.param == "sqlite":
        yield {"dialect": "sqlite", "db": str(tmp_path / "tracker.sqlite3")}
        return
    with TemporaryPostgresDatabase("nw_test_tracker") as database:
        yield {"dialect": "postgresql", "host": "127.0.0.1", "port": 5432, "db": database.name, "username": "postgres"}


def cached(db: Db, **kwargs: Any) -> CachedSQLTrackerStore:
    store = CachedSQLTrackerStore(domain=DOMAIN, **db, **kwargs)
    _stores.append(store)
    return store


def plain(db: Db) -> SQLTrackerStore:
    store = SQLTrackerStore(domain=DOMAIN, **db)
    _stores.append(store)
    return store


_stores: List[SQLTrackerStore] = []


@pytest.fixture(autouse=True)
def _close_connections() -> Iterator[None]:
    """Pooled connections would keep the temporary PostgreSQL database from being dropped."""
    yield
    while _stores:
        store = _stores.pop()
        (store.dispose if isinstance(store, CachedSQLTrackerStore) else store.engine.dispose)()


def a_turn(tracker: DialogueStateTracker, text: str) -> None:
    tracker.update(UserUttered(text, {"name": "greet", "confidence": 1.0}))
    tracker.update(ActionExecuted("utter_greet"))
    tracker.update(BotUttered("hi"))
    tracker.update(ActionExecuted("action_listen"))


def events_of(tracker: DialogueStateTracker) -> List[Dict[str, Any]]:
    return [event.as_dict() for event in tracker.events]


def test_a_kept_tracker_is_reused_and_the_database_holds_what_rasas_store_reads(db: Db) -> None:
    store = cached(db)
    tracker = run(store.get_or_create_tracker("c1"))
    a_turn(tracker, "hello")
    run(store.save(tracker))
    again = run(store.retrieve("c1"))
    assert again is tracker  # no rebuild
    a_turn(again, "hello again")
    again.update(SlotSet("order_number", "ORD-900001"))
    run(store.save(again))
    from_database = run(plain(db).retrieve("c1"))
    assert events_of(from_database) == events_of(again)
    assert from_database.get_slot("order_number") == "ORD-900001"


def test_a_conversation_another_server_changed_is_read_again(db: Db) -> None:
    mine, other = cached(db), cached(db)
    tracker = run(mine.get_or_create_tracker("c2"))
    a_turn(tracker, "hello")
    run(mine.save(tracker))
    theirs = run(other.retrieve("c2"))
    a_turn(theirs, "from the other server")
    run(other.save(theirs))
    mine_again = run(mine.retrieve("c2"))
    assert mine_again is not tracker
    assert events_of(mine_again) == events_of(theirs)
    # ...and saving on this server afterwards appends only its own new events.
    a_turn(mine_again, "back on the first")
    run(mine.save(mine_again))
    assert events_of(run(plain(db).retrieve("c2"))) == events_of(mine_again)


def test_a_tracker_left_with_unsaved_events_is_not_reused(db: Db) -> None:
    store = cached(db)
    tracker = run(store.get_or_create_tracker("c3"))
    a_turn(tracker, "hello")
    run(store.save(tracker))
    tracker.update(UserUttered("a message whose processing failed", {"name": "greet", "confidence": 1.0}))
    fresh = run(store.retrieve("c3"))
    assert fresh is not tracker
    assert len(fresh.events) == len(tracker.events) - 1


def test_a_new_session_is_read_like_rasa_reads_it(db: Db) -> None:
    store = cached(db)
    tracker = run(store.get_or_create_tracker("c4"))
    a_turn(tracker, "hello")
    run(store.save(tracker))
    tracker.update(ActionExecuted("action_session_start"))
    tracker.update(SessionStarted())
    tracker.update(ActionExecuted("action_listen"))
    run(store.save(tracker))
    assert events_of(run(store.retrieve("c4"))) == events_of(run(plain(db).retrieve("c4")))


def test_every_event_is_published_once(db: Db) -> None:
    broker = RecordingBroker()
    store = cached(db, event_broker=broker)
    tracker = run(store.get_or_create_tracker("c5"))
    for text in ["one", "two", "three"]:
        tracker = run(store.retrieve("c5"))
        a_turn(tracker, text)
        run(store.save(tracker))
    assert [e["event"] for e in broker.published] == [e["event"] for e in events_of(tracker)]
    assert all(e["sender_id"] == "c5" for e in broker.published)


def test_the_cache_is_bounded(db: Db) -> None:
    store = cached(db, cache_size=2)
    for sender in ["a", "b", "c"]:
        run(store.get_or_create_tracker(sender))
    assert list(store._kept) == ["b", "c"]
    assert run(store.retrieve("a")) is not None  # still in the database


def test_a_save_that_loses_its_database_connection_is_retried(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # `python -m bot bench faults`: without a retry, a PostgreSQL restart cost answered turns.
    from contextlib import contextmanager

    import sqlalchemy as sa

    monkeypatch.setattr("bot.tracker_store.RETRY_DELAYS", (0.01,))
    store = CachedSQLTrackerStore(domain=DOMAIN, dialect="sqlite", db=str(tmp_path / "retry.db"))
    original = store.session_scope
    failures: List[int] = []

    @contextmanager
    def connection_lost_once() -> Iterator[Any]:
        if not failures:
            failures.append(1)
            raise sa.exc.OperationalError("INSERT", {}, Exception("server closed the connection unexpectedly"))
        with original() as session:
            yield session

    monkeypatch.setattr(store, "session_scope", connection_lost_once)
    tracker = DialogueStateTracker.from_events("retry", [ActionExecuted("action_listen"), UserUttered("hello")])
    run(store.save(tracker))
    assert failures
    fresh = CachedSQLTrackerStore(domain=DOMAIN, dialect="sqlite", db=str(tmp_path / "retry.db"))
    assert [e.text for e in run(fresh.retrieve("retry")).events if isinstance(e, UserUttered)] == ["hello"]


def test_a_new_conversation_costs_one_read_and_one_write(db: Db) -> None:
    import sqlalchemy as sa

    store = cached(db)
    statements: List[str] = []
    for engine in (store.engine, store._rows.engine):  # Rasa's pool and the autocommit one
        sa.event.listen(engine, "before_cursor_execute", lambda *args: statements.append(args[2].split()[0].upper()))
    tracker = run(store.get_or_create_tracker("c6"))
    # The events query finds nothing; the save then needs no count of stored events
    # (Rasa's store counts them, and reads the tracker again to publish its events),
    # and its INSERT returns the new ids.
    assert [s for s in statements if s in ("SELECT", "INSERT", "BEGIN", "COMMIT")] == ["SELECT", "INSERT"]
    assert events_of(run(plain(db).retrieve("c6"))) == events_of(tracker)
    statements.clear()
    assert run(store.retrieve("c6")) is tracker
    assert [s for s in statements if s == "SELECT"] == ["SELECT"]  # the newest event id only


def test_a_message_costs_one_statement_to_check_and_one_to_save(db: Db) -> None:
    import sqlalchemy as sa

    store = cached(db)
    run(store.get_or_create_tracker("c7"))
    statements: List[str] = []
    for engine in (store.engine, store._rows.engine):
        sa.event.listen(engine, "before_cursor_execute", lambda *args: statements.append(args[2].split()[0].upper()))
    tracker = run(store.retrieve("c7"))
    a_turn(tracker, "hello")
    run(store.save(tracker))
    assert statements == ["SELECT", "INSERT"]
    assert events_of(run(plain(db).retrieve("c7"))) == events_of(tracker)


def test_connections_postgresql_closed_between_messages_are_replaced(monkeypatch: pytest.MonkeyPatch) -> None:
    # What a PostgreSQL restart does to the pooled connections, on the real server.
    import sqlalchemy as sa

    monkeypatch.setattr("bot.tracker_store.RETRY_DELAYS", (0.01, 0.1))
    with TemporaryPostgresDatabase("nw_test_tracker") as database:
        options = {"dialect": "postgresql", "host": "127.0.0.1", "port": 5432, "db": database.name, "username": "postgres"}
        store = cached(options)
        tracker = run(store.get_or_create_tracker("c8"))
        a_turn(tracker, "before")
        run(store.save(tracker))
        with sa.create_engine(f"postgresql://postgres@127.0.0.1:5432/{database.name}", isolation_level="AUTOCOMMIT").connect() as admin:
            killed = admin.exec_driver_sql(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
                (database.name,),
            ).scalar()
        assert killed >= 1
        again = run(store.retrieve("c8"))
        assert again is tracker
        a_turn(again, "after")
        run(store.save(again))
        assert events_of(run(plain(options).retrieve("c8"))) == events_of(again)
        store.dispose()
