"""A learned re-ranker: which of the blend's candidates will this customer buy next?

Why: the blend adds four scores with weights that are the same for every customer. A
re-ranker can weigh, per (customer, item) pair, how often and how recently the
customer bought the item, whether people re-buy it, how popular it is and what each
source says, with weights learned from the shop's own next orders. It only reorders
the blend's best candidates (and the customer's own items), so the filters, the
category spread and the reasons of the blend stay as they are.

This module holds the features and the fitted ranker; `learn.py` trains it, with
features computed from an item-side model fitted on orders before each label order.
The ranker is a logistic regression on standardised features, kept as plain arrays:
serving it is one dot product.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Dict, Mapping, Optional, Set

import numpy as np

from bot.recommend.data import CustomerHistory

if TYPE_CHECKING:
    from bot.recommend.model import RecommenderModel

_DAY = 86400.0

# One column per name, in this order.
FEATURES = (
    "bought_before",  # 1 if the customer bought the item before
    "order_share",  # share of the customer's orders that contained it
    "days_since_bought",  # days from its last purchase to the customer's newest order (0: never)
    "in_last_order",
    "log_quantity",  # log(1 + units bought)
    "propensity",  # share of customers who buy the item again
    "propensity_if_bought",
    "popularity",
    "trending",
    "buy_again",  # each source's score, scaled so its best candidate scores 1
    "item_cf",
    "content",
    "blend",  # the blend's total
    "customer_repeat_share",  # share of the customer's later order lines that were re-buys
    "log_orders",  # log(number of the customer's orders)
)


@dataclass(frozen=True)
class Ranker:
    """score = ((features - mean) / scale) @ weights + bias: the log-odds of "in the next order"."""

    mean: np.ndarray
    scale: np.ndarray
    weights: np.ndarray
    bias: float
    baskets: int  # label orders it learned from

    def score(self, features: np.ndarray) -> np.ndarray:
        return np.asarray(((features - self.mean) / self.scale) @ self.weights + self.bias, dtype=np.float64)

    def probability(self, features: np.ndarray) -> np.ndarray:
        return 1.0 / (1.0 + np.exp(-self.score(features)))

    @classmethod
    def fit(cls, features: np.ndarray, labels: np.ndarray, c: float, baskets: int) -> Optional[Ranker]:
        """An L2-penalised logistic regression; None when the labels are all alike."""
        # Imported here: only training needs scikit-learn's solver, the action server never does.
        from sklearn.linear_model import LogisticRegression

        labels = np.asarray(labels, dtype=np.int64)
        if len(labels) == 0 or labels.min() == labels.max():
            return None
        mean = features.mean(axis=0)
        scale = features.std(axis=0)
        scale[scale < 1e-9] = 1.0  # a constant column then stays at 0
        regression = LogisticRegression(C=c, max_iter=2000)
        regression.fit((features - mean) / scale, labels)
        return cls(mean, scale, regression.coef_.ravel().astype(np.float64), float(regression.intercept_[0]), baskets)


def candidates(total: np.ndarray, allowed: np.ndarray, own_items: np.ndarray, count: int) -> np.ndarray:
    """The `count` best allowed items by the blend's total plus the customer's own allowed items, sorted."""
    allowed_positions = np.flatnonzero(allowed)
    if len(allowed_positions) > count:
        best = allowed_positions[np.argpartition(-total[allowed_positions], count - 1)[:count]]
    else:
        best = allowed_positions
    own = own_items[allowed[own_items]] if len(own_items) else own_items
    return np.union1d(best, own).astype(np.int64)


def features(
    model: RecommenderModel,
    history: CustomerHistory,
    items: np.ndarray,
    sources: Mapping[str, np.ndarray],
    total: np.ndarray,
) -> np.ndarray:
    """The FEATURES of each position in `items` for this customer (one row per item).

    `sources` maps a source name to its per-item score on its own scale, `total` is the
    blend's score per item; both have one value per product of the model.
    """
    n_items = len(model)
    index_of = model.index_of
    orders = history.orders
    order_count = np.zeros(n_items)
    quantity = np.zeros(n_items)
    last_seen = np.full(n_items, -np.inf)
    in_last = np.zeros(n_items)
    seen: Set[int] = set()
    repeats = later_lines = 0
    for number, order in enumerate(orders):
        positions: Dict[int, int] = {}
        for product_id, amount in zip(order.product_ids, order.quantities, strict=True):
            index = index_of.get(product_id)
            if index is not None:
                positions[index] = positions.get(index, 0) + amount
        if number > 0:
            repeats += sum(1 for index in positions if index in seen)
            later_lines += len(positions)
        seen.update(positions)
        for index, amount in positions.items():
            order_count[index] += 1
            quantity[index] += amount
            last_seen[index] = order.placed_at
            if number == len(orders) - 1:
                in_last[index] = 1.0
    count = max(len(orders), 1)
    newest = orders[-1].placed_at if orders else 0.0
    bought = order_count[items] > 0
    days = np.where(bought, (newest - last_seen[items]) / _DAY, 0.0)
    propensity = model.propensity[items].astype(np.float64)
    zeros = np.zeros(len(items))

    def own_scale(name: str) -> np.ndarray:
        values = sources.get(name)
        if values is None:
            return zeros
        top = float(values[items].max()) if len(items) else 0.0
        return values[items] / top if top > 0 else zeros

    columns = [
        bought.astype(np.float64),
        order_count[items] / count,
        days,
        in_last[items],
        np.log1p(quantity[items]),
        propensity,
        propensity * bought,
        model.popularity[items].astype(np.float64),
        model.trending[items].astype(np.float64),
        own_scale("buy_again"),
        own_scale("item_cf"),
        own_scale("content"),
        total[items].astype(np.float64),
        np.full(len(items), repeats / later_lines if later_lines else 0.0),
        np.full(len(items), np.log(count)),
    ]
    return np.column_stack(columns) if len(items) else np.zeros((0, len(FEATURES)))
