"""Offline evaluation on the CRM's own order history: leave the last order out.

Why this protocol: "what will this customer buy next?" is the question the
assistant answers, so for every customer with at least two kept orders the last
order is held out, the item-side model is fitted ONCE on everything else, and each
method recommends k items from the customer's earlier orders only. Reported per
method: HR@k (share of customers with at least one held-out item in the list),
recall@k (held-out items found / held-out items, averaged over customers), NDCG@k
(binary relevance) and catalogue coverage (distinct items recommended / products).

The same measures are repeated for items the customer never bought before: the
targets are the held-out items missing from the customer's training history and
every method must leave out what the customer already bought, which is the
"discovery" half of recommending and cannot be won by repeating history.

Stock: evaluation turns the in-stock filter off. Stock is today's state while the
held-out orders are the past: an item bought in the held-out order was in stock
then, so removing it because it is sold out now would penalise the recommender for
something it could not know (imported logs give every product stock anyway).
Everything else (price filters unused, last-order exclusion, category spread) runs
exactly as in production. With `model.rerank`, the re-ranker is trained inside that
one fit (`learn.py`), so it too learns from the training portion only.
"""

from __future__ import annotations

import math
import time
from dataclasses import replace
from typing import Any, Dict, FrozenSet, List, Optional, Sequence

import numpy as np
from sqlalchemy.engine.url import make_url
from sqlalchemy.exc import ArgumentError

from bot.recommend.config import SOURCES, BlendParams, ModelParams, load_config
from bot.recommend.data import (
    Catalogue,
    CustomerHistory,
    HoldOut,
    OrderLog,
    histories_from_log,
    hold_out_last_orders,
    read_training_data,
)
from bot.recommend.learn import fit_recommender
from bot.recommend.model import RecommenderModel, fit
from bot.recommend.recommender import Recommender, SnapshotReader

BASELINES = ("popularity_baseline", "own_most_bought_then_popularity", "plain_item_cosine_cf")
STOCK_POLICY = (
    "off in evaluation: held-out orders are the past and stock is today's, so no held-out item "
    "is removed for being sold out now"
)


def hit_rate(ranked: Sequence[int], relevant: FrozenSet[int]) -> float:
    return 1.0 if any(item in relevant for item in ranked) else 0.0


def recall(ranked: Sequence[int], relevant: FrozenSet[int]) -> float:
    return sum(1 for item in ranked if item in relevant) / len(relevant) if relevant else 0.0


def ndcg(ranked: Sequence[int], relevant: FrozenSet[int], k: int) -> float:
    gain = sum(1.0 / math.log2(rank + 2) for rank, item in enumerate(ranked[:k]) if item in relevant)
    ideal = sum(1.0 / math.log2(rank + 2) for rank in range(min(k, len(relevant))))
    return gain / ideal if ideal else 0.0


def summarise(
    lists: Dict[int, List[int]], targets: Dict[int, FrozenSet[int]], k: int, n_products: int
) -> Dict[str, float]:
    """HR, recall, NDCG at k over the customers in `targets`, and catalogue coverage."""
    customers = [customer for customer in targets if targets[customer]]
    if not customers:
        return {"hr": 0.0, "recall": 0.0, "ndcg": 0.0, "coverage": 0.0}
    shown = {item for customer in customers for item in lists.get(customer, [])[:k]}
    return {
        "hr": round(float(np.mean([hit_rate(lists.get(c, [])[:k], targets[c]) for c in customers])), 4),
        "recall": round(float(np.mean([recall(lists.get(c, [])[:k], targets[c]) for c in customers])), 4),
        "ndcg": round(float(np.mean([ndcg(lists.get(c, []), targets[c], k) for c in customers])), 4),
        "coverage": round(len(shown) / n_products, 4) if n_products else 0.0,
    }


def _paired_hits(
    first: Dict[int, List[int]], second: Dict[int, List[int]], targets: Dict[int, FrozenSet[int]], k: int
) -> np.ndarray:
    """Per customer with a target: [hit of first, hit of second] at k (a customers x 2 array)."""
    customers = [customer for customer in targets if targets[customer]]
    return np.array(
        [
            [hit_rate(first.get(c, [])[:k], targets[c]), hit_rate(second.get(c, [])[:k], targets[c])]
            for c in customers
        ],
        dtype=np.float64,
    ).reshape(-1, 2)


def _bootstrap_sums(hits: np.ndarray, resamples: int, seed: int) -> np.ndarray:
    """Column sums of `resamples` resamples of the customers (a resamples x 2 array)."""
    rng = np.random.default_rng(seed)
    return hits[rng.integers(0, len(hits), size=(resamples, len(hits)))].sum(axis=1)


