"""What a conversation's events say: the customer's turns, the transcript, the orders mentioned.

Works on events as JSON dictionaries, the form both the Rasa server
(`event.as_dict()`) and the action server (`tracker.events`) can give, so the
policy that decides and the action that records read the conversation alike.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Dict, Iterable, List, Sequence

from bot.crm.store import normalise_order_number
from bot.handoff.escalation import Turn
from bot.handoff.tickets import TranscriptLine

HANDOFF_ACTION = "action_handoff"
Event = Dict[str, Any]


def _since_handback(events: Sequence[Event]) -> List[Event]:
    """Events after the session start, the last handoff or the last handback."""
    start = 0
    for index, event in enumerate(events):
        kind = event.get("event")
        if kind in ("session_started", "resume") or (kind == "action" and event.get("name") == HANDOFF_ACTION):
            start = index + 1
    return list(events[start:])


def _sentiment(event: Event, key: str = "score") -> Any:
    sentiment = (event.get("parse_data") or {}).get("sentiment") or {}
    return sentiment.get(key) if isinstance(sentiment, dict) else None


def customer_turns(events: Sequence[Event]) -> List[Turn]:
    """The customer's messages since the conversation was last handed back, oldest first."""
    return [
        Turn(
            text=event.get("text") or "",
            intent=((event.get("parse_data") or {}).get("intent") or {}).get("name"),
            sentiment=_sentiment(event),
            orders=tuple(_entity_orders(event)),
            intensity=float(_sentiment(event, "intensity") or 0.0),
        )
        for event in _since_handback(events)
        if event.get("event") == "user"
    ]


def _entity_orders(event: Event) -> List[str]:
    return [
        normalise_order_number(e["value"])
        for e in (event.get("parse_data") or {}).get("entities", [])
        if e.get("entity") == "order_number" and isinstance(e.get("value"), str)
    ]


def transcript(events: Iterable[Event]) -> List[TranscriptLine]:
    """Every customer and bot message of the conversation, with times and sentiment."""
    lines = []
    for event in events:
        kind = event.get("event")
        if kind not in ("user", "bot") or not (event.get("text") or "").strip():
            continue
        at = datetime.utcfromtimestamp(float(event.get("timestamp") or 0)).replace(microsecond=0)
        if kind == "user":
            lines.append(TranscriptLine("customer", event["text"], at, _sentiment(event)))
        else:
            sender = "agent" if (event.get("metadata") or {}).get("agent_name") else "bot"
            lines.append(TranscriptLine(sender, event["text"], at))
    return lines


def orders_mentioned(events: Iterable[Event]) -> List[str]:
    """Order numbers the customer typed or the bot filled in, in order of first mention."""
    numbers: List[str] = []
    for event in events:
        values: List[Any] = []
        if event.get("event") == "user":
            values = list(_entity_orders(event))
        elif event.get("event") == "slot" and event.get("name") == "order_number":
            values = [event.get("value")]
        for value in values:
            if isinstance(value, str) and value.strip():
                number = normalise_order_number(value)
                if number not in numbers:
                    numbers.append(number)
    return numbers
