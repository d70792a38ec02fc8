"""A handoff as people see it: the customer in the widget, the agent in the console."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from tests.browser.conftest import (
    AGENT_NAME,
    AGENT_PASSWORD,
    AGENT_USERNAME,
    Shots,
    Tabs,
    bot_says,
    open_chat,
    say,
)


def log_in(page: Page) -> None:
    expect(page.get_by_test_id("login-form")).to_be_visible()
    page.get_by_label("Username").fill(AGENT_USERNAME)
    page.get_by_label("Password").fill("wrong password")
    page.get_by_label("Password").press("Enter")
    expect(page.get_by_test_id("login-error")).to_have_text("Wrong username or password.")
    page.get_by_label("Password").fill(AGENT_PASSWORD)
    page.get_by_test_id("login-submit").click()
    expect(page.get_by_test_id("agent-name")).to_have_text(AGENT_NAME)
    expect(page.get_by_test_id("stream-status")).to_have_text("Live")


def test_a_customer_is_handed_to_an_agent_and_back(tabs: Tabs, shots: Shots) -> None:
    agent = tabs.open("/console/", who="agent", viewport={"width": 1440, "height": 900})
    shots(agent, "console log-in")
    log_in(agent)
    shots(agent, "console queue")

    customer = tabs.open("/", who="customer")
    open_chat(customer)
    say(customer, "this is ridiculous, I want to talk to a human NOW")
    banner = customer.get_by_test_id("handoff-banner")
    expect(banner).to_contain_text("Waiting for a person from our team")
    expect(banner).to_contain_text("expected wait about")
    expect(customer.get_by_test_id("typing-indicator")).to_have_count(0)
    shots(customer, "customer waiting")
    session_id = customer.evaluate("() => JSON.parse(localStorage.getItem('nwChatSession')).id")

    # The ticket shows up live (server-sent events, within a second or two), no reload.
    item = agent.locator(f"[data-testid=queue-waiting] [data-conversation-id='{session_id}']")
    expect(item).to_be_visible(timeout=5_000)
    expect(item.get_by_test_id("priority")).to_have_text(re.compile(r"^(Urgent|High|Normal)$"))
    expect(item.get_by_test_id("queue-customer")).to_have_text("Anonymous")
    shots(agent, "ticket in the queue")
    item.click()
    expect(agent.get_by_test_id("ticket-status")).to_have_text("Waiting")
    expect(agent.get_by_test_id("transcript-customer").last).to_contain_text("talk to a human NOW")
    expect(agent.get_by_test_id("reply-send")).to_be_disabled()
    expect(agent.get_by_test_id("resolve")).to_be_disabled()
    expect(agent.get_by_test_id("sentiment-trend")).to_be_visible()
    shots(agent, "ticket before claiming")

    agent.get_by_test_id("claim").click()
    expect(agent.get_by_test_id("ticket-status")).to_have_text("With you")
    expect(agent.locator(f"[data-testid=queue-mine] [data-conversation-id='{session_id}']")).to_be_visible()
    expect(customer.get_by_test_id("chat-log")).to_contain_text(f"{AGENT_NAME} joined the chat")
    expect(banner).to_contain_text(f"You're chatting with {AGENT_NAME}")

    reply = agent.get_by_test_id("reply-text")
    expect(reply).to_be_focused()
    reply.fill("Hi, I'm Ana")
    reply.press("Enter")
    expect(agent.get_by_test_id("transcript-agent").last).to_contain_text("Hi, I'm Ana")
    from_agent = customer.get_by_test_id("msg-agent").last
    expect(from_agent).to_contain_text("Hi, I'm Ana")
    expect(from_agent).to_contain_text(f"{AGENT_NAME} · Northwind team")
    shots(customer, "customer talks to ana")

    customer.reload()  # the transcript and the handoff state survive a reload
    expect(banner).to_contain_text(f"You're chatting with {AGENT_NAME}")
    expect(customer.get_by_test_id("msg-agent").last).to_contain_text("Hi, I'm Ana")
    expect(customer.get_by_test_id("chat-notice").filter(has_text="joined the chat")).to_have_count(1)
    expect(customer.get_by_test_id("chat-status")).to_be_empty()

    say(customer, "my parcel never arrived")
    expect(agent.get_by_test_id("transcript-customer").last).to_contain_text("my parcel never arrived")
    expect(customer.get_by_test_id("msg-bot")).to_have_count(1)  # the bot kept quiet
    shots(agent, "agent sees the answer live")

    agent.get_by_test_id("close-note").fill("Parcel delayed at the depot, told the customer.")
    agent.get_by_test_id("handback").click()
    expect(agent.get_by_test_id("ticket-status")).to_have_text("Handed back to the bot")
    expect(agent.get_by_test_id("reply-send")).to_be_disabled()
    expect(customer.get_by_test_id("chat-log")).to_contain_text("You're back with the assistant")
    expect(banner).to_be_hidden()
    say(customer, "what can you do?")
    bot_says(customer, "Here's what I can do")
    shots(customer, "customer back with the bot")
    expect(agent.locator(f"[data-conversation-id='{session_id}']")).to_have_count(0)
    shots(agent, "queue after hand-back")
