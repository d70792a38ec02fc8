"""Reading recommendation requests: price bounds, category, "goes with my last order"."""

from __future__ import annotations

from decimal import Decimal

import pytest

from bot.recommend.queries import price_bounds, read_query


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
