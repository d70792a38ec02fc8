"""The socket.io server shrugs off malformed packets (found by `python -m bot bench fuzz`)."""

from __future__ import annotations

import asyncio
import logging
from typing import Any, List

import pytest
from engineio import packet as engineio_packet

from bot.channels.socketio import TolerantAsyncServer, ignore_invalid_engineio_frames


@pytest.mark.parametrize("frame", ["", "9", "x", "hello"])
def test_invalid_engineio_frames_decode_as_noop(frame: str) -> None:
    ignore_invalid_engineio_frames()
    assert engineio_packet.Packet(encoded_packet=frame).packet_type == engineio_packet.NOOP


def test_valid_engineio_frames_decode_as_before() -> None:
    ignore_invalid_engineio_frames()
    ignore_invalid_engineio_frames()  # installing twice changes nothing
    message = engineio_packet.Packet(encoded_packet='42["user_uttered",{"message":"hi"}]')
    assert (message.packet_type, message.data) == (engineio_packet.MESSAGE, '2["user_uttered",{"message":"hi"}]')
    assert engineio_packet.Packet(encoded_packet="2").packet_type == engineio_packet.PING


@pytest.mark.parametrize("data", ["2not json", "2[]", "2", "2" + "[" * 100_000 + "]" * 100_000, "9"])
def test_malformed_socketio_packets_are_dropped_with_a_warning(data: str, caplog: pytest.LogCaptureFixture) -> None:
    server = TolerantAsyncServer(async_mode="asgi")
    handled: List[Any] = []
    server.on("user_uttered", lambda *args: handled.append(args))
    with caplog.at_level(logging.WARNING, logger="bot.channels.socketio"):
        asyncio.run(server._handle_eio_message("eio-sid", data))
    assert not handled
    assert "Dropped a malformed socket.io packet" in caplog.text


def test_a_message_rasa_could_not_process_gets_the_domain_apology() -> None:
    from types import SimpleNamespace

    from bot.channels.remote_actions import fallback_message

    agent = SimpleNamespace(domain=SimpleNamespace(responses={"utter_action_server_unavailable": [{"text": "Sorry!"}]}))
    assert fallback_message(agent) == "Sorry!"
    assert fallback_message(None).startswith("Sorry, something went wrong")
