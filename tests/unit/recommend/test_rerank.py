"""The learned re-ranker: its features, what it learns, that it never sees its labels, how it is served.

The "quantity shop" has a right answer the blend cannot see: every customer re-buys
the item they bought by the dozen and never the one they bought singly. Half of the
customers buy X by the dozen and Y singly, the other half the reverse, so each item
is as popular and as often re-bought as its twin: only the quantity tells them apart.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Dict, List, Tuple

import joblib
import numpy as np
import pytest

from bot.recommend.config import BlendParams, ModelParams
from bot.recommend.data import Catalogue, CustomerHistory, OrderLog, PastOrder, histories_from_log
from bot.recommend.evaluate import evaluate
from bot.recommend.learn import fit_recommender, ranker_examples
from bot.recommend.model import RecommenderModel, fit
from bot.recommend.recommender import Recommender, SnapshotReader
from bot.recommend.rerank import FEATURES, Ranker, candidates, features

from .conftest import ADA, Shop

DAY = 86400.0
PAIRS = 4
# Product ids: X_i = 1 + i, Y_i = 11 + i, and a filler item 21 everyone buys once at the start.
FILLER = 21
RERANK = ModelParams(rerank=True, rerank_levels=1, rerank_min_baskets=10, rerank_c=1.0)
# Before the label orders nobody in the quantity shop re-bought anything, so every propensity
# is 0: the last-order rule would remove both items, and it is not what these tests are about.
KEEP_LAST = BlendParams(rebuy_threshold=0.0)


def column(name: str) -> int:
    return FEATURES.index(name)


def catalogue(product_ids: List[int]) -> Catalogue:
    n = len(product_ids)
    return Catalogue(
        product_ids=np.array(product_ids, dtype=np.int64),
        skus=[f"P{pid}" for pid in product_ids],
        names=[f"Product {pid}" for pid in product_ids],
        categories=[f"Category {pid % 5}" for pid in product_ids],
        descriptions=[""] * n,
        tags=[""] * n,
        images=[None] * n,
        price_cents=np.full(n, 500, dtype=np.int64),
        stock=np.full(n, 10, dtype=np.int64),
    )


def quantity_shop(customers: int = 48) -> Tuple[Catalogue, OrderLog]:
    """Each customer: a filler order, then X_i and Y_i (one of them by the dozen), then that one again."""
    lines: List[Tuple[int, int, float, int, int]] = []
    order_id = 0
    for customer in range(1, customers + 1):
        pair = customer % PAIRS
        big_x = (customer // PAIRS) % 2 == 0
        x, y = 1 + pair, 11 + pair
        big, small = (x, y) if big_x else (y, x)
        start = customer * 1000.0
        orders = [
            [(FILLER, 1)],
            [(big, 12), (small, 1)],
            [(big, 12)],
        ]
        for number, items in enumerate(orders):
            order_id += 1
            for product, quantity in items:
                lines.append((customer, order_id, start + number * DAY, product, quantity))
    products = [1 + i for i in range(PAIRS)] + [11 + i for i in range(PAIRS)] + [FILLER]
    return catalogue(sorted(products)), OrderLog.from_lines(lines)


def history(*orders: Dict[int, int]) -> CustomerHistory:
    return CustomerHistory(
        tuple(
            PastOrder(number, number * DAY, tuple(items), tuple(items.values()))
            for number, items in enumerate(orders, start=1)
        )
    )


# Features ------------------------------------------------------------------------------------


def test_features_of_a_known_history(shop: Shop) -> None:
    model = shop.model
    ada = shop.recommender.reader.history(ADA)  # espresso, espresso, espresso + kettle
    espresso, kettle, grinder = (model.sku_index[s] for s in ("PAN-ESP", "KIT-KET", "KIT-GRI"))
    items = np.array([espresso, kettle, grinder])
    cf = np.zeros(len(model))
    cf[grinder] = 0.5
    rows = features(model, ada, items, {"item_cf": cf}, np.linspace(0, 1, len(model)))
    assert rows.shape == (3, len(FEATURES))
    np.testing.assert_allclose(rows[:, column("bought_before")], [1, 1, 0])
    np.testing.assert_allclose(rows[:, column("order_share")], [1, 1 / 3, 0])
    np.testing.assert_allclose(rows[:, column("in_last_order")], [1, 1, 0])
    np.testing.assert_allclose(rows[:, column("log_quantity")], [np.log1p(3), np.log1p(1), 0])
    # Both were in her newest order; the grinder was never bought.
    np.testing.assert_allclose(rows[:, column("days_since_bought")], [0, 0, 0])
    # Her later orders had three lines (espresso; espresso, kettle), two of them re-buys.
    np.testing.assert_allclose(rows[:, column("customer_repeat_share")], 2 / 3)
    np.testing.assert_allclose(rows[:, column("log_orders")], np.log(3))
    # Each source is rescaled so its best candidate scores 1; a missing source is 0.
    np.testing.assert_allclose(rows[:, column("item_cf")], [0, 0, 1])
    np.testing.assert_allclose(rows[:, column("content")], 0)
    np.testing.assert_allclose(rows[:, column("propensity_if_bought")], model.propensity[items] * [1, 1, 0])


def test_days_since_bought_counts_from_the_newest_order() -> None:
    cat = catalogue([1, 2])
    model = fit(cat, OrderLog.from_lines([(9, 1, 0.0, 1, 1)]))
    rows = features(model, history({1: 1}, {2: 1}, {2: 1}), np.array([0, 1]), {}, np.zeros(2))
    np.testing.assert_allclose(rows[:, column("days_since_bought")], [2, 0])
    np.testing.assert_allclose(rows[:, column("customer_repeat_share")], 1 / 2)


def test_candidates_are_the_best_allowed_plus_the_customers_own() -> None:
    total = np.array([0.9, 0.8, 0.1, 0.7, 0.0])
    allowed = np.array([True, False, True, True, True])
    own = np.array([4, 1])
    # Best two allowed: 0 and 3; own items: 4 (1 is not allowed).
    assert candidates(total, allowed, own, 2).tolist() == [0, 3, 4]


# The ranker ------------------------------------------------------------------------------------


def test_ranker_learns_the_feature_that_decides() -> None:
    rng = np.random.default_rng(1)
    rows = rng.normal(size=(400, 3))
    labels = (rows[:, 1] > 0.5).astype(int)
    ranker = Ranker.fit(rows, labels, c=1.0, baskets=40)
    assert ranker is not None and ranker.baskets == 40
    assert np.argmax(np.abs(ranker.weights)) == 1 and ranker.weights[1] > 0
    assert ranker.probability(np.array([[0, 2.0, 0]]))[0] > 0.9 > 0.1 > ranker.probability(np.array([[0, -2.0, 0]]))[0]


def test_no_ranker_from_labels_that_are_all_alike() -> None:
    assert Ranker.fit(np.ones((5, 2)), np.zeros(5), c=1.0, baskets=5) is None


# Training --------------------------------------------------------------------------------------


def test_training_never_sees_the_label_orders() -> None:
    """A product bought only in customers' last orders is unknown to the model that gives the features."""
    lines = []
    for customer in range(1, 21):
        lines += [(customer, 2 * customer, 0.0, 1, 1), (customer, 2 * customer + 1, DAY, 2, 1)]
    cat = catalogue([1, 2])
    rows, labels, baskets = ranker_examples(cat, OrderLog.from_lines(lines), RERANK, BlendParams())
    assert baskets == 20 and labels.sum() == 20
    positives = rows[labels == 1]
    assert np.all(positives[:, column("popularity")] == 0)
    assert np.all(positives[:, column("bought_before")] == 0)


