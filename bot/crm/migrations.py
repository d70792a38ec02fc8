"""Schema migrations of the CRM store (Alembic; the scripts are in `migrations/`).

- `upgrade(url)`: bring a database to a revision, "head" by default
  (`python -m bot crm migrate [--db URL] [--revision head]`).
- `stamp(url)`: record that a database made by `Database.create_schema()` is at head,
  after checking that its tables really are the models' tables.
- `schema_differences(url)`: what Alembic's autogenerate sees between a database and
  the models; empty when they agree.

The embedded SQLite CRM may keep using `create_schema()`; PostgreSQL in production
changes only through migrations.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any, List, Optional

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, inspect, pool
from sqlalchemy.engine import Engine
from sqlalchemy.engine.url import make_url
from sqlalchemy.exc import InterfaceError, OperationalError

from bot.crm.errors import CrmError, CrmUnavailable
from bot.crm.models import Base
from bot.settings import PROJECT_ROOT

logger = logging.getLogger(__name__)

ALEMBIC_INI = PROJECT_ROOT / "alembic.ini"
SCRIPT_LOCATION = PROJECT_ROOT / "migrations"


class MigrationError(CrmError):
    """The database cannot be migrated as asked."""


class UnversionedSchema(MigrationError):
    """The database has CRM tables but no migration history (it was made by `create_all`)."""


class SchemaMismatch(MigrationError):
    """The database's tables differ from the models, so it cannot be stamped."""

    def __init__(self, message: str, differences: List[Any]) -> None:
        super().__init__(message)
        self.differences = differences


@dataclass(frozen=True)
class MigrationResult:
    database: str  # the URL with its password hidden
    before: Optional[str]
    after: Optional[str]

    @property
    def changed(self) -> bool:
        return self.before != self.after

    def describe(self) -> str:
        if not self.changed:
            return f"CRM schema of {self.database} is at revision {self.after or 'base'}: nothing to do."
        return f"CRM schema of {self.database}: revision {self.before or 'base'} -> {self.after or 'base'}."


def describe_difference(difference: Any) -> str:
    """One autogenerate difference as the operation a migration would need, e.g. "add_table agents"."""
    if isinstance(difference, list):  # changes of one column come grouped
        return "; ".join(describe_difference(item) for item in difference)
    kind = difference[0]
    if kind in ("add_column", "remove_column"):
        return f"{kind} {difference[2]}.{difference[3].name}"
    if kind.startswith("modify_"):
        return f"{kind} {difference[2]}.{difference[3]}"
    target = difference[1]
    return f"{kind} {getattr(target, 'name', None) or target}"


def include_object(obj: Any, name: Optional[str], type_: str, reflected: bool, compare_to: Any) -> bool:
    """Only the CRM's tables count: the same database may hold Rasa's tracker store (`events`)."""
    return not (type_ == "table" and reflected and compare_to is None)


def migration_engine(database_url: str) -> Engine:
    """A single-connection engine without the CRM's SQLite pragmas.

    Batch migrations copy SQLite tables, which foreign-key enforcement would get in the way of.
    """
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite" and url.database and url.database != ":memory:":
        Path(url.database).parent.mkdir(parents=True, exist_ok=True)
    return create_engine(database_url, future=True, poolclass=pool.NullPool)


def alembic_config(database_url: str) -> Config:
    config = Config(str(ALEMBIC_INI))
    # Absolute, so the working directory does not matter (containers, tests).
    config.set_main_option("script_location", str(SCRIPT_LOCATION))
    # Handed over as an attribute, not as `sqlalchemy.url`: the ini parser would read the `%`
    # of URL-encoded options (`options=-csearch_path%3D...`) as interpolation.
    config.attributes["database_url"] = database_url
    # The process keeps its own logging (alembic.ini's is for the alembic command line).
    config.attributes["configure_logger"] = False
    return config


def _url(database_url: Optional[str]) -> str:
    if database_url:
        return database_url
    from bot.settings import get_settings

    return get_settings().database_url


def _display(database_url: str) -> str:
    return make_url(database_url).render_as_string(hide_password=True)


def head_revision() -> str:
    head = ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head()
    if head is None:
        raise MigrationError("no migration scripts found in migrations/versions")
    return head


def _inspect(database_url: str) -> tuple[Optional[str], List[str], List[Any]]:
    """(current revision, CRM tables present, differences from the models)."""
    engine = migration_engine(database_url)
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(
                connection, opts={"include_object": include_object, "compare_type": True}
            )
            tables = set(inspect(connection).get_table_names())
            present = sorted(tables & set(Base.metadata.tables))
            return context.get_current_revision(), present, compare_metadata(context, Base.metadata)
    except (OperationalError, InterfaceError) as error:
        raise CrmUnavailable(f"{_display(database_url)}: {error.orig or error}") from error
    finally:
        engine.dispose()


def current_revision(database_url: Optional[str] = None) -> Optional[str]:
    """The revision the database is at, None before the first migration."""
    return _inspect(_url(database_url))[0]


def schema_differences(database_url: Optional[str] = None) -> List[Any]:
    """Alembic's autogenerate differences between the database and the models ([] when equal).

    Autogenerate does not compare CHECK constraints or partial-index predicates; the
    migration tests compare those separately.
    """
    return _inspect(_url(database_url))[2]


def _run(database_url: str, action: str, revision: str) -> MigrationResult:
    before = current_revision(database_url)
    try:
        getattr(command, action)(alembic_config(database_url), revision)
    except (OperationalError, InterfaceError) as error:
        raise CrmUnavailable(f"{_display(database_url)}: {error.orig or error}") from error
    result = MigrationResult(_display(database_url), before, current_revision(database_url))
    logger.info(result.describe())
    return result


def upgrade(database_url: Optional[str] = None, revision: str = "head") -> MigrationResult:
    """Migrate the CRM database (default `CRM_DATABASE_URL`) up to `revision`.

    Safe to run again and from several processes at once (PostgreSQL takes a lock;
    the second finds nothing to do). A database made by `create_all` is refused with
    `UnversionedSchema` instead of failing half-way on "table already exists": stamp it.
    """
    url = _url(database_url)
    before, present, _ = _inspect(url)
    if before is None and present:
        raise UnversionedSchema(
            f"{_display(url)} has CRM tables ({', '.join(present[:3])}, ...) but no migration history: "
            "it was made by `create_schema()`. Record that it is current with "
            "`python -m bot crm migrate --stamp` (checks the tables first) or "
            "`alembic -c alembic.ini -x url=<URL> stamp head` (checks nothing); see docs/DEPLOYMENT.md."
        )
    return _run(url, "upgrade", revision)


def downgrade(database_url: Optional[str], revision: str) -> MigrationResult:
    """Migrate down to `revision` ("base" removes every CRM table: all data is lost)."""
    return _run(_url(database_url), "downgrade", revision)


def stamp(database_url: Optional[str] = None, revision: str = "head") -> MigrationResult:
    """Record that an existing database is at `revision` without changing its tables.

    For head, the tables are compared with the models first; a database missing a
    table or column is refused (`SchemaMismatch`): run `create_schema()` (`python -m
    bot crm init`) or fix it, then stamp.
    """
    url = _url(database_url)
    if revision in ("head", head_revision()):
        differences = schema_differences(url)
        if differences:
            raise SchemaMismatch(
                f"{_display(url)} is not at head; it would need: "
                + ", ".join(describe_difference(difference) for difference in differences),
                differences,
            )
    return _run(url, "stamp", revision)