def hr_difference_interval(
    first: Dict[int, List[int]],
    second: Dict[int, List[int]],
    targets: Dict[int, FrozenSet[int]],
    k: int,
    resamples: int = 2000,
    seed: int = 0,
) -> List[float]:
    """95% paired bootstrap interval of HR@k(first) - HR@k(second) over the customers.

    Why: with a few hundred customers one customer moves HR by about half a point, so
    a difference means little without its uncertainty.
    """
    hits = _paired_hits(first, second, targets, k)
    if not len(hits):
        return [0.0, 0.0]
    sums = _bootstrap_sums(hits, resamples, seed)
    low, high = np.percentile((sums[:, 0] - sums[:, 1]) / len(hits), [2.5, 97.5])
    return [round(float(low), 4), round(float(high), 4)]


def hr_ratio_interval(
    first: Dict[int, List[int]],
    second: Dict[int, List[int]],
    targets: Dict[int, FrozenSet[int]],
    k: int,
    resamples: int = 2000,
    seed: int = 0,
) -> List[Optional[float]]:
    """95% paired bootstrap interval of HR@k(first) / HR@k(second) over the customers.

    Why: the issue states its target as a ratio to the popularity baseline ("1.65x"),
    and on a log of some 160 customers that ratio moves by several hundredths per
    customer. A bound is None where resamples in which `second` hits nobody make it
    unbounded (and both are None when there is no customer to resample).
    """
    hits = _paired_hits(first, second, targets, k)
    if not len(hits):
        return [None, None]
    sums = _bootstrap_sums(hits, resamples, seed)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratios = np.where(sums[:, 1] > 0, sums[:, 0] / np.maximum(sums[:, 1], 1e-12), np.inf)
    bounds = np.quantile(ratios, [0.025, 0.975], method="nearest")
    return [round(float(bound), 3) if np.isfinite(bound) else None for bound in bounds]