def test_each_level_adds_the_orders_before() -> None:
    cat, log = quantity_shop(customers=12)
    one = ranker_examples(cat, log, replace(RERANK, rerank_levels=1), BlendParams())[2]
    two = ranker_examples(cat, log, replace(RERANK, rerank_levels=2), BlendParams())[2]
    three = ranker_examples(cat, log, replace(RERANK, rerank_levels=3), BlendParams())[2]
    # Every customer has three orders: the last and the second-to-last can be labels, the first cannot.
    assert (one, two, three) == (12, 24, 24)


def test_too_few_label_orders_give_no_ranker() -> None:
    cat, log = quantity_shop(customers=8)
    model = fit_recommender(cat, log, replace(RERANK, rerank_min_baskets=9))
    assert model.ranker is None and model.stats["rerank_baskets"] == 8
    assert fit_recommender(cat, log, ModelParams()).ranker is None  # rerank off: nothing trained


# Serving ----------------------------------------------------------------------------------------


def reranked_shop() -> Tuple[RecommenderModel, Recommender]:
    cat, log = quantity_shop()
    model = fit_recommender(cat, log, RERANK, KEEP_LAST)
    assert model.ranker is not None
    return model, Recommender(model, SnapshotReader(model, histories_from_log(log)), KEEP_LAST, check_stock=False)


