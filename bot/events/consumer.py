"""Consumes Rasa's event stream from RabbitMQ: analytics rows and agent notifications.

Rasa's Pika event broker publishes every tracker event to a fanout exchange; this
consumer reads its own durable queue, turns each event into an `AnalyticsEvent`
(and, for a handoff, an `AgentNotification`), and acknowledges the message only
after the database commit. A message delivered again (redelivery after a crash,
or Rasa republishing what it buffered while RabbitMQ was down) has the same
content hash and is stored once: every event is counted once per event id.

    python -m bot events consume [--queue rasa_events] [--idle-exit SECONDS]
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Awaitable, Callable, Dict, List, Optional, Tuple

import aio_pika
from aio_pika.exceptions import AMQPError
from sqlalchemy import insert, select
from sqlalchemy.exc import IntegrityError

from bot.crm.database import Database
from bot.crm.errors import CrmUnavailable
from bot.crm.models import AgentNotification, AnalyticsEvent, utcnow

logger = logging.getLogger(__name__)

HANDOFF_ACTION = "action_handoff"
READY_MESSAGE = "Consuming events from queue"


def event_id(event: Dict[str, Any]) -> str:
    """A stable id of one event: the hash of its canonical JSON."""
    return hashlib.sha256(json.dumps(event, sort_keys=True, default=str).encode()).hexdigest()


def event_name(event: Dict[str, Any]) -> Optional[str]:
    """The intent of a user event, the action or slot name of the others."""
    kind = event.get("event")
    if kind == "user":
        return ((event.get("parse_data") or {}).get("intent") or {}).get("name")
    if kind in ("action", "slot"):
        return event.get("name")
    return None


@dataclass
class EventSink:
    """Writes events into the CRM database; idempotent per event id."""

    database: Database

    def store(self, event: Dict[str, Any]) -> bool:
        """True if the event was new, False if it had been stored before (or is not an event)."""
        return self.store_batch([event]) == 1

    def store_batch(self, events: List[Any]) -> int:
        """Store the new events among `events` in one transaction; returns how many were new.

        One commit per batch instead of per event: at a few hundred events a second the
        per-commit cost (a WAL flush on PostgreSQL) was most of the consumer's work.
        """
        rows: Dict[str, Dict[str, Any]] = {}
        for event in events:
            if not isinstance(event, dict) or not event.get("event") or not event.get("sender_id"):
                logger.warning("Skipped a message that is not a Rasa event")
                continue
            rows.setdefault(event_id(event), event)
        if not rows:
            return 0
        try:
            with self.database.session() as session:
                known = set(session.execute(
                    select(AnalyticsEvent.event_id).where(AnalyticsEvent.event_id.in_(list(rows)))
                ).scalars())
                new = [self._rows(identifier, event) for identifier, event in rows.items() if identifier not in known]
                if new:
                    # Core executemany, not ORM objects: the unit of work was most of the consumer's CPU.
                    session.execute(insert(AnalyticsEvent), [analytics for analytics, _ in new])
                    notifications = [notification for _, notification in new if notification]
                    if notifications:
                        session.execute(insert(AgentNotification), notifications)
            return len(rows) - len(known)
        except IntegrityError:
            if len(rows) == 1:
                return 0  # another consumer stored it a moment ago
            # Another consumer stored some of them meanwhile: one at a time, each once.
            return sum(self.store(event) for event in rows.values())

    @staticmethod
    def _rows(identifier: str, event: Dict[str, Any]) -> Tuple[Dict[str, Any], Optional[Dict[str, Any]]]:
        """The `analytics_events` row of an event and, for a handoff, its `agent_notifications` row."""
        sentiment = ((event.get("parse_data") or {}).get("sentiment") or {}).get("score")
        name = event_name(event)
        occurred = datetime.utcfromtimestamp(float(event.get("timestamp") or 0) or datetime.utcnow().timestamp())
        conversation = str(event["sender_id"])[:255]
        analytics = {
            "event_id": identifier, "conversation_id": conversation, "kind": str(event["event"])[:32],
            "name": str(name)[:128] if name else None, "sentiment": sentiment,
            "occurred_at": occurred.replace(microsecond=0), "received_at": utcnow(),
        }
        notification = None
        if event.get("event") == "action" and event.get("name") == HANDOFF_ACTION:
            notification = {
                "event_id": identifier, "conversation_id": conversation, "kind": "handoff",
                "text": f"Conversation {conversation} was handed to the support team.", "created_at": utcnow(),
            }
        return analytics, notification


async def consume(
    sink: EventSink,
    url: str,
    queue_name: str = "rasa_events",
    exchange_name: str = "rasa-exchange",
    stop_after_idle: Optional[float] = None,
    batch_size: int = 100,
) -> int:
    """Consume until cancelled (or until `stop_after_idle` seconds pass with no message); returns events stored.

    A lost broker connection (RabbitMQ restarting) ends one session; the next one starts
    from scratch once RabbitMQ answers again. Messages that were delivered but not yet
    acknowledged come back, and their event ids make them harmless.
    """
    stored = 0
    while True:
        try:
            done, count = await _consume_session(sink, url, queue_name, exchange_name, stop_after_idle, batch_size)
            stored += count
            if done:
                return stored
        except (ConnectionError, OSError, AMQPError) as error:
            logger.warning("RabbitMQ connection lost (%s); connecting again in 2 s", error.__class__.__name__)
        await asyncio.sleep(2)


class _ConnectionLost(ConnectionError):
    pass


async def _consume_session(
    sink: EventSink, url: str, queue_name: str, exchange_name: str, stop_after_idle: Optional[float], batch_size: int
) -> tuple[bool, int]:
    """One connection's worth of consuming: (stopped on purpose, events stored)."""
    stored = 0
    lost = asyncio.Event()
    connection = await aio_pika.connect(url, timeout=10)
    connection.close_callbacks.add(lambda *_: lost.set())
    async with connection:
        channel = await connection.channel()
        await channel.set_qos(prefetch_count=batch_size)
        # Declared exactly as Rasa declares them (a non-durable fanout exchange, durable queues).
        exchange = await channel.declare_exchange(exchange_name, aio_pika.ExchangeType.FANOUT)
        queue = await channel.declare_queue(queue_name, durable=True)
        await queue.bind(exchange)
        logger.info("%s %r", READY_MESSAGE, queue_name)
        loop = asyncio.get_running_loop()
        inbox: asyncio.Queue[Any] = asyncio.Queue()
        await queue.consume(inbox.put)
        while True:
            first = await _next_or_lost(inbox, lost, stop_after_idle)
            if first is None:
                return True, stored
            batch = [first]
            await asyncio.sleep(0.02)  # the rest of a burst (one message brings several events)
            while len(batch) < batch_size and not inbox.empty():
                batch.append(inbox.get_nowait())
            events = []
            for message in batch:
                try:
                    events.append(json.loads(message.body))
                except ValueError:
                    logger.warning("Dropped a message that is not JSON")
                    await _settle(message, message.reject, requeue=False)
            try:
                stored += await loop.run_in_executor(None, sink.store_batch, events)
            except CrmUnavailable:
                logger.error("CRM database unavailable: %d events go back to the queue", len(batch))
                for message in batch:
                    await _settle(message, message.nack, requeue=True)
                await asyncio.sleep(2)
                continue
            if lost.is_set():
                raise _ConnectionLost("the channel closed while storing; RabbitMQ redelivers the batch")
            # One ack for the whole batch: it covers every earlier delivery on the channel,
            # and those are all in this batch (the rejected ones are settled already).
            unsettled = [message for message in batch if not message.processed]
            if unsettled:
                await _settle(unsettled[-1], unsettled[-1].ack, multiple=True)


async def _next_or_lost(inbox: asyncio.Queue[Any], lost: asyncio.Event, idle: Optional[float]) -> Any:
    """The next message; None after `idle` quiet seconds; `_ConnectionLost` when the connection closes."""
    getting = asyncio.ensure_future(inbox.get())
    closing = asyncio.ensure_future(lost.wait())
    done, _ = await asyncio.wait({getting, closing}, timeout=idle, return_when=asyncio.FIRST_COMPLETED)
    closing.cancel()
    if getting in done:
        return getting.result()
    getting.cancel()
    if closing in done:
        raise _ConnectionLost("RabbitMQ closed the connection")
    return None


async def _settle(message: Any, how: Callable[..., Awaitable[Any]], **kwargs: Any) -> None:
    """Ack, nack or reject, unless done already or the channel it came on is gone.

    After a broker restart the robust connection consumes again on a new channel; a
    message of the old one cannot be acknowledged any more and RabbitMQ delivers it
    again, which the event ids make harmless.
    """
    if message.processed:
        return
    try:
        await asyncio.wait_for(how(**kwargs), 5)
    except Exception as error:  # aio-pika raises several kinds for a closed channel
        logger.warning("Could not settle a message (%s); RabbitMQ will redeliver it", error.__class__.__name__)
