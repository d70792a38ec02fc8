"""Rasa's in-process lock store, retrying a busy conversation's lock promptly, not once a second.

Rasa serialises the messages of one conversation with a ticket lock; a message that
finds the lock taken sleeps `wait_time_in_seconds` (1 s, and Rasa never passes another
value) before it looks again. A customer in the widget who answers while the bot is
still finishing the previous turn (saving the tracker, publishing events, running a
follow-up action) therefore waited a whole second for work that was done a few
milliseconds later. This store looks again every `retry_seconds` (default 20 ms).

    lock_store:
      type: bot.lock_store.InMemoryLockStore
      retry_seconds: 0.02

Only the in-process store (the embedded profile): its ticket operations run without an
`await` in between, so they cannot interleave. Rasa's Redis store reads, changes and
writes the lock back in separate steps; a Redis variant of this class, looking every
20 ms from two servers, lost a ticket update in 1 of 8 runs of the production lock test
(the other messages then waited for the ticket to expire). The production profile keeps
Rasa's Redis store until those steps are atomic (a Lua script or WATCH/MULTI).
"""

from __future__ import annotations

from contextlib import asynccontextmanager
from typing import Any, AsyncGenerator, Optional

from rasa.core import lock_store as rasa_lock_store
from rasa.core.lock import TicketLock
from rasa.utils.endpoints import EndpointConfig

DEFAULT_RETRY_SECONDS = 0.02


def _retry_seconds(options: dict) -> float:
    seconds = float(options.pop("retry_seconds", DEFAULT_RETRY_SECONDS))
    if not 0 < seconds <= 1:
        raise ValueError(f"lock_store retry_seconds must be in (0, 1], not {seconds}.")
    return seconds


class InMemoryLockStore(rasa_lock_store.InMemoryLockStore):
    """Rasa's in-process lock store (one Rasa server) with prompt retries."""

    def __init__(self, endpoint_config: Optional[EndpointConfig] = None, **options: Any) -> None:
        options = {**(endpoint_config.kwargs if endpoint_config else {}), **options}
        self.retry_seconds = _retry_seconds(options)
        super().__init__()

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
