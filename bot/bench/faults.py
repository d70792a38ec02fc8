"""Fault benchmark: the production profile under load while its services fail and return.

`python -m bot bench faults` starts the production profile (two Rasa servers, one
action server, the event consumer, its own PostgreSQL database and RabbitMQ queue),
keeps `--concurrency` customers talking (bot.bench.load's scripts, over REST), and
meanwhile: restarts PostgreSQL, stops Redis for `--outage` seconds, stops RabbitMQ's
app for `--outage` seconds. For each fault it reports what customers saw during and
after it (errors, apologies, empty answers), how long until answers were good again,
and whether any conversation lost tracker events; at the end, whether every tracker
event reached the consumer exactly once. Prints JSON.

These commands stop services this machine shares (CI, other tests): every service is
restarted in a `finally`, and this never runs as part of `make test`.
"""

from __future__ import annotations

import asyncio
import json
import random
import socket
import subprocess
import tempfile
import time
from collections import Counter
from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import timezone
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple

import aiohttp
import yaml

from bot.bench.load import SCRIPTS, Customers
from bot.settings import PROJECT_ROOT
from bot.stack import Stack

PG_VERSION = next((p.name for p in sorted(Path("/etc/postgresql").glob("*"))), "15")
PG_CTL = ["pg_ctlcluster", "--skip-systemctl-redirect", PG_VERSION, "main"]
REDIS_START = ["redis-server", "--daemonize", "yes", "--bind", "127.0.0.1", "-::1", "--port", "6379", "--save", "",
               "--appendonly", "no", "--dir", "/var/lib/redis", "--logfile", "/var/log/redis/ci.log"]
PORTS = {"postgresql": 5432, "redis": 6379, "rabbitmq": 5672}


