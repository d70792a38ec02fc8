"""When a conversation should go to a person, and why.

Plain functions over the customer's recent turns (intent, sentiment, text), so the
same decision is made by the Rasa policy that triggers the handoff, by the action
that records it, and by the unit tests. Thresholds come from `support.yml`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import List, Optional, Sequence, Tuple

REQUEST_INTENT = "request_human"
FALLBACK_INTENT = "nlu_fallback"
# Asking one of these again about the same orders means the bot has not solved it.
REPEATABLE_INTENTS = {"check_order_status", "track_shipment", "out_of_scope", FALLBACK_INTENT}

# Reasons, most important first.
CUSTOMER_REQUEST = "customer_request"
STRONG_NEGATIVE = "strong_negative"
NEGATIVE_STREAK = "negative_streak"
NEGATIVE_TREND = "negative_trend"
REPEATED_FALLBACK = "repeated_fallback"
REPEATED_REQUEST = "repeated_request"


@dataclass(frozen=True)
class Turn:
    """One customer message as the escalation rules see it."""

    text: str
    intent: Optional[str]
    sentiment: Optional[float]  # [-1, 1]; None if not scored
    orders: Tuple[str, ...] = ()  # order numbers the message names
    intensity: float = 0.0  # 0..1: shouting, swearing, "!!!" (bot/sentiment/scorer.py)


@dataclass(frozen=True)
class EscalationConfig:
    decay: float = 0.5
    trend_threshold: float = -0.6
    negative_streak: int = 2
    strong_negative: float = -0.9
    strong_intensity: float = 0.5
    fallback_limit: int = 2
    repeat_limit: int = 3
    negative_score: float = -0.3
    urgent_below: float = -0.7
    high_below: float = -0.35


@dataclass(frozen=True)
class EscalationDecision:
    escalate: bool
    reason: str = ""
    detail: str = ""
    priority: int = 3  # 1 urgent, 2 high, 3 normal
    running_score: float = 0.0
    trajectory: List[float] = field(default_factory=list)


def running_scores(scores: Sequence[Optional[float]], decay: float) -> List[float]:
    """The decayed running sentiment after each turn (unscored turns count as 0)."""
    running, result = 0.0, []
    for score in scores:
        running = decay * running + (1 - decay) * (score or 0.0)
        result.append(round(running, 3))
    return result


def decide(turns: Sequence[Turn], config: EscalationConfig = EscalationConfig()) -> EscalationDecision:
    """Whether the latest turn should hand the conversation over; `turns` oldest first."""
    if not turns:
        return EscalationDecision(False)
    scores = [t.sentiment for t in turns]
    trajectory = running_scores(scores, config.decay)
    running = trajectory[-1]
    latest = turns[-1]

    def decision(reason: str, detail: str) -> EscalationDecision:
        worst = min([running] + [s for s in scores[-3:] if s is not None])
        priority = 1 if worst < config.urgent_below else 2 if worst < config.high_below else 3
        return EscalationDecision(True, reason, detail, priority, running, trajectory)

    if latest.intent == REQUEST_INTENT:
        return decision(CUSTOMER_REQUEST, "the customer asked for a person")
    if (
        latest.sentiment is not None
        and latest.sentiment <= config.strong_negative
        and latest.intensity >= config.strong_intensity
    ):
        return decision(
            STRONG_NEGATIVE, f"message score {latest.sentiment:.2f} with intensity {latest.intensity:.2f}"
        )

    streak = 0
    for score in reversed(scores):
        if score is None or score > config.negative_score:
            break
        streak += 1
    if streak >= config.negative_streak:
        return decision(NEGATIVE_STREAK, f"{streak} negative messages in a row")
    if running < config.trend_threshold:
        return decision(NEGATIVE_TREND, f"running sentiment {running:.2f} < {config.trend_threshold}")

    recent = turns[-4:]
    fallbacks = sum(1 for t in recent if t.intent == FALLBACK_INTENT)
    if latest.intent == FALLBACK_INTENT and fallbacks >= config.fallback_limit:
        return decision(REPEATED_FALLBACK, f"{fallbacks} of the last {len(recent)} messages not understood")

    window = turns[-5:]
    if latest.intent in REPEATABLE_INTENTS:
        # The status of three different orders is three questions, not one asked three times.
        same = sum(1 for t in window if t.intent == latest.intent and set(t.orders) == set(latest.orders))
        if same >= config.repeat_limit:
            return decision(REPEATED_REQUEST, f"'{latest.intent}' asked {same} times in the last {len(window)} messages")
    return EscalationDecision(False, running_score=running, trajectory=trajectory)
