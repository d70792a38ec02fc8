"""Calls to the action server reuse their connections, and still fail loudly when it is down.

A real aiohttp server on a free port records the client port of every request: one
port for several calls means one kept-alive TCP connection.
"""

from __future__ import annotations

import asyncio
import socket
from typing import List, Tuple

import aiohttp
import pytest
from aiohttp import web
from rasa.utils.endpoints import EndpointConfig

from bot.channels.remote_actions import _keep_alive, close_action_sessions


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def _server(ports: List[int], port: int = 0) -> Tuple[web.AppRunner, str]:
    async def webhook(request: web.Request) -> web.Response:
        ports.append(request.transport.get_extra_info("peername")[1])
        return web.json_response({"events": [], "responses": []})

    app = web.Application()
    app.router.add_post("/webhook", webhook)
    runner = web.AppRunner(app)
    await runner.setup()
    port = port or _free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    return runner, f"http://127.0.0.1:{port}/webhook"


def test_calls_share_one_connection_and_rasa_would_open_one_per_call() -> None:
    async def scenario() -> Tuple[List[int], List[int]]:
        kept: List[int] = []
        runner, url = await _server(kept)
        try:
            endpoint = EndpointConfig(url=url)
            for _ in range(3):
                assert await _keep_alive(endpoint).request(json={}) == {"events": [], "responses": []}
            kept_ports = list(kept)
            kept.clear()
            for _ in range(3):
                await endpoint.request(json={})  # Rasa's own: a new session every call
            return kept_ports, list(kept)
        finally:
            await close_action_sessions()
            await runner.cleanup()

    kept_ports, rasa_ports = asyncio.run(scenario())
    assert len(kept_ports) == 3 and len(set(kept_ports)) == 1
    assert len(set(rasa_ports)) == 3


def test_one_shared_endpoint_per_endpoint_object() -> None:
    endpoint = EndpointConfig(url="http://127.0.0.1:1/webhook", headers={"X-Token": "t"})
    shared = _keep_alive(endpoint)
    assert _keep_alive(endpoint) is shared and _keep_alive(shared) is shared
    assert shared.url == endpoint.url and shared.headers == {"X-Token": "t"}
    assert _keep_alive(None) is None


def test_a_server_that_is_down_still_raises_a_connection_error() -> None:
    async def scenario() -> None:
        try:
            await _keep_alive(EndpointConfig(url=f"http://127.0.0.1:{_free_port()}/webhook")).request(json={})
        finally:
            await close_action_sessions()

    with pytest.raises(aiohttp.ClientConnectionError):
        asyncio.run(scenario())


def test_a_restarted_server_is_reached_again() -> None:
    async def scenario() -> List[int]:
        ports: List[int] = []
        runner, url = await _server(ports)
        endpoint = EndpointConfig(url=url)
        try:
            await _keep_alive(endpoint).request(json={})
            await runner.cleanup()  # the server goes away with the kept connection
            await asyncio.sleep(0.1)
            runner, _ = await _server(ports, port=int(url.split(":")[2].split("/")[0]))
            assert await _keep_alive(endpoint).request(json={}) == {"events": [], "responses": []}
            return ports
        finally:
            await close_action_sessions()
            await runner.cleanup()

    assert len(asyncio.run(scenario())) == 2