def reachable(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(1)
        return sock.connect_ex(("127.0.0.1", port)) == 0


def wait_for_port(port: int, timeout: float = 60) -> float:
    """Seconds until `port` accepts connections."""
    started = time.monotonic()
    while not reachable(port):
        if time.monotonic() - started > timeout:
            raise TimeoutError(f"port {port} still closed after {timeout:.0f} s")
        time.sleep(0.2)
    return time.monotonic() - started


def run(command: List[str]) -> None:
    subprocess.run(command, check=True, capture_output=True, timeout=120)


def ensure_services() -> List[str]:
    """Start whichever of PostgreSQL, Redis, RabbitMQ is down (ENVIRONMENT.md's commands); what was started."""
    started = []
    if not reachable(PORTS["postgresql"]):
        subprocess.run([*PG_CTL, "start"], capture_output=True, timeout=120)
        started.append("postgresql")
    if not reachable(PORTS["redis"]):
        subprocess.run(REDIS_START, capture_output=True, timeout=60)
        started.append("redis")
    if not reachable(PORTS["rabbitmq"]):
        # stop_app leaves the node running; a stopped node needs the server itself.
        if subprocess.run(["rabbitmqctl", "start_app"], capture_output=True, timeout=120).returncode != 0:
            subprocess.run(["rabbitmq-server", "-detached"], capture_output=True, timeout=60)
        started.append("rabbitmq")
    for name in started:
        wait_for_port(PORTS[name], 120)
    return started


# What customers see -----------------------------------------------------------------

def apology_texts() -> List[str]:
    """Our "can't reach our systems" replies (every `utter_*_unavailable` response)."""
    responses = yaml.safe_load((PROJECT_ROOT / "domain.yml").read_text())["responses"]
    return [v["text"] for name, variants in responses.items() if name.endswith("_unavailable") for v in variants]


@dataclass
class Turn:
    sender: str
    text: str
    sent: float
    done: float
    outcome: str  # ok, apology, empty, http_<status>, timeout, connection_error


@dataclass
class Traffic:
    turns: List[Turn] = field(default_factory=list)
    senders: List[str] = field(default_factory=list)

    def window(self, start: float, end: float) -> Counter:
        return Counter(t.outcome for t in self.turns if start <= t.sent < end)

    def answered_senders(self) -> List[str]:
        """Conversations with a stored tracker: Rasa answers a tracker request for an unknown
        one with fresh session-start events it never stores, which would look lost later."""
        answered = {t.sender for t in self.turns if t.outcome == "ok"}
        return [sender for sender in self.senders if sender in answered]


async def customer(url_of: Callable[[], str], stop: asyncio.Event, traffic: Traffic, customers: Customers,
                   apologies: Sequence[str], rng: random.Random, session: aiohttp.ClientSession) -> None:
    """One customer after another, each holding one of bot.bench.load's scripted conversations."""
    while not stop.is_set():
        script = rng.choice(SCRIPTS)
        sender = f"faults-{rng.getrandbits(48):x}"
        traffic.senders.append(sender)
        metadata = customers.metadata(script)
        for text in script.turns:
            if stop.is_set():
                return
            sent = time.monotonic()
            try:
                async with session.post(f"{url_of()}/webhooks/rest/webhook",
                                        json={"sender": sender, "message": text, "metadata": metadata}) as reply:
                    body = await reply.json(content_type=None) if reply.status == 200 else None
                    if reply.status != 200:
                        outcome = f"http_{reply.status}"
                    elif not body:
                        outcome = "empty"
                    elif any(m.get("text") in apologies for m in body if isinstance(m, dict)):
                        outcome = "apology"
                    else:
                        outcome = "ok"
            except asyncio.TimeoutError:
                outcome = "timeout"
            except (aiohttp.ClientError, ValueError):
                outcome = "connection_error"
            traffic.turns.append(Turn(sender, text, sent, time.monotonic(), outcome))
            await asyncio.sleep(rng.uniform(0.2, 0.8))  # reading time


# Trackers and analytics ---------------------------------------------------------------

async def trackers(stack: Stack, senders: Sequence[str]) -> Dict[str, List[Dict[str, Any]]]:
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=30)) as session:
        async def one(sender: str) -> Tuple[str, List[Dict[str, Any]]]:
            async with session.get(f"{stack.rasa_url}/conversations/{sender}/tracker",
                                   params={"token": stack.api_token}) as reply:
                return sender, (await reply.json())["events"] if reply.status == 200 else []

        results = []
        for start in range(0, len(senders), 20):
            results += await asyncio.gather(*(one(s) for s in senders[start:start + 20]))
    return dict(results)


def lost_events(before: Dict[str, List[Dict[str, Any]]], after: Dict[str, List[Dict[str, Any]]]) -> Dict[str, Any]:
    """Conversations whose tracker lacks events it held before the fault.

    Compared as multisets: events saved in one batch can share a timestamp, and the SQL
    tracker store orders by timestamp, so their order may differ between two reads.
    """
    def events_of(events: List[Dict[str, Any]]) -> Counter[str]:
        return Counter(json.dumps(event, sort_keys=True) for event in events)

    lost = {sender: sum((events_of(events) - events_of(after.get(sender, []))).values())
            for sender, events in before.items()}
    lost = {sender: count for sender, count in lost.items() if count}
    return {"conversations_checked": len(before), "conversations_that_lost_events": len(lost),
            "samples": dict(list(lost.items())[:5])}


def unanswered_in_tracker(traffic: Traffic, final: Dict[str, List[Dict[str, Any]]],
                          windows: Dict[str, Tuple[float, float]], wall_offset: float) -> Dict[str, Any]:
    """Answered customer messages missing from their conversation's tracker, and when they were sent.

    Apologies do not count: the channel's (nothing processed) leaves no trace by design.
    """
    missing: List[str] = []
    for sender in traffic.senders:
        turns = [t for t in traffic.turns if t.sender == sender and t.outcome == "ok"]
        stored: Counter[Optional[str]] = Counter(e.get("text") for e in final.get(sender, []) if e.get("event") == "user")
        for turn in turns:
            if stored[turn.text]:
                stored[turn.text] -= 1
                continue
            sent = turn.sent + wall_offset
            when = next((name for name, (down, back) in windows.items() if down - 1 <= sent <= back + 5), "no fault")
            missing.append(f"{sender} {turn.text!r} ({turn.outcome}, {when})")
    return {"count": len(missing), "samples": missing[:8]}


