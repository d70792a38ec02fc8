"""Choose the recommender's weights and hyper-parameters without looking at the test orders.

Why: `recommend_eval.py` reports quality on each customer's LAST order; tuning on
that same order would make the report a measurement of the tuning, not of the
recommender. So every customer's last order is removed first and never used here.
On what remains, validation holds out each customer's (new) last order, that is
the second-to-last order overall (fold A, customers with at least three orders),
and, as a second fold, the third-to-last (fold B, at least four orders); the model
is fitted on what precedes. Both folds are pooled, because one is small.

Objective: HR@10 on all held-out items + HR@10 on never-bought items (the two
targets of the issue). HR moves in steps of one customer, and with some sixty
validation customers the top of a grid is mostly noise, so every configuration
within one validation customer of the best objective counts as a tie, and ties go
to the higher sum of the two NDCG@10 (a finer measure). Three stages, each keeping
the winners of the previous one:

1. the customer profile and buy-again rule (half-life, order decay, propensity
   exponent, re-buy threshold) with buy-again and a little popularity only;
2. the item-item CF model (cosine with its weighting and shrinkage, RP3beta, EASE),
   judged by CF alone;
3. the blend weights, trending share and category cap;
4. the learned re-ranker (`bot/recommend/rerank.py`): off, or on with a number of
   label levels and a penalty. "Off" is the first row, so it wins exact ties: the
   re-ranker is used only when it beats the blend on validation. Inside each fold it
   is trained on the fold's training orders alone, as `recommend train` would.

    python benchmarks/recommend_tune.py [--source CSV | --db URL] [--k 10] [--top N] [--stages 1,2,3,4]

`--stages` runs only some stages; the others keep the values in support.yml (for
example `--stages 4` decides on the re-ranker for the configured blend).

The defaults in support.yml were chosen on the shared "Online Retail" log (two
weeks of a wholesale gift shop); a shop with another rhythm (months between
orders) should run this with `--db` on its own CRM and copy the chosen values.

Prints one JSON document: every grid row with its scores, and the chosen values
(the `recommendations:` section of support.yml holds them).
"""

from __future__ import annotations

import argparse
import itertools
import json
import sys
import tempfile
import time
import warnings
from dataclasses import asdict, replace
from pathlib import Path
from typing import Any, Dict, FrozenSet, List, Sequence, Tuple

PROJECT_ROOT = Path(__file__).resolve().parent.parent
for folder in (PROJECT_ROOT, Path(__file__).resolve().parent):
    if str(folder) not in sys.path:
        sys.path.insert(0, str(folder))

from recommend_eval import DEFAULT_SOURCE, import_log  # noqa: E402

from bot.recommend.config import BlendParams, ModelParams, load_config  # noqa: E402
from bot.recommend.data import Catalogue, read_training_data  # noqa: E402
from bot.recommend.evaluate import Evaluator, HoldOut, hold_out_last_orders, summarise  # noqa: E402

Key = Tuple[str, int]

STAGE1 = {
    "history_half_life_days": (1.0, 3.0, 10.0, 30.0, 90.0, 365.0),
    "order_decay": (1.0, 0.7, 0.4),
    "propensity_exponent": (0.0, 0.5, 1.0),
    "rebuy_threshold": (0.1, 0.15, 0.2, 0.25),
}
# Stage 2 candidates: cosine with each weighting and shrinkage, RP3beta, EASE.
STAGE2: List[Dict[str, Any]] = (
    [
        {"cf_algorithm": "cosine", "cf_weighting": weighting, "cf_shrinkage": shrinkage, "cf_neighbours": neighbours}
        for weighting in ("bm25", "tfidf", "none")
        for shrinkage in (0.0, 5.0, 20.0)
        for neighbours in (50, 200)
    ]
    + [
        {"cf_algorithm": "rp3beta", "rp3_alpha": alpha, "rp3_beta": beta, "cf_neighbours": 200}
        for alpha in (0.5, 1.0)
        for beta in (0.0, 0.3, 0.5)
    ]
    + [{"cf_algorithm": "ease", "ease_lambda": regularisation, "cf_neighbours": 200} for regularisation in (10.0, 50.0, 200.0)]
)
STAGE2_KEYS = sorted({key for candidate in STAGE2 for key in candidate})
STAGE3 = {
    "item_cf": (0.0, 0.1, 0.25, 0.5),
    "content": (0.0, 0.1, 0.25, 0.5),
    "popularity": (0.25, 0.5, 1.0, 2.0, 4.0),
    "trending_share": (0.0, 0.5, 1.0),
    "max_per_category": (2, 3, 5),
}


