"""The :class:`Store` facade: one database plus one data directory, and its repositories."""

from __future__ import annotations

import functools
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Self

from sqlalchemy import exc as sa_exc
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from fundsvc.errors import StoreError
from fundsvc.settings import Settings, get_settings
from fundsvc.store import migrate
from fundsvc.store.actuals import ActualsRepository
from fundsvc.store.assessments import AssessmentRepository
from fundsvc.store.engine import (
    READ_ONLY_OPTION,
    check_connection,
    is_read_only,
    make_engine,
    session_factory,
    translate_error,
    with_retry,
)
from fundsvc.store.loan_books import LoanBookRepository
from fundsvc.store.run_facts import RunFactsRepository
from fundsvc.store.runs import RunRepository
from fundsvc.store.scenarios import ScenarioRepository
from fundsvc.store.stress_results import StressResultRepository


class Store:
    """Database and data directory of fundsvc, with one repository per kind of record.

    Build with :meth:`open`. Every repository method runs in its own transaction (commit on
    success, roll back on any error); database failures surface as :class:`StoreError` with
    the URL redacted.

    Parameters
    ----------
    settings : Settings
        Where the data directory and the database are.
    engine : sqlalchemy.engine.Engine
        Engine for ``settings``' database.
    sessions : sessionmaker, optional
        Session factory; by default bound to ``engine``. Tests pass one bound to a connection
        inside an outer transaction so every test rolls back.
    """

    def __init__(self, settings: Settings, engine: Engine,
                 sessions: sessionmaker[Session] | None = None):
        self.settings = settings
        self.engine = engine
        self._sessions = sessions if sessions is not None else session_factory(engine)

    @classmethod
    def open(cls, settings: Settings | None = None, *, upgrade: bool = False,
             require_current: bool = True, recover: bool = False) -> Store:
        """Create the data directory, connect, and check (or bring) the schema up to date.

        Parameters
        ----------
        settings : Settings, optional
            Defaults to :func:`fundsvc.settings.get_settings`.
        upgrade : bool
            Run the migrations to head first.
        require_current : bool
            Raise :class:`StoreError` unless the database is at this code's revision (ignored
            when ``upgrade``). ``fundsvc db upgrade`` opens with ``False``.
        recover : bool
            Fail runs left running by dead processes and delete their leftover files
            (:func:`fundsvc.queue.recovery.recover`); skipped on a read-only database.

        Raises
        ------
        StoreError
            Bad or unreachable URL, unwritable data directory, database not migrated.
        """
        settings = settings if settings is not None else get_settings()
        try:
            settings.data_dir.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StoreError(f"cannot create the data directory {settings.data_dir}: "
                             f"{exc.strerror or exc}") from None
        engine = make_engine(settings)
        try:
            check_connection(engine, settings.db_retry_seconds)
            if upgrade and not is_read_only(engine):
                migrate.upgrade(engine)
            elif require_current or upgrade:
                migrate.check_current(engine, settings.redacted_url())
        except BaseException:
            engine.dispose()
            raise
        store = cls(settings, engine)
        if recover and not is_read_only(engine):
            from fundsvc.queue.recovery import recover as recover_runs

            recover_runs(store)
        return store

    @property
    def read_only(self) -> bool:
        """True if the database was opened read-only (a SQLite file that cannot be written)."""
        return is_read_only(self.engine)

    @property
    def data_dir(self) -> Path:
        """Absolute data directory (Parquet files live below it)."""
        return self.settings.data_dir

    @property
    def url(self) -> str:
        """The database URL with the password masked (safe to print)."""
        return self.settings.redacted_url()

    @contextmanager
    def session(self, *, read_only: bool = False) -> Iterator[Session]:
        """A session in a transaction: committed on exit, rolled back on any exception.

        ``read_only=True`` marks a transaction that only reads: on SQLite it starts with a
        deferred ``BEGIN`` (no write lock, never waits for a writer under WAL) instead of
        ``BEGIN IMMEDIATE``.

        Raises
        ------
        StoreError
            The database failed (connection lost, constraint violated, tables missing).
        """
        session = self._sessions()
        try:
            # Connect first, retrying a database that is down (nothing was done yet, so this
            # is safe to repeat); a failure later in the transaction is not retried.
            with_retry(lambda: _connect(session, read_only), self.engine,
                       self.settings.db_retry_seconds)
            yield session
            session.commit()
        except (sa_exc.DBAPIError, sa_exc.TimeoutError) as exc:
            _quiet_rollback(session)
            raise translate_error(exc, self.engine) from exc
        except BaseException:
            _quiet_rollback(session)
            raise
        finally:
            session.close()

    def upgrade(self, revision: str = "head") -> str | None:
        """Run the migrations up to ``revision``; return the revision reached."""
        return migrate.upgrade(self.engine, revision)

    def current_revision(self) -> str | None:
        """The database's revision (``None`` if never migrated)."""
        return migrate.current_revision(self.engine)

    @staticmethod
    def head_revision() -> str:
        """The newest revision this code ships."""
        return migrate.head_revision()

    @functools.cached_property
    def scenarios(self) -> ScenarioRepository:
        return ScenarioRepository(self)

    @functools.cached_property
    def loan_books(self) -> LoanBookRepository:
        return LoanBookRepository(self)

    @functools.cached_property
    def loan_tapes(self):
        """Loan tapes uploaded through the service (:class:`fundsvc.store.loan_tapes.LoanTapeRepository`)."""
        from fundsvc.store.loan_tapes import LoanTapeRepository

        return LoanTapeRepository(self)

    @functools.cached_property
    def runs(self) -> RunRepository:
        return RunRepository(self)

    @functools.cached_property
    def run_facts(self) -> RunFactsRepository:
        return RunFactsRepository(self)

    @functools.cached_property
    def actuals(self) -> ActualsRepository:
        return ActualsRepository(self)

    @functools.cached_property
    def assessments(self) -> AssessmentRepository:
        return AssessmentRepository(self)

    @functools.cached_property
    def stress_results(self) -> StressResultRepository:
        return StressResultRepository(self)

    def close(self) -> None:
        """Release the engine's connections."""
        self.engine.dispose()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"Store(url={self.url!r}, data_dir={str(self.data_dir)!r})"


def _connect(session: Session, read_only: bool) -> None:
    try:
        session.connection(execution_options={READ_ONLY_OPTION: True} if read_only else None)
    except BaseException:
        _quiet_rollback(session)
        raise


def _quiet_rollback(session: Session) -> None:
    try:
        session.rollback()
    except sa_exc.SQLAlchemyError:  # connection already gone; nothing to undo
        pass