def _event_key(event: Dict[str, Any]) -> Tuple[str, Optional[str], int]:
    """What an AnalyticsEvent row keeps of an event: kind, name and the second it happened."""
    from bot.events.consumer import event_name

    name = event_name(event)
    return str(event.get("event"))[:32], str(name)[:128] if name else None, int(float(event.get("timestamp") or 0))


def messages_in_queue(queue: str, url: str = "amqp://guest:guest@127.0.0.1:5672/") -> int:
    """Messages waiting in `queue` (a consumer that stopped consuming leaves them there)."""
    import aio_pika

    async def count() -> int:
        connection = await aio_pika.connect(url)
        async with connection:
            channel = await connection.channel()
            declared = await channel.declare_queue(queue, durable=True, passive=True)
            return int(declared.declaration_result.message_count or 0)

    return asyncio.run(count())


def delivery_check(stack: Stack, final: Dict[str, List[Dict[str, Any]]], windows: Dict[str, Tuple[float, float]],
                   settle: float = 60) -> Dict[str, Any]:
    """Tracker events vs the consumer's AnalyticsEvent rows, per conversation (kind, name, second)."""
    from sqlalchemy import select

    from bot.crm.database import Database
    from bot.crm.models import AnalyticsEvent

    database = Database(stack.database_url)
    expected = {sender: Counter(_event_key(e) for e in events) for sender, events in final.items()}
    total = sum(sum(c.values()) for c in expected.values())
    deadline = time.monotonic() + settle
    while True:
        stored: Dict[str, Counter] = {}
        with database.session() as session:
            rows = session.execute(select(AnalyticsEvent.conversation_id, AnalyticsEvent.kind, AnalyticsEvent.name,
                                          AnalyticsEvent.occurred_at)
                                   .where(AnalyticsEvent.conversation_id.in_(list(final))))
            for conversation, kind, name, occurred in rows:
                second = int(occurred.replace(tzinfo=timezone.utc).timestamp())  # stored as naive UTC
                stored.setdefault(conversation, Counter())[(kind, name, second)] += 1
        missing = {s: expected[s] - stored.get(s, Counter()) for s in expected}
        extra = {s: stored[s] - expected.get(s, Counter()) for s in stored}
        lost = sum(sum(c.values()) for c in missing.values())
        if not lost or time.monotonic() > deadline:
            break
        time.sleep(2)  # the consumer may still be working through the backlog
    database.dispose()
    lost_times = [second for c in missing.values() for (_, _, second), n in c.items() for _ in range(n)]
    rabbit_back = windows["rabbitmq_stop_app"][1]
    return {
        "tracker_events": total,
        "stored_by_consumer": sum(sum(c.values()) for c in stored.values()),
        "lost": lost,
        "duplicated": sum(sum(c.values()) for c in extra.values()),
        "lost_by_when": {
            **{f"during_{name}": sum(1 for t in lost_times if down - 1 <= t <= back + 1)
               for name, (down, back) in windows.items()},
            "after_rabbitmq_was_back": sum(1 for t in lost_times if t > rabbit_back + 1),
        },
        "duplicated_by_when": {
            f"during_{name}": sum(n for c in extra.values() for (_, _, t), n in c.items() if down - 1 <= t <= back + 5)
            for name, (down, back) in windows.items()
        },
        "duplicated_samples": [f"{s}: {k}" for s, c in extra.items() for k in c][:5],
        "left_in_queue": messages_in_queue(stack.env().get("RABBITMQ_QUEUE", "rasa_events")),
        "lost_samples": [f"{s}: {k}" for s, c in missing.items() for k in c][:8],
    }


# The run ------------------------------------------------------------------------------

@dataclass
class Fault:
    name: str
    stop: Callable[[], None]
    start: Callable[[], None]
    port: int


