"""Alembic migrations of the CRM schema, on SQLite and (when reachable) PostgreSQL.

Head must be exactly what `Base.metadata.create_all` makes: Alembic's autogenerate
finds no difference, and the database catalogues agree too (autogenerate does not
look at CHECK constraints or partial-index predicates).
"""

from __future__ import annotations

import io
import re
from datetime import datetime
from pathlib import Path
from typing import Any, Dict, Iterator, List

import pytest
from alembic import command
from alembic.script import ScriptDirectory
from sqlalchemy import insert, inspect, text
from sqlalchemy.exc import IntegrityError

from bot.crm import migrations
from bot.crm.database import Database
from bot.crm.models import Base, Customer, HandoffTicket, Order
from tests.conftest import private_postgres_schema

NOW = datetime(2026, 11, 1, 12, 0, 0)


@pytest.fixture(params=["sqlite", "postgres"])
def empty_database(request: pytest.FixtureRequest) -> Database:
    return request.getfixturevalue("sqlite_database" if request.param == "sqlite" else "postgres_database")


@pytest.fixture
def reference_database(empty_database: Database, tmp_path: Path) -> Iterator[Database]:
    """A second database of the same kind with the schema `create_all` makes."""
    if empty_database.engine.dialect.name == "sqlite":
        reference = Database(f"sqlite:///{tmp_path / 'reference.sqlite3'}")
        reference.create_schema()
        yield reference
        reference.dispose()
    else:
        with private_postgres_schema() as reference:
            reference.create_schema()
            yield reference


def crm_tables(database: Database) -> List[str]:
    with database.engine.connect() as connection:
        return sorted(set(inspect(connection).get_table_names()) & set(Base.metadata.tables))


def catalogue(database: Database) -> Dict[str, Any]:
    """Everything the database knows about the CRM tables, comparable across two databases."""
    with database.engine.connect() as connection:
        if connection.dialect.name == "sqlite":
            rows = connection.execute(
                text("SELECT type, name, tbl_name, sql FROM sqlite_master WHERE tbl_name != 'alembic_version'")
            ).all()
            return {"sqlite_master": sorted((t, n, tb, " ".join((sql or "").split())) for t, n, tb, sql in rows)}
        schema = connection.execute(text("SELECT current_schema()")).scalar_one()
        columns = connection.execute(
            text(
                "SELECT table_name, column_name, ordinal_position, data_type, character_maximum_length,"
                " numeric_precision, numeric_scale, is_nullable, column_default"
                " FROM information_schema.columns WHERE table_schema = :schema AND table_name != 'alembic_version'"
            ),
            {"schema": schema},
        ).all()
        constraints = connection.execute(
            text(
                "SELECT c.relname, k.conname, k.contype, pg_get_constraintdef(k.oid)"
                " FROM pg_constraint k JOIN pg_class c ON c.oid = k.conrelid"
                " JOIN pg_namespace n ON n.oid = c.relnamespace"
                " WHERE n.nspname = :schema AND c.relname != 'alembic_version'"
            ),
            {"schema": schema},
        ).all()
        indexes = connection.execute(
            text(
                "SELECT tablename, indexname, indexdef FROM pg_indexes"
                " WHERE schemaname = :schema AND tablename != 'alembic_version'"
            ),
            {"schema": schema},
        ).all()
        unqualified = [(t, n, d.replace(f"{schema}.", "")) for t, n, d in indexes]
        return {
            "columns": sorted(tuple(map(str, row)) for row in columns),
            "constraints": sorted(tuple(row) for row in constraints),
            "indexes": sorted(unqualified),
        }


def test_the_migrations_have_one_head() -> None:
    script = ScriptDirectory.from_config(migrations.alembic_config("sqlite://"))
    assert script.get_heads() == [migrations.head_revision()]


def test_upgrade_to_head_makes_exactly_the_models_schema(
    empty_database: Database, reference_database: Database
) -> None:
    result = migrations.upgrade(empty_database.url)

    assert (result.before, result.after) == (None, migrations.head_revision())
    assert migrations.schema_differences(empty_database.url) == []
    assert migrations.schema_differences(reference_database.url) == []
    assert catalogue(empty_database) == catalogue(reference_database)
    assert migrations.upgrade(empty_database.url).changed is False


