"""Load benchmark: simulated customers holding scripted conversations, REST and socket.io.

`python -m bot bench load --concurrency 20 --seconds 60` starts the assistant
(`bot.stack`, on a freshly seeded CRM) unless `--rasa-url` points at running
servers, lets N customers hold multi-turn conversations (order status, history,
recommendations, handoff) back to back for a bounded time, and measures every
message's round trip. It then does the same against a plain Rasa server with the
same NLU pipeline and no custom actions (every intent answered by a response), and
prints JSON: p50 / p95 / p99 latency, messages per second and errors per
transport, the baseline, and the ratio between them.
"""

from __future__ import annotations

import asyncio
import json
import random
import statistics
import subprocess
import sys
import tempfile
import time
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence

import aiohttp
import yaml

from bot.settings import PROJECT_ROOT


@dataclass(frozen=True)
class Script:
    name: str
    turns: Sequence[str]
    signed_in: bool


SCRIPTS = [
    Script("order status", ["hi", "what's the status of my order?", "thanks, bye"], True),
    Script("order history", ["show me my recent orders", "where is my parcel?", "thank you"], True),
    Script("recommendations", ["can you recommend something?", "any gift ideas under $30?", "thanks"], False),
    Script("handoff", ["hello", "where is my order", "this is useless, I want to talk to a human"], False),
]


@dataclass
class Results:
    latencies_ms: List[float] = field(default_factory=list)
    errors: int = 0
    conversations: int = 0
    error_samples: List[str] = field(default_factory=list)

    def error(self, what: str) -> None:
        self.errors += 1
        if len(self.error_samples) < 5:
            self.error_samples.append(what[:200])

    def summary(self, seconds: float) -> Dict[str, Any]:
        ordered = sorted(self.latencies_ms)

        def pct(q: float) -> float:
            return round(ordered[min(len(ordered) - 1, int(q * len(ordered)))], 1) if ordered else 0.0

        return {
            "messages": len(ordered),
            "conversations": self.conversations,
            "errors": self.errors,
            "error_samples": self.error_samples,
            "p50_ms": round(statistics.median(ordered), 1) if ordered else 0.0,
            "p95_ms": pct(0.95),
            "p99_ms": pct(0.99),
            "messages_per_second": round(len(ordered) / seconds, 1),
        }


class Customers:
    """Signed tokens for seeded customers (ids 1..N), so order questions need no verification form."""

    def __init__(self, secret: str, count: int = 400) -> None:
        from bot.identity import issue_customer_token

        self.tokens = [issue_customer_token(i, secret) for i in range(1, count + 1)]

    def metadata(self, script: Script) -> Dict[str, Any]:
        return {"customer_token": random.choice(self.tokens)} if script.signed_in else {}


async def rest_worker(url: str, deadline: float, results: Results, customers: Optional[Customers],
                      session: aiohttp.ClientSession, scripts: Sequence[Script], empty_reply_ok: bool = False) -> None:
    """`empty_reply_ok`: an empty list is an answer (an assistant without a response for some turn), not an error."""
    while time.monotonic() < deadline:
        script = random.choice(scripts)
        sender = f"load-{random.getrandbits(48):x}"
        metadata = customers.metadata(script) if customers else {}
        for text in script.turns:
            if time.monotonic() >= deadline:
                return
            started = time.perf_counter()
            try:
                async with session.post(url, json={"sender": sender, "message": text, "metadata": metadata}) as reply:
                    body = await reply.json(content_type=None)
                    if reply.status != 200 or not isinstance(body, list) or not (body or empty_reply_ok):
                        results.error(f"{reply.status} {str(body)[:120]} for {text!r}")
                        continue
            except (aiohttp.ClientError, asyncio.TimeoutError, ValueError) as error:
                results.error(f"{error.__class__.__name__} for {text!r}")
                continue
            results.latencies_ms.append((time.perf_counter() - started) * 1000)
        results.conversations += 1


async def socketio_worker(base_url: str, deadline: float, results: Results, customers: Optional[Customers],
                          scripts: Sequence[Script]) -> None:
    from bot.widget_client import WidgetClient

    while time.monotonic() < deadline:
        script = random.choice(scripts)
        client = WidgetClient(base_url)
        try:
            await client.connect()
            metadata = customers.metadata(script) if customers else {}
            for text in script.turns:
                if time.monotonic() >= deadline:
                    break
                started = time.perf_counter()
                await client.say(text, metadata)
                await client.wait_for("bot_uttered", 30)
                results.latencies_ms.append((time.perf_counter() - started) * 1000)
                await asyncio.sleep(0.3)  # the rest of a turn's messages arrive; not timed
            results.conversations += 1
        except (asyncio.TimeoutError, OSError, ValueError) as error:
            results.error(f"{error.__class__.__name__} on socket.io")
        finally:
            await client.close()