def faults(outage: float) -> List[Fault]:
    def restart_postgres() -> None:
        run([*PG_CTL, "restart"])

    return [
        # A restart is a stop and a start in one command: the outage is as long as it takes.
        Fault("postgresql_restart", restart_postgres, lambda: None, PORTS["postgresql"]),
        Fault("redis_stop", lambda: run(["redis-cli", "shutdown", "nosave"]), lambda: run(REDIS_START), PORTS["redis"]),
        Fault("rabbitmq_stop_app", lambda: run(["rabbitmqctl", "stop_app"]), lambda: run(["rabbitmqctl", "start_app"]),
              PORTS["rabbitmq"]),
    ]


async def scenario(stack: Stack, concurrency: int, outage: float, observe: float, seed: int) -> Dict[str, Any]:
    traffic, stop = Traffic(), asyncio.Event()
    customers, apologies = Customers(stack.token_secret), apology_texts()
    servers = [stack.url_of(name) for name in stack.rasa_servers]
    rng = random.Random(seed)
    loop = asyncio.get_running_loop()
    report: Dict[str, Any] = {}
    # Fault windows in wall-clock seconds, to place the events the consumer never stored.
    windows: Dict[str, Tuple[float, float]] = {}
    wall_offset = time.time() - time.monotonic()
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=30)) as session:
        # Each message to either server, as a load balancer without sticky sessions would send it.
        workers = [asyncio.create_task(customer(lambda: rng.choice(servers), stop, traffic, customers, apologies,
                                                random.Random(seed + i), session))
                   for i in range(concurrency)]
        started = time.monotonic()
        await asyncio.sleep(observe)
        report["baseline"] = dict(traffic.window(started, time.monotonic()))
        for fault in faults(outage):
            before = await trackers(stack, traffic.answered_senders())
            down = time.monotonic()
            await loop.run_in_executor(None, fault.stop)
            if fault.name != "postgresql_restart":
                await asyncio.sleep(outage)
                await loop.run_in_executor(None, fault.start)
            await loop.run_in_executor(None, wait_for_port, fault.port)
            back = time.monotonic()
            await asyncio.sleep(observe)
            bad_after = [t.done for t in traffic.turns if t.sent >= back and t.outcome != "ok"]
            after = await trackers(stack, list(before))
            report[fault.name] = {
                "outage_seconds": round(back - down, 1),
                "during": dict(traffic.window(down, back)),
                "after": dict(traffic.window(back, back + observe)),
                # The last bad answer to a message sent after the service was back.
                "recovery_seconds": round(max(bad_after) - back, 1) if bad_after else 0.0,
                "tracker_check": lost_events(before, after),
            }
            windows[fault.name] = (down + wall_offset, back + wall_offset)
        stop.set()
        await asyncio.gather(*workers)
    final = await trackers(stack, traffic.answered_senders())
    report["answered_messages_missing_from_trackers"] = unanswered_in_tracker(traffic, final, windows, wall_offset)
    report["messages"] = dict(Counter(t.outcome for t in traffic.turns))
    report["conversations"] = len(traffic.senders)
    report["event_delivery"] = await loop.run_in_executor(None, delivery_check, stack, final, windows)
    return report


def main(concurrency: int = 6, outage: float = 10, observe: float = 20, seed: int = 1) -> Dict[str, Any]:
    from bot.stack import start_seeded_stack

    missing = [name for name, port in PORTS.items() if not reachable(port)]
    if missing:
        raise RuntimeError(f"not reachable before the run: {', '.join(missing)}")
    report: Dict[str, Any] = {"concurrency": concurrency, "outage_seconds": outage, "observe_seconds": observe}
    work = Path(tempfile.mkdtemp(prefix="bench-faults-"))
    try:
        with ExitStack() as cleanup:
            stack = start_seeded_stack("production", 2, work, cleanup)
            report.update(asyncio.run(scenario(stack, concurrency, outage, observe, seed)))
            report["crashed_processes"] = {n: p.returncode for n, p in stack.processes.items() if p.poll() is not None}
            report["logs"] = str(stack.log_dir)
    finally:
        report["services_restarted_in_finally"] = ensure_services()
    return report
