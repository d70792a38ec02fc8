"""Readable summaries of `rasa test` reports, and the quality floors CI enforces."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple

import yaml

NON_INTENT_KEYS = {"accuracy", "macro avg", "weighted avg", "micro avg"}
THRESHOLDS = Path(__file__).resolve().parent.parent / "tests" / "nlu" / "thresholds.yml"


def load_thresholds(path: Path = THRESHOLDS) -> Dict[str, float]:
    return {key: float(value) for key, value in (yaml.safe_load(path.read_text()) or {}).items()}


def _report(path: Path) -> Dict[str, Any]:
    return json.loads(path.read_text(encoding="utf-8"))


def check_intent_report(path: Path, min_macro_f1: Optional[float] = None) -> int:
    """Print per-intent F1 and macro-F1; exit status 1 if macro-F1 is below the floor."""
    report = _report(path)
    macro_f1 = float(report["macro avg"]["f1-score"])
    accuracy = float(report.get("accuracy", 0.0))
    weakest = sorted(
        ((name, values["f1-score"], values["support"]) for name, values in report.items() if name not in NON_INTENT_KEYS),
        key=lambda row: row[1],
    )
    print(f"Intent macro-F1: {macro_f1:.3f}   accuracy: {accuracy:.3f}   ({path})")
    for name, f1, support in weakest[:5]:
        print(f"  weakest: {name:<24} F1 {f1:.3f}  (n={support})")
    if min_macro_f1 is not None and macro_f1 < min_macro_f1:
        print(f"FAIL: intent macro-F1 {macro_f1:.3f} is below the floor {min_macro_f1:.3f}")
        return 1
    return 0


def _intent_table(report: Dict[str, Any]) -> List[str]:
    rows = ["| intent | precision | recall | F1 | n |", "| --- | --- | --- | --- | --- |"]
    for name, values in sorted(report.items()):
        if name in NON_INTENT_KEYS:
            continue
        rows.append(f"| {name} | {values['precision']:.3f} | {values['recall']:.3f} | {values['f1-score']:.3f} | {values['support']} |")
    return rows


def _entity_rows(folder: Path) -> List[str]:
    """One row per entity type, scored for the extractor that produces it.

    Rasa scores every extractor against every entity type; an extractor that never
    predicts a type (the date extractor and emails) has nothing to say about it.
    """
    best: Dict[str, Tuple[str, Dict[str, Any]]] = {}
    for path in sorted(folder.glob("*Extractor_report.json")):
        extractor = path.name.replace("_report.json", "")
        for entity, values in sorted(_report(path).items()):
            if entity in NON_INTENT_KEYS or entity == "no_entity" or not isinstance(values, dict):
                continue
            if entity not in best or values["f1-score"] > best[entity][1]["f1-score"]:
                best[entity] = (extractor, values)
    return [
        f"| {entity} | {extractor} | {values['precision']:.3f} | {values['recall']:.3f} | "
        f"{values['f1-score']:.3f} | {values['support']} |"
        for entity, (extractor, values) in sorted(best.items())
    ]


def write_summary(reports: Path) -> Path:
    """reports/summary.md from the `rasa test nlu` outputs under `reports/`."""
    thresholds = load_thresholds()
    lines = ["# NLU evaluation", "", "Written by `make evaluate`; the JSON reports and confusion matrices are beside it.", ""]
    holdout = reports / "holdout" / "intent_report.json"
    if holdout.exists():
        report = _report(holdout)
        lines += [
            "## Held-out messages (tests/nlu/holdout/, never trained on)", "",
            f"Intent macro-F1 **{report['macro avg']['f1-score']:.3f}**, accuracy {report['accuracy']:.3f}, "
            f"{int(report['macro avg']['support'])} messages (floor in CI: {thresholds.get('holdout_intent_macro_f1')}).",
            "", *_intent_table(report), "",
            "### Entities (precision / recall / F1 per type)", "",
            "| entity | extractor | precision | recall | F1 | n |", "| --- | --- | --- | --- | --- | --- |",
            *_entity_rows(reports / "holdout"), "",
        ]
    hard = reports / "hard_cases" / "intent_report.json"
    if hard.exists():
        report = _report(hard)
        lines += [
            "## Hard cases (tests/nlu/hard_cases.yml: typos, no punctuation, long messages, emoji, two requests)", "",
            f"Intent accuracy **{report['accuracy']:.3f}**, macro-F1 {report['macro avg']['f1-score']:.3f}, "
            f"{int(report['macro avg']['support'])} messages.", "",
        ]
    crossval = reports / "crossval" / "intent_report.json"
    if crossval.exists():
        report = _report(crossval)
        lines += [
            "## 5-fold cross-validation on the training data", "",
            f"Intent macro-F1 {report['macro avg']['f1-score']:.3f}, accuracy {report['accuracy']:.3f}.", "",
        ]
    path = reports / "summary.md"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(path.read_text(encoding="utf-8"))
    return path


def check_floors(reports: Path) -> int:
    """1 if a measured figure is below its floor in tests/nlu/thresholds.yml."""
    thresholds = load_thresholds()
    failed = 0
    checks = [
        ("holdout_intent_macro_f1", reports / "holdout" / "intent_report.json", lambda r: r["macro avg"]["f1-score"]),
        ("hard_cases_intent_accuracy", reports / "hard_cases" / "intent_report.json", lambda r: r["accuracy"]),
    ]
    for key, path, measure in checks:
        if key in thresholds and path.exists():
            value = float(measure(_report(path)))
            if value < thresholds[key]:
                print(f"FAIL: {key} {value:.3f} is below the floor {thresholds[key]:.3f}")
                failed = 1
    return failed
