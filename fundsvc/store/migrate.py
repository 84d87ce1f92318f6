"""Alembic migrations, run in code (no ``alembic.ini`` needed at run time).

The revision scripts ship inside the package (``fundsvc/store/migrations``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import exc as sa_exc
from sqlalchemy.engine import Engine

from fundsvc.errors import StoreError
from fundsvc.store.engine import UPGRADE_HINT, translate_error
from fundsvc.store import auth_tables as _auth_tables  # noqa: F401  (registers the auth tables)
from fundsvc.store.tables import Base

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"

def alembic_config() -> Config:
    """An Alembic config pointing at the packaged migrations (no ini file)."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    return config

def head_revision() -> str:
    """The newest revision shipped with this version of fundsvc."""
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    if head is None:  # pragma: no cover - packaging error
        raise StoreError(f"no migrations found in {MIGRATIONS_DIR}")
    return head

def known_revisions() -> set[str]:
    """All revision ids shipped with this version of fundsvc."""
    return {s.revision for s in ScriptDirectory.from_config(alembic_config()).walk_revisions()}

def current_revision(engine: Engine) -> str | None:
    """The revision the database is at, ``None`` for a database never migrated.

    Raises
    ------
    StoreError
        The database cannot be reached.
    """
    try:
        with engine.connect() as connection:
            return MigrationContext.configure(connection).get_current_revision()
    except sa_exc.SQLAlchemyError as exc:
        raise translate_error(exc, engine) from None

def upgrade(engine: Engine, revision: str = "head") -> str | None:
    """Migrate the database to ``revision`` in one transaction; return the revision reached.

    On PostgreSQL and SQLite DDL is transactional: a failed migration leaves the schema as it
    was.
    """
    _run(engine, command.upgrade, revision)
    return current_revision(engine)

def downgrade(engine: Engine, revision: str) -> str | None:
    """Migrate the database down to ``revision`` (``"base"`` drops every table)."""
    _run(engine, command.downgrade, revision)
    return current_revision(engine)

def _run(engine: Engine, action: Any, revision: str) -> None:
    config = alembic_config()
    try:
        with engine.begin() as connection:
            config.attributes["connection"] = connection
            action(config, revision)
    except sa_exc.SQLAlchemyError as exc:
        raise translate_error(exc, engine) from None

def schema_diff(engine: Engine) -> list[Any]:
    """Differences between the tables in :mod:`fundsvc.store.tables` and the live schema.

    Empty when the migrations create exactly what the models describe (``alembic check``).
    """
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return compare_metadata(context, Base.metadata)

def check_current(engine: Engine, shown_url: str) -> str:
    """Raise :class:`StoreError` unless the database is at this code's head revision.

    Returns
    -------
    str
        The (head) revision.
    """
    current = current_revision(engine)
    head = head_revision()
    if current == head:
        return current
    if current is None:
        raise StoreError(f"the database at {shown_url} is not initialised for fundsvc; "
                         f"{UPGRADE_HINT}")
    if current not in known_revisions():
        raise StoreError(f"the database at {shown_url} is at revision {current}, which this "
                         f"version of fundsvc does not know (newer fundsvc?); expected {head}")
    raise StoreError(f"the database at {shown_url} is at revision {current}, this version of "
                     f"fundsvc needs {head}; {UPGRADE_HINT}")
