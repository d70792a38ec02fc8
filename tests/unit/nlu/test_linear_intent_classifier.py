"""The LinearIntentClassifier's per-message fast path gives the probabilities of the matrix path.

Features are built by hand (two sparse count blocks as two CountVectorsFeaturizers
give them, one dense sentence vector), so the test needs no tokenizer or encoder; it
still imports Rasa (and with it TensorFlow), which takes several seconds.
"""

from __future__ import annotations

from pathlib import Path
from typing import List, Optional

import numpy as np
import pytest
import scipy.sparse

pytest.importorskip("rasa")

from rasa.engine.graph import ExecutionContext, GraphSchema  # noqa: E402
from rasa.engine.storage.local_model_storage import LocalModelStorage  # noqa: E402
from rasa.engine.storage.resource import Resource  # noqa: E402
from rasa.shared.nlu.constants import FEATURE_TYPE_SENTENCE, FEATURE_TYPE_SEQUENCE, INTENT, TEXT  # noqa: E402
from rasa.shared.nlu.training_data.features import Features  # noqa: E402
from rasa.shared.nlu.training_data.message import Message  # noqa: E402
from rasa.shared.nlu.training_data.training_data import TrainingData  # noqa: E402

from bot.nlu.linear_intent_classifier import LinearIntentClassifier  # noqa: E402

WORDS, CHARS, DENSE = 30, 50, 6
INTENTS = ("order_status", "cancel_order", "greet", "thank_you")


def message(rng: np.random.Generator, intent: Optional[str] = None, words: int = WORDS, dense: bool = True) -> Message:
    """A message whose features depend on its intent, so the classes are learnable."""
    shift = INTENTS.index(intent) if intent else int(rng.integers(len(INTENTS)))
    result = Message(data={TEXT: f"text {rng.integers(1_000_000)}", **({INTENT: intent} if intent else {})})
    for origin, width in (("words", words), ("chars", CHARS)):
        counts = np.zeros((1, width))
        columns = (rng.choice(width // 2, size=4, replace=False) + shift * 3) % width
        counts[0, columns] = rng.integers(1, 4, size=4)
        result.add_features(Features(scipy.sparse.coo_matrix(counts), FEATURE_TYPE_SENTENCE, TEXT, origin))
        # Token-level features must be ignored by a sentence classifier.
        result.add_features(Features(scipy.sparse.coo_matrix(np.ones((3, width))), FEATURE_TYPE_SEQUENCE, TEXT, origin))
    if dense:
        vector = rng.normal(size=(1, DENSE)) + 3 * shift
        result.add_features(Features(vector, FEATURE_TYPE_SENTENCE, TEXT, "encoder"))
    return result


@pytest.fixture(scope="module")
def classifier(tmp_path_factory: pytest.TempPathFactory) -> LinearIntentClassifier:
    rng = np.random.default_rng(7)
    storage = LocalModelStorage(Path(tmp_path_factory.mktemp("storage")))
    resource = Resource("linear_intent_classifier")
    context = ExecutionContext(GraphSchema({}), "test")
    component = LinearIntentClassifier.create({"dense_weight": 0.7}, storage, resource, context)
    examples: List[Message] = [message(rng, intent) for intent in INTENTS for _ in range(12)]
    component.train(TrainingData(examples))
    # What the Rasa server runs: the component as loaded from the model storage.
    return LinearIntentClassifier.load({"dense_weight": 0.7}, storage, resource, context)


def matrix_probabilities(classifier: LinearIntentClassifier, messages: List[Message]) -> np.ndarray:
    return classifier.model.predict_proba(classifier._matrix(messages))


def test_the_fast_path_is_used_and_equals_the_matrix_path(classifier: LinearIntentClassifier) -> None:
    rng = np.random.default_rng(11)
    messages = [message(rng) for _ in range(40)]
    assert classifier._fast is not None
    fast = np.vstack([classifier._fast.probabilities(m, 0.7) for m in messages])
    np.testing.assert_allclose(fast, matrix_probabilities(classifier, messages), rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(fast.sum(axis=1), 1.0)


def test_processing_sets_the_intent_of_the_most_probable_class(classifier: LinearIntentClassifier) -> None:
    rng = np.random.default_rng(3)
    labels = [intent for intent in INTENTS for _ in range(5)]
    messages = [message(rng, intent) for intent in labels]
    expected = matrix_probabilities(classifier, messages)
    classifier.process(messages)
    for processed, row in zip(messages, expected, strict=True):
        assert processed.get(INTENT)["name"] == classifier.model.classes_[int(np.argmax(row))]
        assert processed.get(INTENT)["confidence"] == pytest.approx(row.max(), rel=1e-9)
    # The classes are learnable: most messages get their own intent back.
    assert sum(m.get(INTENT)["name"] == intent for m, intent in zip(messages, labels, strict=True)) >= 15


def test_a_message_without_features_of_a_block_gets_zeros_there_as_in_training(
    classifier: LinearIntentClassifier,
) -> None:
    rng = np.random.default_rng(5)
    no_dense = message(rng, dense=False)
    no_sparse = Message(data={TEXT: ""})
    no_sparse.add_features(Features(rng.normal(size=(1, DENSE)), FEATURE_TYPE_SENTENCE, TEXT, "encoder"))
    for odd in (no_dense, no_sparse):
        fast = classifier._probabilities([odd])
        np.testing.assert_allclose(fast, matrix_probabilities(classifier, [odd]), rtol=1e-9, atol=1e-12)


def test_features_of_another_layout_fall_back_to_the_matrix_path(classifier: LinearIntentClassifier) -> None:
    """A block of another width (a retrained featurizer, say) is not silently misread."""
    rng = np.random.default_rng(9)
    odd = message(rng, words=WORDS + 5)
    assert classifier._fast is not None
    assert classifier._fast.probabilities(odd, 0.7) is None
    with pytest.raises(ValueError):
        # The matrix path cannot use it either: scikit-learn refuses the width.
        classifier._probabilities([odd])
