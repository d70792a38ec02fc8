"""When the bot hands over, and the reason it records."""

from __future__ import annotations

from typing import List, Optional, Tuple

from bot.handoff import escalation
from bot.handoff.escalation import EscalationConfig, Turn, decide, running_scores

CONFIG = EscalationConfig()


def turns(*spec: Tuple[Optional[str], Optional[float]], intensity: float = 0.0) -> List[Turn]:
    return [Turn(text=f"message {i}", intent=intent, sentiment=score, intensity=intensity)
            for i, (intent, score) in enumerate(spec)]


def test_a_calm_conversation_stays_with_the_bot() -> None:
    decision = decide(turns(("greet", 0.3), ("check_order_status", 0.0), ("thank_you", 0.8)), CONFIG)
    assert not decision.escalate and decision.reason == ""


def test_asking_for_a_person_always_escalates_at_normal_priority() -> None:
    decision = decide(turns(("greet", 0.2), ("request_human", 0.0)), CONFIG)
    assert (decision.escalate, decision.reason, decision.priority) == (True, escalation.CUSTOMER_REQUEST, 3)


def test_one_furious_message_escalates_urgently() -> None:
    decision = decide(turns(("track_shipment", -0.99), intensity=1.0), CONFIG)
    assert (decision.reason, decision.priority) == (escalation.STRONG_NEGATIVE, 1)


def test_one_calm_complaint_gets_an_answer_first() -> None:
    assert not decide(turns(("track_shipment", -0.99), intensity=0.0), CONFIG).escalate


def test_a_negative_streak_escalates_but_one_negative_message_does_not() -> None:
    assert not decide(turns(("track_shipment", 0.0), ("track_shipment", -0.5)), CONFIG).escalate
    decision = decide(turns(("track_shipment", -0.5), ("check_order_status", -0.6)), CONFIG)
    assert decision.reason == escalation.NEGATIVE_STREAK and "2 negative" in decision.detail
    assert decision.priority == 2


def test_a_souring_trend_escalates_even_without_a_streak() -> None:
    config = EscalationConfig(negative_streak=5, trend_threshold=-0.3)
    decision = decide(turns(("x", -0.7), ("x", -0.1), ("x", -0.6)), config)
    assert decision.reason == escalation.NEGATIVE_TREND
    assert decision.running_score < -0.3


def test_the_running_score_decays() -> None:
    assert running_scores([-1.0, 0.0, 0.0], 0.5) == [-0.5, -0.25, -0.125]
    assert running_scores([None, 1.0], 0.5) == [0.0, 0.5]


def test_repeated_fallbacks_escalate() -> None:
    assert not decide(turns(("nlu_fallback", 0.0)), CONFIG).escalate
    decision = decide(turns(("nlu_fallback", 0.0), ("greet", 0.0), ("nlu_fallback", 0.0)), CONFIG)
    assert decision.reason == escalation.REPEATED_FALLBACK


def test_the_same_request_again_and_again_escalates() -> None:
    decision = decide(turns(("track_shipment", 0.0), ("track_shipment", 0.0), ("track_shipment", 0.0)), CONFIG)
    assert decision.reason == escalation.REPEATED_REQUEST
    about_one_order = [Turn("status of ORD-900003?", "check_order_status", -0.1, ("ORD-900003",)),
                       Turn("ok", "affirm", 0.0),
                       Turn("and ORD-900003??", "check_order_status", -0.1, ("ORD-900003",)),
                       Turn("ORD-900003 status", "check_order_status", 0.0, ("ORD-900003",))]
    assert decide(about_one_order, CONFIG).reason == escalation.REPEATED_REQUEST


def test_questions_about_different_orders_are_not_repeats() -> None:
    different = [Turn(f"status of ORD-90000{i}", "check_order_status", 0.0, (f"ORD-90000{i}",)) for i in range(3)]
    assert not decide(different, CONFIG).escalate
    history = [Turn("show my orders", "order_history", 0.0)] * 3
    assert not decide(history, CONFIG).escalate


def test_no_turns_no_decision() -> None:
    assert not decide([], CONFIG).escalate
