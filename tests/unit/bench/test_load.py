"""The load benchmark's REST worker: what it counts as an answer and as an error."""

from __future__ import annotations

import asyncio
import time
from typing import Awaitable, Callable, List

import aiohttp
from aiohttp import web

from bot.bench.load import Results, Script, rest_worker

SCRIPT = Script("two turns", ["hi", "thanks"], signed_in=False)
Handler = Callable[[web.Request], Awaitable[web.Response]]


async def _hold(handler: Handler, empty_reply_ok: bool, seconds: float = 0.5) -> Results:
    """Runs the worker for `seconds` against a real HTTP server answering with `handler`."""
    app = web.Application()
    app.router.add_post("/webhooks/rest/webhook", handler)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    results = Results()
    try:
        async with aiohttp.ClientSession() as session:
            await rest_worker(f"http://127.0.0.1:{port}/webhooks/rest/webhook", time.monotonic() + seconds, results,
                              None, session, [SCRIPT], empty_reply_ok)
    finally:
        await runner.cleanup()
    return results


def _silent_after_thanks(heard: List[str]) -> Handler:
    """Answers "hi" and sends an empty list for "thanks", as Rasa's starter may."""

    async def webhook(request: web.Request) -> web.Response:
        text = (await request.json())["message"]
        heard.append(text)
        return web.json_response([{"text": "Hello!"}] if text == "hi" else [])

    return webhook


def test_an_empty_reply_is_an_error_for_our_assistant() -> None:
    heard: List[str] = []
    results = asyncio.run(_hold(_silent_after_thanks(heard), empty_reply_ok=False))
    assert heard.count("thanks") > 0
    assert results.errors == heard.count("thanks")
    assert len(results.latencies_ms) == heard.count("hi")
    assert results.error_samples[0].startswith("200 []")


def test_an_empty_reply_is_an_answer_when_allowed() -> None:
    heard: List[str] = []
    results = asyncio.run(_hold(_silent_after_thanks(heard), empty_reply_ok=True))
    assert results.errors == 0
    assert len(results.latencies_ms) == len(heard) > 0


def test_a_server_error_is_an_error_even_when_empty_replies_are_allowed() -> None:
    async def broken(_: web.Request) -> web.Response:
        return web.json_response({"error": "boom"}, status=500)

    results = asyncio.run(_hold(broken, empty_reply_ok=True, seconds=0.3))
    assert results.errors > 0
    assert results.latencies_ms == []
