"""Errors of the CRM store, as values of the domain.

Actions map each of them to a customer-facing reply in one place
(`actions/replies.py`); nothing else needs to know about SQLAlchemy errors.
"""

from __future__ import annotations


class CrmError(Exception):
    """Base class of everything the CRM store raises on purpose."""


class CrmUnavailable(CrmError):
    """The database cannot be reached or answered with an operational error."""


class OrderNotFound(CrmError):
    """No such order for this customer.

    Raised alike for numbers that do not exist and for numbers that belong to
    someone else, so the answer never tells one from the other.
    """

    def __init__(self, number: str) -> None:
        super().__init__(f"order {number!r} not found for this customer")
        self.number = number


class CustomerNotFound(CrmError):
    """The customer id from a token or slot no longer exists."""


class OrderNotEligible(CrmError):
    """The order exists but the requested change is not allowed in its state."""

    def __init__(self, number: str, reason: str) -> None:
        super().__init__(f"order {number!r}: {reason}")
        self.number = number
        self.reason = reason
