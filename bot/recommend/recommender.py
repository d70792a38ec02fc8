"""Recommendations for the conversation: blend, filters, diversity and reasons.

Why this shape: the model (`model.py`) knows items; a customer's own orders are
read live through a `CatalogueReader` (the CRM in production, memory in
evaluation), so what someone bought a minute ago already counts. Four sources are
blended with weights from support.yml, each scaled to [0, 1] per query:

* buy again: items of the customer's own history, by how often and how recently
  the customer bought them (times re-purchase propensity ** `propensity_exponent`);
* item CF: collaborative neighbours of the customer's items;
* content: look-alikes (name, category, tags, description) of the customer's items;
* popularity: all-time buyers blended with buyers in the recent window.

When the model has a learned re-ranker (`rerank.py`, trained only with `model.rerank:
true`), the blend's best candidates and the customer's own items are reordered by its
probability of being in the next order; everything below still applies.

Then: only in-stock products (checked live), price and category filters, no item
of the customer's last order unless people re-buy it (propensity at least
`rebuy_threshold`), at most `max_per_category` per category, and a reason from the
source that ranks the item highest on its own scale ("you buy this regularly",
"because you bought X", "similar to X", "popular in Kitchen", "trending this
week"). Requests that cannot be met (a negative price, a
budget below the cheapest product) give an empty list with a `notice`, never an
exception; an unknown product raises `ProductNotFound`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any, Dict, Iterable, List, Mapping, Optional, Protocol, Sequence, Set, Tuple, Union

import numpy as np

from bot.recommend import rerank
from bot.recommend.config import BlendParams
from bot.recommend.data import CustomerHistory, ProductInfo, to_decimal
from bot.recommend.errors import ProductNotFound
from bot.recommend.model import RecommenderModel

Price = Union[Decimal, float, int, str]
_DAY = 86400.0
# Candidates ranked per request: enough for the category spread and for sold-out items.
_MAX_CANDIDATES = 600
# Tie-breakers and fallbacks, small enough never to outrank a real signal.
_POPULARITY_TIE_BREAK = 1e-3
_SAME_CATEGORY_BONUS = 0.05
# "What goes with my last order": co-purchases first, then look-alikes, then popular items.
_COMPLEMENT_CONTENT = 0.1
_COMPLEMENT_POPULARITY = 0.05
_REASON_ORDER = ("buy_again", "item_cf", "content", "popularity")

# Notices: why a list is empty, or that it fell back to something simpler.
EMPTY_CATALOGUE = "empty_catalogue"
NEGATIVE_PRICE = "negative_price"
PRICE_RANGE_INVERTED = "price_range_inverted"
PRICE_BELOW_CHEAPEST = "price_below_cheapest"
PRICE_ABOVE_MOST_EXPENSIVE = "price_above_most_expensive"
UNKNOWN_CATEGORY = "unknown_category"
NOTHING_MATCHES = "nothing_matches"
NO_HISTORY = "no_history"
NO_ORDERS = "no_orders"

_MESSAGES = {
    EMPTY_CATALOGUE: "The catalogue has no products.",
    NEGATIVE_PRICE: "A price cannot be negative.",
    PRICE_RANGE_INVERTED: "The lowest price is above the highest price.",
    PRICE_BELOW_CHEAPEST: "Nothing costs that little; the cheapest product is {cheapest}.",
    PRICE_ABOVE_MOST_EXPENSIVE: "Nothing costs that much; the most expensive product is {most_expensive}.",
    UNKNOWN_CATEGORY: "There is no category called {category!r}.",
    NOTHING_MATCHES: "No product in stock matches these wishes.",
    NO_HISTORY: "No past orders yet: these are popular products.",
    NO_ORDERS: "No past orders yet, so nothing to go with: these are popular products.",
}


@dataclass(frozen=True)
class Recommendation:
    """One recommended product; `sources` holds each source's share of the blend's score.

    `score` is the blend's score, or the re-ranker's probability when the model has one.
    """

    sku: str
    name: str
    category: str
    price: Decimal
    image: Optional[str]
    reason: str
    score: float
    sources: Dict[str, float]


class Recommendations(List[Recommendation]):
    """A ranked list of recommendations; `notice` says why it is empty or what it fell back to.

    It is a plain list for callers that only iterate; `notice` is one of the module's
    notice constants (None when the request was met as asked) and `message` an
    English sentence for logs. `cheapest` / `most_expensive` are set for price notices.
    """

    def __init__(
        self,
        items: Iterable[Recommendation] = (),
        notice: Optional[str] = None,
        cheapest: Optional[Decimal] = None,
        most_expensive: Optional[Decimal] = None,
        category: Optional[str] = None,
    ) -> None:
        super().__init__(items)
        self.notice = notice
        self.cheapest = cheapest
        self.most_expensive = most_expensive
        self.message = ""
        if notice:
            self.set_notice(notice, category)

    def set_notice(self, notice: str, category: Optional[str] = None) -> None:
        self.notice = notice
        self.message = _MESSAGES[notice].format(
            cheapest=self.cheapest, most_expensive=self.most_expensive, category=category
        )


class CatalogueReader(Protocol):
    """What the recommender reads live: the CRM (`data.CrmReader`) or memory in evaluation."""

    def history(self, customer_id: int) -> CustomerHistory: ...

    def products(self, product_ids: Sequence[int]) -> Dict[int, ProductInfo]: ...

    def product_by_sku(self, sku: str) -> Optional[ProductInfo]: ...


class SnapshotReader:
    """A `CatalogueReader` over the model's own catalogue and in-memory histories (evaluation, tests)."""

    def __init__(self, model: RecommenderModel, histories: Optional[Mapping[int, CustomerHistory]] = None) -> None:
        self.model = model
        self.histories = histories or {}

    def history(self, customer_id: int) -> CustomerHistory:
        return self.histories.get(customer_id, CustomerHistory())

    def products(self, product_ids: Sequence[int]) -> Dict[int, ProductInfo]:
        found = {}
        for product_id in product_ids:
            index = self.model.index_of.get(int(product_id))
            if index is not None:
                found[int(product_id)] = _snapshot_info(self.model, index)
        return found

    def product_by_sku(self, sku: str) -> Optional[ProductInfo]:
        index = self.model.sku_index_upper.get(sku.strip().upper())
        return _snapshot_info(self.model, index) if index is not None else None


