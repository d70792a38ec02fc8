"""The agent console's ticket view, on tickets written straight into the CRM."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path
from typing import Iterator, Tuple

import pytest
from playwright.sync_api import Page, Route, expect

from bot.crm.database import Database
from bot.crm.models import utcnow
from bot.handoff.agents import AgentDirectory
from bot.handoff.tickets import NewTicket, TicketDesk, TranscriptLine
from tests.browser.conftest import AGENT_NAME, Shots, Tabs
from tests.browser.test_handoff import log_in


@pytest.fixture
def desk(crm_path: Path) -> Iterator[Tuple[TicketDesk, AgentDirectory]]:
    database = Database(f"sqlite:///{crm_path}")
    yield TicketDesk(database), AgentDirectory(database)
    database.dispose()


def new_ticket(conversation_id: str, customer_id: int | None, priority: int, reason: str,
               trajectory: list[float], lines: list[Tuple[str, str, float | None]]) -> NewTicket:
    start = utcnow() - timedelta(minutes=4)
    return NewTicket(
        conversation_id=conversation_id, customer_id=customer_id, reason=reason,
        reason_detail="sentiment -0.85 on the last message", priority=priority,
        summary=f"Test ticket {conversation_id}: parcel ORD-900003 late, customer upset.",
        sentiment_trajectory=trajectory, orders_mentioned=["ORD-900003"],
        transcript=[TranscriptLine(sender, text, start + timedelta(seconds=20 * i), score)
                    for i, (sender, text, score) in enumerate(lines)],
    )


def open_console(tabs: Tabs) -> Page:
    page = tabs.open("/console/", who="agent", viewport={"width": 1440, "height": 900})
    log_in(page)
    return page


def test_the_ticket_view_shows_customer_orders_and_sentiment(tabs: Tabs, shots: Shots,
                                                              desk: Tuple[TicketDesk, AgentDirectory]) -> None:
    tickets, _ = desk
    urgent = tickets.open_ticket(new_ticket(
        "browser-console-urgent", 1, 1, "strong_negative", [0.1, -0.35, -0.85],
        [("customer", "where is ORD-900003?", 0.1), ("bot", "It shipped with UPS.", None),
         ("customer", "it was due last week", -0.35), ("customer", "this is useless <b>!!</b>", -0.85)],
    ))
    normal = tickets.open_ticket(new_ticket("browser-console-normal", None, 3, "customer_request", [], [
        ("customer", "can I talk to someone", 0.0)]))
    page = open_console(tabs)

    waiting = page.get_by_test_id("queue-waiting").get_by_test_id("queue-item")
    ids = [waiting.nth(i).get_attribute("data-ticket-id") for i in range(waiting.count())]
    assert ids.index(str(urgent.id)) < ids.index(str(normal.id)), "urgent tickets come first"
    item = page.locator(f"[data-ticket-id='{urgent.id}']")
    expect(item.get_by_test_id("priority")).to_have_text("Urgent")
    expect(item.get_by_test_id("queue-customer")).to_have_text("Maria Garcia")
    expect(item).to_contain_text("Very upset")
    expect(page.locator(f"[data-ticket-id='{normal.id}'] [data-testid=queue-customer]")).to_have_text("Anonymous")
    wait = item.locator(".item-wait")
    before = wait.inner_text()
    page.wait_for_timeout(2100)
    assert wait.inner_text() != before, "the waiting time ticks"

    item.click()
    expect(page.get_by_test_id("ticket-title")).to_have_text(f"#{urgent.id} · Maria Garcia")
    expect(page.get_by_test_id("summary")).to_contain_text("parcel ORD-900003 late")
    expect(page.get_by_test_id("reason-detail")).to_contain_text("sentiment -0.85")
    profile = page.get_by_test_id("customer-profile")
    expect(profile).to_contain_text("maria.garcia@example.com")
    expect(page.get_by_test_id("order-row").filter(has_text="ORD-900001")).to_contain_text("placed")
    expect(page.get_by_test_id("sentiment-trend").locator("circle")).to_have_count(3)
    expect(page.get_by_test_id("sentiment-scores").locator("li")).to_have_text(["+0.10", "−0.35", "−0.85"])
    markers = page.get_by_test_id("transcript").get_by_test_id("message-sentiment")
    expect(markers).to_have_count(3)
    expect(markers.last).to_have_class("sentiment neg")
    expect(page.get_by_test_id("transcript-customer").last).to_contain_text("this is useless <b>!!</b>")
    expect(page.get_by_test_id("transcript").locator("b")).to_have_count(0)
    expect(page.get_by_test_id("transcript-bot")).to_contain_text("It shipped with UPS.")
    shots(page, "urgent ticket with sentiment and orders")

    # A customer message arriving now shows up without any click.
    tickets.add_customer_message(urgent.id, "hello?? anyone", -0.5)
    expect(page.get_by_test_id("transcript-customer").last).to_contain_text("hello?? anyone")
    expect(page.get_by_test_id("sentiment-scores").locator("li")).to_have_count(4)

    # Replies are only possible once claimed; Resolve closes the ticket.
    expect(page.get_by_test_id("reply-text")).to_be_disabled()
    page.get_by_test_id("claim").click()
    expect(page.get_by_test_id("ticket-status")).to_have_text("With you")
    page.get_by_test_id("reply-text").fill("Let me check with UPS.\nOne moment please.")
    page.get_by_test_id("reply-text").press("Shift+Enter")
    expect(page.get_by_test_id("transcript-agent")).to_have_count(0)  # Shift+Enter is a new line
    page.get_by_test_id("reply-text").press("Enter")
    expect(page.get_by_test_id("transcript-agent").last).to_contain_text("One moment please.")
    expect(page.get_by_test_id("transcript-agent").last).to_contain_text(AGENT_NAME)
    expect(page.locator(f"[data-testid=queue-mine] [data-ticket-id='{urgent.id}']")).to_be_visible()
    # Another customer writes, stamped by a Rasa server whose clock runs a little ahead (the
    # same happens when both changes fall in the same second): closing must still reach the queue.
    queue = page.get_by_test_id("queue")
    version = queue.get_attribute("data-version")
    tickets.add_customer_message(normal.id, "still there?", 0.0, now=utcnow() + timedelta(seconds=5))
    expect(queue).not_to_have_attribute("data-version", version or "")
    page.get_by_test_id("close-note").fill("Refund issued.")
    page.get_by_test_id("resolve").click()
    expect(page.get_by_test_id("ticket-status")).to_have_text("Resolved")
    expect(page.get_by_test_id("ticket-notice")).to_contain_text("Resolved.")
    expect(page.locator(f"[data-testid=queue-mine] [data-ticket-id='{urgent.id}']")).to_have_count(0, timeout=5_000)
    shots(page, "resolved")

    page.get_by_test_id("logout").click()
    expect(page.get_by_test_id("login-form")).to_be_visible()
    page.reload()
    expect(page.get_by_test_id("login-form")).to_be_visible()


def test_a_ticket_another_agent_took_and_an_unreachable_chat_are_explained(
        tabs: Tabs, shots: Shots, desk: Tuple[TicketDesk, AgentDirectory]) -> None:
    tickets, agents = desk
    ben = agents.create("ben", "Ben Okafor", "another-long-test-password")
    taken = tickets.open_ticket(new_ticket("browser-console-taken", None, 2, "negative_streak", [-0.4, -0.5],
                                           [("customer", "still nothing", -0.5)]))
    mine = tickets.open_ticket(new_ticket("browser-console-mine", None, 3, "customer_request", [],
                                          [("customer", "a person please", 0.0)]))
    page = open_console(tabs)
    tabs.allow_console_error(r"status of 409 .*/claim\)$")

    # Ben clicks a moment before Ana: the server answers 409.
    def ben_first(route: Route) -> None:
        assert tickets.claim(taken.id, ben.id)
        route.continue_()

    page.route(f"**/console/api/tickets/{taken.id}/claim", ben_first)
    page.locator(f"[data-ticket-id='{taken.id}']").click()
    expect(page.get_by_test_id("priority").first).to_be_visible()
    page.get_by_test_id("claim").click()
    expect(page.get_by_test_id("ticket-notice")).to_have_text("Another agent took this ticket.")
    expect(page.get_by_test_id("claim")).to_be_disabled()
    expect(page.get_by_test_id("reply-send")).to_be_disabled()
    expect(page.locator(f"[data-testid=queue-waiting] [data-ticket-id='{taken.id}']")).to_have_count(0)
    shots(page, "another agent took it")

    # The reply is stored but the customer's chat cannot be reached (the Rasa server is down, say).
    def undelivered(route: Route) -> None:
        if route.request.method != "POST":
            route.continue_()
            return
        reply = route.fetch()
        route.fulfill(response=reply, json={**json.loads(reply.text()), "delivered": False})

    page.locator(f"[data-ticket-id='{mine.id}']").click()
    page.get_by_test_id("claim").click()
    expect(page.get_by_test_id("reply-text")).to_be_enabled()
    page.route(f"**/console/api/tickets/{mine.id}/messages", undelivered)
    page.get_by_test_id("reply-text").fill("Hello from Ana")
    page.get_by_test_id("reply-send").click()
    expect(page.get_by_test_id("reply-error")).to_have_text(
        "Your reply was saved, but the customer's chat could not be reached.")
    expect(page.get_by_test_id("transcript-agent").last).to_contain_text("Hello from Ana")
    shots(page, "reply not delivered")
    page.get_by_test_id("handback").click()
    expect(page.get_by_test_id("ticket-status")).to_have_text("Handed back to the bot")

