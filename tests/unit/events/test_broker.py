"""Our Pika broker publishes what Rasa's does, to the local RabbitMQ, without the debug copy.

Created the way Rasa creates it from endpoints.yml (`type: bot.events.broker.PikaEventBroker`).
"""

from __future__ import annotations

import asyncio
import json
import logging
import uuid
from typing import Any, Dict, List, Tuple

import aio_pika
import pytest
from rasa.core.brokers.broker import EventBroker
from rasa.utils.endpoints import EndpointConfig

from bot.events import broker as our_broker
from bot.stack import delete_rabbitmq_queue

EVENT = {
    "sender_id": "c1",
    "event": "user",
    "timestamp": 1.0,
    "text": "where is my parcel",
    "parse_data": {"intent": {"name": "track_shipment", "confidence": 0.99}, "entities": []},
}


async def _publish_and_read(queue: str, events: List[Dict[str, Any]]) -> Tuple[Any, List[Dict[str, Any]]]:
    broker = await EventBroker.create(
        EndpointConfig(
            url="127.0.0.1", type="bot.events.broker.PikaEventBroker", username="guest", password="guest",
            queues=[queue], raise_on_failure=True,
        )
    )
    received: List[Dict[str, Any]] = []
    try:
        for event in events:
            broker.publish(event)
        connection = await aio_pika.connect("amqp://guest:guest@127.0.0.1:5672/")
        async with connection:
            channel = await connection.channel()
            declared = await channel.declare_queue(queue, durable=True)
            for _ in range(100):
                message = await declared.get(fail=False)
                if message is None:
                    if len(received) == len(events):
                        break
                    await asyncio.sleep(0.05)
                    continue
                await message.ack()
                received.append(json.loads(message.body))
    finally:
        await broker.close()
    return broker, received


@pytest.fixture
def pika_log_level() -> Any:
    """Sets the level of Rasa's pika logger for one test (`setLevel` also clears its cache)."""
    pika_logger = logging.getLogger("rasa.core.brokers.pika")
    before = pika_logger.level
    yield pika_logger.setLevel
    pika_logger.setLevel(before)


@pytest.fixture
def reduced_copies(monkeypatch: pytest.MonkeyPatch) -> List[Dict[str, Any]]:
    """The events the broker made a reduced copy of (to log)."""
    copies: List[Dict[str, Any]] = []
    monkeypatch.setattr(our_broker, "remove_parse_data", lambda event: copies.append(event) or {})
    return copies


@pytest.fixture
def queue() -> Any:
    name = f"nw_test_broker_{uuid.uuid4().hex[:8]}"
    yield name
    delete_rabbitmq_queue(name)


def test_events_reach_the_queue_as_rasa_sends_them_and_are_not_copied_for_a_silent_log(
    queue: str, reduced_copies: List[Dict[str, Any]], pika_log_level: Any
) -> None:
    pika_log_level(logging.INFO)
    events = [EVENT, {**EVENT, "event": "bot", "text": "Let me check.", "timestamp": 2.0}]
    broker, received = asyncio.run(_publish_and_read(queue, events))
    assert isinstance(broker, our_broker.PikaEventBroker)
    assert received == events
    assert reduced_copies == []


def test_with_debug_logging_the_reduced_event_is_logged(
    queue: str, reduced_copies: List[Dict[str, Any]], pika_log_level: Any
) -> None:
    pika_log_level(logging.DEBUG)
    _, received = asyncio.run(_publish_and_read(queue, [EVENT]))
    assert received == [EVENT]
    assert reduced_copies == [EVENT]
