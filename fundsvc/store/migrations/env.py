"""Alembic environment of the fundsvc store.

Used programmatically by :mod:`fundsvc.store.migrate` (which passes an open connection in
``config.attributes["connection"]``) and by developers through
``alembic -c fundsvc/store/alembic.ini ...`` (URL from ``sqlalchemy.url`` or, if unset, from
``FUNDSVC_DATABASE_URL`` / the default SQLite file).
"""

from __future__ import annotations

from alembic import context
from sqlalchemy.types import TypeDecorator

from fundsvc.store import auth_tables as _auth_tables  # noqa: F401  (registers the auth tables)
from fundsvc.store.tables import Base

# Serialises concurrent `fundsvc db upgrade` runs against one PostgreSQL database.
PG_MIGRATION_LOCK_KEY = 0x66756E64  # "fund"

config = context.config
if config.config_file_name is not None and config.attributes.get("configure_logging", True):
    from logging.config import fileConfig

    fileConfig(config.config_file_name, disable_existing_loggers=False)
target_metadata = Base.metadata


def _render_item(type_: str, obj, autogen_context):
    """Render the store's TypeDecorators as their plain SQLAlchemy type (no app imports)."""
    if type_ == "type" and isinstance(obj, TypeDecorator):
        return f"sa.{obj.impl!r}"
    return False


def _configure(**kwargs) -> None:
    context.configure(target_metadata=target_metadata, compare_type=True,
                      render_item=_render_item, **kwargs)


def _url() -> str:
    url = config.get_main_option("sqlalchemy.url")
    if url:
        return url
    from fundsvc.settings import get_settings

    return get_settings().resolved_database_url()


def run_migrations_offline() -> None:
    """Emit SQL to standard output (``alembic upgrade --sql``)."""
    url = _url()
    _configure(url=url, literal_binds=True, render_as_batch=url.startswith("sqlite"))
    with context.begin_transaction():
        context.run_migrations()


def _run(connection) -> None:
    _configure(connection=connection, render_as_batch=connection.dialect.name == "sqlite")
    with context.begin_transaction():
        if connection.dialect.name == "postgresql":
            connection.exec_driver_sql(f"SELECT pg_advisory_xact_lock({PG_MIGRATION_LOCK_KEY})")
        context.run_migrations()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    from fundsvc.store.engine import make_engine

    engine = make_engine(_url())
    try:
        with engine.begin() as conn:
            _run(conn)
    finally:
        engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
