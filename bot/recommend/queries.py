"""What a customer asks for when they ask for recommendations, read from their words.

"a gift under $50" -> max price 50; "between 20 and 40 dollars" -> 20..40;
"over £100" -> min 100; "what goes with my last order" -> complements. Plain
functions of the message text and the NLU's entities, tested without Rasa.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any, Dict, Iterable, List, Optional

_AMOUNT = r"[$£€]?\s?(\d{1,6}(?:[.,]\d{1,2})?)\s?(?:dollars?|usd|bucks|euros?|eur|pounds?|gbp|quid)?"
_BETWEEN = re.compile(rf"\bbetween\s+{_AMOUNT}\s+(?:and|to|-)\s+{_AMOUNT}", re.IGNORECASE)
_RANGE = re.compile(rf"{_AMOUNT}\s?(?:-|to)\s?{_AMOUNT}", re.IGNORECASE)
_MAX = re.compile(
    rf"\b(?:under|below|less than|cheaper than|no more than|not more than|up to|max(?:imum)?|at most|within|<)\s*{_AMOUNT}",
    re.IGNORECASE,
)
_MIN = re.compile(rf"\b(?:over|above|more than|at least|from|min(?:imum)?|>)\s*{_AMOUNT}", re.IGNORECASE)
_COMPLEMENTS = re.compile(
    r"\b(goes?|go|going|match(?:es)?|pair(?:s)?|complements?|combine|accessor(?:y|ies))\b.*\b(with|to|for)\b"
    r"|\bwith my (?:last|latest|recent) (?:order|purchase)",
    re.IGNORECASE,
)
_GIFT = re.compile(r"\b(gift|present|birthday|christmas|for (?:my|a) (?:mum|mom|dad|friend|wife|husband|sister|brother))\b", re.IGNORECASE)


@dataclass(frozen=True)
class ProductQuery:
    mode: str  # "general" | "complements"
    category: Optional[str] = None
    min_price: Optional[Decimal] = None
    max_price: Optional[Decimal] = None
    gift: bool = False


def _decimal(text: Optional[str]) -> Optional[Decimal]:
    if not text:
        return None
    try:
        return Decimal(text.replace(",", "."))
    except InvalidOperation:
        return None


def price_bounds(text: str) -> tuple[Optional[Decimal], Optional[Decimal]]:
    """(min, max) price in the text; a bare amount ("something for $30") is a maximum."""
    for pattern in (_BETWEEN, _RANGE):
        match = pattern.search(text)
        if match:
            low, high = _decimal(match.group(1)), _decimal(match.group(2))
            if low is not None and high is not None:
                return min(low, high), max(low, high)
    maximum = _MAX.search(text)
    minimum = _MIN.search(text)
    if maximum or minimum:
        return (_decimal(minimum.group(1)) if minimum else None, _decimal(maximum.group(1)) if maximum else None)
    bare = re.search(r"[$£€]\s?(\d{1,6}(?:[.,]\d{1,2})?)|(\d{1,6}(?:[.,]\d{1,2})?)\s?(?:dollars?|usd|bucks|euros?|pounds?|quid)\b", text, re.IGNORECASE)
    if bare:
        return None, _decimal(bare.group(1) or bare.group(2))
    return None, None


def entity_values(entities: Iterable[Dict[str, Any]], name: str) -> List[Any]:
    return [e.get("value") for e in entities if e.get("entity") == name and e.get("value") not in (None, "")]


def read_query(text: str, entities: Iterable[Dict[str, Any]]) -> ProductQuery:
    entities = list(entities)
    categories = entity_values(entities, "category")
    low, high = price_bounds(text or "")
    return ProductQuery(
        mode="complements" if _COMPLEMENTS.search(text or "") else "general",
        category=str(categories[0]) if categories else None,
        min_price=low,
        max_price=high,
        gift=bool(_GIFT.search(text or "")),
    )