def _snapshot_info(model: RecommenderModel, index: int) -> ProductInfo:
    catalogue = model.catalogue
    return ProductInfo(
        id=int(catalogue.product_ids[index]),
        sku=catalogue.skus[index],
        name=catalogue.names[index],
        category=catalogue.categories[index],
        description=catalogue.descriptions[index],
        price=to_decimal(int(catalogue.price_cents[index])),
        stock=int(catalogue.stock[index]),
        image=catalogue.images[index],
        tags=tuple(tag for tag in catalogue.tags[index].split(",") if tag),
    )


@dataclass
class _Profile:
    """A customer's history as item positions with weights."""

    items: np.ndarray  # positions in the model
    weights: np.ndarray  # recency-decayed number of orders containing the item
    last_order: np.ndarray  # positions of the items in the last order
    order_counts: np.ndarray  # in how many of the customer's orders each item was
    # Rows of the neighbour matrices for `items`, sliced once per request ("item_cf", "content").
    rows: Dict[str, Any] = field(default_factory=dict)

    def neighbour_rows(self, source: str, model: RecommenderModel) -> Any:
        if source not in self.rows:
            self.rows[source] = (model.cf if source == "item_cf" else model.content)[self.items]
        return self.rows[source]

    @property
    def empty(self) -> bool:
        return len(self.items) == 0


@dataclass
class _Selection:
    """Items that pass the request's filters, and its price range in cents (checked again live)."""

    allowed: np.ndarray
    low: Optional[int] = None
    high: Optional[int] = None
    category: Optional[int] = None


