"""Which features the sentiment scorer uses, decided by experiment (prints a Markdown table).

Every variant trains on data/sentiment/support_sentiment.tsv only (thresholds by
cross-validation on it), then is measured on:
- the UCI review sentences (../shared/datasets/uci_sentiment_sentences; aggregate
  negative-vs-rest macro-F1 only, never their text),
- tests/sentiment/neutral_order_questions.tsv (share called negative),
- latency of the scorer given the sentence embeddings.
tests/sentiment/holdout.tsv is deliberately not used here: it stays untouched for
the final benchmark (benchmarks/sentiment.py).

    python benchmarks/sentiment_experiments.py [--quick]

Embeddings are cached in the system temp folder (keyed by the texts) so reruns
take seconds.
"""

from __future__ import annotations

import argparse
import hashlib
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.sentiment.evaluation import negative_vs_rest  # noqa: E402
from bot.sentiment.scorer import SentimentScorer, load_labelled  # noqa: E402
from bot.settings import PROJECT_ROOT  # noqa: E402

UCI_DIR = PROJECT_ROOT.parent / "shared" / "datasets" / "uci_sentiment_sentences"
UCI_FILES = {"amazon": "amazon_cells_labelled.txt", "yelp": "yelp_labelled.txt", "imdb": "imdb_labelled.txt"}
TRAIN = PROJECT_ROOT / "data" / "sentiment" / "support_sentiment.tsv"
NEUTRAL_QUESTIONS = PROJECT_ROOT / "tests" / "sentiment" / "neutral_order_questions.tsv"

# Each variant overrides the scorer's defaults (bot/sentiment/scorer.py: default_config).
VARIANTS: Dict[str, Dict[str, Any]] = {
    "a  tfidf+cues": {"use_embeddings": False, "use_lexicon": False, "C": 4.0},
    "b  minilm": {"use_tfidf": False, "use_lexicon": False, "embedding_weight": 1.0, "C": 4.0},
    "c  tfidf+cues+minilm": {"use_lexicon": False, "embedding_weight": 1.0, "C": 4.0},
    "c2 tfidf+cues+minilm, C=1": {"use_lexicon": False, "embedding_weight": 1.0, "C": 1.0},
    "c3 tfidf+cues+minilm x1.5, C=1": {"use_lexicon": False, "embedding_weight": 1.5, "C": 1.0},
    "d  tfidf+cues+minilm+vader, C=4": {"embedding_weight": 1.0, "C": 4.0},
    "d2 tfidf+cues+minilm+vader, C=1": {"embedding_weight": 1.0, "C": 1.0},
    "d3 tfidf+cues+minilm x1.5+vader, C=1 (chosen)": {},
    "d4 tfidf+cues+minilm x1.5+vader, C=0.5": {"C": 0.5},
    "d5 tfidf+cues+minilm x2+vader, C=1": {"embedding_weight": 2.0},
    "e  tfidf+cues+vader": {"use_embeddings": False, "C": 4.0},
    "f  minilm+vader": {"use_tfidf": False, "embedding_weight": 1.0, "C": 4.0},
}


def embeddings_for(texts: Sequence[str]) -> np.ndarray:
    """MiniLM vectors, cached on disk by a hash of the texts."""
    digest = hashlib.sha256("\n".join(texts).encode()).hexdigest()[:20]
    cache = Path(tempfile.gettempdir()) / "northwind-sentiment-embeddings" / f"{digest}.npy"
    if cache.exists():
        return np.load(cache)
    from bot.nlu.sentence_encoder import get_encoder

    vectors = get_encoder().encode(list(texts))
    cache.parent.mkdir(parents=True, exist_ok=True)
    np.save(cache, vectors)
    return vectors


def uci_sets() -> Dict[str, Any]:
    sets = {}
    for name, filename in UCI_FILES.items():
        texts, labels = load_labelled(UCI_DIR / filename)
        sets[name] = (texts, labels, embeddings_for(texts))
    return sets


