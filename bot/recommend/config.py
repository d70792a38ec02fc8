"""Configuration of the recommender, read from the `recommendations:` section of support.yml.

Two groups, because they change at different moments: `ModelParams` shape the
item-side model and take effect at the next `train`; `BlendParams` weigh and filter
at query time and take effect when the action server restarts. The defaults here
equal the values in support.yml, which `benchmarks/recommend_tune.py` chose on a
validation split that never sees the held-out test orders.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any, Dict, Mapping, Optional

import yaml

PROJECT_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_MODEL_DIR = PROJECT_ROOT / "models" / "recommender"
SOURCES = ("buy_again", "item_cf", "content", "popularity")


@dataclass(frozen=True)
class ModelParams:
    """Hyper-parameters of the item-side model (used at training time)."""

    # Item-item collaborative filtering on the customer x item matrix:
    # "cosine" (with the weighting and shrinkage below), "rp3beta" (a two-step random
    # walk customer -> item -> customer -> item, popular targets damped by popularity^beta;
    # Paudel et al. 2017) or "ease" (closed-form linear item-item model; Steck 2019).
    cf_algorithm: str = "rp3beta"
    # What counts as "bought together": by the same "customer", or in the same "order".
    cf_unit: str = "customer"
    rp3_alpha: float = 1.0
    rp3_beta: float = 0.0
    ease_lambda: float = 200.0
    # EASE inverts an items x items matrix: only the most bought items take part.
    ease_max_items: int = 4000
    cf_weighting: str = "none"  # "bm25", "tfidf" or "none" (binary)
    bm25_k1: float = 1.2
    bm25_b: float = 0.75
    # sim(i, j) = dot(i, j) / (|i| |j| + shrinkage): pairs seen by few customers count less.
    cf_shrinkage: float = 5.0
    cf_neighbours: int = 200
    content_neighbours: int = 50
    # "Trending" counts orders of the last `trending_days` before the newest order.
    trending_days: float = 7.0
    # Re-purchase propensity is smoothed towards its category's rate with this many pseudo-observations.
    propensity_prior: float = 5.0
    # A learned re-ranker over the blend's candidates (`rerank.py`), trained on each customer's
    # latest orders given the orders before them. Off unless validation prefers it to the blend
    # (stage 4 of recommend_tune.py; levels and penalty below won it on the seeded demo shop).
    rerank: bool = False
    # Label orders per customer: 1 the last, 2 also the one before, ... (each level fits one more
    # item-side model on the orders before it, so no label ever leaks into its own features).
    rerank_levels: int = 3
    rerank_c: float = 1.0  # inverse strength of the L2 penalty of the logistic regression
    rerank_candidates: int = 100  # best blend items re-ranked per request (plus the customer's own)
    # Fewer label orders than this: no re-ranker, the blend alone (too little to learn from).
    rerank_min_baskets: int = 30
    # At most this many customers per level, sampled: bounds training time on large shops.
    rerank_max_customers: int = 2000

    def __post_init__(self) -> None:
        if self.cf_weighting not in ("bm25", "tfidf", "none"):
            raise ValueError(f"unknown cf_weighting {self.cf_weighting!r}")
        if self.cf_unit not in ("customer", "order"):
            raise ValueError(f"unknown cf_unit {self.cf_unit!r}")
        if self.cf_algorithm not in ("cosine", "rp3beta", "ease"):
            raise ValueError(f"unknown cf_algorithm {self.cf_algorithm!r}")
        if self.cf_neighbours < 1 or self.content_neighbours < 1:
            raise ValueError("neighbour counts must be positive")
        if self.rerank_levels < 1 or self.rerank_candidates < 1 or self.rerank_c <= 0:
            raise ValueError("rerank_levels, rerank_candidates and rerank_c must be positive")


@dataclass(frozen=True)
class BlendParams:
    """Weights and filters applied when recommending (query time)."""

    weights: Dict[str, float] = field(
        default_factory=lambda: {"buy_again": 1.0, "item_cf": 0.5, "content": 0.1, "popularity": 0.5}
    )
    # Share of the popularity source that comes from the recent window ("trending").
    trending_share: float = 0.5
    # Items of the customer's last order come back only if their re-purchase propensity is at least this.
    rebuy_threshold: float = 0.1
    # At most this many recommendations of one category in a list (relaxed when too few remain).
    max_per_category: int = 3
    # Older orders count less in a customer's profile: the weight halves every `history_half_life_days`
    # and is multiplied by `order_decay` for every later order of the customer.
    history_half_life_days: float = 3.0
    order_decay: float = 1.0
    # Buy again = propensity ** propensity_exponent * profile weight (0: ignore propensity).
    propensity_exponent: float = 0.0
    # "something like X": weights of content and collaborative neighbours of X.
    similar_content_weight: float = 0.6
    similar_cf_weight: float = 0.4
    # Use the model's learned re-ranker when it has one (only models trained with `model.rerank`);
    # false serves the blend alone without retraining.
    use_reranker: bool = True

    def __post_init__(self) -> None:
        unknown = set(self.weights) - set(SOURCES)
        if unknown:
            raise ValueError(f"unknown recommendation sources: {', '.join(sorted(unknown))}")
        if any(value < 0 for value in self.weights.values()):
            raise ValueError("recommendation weights must not be negative")
        if self.max_per_category < 1:
            raise ValueError("max_per_category must be at least 1")

    def weight(self, source: str) -> float:
        return float(self.weights.get(source, 0.0))

    def only(self, source: str) -> BlendParams:
        """The same settings with one source alone and no re-ranker (for evaluation)."""
        return replace(self, weights={name: 1.0 if name == source else 0.0 for name in SOURCES}, use_reranker=False)


@dataclass(frozen=True)
class RecommendationConfig:
    model: ModelParams = field(default_factory=ModelParams)
    blend: BlendParams = field(default_factory=BlendParams)
    model_dir: Path = DEFAULT_MODEL_DIR
    # The action server looks for a newer model at most this often.
    reload_check_seconds: float = 5.0


_SECTION_KEYS = {"similar_to", "model", "reload_check_seconds"}


def _pick(cls: Any, section: Mapping[str, Any]) -> Dict[str, Any]:
    names = {item.name for item in fields(cls)}
    return {key: value for key, value in section.items() if key in names}


def _check_keys(section: Mapping[str, Any], known: Any, where: str) -> None:
    """A misspelt setting would silently fall back to its default: refuse it instead."""
    unknown = sorted(set(section) - set(known))
    if unknown:
        raise ValueError(f"unknown settings in {where}: {', '.join(unknown)}")


def config_from_mapping(section: Mapping[str, Any], model_dir: Optional[Path] = None) -> RecommendationConfig:
    """Build the configuration from a parsed `recommendations:` section."""
    section = dict(section or {})
    _check_keys(section, {item.name for item in fields(BlendParams)} | _SECTION_KEYS, "recommendations")
    _check_keys(section.get("model") or {}, {item.name for item in fields(ModelParams)}, "recommendations.model")
    _check_keys(section.get("similar_to") or {}, {"content", "item_cf"}, "recommendations.similar_to")
    blend_values = _pick(BlendParams, section)
    similar = section.get("similar_to") or {}
    if "content" in similar:
        blend_values["similar_content_weight"] = float(similar["content"])
    if "item_cf" in similar:
        blend_values["similar_cf_weight"] = float(similar["item_cf"])
    if "weights" in blend_values:
        blend_values["weights"] = {key: float(value) for key, value in blend_values["weights"].items()}
    model_values = _pick(ModelParams, section.get("model") or {})
    return RecommendationConfig(
        model=ModelParams(**model_values),
        blend=BlendParams(**blend_values),
        model_dir=model_dir or DEFAULT_MODEL_DIR,
        reload_check_seconds=float(section.get("reload_check_seconds", 5.0)),
    )


def load_config(environ: Mapping[str, str] = os.environ) -> RecommendationConfig:
    """The `recommendations:` section of support.yml (or `SUPPORT_CONFIG`).

    `RECOMMENDER_MODEL_DIR` moves the model folder (default `models/recommender/`).
    """
    path = Path(environ.get("SUPPORT_CONFIG", PROJECT_ROOT / "support.yml"))
    section: Mapping[str, Any] = {}
    if path.exists():
        with path.open(encoding="utf-8") as handle:
            section = (yaml.safe_load(handle) or {}).get("recommendations") or {}
    model_dir = environ.get("RECOMMENDER_MODEL_DIR")
    return config_from_mapping(section, Path(model_dir) if model_dir else None)