@dataclass
class _Scored:
    """Scores of every item, each source's weighted part, and what reasons refer to."""

    total: np.ndarray
    parts: Dict[str, np.ndarray]
    # The multiplier of each part: part / scale is the source's own score in [0, 1].
    scales: Dict[str, float]
    # The customer's items behind the CF and content parts ("because you bought X").
    because: Optional[_Profile] = None
    # The product a "something like X" request is about.
    anchor_name: Optional[str] = None


def _to_cents(value: Optional[Price]) -> Optional[int]:
    if value is None:
        return None
    try:
        amount = Decimal(str(value))
    except (InvalidOperation, ValueError) as error:
        raise ValueError(f"not a price: {value!r}") from error
    if not amount.is_finite():
        raise ValueError(f"not a price: {value!r}")
    return int((amount * 100).to_integral_value())


_WORDS = re.compile(r"[a-z0-9]+")
# Words customers put around a product name that are not part of it.
_FILLER = frozenset("the a an my your this that these those one some any of for with".split())


def _stem(word: str) -> str:
    """'bottles' -> 'bottle', 'boxes' -> 'box': enough to match plurals to names."""
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 3 and word.endswith(("ches", "shes", "xes", "sses")):
        return word[:-2]
    if len(word) > 3 and word.endswith("s") and not word.endswith("ss"):
        return word[:-1]
    return word


