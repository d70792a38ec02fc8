"""What every action needs: the CRM store and who the customer is."""

from __future__ import annotations

import logging
from functools import lru_cache
from typing import Any, Dict, List, Optional

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet

from bot.crm.database import get_database
from bot.crm.store import CrmStore, CustomerInfo
from bot.handoff.agents import AgentDirectory
from bot.handoff.tickets import TicketDesk
from bot.identity import token_from_metadata, verify_customer_token
from bot.settings import Settings, get_settings

logger = logging.getLogger(__name__)

# Slots that describe one request; cleared when the request ends so the next
# request starts fresh.
REQUEST_SLOTS = ("order_number", "order_eligible", "cancel_confirmed", "return_reason", "request_failed", "date")


def settings() -> Settings:
    return get_settings()


@lru_cache(maxsize=1)
def crm_store() -> CrmStore:
    """The process-wide CRM store (one engine and connection pool)."""
    current = get_settings()
    return CrmStore(get_database(current.database_url), current.orders)


@lru_cache(maxsize=1)
def ticket_desk() -> TicketDesk:
    current = get_settings()
    return TicketDesk(get_database(current.database_url), current.handoff.minutes_per_conversation)


@lru_cache(maxsize=1)
def agent_directory() -> AgentDirectory:
    current = get_settings()
    return AgentDirectory(get_database(current.database_url), current.handoff)


def token_customer_id(metadata: Any) -> Optional[int]:
    """The customer a message's metadata proves with a valid signed token, or None."""
    token = token_from_metadata(metadata)
    return verify_customer_token(token, settings().token_secret) if token else None


def verified_customer_id(tracker: Tracker) -> Optional[int]:
    """The customer this conversation is verified as, or None.

    None too when the latest message carries a valid token of another customer: someone
    else logged in on the page that holds this conversation (a shared computer, a
    website that keeps the chat across log-ins), and the first customer's data must not
    reach them.
    """
    if not tracker.get_slot("customer_verified"):
        return None
    value = tracker.get_slot("customer_id")
    try:
        customer_id = int(value) if value is not None else None
    except (TypeError, ValueError):
        return None
    presented = token_customer_id((tracker.latest_message or {}).get("metadata"))
    if customer_id is not None and presented is not None and presented != customer_id:
        logger.warning("Conversation %s is verified as another customer than the token of its latest message: "
                       "no customer data", tracker.sender_id)
        return None
    return customer_id


def identity_events(customer: CustomerInfo) -> List[EventType]:
    return [
        SlotSet("customer_id", customer.id),
        SlotSet("customer_name", customer.first_name),
        SlotSet("customer_verified", True),
        SlotSet("verification_attempts", 0),
    ]


def clear_identity_events() -> List[EventType]:
    return [
        SlotSet("customer_id", None),
        SlotSet("customer_name", None),
        SlotSet("customer_verified", False),
    ]


def clear_request_events() -> List[EventType]:
    return [SlotSet(name, None) for name in REQUEST_SLOTS]


def first_value(value: Any) -> Optional[str]:
    """One slot value as text: a message with several numbers or emails fills a list; the first counts."""
    if isinstance(value, list):
        value = value[0] if value else None
    return str(value) if value else None


def latest_entity_values(tracker: Tracker, entity: str) -> List[Any]:
    return [e.get("value") for e in tracker.latest_message.get("entities", []) if e.get("entity") == entity]


def latest_metadata(tracker: Tracker) -> Dict[str, Any]:
    metadata = tracker.latest_message.get("metadata") or {}
    return metadata if isinstance(metadata, dict) else {}
