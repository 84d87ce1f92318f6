"""Engines and sessions, and turning database failures into :class:`StoreError` messages.

SQLite connections get ``foreign_keys=ON``, WAL journalling, a busy timeout, and SQLAlchemy's
documented pysqlite workaround (the driver's own transaction handling is switched off and
``BEGIN`` is emitted by SQLAlchemy) so that DDL is transactional and SAVEPOINTs work. Every
transaction starts with ``BEGIN IMMEDIATE``: it takes the write lock up front, so two writers
queue on the busy timeout instead of one failing at once with "database is locked" when a
read-then-write transaction tries to upgrade its lock (a deferred ``BEGIN`` cannot wait there).
WAL keeps readers running while one writer holds the lock. A database file (or folder) that
cannot be written is opened read-only (``mode=ro``, plain ``BEGIN``), so listings still work on a
read-only data directory. Every URL shown to a user is redacted.
"""

from __future__ import annotations

import functools
import json
import os
import sqlite3
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy import exc as sa_exc
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import StaticPool

from fundsvc.errors import StoreError
from fundsvc.settings import Settings, normalise_database_url, redact_url, url_password

SQLITE_BUSY_TIMEOUT_MS = 30_000
PG_CONNECT_TIMEOUT_S = 10
UPGRADE_HINT = "run `fundsvc db upgrade`"
URL_EXAMPLES = "use sqlite:///path/to/file.sqlite or postgresql+psycopg://user:password@host/db"

# JSON must be portable: PostgreSQL rejects NaN/Infinity, so refuse them everywhere.
json_dumps = functools.partial(json.dumps, allow_nan=False, ensure_ascii=False,
                               separators=(",", ":"))


def ensure_json(value: Any, what: str) -> Any:
    """Return ``value`` if it serialises as portable JSON; :class:`StoreError` otherwise."""
    try:
        json_dumps(value)
    except (TypeError, ValueError) as exc:
        raise StoreError(f"{what} cannot be stored as JSON: {exc}") from None
    return value


def _is_sqlite_memory(url: sa.URL) -> bool:
    return url.get_backend_name() == "sqlite" and url.database in (None, "", ":memory:")


def make_engine(target: Settings | str) -> Engine:
    """Create an engine for the settings' database (or a URL).

    Parameters
    ----------
    target : Settings or str
        Settings (their :meth:`~Settings.resolved_database_url` is used) or a SQLAlchemy URL.

    Returns
    -------
    sqlalchemy.engine.Engine
        Not yet connected.

    Raises
    ------
    StoreError
        The URL cannot be parsed, names an unknown database, or its driver is not installed.
    """
    raw = target.resolved_database_url() if isinstance(target, Settings) else \
        normalise_database_url(target)
    shown = redact_url(raw)
    try:
        url = sa.make_url(raw)
        kwargs: dict[str, Any] = {"json_serializer": json_dumps}
        backend = url.get_backend_name()
        read_only = False
        if backend == "sqlite":
            if _is_sqlite_memory(url):
                kwargs |= {"poolclass": StaticPool,
                           "connect_args": {"check_same_thread": False}}
            elif _sqlite_read_only(Path(url.database)):
                read_only = True
                db_file = Path(url.database).resolve()
                # a folder that cannot be written cannot hold the WAL index either: immutable
                flags = "mode=ro" + ("" if os.access(db_file.parent, os.W_OK) else "&immutable=1")
                uri = f"file:{db_file.as_posix()}?{flags}"
                kwargs["creator"] = lambda: sqlite3.connect(uri, uri=True,
                                                            check_same_thread=False)
        elif backend == "postgresql":
            kwargs["pool_pre_ping"] = True
            if "connect_timeout" not in url.query:
                kwargs["connect_args"] = {"connect_timeout": PG_CONNECT_TIMEOUT_S}
        engine = sa.create_engine(url, **kwargs)
    except (sa_exc.NoSuchModuleError, ImportError) as exc:
        raise StoreError(f"unsupported database URL {shown}: {_first_line(exc, raw)} "
                         f"({URL_EXAMPLES})") from None
    except sa_exc.ArgumentError:
        # Not echoed: in a URL that does not parse, the password cannot be told apart.
        raise StoreError(f"invalid database URL (it could not be parsed; {URL_EXAMPLES}); "
                         "check FUNDSVC_DATABASE_URL or --database-url") from None
    if engine.dialect.name == "sqlite":
        _install_sqlite_hooks(engine, memory=_is_sqlite_memory(url), read_only=read_only)
    return engine


def _sqlite_read_only(path: Path) -> bool:
    """True if an existing SQLite file, or its folder, cannot be written by this process
    (read-only mount, permissions): then it is opened ``mode=ro``."""
    if not path.exists():
        return False
    return not (os.access(path, os.W_OK) and os.access(path.parent, os.W_OK))


def is_read_only(engine: Engine) -> bool:
    """Whether ``engine`` was opened read-only (a SQLite file that cannot be written)."""
    return bool(getattr(engine, "fundsvc_read_only", False))


def _install_sqlite_hooks(engine: Engine, memory: bool, read_only: bool = False) -> None:
    engine.fundsvc_read_only = read_only  # type: ignore[attr-defined]
    begin = "BEGIN" if read_only else "BEGIN IMMEDIATE"

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # SQLAlchemy emits BEGIN itself (below)
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
            if not memory and not read_only:
                cursor.execute("PRAGMA journal_mode=WAL")
                cursor.execute("PRAGMA synchronous=NORMAL")
        finally:
            cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: sa.Connection) -> None:
        options = connection.get_execution_options()
        if options.get(SINGLE_READ_OPTION, False):
            return  # one SELECT: SQLite runs it in its own implicit read transaction
        connection.exec_driver_sql("BEGIN" if options.get(READ_ONLY_OPTION, False) else begin)


