"""Rasa component: the sentiment of every user message, as `sentiment: {score, label}`.

It lives in the NLU pipeline, not in an action, so the score is in the parse data
of each `user` event: the tracker (and the handoff that reads it) sees it for
every message, including messages whose intent triggers no custom action.

Training data is the hand-written TSV at `data_path` (not Rasa's NLU YAML: every
message needs a sentiment label, which YAML intents do not carry). Its content is
part of the component's fingerprint, so editing it retrains the component. At
parse time the all-MiniLM-L6-v2 vector that SentenceEncoderFeaturizer already put
on the message is reused, so sentiment adds well under a millisecond.
"""

from __future__ import annotations

import hashlib
import logging
from pathlib import Path
from typing import Any, Dict, List, Optional

import numpy as np
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.sentiment.scorer import SentimentScorer, default_config, load_labelled, set_active_scorer

logger = logging.getLogger(__name__)

MODEL_FILE = "sentiment.joblib"
SENTIMENT = "sentiment"
DEFAULT_DATA_PATH = "data/sentiment/support_sentiment.tsv"


@DefaultV1Recipe.register(
    [DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=True
)
class SentimentAnalyzer(GraphComponent):
    """Adds `sentiment` ({"score": -1..1, "label": negative|neutral|positive}) to each message."""

    @staticmethod
    def get_default_config() -> Dict[str, Any]:
        return {
            # Labelled messages (text<TAB>label), relative to the working directory.
            "data_path": DEFAULT_DATA_PATH,
            # The `alias` of the SentenceEncoderFeaturizer whose sentence vector we reuse.
            "embedding_featurizer": "sentence_encoder",
            # Model settings: see bot/sentiment/scorer.py (default_config).
            **default_config(),
        }

    @staticmethod
    def required_packages() -> List[str]:
        return ["sklearn", "vaderSentiment"]

    def __init__(
        self,
        config: Dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        scorer: Optional[SentimentScorer] = None,
    ) -> None:
        self.config = {**self.get_default_config(), **config}
        self._model_storage = model_storage
        self._resource = resource
        self.scorer = scorer
        if scorer is not None:
            set_active_scorer(scorer)

    @classmethod
    def create(
        cls,
        config: Dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> SentimentAnalyzer:
        return cls(config, model_storage, resource)

    @classmethod
    def fingerprint_addon(cls, config: Dict[str, Any]) -> Optional[str]:
        """The TSV is not an input of the graph: its content must reach Rasa's cache key."""
        path = Path(config.get("data_path") or DEFAULT_DATA_PATH)
        return hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else "missing"

    def _scorer_settings(self) -> Dict[str, Any]:
        return {key: self.config[key] for key in default_config()}

    @property
    def _featurizers(self) -> List[str]:
        return [self.config["embedding_featurizer"]]

    # Training ------------------------------------------------------------------

    def train(self, training_data: TrainingData) -> Resource:
        path = Path(self.config["data_path"])
        if not path.is_file():
            raise FileNotFoundError(
                f"SentimentAnalyzer: no training data at {path} (data_path is relative to the "
                f"directory `rasa train` runs in)."
            )
        texts, labels = load_labelled(path)
        settings = self._scorer_settings()
        embeddings = None
        if settings["use_embeddings"]:
            from bot.nlu.sentence_encoder import get_encoder

            embeddings = get_encoder().encode(texts)
        self.scorer = SentimentScorer.train(texts, labels, embeddings, **settings)
        set_active_scorer(self.scorer)
        logger.info(
            "SentimentAnalyzer: trained on %d examples; cross-validated %s",
            len(texts),
            {key: round(value, 3) for key, value in self.scorer.cross_validation.items()},
        )
        with self._model_storage.write_to(self._resource) as directory:
            self.scorer.save(directory / MODEL_FILE)
        return self._resource

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        # Intent training examples need no sentiment.
        return training_data

    # Inference -----------------------------------------------------------------

    def process(self, messages: List[Message]) -> List[Message]:
        if self.scorer is None or not messages:
            return messages
        texts = [self._scored_text(message) for message in messages]
        results = self.scorer.score(texts, self._embeddings(messages))
        for message, result in zip(messages, results, strict=True):
            message.set(SENTIMENT, result.to_dict(), add_to_output=True)
        return messages

    @staticmethod
    def _scored_text(message: Message) -> str:
        text = message.get(TEXT) or ""
        # "/intent{...}" payloads come from buttons, not from the customer's words.
        return "" if text.startswith("/") else text

    def _embeddings(self, messages: List[Message]) -> Optional[np.ndarray]:
        """The sentence vectors already on the messages; None (the scorer encodes) if any is missing."""
        assert self.scorer is not None
        if not self.scorer.uses_embeddings:
            return None
        rows = []
        for message in messages:
            features = message.get_dense_features(TEXT, featurizers=self._featurizers)[1]
            vector = None if features is None else np.asarray(features.features).reshape(-1)
            if vector is None or vector.shape[0] != self.scorer.embedding_dimension:
                # No SentenceEncoderFeaturizer before us, or more dense featurizers
                # concatenated: the vector is not the one the model was trained on.
                return None
            rows.append(vector)
        return np.vstack(rows)

    # Persistence ---------------------------------------------------------------

    @classmethod
    def load(
        cls,
        config: Dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> SentimentAnalyzer:
        try:
            with model_storage.read_from(resource) as directory:
                scorer = SentimentScorer.load(directory / MODEL_FILE)
        except (ValueError, FileNotFoundError):
            logger.warning("SentimentAnalyzer: no trained model found; messages get no sentiment.")
            return cls(config, model_storage, resource)
        return cls(config, model_storage, resource, scorer)
