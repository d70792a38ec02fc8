"""The widget survives a restart of the Rasa server: same conversation, nothing typed is lost."""

from __future__ import annotations

from playwright.sync_api import expect

from bot.stack import Stack
from tests.browser.conftest import Shots, Tabs, bot_says, open_chat, say


def test_the_widget_reconnects_to_the_same_conversation_after_a_server_restart(
        tabs: Tabs, shots: Shots, stack: Stack) -> None:
    # While the server is down Chromium logs each refused websocket: that is the point here.
    tabs.allow_console_error(r"WebSocket connection to .* failed")
    page = tabs.open("/")
    open_chat(page)
    say(page, "where is my order?")
    bot_says(page, "email address")
    session_id = page.evaluate("() => JSON.parse(localStorage.getItem('nwChatSession')).id")

    stack.stop_process("rasa")
    status = page.get_by_test_id("chat-status")
    expect(status).to_have_text("Reconnecting…")
    say(page, "maria.garcia@example.com")  # typed while the server is away: kept until it is back
    expect(page.get_by_test_id("typing-indicator")).to_be_visible()
    shots(page, "reconnecting")

    stack.start_rasa()
    expect(status).to_be_empty()
    bot_says(page, "order numbers")  # the form went on where it was: same conversation
    expect(page.get_by_test_id("typing-indicator")).to_have_count(0)
    assert page.evaluate("() => JSON.parse(localStorage.getItem('nwChatSession')).id") == session_id
    shots(page, "back after the restart")