def test_the_ranker_puts_the_item_bought_by_the_dozen_first() -> None:
    model, recommender = reranked_shop()
    assert model.ranker is not None and model.ranker.weights[column("log_quantity")] > 0
    for big, small in ((1, 11), (11, 1), (2, 12), (12, 2)):
        result = recommender.recommend_for_history(history({FILLER: 1}, {big: 12, small: 1}), k=3)
        order = [item.sku for item in result]
        assert order.index(f"P{big}") < order.index(f"P{small}"), (big, order)
        assert result[0].reason in ("you bought this before", "you buy this regularly")


def test_without_the_ranker_quantity_does_not_matter() -> None:
    """The blend alone scores both items of an order alike: swapping the dozens changes nothing."""
    model, recommender = reranked_shop()
    blend = replace(recommender.blend, use_reranker=False)
    first = recommender.recommend_for_history(history({FILLER: 1}, {1: 12, 11: 1}), k=3, blend=blend)
    second = recommender.recommend_for_history(history({FILLER: 1}, {1: 1, 11: 12}), k=3, blend=blend)
    assert [item.sku for item in first] == [item.sku for item in second]
    assert BlendParams().only("item_cf").use_reranker is False


def test_anonymous_customers_get_popular_items_even_with_a_ranker() -> None:
    _, recommender = reranked_shop()
    result = recommender.recommend(None, k=3)
    assert result.notice == "no_history" and len(result) == 3


def test_a_model_keeps_its_ranker_and_older_files_load_without_one(tmp_path: Path) -> None:
    model, _ = reranked_shop()
    loaded = RecommenderModel.load(model.save(tmp_path / "m.joblib"))
    assert loaded.ranker is not None and model.ranker is not None
    np.testing.assert_allclose(loaded.ranker.weights, model.ranker.weights)
    state = joblib.load(tmp_path / "m.joblib")
    del state["ranker"]  # a file saved before the re-ranker existed
    joblib.dump(state, tmp_path / "old.joblib")
    assert RecommenderModel.load(tmp_path / "old.joblib").ranker is None


def test_evaluation_trains_the_ranker_on_its_training_portion_only() -> None:
    cat, log = quantity_shop()
    report = evaluate(cat, log, BlendParams(), RERANK, k=3)
    # The test orders are the third orders; the ranker learns from the second ones given the first.
    assert report["reranker"] == {"configured": True, "trained": True, "label_orders": 48}
    assert "blend_without_reranker" in report["all_items"]


@pytest.mark.parametrize("bad", [{"rerank_levels": 0}, {"rerank_c": 0.0}, {"rerank_candidates": 0}])
def test_impossible_ranker_settings_are_refused(bad: Dict[str, float]) -> None:
    with pytest.raises(ValueError):
        ModelParams(**bad)  # type: ignore[arg-type]
