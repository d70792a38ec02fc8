"""Banking77 intent accuracy of our NLU pipeline, trained and tested inside Rasa.

Converts ../shared/datasets/banking77/{train,test}.csv into Rasa NLU files in a
temporary folder, takes the intent-classification part of config.yml (tokenizer,
featurizers, LinearIntentClassifier: the components that decide the intent; the
entity extractors, language guard, sentiment and fallback are left out, as a
fallback would turn uncertain answers into `nlu_fallback`), runs `rasa train nlu`
and `rasa test nlu`, and prints JSON with the accuracy and the training time.

    python benchmarks/banking77.py [--limit N]
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Dict, List

import yaml

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DATASET = PROJECT_ROOT.parent / "shared" / "datasets" / "banking77"
DECIDING = (
    "WhitespaceTokenizer",
    "CountVectorsFeaturizer",
    "bot.nlu.sentence_encoder.SentenceEncoderFeaturizer",
    "bot.nlu.linear_intent_classifier.LinearIntentClassifier",
)


def write_nlu(rows: List[Dict[str, str]], path: Path) -> None:
    by_intent: Dict[str, List[str]] = {}
    for row in rows:
        by_intent.setdefault(row["category"], []).append(" ".join(row["text"].split()))
    lines = ['version: "3.1"', "nlu:"]
    for intent, texts in sorted(by_intent.items()):
        lines.append(f"- intent: {intent}")
        lines.append("  examples: |")
        lines.extend(f"    - {json.dumps(text)[1:-1]}" for text in texts)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--limit", type=int, default=0, help="use only the first N training rows (smoke test)")
    args = parser.parse_args()
    train_rows = list(csv.DictReader((DATASET / "train.csv").open(encoding="utf-8")))
    test_rows = list(csv.DictReader((DATASET / "test.csv").open(encoding="utf-8")))
    if args.limit:
        train_rows = train_rows[: args.limit]

    work = Path(tempfile.mkdtemp(prefix="bench-banking77-"))
    write_nlu(train_rows, work / "train.yml")
    write_nlu(test_rows, work / "test.yml")
    config = yaml.safe_load((PROJECT_ROOT / "config.yml").read_text())
    pipeline = [component for component in config["pipeline"] if component["name"] in DECIDING]
    (work / "config.yml").write_text(
        yaml.safe_dump({"recipe": "default.v1", "language": "en", "assistant_id": "banking77-benchmark",
                        "pipeline": pipeline, "policies": []}, sort_keys=False)
    )
    env = {**os.environ, "PYTHONPATH": str(PROJECT_ROOT), "TF_CPP_MIN_LOG_LEVEL": "3"}
    rasa = [sys.executable, "-m", "rasa"]
    started = time.perf_counter()
    subprocess.run(rasa + ["train", "nlu", "--config", str(work / "config.yml"), "--nlu", str(work / "train.yml"),
                           "--out", str(work / "models"), "--fixed-model-name", "banking77", "--quiet"],
                   cwd=PROJECT_ROOT, env=env, check=True, capture_output=True)
    train_seconds = time.perf_counter() - started
    started = time.perf_counter()
    subprocess.run(rasa + ["test", "nlu", "--model", str(work / "models" / "banking77.tar.gz"), "--nlu",
                           str(work / "test.yml"), "--out", str(work / "results"), "--no-plot"],
                   cwd=PROJECT_ROOT, env=env, check=True, capture_output=True)
    test_seconds = time.perf_counter() - started
    report = json.loads((work / "results" / "intent_report.json").read_text())
    print(json.dumps({
        "benchmark": "banking77_intent_accuracy",
        "train_examples": len(train_rows),
        "test_examples": len(test_rows),
        "accuracy": round(report["accuracy"], 4),
        "macro_f1": round(report["macro avg"]["f1-score"], 4),
        "train_seconds": round(train_seconds, 1),
        "test_seconds": round(test_seconds, 1),
        "pipeline": [component["name"] for component in pipeline],
    }, indent=2))


if __name__ == "__main__":
    main()
