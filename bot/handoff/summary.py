"""A few lines that tell an agent what the conversation is about before reading it."""

from __future__ import annotations

from collections import Counter
from typing import Optional, Sequence

from bot.handoff.escalation import EscalationDecision, Turn
from bot.handoff.tickets import TranscriptLine

INTENT_TOPICS = {
    "check_order_status": "order status",
    "track_shipment": "delivery / tracking",
    "order_history": "order history",
    "cancel_order": "cancelling an order",
    "return_order": "a return or refund",
    "request_human": "talking to a person",
    "out_of_scope": "something outside the bot's scope",
    "nlu_fallback": "messages the bot did not understand",
}
REASON_WORDS = {
    "customer_request": "asked for a person",
    "strong_negative": "very upset",
    "negative_streak": "upset in several messages in a row",
    "negative_trend": "increasingly unhappy",
    "repeated_fallback": "the bot kept not understanding",
    "repeated_request": "asked the same thing again and again",
}


def _quote(text: str, limit: int = 160) -> str:
    text = " ".join(text.split())
    return f"“{text if len(text) <= limit else text[: limit - 1] + '…'}”"


def summarise(
    turns: Sequence[Turn],
    transcript: Sequence[TranscriptLine],
    decision: EscalationDecision,
    customer_name: Optional[str],
    orders: Sequence[str],
) -> str:
    who = f"{customer_name} (verified)" if customer_name else "Anonymous visitor (not verified)"
    lines = [f"{who}: {REASON_WORDS.get(decision.reason, decision.reason)} ({decision.detail})."]
    topics = Counter(INTENT_TOPICS[t.intent] for t in turns if t.intent in INTENT_TOPICS)
    if topics:
        lines.append("About: " + ", ".join(f"{topic}" + (f" ×{n}" if n > 1 else "") for topic, n in topics.most_common(4)) + ".")
    if orders:
        lines.append("Orders mentioned: " + ", ".join(orders) + ".")
    scored = [line for line in transcript if line.sender == "customer" and line.sentiment is not None]
    if scored:
        worst = min(scored, key=lambda line: line.sentiment or 0.0)
        if (worst.sentiment or 0.0) < -0.3:
            lines.append(f"Most upset: {_quote(worst.text)} ({worst.sentiment:+.2f}).")
    last = next((line for line in reversed(transcript) if line.sender == "customer"), None)
    if last is not None:
        lines.append(f"Last message: {_quote(last.text)}")
    return " ".join(lines)