async def run_load(servers: Sequence[str], concurrency: int, seconds: float, customers: Optional[Customers],
                   scripts: Sequence[Script], socketio: bool = True, empty_reply_ok: bool = False) -> Dict[str, Any]:
    """Half of the customers on REST and half on socket.io, spread over `servers` round-robin
    (as a load balancer would); with `socketio=False` all on REST."""
    deadline = time.monotonic() + seconds
    rest, sockets = Results(), Results()
    on_socket = concurrency // 2 if socketio else 0
    timeout = aiohttp.ClientTimeout(total=60)
    async with aiohttp.ClientSession(timeout=timeout, connector=aiohttp.TCPConnector(limit=concurrency * 2)) as session:
        tasks = [rest_worker(f"{servers[i % len(servers)]}/webhooks/rest/webhook", deadline, rest, customers, session,
                             scripts, empty_reply_ok)
                 for i in range(concurrency - on_socket)]
        tasks += [socketio_worker(servers[i % len(servers)], deadline, sockets, customers, scripts)
                  for i in range(on_socket)]
        started = time.monotonic()
        await asyncio.gather(*tasks)
        elapsed = time.monotonic() - started
    every = Results(rest.latencies_ms + sockets.latencies_ms, rest.errors + sockets.errors,
                    rest.conversations + sockets.conversations, rest.error_samples + sockets.error_samples)
    report = {"all": every.summary(elapsed), "rest": rest.summary(elapsed)}
    if socketio:
        report["socketio"] = sockets.summary(elapsed)
    return report


# The plain-Rasa baseline ------------------------------------------------------------


def build_baseline(work: Path) -> Path:
    """A Rasa project with our NLU pipeline and data, every intent answered by a plain response."""
    config = yaml.safe_load((PROJECT_ROOT / "config.yml").read_text())
    domain = yaml.safe_load((PROJECT_ROOT / "domain.yml").read_text())
    intents = [i if isinstance(i, str) else next(iter(i)) for i in domain["intents"]]
    baseline_domain = {
        "version": "3.1",
        "intents": intents,
        "entities": domain.get("entities", []),
        "responses": {f"utter_{intent}": [{"text": f"({intent})"}] for intent in intents + ["nlu_fallback"]},
    }
    rules = {"version": "3.1", "rules": [
        {"rule": intent, "steps": [{"intent": intent}, {"action": f"utter_{intent}"}]} for intent in intents + ["nlu_fallback"]
    ]}
    (work / "data").mkdir(parents=True, exist_ok=True)
    (work / "domain.yml").write_text(yaml.safe_dump(baseline_domain))
    (work / "data" / "rules.yml").write_text(yaml.safe_dump(rules))
    (work / "config.yml").write_text(yaml.safe_dump({
        "recipe": "default.v1", "assistant_id": "load-baseline", "language": "en",
        "pipeline": config["pipeline"], "policies": [{"name": "RulePolicy"}],
    }, sort_keys=False))
    subprocess.run(
        [sys.executable, "-m", "rasa", "train", "--config", str(work / "config.yml"), "--domain", str(work / "domain.yml"),
         "--data", str(PROJECT_ROOT / "data" / "nlu"), str(work / "data"), "--out", str(work),
         "--fixed-model-name", "baseline", "--quiet"],
        cwd=PROJECT_ROOT, check=True, capture_output=True,
    )
    return work / "baseline.tar.gz"


def main(concurrency: int, seconds: float, rasa_url: Optional[str], with_baseline: bool, servers: int,
         profile: str = "production") -> Dict[str, Any]:
    from bot.stack import plain_rasa_server, start_seeded_stack

    report: Dict[str, Any] = {"concurrency": concurrency, "seconds": seconds, "profile": profile,
                              "scripts": [s.name for s in SCRIPTS]}
    work = Path(tempfile.mkdtemp(prefix="bench-load-"))
    cleanup = ExitStack()
    try:
        if rasa_url is None:
            stack = start_seeded_stack(profile, servers, work, cleanup)
            customers = Customers(stack.token_secret)
            urls = [stack.url_of(name) for name in stack.rasa_servers]
        else:
            from bot.settings import get_settings

            customers = Customers(get_settings().token_secret)
            urls = [rasa_url]
        report["assistant"] = asyncio.run(run_load(urls, concurrency, seconds, customers, SCRIPTS))
        report["assistant"]["servers"] = len(urls)
    finally:
        cleanup.close()
    if with_baseline:
        with plain_rasa_server(PROJECT_ROOT, build_baseline(work / "baseline")) as url:
            plain = asyncio.run(run_load([url], concurrency, seconds, None, SCRIPTS, socketio=False))
        report["plain_rasa_baseline"] = {**plain, "servers": 1,
                                         "what": "same NLU pipeline, rules answering each intent with a response, no action server"}
        ours, theirs = report["assistant"]["rest"], plain["rest"]
        report["ratio_to_baseline_rest"] = {
            key: round(ours[key] / theirs[key], 2) if theirs[key] else None for key in ("p50_ms", "p95_ms", "p99_ms")
        }
    return report


if __name__ == "__main__":  # pragma: no cover
    print(json.dumps(main(20, 30, None, True, 1), indent=2))