def session_factory(bind: Engine | sa.Connection, **kwargs: Any) -> sessionmaker[Session]:
    """A ``sessionmaker`` whose sessions keep loaded values after commit.

    Extra keyword arguments go to :class:`sqlalchemy.orm.sessionmaker` (tests pass
    ``join_transaction_mode="create_savepoint"`` with a connection).
    """
    return sessionmaker(bind=bind, expire_on_commit=False, **kwargs)


def check_connection(engine: Engine, retry_seconds: float = 0.0) -> None:
    """Open one connection and run ``SELECT 1``; raise :class:`StoreError` if that fails
    (after retrying a refused connection for ``retry_seconds``, see :func:`with_retry`)."""
    def probe() -> None:
        with engine.connect() as connection:
            connection.exec_driver_sql("SELECT 1")

    try:
        with_retry(probe, engine, retry_seconds)
    except sa_exc.DBAPIError as exc:
        raise translate_error(exc, engine) from None


RETRY_FIRST_DELAY_S = 0.25
READ_ONLY_OPTION = "fundsvc_read_only"
"""Execution option marking a transaction that only reads (SQLite: deferred ``BEGIN``)."""
SINGLE_READ_OPTION = "fundsvc_single_read"
"""Execution option of a connection that runs one SELECT and nothing else (SQLite: no ``BEGIN`` at
all; the statement is atomic on its own). Used for the per-request token and session lookup."""


def is_connection_failure(exc: BaseException, engine: Engine | sa.Connection) -> bool:
    """True for a lost or refused database connection (worth retrying), not for a bad query."""
    if not isinstance(exc, sa_exc.DBAPIError):
        return False
    if exc.connection_invalidated:
        return True
    reason = f"{_first_line(exc)} {type(getattr(exc, 'orig', exc)).__name__}".lower()
    return isinstance(exc, sa_exc.OperationalError) and _looks_like_connect_failure(reason) \
        and "is not a database" not in reason and "unable to open database" not in reason


def with_retry(action, engine: Engine | sa.Connection, retry_seconds: float):
    """Call ``action()``; while it fails with a connection failure, wait (0.25 s, doubling, at
    most 4 s) and try again until ``retry_seconds`` have passed, then re-raise the last error.

    Only for actions that are safe to repeat (connecting, a whole transaction that rolled back).
    """
    import time

    deadline = time.monotonic() + retry_seconds
    delay = RETRY_FIRST_DELAY_S
    while True:
        try:
            return action()
        except sa_exc.DBAPIError as exc:
            left = deadline - time.monotonic()
            if left <= 0 or not is_connection_failure(exc, engine):
                raise
            time.sleep(min(delay, left))
            delay = min(delay * 2, 4.0)


def engine_url(engine: Engine | sa.Connection) -> str:
    """The full URL of an engine (password included: never print it, use :func:`redact_url`)."""
    engine = engine.engine if isinstance(engine, sa.Connection) else engine
    return engine.url.render_as_string(hide_password=False)


def _first_line(exc: BaseException, url: str | None = None) -> str:
    orig = getattr(exc, "orig", None)
    text = str(orig if orig is not None else exc).strip()
    line = text.splitlines()[0] if text else type(exc).__name__
    password = url_password(url) if url else None
    if password:
        line = line.replace(password, "***")
    return line


_MISSING_TABLE_MARKERS = ("no such table", "does not exist", "undefinedtable")


def translate_error(exc: sa_exc.SQLAlchemyError, engine: Engine | sa.Connection) -> StoreError:
    """Turn a SQLAlchemy/driver error into a :class:`StoreError` with a redacted URL.

    Parameters
    ----------
    exc : sqlalchemy.exc.SQLAlchemyError
        The error raised by SQLAlchemy.
    engine : Engine or Connection
        Where it happened (for the URL in the message).

    Returns
    -------
    StoreError
        Message forms: ``cannot connect to the database at URL: reason``, ``the database at URL
        is not set up for fundsvc ...; run `fundsvc db upgrade```, ``database error at URL:
        reason``.
    """
    url = engine_url(engine)
    shown = redact_url(url)
    reason = _first_line(exc, url)
    lowered = f"{reason} {type(getattr(exc, 'orig', exc)).__name__}".lower()
    if isinstance(exc, sa_exc.DBAPIError) and exc.connection_invalidated or (
            isinstance(exc, sa_exc.OperationalError) and _looks_like_connect_failure(lowered)):
        return StoreError(f"cannot connect to the database at {shown}: {reason}")
    if any(marker in lowered for marker in _MISSING_TABLE_MARKERS) and (
            "table" in lowered or "relation" in lowered):
        return StoreError(f"the database at {shown} is not set up for fundsvc or is out of date "
                          f"({reason}); {UPGRADE_HINT}")
    if isinstance(exc, sa_exc.IntegrityError):
        return StoreError(f"the database at {shown} rejected the write: {reason}")
    return StoreError(f"database error at {shown}: {reason}")


def _looks_like_connect_failure(lowered: str) -> bool:
    markers = ("connect", "unable to open database", "could not translate host",
               "authentication failed", "password", "no route", "timeout expired",
               "is not a database", "server closed")
    return any(marker in lowered for marker in markers)
