"""Our in-process lock store: Rasa's ticket locks, retried every `retry_seconds`, not every second."""

from __future__ import annotations

import asyncio
import time
from typing import List

import pytest
from rasa.core.lock_store import LockStore
from rasa.utils.endpoints import EndpointConfig

from bot.lock_store import InMemoryLockStore


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


def test_a_waiting_message_runs_right_after_the_one_before_it() -> None:
    store = memory_store()
    assert isinstance(store, InMemoryLockStore)
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
