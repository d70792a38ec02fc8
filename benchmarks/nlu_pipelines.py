"""Compare NLU pipelines on Banking77 inside Rasa: accuracy, training time, latency.

Each variant is trained with `rasa train nlu` on the 10,003 training examples and
tested with `rasa test nlu` on the 3,080 test examples; latency is the median and
p95 of `Agent.parse_message` for single messages. Variants:

- sparse: word 1-2 + char 2-5 n-gram counts, linear SVM
- sparse+minilm: the same plus the all-MiniLM-L6-v2 sentence vector
- chosen: sparse plus MiniLM's last and two earlier layers (config.yml)
- spacy-tokens: spaCy's (blank English) tokenizer instead of whitespace; no pretrained
  spaCy vectors can be installed here, so spaCy contributes tokenization only
- diet (optional, --diet-epochs N): Rasa's default sparse pipeline with DIET

    python benchmarks/nlu_pipelines.py [--variants sparse,chosen] [--diet-epochs 10]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Dict, List

import yaml

PROJECT_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT_ROOT))

from benchmarks.banking77 import DATASET, write_nlu  # noqa: E402

SPARSE: List[Dict[str, Any]] = [
    {"name": "CountVectorsFeaturizer", "max_ngram": 2},
    {"name": "CountVectorsFeaturizer", "analyzer": "char_wb", "min_ngram": 2, "max_ngram": 5},
]
SVM = {"name": "bot.nlu.linear_intent_classifier.LinearIntentClassifier", "model": "linear_svm", "C": 0.5}
MINILM = {"name": "bot.nlu.sentence_encoder.SentenceEncoderFeaturizer", "alias": "sentence_encoder"}


def variants(work: Path, diet_epochs: int) -> Dict[str, List[Dict[str, Any]]]:
    found = {
        "sparse": [{"name": "WhitespaceTokenizer"}, *SPARSE, SVM],
        "sparse+minilm": [{"name": "WhitespaceTokenizer"}, *SPARSE, MINILM, SVM],
        "chosen": [{"name": "WhitespaceTokenizer"}, *SPARSE, {**MINILM, "extra_layers": [5, 3]}, SVM],
    }
    import spacy

    blank = work / "spacy-blank-en"
    spacy.blank("en").to_disk(blank)
    found["spacy-tokens"] = [{"name": "SpacyNLP", "model": str(blank)}, {"name": "SpacyTokenizer"}, *SPARSE,
                             {**MINILM, "extra_layers": [5, 3]}, SVM]
    if diet_epochs:
        found[f"diet-{diet_epochs}-epochs"] = [
            {"name": "WhitespaceTokenizer"}, {"name": "RegexFeaturizer"}, {"name": "LexicalSyntacticFeaturizer"},
            {"name": "CountVectorsFeaturizer"},
            {"name": "CountVectorsFeaturizer", "analyzer": "char_wb", "min_ngram": 1, "max_ngram": 4},
            {"name": "DIETClassifier", "epochs": diet_epochs, "constrain_similarities": True},
        ]
    return found


async def latency(model: Path, texts: List[str]) -> Dict[str, float]:
    from rasa.core.agent import Agent

    agent = Agent.load(str(model))
    for text in texts[:10]:
        await agent.parse_message(text)
    timings = []
    for text in texts:
        started = time.perf_counter()
        await agent.parse_message(text)
        timings.append((time.perf_counter() - started) * 1000)
    timings.sort()
    return {"median_ms": round(statistics.median(timings), 1), "p95_ms": round(timings[int(0.95 * len(timings))], 1)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--variants", default="sparse,sparse+minilm,chosen,spacy-tokens")
    parser.add_argument("--diet-epochs", type=int, default=0)
    args = parser.parse_args()
    import csv

    work = Path(tempfile.mkdtemp(prefix="bench-nlu-pipelines-"))
    train_rows = list(csv.DictReader((DATASET / "train.csv").open(encoding="utf-8")))
    test_rows = list(csv.DictReader((DATASET / "test.csv").open(encoding="utf-8")))
    write_nlu(train_rows, work / "train.yml")
    write_nlu(test_rows, work / "test.yml")
    env = {**os.environ, "PYTHONPATH": str(PROJECT_ROOT), "TF_CPP_MIN_LOG_LEVEL": "3"}
    rasa = [sys.executable, "-m", "rasa"]
    wanted = set(args.variants.split(","))
    results = {}
    for name, pipeline in variants(work, args.diet_epochs).items():
        if name not in wanted and not name.startswith("diet"):
            continue
        folder = work / name.replace("+", "_")
        folder.mkdir()
        (folder / "config.yml").write_text(yaml.safe_dump(
            {"recipe": "default.v1", "language": "en", "assistant_id": "bench", "pipeline": pipeline, "policies": []}))
        started = time.perf_counter()
        subprocess.run(rasa + ["train", "nlu", "--config", str(folder / "config.yml"), "--nlu", str(work / "train.yml"),
                               "--out", str(folder), "--fixed-model-name", "model", "--quiet"],
                       cwd=PROJECT_ROOT, env=env, check=True, capture_output=True)
        train_seconds = time.perf_counter() - started
        subprocess.run(rasa + ["test", "nlu", "--model", str(folder / "model.tar.gz"), "--nlu", str(work / "test.yml"),
                               "--out", str(folder / "results"), "--no-plot"],
                       cwd=PROJECT_ROOT, env=env, check=True, capture_output=True)
        report = json.loads((folder / "results" / "intent_report.json").read_text())
        results[name] = {
            "accuracy": round(report["accuracy"], 4),
            "macro_f1": round(report["macro avg"]["f1-score"], 4),
            "train_seconds": round(train_seconds, 1),
            "parse_latency": asyncio.run(latency(folder / "model.tar.gz", [r["text"] for r in test_rows[:300]])),
        }
        print(json.dumps({name: results[name]}), flush=True)
    print(json.dumps({"benchmark": "nlu_pipelines_banking77", "results": results}, indent=2))


if __name__ == "__main__":
    main()
