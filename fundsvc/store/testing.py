"""pytest fixtures for code that uses the store, on SQLite and on a real PostgreSQL.

Load as a plugin from the top-level ``tests/conftest.py``::

    pytest_plugins = ["fundsvc.store.testing"]

(it lives in the package, not in ``tests/``, so it imports under ``--import-mode=importlib``
without path tricks). Imported only by tests; needs pytest.

Backends: ``sqlite`` always; ``postgresql`` (marked ``postgres``) when
``FUNDSVC_TEST_DATABASE_URL`` points at a server (``eval "$(.ci/pg.sh start)"``), otherwise
skipped with that hint. On PostgreSQL every database here is a schema of its own
(``fundsvc_test_<random>``, selected through ``search_path`` in the URL) that is dropped
afterwards, so tests never see each other's rows and never touch ``public``.

Fixtures
--------
db_backend
    ``"sqlite"`` / ``"postgresql"`` (parametrises the test).
empty_database_url
    A fresh, empty (unmigrated) database of that backend.
fresh_store
    :class:`Store` on a fresh migrated database whose commits are real (for atomicity,
    concurrency and migration tests). Data directory: ``tmp_path / "data"``.
store
    :class:`Store` on a per-session migrated database, inside an outer transaction that is
    rolled back after the test (repository commits become SAVEPOINT releases) -- fast
    isolation in the style of Netflix Dispatch's test suite. Files go to ``tmp_path``.
"""

from __future__ import annotations

import os
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import sqlalchemy as sa

from fundsvc.settings import get_settings
from fundsvc.store import migrate
from fundsvc.store.engine import make_engine, session_factory
from fundsvc.store.store import Store

TEST_URL_ENV = "FUNDSVC_TEST_DATABASE_URL"
SKIP_REASON = (f"{TEST_URL_ENV} is not set; start a throw-away PostgreSQL with "
               "`eval \"$(.ci/pg.sh start)\"` to run the postgres tests")
BACKENDS = (
    pytest.param("sqlite", id="sqlite"),
    pytest.param("postgresql", id="postgresql", marks=pytest.mark.postgres),
)


def postgres_url() -> str:
    """The test server's URL, or skip the test."""
    url = os.environ.get(TEST_URL_ENV, "").strip()
    if not url:
        pytest.skip(SKIP_REASON)
    return url


@contextmanager
def scratch_database(backend: str, directory: Path) -> Iterator[str]:
    """A fresh empty database; yields its URL and removes it afterwards.

    Parameters
    ----------
    backend : {"sqlite", "postgresql"}
        Which kind.
    directory : Path
        Where the SQLite file goes (unused for PostgreSQL).
    """
    if backend == "sqlite":
        yield f"sqlite:///{(directory / f'test-{uuid.uuid4().hex[:8]}.sqlite').as_posix()}"
        return
    if backend != "postgresql":  # pragma: no cover
        raise ValueError(backend)
    base = sa.make_url(get_settings(database_url=postgres_url()).resolved_database_url())
    schema = f"fundsvc_test_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(base, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
        url = base.update_query_dict({"options": f"-csearch_path={schema}"})
        yield url.render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.exec_driver_sql(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
        admin.dispose()


@pytest.fixture(params=BACKENDS)
def db_backend(request: pytest.FixtureRequest) -> str:
    """Backend name; the PostgreSQL variant is skipped when no test server is configured."""
    if request.param == "postgresql":
        postgres_url()
    return request.param


@pytest.fixture
def empty_database_url(db_backend: str, tmp_path: Path) -> Iterator[str]:
    """URL of a fresh, empty (not migrated) database of ``db_backend``."""
    with scratch_database(db_backend, tmp_path) as url:
        yield url


@pytest.fixture
def fresh_store(empty_database_url: str, tmp_path: Path) -> Iterator[Store]:
    """A :class:`Store` on a fresh, migrated database; commits are real."""
    settings = get_settings(data_dir=tmp_path / "data", database_url=empty_database_url)
    store = Store.open(settings, upgrade=True)
    try:
        yield store
    finally:
        store.close()


@pytest.fixture(scope="session", params=BACKENDS)
def migrated_engine(request: pytest.FixtureRequest,
                    tmp_path_factory: pytest.TempPathFactory) -> Iterator[sa.Engine]:
    """An engine on a database migrated once per test session (per backend)."""
    if request.param == "postgresql":
        postgres_url()
    with scratch_database(request.param, tmp_path_factory.mktemp("db")) as url:
        engine = make_engine(url)
        migrate.upgrade(engine)
        try:
            yield engine
        finally:
            engine.dispose()


class SharedConnectionStore(Store):
    """A :class:`Store` whose sessions all run on one connection (inside the test's outer
    transaction), one session at a time.

    One database connection must never be used by two threads at once: a run's watch thread
    (heartbeat, cancel polling) and the thread running the run would otherwise interleave their
    SAVEPOINTs on it (PostgreSQL then reports ``savepoint "sa_savepoint_N" does not exist`` and
    the connection is left unusable). A production :class:`Store` has a pool, one connection per
    session, and needs no lock.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._lock = threading.RLock()

    @contextmanager
    def session(self, *, read_only: bool = False):
        with self._lock, super().session(read_only=read_only) as session:
            yield session


@pytest.fixture
def store(migrated_engine: sa.Engine, tmp_path: Path) -> Iterator[Store]:
    """A :class:`Store` whose every write is rolled back after the test (sessions serialised on
    the one shared connection, see :class:`SharedConnectionStore`)."""
    url = migrated_engine.url.render_as_string(hide_password=False)
    settings = get_settings(data_dir=tmp_path / "data", database_url=url)
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    connection = migrated_engine.connect()
    outer = connection.begin()
    sessions = session_factory(connection, join_transaction_mode="create_savepoint")
    try:
        yield SharedConnectionStore(settings, migrated_engine, sessions)
    finally:
        outer.rollback()
        connection.close()


SNAPSHOT_TABLES = ("scenarios", "loan_books", "runs", "run_tables", "run_artifacts", "actuals_imports",
                   "actual_cash_flows", "assessments")


def store_snapshot(data_dir) -> tuple:
    """What a data directory holds: row counts of every table of its SQLite file and every other
    file (relative name, size) -- equal before and after means "nothing was written"."""
    from pathlib import Path

    data = Path(data_dir)
    db = data / "fundsvc.sqlite"
    counts: tuple = ()
    if db.exists():
        engine = sa.create_engine(f"sqlite:///{db}")
        try:
            with engine.connect() as c:
                names = set(sa.inspect(c).get_table_names())
                counts = tuple(c.exec_driver_sql(f"SELECT COUNT(*) FROM {t}").scalar() if t in names else None
                               for t in SNAPSHOT_TABLES)
        finally:
            engine.dispose()
    files = tuple(sorted((str(p.relative_to(data)), p.stat().st_size) for p in data.rglob("*")
                         if p.is_file() and not p.name.startswith("fundsvc.sqlite")))
    return counts, files
