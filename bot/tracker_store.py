"""Rasa's SQL tracker store, without re-reading a conversation the process already holds.

Rasa's `SQLTrackerStore` rebuilds the tracker from every event of the session on each
message (query, JSON, replay), counts the stored events again on each save and, with
an event broker, rebuilds it once more to find the new events. On this machine that
was about a third of the Rasa server's time per message. `CachedSQLTrackerStore`
keeps the trackers it saved (a bounded LRU) and, per message, asks the database one
indexed question, "what is the newest event id of this conversation?": when it is the
one this process wrote last, the kept tracker is current and is used as it is.

That question and the save of a message's new events are one statement each, sent on
an autocommit connection (`_EventRows`): one round trip each, where SQLAlchemy's ORM
session took three to five (BEGIN, the statements, COMMIT) and four to six times the CPU
(on this machine 0.66 against 0.17 ms for the check, 1.16 against about 0.2 ms for a save).
A conversation with no event at all (a new customer) is known from that first statement;
Rasa's events query runs only when there is something to read. The rarer paths (a full
read, a tracker this process did not retrieve) stay Rasa's. The statements stay on the
event loop: in worker threads they were slower (32 against 39-46 messages a second in
`python -m bot bench load`), the threads fighting the loop for the GIL.

It stays correct with several Rasa servers: the lock store serialises a
conversation's messages, and a tracker another server (or the HTTP API) changed has a
newer event id, so it is read from the database as before. A tracker left with
unsaved events (a message that failed half-way) has more events than were saved and
is read again too. A conversation the database did not have when this message looked
(a new customer) is saved without asking again what is stored.

    tracker_store:
      type: bot.tracker_store.CachedSQLTrackerStore
      dialect: postgresql
      ...                  # every option of Rasa's `type: SQL`
      cache_size: 5000     # conversations kept per process
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any, Awaitable, Callable, Dict, List, Optional, Tuple, TypeVar

import sqlalchemy as sa
from rasa.core.tracker_store import SQLTrackerStore, create_engine_kwargs
from rasa.shared.core.constants import ACTION_LISTEN_NAME
from rasa.shared.core.events import ActionExecuted, Event, SessionStarted
from rasa.shared.core.trackers import DialogueStateTracker
from sqlalchemy.orm import sessionmaker

from bot.sqlite import sqlite_engine

logger = logging.getLogger(__name__)
T = TypeVar("T")
# Waits between attempts after a lost database connection: about 4 s in all.
RETRY_DELAYS = (0.25, 0.5, 1.0, 2.0)


# One multi-row INSERT stays under SQLite's 32,766 bound parameters; larger saves take the ORM path.
MAX_ROWS_PER_INSERT = 1000
EVENT_COLUMNS = ("sender_id", "type_name", "timestamp", "intent_name", "action_name", "data")


class _EventRows:
    """The two statements of every message, on autocommit connections of their own pool.

    Each is one round trip and atomic on its own, so neither needs a transaction; they go
    through SQLAlchemy Core (`exec_driver_sql`) for its disconnect handling and errors.
    """

    def __init__(self, engine: sa.engine.Engine, table: str) -> None:
        self.engine = engine
        mark = "?" if engine.dialect.paramstyle == "qmark" else "%s"
        self._newest = f"SELECT max(id) FROM {table} WHERE sender_id = {mark}"
        self._insert_head = f"INSERT INTO {table} ({', '.join(EVENT_COLUMNS)}) VALUES "
        self._row_marks = "(" + ", ".join([mark] * len(EVENT_COLUMNS)) + ")"

    def newest_id(self, sender_id: str) -> Optional[int]:
        with self.engine.connect() as connection:
            return connection.exec_driver_sql(self._newest, (sender_id,)).scalar()

    def append(self, rows: List[Dict[str, Any]]) -> int:
        """Insert `rows` in one statement; returns the newest id among them."""
        statement = self._insert_head + ", ".join([self._row_marks] * len(rows)) + " RETURNING id"
        values = tuple(row[column] for row in rows for column in EVENT_COLUMNS)
        with self.engine.connect() as connection:
            return max(connection.exec_driver_sql(statement, values).scalars())


@dataclass
class _Kept:
    tracker: DialogueStateTracker
    stored_events: int  # len(tracker.events) when it was saved
    last_event_id: Optional[int]  # the newest row of the conversation in the database


class CachedSQLTrackerStore(SQLTrackerStore):
    """`SQLTrackerStore` plus a per-process cache validated by the newest event id."""

    def __init__(self, *args: Any, cache_size: int = 5000, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.cache_size = int(cache_size)
        self._kept: OrderedDict[str, _Kept] = OrderedDict()
        # Conversations `retrieve` found missing, until `create_tracker` makes them.
        self._absent: OrderedDict[str, None] = OrderedDict()
        rasas_engine: sa.engine.Engine = self.engine  # type: ignore[has-type]
        if rasas_engine.dialect.name == "sqlite":
            rasas_engine.dispose()
            self.engine = sqlite_engine(rasas_engine.url, pool_size=4)
            self.sessionmaker = sessionmaker(bind=self.engine)
            autocommit = sqlite_engine(rasas_engine.url, pool_size=4, isolation_level="AUTOCOMMIT")
        else:
            autocommit = sa.create_engine(
                rasas_engine.url, isolation_level="AUTOCOMMIT", **create_engine_kwargs(rasas_engine.url)
            )
        self._rows = _EventRows(autocommit, self.SQLEvent.__tablename__)

    def dispose(self) -> None:
        """Close both pools' connections (tests dropping a database, a server stopping)."""
        self.engine.dispose()
        self._rows.engine.dispose()

    # -- reading

    async def _retrying(self, what: str, call: Callable[[], Awaitable[T]]) -> T:
        """`call`, again after a lost database connection.

        A restarting PostgreSQL drops every pooled connection; SQLAlchemy discards them on
        the error and the server is back within seconds (2.6 s in `python -m bot bench
        faults`). Without a retry Rasa falls back to an in-memory tracker: the customer is
        answered, but the turn never reaches the database.
        """
        for delay in RETRY_DELAYS:
            try:
                return await call()
            except sa.exc.OperationalError as error:
                logger.warning("Tracker %s failed (%s); retrying in %.2f s", what, error.__class__.__name__, delay)
                await asyncio.sleep(delay)
        return await call()

    async def retrieve(self, sender_id: str) -> Optional[DialogueStateTracker]:
        return await self._retrying("retrieve", lambda: self._retrieve_cached(sender_id))

    async def save(self, tracker: DialogueStateTracker) -> None:
        await self._retrying("save", lambda: self._save_cached(tracker))

    async def _retrieve_cached(self, sender_id: str) -> Optional[DialogueStateTracker]:
        newest = self._rows.newest_id(sender_id)
        kept = self._kept.get(sender_id)
        if kept is not None and len(kept.tracker.events) == kept.stored_events and newest == kept.last_event_id:
            self._kept.move_to_end(sender_id)
            return kept.tracker
        self._kept.pop(sender_id, None)
        if newest is None:  # no event at all: a new conversation, without Rasa's events query
            self._remember_absent(sender_id)
            return None
        tracker = await super().retrieve(sender_id)
        if tracker is None:
            self._remember_absent(sender_id)
        else:
            self._absent.pop(sender_id, None)
            self._keep(tracker, newest)  # the lock store keeps other writers out meanwhile
        return tracker

    def _remember_absent(self, sender_id: str) -> None:
        self._bounded_put(self._absent, sender_id, None)

    def _bounded_put(self, entries: OrderedDict[str, Any], sender_id: str, value: Any) -> None:
        """Put `value` as the newest entry, dropping the oldest beyond `cache_size`."""
        entries[sender_id] = value
        entries.move_to_end(sender_id)
        while len(entries) > self.cache_size:
            entries.popitem(last=False)

    # -- writing

    async def stream_events(self, tracker: DialogueStateTracker) -> None:
        if self.event_broker is None:
            return
        kept = self._kept_for(tracker)
        if kept is None:
            await super().stream_events(tracker)
            return
        await self._stream_new_events(self.event_broker, self._new_events(tracker, kept.stored_events), tracker.sender_id)

    async def create_tracker(self, sender_id: str, append_action_listen: bool = True) -> DialogueStateTracker:
        """Rasa's, but a conversation `retrieve` has just found missing is saved as all new."""
        tracker = self.init_tracker(sender_id)
        if append_action_listen:
            tracker.update(ActionExecuted(ACTION_LISTEN_NAME))
        if self._absent.pop(sender_id, False) is None:
            self._kept[sender_id] = _Kept(tracker, 0, None)
        await self.save(tracker)
        return tracker

    def _kept_for(self, tracker: DialogueStateTracker) -> Optional[_Kept]:
        """The cache entry of this very tracker object (events added since its save are its new ones)."""
        kept = self._kept.get(tracker.sender_id)
        if kept is None or kept.tracker is not tracker:
            return None
        return kept

    @staticmethod
    def _new_events(tracker: DialogueStateTracker, stored: int) -> List[Event]:
        return list(tracker.events)[stored:]

    async def _save_cached(self, tracker: DialogueStateTracker) -> None:
        # A kept tracker was checked against the database when this message retrieved it
        # (a new one: found missing), and the lock store keeps other servers out until
        # this save is done.
        kept = self._kept_for(tracker)
        await self.stream_events(tracker)
        new_events, last_id = self._write(tracker, kept.stored_events if kept else None)
        if kept is None:
            self._keep(tracker, last_id)
            return
        if any(isinstance(event, SessionStarted) for event in new_events) and kept.stored_events:
            # A new session: Rasa reads only its events from now on; so do we, once.
            self._kept.pop(tracker.sender_id, None)
            return
        self._keep(tracker, last_id or kept.last_event_id)

    def _write(self, tracker: DialogueStateTracker, stored: Optional[int]) -> Tuple[List[Event], Optional[int]]:
        """Store the events after the first `stored` (None: after what the database has).

        Returns them and the conversation's newest event id afterwards.
        """
        if stored is not None:
            new_events = self._new_events(tracker, stored)
            if not new_events:
                return new_events, None
            if len(new_events) <= MAX_ROWS_PER_INSERT:
                return new_events, self._rows.append([self._row(tracker.sender_id, event) for event in new_events])
        with self.session_scope() as session:
            if stored is None:
                # Not one this process retrieved: what is new is what Rasa would store.
                new_events = list(self._additional_events(session, tracker))
            if new_events:
                self._insert(session, tracker.sender_id, new_events)
            session.commit()
        # The lock store keeps every other writer of this conversation out.
        return new_events, self._rows.newest_id(tracker.sender_id)

    def _insert(self, session: Any, sender_id: str, events: List[Event]) -> None:
        """Store `events` in one executemany INSERT.

        SQLAlchemy Core, not the ORM: its unit of work (an object, a flush and an id fetch
        per event, a dependency sort per flush) cost more than the database itself. One
        statement whatever the number of rows, so SQLAlchemy compiles it once per process
        (a multi-row VALUES clause is a new statement for every row count); psycopg2 still
        sends the rows as one batch.
        """
        session.execute(self.SQLEvent.__table__.insert(), [self._row(sender_id, event) for event in events])

    @staticmethod
    def _row(sender_id: str, event: Event) -> Dict[str, Any]:
        """The `events` row of an event, with the columns Rasa's own `save` fills."""
        data = event.as_dict()
        return {
            "sender_id": sender_id,
            "type_name": event.type_name,
            "timestamp": data.get("timestamp"),
            "intent_name": (data.get("parse_data") or {}).get("intent", {}).get("name"),
            "action_name": data.get("name"),
            "data": json.dumps(data),
        }

    def _keep(self, tracker: DialogueStateTracker, last_event_id: Optional[int]) -> None:
        self._bounded_put(self._kept, tracker.sender_id, _Kept(tracker, len(tracker.events), last_event_id))
