"""Evaluate the recommender on the shared "Online Retail" log, leaving each customer's last order out.

Why: the issue asks for proof of quality on real order histories. This script
imports the shared log (1-14 Dec 2010, 30,000 rows) into a temporary SQLite CRM with
the project's own importer and prints the JSON of `evaluate_command`, the same
function `python -m bot recommend evaluate` runs on the live CRM: HR@k, recall@k,
NDCG@k and coverage for the blend, each source alone and the baselines, on all
held-out items and on items the customer never bought before.

    python benchmarks/recommend_eval.py [--source CSV] [--k 10] [--db URL]

With `--db`, that CRM is evaluated instead of importing the log.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import warnings
from pathlib import Path
from typing import Any, Dict

PROJECT_ROOT = Path(__file__).resolve().parent.parent
if str(PROJECT_ROOT) not in sys.path:
    sys.path.insert(0, str(PROJECT_ROOT))

from bot.crm.database import Database  # noqa: E402
from bot.crm.importer import import_orders  # noqa: E402
from bot.recommend.evaluate import evaluate_command  # noqa: E402

DEFAULT_SOURCE = PROJECT_ROOT.parent / "shared/datasets/online_retail/online_retail_first30k_contiguous.csv"


def import_log(source: Path, folder: Path) -> Dict[str, Any]:
    """Import `source` into a new SQLite CRM in `folder`; its URL and the import report."""
    url = f"sqlite:///{folder / 'crm.sqlite3'}"
    database = Database(url)
    try:
        report = import_orders(database, source)
    finally:
        database.dispose()
    return {"url": url, "import": report.to_dict()}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", type=Path, default=DEFAULT_SOURCE, help="order log CSV (Online Retail layout)")
    parser.add_argument("--k", type=int, default=10, help="list length (default 10)")
    parser.add_argument("--db", help="evaluate this CRM instead of importing the log")
    args = parser.parse_args()
    warnings.filterwarnings("ignore", category=UserWarning)
    if args.db:
        print(json.dumps(evaluate_command(args.db, args.k), indent=2))
        return 0
    if not args.source.is_file():
        print(f"No such file: {args.source}", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory(prefix="recommend-eval-") as folder:
        imported = import_log(args.source, Path(folder))
        report = evaluate_command(imported["url"], args.k)
    report["database"] = f"temporary SQLite with {args.source.name}"
    report["import"] = {key: imported["import"][key] for key in ("orders_imported", "products_created", "customers_created")}
    print(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
