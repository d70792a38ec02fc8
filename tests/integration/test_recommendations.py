"""Recommendation conversations over REST with the real servers and a seeded CRM."""

from __future__ import annotations

from typing import Any, Dict, List

import pytest

from bot.identity import issue_customer_token
from bot.stack import Stack
from tests.integration.conftest import Chat

pytestmark = pytest.mark.integration


def cards(messages: List[Dict[str, Any]]) -> List[Dict[str, Any]]:
    return [card for m in messages for card in (m.get("custom") or {}).get("product_cards", [])]


def test_anonymous_recommendations_come_as_cards_with_follow_ups(stack: Stack) -> None:
    chat = Chat(stack, "it-rec-anon")
    reply = chat.say("can you recommend me something?")
    shown = cards(reply)
    assert 3 <= len(shown) <= 5
    assert all(c["name"] and c["price"].startswith("$") and c["reason"] and c["image"] for c in shown)
    more = shown[0]["buttons"][1]
    assert more["title"] == "More like this"
    similar = chat.say(more["payload"])
    assert f"If you like {shown[0]['name']}" in similar[0]["text"]
    assert shown[0]["sku"] not in [c["sku"] for c in cards(similar)]
    details = chat.say(shown[0]["buttons"][0]["payload"])
    assert shown[0]["name"] in details[0]["text"] and "costs $" in details[0]["text"]


def test_the_cards_just_shown_can_be_named_by_position(stack: Stack) -> None:
    chat = Chat(stack, "it-rec-positions")
    shown = cards(chat.say("recommend me something"))
    assert len(shown) >= 3
    details = chat.say("tell me more about the second one")
    assert shown[1]["name"] in details[0]["text"] and "costs $" in details[0]["text"]
    similar = chat.say("more like the first one")
    assert f"If you like {shown[0]['name']}" in similar[0]["text"]
    # The similar products are now the cards on screen.
    again = chat.say("tell me more about the last one")
    assert cards(similar)[-1]["name"] in again[0]["text"]


def test_a_gift_under_a_budget_respects_the_price(stack: Stack) -> None:
    reply = Chat(stack, "it-rec-gift").say("any gift ideas under $30 for my dad?")
    shown = cards(reply)
    assert shown and all(float(c["price"].lstrip("$").replace(",", "")) <= 30 for c in shown)
    assert "under $30.00" in reply[0]["text"]


def test_a_budget_in_words_and_a_negated_bound_are_maximums(stack: Stack) -> None:
    reply = Chat(stack, "it-rec-words").say("something for my sister, nothing over twenty-five dollars")
    shown = cards(reply)
    assert shown and all(float(c["price"].lstrip("$").replace(",", "")) <= 25 for c in shown)
    assert "under $25.00" in reply[0]["text"]


def test_a_verified_customer_gets_reasons_from_their_orders(stack: Stack) -> None:
    chat = Chat(stack, "it-rec-maria", metadata={"customer_token": issue_customer_token(1, stack.token_secret)})
    reply = chat.say("what would you recommend for me?")
    reasons = " ".join(c["reason"] for c in cards(reply))
    assert "you bought" in reasons or "because you bought" in reasons
    goes_with = chat.say("what goes with my last order?")
    assert "go well with your last order" in goes_with[0]["text"] and cards(goes_with)


def test_unknown_products_and_absurd_prices_get_clear_answers(stack: Stack) -> None:
    chat = Chat(stack, "it-rec-bad")
    unknown = chat.text("tell me more about the flux capacitor")
    assert 'couldn\'t find "flux capacitor"' in unknown
    unknown_like = chat.text("something like the flux capacitor please")
    assert 'couldn\'t find "flux capacitor"' in unknown_like
    cheap = chat.text("recommend something under $0.50")
    assert "cheapest items start at $" in cheap
    no_section = chat.say("recommend something in the jewellery section")
    assert "We don't have a jewellery section" in no_section[0]["text"] and cards(no_section)


def test_a_customer_without_history_gets_popular_products(stack: Stack) -> None:
    chat = Chat(stack, "it-rec-yuki", metadata={"customer_token": issue_customer_token(3, stack.token_secret)})
    shown = cards(chat.say("recommend me something"))
    assert shown


def test_an_anonymous_customer_can_get_complements_after_giving_details(stack: Stack) -> None:
    chat = Chat(stack, "it-rec-complements")
    before = chat.say("what goes with my last order?")
    assert "tell me your email and one of your order numbers" in before[0]["text"] and cards(before)
    verified = chat.text("maria.garcia@example.com ORD-900004")
    assert "you're verified" in verified
    after = chat.say("what goes with my last order?")
    assert "These go well with your last order:" in after[0]["text"] and cards(after)
