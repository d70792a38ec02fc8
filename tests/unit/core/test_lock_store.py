"""Our lock stores: Rasa's ticket locks, retried every `retry_seconds` instead of every second.

The Redis cases use the local Redis (.ci/run starts it), each with a key prefix of its own;
"two servers" are two threads, each with its own event loop and Redis connection.
"""

from __future__ import annotations

import asyncio
import random
import threading
import time
import uuid
from typing import Callable, List, Tuple

import pytest
from rasa.core.lock_store import LockStore
from rasa.utils.endpoints import EndpointConfig

from bot.lock_store import InMemoryLockStore, RedisLockStore


def redis_store(retry_seconds: float = 0.02, prefix: str = "") -> LockStore:
    config = EndpointConfig(url="127.0.0.1", type="bot.lock_store.RedisLockStore", port="6379", db=1,
                            key_prefix=prefix or f"test{uuid.uuid4().hex[:8]}", retry_seconds=retry_seconds)
    return LockStore.create(config)


def memory_store(retry_seconds: float = 0.02) -> LockStore:
    return LockStore.create(EndpointConfig(type="bot.lock_store.InMemoryLockStore", retry_seconds=retry_seconds))


async def two_messages(store: LockStore, busy_seconds: float = 0.1) -> List[str]:
    """The second message arrives while the first still holds the conversation's lock."""
    steps: List[str] = []

    async def first() -> None:
        async with store.lock("conversation-1"):
            steps.append("first starts")
            await asyncio.sleep(busy_seconds)
            steps.append("first ends")

    async def second() -> None:
        await asyncio.sleep(0.01)
        arrived = time.perf_counter()
        async with store.lock("conversation-1"):
            steps.append(f"second starts after {time.perf_counter() - arrived:.2f}")

    await asyncio.gather(first(), second())
    return steps


@pytest.mark.parametrize("make_store", [redis_store, memory_store], ids=["redis", "in-memory"])
def test_a_waiting_message_runs_right_after_the_one_before_it(make_store) -> None:  # type: ignore[no-untyped-def]
    store = make_store()
    assert isinstance(store, (RedisLockStore, InMemoryLockStore))
    steps = asyncio.run(two_messages(store))
    assert steps[:2] == ["first starts", "first ends"]  # still one at a time
    waited = float(steps[2].rsplit(" ", 1)[1])
    # Rasa's own stores would look again only after 1 s.
    assert 0.08 <= waited < 0.3, steps


def test_other_conversations_do_not_wait() -> None:
    store = memory_store()

    async def both() -> float:
        async with store.lock("conversation-a"):
            started = time.perf_counter()
            async with store.lock("conversation-b"):
                return time.perf_counter() - started

    assert asyncio.run(both()) < 0.05


def test_the_retry_interval_comes_from_endpoints_yml() -> None:
    assert memory_store(retry_seconds=0.05).retry_seconds == 0.05


@pytest.mark.parametrize("seconds", [0, -1, 5])
def test_an_unreasonable_retry_interval_is_refused(seconds: float) -> None:
    with pytest.raises(ValueError, match="retry_seconds"):
        InMemoryLockStore(retry_seconds=seconds)


def busy_conversation(make_store: Callable[[], LockStore], servers: int = 2, messages: int = 12,
                      rounds: int = 3) -> Tuple[List[Tuple[float, float]], List[str]]:
    """`servers` threads, each with its own store, send `messages` at once to one conversation."""
    spans: List[Tuple[float, float]] = []
    errors: List[str] = []
    guard = threading.Lock()
    conversation = f"busy-{uuid.uuid4().hex[:6]}"

    def server() -> None:
        store = make_store()

        async def message() -> None:
            await asyncio.sleep(random.random() * 0.03)
            async with store.lock(conversation):
                started = time.perf_counter()
                await asyncio.sleep(0.003)
                ended = time.perf_counter()
            with guard:
                spans.append((started, ended))

        async def burst() -> None:
            for _ in range(rounds):
                results = await asyncio.gather(*(asyncio.wait_for(message(), 10) for _ in range(messages)),
                                               return_exceptions=True)
                with guard:
                    errors.extend(repr(r) for r in results if isinstance(r, BaseException))

        asyncio.run(burst())

    threads = [threading.Thread(target=server) for _ in range(servers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sorted(spans), errors


def test_two_servers_hammering_one_conversation_serve_every_message_one_at_a_time() -> None:
    prefix = f"test{uuid.uuid4().hex[:8]}"
    spans, errors = busy_conversation(lambda: redis_store(prefix=prefix))
    # Rasa's store with 20 ms retries lost ticket changes here: messages timed out (10 s).
    assert errors == []
    assert len(spans) == 2 * 12 * 3
    overlaps = [(a, b) for a, b in zip(spans, spans[1:], strict=False) if b[0] < a[1]]
    assert overlaps == []


@pytest.mark.parametrize("make_store", [redis_store, memory_store], ids=["redis", "in-memory"])
def test_a_ticket_left_by_a_crashed_server_expires_and_the_conversation_goes_on(make_store) -> None:  # type: ignore[no-untyped-def]
    store = make_store()
    store.issue_ticket("conversation-2", lock_lifetime=0.15)  # taken, never given back

    async def next_message() -> float:
        arrived = time.perf_counter()
        async with store.lock("conversation-2"):
            return time.perf_counter() - arrived

    waited = asyncio.run(next_message())
    assert 0.1 <= waited < 0.5
    assert store.get_lock("conversation-2") is None  # the last message removed the lock


def test_the_redis_lock_keeps_rasas_format_both_ways() -> None:
    from rasa.core.lock import TicketLock

    store = redis_store()
    written_by_rasa = TicketLock("conversation-3")
    first = written_by_rasa.issue_ticket(60)
    store.save_lock(written_by_rasa)
    ours = store.issue_ticket("conversation-3")
    read_by_rasa = store.get_lock("conversation-3")
    assert [ticket.number for ticket in read_by_rasa.tickets] == [first, ours] == [0, 1]
    assert read_by_rasa.now_serving == 0 and read_by_rasa.is_locked(ours)
    store.cleanup("conversation-3", first)
    assert not store.get_lock("conversation-3").is_locked(ours)
    store.cleanup("conversation-3", ours)
    assert store.get_lock("conversation-3") is None


def test_a_message_on_a_free_conversation_costs_two_redis_commands() -> None:
    store = redis_store()
    store.issue_ticket("warm-up")  # scripts loaded once per Redis server
    commands: List[str] = []
    send = store.red.execute_command

    def counted(*args, **kwargs):  # type: ignore[no-untyped-def]
        commands.append(str(args[0]))
        return send(*args, **kwargs)

    store.red.execute_command = counted

    async def message() -> None:
        async with store.lock("conversation-4"):
            pass

    asyncio.run(message())
    # Take a ticket and learn it is served; give it back (Rasa's store: seven).
    assert commands == ["EVALSHA", "EVALSHA"]
    assert store.get_lock("conversation-4") is None
