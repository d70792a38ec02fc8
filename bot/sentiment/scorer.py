"""Sentiment of customer messages: a score in [-1, 1] and a label negative / neutral / positive.

One multinomial logistic regression over up to four feature blocks (chosen by
`benchmarks/sentiment_experiments.py`): TF-IDF word 1-2 grams of negation-marked
text and char_wb 2-5 grams (typos, "sooo", emoji), tone cues (shouting, "!!!",
profanity), VADER's lexicon scores, and the all-MiniLM-L6-v2 sentence vector the
NLU pipeline already computes. Linear, so it trains in seconds on the hand-written
support data and scores a message in well under a millisecond.

The score is P(positive) - P(negative). The labels use thresholds, not the arg max:
calling a polite "where is my order?" negative would send a calm customer to a
human agent. The two thresholds are those with the best cross-validated macro-F1 on
the training data among the pairs that call at most `max_neutral_as_negative` of
its neutral examples negative (and `max_neutral_as_positive` positive).
"""

from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO, Callable, Dict, List, Optional, Sequence, Tuple, Union

import joblib
import numpy as np
import scipy.sparse
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold

from bot.sentiment.features import (
    CUE_NAMES,
    LEXICON_NAMES,
    cue_matrix,
    cues,
    lexicon_matrix,
    negation_marked,
    normalise,
)

logger = logging.getLogger(__name__)

LABELS = ("negative", "neutral", "positive")
NEGATIVE, NEUTRAL, POSITIVE = LABELS
FORMAT_VERSION = 1
# Binary files (e.g. UCI review sentences) label 0 = negative, 1 = positive.
_LABEL_ALIASES = {"0": NEGATIVE, "1": POSITIVE, "negative": NEGATIVE, "neutral": NEUTRAL, "positive": POSITIVE}

PathLike = Union[str, Path]


@dataclass(frozen=True)
class SentimentResult:
    """Sentiment of one message.

    `score` says which way it leans and how surely; `intensity` (0..1) says how
    heated it is: shouting, profanity, "!!!", angry emoji. A calm complaint and a
    furious one can both score -0.99; only the furious one is intense.
    """

    score: float
    label: str
    intensity: float = 0.0

    def to_dict(self) -> Dict[str, Any]:
        return {"score": round(self.score, 3), "label": self.label, "intensity": round(self.intensity, 2)}


NEUTRAL_RESULT = SentimentResult(0.0, NEUTRAL)


HEAT_CUES = ("shouted_words", "profanity", "exclamations", "negative_emoji", "mixed_marks", "questions")


def intensity(text: str) -> float:
    """How heated a message is, 0..1: the strongest of its shouting, swearing and punctuation cues."""
    values = cues(text)
    return float(max(values[name] for name in HEAT_CUES))


def default_config() -> Dict[str, Any]:
    """Training settings; `train(**config)` overrides any of them."""
    return {
        # Feature blocks (benchmarks/sentiment_experiments.py compares them).
        "use_tfidf": True,
        "use_embeddings": True,
        # VADER's polarity scores: needs the vaderSentiment package at run time.
        "use_lexicon": True,
        # Block weights against the unit-length TF-IDF blocks.
        "embedding_weight": 1.5,
        "cue_weight": 1.0,
        "lexicon_weight": 1.0,
        # Inverse regularisation strength of the logistic regression.
        "C": 1.0,
        "class_weight": "balanced",
        # Label thresholds: the most neutral examples (cross-validated) that may be
        # called negative / positive.
        "max_neutral_as_negative": 0.02,
        "max_neutral_as_positive": 0.05,
        "cv_folds": 5,
        "random_state": 42,
    }


