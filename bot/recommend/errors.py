"""Errors of the recommender, as values of the domain.

Actions map them to kind replies ("I can't find that product"); an impossible
request such as a negative price is not an error but an empty result with a
reason (see `Recommendations.notice`), because the customer asked something the
assistant can answer in words.
"""

from __future__ import annotations


class RecommenderError(Exception):
    """Base class of everything the recommender raises on purpose."""


class ProductNotFound(RecommenderError):
    """No product with this sku or id in the catalogue."""

    def __init__(self, reference: str) -> None:
        super().__init__(f"product {reference!r} not found")
        self.reference = reference


class ModelNotFound(RecommenderError):
    """No trained recommender model in the model folder (run `python -m bot recommend train`)."""


class IncompatibleModel(RecommenderError):
    """A saved model was written by another, incompatible version of this package."""
