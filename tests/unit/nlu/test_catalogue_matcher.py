"""Catalogue mentions found in customer messages, typos included."""

from __future__ import annotations

import pytest

from bot.nlu.catalogue_matcher import (
    CATEGORY,
    PRODUCT,
    CatalogueMatcher,
    CatalogueTerms,
    build_terms,
    category_phrases,
    product_type_phrases,
)

NAMES = [
    "Bamboo Cutting Board Set",
    "Wireless Noise-Cancelling Headphones",
    "Stainless Steel Water Bottle 750ml",
    "Architect Desk Lamp with USB Port",
    "Loftline TPE Yoga Mat",
    "Garden Hose 50 ft",
]
CATEGORIES = ["Kitchen", "Electronics", "Outdoor & Camping", "Garden", "Toys & Games"]
KNOWN = "where is my order please the a want to return headphones for kitchen ordered".split()


@pytest.fixture(scope="module")
def matcher() -> CatalogueMatcher:
    terms = build_terms(NAMES, CATEGORIES, [("category", "camping gear", "Outdoor & Camping")], KNOWN)
    return CatalogueMatcher(terms)


def found(matcher: CatalogueMatcher, text: str):  # type: ignore[no-untyped-def]
    return [(m.entity, m.value, m.text) for m in matcher.find(text)]


def test_type_phrases_drop_sizes_variants_and_details() -> None:
    assert product_type_phrases("Stainless Steel Water Bottle 750ml") == ["bottle", "water bottle", "steel water bottle"]
    assert product_type_phrases("Architect Desk Lamp with USB Port")[:2] == ["lamp", "desk lamp"]
    assert product_type_phrases("Bamboo Cutting Board Set")[:2] == ["board", "cutting board"]
    assert category_phrases("Outdoor & Camping") == ["outdoor camping", "outdoor", "camping"]


def test_full_names_types_and_categories(matcher: CatalogueMatcher) -> None:
    assert found(matcher, "is the Bamboo Cutting Board Set in stock?") == [
        (PRODUCT, "Bamboo Cutting Board Set", "Bamboo Cutting Board Set")
    ]
    assert found(matcher, "something like the water bottle") == [(PRODUCT, "water bottle", "water bottle")]
    assert found(matcher, "any headphones in electronics?") == [
        (PRODUCT, "headphones", "headphones"),
        (CATEGORY, "Electronics", "electronics"),
    ]
    assert found(matcher, "camping gear for my dad") == [(CATEGORY, "Outdoor & Camping", "camping gear")]


def test_plurals_and_longest_match(matcher: CatalogueMatcher) -> None:
    assert found(matcher, "two water bottles") == [(PRODUCT, "water bottles", "water bottles")]
    assert found(matcher, "a garden hose") == [(PRODUCT, "garden hose", "garden hose")]
    assert found(matcher, "stuff for the garden") == [(CATEGORY, "Garden", "garden")]


def test_typos_are_corrected_but_known_words_are_not(matcher: CatalogueMatcher) -> None:
    fuzzy = matcher.find("do you have headphnoes")
    assert [(m.entity, m.value, m.fuzzy) for m in fuzzy] == [(PRODUCT, "headphones", True)]
    assert found(matcher, "where is my order please") == []


def test_nothing_in_empty_or_unrelated_text(matcher: CatalogueMatcher) -> None:
    assert found(matcher, "") == []
    assert found(matcher, "🙂🙂🙂") == []
    assert found(matcher, "x" * 20000) == []
    assert CatalogueMatcher(CatalogueTerms()).find("headphones") == []


def test_terms_survive_a_round_trip(matcher: CatalogueMatcher) -> None:
    again = CatalogueMatcher(CatalogueTerms.from_dict(matcher.terms.to_dict()))
    assert found(again, "desk lamp") == found(matcher, "desk lamp")


def test_mistyped_ordinary_words_are_not_bent_into_products() -> None:
    terms = build_terms(["Soy Wax Scented Candle", "Charging Cable"], ["Beauty & Care"], known_words=["cancel", "label", "order"])
    matcher = CatalogueMatcher(terms)
    assert found(matcher, "i want to cancle my order") == []
    assert found(matcher, "where is the return lable") == []
    assert found(matcher, "take care") == []
    assert found(matcher, "a scented candlle") == [(PRODUCT, "scented candle", "scented candlle")]


def test_category_synonyms_become_terms() -> None:
    terms = build_terms([], ["Electronics", "Home Decor"], synonyms={"tech": "Electronics", "homeware": "Home Decor", "x": "Nope"})
    matcher = CatalogueMatcher(terms)
    assert found(matcher, "any tech or homeware deals") == [
        (CATEGORY, "Electronics", "tech"),
        (CATEGORY, "Home Decor", "homeware"),
    ]


def test_long_runs_without_spaces_are_skipped_fast_and_offsets_hold(matcher: CatalogueMatcher) -> None:
    # Found by `python -m bot bench fuzz`: spaCy took seconds on 5,000 brackets or 2,000 emoji.
    import time

    text = "[" * 2500 + "]" * 2500
    started = time.perf_counter()
    assert matcher.find(text) == []
    assert matcher.find("🙂" * 4000) == []
    assert time.perf_counter() - started < 1.0
    prefix = "x" * 100 + " i want headphones"
    (match,) = matcher.find(prefix)
    assert prefix[match.start:match.end] == "headphones"
