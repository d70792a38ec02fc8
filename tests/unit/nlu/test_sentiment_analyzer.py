"""The SentimentAnalyzer Rasa component: train, persist, load and process through Rasa's model storage.

A fake encoder stands in for all-MiniLM-L6-v2, so the test needs no weights; it
still imports Rasa (and with it TensorFlow), which takes several seconds.
"""

from __future__ import annotations

import zlib
from pathlib import Path
from typing import List, Sequence

import numpy as np
import pytest

pytest.importorskip("rasa")

from rasa.engine.graph import ExecutionContext, GraphSchema  # noqa: E402
from rasa.engine.storage.local_model_storage import LocalModelStorage  # noqa: E402
from rasa.engine.storage.resource import Resource  # noqa: E402
from rasa.shared.nlu.constants import FEATURE_TYPE_SENTENCE, TEXT  # noqa: E402
from rasa.shared.nlu.training_data.features import Features  # noqa: E402
from rasa.shared.nlu.training_data.message import Message  # noqa: E402
from rasa.shared.nlu.training_data.training_data import TrainingData  # noqa: E402

import bot.nlu.sentence_encoder as sentence_encoder  # noqa: E402
from bot.nlu.sentiment_analyzer import SENTIMENT, SentimentAnalyzer  # noqa: E402

DIMENSION = 8
ROWS = [
    ("this is a disgrace, still no parcel", "negative"),
    ("absolutely furious, it arrived broken", "negative"),
    ("worst service ever, never again", "negative"),
    ("the kettle broke after two days", "negative"),
    ("I am not happy at all", "negative"),
    ("where is my order", "neutral"),
    ("can I change my delivery address", "neutral"),
    ("how do I return an item", "neutral"),
    ("my email is x@example.com", "neutral"),
    ("I need to cancel my order", "neutral"),
    ("thanks so much, great service", "positive"),
    ("love it, works perfectly", "positive"),
    ("brilliant, thank you", "positive"),
    ("super fast delivery, thanks", "positive"),
    ("the headphones sound amazing", "positive"),
]


class FakeEncoder:
    """Deterministic vectors per text; counts the texts it encodes."""

    def __init__(self) -> None:
        self.encoded: List[str] = []

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        self.encoded += list(texts)
        return np.vstack([vector(text) for text in texts]) if texts else np.zeros((0, DIMENSION))


def vector(text: str) -> np.ndarray:
    return np.random.default_rng(zlib.crc32(text.encode())).normal(size=DIMENSION)


@pytest.fixture()
def encoder(monkeypatch: pytest.MonkeyPatch) -> FakeEncoder:
    fake = FakeEncoder()
    monkeypatch.setattr(sentence_encoder, "get_encoder", lambda *args, **kwargs: fake)
    return fake


@pytest.fixture()
def trained(tmp_path: Path, encoder: FakeEncoder) -> tuple:
    data = tmp_path / "sentiment.tsv"
    data.write_text("text\tlabel\n" + "".join(f"{t}\t{label}\n" for t, label in ROWS), encoding="utf-8")
    (tmp_path / "storage").mkdir()
    storage = LocalModelStorage(tmp_path / "storage")
    resource = Resource("sentiment_analyzer")
    context = ExecutionContext(GraphSchema({}), "test")
    config = {**SentimentAnalyzer.get_default_config(), "data_path": str(data), "cv_folds": 3}
    component = SentimentAnalyzer.create(config, storage, resource, context)
    component.train(TrainingData())
    loaded = SentimentAnalyzer.load(config, storage, resource, context)
    return loaded, config, data


def message(text: str, with_vector: bool = True) -> Message:
    result = Message(data={TEXT: text})
    if with_vector:
        result.add_features(Features(vector(text)[None, :], FEATURE_TYPE_SENTENCE, TEXT, "sentence_encoder"))
    return result


def test_trained_component_adds_sentiment_from_message_vectors(trained: tuple, encoder: FakeEncoder) -> None:
    component, _, _ = trained
    encoder.encoded.clear()
    messages = component.process([message("this is a disgrace, still no parcel"), message("love it, works perfectly")])
    sentiments = [m.get(SENTIMENT) for m in messages]
    assert sentiments[0]["label"] == "negative" and sentiments[0]["score"] < 0
    assert sentiments[1]["label"] == "positive"
    assert set(sentiments[0]) == {"score", "label", "intensity"}
    assert SENTIMENT in messages[0].as_dict(only_output_properties=True)
    # The vectors on the messages were used: nothing was re-encoded.
    assert encoder.encoded == []


def test_messages_without_vectors_are_encoded(trained: tuple, encoder: FakeEncoder) -> None:
    component, _, _ = trained
    encoder.encoded.clear()
    [result] = component.process([message("worst service ever", with_vector=False)])
    assert result.get(SENTIMENT)["label"] in {"negative", "neutral", "positive"}
    assert encoder.encoded == ["worst service ever"]


def test_empty_text_and_button_payloads_are_neutral(trained: tuple) -> None:
    component, _, _ = trained
    messages = component.process([message(""), message("/affirm"), message('/inform{"x": "broken"}')])
    assert [m.get(SENTIMENT) for m in messages] == [{"score": 0.0, "label": "neutral", "intensity": 0.0}] * 3


def test_fingerprint_follows_the_data_file(trained: tuple) -> None:
    _, config, data = trained
    before = SentimentAnalyzer.fingerprint_addon(config)
    data.write_text(data.read_text(encoding="utf-8") + "ok then\tneutral\n", encoding="utf-8")
    assert SentimentAnalyzer.fingerprint_addon(config) != before
    assert SentimentAnalyzer.fingerprint_addon({"data_path": str(data) + ".missing"}) == "missing"


def test_untrained_component_leaves_messages_alone(tmp_path: Path) -> None:
    storage = LocalModelStorage(tmp_path)
    context = ExecutionContext(GraphSchema({}), "test")
    component = SentimentAnalyzer.load({}, storage, Resource("nothing"), context)
    [result] = component.process([message("hello")])
    assert result.get(SENTIMENT) is None
