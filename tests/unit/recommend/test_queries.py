"""Reading recommendation requests: price bounds, category, "goes with my last order"."""

from __future__ import annotations

from decimal import Decimal

import pytest

from bot.recommend.queries import (
    card_position,
    category_phrase,
    price_bounds,
    product_phrase,
    read_query,
    spell_numbers,
)


@pytest.mark.parametrize(
    "text, bounds",
    [
        ("a gift under $50", (None, Decimal("50"))),
        ("something below 30 dollars", (None, Decimal("30"))),
        ("between 20 and 40 bucks", (Decimal("20"), Decimal("40"))),
        ("anything from £15 to £25", (Decimal("15"), Decimal("25"))),
        ("over $100 please", (Decimal("100"), None)),
        ("something nice for $30", (None, Decimal("30"))),
        ("a present for my dad", (None, None)),
        ("up to 19.99", (None, Decimal("19.99"))),
        ("between 40 and 20", (Decimal("20"), Decimal("40"))),
        # A negated bound is a maximum, not a minimum.
        ("nothing over $99", (None, Decimal("99"))),
        ("not above 25 pounds", (None, Decimal("25"))),
        # Amounts in words.
        ("a gift under fifty quid", (None, Decimal("50"))),
        ("twenty-five to forty bucks", (Decimal("25"), Decimal("40"))),
        ("between ten and twenty euros", (Decimal("10"), Decimal("20"))),
        ("under a hundred and twenty pounds", (None, Decimal("120"))),
        ("seventeen dollars", (None, Decimal("17"))),
        ("up to twenty", (None, Decimal("20"))),
        # Number words that are not prices stay words.
        ("one to two people, under 20", (None, Decimal("20"))),
        ("the one with the lid", (None, None)),
    ],
)
def test_price_bounds(text: str, bounds: tuple) -> None:  # type: ignore[type-arg]
    assert price_bounds(text) == bounds


def test_a_query_takes_the_category_entity_and_spots_complements_and_gifts() -> None:
    query = read_query("a birthday gift for my sister under $40 in beauty",
                       [{"entity": "category", "value": "Beauty & Care"}])
    assert (query.mode, query.category, query.max_price, query.gift) == ("general", "Beauty & Care", Decimal("40"), True)
    assert read_query("what goes with my last order?", []).mode == "complements"
    assert read_query("anything that would go well with the kettle I bought", []).mode == "complements"
    assert read_query("recommend me something", []).mode == "general"


def test_only_number_words_that_read_as_prices_become_digits() -> None:
    assert spell_numbers("a hundred quid max") == "100 quid max"
    assert spell_numbers("I have two kids and a budget of thirty dollars") == "I have two kids and a budget of 30 dollars"
    assert spell_numbers("something for one person") == "something for one person"
    assert spell_numbers("often tenfold, anyone? none") == "often tenfold, anyone? none"


@pytest.mark.parametrize(
    "text, position",
    [
        ("more like the first one", 0),
        ("tell me more about the 2nd one please", 1),
        ("THE THIRD PRODUCT", 2),
        ("show me something like the last one", -1),
        ("number 4", 3),
        ("#5", 4),
        ("first of all, recommend me something", None),
        ("the one with the lid", None),
        ("order number 900004", None),
    ],
)
def test_a_reference_to_one_of_the_cards_shown(text: str, position: object) -> None:
    assert card_position(text) == position


@pytest.mark.parametrize(
    "text, product",
    [
        ("something like the flux capacitor", "flux capacitor"),
        ("tell me about the blue vase please", "blue vase"),
        ("do you have anything similar to the yoga mat?", "yoga mat"),
        ("tell me about the ceramic mug in red", "ceramic mug"),
        # Not product names: positions, pronouns, generic words.
        ("more like the first one", None),
        ("anything similar to the one I bought", None),
        ("tell me more about the price", None),
        ("recommend me something", None),
    ],
)
def test_a_product_named_in_words_the_nlu_did_not_recognise(text: str, product: object) -> None:
    assert product_phrase(text) == product


def test_a_category_the_shop_does_not_have_is_still_read() -> None:
    assert category_phrase("recommend something in the jewellery category") == "jewellery"
    assert category_phrase("anything from your garden section?") == "garden"
    assert category_phrase("something for the kitchen") is None
    # The NLU's entity wins over the words.
    query = read_query("gifts in the toys section", [{"entity": "category", "value": "Toys & Games"}])
    assert query.category == "Toys & Games"
    assert read_query("gifts in the jewellery section", []).category == "jewellery"
