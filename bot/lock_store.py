"""Rasa's lock stores, retrying a busy conversation's lock promptly instead of once a second.

Rasa serialises the messages of one conversation with a ticket lock; a message that
finds the lock taken sleeps `wait_time_in_seconds` (1 s, and Rasa never passes another
value) before it looks again. A customer in the widget who answers while the bot is
still finishing the previous turn (saving the tracker, publishing events, running a
follow-up action) therefore waited a whole second for work that was done a few
milliseconds later. These stores look again every `retry_seconds` (default 20 ms):
one Redis GET per waiting message each time, nothing when the lock is free.

    lock_store:
      type: bot.lock_store.RedisLockStore     # or bot.lock_store.InMemoryLockStore
      url: localhost
      ...                  # every option of Rasa's `type: redis`
      retry_seconds: 0.02
"""

from __future__ import annotations

from contextlib import asynccontextmanager
from typing import Any, AsyncGenerator, Optional

from rasa.core import lock_store as rasa_lock_store
from rasa.core.lock import TicketLock
from rasa.utils.endpoints import EndpointConfig

DEFAULT_RETRY_SECONDS = 0.02


class _PromptRetry(rasa_lock_store.LockStore):
    retry_seconds: float = DEFAULT_RETRY_SECONDS

    @asynccontextmanager
    async def lock(
        self,
        conversation_id: str,
        lock_lifetime: float = rasa_lock_store.LOCK_LIFETIME,
        wait_time_in_seconds: Optional[float] = None,
    ) -> AsyncGenerator[TicketLock, None]:
        wait = self.retry_seconds if wait_time_in_seconds is None else wait_time_in_seconds
        async with super().lock(conversation_id, lock_lifetime, wait) as lock:
            yield lock


def _retry_seconds(options: dict) -> float:
    seconds = float(options.pop("retry_seconds", DEFAULT_RETRY_SECONDS))
    if not 0 < seconds <= 1:
        raise ValueError(f"lock_store retry_seconds must be in (0, 1], not {seconds}.")
    return seconds


class RedisLockStore(_PromptRetry, rasa_lock_store.RedisLockStore):
    """Rasa's Redis lock store (shared by every Rasa server) with prompt retries."""

    def __init__(self, endpoint_config: Optional[EndpointConfig] = None, **options: Any) -> None:
        options = {**(endpoint_config.kwargs if endpoint_config else {}), **options}
        self.retry_seconds = _retry_seconds(options)
        host = options.pop("host", None) or (endpoint_config.url if endpoint_config else None) or "localhost"
        super().__init__(host=host, **options)


class InMemoryLockStore(_PromptRetry, rasa_lock_store.InMemoryLockStore):
    """Rasa's in-process lock store (one Rasa server) with prompt retries."""

    def __init__(self, endpoint_config: Optional[EndpointConfig] = None, **options: Any) -> None:
        options = {**(endpoint_config.kwargs if endpoint_config else {}), **options}
        self.retry_seconds = _retry_seconds(options)
        super().__init__()
