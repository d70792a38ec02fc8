"""Engines for the embedded SQLite files (the CRM, the tracker store): pooled, write-ahead log.

Why: SQLAlchemy 1.4 opens a new SQLite connection for every session of a file
database, runs the PRAGMAs again, and the close of a process's last connection
checkpoints the log: on the embedded profile the action server spent about 40 % of a
request's wall time opening and closing connections (py-spy), and the Rasa server paid
the same for every handoff-ticket check. Pooled, the action server's CPU per message
went from 5.4-6.6 to 4.7-5.1 ms (`benchmarks/cpu_per_message.py --profile embedded`,
A/B twice, 2026-12-03). Pooled connections with the write-ahead log let readers
work while another process writes; synchronous=NORMAL fsyncs at checkpoints, so a
crash of a process loses nothing and a power cut the last moments.

A pooled connection keeps the file it opened even when that file is moved or deleted,
and would go on reading and writing a file nobody else sees. So each checkout checks
that the path still names the same file (one `stat`); if not, the connection is
replaced. Connections open the file read-write but never create it (the engine creates
it once, when it is made): a missing database fails as unavailable until it is back,
instead of SQLite making an empty one that would take over the write-ahead log of the
real one and lose what it held.
"""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path
from typing import Any, Optional, Tuple, Union
from urllib.parse import quote

import sqlalchemy as sa
from sqlalchemy.engine.url import make_url
from sqlalchemy.pool import QueuePool

_FILE = "northwind_sqlite_file"


def sqlite_engine(
    url: Union[str, sa.engine.URL], *, foreign_keys: bool = False, pool_size: int = 5, **options: Any
) -> sa.engine.Engine:
    """An engine of the SQLite file at `url` (its folder made if missing); :memory: keeps SQLAlchemy's pool."""
    database = make_url(url).database
    path = None if not database or database == ":memory:" else Path(database).resolve()
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
        if not path.exists():
            sqlite3.connect(path).close()
        url = f"sqlite:///file:{quote(str(path))}?mode=rw&uri=true"
        options = {"poolclass": QueuePool, "pool_size": pool_size, "max_overflow": 2 * pool_size, **options}
    connect_args = {"check_same_thread": False, **options.pop("connect_args", {})}
    engine = sa.create_engine(url, connect_args=connect_args, **options)

    @sa.event.listens_for(engine, "connect")
    def _pragmas(connection: Any, record: Any) -> None:
        cursor = connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        if foreign_keys:
            cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()
        if path is not None:
            record.info[_FILE] = _identity(path)

    if path is not None:

        @sa.event.listens_for(engine, "checkout")
        def _same_file(_connection: Any, record: Any, _proxy: Any) -> None:
            if _identity(path) != record.info.get(_FILE):
                # The pool drops this connection and opens another on whatever the path names now.
                raise sa.exc.DisconnectionError(f"{path} was moved or replaced")

    return engine


def _identity(path: Path) -> Optional[Tuple[int, int]]:
    """The file's device and inode; None if there is no file."""
    try:
        status = os.stat(path)
    except OSError:
        return None
    return status.st_dev, status.st_ino
