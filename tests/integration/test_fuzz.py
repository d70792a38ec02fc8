"""Hostile and odd input over REST and socket.io: no server error, no crash, no leak.

300 messages of `python -m bot bench fuzz` (fixed seed) against the session's
embedded stack; the full run is `python -m bot bench fuzz --messages 10000`.
"""

from __future__ import annotations

import asyncio
import time

import pytest

from bot.bench.fuzz import run_fuzz
from bot.stack import Stack

pytestmark = pytest.mark.integration


def test_300_fuzzed_messages_cause_no_server_error_crash_or_leak(stack: Stack) -> None:
    started = time.monotonic()
    report = asyncio.run(run_fuzz(stack, messages=300, seed=20261123, concurrency=10))
    summary = {key: report[key] for key in ("server_errors", "log_samples", "failure_samples", "crashed_processes",
                                            "timeouts", "leak_samples")}
    assert report["sent"] == 300
    assert report["server_errors"] == 0, summary
    assert report["crashes"] == 0, summary
    assert report["timeouts"] == 0, summary
    assert report["leaks"] == 0, summary
    assert time.monotonic() - started < 60
