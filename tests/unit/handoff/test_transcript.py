"""Reading a conversation's events: turns since handback, transcript, orders, summary."""

from __future__ import annotations

from bot.handoff.escalation import EscalationDecision
from bot.handoff.summary import summarise
from bot.handoff.transcript import customer_turns, orders_mentioned, transcript


def user(text: str, intent: str, score: float, entities=None, ts: float = 1_800_000_000.0):  # type: ignore[no-untyped-def]
    return {"event": "user", "text": text, "timestamp": ts,
            "parse_data": {"intent": {"name": intent}, "entities": entities or [], "sentiment": {"score": score}}}


EVENTS = [
    {"event": "session_started"},
    user("where is ORD-900003", "track_shipment", -0.1, [{"entity": "order_number", "value": "ORD-900003"}]),
    {"event": "bot", "text": "It shipped on Monday.", "timestamp": 1_800_000_001.0},
    {"event": "action", "name": "action_handoff"},
    user("this is ridiculous", "track_shipment", -0.8),
    {"event": "slot", "name": "order_number", "value": "ord 900004"},
    {"event": "bot", "text": "Hi, Ana here.", "timestamp": 1_800_000_003.0, "metadata": {"agent_name": "Ana"}},
    {"event": "resume"},
    user("thanks", "thank_you", 0.7),
]


def test_turns_restart_after_a_handoff_and_a_handback() -> None:
    assert [(t.text, t.intent, t.sentiment) for t in customer_turns(EVENTS)] == [("thanks", "thank_you", 0.7)]
    assert [t.text for t in customer_turns(EVENTS[:4])] == []
    assert [t.text for t in customer_turns(EVENTS[:3])] == ["where is ORD-900003"]


def test_the_transcript_keeps_every_message_with_who_said_it() -> None:
    lines = transcript(EVENTS)
    assert [(line.sender, line.text) for line in lines] == [
        ("customer", "where is ORD-900003"), ("bot", "It shipped on Monday."), ("customer", "this is ridiculous"),
        ("agent", "Hi, Ana here."), ("customer", "thanks")]
    assert lines[0].sentiment == -0.1 and lines[0].at.year == 2027


def test_orders_come_from_entities_and_slots_once_each() -> None:
    assert orders_mentioned(EVENTS) == ["ORD-900003", "ORD-900004"]


def test_the_summary_says_who_why_what_and_quotes_the_worst() -> None:
    decision = EscalationDecision(True, "negative_streak", "2 negative messages in a row", 2)
    summary = summarise(customer_turns(EVENTS[:6]), transcript(EVENTS[:6]), decision, "Maria Garcia", ["ORD-900003"])
    assert summary.startswith("Maria Garcia (verified): upset in several messages in a row")
    assert "Orders mentioned: ORD-900003." in summary
    assert "“this is ridiculous” (-0.80)" in summary
    anonymous = summarise([], [], EscalationDecision(True, "customer_request", "asked", 3), None, [])
    assert anonymous.startswith("Anonymous visitor (not verified): asked for a person")
