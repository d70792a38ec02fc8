"""`Database.first`: the single-statement read made on every customer message, on the real PostgreSQL."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from bot.crm.database import Database
from bot.crm.errors import CrmUnavailable
from bot.stack import TemporaryPostgresDatabase


def terminate_connections(database_name: str) -> int:
    """What a PostgreSQL restart does to pooled connections."""
    admin = sa.create_engine("postgresql://postgres@127.0.0.1:5432/postgres", isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            return connection.exec_driver_sql(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
                (database_name,),
            ).scalar()
    finally:
        admin.dispose()


def test_a_read_after_the_database_dropped_its_connections_is_answered() -> None:
    with TemporaryPostgresDatabase("nw_test_first") as postgres:
        database = Database(postgres.url)
        try:
            assert database.first(sa.select(sa.literal(1)))[0] == 1
            assert terminate_connections(postgres.name) >= 1
            assert database.first(sa.select(sa.literal(2)))[0] == 2
        finally:
            database.dispose()


def test_a_database_that_is_down_is_reported_as_unavailable() -> None:
    database = Database("postgresql://postgres@127.0.0.1:1/nothing_listens_here")
    with pytest.raises(CrmUnavailable):
        database.first(sa.select(sa.literal(1)))
    database.dispose()