def load_labelled(path: PathLike) -> Tuple[List[str], List[str]]:
    """Texts and labels of a `text<TAB>label` file (labels negative/neutral/positive or 0/1).

    The header line is optional, so the UCI sentence files load as they are.
    """
    texts: List[str] = []
    labels: List[str] = []
    with Path(path).open(encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip() or (number == 1 and line.strip().lower() == "text\tlabel"):
                continue
            text, sep, label = line.rstrip("\r\n").rpartition("\t")
            label = label.strip().lower()
            if not sep or label not in _LABEL_ALIASES:
                raise ValueError(f"{path}:{number}: expected 'text<TAB>label', got {line.strip()[:60]!r}")
            texts.append(text.strip())
            labels.append(_LABEL_ALIASES[label])
    return texts, labels


def _has_content(text: Optional[str]) -> bool:
    return bool(text and text.strip())


@dataclass
class _Prepared:
    """Texts turned into what the feature blocks need (block weights applied)."""

    marked: List[str]
    normalised: List[str]
    cues: Optional[np.ndarray]
    lexicon: Optional[np.ndarray]
    embeddings: Optional[np.ndarray]

    def subset(self, rows: np.ndarray) -> _Prepared:
        def pick(matrix: Optional[np.ndarray]) -> Optional[np.ndarray]:
            return None if matrix is None else matrix[rows]

        return _Prepared(
            [self.marked[i] for i in rows] if self.marked else [],
            [self.normalised[i] for i in rows] if self.normalised else [],
            pick(self.cues),
            pick(self.lexicon),
            pick(self.embeddings),
        )


class _Features:
    """Turns texts (and sentence vectors) into the model's feature matrix.

    `fit_transform` / `transform` build sparse matrices for training; `row` gives
    the same features of one text as (column indices, values), for scoring without
    the scipy and sklearn call overhead that is most of the cost of one message.
    """

    def __init__(self, config: Dict[str, Any]) -> None:
        self.config = config
        self.words: Optional[TfidfVectorizer] = None
        self.chars: Optional[TfidfVectorizer] = None
        self._fast: Optional[List[Tuple[Callable[[str], List[str]], Dict[str, int], np.ndarray]]] = None

    def __getstate__(self) -> Dict[str, Any]:
        # The fast-path tables are rebuilt after loading (analyzers are closures).
        return {**self.__dict__, "_fast": None}

    def prepare(self, texts: Sequence[str], embeddings: Optional[np.ndarray]) -> _Prepared:
        """Per-text work, done once however many cross-validation folds reuse it."""
        config = self.config
        tfidf = config["use_tfidf"]
        if config["use_embeddings"]:
            _check_embeddings(embeddings, len(texts))
        return _Prepared(
            marked=[negation_marked(t) for t in texts] if tfidf else [],
            normalised=[normalise(t) for t in texts] if tfidf else [],
            cues=cue_matrix(texts) * config["cue_weight"] if tfidf else None,
            lexicon=lexicon_matrix(texts) * config["lexicon_weight"] if config["use_lexicon"] else None,
            embeddings=np.asarray(embeddings) * config["embedding_weight"] if config["use_embeddings"] else None,
        )

    def fit_transform(self, prepared: _Prepared) -> scipy.sparse.csr_matrix:
        blocks: List[Any] = []
        if self.config["use_tfidf"]:
            self.words = TfidfVectorizer(token_pattern=r"\S+", lowercase=False, ngram_range=(1, 2), sublinear_tf=True)
            self.chars = TfidfVectorizer(
                analyzer="char_wb", lowercase=False, ngram_range=(2, 5), sublinear_tf=True, min_df=2
            )
            blocks = [self.words.fit_transform(prepared.marked), self.chars.fit_transform(prepared.normalised)]
        return self._stack(prepared, blocks)

    def transform(self, prepared: _Prepared) -> scipy.sparse.csr_matrix:
        blocks: List[Any] = []
        if self.config["use_tfidf"]:
            assert self.words is not None and self.chars is not None
            blocks = [self.words.transform(prepared.marked), self.chars.transform(prepared.normalised)]
        return self._stack(prepared, blocks)

    @staticmethod
    def _stack(prepared: _Prepared, blocks: List[Any]) -> scipy.sparse.csr_matrix:
        # Same column order as `row`: words, chars, cues, lexicon, embedding.
        for dense in (prepared.cues, prepared.lexicon, prepared.embeddings):
            if dense is not None:
                blocks.append(scipy.sparse.csr_matrix(dense))
        if not blocks:
            raise ValueError("The sentiment config enables no features.")
        return scipy.sparse.hstack(blocks).tocsr()

    def row(self, text: str, embedding: Optional[np.ndarray]) -> Tuple[np.ndarray, np.ndarray]:
        """Column indices and values of one text: what `transform` computes, but fast."""
        config = self.config
        indices: List[np.ndarray] = []
        values: List[np.ndarray] = []
        offset = 0
        if config["use_tfidf"]:
            for (analyze, vocabulary, idf), prepared in zip(
                self._tables(), (negation_marked(text), normalise(text)), strict=True
            ):
                counts = Counter(analyze(prepared))
                known = [(vocabulary[gram], count) for gram, count in counts.items() if gram in vocabulary]
                if known:
                    columns = np.fromiter((c for c, _ in known), dtype=np.int64, count=len(known))
                    # TfidfVectorizer(sublinear_tf=True, norm="l2"): (1 + log tf) * idf, unit length.
                    weights = (1.0 + np.log([n for _, n in known])) * idf[columns]
                    indices.append(columns + offset)
                    values.append(weights / np.linalg.norm(weights))
                offset += len(vocabulary)
            indices.append(np.arange(offset, offset + len(CUE_NAMES)))
            values.append(cue_matrix([text])[0] * config["cue_weight"])
            offset += len(CUE_NAMES)
        if config["use_lexicon"]:
            indices.append(np.arange(offset, offset + len(LEXICON_NAMES)))
            values.append(lexicon_matrix([text])[0] * config["lexicon_weight"])
            offset += len(LEXICON_NAMES)
        if config["use_embeddings"]:
            vector = np.asarray(embedding, dtype=np.float64).reshape(-1)
            indices.append(np.arange(offset, offset + len(vector)))
            values.append(vector * config["embedding_weight"])
        return np.concatenate(indices), np.concatenate(values)

    def _tables(self) -> List[Tuple[Callable[[str], List[str]], Dict[str, int], np.ndarray]]:
        if self._fast is None:
            assert self.words is not None and self.chars is not None
            self._fast = [
                (vectorizer.build_analyzer(), vectorizer.vocabulary_, np.asarray(vectorizer.idf_))
                for vectorizer in (self.words, self.chars)
            ]
        return self._fast


def _check_embeddings(embeddings: Optional[np.ndarray], count: int) -> None:
    if embeddings is None or len(embeddings) != count:
        raise ValueError("This sentiment model needs one sentence embedding per text.")


def _fit_model(config: Dict[str, Any], prepared: _Prepared, labels: Sequence[str]) -> Tuple[_Features, LogisticRegression]:
    features = _Features(config)
    matrix = features.fit_transform(prepared)
    model = LogisticRegression(
        C=config["C"], class_weight=config["class_weight"], max_iter=3000, random_state=config["random_state"]
    )
    model.fit(matrix, list(labels))
    return features, model


def _ordered(model: LogisticRegression, probabilities: np.ndarray) -> np.ndarray:
    """Probability columns in LABELS order."""
    columns = [list(model.classes_).index(label) for label in LABELS]
    return probabilities[:, columns]


def decide_indices(probabilities: np.ndarray, negative_threshold: float, positive_threshold: float) -> np.ndarray:
    """Label indices (into LABELS) from [P(negative), P(neutral), P(positive)] rows."""
    p_negative, p_positive = probabilities[:, 0], probabilities[:, 2]
    negative = (p_negative >= negative_threshold) & (p_negative >= p_positive)
    positive = ~negative & (p_positive >= positive_threshold) & (p_positive > p_negative)
    return np.where(negative, 0, np.where(positive, 2, 1))


def decide(probabilities: np.ndarray, negative_threshold: float, positive_threshold: float) -> List[str]:
    """Labels from [P(negative), P(neutral), P(positive)] rows and the two thresholds."""
    return [LABELS[i] for i in decide_indices(probabilities, negative_threshold, positive_threshold)]


def _macro_f1(truth: np.ndarray, predicted: np.ndarray) -> float:
    """Macro-F1 over the three labels from index arrays (fast enough for a threshold grid)."""
    scores = []
    for label in range(len(LABELS)):
        true_positive = np.sum((predicted == label) & (truth == label))
        denominator = np.sum(predicted == label) + np.sum(truth == label)
        scores.append(2 * true_positive / denominator if denominator else 0.0)
    return float(np.mean(scores))


def choose_thresholds(
    probabilities: np.ndarray, labels: Sequence[str], max_neutral_as_negative: float, max_neutral_as_positive: float
) -> Tuple[float, float]:
    """The thresholds with the best macro-F1 among those that keep neutral messages neutral."""
    truth = np.asarray([LABELS.index(label) for label in labels])
    neutral = truth == 1
    grid = np.round(np.arange(0.20, 0.951, 0.025), 3)
    best: Optional[Tuple[float, float, float]] = None
    fallback: Tuple[float, float, float] = (np.inf, 0.95, 0.95)
    for negative_threshold in grid:
        for positive_threshold in grid:
            predicted = decide_indices(probabilities, negative_threshold, positive_threshold)
            as_negative = float(np.mean(predicted[neutral] == 0)) if neutral.any() else 0.0
            as_positive = float(np.mean(predicted[neutral] == 2)) if neutral.any() else 0.0
            excess = max(0.0, as_negative - max_neutral_as_negative) + max(0.0, as_positive - max_neutral_as_positive)
            if excess > 0:
                if excess < fallback[0]:
                    fallback = (excess, negative_threshold, positive_threshold)
                continue
            macro_f1 = _macro_f1(truth, predicted)
            if best is None or macro_f1 > best[0] + 1e-9:
                best = (macro_f1, negative_threshold, positive_threshold)
    if best is None:
        logger.warning("No sentiment thresholds meet the neutral limits; using the closest.")
        return float(fallback[1]), float(fallback[2])
    return float(best[1]), float(best[2])


class SentimentScorer:
    """A trained sentiment model; `score()` labels any list of messages."""

    def __init__(
        self,
        config: Dict[str, Any],
        features: _Features,
        model: LogisticRegression,
        negative_threshold: float,
        positive_threshold: float,
        cross_validation: Optional[Dict[str, float]] = None,
        embedding_dimension: Optional[int] = None,
    ) -> None:
        self.config = config
        # Width of the sentence vectors the model was trained with (None: no embeddings).
        self.embedding_dimension = embedding_dimension
        self._features = features
        self._model = model
        self.negative_threshold = negative_threshold
        self.positive_threshold = positive_threshold
        # Out-of-fold metrics on the training data, measured while choosing thresholds.
        self.cross_validation = cross_validation or {}
        # Class rows in LABELS order, for the fast path in `probabilities`.
        order = [list(model.classes_).index(label) for label in LABELS]
        self._coefficients = np.ascontiguousarray(model.coef_[order])
        self._intercepts = model.intercept_[order]

    @property
    def uses_embeddings(self) -> bool:
        return bool(self.config["use_embeddings"])

    @property
    def uses_lexicon(self) -> bool:
        return bool(self.config["use_lexicon"])

    # Training --------------------------------------------------------------------

    @classmethod
    def train(
        cls,
        texts: Sequence[str],
        labels: Sequence[str],
        embeddings: Optional[np.ndarray] = None,
        **config: Any,
    ) -> SentimentScorer:
        """Fit on labelled texts; thresholds come from cross-validation on the same data."""
        unknown = set(config) - set(default_config())
        if unknown:
            raise TypeError(f"Unknown sentiment settings: {sorted(unknown)}")
        settings = {**default_config(), **config}
        unknown_labels = {str(label).lower() for label in labels} - set(_LABEL_ALIASES)
        if unknown_labels:
            raise ValueError(f"Unknown sentiment labels: {sorted(unknown_labels)}")
        labels = [_LABEL_ALIASES[str(label).lower()] for label in labels]
        pairs = [(i, t) for i, t in enumerate(texts) if _has_content(t)]
        rows = [i for i, _ in pairs]
        texts = [t for _, t in pairs]
        labels = [labels[i] for i in rows]
        if set(labels) != set(LABELS):
            raise ValueError(f"Sentiment training data needs all of {LABELS}.")
        if settings["use_embeddings"]:
            embeddings = _embed(texts) if embeddings is None else np.asarray(embeddings)[rows]

        prepared = _Features(settings).prepare(texts, embeddings)
        out_of_fold = np.zeros((len(texts), len(LABELS)))
        folds = StratifiedKFold(settings["cv_folds"], shuffle=True, random_state=settings["random_state"])
        for train_rows, test_rows in folds.split(texts, labels):
            features, model = _fit_model(settings, prepared.subset(train_rows), [labels[i] for i in train_rows])
            matrix = features.transform(prepared.subset(test_rows))
            out_of_fold[test_rows] = _ordered(model, model.predict_proba(matrix))
        negative_threshold, positive_threshold = choose_thresholds(
            out_of_fold, labels, settings["max_neutral_as_negative"], settings["max_neutral_as_positive"]
        )
        predicted = decide_indices(out_of_fold, negative_threshold, positive_threshold)
        truth = np.asarray([LABELS.index(label) for label in labels])
        cross_validation = {
            "macro_f1": _macro_f1(truth, predicted),
            "accuracy": float(np.mean(truth == predicted)),
            "neutral_as_negative": float(np.mean(predicted[truth == 1] == 0)),
            "negative_recall": float(np.mean(predicted[truth == 0] == 0)),
        }
        features, model = _fit_model(settings, prepared, labels)
        dimension = int(embeddings.shape[1]) if settings["use_embeddings"] and embeddings is not None else None
        return cls(settings, features, model, negative_threshold, positive_threshold, cross_validation, dimension)

    # Inference -------------------------------------------------------------------

    def probabilities(self, texts: Sequence[str], embeddings: Optional[np.ndarray] = None) -> np.ndarray:
        """[P(negative), P(neutral), P(positive)] per text."""
        if not len(texts):
            return np.zeros((0, len(LABELS)))
        if self.uses_embeddings:
            embeddings = _embed(texts) if embeddings is None else np.asarray(embeddings)
            _check_embeddings(embeddings, len(texts))
        logits = np.empty((len(texts), len(LABELS)))
        for i, text in enumerate(texts):
            columns, values = self._features.row(text, embeddings[i] if embeddings is not None else None)
            logits[i] = self._coefficients[:, columns] @ values
        logits += self._intercepts
        # Multinomial logistic regression: the softmax of the class scores.
        logits -= logits.max(axis=1, keepdims=True)
        exponentials = np.exp(logits)
        return exponentials / exponentials.sum(axis=1, keepdims=True)

    def score(self, texts: Sequence[str], embeddings: Optional[np.ndarray] = None) -> List[SentimentResult]:
        """One result per text; empty texts are neutral with score 0.

        `embeddings`: the MiniLM sentence vectors of `texts` if the caller has them
        (the Rasa pipeline does); otherwise they are computed when the model needs them.
        """
        if embeddings is not None:
            _check_embeddings(embeddings, len(texts))
        results = [NEUTRAL_RESULT] * len(texts)
        rows = [i for i, text in enumerate(texts) if _has_content(text)]
        if not rows:
            return results
        selected = np.asarray(embeddings)[rows] if embeddings is not None else None
        probabilities = self.probabilities([texts[i] for i in rows], selected)
        labels = decide(probabilities, self.negative_threshold, self.positive_threshold)
        for i, row, label in zip(rows, probabilities, labels, strict=True):
            score = float(np.clip(row[2] - row[0], -1.0, 1.0))
            results[i] = SentimentResult(score, label, intensity(texts[i]))
        return results

    def score_one(self, text: str, embedding: Optional[np.ndarray] = None) -> SentimentResult:
        embeddings = None if embedding is None else np.asarray(embedding).reshape(1, -1)
        return self.score([text], embeddings)[0]

    # Persistence -----------------------------------------------------------------

    def save(self, path: PathLike) -> None:
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        joblib.dump(
            {
                "format_version": FORMAT_VERSION,
                "config": self.config,
                "features": self._features,
                "model": self._model,
                "negative_threshold": self.negative_threshold,
                "positive_threshold": self.positive_threshold,
                "cross_validation": self.cross_validation,
                "embedding_dimension": self.embedding_dimension,
            },
            path,
        )

    @classmethod
    def load(cls, source: Union[PathLike, BinaryIO]) -> SentimentScorer:
        """A scorer saved by `save`, from a path or an open binary file (e.g. a tar member)."""
        saved = joblib.load(source if hasattr(source, "read") else Path(source))  # type: ignore[arg-type]
        if saved.get("format_version") != FORMAT_VERSION:
            raise ValueError(f"Unsupported sentiment model format {saved.get('format_version')!r}")
        return cls(
            saved["config"],
            saved["features"],
            saved["model"],
            saved["negative_threshold"],
            saved["positive_threshold"],
            saved.get("cross_validation"),
            saved.get("embedding_dimension"),
        )


def _embed(texts: Sequence[str]) -> np.ndarray:
    from bot.nlu.sentence_encoder import get_encoder

    return get_encoder().encode(list(texts))


# The scorer of the loaded Rasa model, for parts of the same process that meet a
# message without sentiment (events added through Rasa's HTTP API, or `rasa test`
# stories, whose parse data comes from the story file).
_active_scorer: Optional[SentimentScorer] = None


def set_active_scorer(scorer: Optional[SentimentScorer]) -> None:
    global _active_scorer
    _active_scorer = scorer


def active_scorer() -> Optional[SentimentScorer]:
    return _active_scorer