# Stage 4: the blend alone first (it wins exact ties), then the re-ranker's settings.
STAGE4: List[Dict[str, Any]] = [{"rerank": False}] + [
    {"rerank": True, "rerank_levels": levels, "rerank_c": penalty} for levels in (1, 2, 3) for penalty in (0.01, 0.1, 1.0)
]
STAGE4_KEYS = ("rerank", "rerank_levels", "rerank_c")
STAGES = ("stage1_profile_and_buy_again", "stage2_item_cf_model", "stage3_blend", "stage4_reranker")


class Validation:
    """The pooled validation folds; scores a (model params, blend) pair."""

    def __init__(self, catalogue: Catalogue, folds: Sequence[HoldOut], k: int) -> None:
        self.catalogue = catalogue
        self.folds = folds
        self.k = k
        self._evaluators: Dict[str, List[Evaluator]] = {}
        first = self.evaluators(ModelParams())
        self.customers_all = sum(len([c for c, t in e.targets.items() if t]) for e in first)
        self.customers_never_bought = sum(len([c for c, t in e.novel_targets.items() if t]) for e in first)
        # One customer more or less on either measure.
        self.tolerance = max(1 / max(self.customers_all, 1), 1 / max(self.customers_never_bought, 1))

    def evaluators(self, params: ModelParams, blend: BlendParams = BlendParams()) -> List[Evaluator]:
        """Fitted once per model settings (and per blend when a re-ranker learns from it)."""
        key = json.dumps(asdict(params), sort_keys=True)
        if params.rerank:
            key += json.dumps(asdict(blend), sort_keys=True)
        if key not in self._evaluators:
            self._evaluators[key] = [Evaluator(self.catalogue, fold, params, blend) for fold in self.folds]
        return self._evaluators[key]

    def score(self, params: ModelParams, blend: BlendParams, fill: bool = True) -> Dict[str, Any]:
        lists_all: Dict[Key, List[int]] = {}
        lists_new: Dict[Key, List[int]] = {}
        targets_all: Dict[Key, FrozenSet[int]] = {}
        targets_new: Dict[Key, FrozenSet[int]] = {}
        evaluators = self.evaluators(params, blend)
        for number, evaluator in enumerate(evaluators):
            tag = f"fold{number}"
            for customer, items in evaluator.run_blend(blend, self.k, False, fill).items():
                lists_all[(tag, customer)] = items
            for customer, items in evaluator.run_blend(blend, self.k, True, fill).items():
                lists_new[(tag, customer)] = items
            targets_all.update({(tag, c): t for c, t in evaluator.targets.items()})
            targets_new.update({(tag, c): t for c, t in evaluator.novel_targets.items()})
        n = len(self.catalogue)
        every, novel = summarise(lists_all, targets_all, self.k, n), summarise(lists_new, targets_new, self.k, n)  # type: ignore[arg-type]
        extra: Dict[str, Any] = {}
        if params.rerank:
            extra["reranker_label_orders_per_fold"] = [e.model.stats.get("rerank_baskets", 0) for e in evaluators]
            extra["reranker_trained_per_fold"] = [e.model.ranker is not None for e in evaluators]
        return {
            **extra,
            "objective": round(every["hr"] + novel["hr"], 4),
            "tie_break": round(every["ndcg"] + novel["ndcg"], 4),
            "hr_all": every["hr"],
            "ndcg_all": every["ndcg"],
            "hr_never_bought": novel["hr"],
            "ndcg_never_bought": novel["ndcg"],
        }


def _best(rows: List[Dict[str, Any]], tolerance: float) -> Dict[str, Any]:
    """The best NDCG among rows within `tolerance` of the best objective (first wins exact ties)."""
    top = max(row["objective"] for row in rows)
    close = [row for row in rows if row["objective"] >= top - tolerance - 1e-9]
    best = max(close, key=lambda row: row["tie_break"])
    best["chosen"] = True
    return best


