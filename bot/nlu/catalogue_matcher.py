"""Find product and category mentions in a message, tolerant of typos.

Plain Python over spaCy's blank English tokenizer and PhraseMatcher, so it is
tested without Rasa. Terms come from the catalogue (full product names, the
product-type phrases at the end of names, category names and their parts) and
from the annotated training examples. A word that is in no term and was never
seen in training is compared with the term vocabulary (one edit for words of 5-8
letters, two for longer ones) and corrected before matching: "headphnes" finds
"headphones", while a known word like "order" is never bent into a product.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Dict, Iterable, List, Optional, Sequence, Set, Tuple

import spacy
from spacy.matcher import PhraseMatcher

PRODUCT = "product"
CATEGORY = "category"

# Words that end product names without naming the product type.
GENERIC_HEADS = {
    "set", "pack", "kit", "bundle", "edition", "pro", "plus", "mini", "max", "xl", "trio", "duo", "pair",
    "large", "small", "medium", "classic", "original", "deluxe", "premium", "collection", "size",
    "travel", "slim", "regular", "wide", "nib", "neck", "crew", "v-neck", "of", "and", "with", "for",
    "the", "in", "to", "a", "assorted", "design", "style", "adjustable", "full-size", "slip-on",
}
# One-word endings that are ordinary English words more often than product types.
AMBIGUOUS_SINGLE = {
    "press", "cook", "run", "science", "bank", "wash", "cover", "sheet", "mix", "bar", "case", "stand",
    "light", "lights", "game", "games", "rope", "plug", "track", "order", "return", "gift", "card", "cards",
}
UNITS = {"ml", "l", "cm", "mm", "m", "g", "kg", "oz", "lb", "lbs", "in", "inch", "ft", "qt", "pcs", "pc", "w", "x"}
# Where the name of the thing ends and its details begin: "Desk Lamp with USB Port".
_DETAILS = re.compile(r"\s+(?:with|for|set of|pack of|in|-)\s+.*$|\s*[(,].*$", re.IGNORECASE)
_VARIANT_SUFFIXES = ("-proof", "-size", "-on", "-pack", "-piece", "-fit")
_WORD = re.compile(r"^[a-z][a-z'-]*$")
_LONG_RUN = re.compile(r"\S{64,}")


@dataclass(frozen=True)
class CatalogueMatch:
    entity: str
    value: str
    start: int
    end: int
    text: str
    fuzzy: bool


@dataclass
class CatalogueTerms:
    """Surface phrase -> (entity, canonical value), plus the words known to be ordinary."""

    phrases: Dict[str, Tuple[str, str]] = field(default_factory=dict)
    known_words: Set[str] = field(default_factory=set)

    def add(self, phrase: str, entity: str, value: str) -> None:
        key = _normalise(phrase)
        if not key:
            return
        current = self.phrases.get(key)
        # A category beats a product type of the same words ("garden" is the category),
        # a full product name beats a type.
        if current is None or (current[0] == PRODUCT and entity == CATEGORY):
            self.phrases[key] = (entity, value)

    def to_dict(self) -> Dict[str, Any]:
        return {
            "phrases": {k: list(v) for k, v in sorted(self.phrases.items())},
            "known_words": sorted(self.known_words),
        }

    @classmethod
    def from_dict(cls, data: Dict[str, Any]) -> CatalogueTerms:
        phrases = {k: (v[0], v[1]) for k, v in data.get("phrases", {}).items()}
        return cls(phrases=phrases, known_words=set(data.get("known_words", [])))


def _normalise(text: str) -> str:
    return " ".join(re.findall(r"[a-z0-9]+(?:['-][a-z0-9]+)*", text.lower()))


def _plural_variants(phrase: str) -> List[str]:
    """'water bottle' -> ['water bottles']; 'headphones' -> ['headphone']."""
    words = phrase.split()
    if not words:
        return []
    last = words[-1]
    variants = []
    if last.endswith("ies") and len(last) > 4:
        variants.append(last[:-3] + "y")
    elif last.endswith(("ches", "shes", "xes", "sses")):
        variants.append(last[:-2])
    elif last.endswith("s") and not last.endswith("ss") and len(last) > 3:
        variants.append(last[:-1])
    elif last.endswith("y") and len(last) > 3 and last[-2] not in "aeiou":
        variants.append(last[:-1] + "ies")
    elif last.endswith(("ch", "sh", "x", "ss")):
        variants.append(last + "es")
    else:
        variants.append(last + "s")
    return [" ".join(words[:-1] + [variant]) for variant in variants]


def _is_variant(word: str) -> bool:
    return (
        word in GENERIC_HEADS
        or any(ch.isdigit() for ch in word)
        or word in UNITS
        or word.endswith(_VARIANT_SUFFIXES)
        or (word.endswith("ed") and len(word) > 4 and not word.endswith("eed"))
    )


def product_type_phrases(name: str) -> List[str]:
    """The endings of a product name that name its type.

    'Bamboo Cutting Board Set' -> 'board', 'cutting board', 'bamboo cutting board';
    'Architect Desk Lamp with USB Port' -> 'lamp', 'desk lamp', 'architect desk lamp'.
    """
    words = _normalise(_DETAILS.sub("", name)).split()
    while words and _is_variant(words[-1]):
        words.pop()
    phrases = []
    for length in (1, 2, 3):
        if len(words) < length:
            break
        tail = words[-length:]
        if any(ch.isdigit() for w in tail for ch in w) or not all(_WORD.match(w) for w in tail):
            break
        if length == 1 and (len(tail[0]) < 4 or tail[0] in GENERIC_HEADS or tail[0] in AMBIGUOUS_SINGLE):
            continue
        phrases.append(" ".join(tail))
    return phrases


# Parts of category names too common to stand for the category alone ("take care").
GENERIC_CATEGORY_PARTS = {"care", "home", "personal", "general", "other", "misc", "more", "accessories"}


def category_phrases(category: str) -> List[str]:
    """'Outdoor & Camping' -> 'outdoor camping', 'outdoor', 'camping'."""
    phrases = [_normalise(category)]
    for part in re.split(r"\s*(?:&|\band\b|/|,)\s*", category.lower()):
        part = _normalise(part)
        if part and part not in phrases and part not in GENERIC_CATEGORY_PARTS:
            phrases.append(part)
    return phrases


def build_terms(
    product_names: Iterable[str],
    categories: Iterable[str],
    annotated: Iterable[Tuple[str, str, str]] = (),
    known_words: Iterable[str] = (),
    synonyms: Optional[Dict[str, str]] = None,
) -> CatalogueTerms:
    """Terms from the catalogue, annotated examples (entity, text, value) and synonyms.

    A synonym ("tech" -> "Electronics") becomes a term when it maps to a category.
    """
    terms = CatalogueTerms()
    categories = list(categories)
    annotated = list(annotated)
    category_values = set(categories) | {value for entity, _, value in annotated if entity == CATEGORY}
    for surface, value in (synonyms or {}).items():
        if value in category_values:
            terms.add(surface, CATEGORY, value)
    for category in categories:
        for phrase in category_phrases(category):
            terms.add(phrase, CATEGORY, category)
            for variant in _plural_variants(phrase):
                terms.add(variant, CATEGORY, category)
    for name in product_names:
        terms.add(name, PRODUCT, name)
        for phrase in product_type_phrases(name):
            for variant in [phrase, *_plural_variants(phrase)]:
                terms.add(variant, PRODUCT, variant)
    for entity, text, value in annotated:
        if entity in (PRODUCT, CATEGORY):
            terms.add(text, entity, value if entity == CATEGORY else _normalise(text))
    term_words = {word for phrase in terms.phrases for word in phrase.split()}
    terms.known_words = {w.lower() for w in known_words} - term_words
    return terms


class CatalogueMatcher:
    """Matches `CatalogueTerms` in texts."""

    def __init__(self, terms: CatalogueTerms) -> None:
        self.terms = terms
        self._nlp = spacy.blank("en")
        self._matcher = PhraseMatcher(self._nlp.vocab, attr="LOWER")
        phrases = list(terms.phrases)
        for start in range(0, len(phrases), 1000):
            chunk = phrases[start : start + 1000]
            self._matcher.add("TERM", [self._nlp.make_doc(phrase) for phrase in chunk])
        self._vocabulary = {word for phrase in phrases for word in phrase.split() if len(word) >= 5}
        self._deletions = _deletion_index(self._vocabulary, distance=2)
        # Ordinary words the customer may have mistyped ("cancle" is "cancel", not "candle").
        self._ordinary = {w for w in terms.known_words if len(w) >= 4 and w.isalpha()}
        self._ordinary_deletions = _deletion_index(self._ordinary, distance=2)

    def find(self, text: str) -> List[CatalogueMatch]:
        """Non-overlapping mentions, longest first, in text order."""
        if not text or not self.terms.phrases:
            return []
        # spaCy's tokenizer is quadratic in the length of a token ("[[[[...", 2,000 emoji: seconds);
        # no product hides in a run that long, and blanking it keeps every character offset.
        doc = self._nlp.make_doc(_LONG_RUN.sub(lambda run: " " * len(run.group()), text[:5000]))
        corrected, was_corrected = self._correct(doc)
        if any(was_corrected):
            search = spacy.tokens.Doc(self._nlp.vocab, words=corrected)
        else:
            search = doc
        spans = []
        for _, start, end in self._matcher(search):
            key = _normalise(" ".join(t.text for t in search[start:end]))
            if key in self.terms.phrases:
                spans.append((start, end, key))
        spans.sort(key=lambda s: (-(s[1] - s[0]), s[0]))
        taken: Set[int] = set()
        matches = []
        for start, end, key in spans:
            if taken.intersection(range(start, end)):
                continue
            taken.update(range(start, end))
            entity, value = self.terms.phrases[key]
            char_start = doc[start].idx
            char_end = doc[end - 1].idx + len(doc[end - 1].text)
            matches.append(
                CatalogueMatch(
                    entity=entity,
                    value=value,
                    start=char_start,
                    end=char_end,
                    text=text[char_start:char_end],
                    fuzzy=any(was_corrected[start:end]),
                )
            )
        return sorted(matches, key=lambda m: m.start)

    def _correct(self, doc: spacy.tokens.Doc) -> Tuple[List[str], List[bool]]:
        words, corrected = [], []
        for token in doc:
            lower = token.lower_
            replacement = None
            if (
                len(lower) >= 5
                and lower.isalpha()
                and lower not in self._vocabulary
                and lower not in self.terms.known_words
            ):
                replacement = self._closest(lower)
            words.append(replacement or token.text)
            corrected.append(replacement is not None)
        return words, corrected

    def _closest(self, word: str) -> Optional[str]:
        max_distance = 1 if len(word) <= 8 else 2
        best = _nearest(word, self._deletions, max_distance)
        if best is None:
            return None
        ordinary = _nearest(word, self._ordinary_deletions, best[0])
        if ordinary is not None and ordinary[0] <= best[0]:
            return None
        return best[1]


def _nearest(word: str, index: Dict[str, Set[str]], max_distance: int) -> Optional[Tuple[int, str]]:
    """The closest indexed word within `max_distance` edits, as (distance, word)."""
    candidates: Set[str] = set()
    for deletion in _deletions(word, max_distance):
        candidates.update(index.get(deletion, ()))
    best: Optional[Tuple[int, str]] = None
    for candidate in candidates:
        distance = _damerau_levenshtein(word, candidate, max_distance)
        if distance <= max_distance and (best is None or (distance, candidate) < best):
            best = (distance, candidate)
    return best


def _deletions(word: str, distance: int) -> Set[str]:
    results = {word}
    frontier = {word}
    for _ in range(distance):
        frontier = {w[:i] + w[i + 1 :] for w in frontier for i in range(len(w))}
        results |= frontier
    return results


def _deletion_index(words: Iterable[str], distance: int) -> Dict[str, Set[str]]:
    index: Dict[str, Set[str]] = {}
    for word in words:
        for deletion in _deletions(word, distance):
            index.setdefault(deletion, set()).add(word)
    return index


def _damerau_levenshtein(a: str, b: str, limit: int) -> int:
    """Optimal string alignment distance, stopping early past `limit`."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    previous2: Sequence[int] = []
    previous = list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        current = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            cost = 0 if a[i - 1] == b[j - 1] else 1
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                current[j] = min(current[j], previous2[j - 2] + 1)
        if min(current) > limit:
            return limit + 1
        previous2, previous = previous, current
    return previous[-1]
