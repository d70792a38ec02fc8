"""Rasa policy: hand the conversation to a person when the customer's turns say so.

After each customer message it applies `bot.handoff.escalation.decide` to the
turns since the conversation was last handed back (or started), reading intent
and sentiment from the parsed messages. When it decides, it predicts
`action_handoff` with certainty and a higher priority than the rules, and sets
the reason slots the action records on the ticket.
"""

from __future__ import annotations

import logging
from typing import Any, Dict, List, Optional

from rasa.core.policies.policy import Policy, PolicyPrediction, SupportedData
from rasa.engine.graph import ExecutionContext
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.core.constants import ACTION_LISTEN_NAME
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import SlotSet
from rasa.shared.core.generator import TrackerWithCachedStates
from rasa.shared.core.trackers import DialogueStateTracker

from bot.handoff.escalation import EscalationConfig, decide
from bot.handoff.transcript import HANDOFF_ACTION, customer_turns
from bot.sentiment.scorer import active_scorer

logger = logging.getLogger(__name__)

def events_with_sentiment(tracker: DialogueStateTracker) -> List[Dict[str, Any]]:
    """The tracker's events as dictionaries; customer messages lacking sentiment get it.

    Messages parsed by the NLU pipeline carry it already. Those that arrive with
    parse data of their own (Rasa's HTTP API, `rasa test` stories) are scored with
    the loaded model's sentiment scorer, so escalation works for them too.
    """
    events = [event.as_dict() for event in tracker.events]
    scorer = active_scorer()
    missing = [
        e for e in events
        if e.get("event") == "user" and not (e.get("parse_data") or {}).get("sentiment")
        and (e.get("text") or "").strip() and not (e.get("text") or "").startswith("/")
    ]
    if scorer is not None and missing:
        for event, result in zip(missing, scorer.score([e["text"] for e in missing]), strict=True):
            event.setdefault("parse_data", {})["sentiment"] = result.to_dict()
    return events


@DefaultV1Recipe.register(
    DefaultV1Recipe.ComponentType.POLICY_WITHOUT_END_TO_END_SUPPORT, is_trainable=True
)
class EscalationPolicy(Policy):
    @staticmethod
    def get_default_config() -> Dict[str, Any]:
        # Above RulePolicy (4) and forms: a frustrated customer goes to a person even mid-form.
        return {"priority": 7}

    @staticmethod
    def supported_data() -> SupportedData:
        return SupportedData.ML_AND_RULE_DATA

    def __init__(
        self,
        config: Dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        featurizer: Optional[Any] = None,
        escalation: Optional[EscalationConfig] = None,
    ) -> None:
        super().__init__(config, model_storage, resource, execution_context, featurizer)
        if escalation is None:
            from bot.settings import get_settings

            escalation = get_settings().escalation
        self.escalation = escalation

    def train(self, training_trackers: List[TrackerWithCachedStates], domain: Domain, **kwargs: Any) -> Resource:
        # Nothing to learn: the thresholds live in support.yml and are read at load time.
        return self._resource

    def predict_action_probabilities(
        self,
        tracker: DialogueStateTracker,
        domain: Domain,
        rule_only_data: Optional[Dict[str, Any]] = None,
        **kwargs: Any,
    ) -> PolicyPrediction:
        probabilities = self._default_predictions(domain)
        if tracker.latest_action_name == HANDOFF_ACTION:
            # The handoff pauses the bot; where it does not (tests), the bot listens.
            probabilities[domain.index_for_action(ACTION_LISTEN_NAME)] = 1.0
            return self._prediction(probabilities)
        if tracker.latest_action_name != ACTION_LISTEN_NAME or tracker.is_paused():
            return self._prediction(probabilities)
        if HANDOFF_ACTION not in domain.action_names_or_texts:
            return self._prediction(probabilities)
        decision = decide(customer_turns(events_with_sentiment(tracker)), self.escalation)
        if not decision.escalate:
            return self._prediction(probabilities)
        logger.info("Escalating %s: %s (%s)", tracker.sender_id, decision.reason, decision.detail)
        probabilities[domain.index_for_action(HANDOFF_ACTION)] = 1.0
        return self._prediction(
            probabilities,
            optional_events=[
                SlotSet("handoff_reason", decision.reason),
                SlotSet("handoff_detail", decision.detail),
                SlotSet("handoff_priority", float(decision.priority)),
            ],
        )
