"""The chat widget in real Chromium, talking to the real Rasa server."""

from __future__ import annotations

from pathlib import Path
from typing import List

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from bot.crm.database import Database
from bot.crm.models import Product
from tests.browser.conftest import Shots, Tabs, bot_says, open_chat, say

MARIA_EMAIL, MARIA_ORDER = "maria.garcia@example.com", "ORD-900004"


def test_a_guest_checks_an_order_then_a_signed_in_customer_sees_her_orders(tabs: Tabs, shots: Shots) -> None:
    page = tabs.open("/")
    shots(page, "shop page")
    open_chat(page)
    expect(page.get_by_test_id("chat-empty")).to_be_visible()
    shots(page, "chat open")

    say(page, "where is my order?")
    bot_says(page, "email address")
    say(page, MARIA_EMAIL)
    bot_says(page, "order numbers")
    say(page, MARIA_ORDER)
    bot_says(page, "delivered")
    expect(page.get_by_test_id("chat-log")).to_contain_text("you're verified")
    shots(page, "verified guest sees the status")

    say(page, "what can you do?")
    replies = page.get_by_test_id("quick-replies")
    expect(replies.get_by_role("button", name="My recent orders")).to_be_visible()
    expect(page.get_by_test_id("msg-bot").last.locator("li")).to_have_count(6)  # the "- " list
    shots(page, "capabilities with quick replies")
    replies.get_by_role("button", name="My recent orders").click()
    expect(page.get_by_test_id("quick-replies")).to_have_count(0)
    expect(page.get_by_test_id("msg-user").last.get_by_test_id("msg-text")).to_have_text("My recent orders")
    bot_says(page, "ORD-900001")
    shots(page, "order history after the quick reply")

    page.reload()
    expect(page.get_by_test_id("chat-panel")).to_be_visible()  # it stays open
    log = page.get_by_test_id("chat-log")
    expect(log).to_contain_text("ORD-900004")
    expect(log).to_contain_text("ORD-900001")
    expect(page.get_by_test_id("msg-user")).to_have_count(5)
    expect(page.get_by_test_id("chat-status")).to_be_empty()
    shots(page, "after reload")

    switcher = page.get_by_label("Signed in as")
    expect(switcher).to_have_attribute("data-ready", "true")
    switcher.select_option(label="Maria Garcia (maria.garcia@example.com)")
    expect(switcher).to_have_attribute("data-identity", "1")
    expect(page.get_by_test_id("chat-empty")).to_be_visible()  # a new conversation
    say(page, "show my orders")
    bot_says(page, "ORD-900001")
    expect(log).not_to_contain_text("email")
    shots(page, "signed-in customer sees her orders")


