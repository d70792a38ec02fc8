"""How the Rasa server calls the action server: it answers when that server is down, and fast.

Changes to Rasa 3.6's `RemoteAction`, installed once per process:

- Rasa logs a failed custom action and drops its events, so the customer sees
  nothing. On a connection failure or server error the bot now says
  `utter_action_server_unavailable` (a form stops), and a failed
  `action_session_start` falls back to Rasa's default session start. Rejections
  (a form that could not fill a slot) still propagate as before.
- Rasa validates every action server response with `jsonschema.validate`, which
  re-checks the schema itself each time: about 25 ms per custom action on this
  machine, more than the action. The response's shape is checked instead (see
  `_validate_action_result`).
- Rasa opens a new HTTP client session, hence a new TCP connection, for every call
  to the action server. The calls now share one session per event loop, whose
  connections are kept alive between calls (see `_KeepAliveEndpoint`).
"""

from __future__ import annotations

import asyncio
import logging
import weakref
from typing import Any, Dict, List, Optional

import aiohttp
import jsonschema
from rasa.core.actions import action as rasa_actions
from rasa.core.actions.action import ActionExecutionRejection, RemoteAction
from rasa.shared.core.events import ActiveLoop, Event
from rasa.shared.exceptions import RasaException
from rasa.utils.endpoints import DEFAULT_REQUEST_TIMEOUT, EndpointConfig

logger = logging.getLogger(__name__)

FALLBACK_RESPONSE = "utter_action_server_unavailable"
_INSTALLED_FLAG = "_northwind_fallback_installed"


def fallback_message(agent: Any) -> str:
    """The apology for a message Rasa could not process at all (the lock store or the
    tracker store unreachable): better than an empty answer the customer waits on."""
    responses = getattr(getattr(agent, "domain", None), "responses", None) or {}
    variants = responses.get(FALLBACK_RESPONSE) or [{}]
    return str(variants[0].get("text") or "Sorry, something went wrong on our side. Please try again in a minute.")


def _validate_action_result(self: RemoteAction, result: Dict[str, Any]) -> bool:
    """The response's shape: {"events": [{"event": str, ...}], "responses": [{...}]}.

    Rasa checks every response against the full JSON schema of all event types,
    which costs more than the action itself (~4 ms even with a compiled validator).
    Our action server is ours: checking the shape suffices, and an event Rasa does
    not know is still refused when it is deserialised.
    """
    events = result.get("events", []) if isinstance(result, dict) else None
    responses = result.get("responses", []) if isinstance(result, dict) else None
    valid = (
        isinstance(events, list)
        and all(isinstance(event, dict) and isinstance(event.get("event"), str) for event in events)
        and isinstance(responses, list)
        and all(isinstance(response, dict) for response in responses)
    )
    if not valid:
        raise jsonschema.ValidationError(
            "Failed to validate Action server response from API: expected "
            '{"events": [{"event": ...}], "responses": [{...}]}.'
        )
    return True


# Idle connections are dropped after this many seconds: before the action server's own
# keep-alive timeout (Sanic's default is 5 s), so a call never gets a connection the
# server has just closed.
IDLE_CONNECTION_SECONDS = 2.0


class _Borrowed:
    """`async with` over a shared session that does not close it (Rasa's `request` closes its session)."""

    def __init__(self, session: aiohttp.ClientSession) -> None:
        self.session = session

    async def __aenter__(self) -> aiohttp.ClientSession:
        return self.session

    async def __aexit__(self, *exc_info: Any) -> None:
        return None


class _KeepAliveEndpoint(EndpointConfig):
    """The action endpoint with Rasa's `request`, over one kept-alive session per event loop.

    Saves the connection set-up and the session object on both sides of every custom
    action. A session belongs to the loop it was made in (tests run several loops).
    """

    _sessions: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, aiohttp.ClientSession]

    def session(self) -> Any:  # type: ignore[override]
        loop = asyncio.get_running_loop()
        session = self._sessions.get(loop)
        if session is None or session.closed:
            auth = None
            if self.basic_auth:
                auth = aiohttp.BasicAuth(self.basic_auth["username"], self.basic_auth["password"])
            session = aiohttp.ClientSession(
                headers=self.headers,
                auth=auth,
                timeout=aiohttp.ClientTimeout(total=DEFAULT_REQUEST_TIMEOUT),
                connector=aiohttp.TCPConnector(keepalive_timeout=IDLE_CONNECTION_SECONDS),
            )
            self._sessions[loop] = session
        return _Borrowed(session)


# By id: EndpointConfig defines __eq__, so its objects cannot go in a WeakSet.
_keep_alive_endpoints: weakref.WeakValueDictionary[int, _KeepAliveEndpoint] = weakref.WeakValueDictionary()


def _keep_alive(endpoint: Optional[EndpointConfig]) -> Optional[EndpointConfig]:
    """The same endpoint as a `_KeepAliveEndpoint` (one per endpoint object, made once)."""
    if endpoint is None or isinstance(endpoint, _KeepAliveEndpoint):
        return endpoint
    shared = getattr(endpoint, "_keep_alive", None)
    if shared is None:
        shared = _KeepAliveEndpoint.__new__(_KeepAliveEndpoint)
        shared.__dict__.update(endpoint.__dict__)
        shared._sessions = weakref.WeakKeyDictionary()
        _keep_alive_endpoints[id(shared)] = shared
        endpoint._keep_alive = shared  # type: ignore[attr-defined]
    return shared


async def close_action_sessions(*_: Any) -> None:
    """Close this loop's sessions: the Sanic `after_server_stop` listener of our channels
    (aiohttp warns about unclosed ones)."""
    loop = asyncio.get_running_loop()
    for endpoint in list(_keep_alive_endpoints.values()):
        session = endpoint._sessions.pop(loop, None)
        if session is not None:
            await session.close()


def install_remote_action_changes() -> None:
    if getattr(RemoteAction, _INSTALLED_FLAG, False):
        return
    original_run = RemoteAction.run

    async def run_with_fallback(self: RemoteAction, output_channel: Any, nlg: Any, tracker: Any, domain: Any) -> List[Event]:
        self.action_endpoint = _keep_alive(self.action_endpoint)
        try:
            return await original_run(self, output_channel, nlg, tracker, domain)
        except ActionExecutionRejection:
            raise
        except RasaException as error:
            logger.error("Action %s failed (%s); answering with a fallback.", self.name(), error)
            if self.name() == rasa_actions.ACTION_SESSION_START_NAME:
                return await rasa_actions.ActionSessionStart().run(output_channel, nlg, tracker, domain)
            events: List[Event] = []
            message = await nlg.generate(FALLBACK_RESPONSE, tracker, output_channel.name())
            if message:
                events.append(rasa_actions.create_bot_utterance(message))
            if tracker.active_loop_name:
                events.append(ActiveLoop(None))
            return events

    RemoteAction.run = run_with_fallback  # type: ignore[method-assign]
    RemoteAction._validate_action_result = _validate_action_result  # type: ignore[method-assign]
    setattr(RemoteAction, _INSTALLED_FLAG, True)