class Recommender:
    """Answers the conversation's recommendation questions from one model and a reader.

    Thread-safe: requests share only read-only state.
    """

    def __init__(
        self,
        model: RecommenderModel,
        reader: CatalogueReader,
        blend: Optional[BlendParams] = None,
        check_stock: bool = True,
    ) -> None:
        self.model = model
        self.reader = reader
        self.blend = blend or BlendParams()
        # Evaluation turns this off: held-out orders are the past, stock is today's.
        self.check_stock = check_stock
        self._category_lookup = {name.casefold(): code for code, name in enumerate(model.category_names)}

    # Query modes -------------------------------------------------------------------

    def recommend(
        self,
        customer_id: Optional[int],
        k: int = 5,
        category: Optional[str] = None,
        max_price: Optional[Price] = None,
        min_price: Optional[Price] = None,
    ) -> Recommendations:
        """General recommendations; anonymous (None) or new customers get popular products."""
        history = self.reader.history(customer_id) if customer_id is not None else CustomerHistory()
        return self.recommend_for_history(history, k, category, max_price, min_price)

    def recommend_for_history(
        self,
        history: CustomerHistory,
        k: int = 5,
        category: Optional[str] = None,
        max_price: Optional[Price] = None,
        min_price: Optional[Price] = None,
        exclude_bought: bool = False,
        blend: Optional[BlendParams] = None,
        fill: bool = True,
    ) -> Recommendations:
        """`recommend` for a given history (evaluation passes truncated histories).

        `exclude_bought` leaves out everything the customer ever bought; `fill=False`
        returns only items the sources scored (evaluation of one source alone).
        """
        blend = blend or self.blend
        selection = self._filter(category, min_price, max_price)
        if isinstance(selection, Recommendations):
            return selection
        profile = self._profile(history, blend)
        if profile.empty:
            blend = blend.only("popularity")
        else:
            if exclude_bought:
                selection.allowed[profile.items] = False
            else:
                self._drop_unrepeated_last_order(profile, blend, selection.allowed)
        scored = self._score(profile, blend, selection.allowed)
        if blend.use_reranker and self.model.ranker is not None and not profile.empty:
            scored = self._rerank(history, profile, scored, selection.allowed)
        # A category filter already decides the category: spreading makes no sense then.
        cap = None if selection.category is not None else blend.max_per_category
        result = self._select(scored, selection, k, cap, fill, blend)
        if not result and fill and k > 0:
            return Recommendations(notice=NOTHING_MATCHES)
        if profile.empty and result:
            result.set_notice(NO_HISTORY)
        return result

    def similar_to(
        self, product: Union[int, str], k: int = 5, customer_id: Optional[int] = None
    ) -> Recommendations:
        """"Something like X": content and collaborative neighbours of X, never X itself.

        With `customer_id`, items of the customer's last order are left out as in
        `recommend` (unless people re-buy them). `ProductNotFound` for an unknown product.
        """
        anchor = self._resolve(product)
        model = self.model
        selection = self._filter(None, None, None)
        if isinstance(selection, Recommendations):
            return selection
        if anchor is None:
            # In the CRM but newer than the model: popular products of its category.
            info = self._live_product(product)
            code = self._category_lookup.get(info.category.casefold())
            if code is None:
                return Recommendations(notice=NOTHING_MATCHES)
            same = (model.category_codes == code) * (model.popularity + _POPULARITY_TIE_BREAK)
            selection.allowed &= model.catalogue.product_ids != info.id
            parts = {"popularity": same.astype(np.float64)}
            scored = _Scored(parts["popularity"], parts, {"popularity": 1.0}, anchor_name=info.name)
            return self._select(scored, selection, k, None, False)
        same_category = model.category_codes == model.category_codes[anchor]
        parts = {
            "content": self.blend.similar_content_weight * _unit(_dense_row(model.content, anchor)),
            "item_cf": self.blend.similar_cf_weight * _unit(_dense_row(model.cf, anchor)),
            # Same-category products fill the list when X has few neighbours.
            "popularity": _SAME_CATEGORY_BONUS * same_category * (model.popularity + _POPULARITY_TIE_BREAK),
        }
        total = parts["content"] + parts["item_cf"] + parts["popularity"]
        selection.allowed[anchor] = False
        if customer_id is not None:
            last = self._profile(self.reader.history(customer_id), self.blend).last_order
            selection.allowed[last[model.propensity[last] < self.blend.rebuy_threshold]] = False
        scales = {
            "content": self.blend.similar_content_weight,
            "item_cf": self.blend.similar_cf_weight,
            "popularity": _SAME_CATEGORY_BONUS,
        }
        scored = _Scored(total, parts, scales, anchor_name=model.catalogue.names[anchor])
        return self._select(scored, selection, k, None, False)

    def complements(self, customer_id: int, k: int = 5) -> Recommendations:
        """"What goes with my last order": items bought with its items, never those items.

        A customer without orders gets popular products with the notice `no_orders`.
        """
        selection = self._filter(None, None, None)
        if isinstance(selection, Recommendations):
            return selection
        last_order = self.reader.history(customer_id).last_order
        if last_order is None:
            result = self.recommend_for_history(CustomerHistory(), k)
            if result:
                result.set_notice(NO_ORDERS)
            return result
        # The last order alone is the profile: "goes with" is about that basket.
        profile = self._profile(CustomerHistory((last_order,)), self.blend)
        model = self.model
        cf_rows, content_rows = profile.neighbour_rows("item_cf", model), profile.neighbour_rows("content", model)
        parts = {
            "item_cf": _unit(np.asarray(cf_rows.sum(axis=0)).ravel()),
            "content": _COMPLEMENT_CONTENT * _unit(np.asarray(content_rows.sum(axis=0)).ravel()),
            "popularity": _COMPLEMENT_POPULARITY * self._popularity(self.blend),
        }
        total = parts["item_cf"] + parts["content"] + parts["popularity"]
        selection.allowed[profile.items] = False
        scales = {"item_cf": 1.0, "content": _COMPLEMENT_CONTENT, "popularity": _COMPLEMENT_POPULARITY}
        scored = _Scored(total, parts, scales, because=profile)
        return self._select(scored, selection, k, self.blend.max_per_category, True)

    def product(self, sku: str) -> ProductInfo:
        """Live details of one product; `ProductNotFound` if there is no such sku."""
        info = self.reader.product_by_sku(sku)
        if info is None:
            raise ProductNotFound(sku)
        return info

    def find(self, text: str) -> ProductInfo:
        """The product a customer means by `text` ("the water bottle", a full name or a sku).

        The best product name covering most of the text's words (singular or plural),
        ties going to the more popular product; `ProductNotFound` if no name covers at
        least half of them.
        """
        text = (text or "").strip()
        if not text:
            raise ProductNotFound(text)
        index = self.model.sku_index_upper.get(text.upper())
        if index is None:
            wanted = {_stem(word) for word in _WORDS.findall(text.casefold()) if word not in _FILLER}
            if not wanted:
                raise ProductNotFound(text)
            best, best_key = None, (0.0, 0.0)
            for position, name in enumerate(self.model.catalogue.names):
                have = {_stem(word) for word in _WORDS.findall(name.casefold())}
                covered = len(wanted & have) / len(wanted)
                key = (covered, float(self.model.popularity[position]))
                if covered >= 0.5 and key > best_key:
                    best, best_key = position, key
            if best is None:
                raise ProductNotFound(text)
            index = best
        return self._live_product(int(self.model.catalogue.product_ids[index]))

    # Scoring -----------------------------------------------------------------------

    def _profile(self, history: CustomerHistory, blend: BlendParams) -> _Profile:
        """The customer's items with recency-decayed counts of the orders containing them."""
        empty = np.zeros(0, dtype=np.int64)
        if not history.orders:
            return _Profile(empty, np.zeros(0), empty, empty)
        index_of = self.model.index_of
        newest = history.orders[-1].placed_at
        half_life = max(blend.history_half_life_days, 1e-6) * _DAY
        count = len(history.orders)
        weights: Dict[int, float] = {}
        orders: Dict[int, int] = {}
        for position, order in enumerate(history.orders):
            decay = 0.5 ** ((newest - order.placed_at) / half_life) * blend.order_decay ** (count - 1 - position)
            for product_id in set(order.product_ids):
                index = index_of.get(product_id)
                if index is not None:
                    weights[index] = weights.get(index, 0.0) + decay
                    orders[index] = orders.get(index, 0) + 1
        last = sorted({index_of[p] for p in history.orders[-1].product_ids if p in index_of})
        return _Profile(
            items=np.fromiter(weights.keys(), dtype=np.int64, count=len(weights)),
            weights=np.fromiter(weights.values(), dtype=np.float64, count=len(weights)),
            last_order=np.array(last, dtype=np.int64),
            order_counts=np.fromiter(orders.values(), dtype=np.int64, count=len(orders)),
        )

    def _popularity(self, blend: BlendParams) -> np.ndarray:
        share = min(max(blend.trending_share, 0.0), 1.0)
        return _unit((1.0 - share) * self.model.popularity + share * self.model.trending)

    def _score(self, profile: _Profile, blend: BlendParams, allowed: np.ndarray) -> _Scored:
        """Each source scaled so its best allowed item scores 1, times its weight, and their sum."""
        model = self.model
        raw: Dict[str, np.ndarray] = {}
        if not profile.empty:
            if blend.weight("buy_again") > 0:
                raw["buy_again"] = np.zeros(len(model))
                propensity = model.propensity[profile.items].astype(np.float64)
                raw["buy_again"][profile.items] = propensity**blend.propensity_exponent * profile.weights
            for source in ("item_cf", "content"):
                if blend.weight(source) > 0:
                    spread = profile.neighbour_rows(source, model).T @ profile.weights
                    raw[source] = np.asarray(spread).ravel()
        if blend.weight("popularity") > 0:
            raw["popularity"] = self._popularity(blend)
        # Scaled among allowed items only: an excluded item must not dwarf the others.
        scales = {source: blend.weight(source) for source in raw}
        parts = {source: scales[source] * _unit(np.where(allowed, values, 0.0)) for source, values in raw.items()}
        total = np.zeros(len(model))
        for values in parts.values():
            total += values
        return _Scored(total, parts, scales, because=profile)

    def _drop_unrepeated_last_order(self, profile: _Profile, blend: BlendParams, allowed: np.ndarray) -> None:
        """The last-order rule: an item of the customer's last order comes back only if people re-buy it."""
        last = profile.last_order
        allowed[last[self.model.propensity[last] < blend.rebuy_threshold]] = False

    def ranker_inputs(self, history: CustomerHistory, blend: Optional[BlendParams] = None) -> Tuple[np.ndarray, np.ndarray]:
        """Candidate positions and their re-ranker features for a general request of this history.

        The one path to the features, for training (`learn.py`) and serving alike; the
        last-order rule applies, stock is not checked (training labels are the past).
        """
        blend = blend or self.blend
        profile = self._profile(history, blend)
        allowed = np.ones(len(self.model), dtype=bool)
        self._drop_unrepeated_last_order(profile, blend, allowed)
        scored = self._score(profile, blend, allowed)
        return self._ranker_features(history, profile, scored, allowed)

    def _ranker_features(
        self, history: CustomerHistory, profile: _Profile, scored: _Scored, allowed: np.ndarray
    ) -> Tuple[np.ndarray, np.ndarray]:
        count = self.model.params.rerank_candidates
        items = rerank.candidates(scored.total, allowed, profile.items, count)
        sources = {name: part / scored.scales[name] for name, part in scored.parts.items() if scored.scales[name] > 0}
        return items, rerank.features(self.model, history, items, sources, scored.total)

    def _rerank(self, history: CustomerHistory, profile: _Profile, scored: _Scored, allowed: np.ndarray) -> _Scored:
        """Candidates ordered by the ranker's probability; the other items keep the blend's order below them."""
        ranker = self.model.ranker
        items, features = self._ranker_features(history, profile, scored, allowed)
        if ranker is None or len(items) == 0:
            return scored
        chance = ranker.probability(features)
        top = float(scored.total.max())
        # Items outside the candidates (fill only) score below every candidate, in the blend's order.
        total = scored.total / top * float(chance.min()) * 0.5 if top > 0 else np.zeros_like(scored.total)
        total[items] = chance
        return _Scored(total, scored.parts, scored.scales, because=scored.because, anchor_name=scored.anchor_name)

    # Filters -------------------------------------------------------------------------

    def _filter(
        self, category: Optional[str], min_price: Optional[Price], max_price: Optional[Price]
    ) -> Union[_Selection, Recommendations]:
        """Items that pass the stock, category and price filters, or an empty list with a notice."""
        model = self.model
        if len(model) == 0:
            return Recommendations(notice=EMPTY_CATALOGUE)
        allowed = np.ones(len(model), dtype=bool)
        if self.check_stock:
            allowed &= model.catalogue.stock > 0
        code: Optional[int] = None
        if category is not None and category.strip():
            code = self._category_lookup.get(category.strip().casefold())
            if code is None:
                return Recommendations(notice=UNKNOWN_CATEGORY, category=category.strip())
            allowed &= model.category_codes == code
        low, high = _to_cents(min_price), _to_cents(max_price)
        if (low is not None and low < 0) or (high is not None and high < 0):
            return Recommendations(notice=NEGATIVE_PRICE)
        if low is not None and high is not None and low > high:
            return Recommendations(notice=PRICE_RANGE_INVERTED)
        prices = model.catalogue.price_cents
        in_scope = prices[allowed]
        if len(in_scope) == 0:
            return Recommendations(notice=NOTHING_MATCHES)
        cheapest, dearest = int(in_scope.min()), int(in_scope.max())
        if high is not None and high < cheapest:
            return Recommendations(notice=PRICE_BELOW_CHEAPEST, cheapest=to_decimal(cheapest))
        if low is not None and low > dearest:
            return Recommendations(notice=PRICE_ABOVE_MOST_EXPENSIVE, most_expensive=to_decimal(dearest))
        if low is not None:
            allowed &= prices >= low
        if high is not None:
            allowed &= prices <= high
        return _Selection(allowed, low, high, code)

    # Selection ------------------------------------------------------------------------

    def _select(
        self,
        scored: _Scored,
        selection: _Selection,
        k: int,
        cap: Optional[int],
        fill: bool,
        blend: Optional[BlendParams] = None,
    ) -> Recommendations:
        """The best `k` allowed items after the live stock and price check, spread over categories."""
        if k <= 0:
            return Recommendations()
        model = self.model
        scores = np.where(selection.allowed, scored.total, -np.inf)
        if not fill:
            scores[scored.total <= 0] = -np.inf
        eligible = int(np.isfinite(scores).sum())
        ranked = _top(scores, model.popularity, min(eligible, max(_MAX_CANDIDATES, 4 * k)))
        # Spread over categories on the model's snapshot, then check only the chosen items live;
        # a sold-out item is replaced by the next best and the spread is redone.
        infos: Dict[int, ProductInfo] = {}
        unavailable: Set[int] = set()
        while True:
            chosen = _spread([i for i in ranked if i not in unavailable], model.category_codes, k, cap)
            unknown = [i for i in chosen if i not in infos]
            if not unknown:
                break
            live = self._live(unknown, selection)
            infos.update(live)
            unavailable.update(i for i in unknown if i not in live)
        return Recommendations(self._explain(chosen, infos, scored, blend or self.blend))

    def _live(self, indexes: Sequence[int], selection: _Selection) -> Dict[int, ProductInfo]:
        """Positions whose live product is in stock and in the price range, with its live row."""
        if not len(indexes):
            return {}
        ids = [int(self.model.catalogue.product_ids[i]) for i in indexes]
        live = self.reader.products(ids)
        kept: Dict[int, ProductInfo] = {}
        for index, product_id in zip(indexes, ids, strict=True):
            info = live.get(product_id)
            if info is None or (self.check_stock and info.stock <= 0):
                continue
            cents = int((info.price * 100).to_integral_value())
            if (selection.low is not None and cents < selection.low) or (
                selection.high is not None and cents > selection.high
            ):
                continue
            kept[int(index)] = info
        return kept

    # Reasons ----------------------------------------------------------------------------

    def _explain(
        self, chosen: List[int], infos: Dict[int, ProductInfo], scored: _Scored, blend: BlendParams
    ) -> List[Recommendation]:
        if not chosen:
            return []
        columns = np.array(chosen, dtype=np.int64)
        contributions = {name: values[columns] for name, values in scored.parts.items()}
        because = {source: self._because(columns, source, scored.because) for source in ("item_cf", "content")}
        result = []
        for position, index in enumerate(chosen):
            info = infos[index]
            sources = {
                name: round(float(values[position]), 4) for name, values in contributions.items() if values[position] > 0
            }
            # The reason is the source that ranks the item highest on its own scale (so a
            # strong co-purchase is named even when popularity adds more to the sum);
            # personal sources win ties.
            own = {name: float(contributions[name][position]) / scored.scales[name] for name in sources}
            source = max(_REASON_ORDER, key=lambda name: (own.get(name, 0.0), -_REASON_ORDER.index(name)))
            source = source if own.get(source, 0.0) > 0 else ""
            result.append(
                Recommendation(
                    sku=info.sku,
                    name=info.name,
                    category=info.category,
                    price=info.price,
                    image=info.image,
                    reason=self._reason(index, info, source, because, position, scored, blend),
                    score=round(float(scored.total[index]), 4),
                    sources=sources,
                )
            )
        return result

    def _because(self, columns: np.ndarray, source: str, profile: Optional[_Profile]) -> List[Optional[int]]:
        """For each chosen item, the customer's item that made it score highest in `source`."""
        if profile is None or profile.empty:
            return [None] * len(columns)
        block = profile.neighbour_rows(source, self.model)[:, columns].toarray() * profile.weights[:, None]
        best = np.argmax(block, axis=0)
        return [
            int(profile.items[best[j]]) if block[best[j], j] > 0 else None for j in range(len(columns))
        ]

    def _reason(
        self,
        index: int,
        info: ProductInfo,
        source: str,
        because: Dict[str, List[Optional[int]]],
        position: int,
        scored: _Scored,
        blend: BlendParams,
    ) -> str:
        names = self.model.catalogue.names
        anchor_name = scored.anchor_name
        if source == "buy_again":
            profile = scored.because
            bought = 0
            if profile is not None and not profile.empty:
                found = np.flatnonzero(profile.items == index)
                bought = int(profile.order_counts[found[0]]) if len(found) else 0
            return "you buy this regularly" if bought >= 2 else "you bought this before"
        if source in ("item_cf", "content"):
            if anchor_name is not None:
                return f"similar to {anchor_name}" if source == "content" else f"often bought with {anchor_name}"
            anchor = because[source][position]
            if anchor is not None:
                return f"because you bought {names[anchor]}" if source == "item_cf" else f"similar to {names[anchor]}"
        if source == "popularity":
            if anchor_name is not None:
                return f"also in {info.category}"
            share = min(max(blend.trending_share, 0.0), 1.0)
            trending, popular = self.model.trending[index], self.model.popularity[index]
            if trending > 0 and share * trending >= (1.0 - share) * popular:
                return "trending this week" if self.model.params.trending_days <= 7 else "trending lately"
            return f"popular in {info.category}"
        return f"from our {info.category} range"

    # Products -----------------------------------------------------------------------------

    def _resolve(self, product: Union[int, str]) -> Optional[int]:
        """Model position of a product given by id or sku; None if only the live CRM knows it."""
        if isinstance(product, int) and not isinstance(product, bool):
            index = self.model.index_of.get(product)
        else:
            reference = str(product).strip()
            index = self.model.sku_index.get(reference)
            if index is None:
                index = self.model.sku_index_upper.get(reference.upper())
        if index is not None:
            return index
        self._live_product(product)  # raises ProductNotFound when the CRM does not know it either
        return None

    def _live_product(self, product: Union[int, str]) -> ProductInfo:
        if isinstance(product, int) and not isinstance(product, bool):
            info = self.reader.products([product]).get(product)
        else:
            info = self.reader.product_by_sku(str(product))
        if info is None:
            raise ProductNotFound(str(product))
        return info


