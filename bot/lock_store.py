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
makes every change of a lock one Lua script, which Redis runs atomically, and writes
nothing while a message waits unless a ticket expired.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from contextlib import asynccontextmanager
from typing import Any, AsyncGenerator, Dict, Optional, Tuple

from rasa.core import lock_store as rasa_lock_store
from rasa.core.lock import Ticket, TicketLock
from rasa.core.lock_store import LockError
from rasa.utils.endpoints import EndpointConfig

DEFAULT_RETRY_SECONDS = 0.02


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
        async with self._serve(conversation_id, lock_lifetime, wait) as lock:
            yield lock

    def _serve(self, conversation_id: str, lock_lifetime: float, wait: float) -> Any:
        """The lock of one message, looking again every `wait` seconds (Rasa's steps)."""
        return super().lock(conversation_id, lock_lifetime, wait)


class InMemoryLockStore(_PromptRetry, rasa_lock_store.InMemoryLockStore):
    """Rasa's in-process lock store (one Rasa server) with prompt retries.

    Its changes run without an `await` in between, so they cannot interleave.
    """

    def __init__(self, endpoint_config: Optional[EndpointConfig] = None, **options: Any) -> None:
        self._take_retry_seconds(endpoint_config, options)
        super().__init__()


# Each script is one atomic step on a conversation's lock, kept in Rasa's format (a JSON
# object whose tickets are JSON strings), so Rasa's `get_lock` still reads it. `now` is
# the server's clock, as in Rasa, where every server compares expiry times to its own.
_LUA_TICKETS = """
local function load(raw, now)
  local kept, dropped = {}, false
  for _, text in ipairs(cjson.decode(raw).tickets) do
    local ticket = cjson.decode(text)
    if ticket.expires >= now then table.insert(kept, ticket) else dropped = true end
  end
  return kept, dropped
end
local function dump(conversation_id, tickets)
  local texts = {}
  for i, ticket in ipairs(tickets) do
    texts[i] = cjson.encode(string.format('{"number": %d, "expires": %.6f}', ticket.number, ticket.expires))
  end
  return '{"conversation_id": ' .. cjson.encode(conversation_id) .. ', "tickets": [' .. table.concat(texts, ', ') .. ']}'
end
local function serving(tickets)
  if #tickets == 0 then return 0 end
  return tickets[1].number
end
"""

# KEYS: the lock. ARGV: conversation id, now, lifetime. Returns {ticket, 1 if it is served now}.
_ISSUE = _LUA_TICKETS + """
local tickets = {}
local raw = redis.call('GET', KEYS[1])
if raw then tickets = load(raw, tonumber(ARGV[2])) end
local number = 0
if #tickets > 0 then number = tickets[#tickets].number + 1 end
table.insert(tickets, {number = number, expires = tonumber(ARGV[2]) + tonumber(ARGV[3])})
redis.call('SET', KEYS[1], dump(ARGV[1], tickets))
if serving(tickets) == number then return {number, 1} end
return {number, 0}
"""

# KEYS: the lock. ARGV: conversation id, now, ticket. Drops expired tickets (written only
# when there were some); returns 1 when the ticket is served now, 0 if not, -1 with no lock.
_CHECK = _LUA_TICKETS + """
local raw = redis.call('GET', KEYS[1])
if not raw then return -1 end
local tickets, dropped = load(raw, tonumber(ARGV[2]))
if dropped then redis.call('SET', KEYS[1], dump(ARGV[1], tickets)) end
if serving(tickets) == tonumber(ARGV[3]) then return 1 end
return 0
"""

# KEYS: the lock. ARGV: conversation id, now, ticket, "delete" to remove a lock left empty.
_FINISH = _LUA_TICKETS + """
local raw = redis.call('GET', KEYS[1])
if not raw then return 0 end
local tickets = load(raw, tonumber(ARGV[2]))
local left = {}
for _, ticket in ipairs(tickets) do
  if ticket.number ~= tonumber(ARGV[3]) then table.insert(left, ticket) end
end
if #left == 0 and ARGV[4] == 'delete' then
  redis.call('DEL', KEYS[1])
else
  redis.call('SET', KEYS[1], dump(ARGV[1], left))
end
return 1
"""


class RedisLockStore(_PromptRetry, rasa_lock_store.RedisLockStore):
    """Rasa's Redis lock store (shared by every Rasa server): prompt retries, atomic changes.

    Every change of a lock is one Lua script, atomic in Redis and one round trip: a
    message costs two (take a ticket and learn whether it is served; give it back),
    where Rasa's store (not atomic) and WATCH/MULTI transactions needed seven.
    """

    def __init__(self, endpoint_config: Optional[EndpointConfig] = None, **options: Any) -> None:
        options = self._take_retry_seconds(endpoint_config, options)
        host = options.pop("host", None) or (endpoint_config.url if endpoint_config else None) or "localhost"
        super().__init__(host=host, **options)
        self._issue = self.red.register_script(_ISSUE)
        self._check = self.red.register_script(_CHECK)
        self._finish = self.red.register_script(_FINISH)

    @asynccontextmanager
    async def _serve(self, conversation_id: str, lock_lifetime: float, wait: float) -> AsyncGenerator[TicketLock, None]:
        """Rasa's ticket lock in scripts: wait for this message's turn, serve it, give the ticket back."""
        ticket, served = self._take_ticket(conversation_id, lock_lifetime)
        try:
            while not served:
                await asyncio.sleep(wait)
                state = self._run(self._check, conversation_id, ticket)
                if state < 0:  # as Rasa's: the lock expired while this message waited
                    raise LockError(f"Could not acquire lock for conversation_id '{conversation_id}'.")
                served = state == 1
            yield TicketLock(conversation_id, deque([Ticket(ticket, time.time() + lock_lifetime)]))
        finally:
            self.cleanup(conversation_id, ticket)

    def _run(self, script: Any, conversation_id: str, *args: Any) -> Any:
        """One script on the conversation's lock; its arguments start with the id and the time."""
        return script(keys=[self.key_prefix + conversation_id], args=[conversation_id, time.time(), *args])

    def _take_ticket(self, conversation_id: str, lock_lifetime: float) -> Tuple[int, bool]:
        try:
            number, served = self._run(self._issue, conversation_id, lock_lifetime)
        except Exception as error:  # as Rasa's: the message fails with a LockError
            raise LockError(f"Error while acquiring lock. Error:\n{error}") from error
        return int(number), served == 1

    def issue_ticket(self, conversation_id: str, lock_lifetime: float = rasa_lock_store.LOCK_LIFETIME) -> int:
        return self._take_ticket(conversation_id, lock_lifetime)[0]

    def update_lock(self, conversation_id: str) -> None:
        """Drop expired tickets; a waiting message writes nothing when there are none."""
        self._run(self._check, conversation_id, -1)

    def finish_serving(self, conversation_id: str, ticket_number: int) -> None:
        self._run(self._finish, conversation_id, ticket_number, "keep")

    def cleanup(self, conversation_id: str, ticket_number: int) -> None:
        """Remove this message's ticket, and the lock when nobody else holds one (in one step)."""
        self._run(self._finish, conversation_id, ticket_number, "delete")
