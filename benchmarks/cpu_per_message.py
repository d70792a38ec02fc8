"""CPU milliseconds per message in each process of the stack, one conversation at a time.

Latency under load on a shared 2-core machine swings by tens of percent between runs;
the CPU time each process spends per message does not, so it is the measure to compare
two versions of the code with. Starts a profile (`bot.stack`, one Rasa server, freshly
seeded CRM) or the plain-Rasa baseline of `python -m bot bench load`, holds the load
benchmark's scripted conversations over REST one message at a time, and prints JSON:
latency p50 / p95 and, per kind of process, CPU milliseconds per message (user + system
time from /proc, Linux only), including the shared PostgreSQL, Redis and RabbitMQ.

    python benchmarks/cpu_per_message.py [--profile production|embedded|baseline] [--messages 450]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import sys
import tempfile
import time
from collections import Counter
from contextlib import ExitStack
from pathlib import Path
from typing import Any, Dict, List, Optional

import aiohttp

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.bench.load import SCRIPTS, Customers, build_baseline  # noqa: E402
from bot.settings import PROJECT_ROOT  # noqa: E402
from bot.stack import plain_rasa_server, start_seeded_stack  # noqa: E402

# Process kinds, by a piece of their command line.
KINDS = {
    "rasa server": "rasa run --model",
    "action server": "rasa run actions",
    "event consumer": "bot events consume",
    "postgresql": "postgres:",
    "redis": "redis-server",
    "rabbitmq": "beam.smp",
}
TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds_by_kind() -> Counter:
    used: Counter = Counter()
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            command = Path(f"/proc/{pid}/cmdline").read_text().replace("\0", " ")
        except OSError:
            continue  # the process ended meanwhile
        for kind, marker in KINDS.items():
            if marker in command:
                used[kind] += (int(fields[11]) + int(fields[12])) / TICKS
    return used


async def converse(url: str, customers: Optional[Customers], messages: int) -> List[float]:
    """The load benchmark's scripts, back to back, one message at a time; returns latencies (ms)."""
    latencies: List[float] = []
    async with aiohttp.ClientSession() as session:
        while len(latencies) < messages:
            script = random.choice(SCRIPTS)
            sender = f"cpu-{random.getrandbits(40):x}"
            metadata = customers.metadata(script) if customers else {}
            for text in script.turns:
                started = time.perf_counter()
                async with session.post(url, json={"sender": sender, "message": text, "metadata": metadata}) as reply:
                    await reply.json(content_type=None)
                latencies.append((time.perf_counter() - started) * 1000)
    return latencies


def measure(url: str, customers: Optional[Customers], messages: int) -> Dict[str, Any]:
    asyncio.run(converse(url, customers, 30))  # warm-up: models loaded, pools filled
    time.sleep(1)
    before = cpu_seconds_by_kind()
    latencies = sorted(asyncio.run(converse(url, customers, messages)))
    time.sleep(1)  # the consumer's last batch
    after = cpu_seconds_by_kind()
    return {
        "messages": len(latencies),
        "p50_ms": round(latencies[len(latencies) // 2], 1),
        "p95_ms": round(latencies[int(0.95 * len(latencies))], 1),
        "cpu_ms_per_message": {
            kind: round((after[kind] - before[kind]) / len(latencies) * 1000, 2) for kind in KINDS if kind in after
        },
    }


def main(profile: str, messages: int, seed: int) -> Dict[str, Any]:
    random.seed(seed)
    work = Path(tempfile.mkdtemp(prefix="bench-cpu-"))
    with ExitStack() as cleanup:
        if profile == "baseline":
            url = cleanup.enter_context(plain_rasa_server(PROJECT_ROOT, build_baseline(work / "baseline")))
            customers = None
        else:
            stack = start_seeded_stack(profile, 1, work, cleanup)
            url, customers = stack.url_of("rasa"), Customers(stack.token_secret)
        return {"profile": profile, **measure(f"{url}/webhooks/rest/webhook", customers, messages)}


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--profile", choices=["production", "embedded", "baseline"], default="production")
    parser.add_argument("--messages", type=int, default=450)
    parser.add_argument("--seed", type=int, default=1)
    arguments = parser.parse_args()
    print(json.dumps(main(arguments.profile, arguments.messages, arguments.seed), indent=2))