def test_html_in_a_message_is_shown_as_text(tabs: Tabs, shots: Shots) -> None:
    page = tabs.open("/")
    dialogs: List[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    open_chat(page)
    attack = "<img src=x onerror=alert(1)>"
    say(page, attack)
    expect(page.get_by_test_id("msg-user").last.get_by_test_id("msg-text")).to_have_text(attack)
    bot_says(page, "")  # the bot answered: the message went through
    expect(page.get_by_test_id("msg-bot")).to_have_count(1)
    expect(page.get_by_test_id("chat-log").locator("img")).to_have_count(0)
    page.wait_for_timeout(300)
    assert dialogs == []
    shots(page, "html shown as text")


@pytest.mark.filterwarnings("ignore:Dialect sqlite.*Decimal")  # reading prices from SQLite
def test_bot_markdown_links_and_product_cards_render_safely(tabs: Tabs, shots: Shots, crm_path: Path) -> None:
    database = Database(f"sqlite:///{crm_path}")
    with database.session() as session:
        products = list(session.execute(select(Product).order_by(Product.id).limit(4)).scalars())
        cards = [{"sku": p.sku, "name": p.name, "price": f"${p.price}", "image": f"/products/{p.sku}.svg",
                  "reason": "Popular with customers who bought the same things",
                  "buttons": [{"title": f"More about {p.name}", "payload": "what can you do?"}]} for p in products]
    database.dispose()

    page = tabs.open("/")
    open_chat(page)
    page.evaluate("""() => NorthwindChat.__renderForTest({text:
        "**Bold** and *italic* and `ORD-1`\\nsecond line <b>not bold</b>\\n- first item\\n- second with https://example.com/help.\\n" +
        "javascript:alert(1) [x](javascript:alert(1))"})""")
    bubble = page.get_by_test_id("msg-bot").last
    expect(bubble.locator("strong")).to_have_text("Bold")
    expect(bubble.locator("em")).to_have_text("italic")
    expect(bubble.locator("code")).to_have_text("ORD-1")
    expect(bubble.locator("br")).to_have_count(1)
    expect(bubble.locator("li")).to_have_count(2)
    expect(bubble).to_contain_text("<b>not bold</b>")
    expect(bubble.locator("b")).to_have_count(0)
    link = bubble.locator("a")
    expect(link).to_have_count(1)  # javascript: is never a link
    expect(link).to_have_attribute("href", "https://example.com/help")
    expect(link).to_have_attribute("target", "_blank")
    expect(link).to_have_attribute("rel", "noopener noreferrer")
    shots(page, "markdown")

    page.evaluate("cards => NorthwindChat.__renderForTest({text: 'You might like these:', custom: {product_cards: cards}})",
                  cards)
    row = page.get_by_test_id("product-cards")
    expect(row.get_by_test_id("product-card")).to_have_count(4)
    first = row.get_by_test_id("product-card").first
    expect(first).to_contain_text(cards[0]["name"])
    expect(first.get_by_test_id("product-price")).to_have_text(cards[0]["price"])
    expect(first).to_contain_text("Popular with customers")
    page.wait_for_function(
        "() => [...document.querySelectorAll('[data-testid=product-card] img')].every(i => i.complete && i.naturalWidth > 0)"
    )
    assert row.evaluate("node => node.scrollWidth > node.clientWidth"), "the cards row should scroll sideways"
    shots(page, "markdown and product cards")

    first.get_by_role("button").click()
    expect(page.get_by_test_id("msg-user").last.get_by_test_id("msg-text")).to_have_text(f"More about {cards[0]['name']}")
    bot_says(page, "Here's what I can do")
    shots(page, "card button answered")


def test_the_widget_works_with_the_keyboard_and_fills_a_phone_screen(tabs: Tabs, shots: Shots) -> None:
    page = tabs.open("/")
    launcher = page.get_by_test_id("chat-launcher")
    expect(launcher).to_have_attribute("aria-expanded", "false")
    for _ in range(10):
        page.keyboard.press("Tab")
        if launcher.evaluate("node => node === document.activeElement"):
            break
    expect(launcher).to_be_focused()
    shots(page, "launcher focused")
    page.keyboard.press("Enter")
    panel = page.get_by_test_id("chat-panel")
    expect(panel).to_be_visible()
    expect(panel).to_have_attribute("role", "dialog")
    expect(launcher).to_have_attribute("aria-expanded", "true")
    expect(page.get_by_test_id("chat-input")).to_be_focused()
    page.keyboard.type("hello")
    page.keyboard.press("Enter")
    expect(page.get_by_test_id("msg-user").last.get_by_test_id("msg-text")).to_have_text("hello")
    bot_says(page, "Northwind")
    page.keyboard.press("Tab")
    expect(page.get_by_test_id("chat-send")).to_be_focused()
    shots(page, "keyboard conversation")
    page.keyboard.press("Escape")
    expect(panel).to_be_hidden()
    expect(launcher).to_be_focused()
    expect(launcher).to_have_attribute("aria-expanded", "false")

    phone = tabs.open("/", viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    shots(phone, "phone shop page")
    phone.get_by_test_id("chat-launcher").click()
    box = phone.get_by_test_id("chat-panel").bounding_box()
    assert box is not None and (box["x"], box["y"], box["width"], box["height"]) == (0, 0, 390, 844)
    phone.get_by_test_id("starter").filter(has_text="Where is my order?").click()  # a suggested first question
    expect(phone.get_by_test_id("msg-user").last.get_by_test_id("msg-text")).to_have_text("Where is my order?")
    bot_says(phone, "email address")
    say(phone, "what can you do?")  # answered, then the bot asks for the email again
    expect(phone.get_by_test_id("msg-bot").nth(1)).to_contain_text("Here's what I can do")
    bot_says(phone, "email address")
    shots(phone, "phone full screen chat")


def test_recommendations_arrive_as_product_cards_whose_buttons_work(tabs: Tabs, shots: Shots) -> None:
    page = tabs.open("/")
    open_chat(page)
    say(page, "can you recommend me something?")
    cards = page.get_by_test_id("product-cards").last.get_by_test_id("product-card")
    expect(cards.first).to_be_visible()
    assert 3 <= cards.count() <= 5
    first = cards.first
    name = first.locator(".nw-card-name, h3, h4").first.inner_text()
    expect(first.get_by_test_id("product-price")).to_contain_text("$")
    expect(first.locator("img")).to_have_js_property("complete", True)
    assert first.locator("img").evaluate("img => img.naturalWidth") > 0  # the picture really loaded
    shots(page, "product cards")
    first.get_by_role("button", name="More like this").click()
    log = page.get_by_test_id("chat-log")
    expect(log).to_contain_text(f"If you like {name}")
    expect(page.get_by_test_id("product-cards")).to_have_count(2)
    shots(page, "more like this")
    page.get_by_test_id("product-cards").last.get_by_test_id("product-card").first.get_by_role(
        "button", name="Tell me more").click()
    expect(log).to_contain_text("costs $")
    shots(page, "tell me more")
