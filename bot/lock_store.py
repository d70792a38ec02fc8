"""Rasa's lock stores, retrying a busy conversation's lock promptly instead of once a second.

Rasa serialises the messages of one conversation with a ticket lock; a message that
finds the lock taken sleeps `wait_time_in_seconds` (1 s, and Rasa never passes another
value) before it looks again. A customer in the widget who answers while the bot is
still finishing the previous turn (saving the tracker, publishing events, running a
follow-up action) therefore waited a whole second for work that was done a few
milliseconds later. These stores look again every `retry_seconds` (default 20 ms).

    lock_store:
      type: bot.lock_store.RedisLockStore     # or bot.lock_store.InMemoryLockStore
      url: localhost
      ...                  # every option of Rasa's `type: redis`
      retry_seconds: 0.02

Rasa's Redis store reads a lock, changes it and writes it back in separate steps, so two
servers changing one conversation's lock at once can lose a change: a removed ticket comes
back (every later message waits for it to expire, 60 s) or a new ticket disappears. Looking
every 20 ms made that happen in 1 of 8 runs of the production lock test. Our Redis store
makes every change of a lock one optimistic transaction (WATCH, read, MULTI, write, retried
when another server changed the lock in between) and only reads while waiting.
"""

from __future__ import annotations

import json
from contextlib import asynccontextmanager
from typing import Any, AsyncGenerator, Callable, Dict, List, Optional, Tuple

from rasa.core import lock_store as rasa_lock_store
from rasa.core.lock import TicketLock
from rasa.core.lock_store import LockError
from rasa.utils.endpoints import EndpointConfig

DEFAULT_RETRY_SECONDS = 0.02

# What a change does with the lock afterwards.
KEEP, SAVE, DELETE = "keep", "save", "delete"


class _PromptRetry(rasa_lock_store.LockStore):
    retry_seconds: float = DEFAULT_RETRY_SECONDS

    def _take_retry_seconds(self, endpoint_config: Optional[EndpointConfig], options: Dict[str, Any]) -> Dict[str, Any]:
        """Set `retry_seconds` from endpoints.yml (or keyword options); returns the other options."""
        options = {**(endpoint_config.kwargs if endpoint_config else {}), **options}
        seconds = float(options.pop("retry_seconds", DEFAULT_RETRY_SECONDS))
        if not 0 < seconds <= 1:
            raise ValueError(f"lock_store retry_seconds must be in (0, 1], not {seconds}.")
        self.retry_seconds = seconds
        return options

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


class InMemoryLockStore(_PromptRetry, rasa_lock_store.InMemoryLockStore):
    """Rasa's in-process lock store (one Rasa server) with prompt retries.

    Its changes run without an `await` in between, so they cannot interleave.
    """

    def __init__(self, endpoint_config: Optional[EndpointConfig] = None, **options: Any) -> None:
        self._take_retry_seconds(endpoint_config, options)
        super().__init__()


class RedisLockStore(_PromptRetry, rasa_lock_store.RedisLockStore):
    """Rasa's Redis lock store (shared by every Rasa server): prompt retries, atomic changes."""

    def __init__(self, endpoint_config: Optional[EndpointConfig] = None, **options: Any) -> None:
        options = self._take_retry_seconds(endpoint_config, options)
        host = options.pop("host", None) or (endpoint_config.url if endpoint_config else None) or "localhost"
        super().__init__(host=host, **options)

    def _change(self, conversation_id: str, change: Callable[[TicketLock], Tuple[str, Any]],
                create: bool = False) -> Any:
        """Apply `change` to the stored lock in one transaction; returns what `change` returned.

        A missing lock is created first with `create`, else nothing happens (and None is returned).
        """
        key = self.key_prefix + conversation_id
        outcome: List[Any] = [None]

        def transaction(pipe: Any) -> None:  # run again when another server changed the lock
            outcome[0] = None
            stored = pipe.get(key)
            lock = TicketLock.from_dict(json.loads(stored)) if stored else None
            if lock is None and create:
                lock = self.create_lock(conversation_id)
            pipe.multi()
            if lock is None:
                return
            action, outcome[0] = change(lock)
            if action == SAVE:
                pipe.set(key, lock.dumps())
            elif action == DELETE:
                pipe.delete(key)

        self.red.transaction(transaction, key)
        return outcome[0]

    def issue_ticket(self, conversation_id: str, lock_lifetime: float = rasa_lock_store.LOCK_LIFETIME) -> int:
        try:
            return int(self._change(conversation_id, lambda lock: (SAVE, lock.issue_ticket(lock_lifetime)), create=True))
        except Exception as error:  # as Rasa's: the message fails with a LockError
            raise LockError(f"Error while acquiring lock. Error:\n{error}") from error

    def update_lock(self, conversation_id: str) -> None:
        """Drop expired tickets; a waiting message writes nothing when there are none."""

        def drop_expired(lock: TicketLock) -> Tuple[str, None]:
            before = len(lock.tickets)
            lock.remove_expired_tickets()
            return (SAVE if len(lock.tickets) != before else KEEP), None

        self._change(conversation_id, drop_expired)

    def finish_serving(self, conversation_id: str, ticket_number: int) -> None:
        self._change(conversation_id, lambda lock: (SAVE, lock.remove_ticket_for(ticket_number)))

    def cleanup(self, conversation_id: str, ticket_number: int) -> None:
        """Remove this message's ticket, and the lock when nobody else holds one (in one step)."""

        def finish_and_tidy(lock: TicketLock) -> Tuple[str, None]:
            lock.remove_ticket_for(ticket_number)
            return (SAVE if lock.is_someone_waiting() else DELETE), None

        self._change(conversation_id, finish_and_tidy)
