"""How the Rasa server calls the action server: it answers when that server is down, and fast.

Two changes to Rasa 3.6's `RemoteAction`, installed once per process:

- Rasa logs a failed custom action and drops its events, so the customer sees
  nothing. On a connection failure or server error the bot now says
  `utter_action_server_unavailable` (a form stops), and a failed
  `action_session_start` falls back to Rasa's default session start. Rejections
  (a form that could not fill a slot) still propagate as before.
- Rasa validates every action server response with `jsonschema.validate`, which
  re-checks the schema itself each time: about 25 ms per custom action on this
  machine, more than the action. The response's shape is checked instead (see
  `_validate_action_result`).
"""

from __future__ import annotations

import logging
from typing import Any, Dict, List

import jsonschema
from rasa.core.actions import action as rasa_actions
from rasa.core.actions.action import ActionExecutionRejection, RemoteAction
from rasa.shared.core.events import ActiveLoop, Event
from rasa.shared.exceptions import RasaException

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


def install_remote_action_changes() -> None:
    if getattr(RemoteAction, _INSTALLED_FLAG, False):
        return
    original_run = RemoteAction.run

    async def run_with_fallback(self: RemoteAction, output_channel: Any, nlg: Any, tracker: Any, domain: Any) -> List[Event]:
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
