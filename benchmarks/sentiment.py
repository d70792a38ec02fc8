"""Sentiment benchmark: quality against VADER, neutral questions, and time per message (prints JSON).

- UCI review sentences (../shared/datasets/uci_sentiment_sentences: amazon, yelp,
  imdb; 0 = negative, 1 = positive): accuracy and macro-F1 of negative vs rest, per
  file and overall, for our scorer and for VADER (compound < -0.05 = negative).
- tests/sentiment/holdout.tsv: three-class accuracy and macro-F1, negative-vs-rest F1.
- tests/sentiment/neutral_order_questions.tsv: share labelled negative.
- Milliseconds per message: the scorer given the MiniLM vectors (as in the Rasa
  pipeline), and end to end including the MiniLM embedding; single and batched.

    python benchmarks/sentiment.py [--model models/assistant.tar.gz]

The model is the one the CLI uses (the trained Rasa model, else the standalone one).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path
from typing import Any, Callable, Dict, List, Sequence

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.sentiment.evaluation import evaluate_labels, negative_vs_rest  # noqa: E402
from bot.sentiment.model_files import find_scorer  # noqa: E402
from bot.sentiment.scorer import SentimentScorer, load_labelled  # noqa: E402
from bot.settings import PROJECT_ROOT  # noqa: E402

UCI_DIR = PROJECT_ROOT.parent / "shared" / "datasets" / "uci_sentiment_sentences"
UCI_FILES = {"amazon": "amazon_cells_labelled.txt", "yelp": "yelp_labelled.txt", "imdb": "imdb_labelled.txt"}
HOLDOUT = PROJECT_ROOT / "tests" / "sentiment" / "holdout.tsv"
NEUTRAL_QUESTIONS = PROJECT_ROOT / "tests" / "sentiment" / "neutral_order_questions.tsv"


def vader_labels(texts: Sequence[str]) -> List[str]:
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    analyzer = SentimentIntensityAnalyzer()
    labels = []
    for text in texts:
        compound = analyzer.polarity_scores(text)["compound"]
        labels.append("negative" if compound < -0.05 else "positive" if compound > 0.05 else "neutral")
    return labels


def binary(truth: Sequence[str], predicted: Sequence[str]) -> Dict[str, float]:
    scores = negative_vs_rest(truth, predicted)
    return {"accuracy": scores["accuracy"], "macro_f1": scores["macro_f1"]}


def milliseconds(run: Callable[[], Any], repeat: int = 1) -> float:
    started = time.perf_counter()
    for _ in range(repeat):
        run()
    return (time.perf_counter() - started) * 1000 / repeat


def latency(scorer: SentimentScorer, texts: List[str], singles: int) -> Dict[str, Any]:
    from bot.nlu.sentence_encoder import get_encoder

    encoder = get_encoder()
    encoder.encode(texts[:64])  # traces the TensorFlow graph
    embeddings = encoder.encode(texts)
    sample = texts[:singles]

    def single(run: Callable[[int], Any]) -> Dict[str, float]:
        timings = sorted(milliseconds(lambda i=i: run(i)) for i in range(len(sample)))
        return {
            "median_ms": round(statistics.median(timings), 3),
            "p95_ms": round(timings[int(0.95 * (len(timings) - 1))], 3),
        }

    def batched(run: Callable[[], Any]) -> float:
        return round(milliseconds(run) / len(texts), 3)

    return {
        "messages": len(texts),
        "scorer_given_embedding": {
            "single": single(lambda i: scorer.score([sample[i]], embeddings[i : i + 1])),
            "batched_ms_per_message": batched(lambda: scorer.score(texts, embeddings)),
        },
        "end_to_end_with_minilm": {
            "single": single(lambda i: scorer.score([sample[i]], encoder.encode([sample[i]]))),
            "batched_ms_per_message": batched(lambda: scorer.score(texts, encoder.encode(texts))),
        },
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", help="Rasa model (.tar.gz) or saved scorer (.joblib)")
    parser.add_argument("--singles", type=int, default=200, help="messages timed one at a time")
    args = parser.parse_args()

    scorer, source = find_scorer(Path(args.model) if args.model else None)
    report: Dict[str, Any] = {"model": source, "config": {k: v for k, v in scorer.config.items()}}

    if UCI_DIR.is_dir():
        uci: Dict[str, Any] = {}
        every_truth: List[str] = []
        ours_all: List[str] = []
        vader_all: List[str] = []
        for name, filename in UCI_FILES.items():
            texts, truth = load_labelled(UCI_DIR / filename)
            ours = [r.label for r in scorer.score(texts)]
            vader = vader_labels(texts)
            uci[name] = {"sentences": len(texts), "ours": binary(truth, ours), "vader": binary(truth, vader)}
            every_truth += truth
            ours_all += ours
            vader_all += vader
        uci["overall"] = {
            "sentences": len(every_truth),
            "ours": binary(every_truth, ours_all),
            "vader": binary(every_truth, vader_all),
        }
        report["uci_negative_vs_rest"] = uci
    else:
        report["uci_negative_vs_rest"] = f"skipped: {UCI_DIR} not found"

    texts, truth = load_labelled(HOLDOUT)
    ours_report = evaluate_labels(truth, [r.label for r in scorer.score(texts)])
    vader_report = evaluate_labels(truth, vader_labels(texts))
    report["holdout"] = {
        "examples": len(texts),
        "ours": {key: ours_report[key] for key in ("accuracy", "macro_f1", "negative_vs_rest")},
        "vader": {key: vader_report[key] for key in ("accuracy", "macro_f1", "negative_vs_rest")},
    }

    questions, _ = load_labelled(NEUTRAL_QUESTIONS)
    ours_questions = [r.label for r in scorer.score(questions)]
    report["neutral_order_questions"] = {
        "questions": len(questions),
        "ours_share_negative": round(float(np.mean(np.asarray(ours_questions) == "negative")), 4),
        "vader_share_negative": round(float(np.mean(np.asarray(vader_labels(questions)) == "negative")), 4),
    }

    report["latency"] = latency(scorer, texts + questions, args.singles)
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
