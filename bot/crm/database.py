"""Engine and session handling for the CRM store.

One `Database` per process and URL; sessions are opened per call
(`with database.session() as session:`) and every driver-level failure leaves
this module as `CrmUnavailable`.
"""

from __future__ import annotations

import logging
import warnings
from contextlib import contextmanager
from threading import Lock
from typing import Any, Dict, Iterator, Optional

from sqlalchemy import create_engine
from sqlalchemy.engine import Engine, Row
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError, SAWarning
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.sql import Executable

from bot.crm.errors import CrmUnavailable
from bot.crm.models import Base
from bot.sqlite import sqlite_engine

logger = logging.getLogger(__name__)

# Amounts are NUMERIC(10, 2) and always read back through Decimal(str(value));
# SQLite's float storage is exact at two decimals for the amounts a shop handles.
warnings.filterwarnings("ignore", message=r"Dialect sqlite\+pysqlite does \*not\* support Decimal", category=SAWarning)


def _make_engine(url: str, single_statements: bool = False) -> Engine:
    """The engine of `url`; with `single_statements`, autocommit connections without a pre-ping."""
    autocommit: Dict[str, Any] = {"isolation_level": "AUTOCOMMIT"} if single_statements else {}
    if url.startswith("sqlite"):
        # WAL lets the action server read while the seeder or importer writes.
        return sqlite_engine(url, foreign_keys=True, future=True, connect_args={"timeout": 15}, **autocommit)
    return create_engine(
        url,
        future=True,
        pool_pre_ping=not single_statements,
        pool_size=5,
        max_overflow=10,
        connect_args={"connect_timeout": 5} if url.startswith("postgresql") else {},
        **autocommit,
    )


def _unavailable(error: DBAPIError) -> CrmUnavailable:
    """A connection or server failure, logged, as the error the CRM's callers handle."""
    logger.error("CRM database unavailable: %s", error.__class__.__name__)
    return CrmUnavailable(str(error.orig) if error.orig else str(error))


class Database:
    """A CRM database: its engine and a session factory."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.engine = _make_engine(url)
        self._sessions = sessionmaker(self.engine, future=True, expire_on_commit=False)
        self._reads: Optional[Engine] = None

    def first(self, statement: Executable) -> Optional[Row]:
        """The first row of one read-only statement, in one round trip.

        For the reads made on every customer message: an autocommit connection without
        the pre-ping, so no BEGIN, ping or COMMIT around the statement. A connection a
        database restart dropped is replaced and the statement sent once more.
        """
        if self._reads is None:
            self._reads = _make_engine(self.url, single_statements=True)
        try:
            try:
                return self._first_row(self._reads, statement)
            except (OperationalError, InterfaceError) as error:
                if not error.connection_invalidated:
                    raise
                return self._first_row(self._reads, statement)
        except (OperationalError, InterfaceError) as error:
            raise _unavailable(error) from error

    @staticmethod
    def _first_row(engine: Engine, statement: Executable) -> Optional[Row]:
        with engine.connect() as connection:
            return connection.execute(statement).first()

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A session that commits on success and rolls back on any error."""
        try:
            with self._sessions() as session:
                with session.begin():
                    yield session
        except (OperationalError, InterfaceError) as error:
            # Connection and server failures; integrity or programming errors are bugs
            # and propagate unchanged.
            raise _unavailable(error) from error

    def create_schema(self) -> None:
        """Create missing tables (idempotent)."""
        try:
            Base.metadata.create_all(self.engine)
        except OperationalError as error:
            raise CrmUnavailable(str(error.orig)) from error

    def dispose(self) -> None:
        self.engine.dispose()
        if self._reads is not None:
            self._reads.dispose()


_databases: Dict[str, Database] = {}
_lock = Lock()


def get_database(url: Optional[str] = None) -> Database:
    """The process-wide `Database` for `url` (default: `CRM_DATABASE_URL`)."""
    if url is None:
        from bot.settings import get_settings

        url = get_settings().database_url
    with _lock:
        database = _databases.get(url)
        if database is None:
            database = Database(url)
            _databases[url] = database
        return database
