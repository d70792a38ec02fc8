"""The ONNX Runtime backend must give the vectors the TensorFlow graph gives.

Real all-MiniLM-L6-v2 weights on both sides: the export (cached under models/encoder/
by `make train`) is what every Rasa server runs, TensorFlow is the reference it was
exported from.
"""

from __future__ import annotations

import numpy as np
import pytest

from bot.nlu.sentence_encoder import SentenceEncoder, default_model_path, get_encoder

TEXTS = [
    "where is my parcel?",
    "",
    "I want to cancel order ORD-104233, it never arrived!!! 😡",
    "¿Dónde está mi pedido?",
    "recommend " * 300,  # longer than max_length: truncated the same way by both
]


@pytest.fixture(scope="module")
def onnx_encoder() -> SentenceEncoder:
    return get_encoder(backend="onnx")


def test_onnx_backend_matches_the_tensorflow_graph(onnx_encoder: SentenceEncoder) -> None:
    reference = SentenceEncoder(default_model_path(), backend="tensorflow")
    layers = [reference.layers, 5, 3]
    expected = reference.encode_layers(TEXTS, layers)
    actual = onnx_encoder.encode_layers(TEXTS, layers)
    assert onnx_encoder.backend == "onnx"
    assert actual.shape == (len(TEXTS), 3 * reference.dimension)
    np.testing.assert_allclose(actual, expected, atol=1e-5)


def test_vectors_are_unit_length_and_tell_paraphrases_from_other_topics(onnx_encoder: SentenceEncoder) -> None:
    parcel, package, refund = onnx_encoder.encode(["where is my parcel", "where's my package", "I want my money back"])
    assert np.linalg.norm(parcel) == pytest.approx(1.0, abs=1e-5)
    assert parcel @ package > parcel @ refund + 0.2


def test_an_unknown_backend_is_refused() -> None:
    with pytest.raises(ValueError, match="backend"):
        SentenceEncoder(default_model_path(), backend="pytorch")