def test_constraints_hold_after_migrating(empty_database: Database) -> None:
    migrations.upgrade(empty_database.url)
    ticket = {"reason": "customer_request", "reason_detail": "", "priority": 3, "summary": "",
              "sentiment_trajectory": [], "orders_mentioned": [], "created_at": NOW, "updated_at": NOW}
    with empty_database.session() as session:
        session.execute(insert(HandoffTicket), [{**ticket, "conversation_id": "c1", "status": "resolved"},
                                                {**ticket, "conversation_id": "c1", "status": "waiting"}])
    # ux_tickets_open_conversation: a second open ticket for the same conversation.
    with pytest.raises(IntegrityError):
        with empty_database.session() as session:
            session.execute(insert(HandoffTicket), [{**ticket, "conversation_id": "c1", "status": "active"}])
    # ck_tickets_status and ck_orders_status.
    with pytest.raises(IntegrityError):
        with empty_database.session() as session:
            session.execute(insert(HandoffTicket), [{**ticket, "conversation_id": "c2", "status": "lost"}])
    with empty_database.session() as session:
        session.execute(insert(Customer), [{"id": 1, "name": "Ada", "email": "ada@example.com", "created_at": NOW}])
    with pytest.raises(IntegrityError):
        with empty_database.session() as session:
            session.execute(insert(Order), [{"number": "ORD-1", "customer_id": 1, "status": "teleported",
                                             "placed_at": NOW}])


def test_downgrade_to_base_removes_every_crm_table(empty_database: Database) -> None:
    migrations.upgrade(empty_database.url)

    result = migrations.downgrade(empty_database.url, "base")

    assert (result.before, result.after) == (migrations.head_revision(), None)
    assert crm_tables(empty_database) == []
    # ... and the way up works again.
    assert migrations.upgrade(empty_database.url).after == migrations.head_revision()
    assert crm_tables(empty_database) == sorted(Base.metadata.tables)


def test_a_create_all_database_is_refused_until_stamped(empty_database: Database) -> None:
    empty_database.create_schema()
    with empty_database.session() as session:
        session.execute(insert(Customer), [{"name": "Ada", "email": "ada@example.com", "created_at": NOW}])

    with pytest.raises(migrations.UnversionedSchema, match="stamp head"):
        migrations.upgrade(empty_database.url)
    stamped = migrations.stamp(empty_database.url)

    assert stamped.after == migrations.head_revision()
    assert migrations.upgrade(empty_database.url).changed is False
    with empty_database.session() as session:
        assert session.execute(text("SELECT email FROM customers")).scalar_one() == "ada@example.com"


def test_stamp_refuses_a_database_that_lacks_tables(sqlite_database: Database) -> None:
    Base.metadata.create_all(sqlite_database.engine, tables=[Base.metadata.tables["customers"]])

    with pytest.raises(migrations.SchemaMismatch, match="add_table products") as refused:
        migrations.stamp(sqlite_database.url)

    assert any(difference[0] == "add_table" for difference in refused.value.differences)
    assert migrations.current_revision(sqlite_database.url) is None


def test_tables_of_rasa_tracker_store_in_the_same_database_are_left_alone(empty_database: Database) -> None:
    with empty_database.engine.begin() as connection:
        connection.execute(text("CREATE TABLE events (id INTEGER PRIMARY KEY, sender_id VARCHAR(255))"))

    migrations.upgrade(empty_database.url)
    assert migrations.schema_differences(empty_database.url) == []
    migrations.downgrade(empty_database.url, "base")

    with empty_database.engine.connect() as connection:
        assert "events" in inspect(connection).get_table_names()


def test_offline_sql_for_postgresql_keeps_the_partial_index_and_checks() -> None:
    """`alembic upgrade head --sql`, what a database administrator reviews; no server needed."""
    config = migrations.alembic_config("postgresql+psycopg2://crm@db.invalid/crm")
    config.output_buffer = io.StringIO()

    command.upgrade(config, "head", sql=True)

    sql = " ".join(config.output_buffer.getvalue().split())
    assert re.search(
        r"CREATE UNIQUE INDEX ux_tickets_open_conversation ON handoff_tickets \(conversation_id\) "
        r"WHERE status IN \('waiting','active'\)",
        sql,
    )
    assert "CONSTRAINT ck_orders_status CHECK" in sql and "CONSTRAINT ck_tickets_status CHECK" in sql
    assert f"INSERT INTO alembic_version (version_num) VALUES ('{migrations.head_revision()}')" in sql