class Evaluator:
    """One fitted model over a hold-out split; runs any blend or baseline against it."""

    def __init__(
        self,
        catalogue: Catalogue,
        holdout: HoldOut,
        params: Optional[ModelParams] = None,
        blend: Optional[BlendParams] = None,
    ) -> None:
        """`blend` only matters with `params.rerank`: the re-ranker learns from that blend's candidates."""
        started = time.perf_counter()
        self.model: RecommenderModel = fit_recommender(catalogue, holdout.train, params, blend)
        self.fit_seconds = time.perf_counter() - started
        self.holdout = holdout
        self.histories = histories_from_log(holdout.train)
        known = set(self.model.index_of)
        self.targets = {
            customer: frozenset(p for p in products if p in known)
            for customer, products in holdout.targets.items()
            if customer in self.histories
        }
        self.novel_targets = {
            customer: products - set(self.histories[customer].product_ids())
            for customer, products in self.targets.items()
        }
        self._plain_cf: Optional[Any] = None

    @property
    def customers(self) -> List[int]:
        return sorted(self.targets)

    def recommender(self, blend: BlendParams) -> Recommender:
        return Recommender(self.model, SnapshotReader(self.model, self.histories), blend, check_stock=False)

    def run_blend(
        self, blend: BlendParams, k: int, exclude_bought: bool, fill: bool = True, timings: Optional[List[float]] = None
    ) -> Dict[int, List[int]]:
        """Product ids recommended to each evaluated customer."""
        recommender = self.recommender(blend)
        ids = self.model.catalogue.product_ids
        lists: Dict[int, List[int]] = {}
        for customer in self.customers:
            history = self.histories[customer]
            started = time.perf_counter()
            result = recommender.recommend_for_history(history, k, exclude_bought=exclude_bought, fill=fill)
            if timings is not None:
                timings.append((time.perf_counter() - started) * 1000.0)
            lists[customer] = [int(ids[self.model.sku_index[item.sku]]) for item in result]
        return lists

    def run_baseline(self, name: str, k: int, exclude_bought: bool) -> Dict[int, List[int]]:
        model = self.model
        ids = model.catalogue.product_ids
        by_popularity = [int(ids[i]) for i in np.lexsort((np.arange(len(model)), -model.popularity))]
        lists: Dict[int, List[int]] = {}
        for customer in self.customers:
            history = self.histories[customer]
            bought = set(history.product_ids())
            ranked: List[int] = []
            if name == "own_most_bought_then_popularity" and not exclude_bought:
                ranked = _most_bought(history)
            elif name == "plain_item_cosine_cf":
                ranked = self._plain_cf_ranking(history, k + (len(bought) if exclude_bought else 0))
            elif name != "popularity_baseline" and name != "own_most_bought_then_popularity":
                raise ValueError(f"unknown baseline {name!r}")
            seen = set(ranked)
            for product in by_popularity:
                if len(ranked) >= k + len(bought):
                    break
                if product not in seen:
                    ranked.append(product)
                    seen.add(product)
            if exclude_bought:
                ranked = [product for product in ranked if product not in bought]
            lists[customer] = ranked[:k]
        return lists

    def _plain_cf_ranking(self, history: CustomerHistory, count: int) -> List[int]:
        """Plain item-item cosine on the binary customer x item matrix, no shrinkage, all neighbours."""
        model = self.model
        if self._plain_cf is None:
            plain = ModelParams(cf_weighting="none", cf_shrinkage=0.0, cf_neighbours=max(len(model), 1))
            self._plain_cf = fit(model.catalogue, self.holdout.train, plain).cf
        items = [model.index_of[p] for p in history.product_ids() if p in model.index_of]
        scores = np.asarray(self._plain_cf[items].sum(axis=0)).ravel()
        order = np.lexsort((np.arange(len(model)), -model.popularity, -scores))
        order = order[scores[order] > 0][:count]
        return [int(model.catalogue.product_ids[i]) for i in order]

    def report(self, blend: BlendParams, k: int = 10) -> Dict[str, Any]:
        """The full evaluation document (see the module docstring)."""
        n_products = len(self.model)
        timings: List[float] = []
        sections: Dict[str, Dict[str, Any]] = {"all_items": {}, "never_bought": {}}
        for section, exclude, targets in (
            ("all_items", False, self.targets),
            ("never_bought", True, self.novel_targets),
        ):
            results = sections[section]
            blend_lists = self.run_blend(blend, k, exclude, timings=None if exclude else timings)
            results["blend"] = summarise(blend_lists, targets, k, n_products)
            if self.model.ranker is not None:
                without = self.run_blend(replace(blend, use_reranker=False), k, exclude)
                results["blend_without_reranker"] = summarise(without, targets, k, n_products)
            for source in SOURCES:
                if exclude and source == "buy_again":
                    continue  # only re-buys: nothing left once bought items are excluded
                results[f"{source}_alone"] = summarise(
                    self.run_blend(blend.only(source), k, exclude, fill=False), targets, k, n_products
                )
            intervals: Dict[str, List[float]] = {}
            popularity_lists: Dict[int, List[int]] = {}
            for baseline in BASELINES:
                baseline_lists = self.run_baseline(baseline, k, exclude)
                results[baseline] = summarise(baseline_lists, targets, k, n_products)
                intervals[f"blend_minus_{baseline}"] = hr_difference_interval(blend_lists, baseline_lists, targets, k)
                if baseline == "popularity_baseline":
                    popularity_lists = baseline_lists
            popularity_hr = results["popularity_baseline"]["hr"]
            results["blend_vs_popularity_hr"] = round(results["blend"]["hr"] / popularity_hr, 3) if popularity_hr else None
            results["blend_vs_popularity_hr_95ci"] = hr_ratio_interval(blend_lists, popularity_lists, targets, k)
            results["hr_difference_95ci"] = intervals
        return {
            "k": k,
            "protocol": "leave the last kept order out; item-side model fitted once on all other orders",
            "customers_evaluated": len([c for c in self.targets if self.targets[c]]),
            "customers_evaluated_never_bought": len([c for c in self.novel_targets if self.novel_targets[c]]),
            "products": n_products,
            "training_orders": self.model.stats.get("orders", 0),
            "training_order_lines": self.model.stats.get("order_lines", 0),
            "stock_filter": STOCK_POLICY,
            "weights": dict(blend.weights),
            "reranker": {
                "configured": self.model.params.rerank,
                "trained": self.model.ranker is not None,
                "label_orders": self.model.stats.get("rerank_baskets", 0),
            },
            "all_items": sections["all_items"],
            "never_bought": sections["never_bought"],
            "timings": {
                "fit_seconds": round(self.fit_seconds, 3),
                "recommend_ms_p50": round(float(np.percentile(timings, 50)), 3) if timings else None,
                "recommend_ms_p95": round(float(np.percentile(timings, 95)), 3) if timings else None,
            },
        }


def _most_bought(history: CustomerHistory) -> List[int]:
    """The customer's items by number of orders, then quantity."""
    orders: Dict[int, int] = {}
    quantity: Dict[int, int] = {}
    for order in history.orders:
        for product, amount in zip(order.product_ids, order.quantities, strict=True):
            orders[product] = orders.get(product, 0) + 1
            quantity[product] = quantity.get(product, 0) + amount
    return sorted(orders, key=lambda p: (-orders[p], -quantity[p], p))


def evaluate(
    catalogue: Catalogue,
    log: OrderLog,
    blend: Optional[BlendParams] = None,
    params: Optional[ModelParams] = None,
    k: int = 10,
) -> Dict[str, Any]:
    """Leave-last-order-out evaluation of an order log; see the module docstring."""
    blend = blend or BlendParams()
    evaluator = Evaluator(catalogue, hold_out_last_orders(log), params, blend)
    return evaluator.report(blend, k)


def evaluate_command(database_url: str, k: int = 10) -> Dict[str, Any]:
    """`python -m bot recommend evaluate`: evaluate the configured recommender on the CRM's orders."""
    config = load_config()
    catalogue, log = read_training_data(database_url)
    report = evaluate(catalogue, log, config.blend, config.model, k)
    report["database"] = _masked_url(database_url)
    return report


def _masked_url(url: str) -> str:
    """The URL without its password, for reports."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return "<unparsable url>"

