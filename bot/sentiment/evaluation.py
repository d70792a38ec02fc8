"""Metrics for sentiment labels, shared by the CLI, the benchmark and the experiments.

Two views, because the test sets differ: three-class files (ours) get accuracy and
macro-F1 over negative / neutral / positive; binary files (UCI review sentences,
0 = negative, 1 = positive) only say negative or not, so every file is also scored
as "negative vs rest", the decision the handoff to a human agent depends on.
"""

from __future__ import annotations

from typing import Any, Dict, Sequence

import numpy as np
from sklearn.metrics import accuracy_score, f1_score

from bot.sentiment.scorer import LABELS, NEGATIVE, NEUTRAL


def negative_vs_rest(truth: Sequence[str], predicted: Sequence[str]) -> Dict[str, float]:
    """Accuracy, macro-F1 and negative-class F1 of the negative / not-negative decision."""
    truth_negative = np.asarray(truth) == NEGATIVE
    predicted_negative = np.asarray(predicted) == NEGATIVE
    return {
        "accuracy": round(float(accuracy_score(truth_negative, predicted_negative)), 4),
        "macro_f1": round(float(f1_score(truth_negative, predicted_negative, average="macro", zero_division=0)), 4),
        "negative_f1": round(float(f1_score(truth_negative, predicted_negative, zero_division=0)), 4),
    }


def evaluate_labels(truth: Sequence[str], predicted: Sequence[str]) -> Dict[str, Any]:
    """Metrics of predicted labels against true ones (three-class when the truth has neutrals)."""
    truth_array, predicted_array = np.asarray(truth), np.asarray(predicted)
    report: Dict[str, Any] = {"examples": len(truth_array)}
    present = set(truth_array.tolist())
    if NEUTRAL in present:
        report["accuracy"] = round(float(accuracy_score(truth_array, predicted_array)), 4)
        if len(present) > 1:
            report["macro_f1"] = round(
                float(f1_score(truth_array, predicted_array, labels=list(LABELS), average="macro", zero_division=0)), 4
            )
        neutral = truth_array == NEUTRAL
        report["neutral_as_negative"] = round(float(np.mean(predicted_array[neutral] == NEGATIVE)), 4)
    if len(present) > 1:
        report["negative_vs_rest"] = negative_vs_rest(list(truth), list(predicted))
    report["predicted"] = {label: int(np.sum(predicted_array == label)) for label in LABELS}
    return report
