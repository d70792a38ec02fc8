"""The Rasa server parses messages in one worker thread instead of on its event loop.

Why: Rasa 3.6 runs the NLU pipeline synchronously inside the server's event loop, so
while one message is parsed (about 9 ms of CPU here, half of it in ONNX Runtime) no
other conversation moves: a socket.io reply waiting to be written, an action
server answer waiting to be read, a lock to take. Under load every step of every
other message queues behind these blocks. In a worker thread the encoder's ONNX
Runtime part releases the GIL, so the loop keeps serving the others meanwhile.

One thread per process: parses run one at a time, as before, so the pipeline's
components need not be thread-safe; only the event loop runs beside them.
Installed with the channels (`bot/channels/__init__.py`), like the action changes.
"""

from __future__ import annotations

import asyncio
import copy
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Dict, Optional

import structlog
from rasa.core.channels.channel import UserMessage
from rasa.core.processor import MessageProcessor
from rasa.shared.core.trackers import DialogueStateTracker

structlogger = structlog.get_logger()

_INSTALLED_FLAG = "_northwind_parse_thread_installed"
_parser = ThreadPoolExecutor(max_workers=1, thread_name_prefix="nlu-parse")


async def _parse_message(
    self: MessageProcessor,
    message: UserMessage,
    tracker: Optional[DialogueStateTracker] = None,
    only_output_properties: bool = True,
) -> Dict[str, Any]:
    """Rasa's `MessageProcessor.parse_message`, with the graph run in the parse thread."""
    if self.http_interpreter:
        parse_data = await self.http_interpreter.parse(message)
    else:
        if tracker is None:
            tracker = DialogueStateTracker.from_events(message.sender_id, [])
        parse_data = await asyncio.get_running_loop().run_in_executor(
            _parser, self._parse_message_with_graph, message, tracker, only_output_properties
        )
    self._update_full_retrieval_intent(parse_data)
    structlogger.debug(
        "processor.message.parse",
        parse_data_text=copy.deepcopy(parse_data["text"]),
        parse_data_intent=parse_data["intent"],
        parse_data_entities=copy.deepcopy(parse_data["entities"]),
    )
    self._check_for_unseen_features(parse_data)
    return parse_data


def install_parse_thread() -> None:
    if getattr(MessageProcessor, _INSTALLED_FLAG, False):
        return
    MessageProcessor.parse_message = _parse_message  # type: ignore[method-assign]
    setattr(MessageProcessor, _INSTALLED_FLAG, True)
