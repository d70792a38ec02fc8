"""The trained, item-side artifacts of the recommender, and how they are fitted and saved.

Why item-side only: a customer's own orders are read live from the CRM at query
time (so a purchase made a minute ago counts), while everything that needs the
whole order log is computed here, once per training run:

* `cf`: item-item collaborative filtering on implicit feedback. The item x
  customer matrix holds, per customer, the number of orders containing the item;
  it can be BM25- or TF-IDF-weighted (a customer who buys everything says little
  about any pair) or binary, is compared by cosine with shrinkage (pairs seen by
  few customers count less: dot / (|i| |j| + shrinkage)), and cut to the strongest
  `cf_neighbours` per item. Binary won the validation on the shared retail log,
  where heavy buyers are the informative ones, so it is the default.
* `content`: TF-IDF cosine neighbours over name, category, tags and description;
  the only signal for products nobody has bought yet.
* `popularity` (distinct buyers) and `trending` (distinct buyers in the last
  `trending_days` before the newest order), both scaled to [0, 1].
* `propensity`: how likely an item is bought again by the same customer: of the
  customers who bought it in an order that was not their last, the share who bought
  it again later, smoothed towards its category's rate (and that towards the shop's).
* `ranker` (only with `rerank: true`): the learned re-ranker of `rerank.py`, set by
  `learn.fit_recommender`; models saved before it existed load without one.

A model is one joblib file with a `version`; `save` writes it atomically.
"""

from __future__ import annotations

import os
import secrets
import tempfile
import time
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Dict, List, Optional

import joblib
import numpy as np
import scipy.sparse as sp
from sklearn.feature_extraction.text import TfidfVectorizer

from bot.recommend.config import ModelParams
from bot.recommend.data import Catalogue, OrderLog
from bot.recommend.errors import IncompatibleModel
from bot.recommend.rerank import Ranker

# Bumped whenever the saved layout changes; older files are refused, not misread.
MODEL_FORMAT = 1
_CHUNK = 1024
_DAY = 86400.0


def new_version(now: Optional[datetime] = None) -> str:
    """A sortable, unique version: UTC time to the microsecond plus a random suffix."""
    now = now or datetime.now(timezone.utc)
    return f"{now:%Y%m%dT%H%M%S%f}-{secrets.token_hex(3)}"


