"""Training: the item-side model and, when `model.rerank` is on, the learned re-ranker on top.

Why a module of its own: the re-ranker learns from what the recommender would have
shown, so its training needs the model (`model.py`), the blend (`recommender.py`)
and the features (`rerank.py`) together, and each of those stays free of the others.

How the re-ranker learns without leaking: at level 1 every customer's last order is
the label and a model fitted only on the orders before those last orders gives the
features (the customer's earlier orders, the blend's sources); level 2 does the same
with the second-to-last orders on what remains, and so on up to `rerank_levels`. The
evaluation calls this on its training portion only, so it never sees a test order.
"""

from __future__ import annotations

import time
from typing import List, Optional, Tuple

import numpy as np
import scipy.sparse as sp

from bot.recommend.config import BlendParams, ModelParams
from bot.recommend.data import Catalogue, OrderLog, histories_from_log, hold_out_last_orders
from bot.recommend.model import RecommenderModel, fit
from bot.recommend.recommender import Recommender, SnapshotReader
from bot.recommend.rerank import FEATURES, Ranker

# Customers are sampled with a fixed seed: the same orders give the same ranker.
_SAMPLE_SEED = 0


def fit_recommender(
    catalogue: Catalogue,
    log: OrderLog,
    params: Optional[ModelParams] = None,
    blend: Optional[BlendParams] = None,
    version: Optional[str] = None,
) -> RecommenderModel:
    """The item-side model of `log`, with a re-ranker when `params.rerank` asks for one.

    `blend` is the blend the re-ranker's candidates and features come from (the one
    the action server will use).
    """
    params = params or ModelParams()
    model = fit(catalogue, log, params, version)
    if params.rerank:
        started = time.perf_counter()
        features, labels, baskets = ranker_examples(catalogue, log, params, blend or BlendParams(), model.content)
        ranker = Ranker.fit(features, labels, params.rerank_c, baskets) if baskets >= params.rerank_min_baskets else None
        model.ranker = ranker
        model.stats["rerank_baskets"] = baskets
        model.stats["rerank_trained"] = ranker is not None
        model.stats["rerank_seconds"] = round(time.perf_counter() - started, 3)
    return model


def ranker_examples(
    catalogue: Catalogue,
    log: OrderLog,
    params: ModelParams,
    blend: BlendParams,
    content: Optional[sp.csr_matrix] = None,
) -> Tuple[np.ndarray, np.ndarray, int]:
    """Features and labels (1: in the label order) of every candidate, and the number of label orders."""
    rng = np.random.default_rng(_SAMPLE_SEED)
    rows: List[np.ndarray] = []
    labels: List[np.ndarray] = []
    baskets = 0
    for _ in range(params.rerank_levels):
        split = hold_out_last_orders(log)
        if not split.targets:
            break
        customers = np.array(sorted(split.targets), dtype=np.int64)
        if len(customers) > params.rerank_max_customers:
            customers = np.sort(rng.choice(customers, params.rerank_max_customers, replace=False))
        earlier = fit(catalogue, split.train, params, content=content)
        histories = histories_from_log(split.train.select(np.isin(split.train.customer_ids, customers)))
        recommender = Recommender(earlier, SnapshotReader(earlier, histories), blend, check_stock=False)
        product_ids = earlier.catalogue.product_ids
        for customer in customers.tolist():
            history = histories.get(customer)
            if history is None or not history.orders:
                continue
            items, features = recommender.ranker_inputs(history)
            rows.append(features)
            labels.append(np.isin(product_ids[items], list(split.targets[customer])).astype(np.int64))
            baskets += 1
        log = split.train
    if not rows:
        return np.zeros((0, len(FEATURES))), np.zeros(0, dtype=np.int64), 0
    return np.vstack(rows), np.concatenate(labels), baskets
