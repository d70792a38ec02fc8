"""Benchmark the order-log importer on a large, real-shaped log.

Why: the importer must load half a million rows in well under a minute. This script
builds such a log by repeating the shared 30,000-row "Online Retail" sample with
shifted invoice numbers and customer ids (every copy is new orders of new
customers; stock codes repeat, so products are reused), imports it into a fresh
SQLite database and optionally into `--db URL`, then imports it again to time the
idempotent re-run. It prints one JSON document.

    python benchmarks/import_orders.py [--rows 500000] [--db URL] [--source PATH]

With `--db`, the tables are created if missing and left in place (pass
`--drop-after` to drop them); use a throw-away database, the import is real.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import platform
import sys
import tempfile
import time
from pathlib import Path
from typing import Dict, List, Optional

PROJECT_ROOT = Path(__file__).resolve().parent.parent
if str(PROJECT_ROOT) not in sys.path:
    sys.path.insert(0, str(PROJECT_ROOT))

from bot.crm.database import Database  # noqa: E402
from bot.crm.importer import import_orders  # noqa: E402
from bot.crm.models import Base  # noqa: E402

DEFAULT_SOURCE = (
    PROJECT_ROOT.parent / "shared/datasets/online_retail/online_retail_first30k_contiguous.csv"
)
# Invoice numbers are 6 digits and customer ids 5 digits in the source, so these
# offsets keep every copy's numbers apart from the original and from each other.
INVOICE_SHIFT = 1_000_000
CUSTOMER_SHIFT = 100_000


def build_log(source: Path, target: Path, rows: int) -> int:
    """Write `rows` data rows to `target`, repeating `source` with shifted ids."""
    with source.open(encoding="utf-8", newline="") as handle:
        reader = csv.reader(handle)
        header = next(reader)
        template = list(reader)
    if not template:
        raise SystemExit(f"{source} has no rows")
    invoice_col = header.index("InvoiceNo")
    customer_col = header.index("CustomerID")
    written = 0
    with target.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        copy = 0
        while written < rows:
            for row in template[: rows - written]:
                writer.writerow(_shifted(row, copy, invoice_col, customer_col))
            written += min(len(template), rows - written)
            copy += 1
    return written


def _shifted(row: List[str], copy: int, invoice_col: int, customer_col: int) -> List[str]:
    if copy == 0:
        return row
    row = list(row)
    invoice = row[invoice_col]
    prefix, digits = (invoice[0], invoice[1:]) if invoice[:1].isalpha() else ("", invoice)
    if digits.isdigit():
        row[invoice_col] = f"{prefix}{int(digits) + copy * INVOICE_SHIFT}"
    customer = row[customer_col].strip()
    if customer:
        row[customer_col] = str(int(float(customer)) + copy * CUSTOMER_SHIFT)
    return row


def run(url: str, log: Path, drop_after: bool = False) -> Dict[str, object]:
    """Import `log` twice into `url` and time both runs."""
    database = Database(url)
    try:
        first = import_orders(database, log)
        second = import_orders(database, log)
        if drop_after:
            Base.metadata.drop_all(database.engine)
    finally:
        database.dispose()
    return {
        "database": database.engine.dialect.name,
        "rows": first.rows_read,
        "seconds": round(first.seconds, 2),
        "rows_per_second": round(first.rows_read / first.seconds) if first.seconds else None,
        "report": first.to_dict(),
        "rerun_seconds": round(second.seconds, 2),
        "rerun_report": second.to_dict(),
    }


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=500_000, help="data rows to generate")
    parser.add_argument("--db", help="also import into this database URL (e.g. PostgreSQL)")
    parser.add_argument("--source", type=Path, default=DEFAULT_SOURCE, help="Online Retail CSV")
    parser.add_argument("--drop-after", action="store_true", help="drop the tables of --db after")
    args = parser.parse_args(argv)
    if not args.source.exists():
        parser.error(f"source log not found: {args.source}")

    with tempfile.TemporaryDirectory(prefix="import-bench-") as workdir:
        log = Path(workdir) / "orders.csv"
        started = time.perf_counter()
        rows = build_log(args.source, log, args.rows)
        generate_seconds = time.perf_counter() - started
        runs = [run(f"sqlite:///{Path(workdir) / 'crm.sqlite3'}", log)]
        if args.db:
            runs.append(run(args.db, log, drop_after=args.drop_after))
    result = {
        "source": str(args.source),
        "rows_generated": rows,
        "generate_seconds": round(generate_seconds, 2),
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
        "runs": runs,
    }
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
