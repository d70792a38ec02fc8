"""Engines of the embedded SQLite files: pooled, WAL, and never reading a file that was moved away."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa

from bot.sqlite import sqlite_engine


def connections_opened(engine: sa.engine.Engine) -> list:
    opened: list = []
    sa.event.listen(engine, "connect", lambda connection, record: opened.append(connection))
    return opened


def database_with_order(path: Path, number: str) -> sa.engine.Engine:
    """An engine of a new database at `path` holding one order."""
    engine = sqlite_engine(f"sqlite:///{path}")
    with engine.begin() as connection:
        connection.exec_driver_sql("CREATE TABLE orders (number TEXT)")
        connection.exec_driver_sql("INSERT INTO orders VALUES (?)", (number,))
    return engine


def order_numbers(engine: sa.engine.Engine) -> list:
    with engine.connect() as connection:
        return connection.exec_driver_sql("SELECT number FROM orders").scalars().all()


def test_connections_are_pooled_with_the_write_ahead_log(tmp_path: Path) -> None:
    engine = sqlite_engine(f"sqlite:///{tmp_path / 'sub' / 'crm.sqlite3'}", foreign_keys=True)
    opened = connections_opened(engine)
    for _ in range(5):
        with engine.connect() as connection:
            assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
            assert connection.exec_driver_sql("PRAGMA synchronous").scalar() == 1  # NORMAL
    assert len(opened) == 1, "one connection, reused (SQLAlchemy 1.4 alone opens one per session)"
    engine.dispose()


def test_foreign_keys_stay_off_unless_asked(tmp_path: Path) -> None:
    engine = sqlite_engine(f"sqlite:///{tmp_path / 'tracker.sqlite3'}")
    with engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 0
    engine.dispose()


def test_a_moved_database_is_unavailable_until_it_is_back_and_loses_nothing(tmp_path: Path) -> None:
    path = tmp_path / "crm.sqlite3"
    engine = database_with_order(path, "ORD-1")
    path.rename(tmp_path / "moved.sqlite3")
    with pytest.raises(sa.exc.OperationalError, match="unable to open database file"):
        order_numbers(engine)
    assert not path.exists(), "no empty database made in its place"
    # Back where it was, with its write-ahead log (which still holds the rows): nothing lost.
    (tmp_path / "moved.sqlite3").rename(path)
    assert order_numbers(engine) == ["ORD-1"]
    engine.dispose()


def test_a_replaced_database_is_read_from_the_new_file(tmp_path: Path) -> None:
    path = tmp_path / "crm.sqlite3"
    engine = database_with_order(path, "ORD-old")
    assert order_numbers(engine) == ["ORD-old"]
    fresh = tmp_path / "fresh.sqlite3"
    database_with_order(fresh, "ORD-new").dispose()
    # Replaced as a WAL database must be: with its write-ahead log and shared-memory files.
    for suffix in ("-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    fresh.replace(path)
    assert order_numbers(engine) == ["ORD-new"]
    engine.dispose()


def test_an_in_memory_database_keeps_sqlalchemys_pool() -> None:
    engine = sqlite_engine("sqlite://")
    with engine.begin() as connection:
        connection.exec_driver_sql("CREATE TABLE t (x INTEGER)")
        connection.exec_driver_sql("INSERT INTO t VALUES (1)")
    with engine.connect() as connection:
        assert connection.exec_driver_sql("SELECT x FROM t").scalar() == 1
