"""Evaluation measures against values computed by hand."""

from __future__ import annotations

import math

import pytest

from bot.crm.database import Database
from bot.recommend.config import BlendParams
from bot.recommend.data import CrmReader, OrderLog
from bot.recommend.evaluate import (
    evaluate,
    evaluate_command,
    hit_rate,
    hold_out_last_orders,
    hr_difference_interval,
    hr_ratio_interval,
    ndcg,
    recall,
    summarise,
)

from .conftest import build_shop


def test_measures_of_one_list() -> None:
    ranked, relevant = [5, 3, 9], frozenset({3, 7})
    assert hit_rate(ranked, relevant) == 1.0
    assert recall(ranked, relevant) == 0.5
    # One hit at rank 2; ideal: hits at ranks 1 and 2.
    assert ndcg(ranked, relevant, 3) == pytest.approx((1 / math.log2(3)) / (1 + 1 / math.log2(3)))
    assert hit_rate([1, 2], relevant) == 0.0 and ndcg([1, 2], relevant, 2) == 0.0


def test_summary_over_customers() -> None:
    lists = {1: [5, 3, 9], 2: [1, 2, 4], 3: [7]}
    targets = {1: frozenset({3, 7}), 2: frozenset({4}), 3: frozenset({8})}
    summary = summarise(lists, targets, k=3, n_products=20)
    assert summary["hr"] == pytest.approx(round(2 / 3, 4))
    assert summary["recall"] == pytest.approx(round((0.5 + 1.0 + 0.0) / 3, 4))
    expected_ndcg = ((1 / math.log2(3)) / (1 + 1 / math.log2(3)) + (1 / math.log2(4)) / 1.0 + 0.0) / 3
    assert summary["ndcg"] == pytest.approx(round(expected_ndcg, 4))
    assert summary["coverage"] == pytest.approx(7 / 20)  # items 1, 2, 3, 4, 5, 7, 9 of 20


def test_ratio_interval_brackets_the_measured_ratio() -> None:
    # 40 customers: the first list hits 30, the second 15 (ratio 2.0), paired on the same customers.
    targets = {c: frozenset({c}) for c in range(40)}
    first = {c: [c] if c < 30 else [-1] for c in range(40)}
    second = {c: [c] if c < 15 else [-1] for c in range(40)}
    low, high = hr_ratio_interval(first, second, targets, k=1)
    assert low is not None and high is not None
    assert 1.0 < low < 2.0 < high
    # Identical lists: every resample gives exactly 1.
    assert hr_ratio_interval(first, first, targets, k=1) == [1.0, 1.0]
    assert hr_difference_interval(first, first, targets, k=1) == [0.0, 0.0]


def test_ratio_interval_when_the_baseline_hits_nobody() -> None:
    targets = {c: frozenset({c}) for c in range(10)}
    first = {c: [c] for c in range(10)}
    nothing = {c: [-1] for c in range(10)}
    assert hr_ratio_interval(first, nothing, targets, k=1) == [None, None]
    assert hr_ratio_interval(first, nothing, {}, k=1) == [None, None]
    # The first hits nobody, the second everybody: the ratio is 0 in every resample.
    assert hr_ratio_interval(nothing, first, targets, k=1) == [0.0, 0.0]


def test_hold_out_takes_each_customers_last_order() -> None:
    log = OrderLog.from_lines(
        [(1, 10, 100.0, 1, 1), (1, 11, 200.0, 2, 1), (1, 11, 200.0, 3, 1), (2, 20, 150.0, 1, 1)]
    )
    split = hold_out_last_orders(log)
    assert split.targets == {1: frozenset({2, 3})}  # customer 2 has one order only
    assert sorted(split.train.order_ids.tolist()) == [10, 20]


def test_popularity_baseline_on_a_tiny_shop(database: Database) -> None:
    products = [(i, f"P{i}", f"Product {i}", "All", "", "1.00", 5) for i in range(1, 5)]
    orders = [
        (1, 9, (1, 2), "delivered"), (1, 1, (3,), "delivered"),   # held out: {3}
        (2, 8, (1,), "delivered"), (2, 2, (4,), "delivered"),     # held out: {4}
        (3, 7, (1, 2), "delivered"),                               # one order: training only
    ]
    build_shop(database, products, orders)
    reader = CrmReader(database)
    report = evaluate(reader.catalogue(), reader.order_log(), BlendParams(), k=2)
    # Training buyers: P1 3, P2 2, P3 0, P4 0 -> the baseline shows [P1, P2] and hits nobody.
    assert report["customers_evaluated"] == 2
    assert report["all_items"]["popularity_baseline"] == {"hr": 0.0, "recall": 0.0, "ndcg": 0.0, "coverage": 0.5}
    # Never bought: customer 1 is shown [P3, P4] minus nothing (P1, P2 are bought), customer 2 [P2, P3].
    assert report["never_bought"]["popularity_baseline"]["hr"] == pytest.approx(0.5)
    assert report["timings"]["recommend_ms_p95"] is not None


def test_evaluate_command_runs_on_a_crm(database: Database) -> None:
    build_shop(database)
    report = evaluate_command(database.url, k=3)
    assert report["customers_evaluated"] == 11  # customers 1-10 and Ada have two kept orders or more
    assert set(report["all_items"]) >= {"blend", "buy_again_alone", "popularity_baseline"}
    low, high = report["all_items"]["blend_vs_popularity_hr_95ci"]
    ratio = report["all_items"]["blend_vs_popularity_hr"]
    assert low is None or ratio is None or low <= ratio
    assert high is None or ratio is None or ratio <= high
    assert "stock" in report["stock_filter"]
