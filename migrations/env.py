"""Alembic environment of the CRM schema (the tables of `bot.crm.models`).

The database, first found wins:
1. `alembic -x url=postgresql+psycopg2://user:pw@host/crm ...` on the command line;
2. the URL `bot/crm/migrations.py` hands over in `config.attributes["database_url"]`;
3. `sqlalchemy.url` in alembic.ini (empty in the repository, so no password is committed);
4. `CRM_DATABASE_URL`, else the embedded SQLite file (`bot.settings`).
"""

from __future__ import annotations

from logging.config import fileConfig
from typing import Any

from alembic import context
from sqlalchemy import text
from sqlalchemy.engine import Connection

from bot.crm.migrations import include_object, migration_engine
from bot.crm.models import Base
from bot.settings import load_settings

config = context.config
target_metadata = Base.metadata

# Any 64-bit number that no other code of ours uses: one migration at a time per PostgreSQL database.
MIGRATION_LOCK_KEY = 7_470_312_845_210_001

# The alembic command configures logging from alembic.ini; when our own code runs the
# migrations, the process keeps the logging it has (fileConfig would replace it).
if config.config_file_name is not None and config.attributes.get("configure_logger", True):
    fileConfig(config.config_file_name, disable_existing_loggers=False)


def database_url() -> str:
    url = context.get_x_argument(as_dictionary=True).get("url")
    url = url or config.attributes.get("database_url") or config.get_main_option("sqlalchemy.url")
    return url or load_settings().database_url


def _configure(**kwargs: Any) -> None:
    context.configure(
        target_metadata=target_metadata,
        include_object=include_object,
        compare_type=True,
        # SQLite cannot ALTER most things: batch operations copy the table; elsewhere they are plain ALTERs.
        render_as_batch=True,
        **kwargs,
    )


def run_migrations_offline() -> None:
    """`alembic upgrade head --sql`: print the SQL for a database administrator instead of running it."""
    _configure(url=database_url(), literal_binds=True, dialect_opts={"paramstyle": "named"})
    with context.begin_transaction():
        context.run_migrations()


def _run(connection: Connection) -> None:
    _configure(connection=connection)
    with context.begin_transaction():
        if connection.dialect.name == "postgresql":
            # Two migration jobs started together (a retried Job, `compose up` twice) run one
            # after the other; the second finds the schema current. Released at commit.
            connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK_KEY})
        context.run_migrations()


def run_migrations_online() -> None:
    engine = migration_engine(database_url())
    try:
        with engine.connect() as connection:
            _run(connection)
    finally:
        engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
