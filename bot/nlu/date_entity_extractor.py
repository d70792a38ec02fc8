"""Rasa component: `date` entities ("last week", "in October", "on 3 Nov") as day ranges.

Customers narrow order questions by time, and the order history action needs a
period it can query, not words. The rules live in `bot.nlu.dates` (plain Python,
unit-tested); this component runs them on every message and emits one `date`
entity per expression whose value is "YYYY-MM-DD/YYYY-MM-DD" (first and last day,
both included), relative to the UTC date the message is parsed on. Nothing is
learned from the training data, so there is nothing to train or persist.
"""

from __future__ import annotations

from datetime import date, datetime, timezone
from typing import Any, Callable, Dict, List, Optional

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.extractors.extractor import EntityExtractorMixin
from rasa.shared.nlu.constants import (
    ENTITIES,
    ENTITY_ATTRIBUTE_END,
    ENTITY_ATTRIBUTE_START,
    ENTITY_ATTRIBUTE_TYPE,
    ENTITY_ATTRIBUTE_VALUE,
    TEXT,
)
from rasa.shared.nlu.training_data.message import Message

from bot.nlu.dates import find_dates

DATE_ENTITY = "date"


def utc_today() -> date:
    return datetime.now(timezone.utc).date()


@DefaultV1Recipe.register(
    DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR, is_trainable=False
)
class DateEntityExtractor(GraphComponent, EntityExtractorMixin):
    """Extracts `date` entities with the rules of `bot.nlu.dates`."""

    @staticmethod
    def get_default_config() -> Dict[str, Any]:
        return {
            # 12/10 is 12 October (False: 10 December). Unambiguous dates (25/12) are read either way.
            "day_first": True,
        }

    def __init__(self, config: Dict[str, Any], today: Optional[Callable[[], date]] = None) -> None:
        self.config = {**self.get_default_config(), **config}
        # Injectable for tests; in production the UTC date at parse time.
        self.today = today or utc_today

    @classmethod
    def create(
        cls,
        config: Dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> DateEntityExtractor:
        return cls(config)

    def process(self, messages: List[Message]) -> List[Message]:
        today = self.today()
        for message in messages:
            found = [
                {
                    ENTITY_ATTRIBUTE_TYPE: DATE_ENTITY,
                    ENTITY_ATTRIBUTE_VALUE: mention.range.to_value(),
                    ENTITY_ATTRIBUTE_START: mention.start,
                    ENTITY_ATTRIBUTE_END: mention.end,
                    "confidence_entity": 1.0,
                }
                for mention in find_dates(message.get(TEXT) or "", today, bool(self.config["day_first"]))
            ]
            if found:
                found = self.add_extractor_name(found)
                message.set(ENTITIES, message.get(ENTITIES, []) + found, add_to_output=True)
        return messages
