"""Parsing runs in the parse thread, one message at a time, while the event loop keeps going.

The processor is Rasa's own `MessageProcessor`; only its graph run is replaced by a
slow one that records where and when it ran (a trained model is not needed to see
the threading).
"""

from __future__ import annotations

import asyncio
import threading
import time
from typing import Any, Dict, List, Tuple

from rasa.core.channels.channel import UserMessage
from rasa.core.processor import MessageProcessor

from bot.nlu.parse_thread import install_parse_thread

PARSE_SECONDS = 0.2


class _SlowGraphProcessor(MessageProcessor):
    def __init__(self) -> None:  # no model: only what parse_message touches
        self.http_interpreter = None
        self.model_metadata = None
        self.runs: List[Tuple[str, float, float]] = []

    def _parse_message_with_graph(self, message: UserMessage, tracker: Any, only_output_properties: bool = True) -> Dict:
        started = time.monotonic()
        time.sleep(PARSE_SECONDS)  # a CPU-bound pipeline would hold the loop just as long
        self.runs.append((threading.current_thread().name, started, time.monotonic()))
        return {"text": message.text, "intent": {"name": "greet", "confidence": 1.0}, "entities": []}

    def _check_for_unseen_features(self, parse_data: Dict[str, Any]) -> None:
        return None


def test_parses_leave_the_event_loop_free_and_run_one_at_a_time() -> None:
    install_parse_thread()
    processor = _SlowGraphProcessor()

    async def scenario() -> Tuple[List[Dict[str, Any]], int]:
        ticks = 0
        done = asyncio.Event()

        async def ticker() -> None:
            nonlocal ticks
            while not done.is_set():
                ticks += 1
                await asyncio.sleep(0.01)

        ticking = asyncio.create_task(ticker())
        parsed = await asyncio.gather(
            processor.parse_message(UserMessage("hello", sender_id="a")),
            processor.parse_message(UserMessage("hi there", sender_id="b")),
        )
        done.set()
        await ticking
        return list(parsed), ticks

    parsed, ticks = asyncio.run(scenario())
    assert [p["text"] for p in parsed] == ["hello", "hi there"]
    assert parsed[0]["intent"]["name"] == "greet"
    assert all(name.startswith("nlu-parse") for name, _, _ in processor.runs)
    (_, first_start, first_end), (_, second_start, _) = sorted(processor.runs, key=lambda run: run[1])
    assert second_start >= first_end  # one at a time: components need not be thread-safe
    # The loop ran all along: about 2 * 0.2 s / 10 ms ticks; blocked, it would tick once.
    assert ticks >= 20
