"""The sentiment scorer and its text features, trained on the real support data.

The scorer is trained once per module on data/sentiment/support_sentiment.tsv
without the MiniLM block: the production model adds sentence embeddings, which
need TensorFlow and about 20 s to embed the training set, too slow for unit tests.
The embedding path is tested with synthetic vectors.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import List

import numpy as np
import pytest

from bot.sentiment import scorer as scorer_module
from bot.sentiment.features import (
    CUE_NAMES,
    NEGATION_PREFIX,
    cue_matrix,
    cues,
    mark_negation,
    negation_marked,
    normalise,
    tokenize,
)
from bot.sentiment.scorer import (
    LABELS,
    SentimentResult,
    SentimentScorer,
    _ordered,
    choose_thresholds,
    load_labelled,
)
from bot.settings import PROJECT_ROOT

DATA = PROJECT_ROOT / "data" / "sentiment" / "support_sentiment.tsv"


@pytest.fixture(scope="module")
def data() -> tuple:
    return load_labelled(DATA)


@pytest.fixture(scope="module")
def scorer(data: tuple) -> SentimentScorer:
    texts, labels = data
    return SentimentScorer.train(texts, labels, use_embeddings=False)


def labels_of(scorer: SentimentScorer, texts: List[str]) -> List[str]:
    return [result.label for result in scorer.score(texts)]


# Features ----------------------------------------------------------------------


def test_negation_marks_words_until_punctuation() -> None:
    assert negation_marked("not happy at all. thanks") == "not NEG_happy NEG_at NEG_all . thanks"
    assert negation_marked("I can't say I'm impressed") == "i can't NEG_say NEG_i'm NEG_impressed"
    # Typed without the apostrophe, and "but" ends the scope.
    assert negation_marked("dont like it but ok") == "dont NEG_like NEG_it but ok"
    assert mark_negation(["never", "again", "!"]) == ["never", NEGATION_PREFIX + "again", "!"]


def test_placeholders_hide_codes_links_and_handles() -> None:
    text = "@NorthwindHelp order ORD-104233 at https://t.co/x8dK2lQ mail x@example.com"
    assert normalise(text).split() == ["_user_", "order", "_num_", "at", "_url_", "mail", "_email_"]
    # Short numbers carry meaning ("3 weeks", "10/10") and stay.
    assert tokenize("3 weeks, 10/10") == ["3", "weeks", ",", "10", "/", "10"]


def test_repeated_marks_collapse_and_emoji_get_class_tokens() -> None:
    assert tokenize("why?!?! ok!!!!") == ["why", "?!", "ok", "!!"]
    assert tokenize("love it 😍") == ["love", "it", "😍", "_posemoji_"]
    assert tokenize("late again 😡 :(") == ["late", "again", "😡", "_negemoji_", "_negemoji_"]


def test_cues_measure_shouting_and_emphasis() -> None:
    rant = cues("WHERE IS MY ORDER??? THIS IS A JOKE!!!")
    assert rant["upper_share"] == 1.0 and rant["shouted_words"] == 1.0
    assert rant["questions"] > 0 and rant["exclamations"] > 0
    calm = cues("where is my order ORD-104233?")
    # Order codes are upper case without shouting.
    assert calm["upper_share"] == 0.0 and calm["shouted_words"] == 0.0
    assert cues("sooo slow, wtf")["elongated"] > 0 and cues("sooo slow, wtf")["profanity"] > 0
    assert cues("this is damn bullshit")["profanity"] == 1.0
    assert cues("really very late")["intensifiers"] > 0
    assert cues("great 👍")["positive_emoji"] > 0 and cues("late 😤")["negative_emoji"] > 0
    assert cues("oh great, another delay")["praise_with_problem"] == 1.0
    assert cues("great, thanks")["praise_with_problem"] == 0.0


def test_cue_matrix_is_bounded() -> None:
    matrix = cue_matrix(["", "OK", "NO NO NO!!!!!! 😡😡😡 wtf wtf sooooo", "fine"])
    assert matrix.shape == (4, len(CUE_NAMES))
    assert matrix.min() >= 0.0 and matrix.max() <= 1.0
    assert not matrix[0].any()


# The scorer ----------------------------------------------------------------------


def test_negation_flips_the_label(scorer: SentimentScorer) -> None:
    happy, unhappy = scorer.score(["I'm happy with it", "not happy at all"])
    assert happy.label == "positive" and happy.score > 0.3
    assert unhappy.label == "negative" and unhappy.score < -0.3
    assert scorer.score_one("not bad at all").score > scorer.score_one("bad").score


def test_all_caps_rant_is_negative(scorer: SentimentScorer) -> None:
    result = scorer.score_one("WHY HAS NOBODY ANSWERED MY EMAILS, I HAVE BEEN WAITING FOR WEEKS")
    assert result.label == "negative" and result.score < -0.5


@pytest.mark.parametrize(
    "text",
    [
        "where is my order ORD-104233",
        "can I change my delivery address",
        "hi, could you tell me when my parcel will arrive?",
        "I want to return the jacket, it's too small",
        "I need to cancel my order",
        "my email is x@example.com",
    ],
)
def test_polite_order_questions_are_neutral(scorer: SentimentScorer, text: str) -> None:
    assert scorer.score_one(text).label == "neutral"


@pytest.mark.parametrize("text", ["thanks so much!", "thank you, that solved it", "cheers, great service 👍"])
def test_thanks_are_positive(scorer: SentimentScorer, text: str) -> None:
    assert scorer.score_one(text).label == "positive"


def test_complaints_and_profanity_are_negative(scorer: SentimentScorer) -> None:
    texts = [
        "this is bullshit, still no parcel",
        "wtf, the damn courier left it in the rain",
        "the blender broke after two days",
        "still waiting after 3 weeks",
    ]
    assert labels_of(scorer, texts) == ["negative"] * len(texts)


def test_sarcastic_praise_is_not_positive(scorer: SentimentScorer) -> None:
    assert scorer.score_one("brilliant, the wrong colour AGAIN").label == "negative"
    sarcastic = scorer.score_one("oh great, another delay, just perfect")
    assert sarcastic.label != "positive" and sarcastic.score < 0


def test_scores_are_bounded_and_rounded(scorer: SentimentScorer) -> None:
    texts = ["!!!!!!", "😡😡😡😡", "LOVE LOVE LOVE IT 😍😍😍", "ok", "a" * 2000, "🙂", "?"]
    for result in scorer.score(texts):
        assert -1.0 <= result.score <= 1.0
        assert result.label in LABELS
    assert SentimentResult(-0.123456, "negative").to_dict() == {"score": -0.123, "label": "negative", "intensity": 0.0}
    assert SentimentResult(-0.5, "negative", 0.666).to_dict()["intensity"] == 0.67


def test_empty_text_is_neutral(scorer: SentimentScorer) -> None:
    results = scorer.score(["", "   ", "this is a disgrace!!!", "\n"])
    assert [r.to_dict() for r in (results[0], results[1], results[3])] == [
        {"score": 0.0, "label": "neutral", "intensity": 0.0}] * 3
    assert results[2].label == "negative"


def test_intensity_tells_a_furious_message_from_a_calm_complaint(scorer: SentimentScorer) -> None:
    calm, furious, shouting = scorer.score([
        "my parcel still hasn't arrived after three weeks, this is disappointing",
        "where the fuck is my parcel!!!",
        "WHERE IS MY PARCEL, I WANT MY MONEY BACK NOW",
    ])
    assert calm.label == furious.label == shouting.label == "negative"
    assert calm.intensity < 0.5 <= min(furious.intensity, shouting.intensity)
    assert scorer.score([]) == []


def test_cross_validated_thresholds_keep_neutral_messages_neutral(scorer: SentimentScorer) -> None:
    assert scorer.cross_validation["neutral_as_negative"] <= scorer.config["max_neutral_as_negative"]
    assert 0.2 <= scorer.negative_threshold <= 0.95


def test_choose_thresholds_respects_the_neutral_limit() -> None:
    # Neutral rows with P(negative) 0.6: any threshold at or below 0.6 calls them negative.
    probabilities = np.array([[0.9, 0.05, 0.05], [0.6, 0.4, 0.0], [0.6, 0.4, 0.0], [0.0, 0.1, 0.9]])
    labels = ["negative", "neutral", "neutral", "positive"]
    negative_threshold, _ = choose_thresholds(probabilities, labels, 0.0, 0.0)
    assert 0.6 < negative_threshold <= 0.9


def test_fast_path_matches_sklearn(scorer: SentimentScorer) -> None:
    texts = ["not happy at all!!!", "where is ORD-1234567?", "thanks 😍", "sooo slow, wtf", "x"]
    model = scorer._model
    features = scorer._features
    expected = _ordered(model, model.predict_proba(features.transform(features.prepare(texts, None))))
    assert np.allclose(scorer.probabilities(texts), expected, atol=1e-9)


def test_save_and_load_round_trip(scorer: SentimentScorer, tmp_path: Path) -> None:
    texts = ["not happy at all", "where is my order", "thanks a lot!", ""]
    path = tmp_path / "sentiment.joblib"
    scorer.save(path)
    for loaded in (SentimentScorer.load(path), SentimentScorer.load(io.BytesIO(path.read_bytes()))):
        assert loaded.score(texts) == scorer.score(texts)
        assert loaded.negative_threshold == scorer.negative_threshold
        assert loaded.uses_embeddings is False


def test_embedding_model_uses_the_given_vectors(data: tuple, monkeypatch: pytest.MonkeyPatch) -> None:
    texts, labels = data
    texts, labels = texts[::4], labels[::4]
    rng = np.random.default_rng(0)
    centres = {label: rng.normal(size=16) for label in LABELS}
    vectors = np.array([centres[label] + rng.normal(scale=2.0, size=16) for label in labels])
    model = SentimentScorer.train(texts, labels, vectors, use_tfidf=False, use_lexicon=False, cv_folds=3)
    assert model.uses_embeddings and model.embedding_dimension == 16

    def no_encoder(texts: List[str]) -> np.ndarray:
        raise AssertionError("the encoder must not run when vectors are given")

    monkeypatch.setattr(scorer_module, "_embed", no_encoder)
    results = model.score(["x", "y"], np.vstack([centres["negative"], centres["positive"]]))
    assert [r.label for r in results] == ["negative", "positive"]
    with pytest.raises(ValueError):
        model.score(["x", "y"], centres["negative"][None, :])


def test_load_labelled_reads_three_class_and_binary_files(tmp_path: Path) -> None:
    three = tmp_path / "three.tsv"
    three.write_text("text\tlabel\nnot good\tnegative\nok\tNeutral\n\ngreat\tpositive\n", encoding="utf-8")
    assert load_labelled(three) == (["not good", "ok", "great"], ["negative", "neutral", "positive"])
    binary = tmp_path / "binary.txt"
    binary.write_text("Crust is bad.  \t0\nLoved it, tab\tinside\t1\n", encoding="utf-8")
    assert load_labelled(binary) == (["Crust is bad.", "Loved it, tab\tinside"], ["negative", "positive"])
    broken = tmp_path / "broken.tsv"
    broken.write_text("text\tlabel\nhello\tmaybe\n", encoding="utf-8")
    with pytest.raises(ValueError, match="broken.tsv:2"):
        load_labelled(broken)


def test_training_rejects_unknown_settings_and_missing_labels(data: tuple) -> None:
    texts, labels = data
    with pytest.raises(TypeError):
        SentimentScorer.train(texts, labels, use_embeddings=False, colour="blue")
    with pytest.raises(ValueError):
        SentimentScorer.train(["good", "bad"], ["positive", "negative"], use_embeddings=False)
    with pytest.raises(ValueError, match="angry"):
        SentimentScorer.train(["good", "meh", "bad"], ["Positive", "neutral", "angry"], use_embeddings=False)


def test_lexicon_scores_of_a_huge_emoji_message_are_fast() -> None:
    # Found by `python -m bot bench fuzz`: VADER is quadratic; 2,000 emoji took 3 s.
    import time

    pytest.importorskip("vaderSentiment")
    from bot.sentiment.features import lexicon_matrix

    started = time.perf_counter()
    rows = lexicon_matrix(["🙂" * 5000, "this is awful " * 2000])
    # Linear takes ~0.1 s; quadratic would take ~20 s. The margin absorbs a busy CI machine.
    assert time.perf_counter() - started < 5.0
    assert rows.shape == (2, 4) and rows[1, 3] < 0
