"""Rasa's starter assistant under the load benchmark's traffic, for a same-day reference.

Why: the load target is "three times better than Rasa's starter assistant" (`rasa init`:
default pipeline and policies, in-memory tracker store, no custom actions), and this
machine's speed changes by tens of percent from day to day. Comparing our numbers with a
starter measured on another day says little; this script measures it now. It creates
the starter project in a temporary folder with `rasa init --no-prompt` (which trains it,
about 80 s here), starts `rasa run` on it, and holds the load benchmark's scripted
conversations over REST (the starter has no socket.io channel), one at a time and then
at the chosen concurrency. The starter has no response for some of the scripts' turns
("thanks" may get an empty list): that counts as an answer, not an error. Prints JSON
with p50 / p95 / p99, messages per second and errors for each; nothing is downloaded.

    python benchmarks/starter_assistant.py [--concurrency 20] [--seconds 60]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Dict

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.bench.load import SCRIPTS, run_load  # noqa: E402
from bot.stack import plain_rasa_server  # noqa: E402


def create_starter(folder: Path) -> float:
    """`rasa init` into `folder` (it trains the model); returns the seconds it took."""
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "rasa", "init", "--no-prompt", "--init-dir", str(folder)],
        cwd=folder, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    return time.perf_counter() - started


def main(concurrency: int, seconds: float) -> Dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="bench-starter-") as work:
        folder = Path(work)
        report: Dict[str, Any] = {
            "what": "rasa init: default pipeline and policies, in-memory tracker store, no custom actions; REST",
            "init_and_train_seconds": round(create_starter(folder), 1),
        }
        with plain_rasa_server(folder) as url:
            for name, customers_at_once, duration in (("one_conversation", 1, seconds / 2),
                                                      (f"concurrency_{concurrency}", concurrency, seconds)):
                result = asyncio.run(
                    run_load([url], customers_at_once, duration, None, SCRIPTS, socketio=False, empty_reply_ok=True)
                )
                report[name] = result["rest"]
    return report


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--concurrency", type=int, default=20, help="customers talking at once (default 20)")
    parser.add_argument("--seconds", type=float, default=60.0, help="how long at that concurrency (default 60)")
    args = parser.parse_args()
    print(json.dumps(main(args.concurrency, args.seconds), indent=2))
