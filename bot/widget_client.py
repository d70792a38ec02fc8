"""A minimal Socket.IO client over a websocket: what the browser widget does, in Python.

For integration tests and load benchmarks. python-socketio's own client needs a
newer aiohttp than Rasa 3.6 allows for websockets, and its polling transport
takes half a minute to disconnect; the protocol we need is small enough to speak
directly (Engine.IO 4 / Socket.IO 5: "0" open, "40" connect, "42[...]" events,
"2"/"3" ping-pong).
"""

from __future__ import annotations

import asyncio
import json
from typing import Any, Dict, List, Optional, Tuple

import websockets.client
import websockets.exceptions


class WidgetClient:
    """One browser tab of the chat widget."""

    def __init__(self, base_url: str, path: str = "/socket.io") -> None:
        self.url = base_url.replace("http", "ws", 1).rstrip("/") + f"{path}/?EIO=4&transport=websocket"
        self.session_id: Optional[str] = None
        self.handoff_state: Dict[str, Any] = {}
        self.events: asyncio.Queue[Tuple[str, Any]] = asyncio.Queue()
        self._socket: Any = None
        self._reader: Optional[asyncio.Task[None]] = None

    async def open(self, timeout: float = 10) -> None:
        """The Socket.IO handshake alone, without asking for a session (fuzzing needs that state)."""
        self._socket = await websockets.client.connect(self.url, max_size=2**22)
        opened = await asyncio.wait_for(self._socket.recv(), timeout)
        if not str(opened).startswith("0"):
            raise ConnectionError(f"unexpected Engine.IO open packet: {opened!r}")
        await self._socket.send("40")
        self._reader = asyncio.create_task(self._read())
        await self.wait_for("connect", timeout)

    async def connect(self, session_id: Optional[str] = None, timeout: float = 10) -> str:
        await self.open(timeout)
        await self.emit("session_request", {"session_id": session_id})
        _, confirmed = await self.wait_for("session_confirm", timeout)
        self.session_id = confirmed if isinstance(confirmed, str) else confirmed.get("session_id")
        # The server then says who the conversation is with (bot, queue or agent).
        _, state = await self.wait_for("bot_uttered", timeout)
        self.handoff_state = (state.get("custom") or {}).get("handoff", {})
        return str(self.session_id)

    async def emit(self, event: str, data: Any) -> None:
        await self._socket.send("42" + json.dumps([event, data]))

    async def send_raw(self, packet: str | bytes) -> None:
        """Any websocket frame, well-formed or not (for the fuzz benchmark)."""
        await self._socket.send(packet)

    @property
    def closed(self) -> bool:
        return self._socket is None or self._socket.closed

    async def say(self, text: str, metadata: Optional[Dict[str, Any]] = None) -> None:
        await self.emit("user_uttered", {"message": text, "session_id": self.session_id,
                                         "customData": metadata or {}})

    async def wait_for(self, wanted: str, timeout: float = 20) -> Tuple[str, Any]:
        """The next event called `wanted` (earlier events of other names are dropped)."""
        deadline = asyncio.get_running_loop().time() + timeout
        while True:
            remaining = deadline - asyncio.get_running_loop().time()
            if remaining <= 0:
                raise asyncio.TimeoutError(f"no {wanted!r} within {timeout} s")
            name, data = await asyncio.wait_for(self.events.get(), remaining)
            if name == wanted:
                return name, data

    async def replies(self, first_timeout: float = 20, quiet: float = 0.6) -> List[Dict[str, Any]]:
        """Bot messages of one turn: the first within `first_timeout`, then until `quiet` s pass."""
        messages = [(await self.wait_for("bot_uttered", first_timeout))[1]]
        while True:
            try:
                name, data = await asyncio.wait_for(self.events.get(), quiet)
            except asyncio.TimeoutError:
                return messages
            if name == "bot_uttered":
                messages.append(data)

    async def ask(self, text: str, metadata: Optional[Dict[str, Any]] = None) -> List[Dict[str, Any]]:
        await self.say(text, metadata)
        return await self.replies()

    async def close(self) -> None:
        if self._reader:
            self._reader.cancel()
        if self._socket is not None:
            await self._socket.close()

    async def _read(self) -> None:
        try:
            async for packet in self._socket:
                packet = str(packet)
                if packet == "2":
                    await self._socket.send("3")
                elif packet.startswith("40"):
                    self.events.put_nowait(("connect", packet[2:]))
                elif packet.startswith("42"):
                    name, *args = json.loads(packet[2:])
                    self.events.put_nowait((name, args[0] if args else None))
                elif packet.startswith("41"):
                    self.events.put_nowait(("disconnect", None))
        except (websockets.exceptions.ConnectionClosed, asyncio.CancelledError):
            return