def tune(catalogue: Catalogue, log: Any, k: int, stages: Sequence[int] = (1, 2, 3, 4)) -> Dict[str, Any]:
    test = hold_out_last_orders(log)  # removed here and never looked at again
    fold_a = hold_out_last_orders(test.train)
    fold_b = hold_out_last_orders(fold_a.train)
    validation = Validation(catalogue, [fold_a, fold_b], k)
    configured = load_config()
    params = configured.model
    blend = configured.blend
    started = time.perf_counter()

    # Stage 1: the profile and buy-again rule (buy-again + a little popularity to fill short lists).
    stage1: List[Dict[str, Any]] = []
    for values in itertools.product(*STAGE1.values()) if 1 in stages else ():
        settings = dict(zip(STAGE1, values, strict=True))
        candidate = replace(
            blend, weights={"buy_again": 1.0, "item_cf": 0.0, "content": 0.0, "popularity": 0.05}, **settings
        )
        stage1.append({**settings, **validation.score(params, candidate)})
    if stage1:
        best1 = _best(stage1, validation.tolerance)
        blend = replace(blend, **{name: best1[name] for name in STAGE1})
    chosen1 = {name: getattr(blend, name) for name in STAGE1}

    # Stage 2: the CF model, judged by CF alone (it must find something on its own).
    stage2: List[Dict[str, Any]] = []
    for settings in STAGE2 if 2 in stages else ():
        candidate_params = replace(params, **settings)
        stage2.append({**settings, **validation.score(candidate_params, blend.only("item_cf"), fill=False)})
    if stage2:
        best2 = _best(stage2, validation.tolerance)
        params = replace(params, **{name: best2[name] for name in STAGE2_KEYS if name in best2})

    # Stage 3: blend weights (buy-again fixed at 1: only ratios matter), trending share, category cap.
    stage3: List[Dict[str, Any]] = []
    for values in itertools.product(*STAGE3.values()) if 3 in stages else ():
        settings = dict(zip(STAGE3, values, strict=True))
        weights = {"buy_again": 1.0, **{s: settings[s] for s in ("item_cf", "content", "popularity")}}
        candidate = replace(
            blend,
            weights=weights,
            trending_share=settings["trending_share"],
            max_per_category=settings["max_per_category"],
        )
        stage3.append({**settings, **validation.score(params, candidate)})
    if stage3:
        best3 = _best(stage3, validation.tolerance)
        blend = replace(
            blend,
            weights={"buy_again": 1.0, **{s: best3[s] for s in ("item_cf", "content", "popularity")}},
            trending_share=best3["trending_share"],
            max_per_category=best3["max_per_category"],
        )

    # Stage 4: the learned re-ranker on top of the chosen blend, or not.
    stage4: List[Dict[str, Any]] = []
    for settings in STAGE4 if 4 in stages else ():
        stage4.append({**settings, **validation.score(replace(params, **settings), blend)})
    if stage4:
        best4 = _best(stage4, validation.tolerance)
        params = replace(params, **{name: best4[name] for name in STAGE4_KEYS if name in best4})
    final = validation.score(params, blend)
    ordering = lambda row: (-row["objective"], -row["tie_break"])  # noqa: E731
    return {
        "k": k,
        "validation": {
            "protocol": "test last orders removed; fold A holds out the second-to-last order, "
            "fold B the third-to-last; pooled",
            "fold_a_customers": len(fold_a.targets),
            "fold_b_customers": len(fold_b.targets),
            "customers_all_items": validation.customers_all,
            "customers_never_bought": validation.customers_never_bought,
            "objective": "HR@k all items + HR@k never-bought; within one customer of the best "
            f"(tolerance {validation.tolerance:.4f}) the highest NDCG@k sum wins",
        },
        "stage1_profile_and_buy_again": sorted(stage1, key=ordering),
        "stage2_item_cf_model": sorted(stage2, key=ordering),
        "stage3_blend": sorted(stage3, key=ordering),
        "stage4_reranker": sorted(stage4, key=ordering),
        "chosen": {
            "model": {name: getattr(params, name) for name in (*STAGE2_KEYS, *STAGE4_KEYS)},
            "blend": {
                "weights": blend.weights,
                "trending_share": blend.trending_share,
                "max_per_category": blend.max_per_category,
                **chosen1,
            },
            "validation_scores": {key: final[key] for key in ("hr_all", "hr_never_bought", "ndcg_all", "ndcg_never_bought")},
        },
        "seconds": round(time.perf_counter() - started, 1),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", type=Path, default=DEFAULT_SOURCE, help="order log CSV (Online Retail layout)")
    parser.add_argument("--db", help="tune on this CRM instead of importing the log")
    parser.add_argument("--k", type=int, default=10)
    parser.add_argument("--top", type=int, default=0, help="print only the best N rows of each stage (0: all)")
    parser.add_argument("--stages", default="1,2,3,4", help="stages to run, e.g. 4 (default: all)")
    args = parser.parse_args()
    stages = sorted({int(stage) for stage in args.stages.split(",") if stage.strip()})
    warnings.filterwarnings("ignore", category=UserWarning)
    with tempfile.TemporaryDirectory(prefix="recommend-tune-") as folder:
        url = args.db or import_log(args.source, Path(folder))["url"]
        catalogue, log = read_training_data(url)
    result = tune(catalogue, log, args.k, stages)
    if args.top:
        for stage in STAGES:
            result[stage] = result[stage][: args.top]
    print(json.dumps(result, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