def _unit(values: np.ndarray) -> np.ndarray:
    """Scaled so the largest value is 1 (all zeros stay zeros)."""
    values = np.asarray(values, dtype=np.float64)
    top = float(values.max()) if len(values) else 0.0
    return values / top if top > 0 else np.zeros_like(values)


def _dense_row(matrix: Any, index: int) -> np.ndarray:
    return np.asarray(matrix[index].toarray()).ravel()


def _top(scores: np.ndarray, popularity: np.ndarray, count: int) -> List[int]:
    """Positions of the `count` best finite scores, best first; ties go to the more popular item."""
    count = min(count, int(np.isfinite(scores).sum()))
    if count <= 0:
        return []
    if count < len(scores):
        candidates = np.argpartition(-scores, count - 1)[:count]
    else:
        candidates = np.arange(len(scores))
    candidates = candidates[np.isfinite(scores[candidates])]
    order = np.lexsort((candidates, -popularity[candidates], -scores[candidates]))
    return [int(i) for i in candidates[order]]


def _spread(ranked: Sequence[int], categories: np.ndarray, k: int, cap: Optional[int]) -> List[int]:
    """The first `k` of `ranked` with at most `cap` per category.

    When too few categories remain, the list is filled with the best of the rest:
    better a full list than a diverse short one.
    """
    if cap is None:
        return list(ranked[:k])
    chosen: List[int] = []
    skipped: List[int] = []
    per_category: Dict[int, int] = {}
    for index in ranked:
        code = int(categories[index])
        if per_category.get(code, 0) < cap:
            chosen.append(index)
            per_category[code] = per_category.get(code, 0) + 1
            if len(chosen) == k:
                return chosen
        else:
            skipped.append(index)
    return chosen + skipped[: k - len(chosen)]
