"""Fixtures and helpers for running the custom actions directly, without servers.

The actions find their database and token secret through `bot.settings.get_settings`
and `actions.context.crm_store`, both cached per process; the fixtures here point
them at a small SQLite CRM (or at a database that is down) and clear the caches
before and after each test, so no test sees another's CRM.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any, Dict, Iterator, List, Optional, Tuple

import pytest
import yaml
from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.context import agent_directory, crm_store, ticket_desk
from bot.settings import PROJECT_ROOT, get_settings
from tests.conftest import SmallCrm

TOKEN_SECRET = "action-tests-secret-that-is-long-enough-for-hs256"
# Nothing listens on port 1: connections are refused at once.
UNREACHABLE_DATABASE_URL = "postgresql+psycopg2://nobody@127.0.0.1:1/none"
CONVERSATION_ID = "action-test-conversation"

with (PROJECT_ROOT / "domain.yml").open(encoding="utf-8") as _handle:
    DOMAIN: Dict[str, Any] = yaml.safe_load(_handle)

Events = List[Dict[str, Any]]

# Slots Rasa fills from an entity of the same name.
ENTITY_SLOTS = {
    name
    for name, spec in DOMAIN["slots"].items()
    if any(mapping.get("type") == "from_entity" for mapping in spec.get("mappings", []))
}


def _clear_caches() -> None:
    if crm_store.cache_info().currsize:
        # Close the pooled connections of the store this test used.
        crm_store().database.dispose()
    for cached in (crm_store, ticket_desk, agent_directory, get_settings):
        cached.cache_clear()


def _point_actions_at(database_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CRM_DATABASE_URL", database_url)
    monkeypatch.setenv("CUSTOMER_TOKEN_SECRET", TOKEN_SECRET)
    # The business rules of the real `support.yml` (30-day returns, 3 attempts, ...).
    monkeypatch.delenv("SUPPORT_CONFIG", raising=False)
    _clear_caches()


@pytest.fixture
def crm(small_crm: SmallCrm, monkeypatch: pytest.MonkeyPatch) -> Iterator[SmallCrm]:
    """The small CRM, and the actions pointed at it."""
    _point_actions_at(small_crm.database.url, monkeypatch)
    yield small_crm
    _clear_caches()


@pytest.fixture
def crm_down(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The actions pointed at a CRM database that cannot be reached."""
    _point_actions_at(UNREACHABLE_DATABASE_URL, monkeypatch)
    yield None
    _clear_caches()


# Trackers ------------------------------------------------------------------------


def initial_slots() -> Dict[str, Any]:
    """Every slot of the domain at its initial value, as Rasa sends them."""
    slots = {name: spec.get("initial_value") for name, spec in DOMAIN["slots"].items()}
    slots.update(requested_slot=None, session_started_metadata=None)
    return slots


def verified_as(customer_id: int, name: str) -> Dict[str, Any]:
    """The slots of a conversation whose customer is verified."""
    return {"customer_id": customer_id, "customer_name": name, "customer_verified": True}


def make_tracker(
    slots: Optional[Dict[str, Any]] = None,
    *,
    candidates: Optional[Dict[str, Any]] = None,
    text: str = "hello",
    latest_message: Optional[Dict[str, Any]] = None,
    active_form: Optional[str] = None,
    sender_id: str = CONVERSATION_ID,
) -> Tracker:
    """A tracker as Rasa sends it to the action server.

    `candidates` are slot values set by this turn: they are in the slots and, as the
    form action in Rasa puts them, in trailing `slot` events (what a validation
    action validates). `active_form` names a form that was already active before
    this turn; None means the form is being activated now. Candidates of slots filled
    from entities also appear as entities of the latest message, as they would in Rasa.
    """
    message = latest_message if latest_message is not None else {
        "text": text,
        "intent": {"name": "inform", "confidence": 1.0},
        "entities": [
            {"entity": name, "value": value}
            for name, value in (candidates or {}).items()
            if name in ENTITY_SLOTS and value is not None
        ],
    }
    all_slots = initial_slots()
    all_slots.update(slots or {})
    all_slots.update(candidates or {})
    events: Events = [
        {"event": "action", "name": "action_listen"},
        {"event": "user", "text": message.get("text"), "parse_data": message},
    ]
    events += [{"event": "slot", "name": name, "value": value} for name, value in (candidates or {}).items()]
    return Tracker(
        sender_id,
        all_slots,
        message,
        events,
        False,
        None,
        {"name": active_form} if active_form else {},
        "action_listen",
    )


# Running actions -----------------------------------------------------------------


def run_action(action: Action, tracker: Tracker) -> Tuple[Events, CollectingDispatcher]:
    """Run one action as the action server would; its events and what it said."""
    dispatcher = CollectingDispatcher()
    events = asyncio.run(action.run(dispatcher, tracker, DOMAIN))
    return events, dispatcher


def slot_events(events: Events) -> Dict[str, Any]:
    """The final value each `slot` event sets, by slot name."""
    return {event["name"]: event["value"] for event in events if event.get("event") == "slot"}


def responses(dispatcher: CollectingDispatcher) -> List[Optional[str]]:
    return [message.get("response") for message in dispatcher.messages]


def texts(dispatcher: CollectingDispatcher) -> str:
    """All free-text replies, one per line."""
    return "\n".join(message.get("text") or "" for message in dispatcher.messages)


def reply_without(dispatcher: CollectingDispatcher, number: str) -> str:
    """Everything the action said, with `number` replaced, for comparing replies."""
    return json.dumps(dispatcher.messages, sort_keys=True, default=str).replace(number, "<NUMBER>")

