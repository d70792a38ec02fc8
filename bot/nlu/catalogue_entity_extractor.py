"""Rasa component: product and category entities from the shop's catalogue.

At training time it reads product names and categories from the CRM store
(`CRM_DATABASE_URL`) and adds the product/category values annotated in the
training data; the terms are saved with the model, so parsing never needs the
database. Retrain (`make train`) when the catalogue changes.
"""

from __future__ import annotations

import json
import logging
from typing import Any, Dict, List, Optional

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
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.nlu.catalogue_matcher import CatalogueMatcher, CatalogueTerms, build_terms

logger = logging.getLogger(__name__)

TERMS_FILE = "catalogue_terms.json"


def _catalogue_from_crm(database_url: Optional[str]) -> tuple:
    from bot.crm.database import get_database
    from bot.crm.errors import CrmUnavailable
    from bot.crm.store import CrmStore

    try:
        return CrmStore(get_database(database_url)).catalogue_terms()
    except CrmUnavailable as error:
        logger.warning("Catalogue not read from the CRM (%s): using training data only.", error)
        return [], []


@DefaultV1Recipe.register(
    DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR, is_trainable=True
)
class CatalogueEntityExtractor(GraphComponent, EntityExtractorMixin):
    """Extracts `product` and `category` entities with a typo-tolerant phrase matcher."""

    @staticmethod
    def get_default_config() -> Dict[str, Any]:
        return {
            # Read the catalogue from the CRM store at training time.
            "use_crm_catalogue": True,
            # None: CRM_DATABASE_URL (or the embedded SQLite default).
            "database_url": None,
        }

    def __init__(
        self,
        config: Dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        terms: Optional[CatalogueTerms] = None,
    ) -> None:
        self.config = {**self.get_default_config(), **config}
        self._model_storage = model_storage
        self._resource = resource
        self.matcher = CatalogueMatcher(terms or CatalogueTerms())

    @classmethod
    def create(
        cls,
        config: Dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> CatalogueEntityExtractor:
        return cls(config, model_storage, resource)

    def train(self, training_data: TrainingData) -> Resource:
        names, categories = ([], [])
        if self.config["use_crm_catalogue"]:
            names, categories = _catalogue_from_crm(self.config["database_url"])
        annotated = [
            (
                entity[ENTITY_ATTRIBUTE_TYPE],
                example.get(TEXT)[entity[ENTITY_ATTRIBUTE_START] : entity[ENTITY_ATTRIBUTE_END]],
                str(entity.get(ENTITY_ATTRIBUTE_VALUE)),
            )
            for example in training_data.entity_examples
            for entity in example.get(ENTITIES, [])
        ]
        known_words = {
            word
            for example in training_data.training_examples
            for word in (example.get(TEXT) or "").lower().split()
        }
        terms = build_terms(
            names, categories, annotated, known_words, synonyms=training_data.entity_synonyms
        )
        logger.info(
            "Catalogue terms: %d phrases from %d products and %d categories.",
            len(terms.phrases),
            len(names),
            len(categories),
        )
        self.matcher = CatalogueMatcher(terms)
        with self._model_storage.write_to(self._resource) as directory:
            (directory / TERMS_FILE).write_text(json.dumps(terms.to_dict()), encoding="utf-8")
        return self._resource

    @classmethod
    def load(
        cls,
        config: Dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> CatalogueEntityExtractor:
        try:
            with model_storage.read_from(resource) as directory:
                data = json.loads((directory / TERMS_FILE).read_text(encoding="utf-8"))
        except (ValueError, FileNotFoundError):
            logger.warning("CatalogueEntityExtractor: no saved terms; no catalogue entities.")
            return cls(config, model_storage, resource)
        return cls(config, model_storage, resource, CatalogueTerms.from_dict(data))

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            found = [
                {
                    ENTITY_ATTRIBUTE_TYPE: match.entity,
                    ENTITY_ATTRIBUTE_VALUE: match.value,
                    ENTITY_ATTRIBUTE_START: match.start,
                    ENTITY_ATTRIBUTE_END: match.end,
                    "confidence_entity": 0.8 if match.fuzzy else 1.0,
                }
                for match in self.matcher.find(message.get(TEXT) or "")
            ]
            if found:
                found = self.add_extractor_name(found)
                message.set(ENTITIES, message.get(ENTITIES, []) + found, add_to_output=True)
        return messages