@dataclass
class RecommenderModel:
    """Everything the recommender needs about items; see the module docstring."""

    version: str
    params: ModelParams
    catalogue: Catalogue
    cf: sp.csr_matrix  # n x n, row i: neighbours of item i
    content: sp.csr_matrix  # n x n
    popularity: np.ndarray  # float32 in [0, 1]
    trending: np.ndarray  # float32 in [0, 1]
    propensity: np.ndarray  # float32 in [0, 1]
    category_codes: np.ndarray  # int32, index into category_names
    category_names: List[str]
    reference_time: float  # newest order used, seconds
    stats: Dict[str, Any] = field(default_factory=dict)
    ranker: Optional[Ranker] = None
    format: int = MODEL_FORMAT

    def __post_init__(self) -> None:
        self.index_of: Dict[int, int] = {int(pid): i for i, pid in enumerate(self.catalogue.product_ids)}
        self.sku_index: Dict[str, int] = {sku: i for i, sku in enumerate(self.catalogue.skus)}
        self.sku_index_upper: Dict[str, int] = {sku.upper(): i for i, sku in enumerate(self.catalogue.skus)}

    def __len__(self) -> int:
        return len(self.catalogue)

    def save(self, path: Path) -> Path:
        """Write the model to `path` atomically (a temporary file, then a rename)."""
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        state = {name: getattr(self, name) for name in _SAVED_FIELDS}
        state["params"] = asdict(self.params)
        handle, temporary = tempfile.mkstemp(prefix=".tmp-", suffix=".joblib", dir=path.parent)
        os.close(handle)
        try:
            joblib.dump(state, temporary)
            os.chmod(temporary, 0o644)  # mkstemp makes it private; the action server may run as another user
            os.replace(temporary, path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
        return path

    @classmethod
    def load(cls, path: Path) -> RecommenderModel:
        state = joblib.load(path)
        if not isinstance(state, dict) or state.get("format") != MODEL_FORMAT:
            found = state.get("format") if isinstance(state, dict) else None
            raise IncompatibleModel(f"{Path(path).name}: format {found!r}, expected {MODEL_FORMAT}")
        state["params"] = ModelParams(**state["params"])
        state.setdefault("ranker", None)  # saved before the re-ranker existed: same layout otherwise
        return cls(**state)


_SAVED_FIELDS = (
    "version",
    "params",
    "catalogue",
    "cf",
    "content",
    "popularity",
    "trending",
    "propensity",
    "category_codes",
    "category_names",
    "reference_time",
    "stats",
    "ranker",
    "format",
)


def fit(
    catalogue: Catalogue,
    log: OrderLog,
    params: Optional[ModelParams] = None,
    version: Optional[str] = None,
    content: Optional[sp.csr_matrix] = None,
) -> RecommenderModel:
    """Fit the item-side model on `log` for the products of `catalogue`.

    `content` reuses look-alikes already computed for this catalogue (they do not depend
    on the orders; the re-ranker's training fits several models of one catalogue).
    """
    started = time.perf_counter()
    params = params or ModelParams()
    n_items = len(catalogue)
    category_names = sorted(set(catalogue.categories))
    category_lookup = {name: code for code, name in enumerate(category_names)}
    category_codes = np.array([category_lookup[name] for name in catalogue.categories], dtype=np.int32)

    # Keep lines of known products, as item positions.
    position = np.searchsorted(catalogue.product_ids, log.product_ids) if n_items else np.zeros(0, np.int64)
    known = np.zeros(len(log), dtype=bool)
    if n_items and len(log):
        clipped = np.minimum(position, n_items - 1)
        known = catalogue.product_ids[clipped] == log.product_ids
    log = log.select(known)
    items = position[known].astype(np.int64)
    customers, customer_codes = np.unique(log.customer_ids, return_inverse=True)
    n_customers = len(customers)

    # customer x item: in how many of the customer's orders the item was.
    bought = sp.csr_matrix(
        (np.ones(len(items), dtype=np.float32), (customer_codes, items)), shape=(n_customers, n_items)
    )
    bought.sum_duplicates()
    timings: Dict[str, float] = {}
    tick = time.perf_counter()
    if params.cf_unit == "order":
        _, order_codes = np.unique(log.order_ids, return_inverse=True)
        baskets = sp.csr_matrix(
            (np.ones(len(items), dtype=np.float32), (order_codes, items)), shape=(int(order_codes.max(initial=-1)) + 1, n_items)
        )
        baskets.sum_duplicates()
        cf = _item_neighbours_cf(baskets, params)
    else:
        cf = _item_neighbours_cf(bought, params)
    timings["cf_seconds"] = time.perf_counter() - tick
    tick = time.perf_counter()
    if content is None:
        content = _content_neighbours(catalogue, params.content_neighbours)
    timings["content_seconds"] = time.perf_counter() - tick

    buyers = np.asarray((bought > 0).sum(axis=0)).ravel().astype(np.float32)
    reference_time = float(log.placed_at.max()) if len(log) else time.time()
    recent = log.placed_at >= reference_time - params.trending_days * _DAY
    recent_buyers = np.zeros(n_items, dtype=np.float32)
    if recent.any():
        pairs = np.unique(np.stack([customer_codes[recent], items[recent]]), axis=1)
        recent_buyers = np.bincount(pairs[1], minlength=n_items).astype(np.float32)
    propensity = _repurchase_propensity(log, customer_codes, items, n_items, category_codes, params.propensity_prior)

    return RecommenderModel(
        version=version or new_version(),
        params=params,
        catalogue=catalogue,
        cf=cf,
        content=content,
        popularity=_scaled(buyers),
        trending=_scaled(recent_buyers),
        propensity=propensity,
        category_codes=category_codes,
        category_names=category_names,
        reference_time=reference_time,
        stats={
            "products": n_items,
            "customers": int(n_customers),
            "orders": int(len(np.unique(log.order_ids))),
            "order_lines": int(len(log)),
            "cf_pairs": int(cf.nnz),
            "content_pairs": int(content.nnz),
            **{key: round(value, 3) for key, value in timings.items()},
            "fit_seconds": round(time.perf_counter() - started, 3),
        },
    )


def _scaled(values: np.ndarray) -> np.ndarray:
    top = float(values.max()) if len(values) else 0.0
    return (values / top if top > 0 else np.zeros_like(values)).astype(np.float32)


def _weighted_item_matrix(bought: sp.csr_matrix, params: ModelParams) -> sp.csr_matrix:
    """item x customer matrix with the configured weighting."""
    items = bought.T.tocoo()
    data = items.data.astype(np.float64)
    n_items = items.shape[0]
    if params.cf_weighting == "none":
        data = np.ones_like(data)
    else:
        # A customer who bought many items is a common "term": down-weight (idf over customers).
        items_per_customer = np.bincount(items.col, minlength=items.shape[1])
        idf = np.log(max(n_items, 1)) - np.log1p(items_per_customer)
        idf = np.maximum(idf, 0.0)
        if params.cf_weighting == "tfidf":
            data = np.sqrt(data) * idf[items.col]
        else:
            row_sums = np.bincount(items.row, weights=data, minlength=n_items)
            average = row_sums[row_sums > 0].mean() if (row_sums > 0).any() else 1.0
            length_norm = (1.0 - params.bm25_b) + params.bm25_b * row_sums / average
            data = data * (params.bm25_k1 + 1.0) / (params.bm25_k1 * length_norm[items.row] + data) * idf[items.col]
    return sp.csr_matrix((data, (items.row, items.col)), shape=items.shape)


def _item_neighbours_cf(bought: sp.csr_matrix, params: ModelParams) -> sp.csr_matrix:
    n_items = bought.shape[1]
    if bought.nnz == 0:
        return sp.csr_matrix((n_items, n_items), dtype=np.float32)
    if params.cf_algorithm == "rp3beta":
        return _top_per_row(_rp3beta(bought, params.rp3_alpha, params.rp3_beta), params.cf_neighbours)
    if params.cf_algorithm == "ease":
        return _top_per_row(_ease(bought, params.ease_lambda, params.ease_max_items), params.cf_neighbours)
    weighted = _weighted_item_matrix(bought, params)
    dots = (weighted @ weighted.T).tocoo()
    on_diagonal = dots.row == dots.col
    norms = np.zeros(n_items)
    norms[dots.row[on_diagonal]] = np.sqrt(np.maximum(dots.data[on_diagonal], 0.0))
    off = ~on_diagonal
    rows, cols = dots.row[off], dots.col[off]
    similarity = dots.data[off] / (norms[rows] * norms[cols] + params.cf_shrinkage)
    matrix = sp.csr_matrix((similarity, (rows, cols)), shape=dots.shape)
    return _top_per_row(matrix, params.cf_neighbours)


def _rp3beta(bought: sp.csr_matrix, alpha: float, beta: float) -> sp.csr_matrix:
    """W[i, j] = P(j | i) by a walk item -> customer -> item, divided by popularity(j)^beta."""
    binary = (bought > 0).astype(np.float64).tocsr()
    per_customer = np.asarray(binary.sum(axis=1)).ravel()
    per_item = np.asarray(binary.sum(axis=0)).ravel()
    customer_to_item = sp.diags(1.0 / np.maximum(per_customer, 1.0)) @ binary  # P(item | customer)
    item_to_customer = sp.diags(1.0 / np.maximum(per_item, 1.0)) @ binary.T.tocsr()  # P(customer | item)
    if alpha != 1.0:
        customer_to_item = customer_to_item.power(alpha)
        item_to_customer = item_to_customer.power(alpha)
    walk = (item_to_customer @ customer_to_item).tocsr()
    walk = walk @ sp.diags(1.0 / np.power(np.maximum(per_item, 1.0), beta))
    walk = walk.tocsr()
    walk.setdiag(0.0)
    walk.eliminate_zeros()
    return walk


def _ease(bought: sp.csr_matrix, regularisation: float, max_items: int) -> sp.csr_matrix:
    """B = I - P diag(1/diag(P)), P = (X^T X + lambda I)^-1, on the `max_items` most bought items."""
    binary = (bought > 0).astype(np.float64).tocsc()
    buyers = np.asarray(binary.sum(axis=0)).ravel()
    keep = np.flatnonzero(buyers > 0)
    if len(keep) > max_items:
        keep = keep[np.argsort(-buyers[keep], kind="stable")[:max_items]]
    keep = np.sort(keep)
    sub = binary[:, keep]
    gram = (sub.T @ sub).toarray()
    gram[np.diag_indices_from(gram)] += regularisation
    inverse = np.linalg.inv(gram)
    weights = -inverse / np.diag(inverse)[np.newaxis, :]
    np.fill_diagonal(weights, 0.0)
    weights[weights < 0] = 0.0  # keep "bought with" evidence only
    result = sp.csr_matrix(weights)
    rows, cols = result.nonzero()
    n_items = bought.shape[1]
    return sp.csr_matrix((result.data, (keep[rows], keep[cols])), shape=(n_items, n_items))


def _top_per_row(matrix: sp.csr_matrix, keep: int) -> sp.csr_matrix:
    """The `keep` largest positive entries of each row, as float32."""
    matrix = matrix.tocsr()
    matrix.sort_indices()
    indptr, indices, data = matrix.indptr, matrix.indices, matrix.data
    counts = np.diff(indptr)
    if counts.max(initial=0) <= keep:
        result = matrix.astype(np.float32)
        result.data[result.data < 0] = 0
        result.eliminate_zeros()
        return result
    rows: List[np.ndarray] = []
    cols: List[np.ndarray] = []
    values: List[np.ndarray] = []
    for row in np.flatnonzero(counts):
        start, end = indptr[row], indptr[row + 1]
        row_values = data[start:end]
        if end - start > keep:
            best = np.argpartition(-row_values, keep - 1)[:keep]
        else:
            best = np.arange(end - start)
        rows.append(np.full(len(best), row, dtype=np.int64))
        cols.append(indices[start:end][best])
        values.append(row_values[best])
    result = sp.csr_matrix(
        (np.concatenate(values).astype(np.float32), (np.concatenate(rows), np.concatenate(cols))),
        shape=matrix.shape,
    )
    result.data[result.data < 0] = 0
    result.eliminate_zeros()
    return result


def product_texts(catalogue: Catalogue) -> List[str]:
    """What content similarity compares: name, category, tags and description."""
    return [
        " ".join((name, category, category, tags.replace(",", " "), description))
        for name, category, tags, description in zip(
            catalogue.names, catalogue.categories, catalogue.tags, catalogue.descriptions, strict=True
        )
    ]


def _content_neighbours(catalogue: Catalogue, keep: int) -> sp.csr_matrix:
    n_items = len(catalogue)
    if n_items < 2:
        return sp.csr_matrix((n_items, n_items), dtype=np.float32)
    # Words of two letters or more that start with a letter ("20m" and "3" say little);
    # English stop words would make "for" and "the" link unrelated products.
    vectorizer = TfidfVectorizer(
        ngram_range=(1, 2),
        sublinear_tf=True,
        stop_words="english",
        token_pattern=r"(?u)\b[^\W\d_][\w'-]+\b",
        dtype=np.float32,
    )
    try:
        vectors = vectorizer.fit_transform(product_texts(catalogue)).tocsr()
    except ValueError:  # no words at all
        return sp.csr_matrix((n_items, n_items), dtype=np.float32)
    keep = min(keep, n_items - 1)
    transposed = vectors.T.tocsc()
    rows: List[np.ndarray] = []
    cols: List[np.ndarray] = []
    values: List[np.ndarray] = []
    for start in range(0, n_items, _CHUNK):
        stop = min(start + _CHUNK, n_items)
        block = (vectors[start:stop] @ transposed).toarray()
        block[np.arange(stop - start), np.arange(start, stop)] = 0.0
        best = np.argpartition(-block, keep - 1, axis=1)[:, :keep]
        best_values = np.take_along_axis(block, best, axis=1)
        rows.append(np.repeat(np.arange(start, stop), keep))
        cols.append(best.ravel())
        values.append(best_values.ravel())
    result = sp.csr_matrix(
        (np.concatenate(values), (np.concatenate(rows), np.concatenate(cols))), shape=(n_items, n_items)
    ).astype(np.float32)
    result.eliminate_zeros()
    return result


def _repurchase_propensity(
    log: OrderLog,
    customer_codes: np.ndarray,
    items: np.ndarray,
    n_items: int,
    category_codes: np.ndarray,
    prior: float,
) -> np.ndarray:
    """Smoothed share of customers who bought an item again, given they ordered again later."""
    if len(log) == 0 or n_items == 0:
        return np.zeros(n_items, dtype=np.float32)
    # Position of each line's order within its customer's orders (the log is sorted by customer, time).
    new_order = np.r_[True, log.order_ids[1:] != log.order_ids[:-1]]
    new_customer = np.r_[True, customer_codes[1:] != customer_codes[:-1]]
    order_number = np.cumsum(new_order)
    first_of_customer = np.maximum.accumulate(np.where(new_customer, order_number, 0))
    sequence = order_number - first_of_customer  # 0 for the customer's first order
    orders_per_customer = np.zeros(customer_codes.max() + 1, dtype=np.int64)
    np.maximum.at(orders_per_customer, customer_codes, sequence + 1)

    pair_keys = customer_codes.astype(np.int64) * n_items + items
    unique_pairs, inverse = np.unique(pair_keys, return_inverse=True)
    first_sequence = np.full(len(unique_pairs), np.iinfo(np.int64).max)
    np.minimum.at(first_sequence, inverse, sequence)
    times_bought = np.bincount(inverse, minlength=len(unique_pairs))
    pair_customer = unique_pairs // n_items
    pair_item = unique_pairs % n_items
    had_chance = first_sequence < orders_per_customer[pair_customer] - 1
    bought_again = times_bought >= 2

    chances = np.bincount(pair_item[had_chance], minlength=n_items).astype(np.float64)
    again = np.bincount(pair_item[bought_again], minlength=n_items).astype(np.float64)
    total_chances = chances.sum()
    shop_rate = again.sum() / total_chances if total_chances else 0.0
    n_categories = int(category_codes.max()) + 1
    category_chances = np.bincount(category_codes, weights=chances, minlength=n_categories)
    category_again = np.bincount(category_codes, weights=again, minlength=n_categories)
    category_rate = (category_again + prior * shop_rate) / (category_chances + prior)
    rate = (again + prior * category_rate[category_codes]) / (chances + prior)
    return rate.astype(np.float32)