def vader_labels(texts: Sequence[str]) -> List[str]:
    """VADER's usual convention: compound < -0.05 negative, > 0.05 positive."""
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    analyzer = SentimentIntensityAnalyzer()
    labels = []
    for text in texts:
        compound = analyzer.polarity_scores(text)["compound"]
        labels.append("negative" if compound < -0.05 else "positive" if compound > 0.05 else "neutral")
    return labels


def latency_ms(scorer: SentimentScorer, texts: Sequence[str], embeddings: Optional[np.ndarray]) -> float:
    """Median milliseconds to score one message given its embedding."""
    timings = []
    for i, text in enumerate(texts[:300]):
        row = embeddings[i : i + 1] if embeddings is not None else None
        started = time.perf_counter()
        scorer.score([text], row)
        timings.append((time.perf_counter() - started) * 1000)
    return float(np.median(timings))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="only variants a, b, c, d3 and e")
    parser.add_argument("--only", nargs="*", help="variant keys (the letters) to run")
    args = parser.parse_args()

    train_texts, train_labels = load_labelled(TRAIN)
    train_embeddings = embeddings_for(train_texts)
    question_texts, _ = load_labelled(NEUTRAL_QUESTIONS)
    question_embeddings = embeddings_for(question_texts)
    uci = uci_sets()
    all_uci_labels = [label for _, labels, _ in uci.values() for label in labels]

    header = (
        "| variant | CV macro-F1 | CV neutral→neg | UCI amazon | UCI yelp | UCI imdb | UCI all "
        "| neutral Qs →neg | ms/msg (given emb.) | train s |"
    )
    print(header)
    print("|---" * (header.count("|") - 1) + "|")

    vader_row = [negative_vs_rest(labels, vader_labels(texts))["macro_f1"] for texts, labels, _ in uci.values()]
    vader_all = negative_vs_rest(all_uci_labels, vader_labels([t for ts, _, _ in uci.values() for t in ts]))
    vader_questions = np.mean(np.asarray(vader_labels(question_texts)) == "negative")
    print(
        f"| VADER (compound < -0.05) | – | – | {vader_row[0]:.3f} | {vader_row[1]:.3f} | {vader_row[2]:.3f} "
        f"| {vader_all['macro_f1']:.3f} | {vader_questions:.1%} | – | – |"
    )

    chosen = VARIANTS
    if args.quick:
        chosen = {k: v for k, v in VARIANTS.items() if k.split()[0] in {"a", "b", "c", "d3", "e"}}
    if args.only:
        chosen = {k: v for k, v in VARIANTS.items() if k.split()[0] in set(args.only)}
    for name, config in chosen.items():
        started = time.perf_counter()
        scorer = SentimentScorer.train(train_texts, train_labels, train_embeddings, **config)
        train_seconds = time.perf_counter() - started
        cells = []
        predicted_all: List[str] = []
        for texts, labels, embeddings in uci.values():
            predicted = [r.label for r in scorer.score(texts, embeddings)]
            predicted_all += predicted
            cells.append(negative_vs_rest(labels, predicted)["macro_f1"])
        overall = negative_vs_rest(all_uci_labels, predicted_all)["macro_f1"]
        questions = [r.label for r in scorer.score(question_texts, question_embeddings)]
        question_rate = float(np.mean(np.asarray(questions) == "negative"))
        milliseconds = latency_ms(scorer, question_texts, question_embeddings)
        cv = scorer.cross_validation
        print(
            f"| {name} | {cv['macro_f1']:.3f} | {cv['neutral_as_negative']:.1%} | {cells[0]:.3f} | {cells[1]:.3f} "
            f"| {cells[2]:.3f} | {overall:.3f} | {question_rate:.1%} | {milliseconds:.2f} | {train_seconds:.1f} |",
            flush=True,
        )


if __name__ == "__main__":
    main()
