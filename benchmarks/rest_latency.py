"""REST round-trip latency of messages whose actions query the CRM.

Starts the real action server and Rasa server (bot.stack) on a freshly seeded
SQLite CRM, then sends messages one at a time as a logged-in demo customer and
prints JSON with the median and p95 per kind of message.

    python benchmarks/rest_latency.py [--messages 200]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Dict, List

import requests

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.crm.database import Database  # noqa: E402
from bot.crm.seed import seed_demo_data  # noqa: E402
from bot.identity import issue_customer_token  # noqa: E402
from bot.stack import Stack  # noqa: E402

MESSAGES = {
    "order status (form + CRM query)": "what's the status of order ORD-900004?",
    "order history (form + CRM query)": "show me my past orders",
    "greeting (no custom action)": "hello there",
}


def percentile(values: List[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=200, help="messages per kind")
    args = parser.parse_args()

    crm = Path(tempfile.mkdtemp(prefix="bench-crm-")) / "crm.sqlite3"
    seed_demo_data(Database(f"sqlite:///{crm}"))
    with Stack(database_url=f"sqlite:///{crm}") as stack:
        token = issue_customer_token(1, stack.token_secret)
        results: Dict[str, Dict[str, float]] = {}
        session = requests.Session()
        for label, text in MESSAGES.items():
            timings: List[float] = []
            for i in range(args.messages + 10):
                started = time.perf_counter()
                reply = session.post(
                    f"{stack.rasa_url}/webhooks/rest/webhook",
                    json={"sender": f"bench-{label[:5]}-{i % 20}", "message": text,
                          "metadata": {"customer_token": token}},
                    timeout=30,
                )
                elapsed = (time.perf_counter() - started) * 1000
                assert reply.status_code == 200 and reply.json(), reply.text
                if i >= 10:  # the first messages warm caches and start sessions
                    timings.append(elapsed)
            results[label] = {
                "messages": len(timings),
                "median_ms": round(statistics.median(timings), 1),
                "p95_ms": round(percentile(timings, 0.95), 1),
                "max_ms": round(max(timings), 1),
            }
    print(json.dumps({"benchmark": "rest_round_trip", "crm": "sqlite (seeded demo data)", "results": results}, indent=2))


if __name__ == "__main__":
    main()
