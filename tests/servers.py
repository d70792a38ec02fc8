"""The seeded demo CRM and the real servers on it, shared by the integration and browser suites."""

from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import pytest

from bot.crm.database import Database
from bot.crm.seed import seed_demo_data
from bot.stack import Stack
from bot.training import MODEL_PATH


def seeded_crm(path: Path) -> Database:
    """A new SQLite CRM at `path` with the demo data (the caller disposes of it)."""
    database = Database(f"sqlite:///{path}")
    seed_demo_data(database)
    return database


@contextmanager
def running_stack(crm_path: Path) -> Iterator[Stack]:
    """Action server, Rasa and the web page on the CRM at `crm_path`; their logs are printed if one fails to start."""
    if not MODEL_PATH.exists():
        pytest.fail("No trained model: run `make train` first (make test does).")
    servers = Stack(
        database_url=f"sqlite:///{crm_path}",
        tracker_db=crm_path.parent / "tracker.sqlite3",
        # No saved recommender model there: the action server fits one on this CRM.
        extra_env={"RECOMMENDER_MODEL_DIR": str(crm_path.parent / "recommender")},
    )
    try:
        servers.start(web=True)
    except Exception:
        for name in ("actions", "rasa", "web"):
            print(f"--- {name} log ---\n{servers.logs(name)[-4000:]}")
        servers.stop()
        raise
    try:
        yield servers
    finally:
        servers.stop()
