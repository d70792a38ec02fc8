"""The consumer against the local RabbitMQ: every event stored once, every message acknowledged."""

from __future__ import annotations

import asyncio
import json
import uuid

import aio_pika
from sqlalchemy import func, select

from bot.crm.database import Database
from bot.crm.models import AgentNotification, AnalyticsEvent
from bot.events.consumer import EventSink, consume
from bot.stack import delete_rabbitmq_queue

URL = "amqp://guest:guest@127.0.0.1:5672/"


async def publish(queue: str, bodies: list) -> None:
    connection = await aio_pika.connect(URL)
    async with connection:
        channel = await connection.channel()
        await channel.declare_queue(queue, durable=True)
        for body in bodies:
            await channel.default_exchange.publish(aio_pika.Message(body), routing_key=queue)


async def waiting_in(queue: str) -> int:
    """Messages ready in the queue: unacknowledged ones come back here when the consumer leaves."""
    connection = await aio_pika.connect(URL)
    async with connection:
        channel = await connection.channel()
        declared = await channel.declare_queue(queue, durable=True, passive=True)
        return declared.declaration_result.message_count


def test_a_burst_is_stored_once_and_every_message_is_acknowledged(sqlite_database: Database) -> None:
    sqlite_database.create_schema()
    queue = f"nw_test_consumer_{uuid.uuid4().hex[:8]}"
    events = [{"sender_id": f"c{i % 7}", "event": "action", "timestamp": 1.0 + i,
               "name": "action_handoff" if i == 3 else "action_listen"} for i in range(250)]
    bodies = [json.dumps(event).encode() for event in events] + [b"not json"] + [json.dumps(events[0]).encode()]
    try:
        asyncio.run(publish(queue, bodies))
        stored = asyncio.run(consume(EventSink(sqlite_database), URL, queue, stop_after_idle=1.0, batch_size=100))
        assert stored == 250  # the repeat of the first event is not stored again
        assert asyncio.run(waiting_in(queue)) == 0  # nothing comes back: all acknowledged or rejected
        with sqlite_database.session() as session:
            assert session.execute(select(func.count(AnalyticsEvent.id))).scalar_one() == 250
            assert session.execute(select(func.count(AgentNotification.id))).scalar_one() == 1
    finally:
        delete_rabbitmq_queue(queue)
