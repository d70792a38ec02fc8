"""What a customer asks for when they ask for recommendations, read from their words.

"a gift under $50" -> max price 50; "between 20 and 40 dollars" -> 20..40;
"under fifty quid" -> max 50;
"over £100" -> min 100; "what goes with my last order" -> complements. Plain
functions of the message text and the NLU's entities, tested without Rasa.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any, Dict, Iterable, List, Optional

_CURRENCY_WORDS = r"(?:dollars?|usd|bucks|euros?|eur|pounds?|gbp|quid)"
_AMOUNT = rf"[$£€]?\s?(\d{{1,6}}(?:[.,]\d{{1,2}})?)\s?{_CURRENCY_WORDS}?"
_BETWEEN = re.compile(rf"\bbetween\s+{_AMOUNT}\s+(?:and|to|-)\s+{_AMOUNT}", re.IGNORECASE)
_RANGE = re.compile(rf"{_AMOUNT}\s?(?:-|to)\s?{_AMOUNT}", re.IGNORECASE)
_MAX = re.compile(
    rf"\b(?:under|below|less than|cheaper than|(?:no|not|nothing)\s+(?:more than|over|above|dearer than)|up to|max(?:imum)?"
    rf"|at most|within|<)\s*{_AMOUNT}",
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


_UNITS = {
    word: value
    for value, word in enumerate(
        "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen "
        "fifteen sixteen seventeen eighteen nineteen".split()
    )
}
_TENS = {word: 10 * value for value, word in enumerate("twenty thirty forty fifty sixty seventy eighty ninety".split(), 2)}
_BELOW_HUNDRED = (
    r"(?:(?:" + "|".join(_TENS) + r")(?:[\s-]+(?:one|two|three|four|five|six|seven|eight|nine))?|"
    + "|".join(sorted(_UNITS, key=len, reverse=True)) + r")"
)
# "fifty", "twenty-five", "a hundred", "one hundred and fifty".
_NUMBER_WORDS = re.compile(
    r"\b(?:(?:a|one|" + "|".join(_UNITS) + r")[\s-]+hundred(?:(?:\s+and)?[\s-]+" + _BELOW_HUNDRED + r")?|"
    + _BELOW_HUNDRED + r")\b",
    re.IGNORECASE,
)


def _number_value(words: str) -> Optional[int]:
    """'a hundred and fifty' -> 150, 'twenty-five' -> 25; None for text that names no number."""
    total, seen = 0, False
    for word in re.split(r"[\s-]+", words.lower()):
        if word in ("a", "and", ""):
            continue
        seen = True
        if word == "hundred":
            total = max(total, 1) * 100
        elif word in _TENS:
            total += _TENS[word]
        elif word in _UNITS:
            total += _UNITS[word]
        else:
            return None
    return total if seen else None


# After the words: a currency, or the other end of a range already in digits ("twenty to 40 bucks").
_PRICE_AFTER = re.compile(rf"\s?{_CURRENCY_WORDS}\b|\s*(?:-|to|and)\s*[$£€]?\d", re.IGNORECASE)
_BOUND_BEFORE = re.compile(
    r"(?:[$£€]|\b(?:under|below|over|above|than|max|maximum|min|minimum|most|least|up to|between|within))\s*$",
    re.IGNORECASE,
)


def spell_numbers(text: str) -> str:
    """Amounts written in words as digits ("under fifty quid" -> "under 50 quid").

    Only number words that read as a price change: followed by a currency word or after
    a bound ("under", "between", "up to"), so "the one with the lid" stays as it is.
    """

    def spelled(current: str) -> str:
        def digits(match: re.Match[str]) -> str:
            words = match.group()
            value = _number_value(words)
            if value is None:
                return words
            priced = _PRICE_AFTER.match(current, match.end()) or _BOUND_BEFORE.search(current, 0, match.start())
            return str(value) if priced else words

        return _NUMBER_WORDS.sub(digits, current)

    # Twice: the first pass turns the priced end of a range into digits, the second its other end.
    return spelled(spelled(text))


def price_bounds(text: str) -> tuple[Optional[Decimal], Optional[Decimal]]:
    """(min, max) price in the text; a bare amount ("something for $30") is a maximum."""
    text = spell_numbers(text)
    for pattern in (_BETWEEN, _RANGE):
        match = pattern.search(text)
        if match:
            low, high = _decimal(match.group(1)), _decimal(match.group(2))
            if low is not None and high is not None:
                return min(low, high), max(low, high)
    maximum = _MAX.search(text)
    # "nothing over $99" is a maximum: a minimum inside the maximum's words does not count.
    minimum = _MIN.search(text[: maximum.start()] + " " * len(maximum.group()) + text[maximum.end() :] if maximum else text)
    if maximum or minimum:
        return (_decimal(minimum.group(1)) if minimum else None, _decimal(maximum.group(1)) if maximum else None)
    bare = re.search(r"[$£€]\s?(\d{1,6}(?:[.,]\d{1,2})?)|(\d{1,6}(?:[.,]\d{1,2})?)\s?(?:dollars?|usd|bucks|euros?|pounds?|quid)\b", text, re.IGNORECASE)
    if bare:
        return None, _decimal(bare.group(1) or bare.group(2))
    return None, None


def entity_values(entities: Iterable[Dict[str, Any]], name: str) -> List[Any]:
    return [e.get("value") for e in entities if e.get("entity") == name and e.get("value") not in (None, "")]


# "in the jewellery section": a category the NLU could not know (it only finds the shop's own).
_CATEGORY_PHRASE = re.compile(
    r"\b(?:in|from)\s+(?:the\s+|your\s+)?([a-z][a-z &'-]{1,30}?)\s+(?:category|section|department|aisle)\b",
    re.IGNORECASE,
)
# "something like the flux capacitor", "tell me about the blue vase": a product the NLU did not find.
_PRODUCT_PHRASE = re.compile(
    r"\b(?:like|similar to|alternatives? to|about|details (?:of|on))\s+(?:the|a|an|your)\s+"
    r"([a-z0-9][a-z0-9 '&-]{1,40}?)\s*(?=[?.!,;]|\bbut\b|\bplease\b|\bthat\b|\bwhich\b|\bin\b|\bfor\b|$)",
    re.IGNORECASE,
)
_NOT_PRODUCTS = frozenset(
    "one ones same other others price prices cost delivery shipping order orders first second third fourth "
    "fifth last thing things stuff product products item items it this that them".split()
)

_PRONOUN_LIKE = frozenset("one ones same other others it this that thing things stuff".split())


def category_phrase(text: str) -> Optional[str]:
    """The category named in "in the X section/category/department", if any."""
    match = _CATEGORY_PHRASE.search(text or "")
    return match.group(1).strip() if match else None


def product_phrase(text: str) -> Optional[str]:
    """The product named after "like the", "about the", ... when it is not a generic word."""
    match = _PRODUCT_PHRASE.search(text or "")
    if match is None:
        return None
    phrase = match.group(1).strip()
    words = phrase.casefold().split()
    if words[0] in _PRONOUN_LIKE or all(word in _NOT_PRODUCTS for word in words):
        return None  # "the one I bought", "the same", "the price"
    return phrase


def read_query(text: str, entities: Iterable[Dict[str, Any]]) -> ProductQuery:
    entities = list(entities)
    categories = entity_values(entities, "category")
    category = str(categories[0]) if categories else category_phrase(text or "")
    low, high = price_bounds(text or "")
    return ProductQuery(
        mode="complements" if _COMPLEMENTS.search(text or "") else "general",
        category=category,
        min_price=low,
        max_price=high,
        gift=bool(_GIFT.search(text or "")),
    )


_ORDINALS = {"first": 0, "1st": 0, "second": 1, "2nd": 1, "third": 2, "3rd": 2, "fourth": 3, "4th": 3, "fifth": 4, "5th": 4}
_CARD_REFERENCE = re.compile(
    r"\b(?:the\s+)?(first|1st|second|2nd|third|3rd|fourth|4th|fifth|5th|last)\s+(?:one|card|product|item|suggestion|option)\b"
    r"|(?:\bnumber|#)\s?([1-5])\b",
    re.IGNORECASE,
)


def card_position(text: str) -> Optional[int]:
    """Which of the cards just shown the customer means: "the second one" -> 1, "the last one" -> -1."""
    match = _CARD_REFERENCE.search(text or "")
    if match is None:
        return None
    if match.group(2):
        return int(match.group(2)) - 1
    word = match.group(1).lower()
    return -1 if word == "last" else _ORDINALS[word]
