"""The widget's channel: socket.io sessions that survive reconnects, over the real Rasa server."""

from __future__ import annotations

import asyncio

import pytest

from bot.stack import Stack
from bot.widget_client import WidgetClient

pytestmark = pytest.mark.integration


def test_a_conversation_continues_after_reconnecting(stack: Stack) -> None:
    async def scenario() -> None:
        first = WidgetClient(stack.rasa_url)
        session_id = await first.connect()
        assert "email" in (await first.ask("show me my orders"))[0]["text"]
        await first.close()

        again = WidgetClient(stack.rasa_url)
        assert await again.connect(session_id) == session_id
        reply = await again.ask("maria.garcia@example.com")
        assert "order" in reply[0]["text"].lower()  # the form went on where it was
        await again.close()

    asyncio.run(scenario())


def test_every_tab_of_a_conversation_gets_the_replies(stack: Stack) -> None:
    async def scenario() -> None:
        first, second = WidgetClient(stack.rasa_url), WidgetClient(stack.rasa_url)
        session_id = await first.connect()
        await second.connect(session_id)
        await first.say("hello")
        assert "Northwind" in (await second.replies())[0]["text"]
        await first.close()
        await second.close()

    asyncio.run(scenario())


def test_quick_replies_arrive_as_buttons_and_bad_session_ids_are_replaced(stack: Stack) -> None:
    async def scenario() -> None:
        client = WidgetClient(stack.rasa_url)
        session_id = await client.connect("../../etc/passwd")
        assert session_id != "../../etc/passwd" and len(session_id) == 32
        reply = await client.ask("what can you do?")
        assert [q["payload"] for q in reply[-1]["quick_replies"]][0] == "/check_order_status"
        await client.emit("user_uttered", "not an object")  # ignored, no crash
        await client.emit("user_uttered", {"message": {"nested": True}, "customData": "[not json"})
        assert (await client.replies())[0]["text"]
        await client.close()

    asyncio.run(scenario())
