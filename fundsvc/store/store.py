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
from fundsvc.store.stress_results import StressResultRepository
from fundsvc.store.engine import check_connection, make_engine, session_factory, translate_error
from fundsvc.store.loan_books import LoanBookRepository
from fundsvc.store.runs import RunRepository
from fundsvc.store.scenarios import ScenarioRepository


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
             require_current: bool = True) -> Store:
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
            check_connection(engine)
            if upgrade:
                migrate.upgrade(engine)
            elif require_current:
                migrate.check_current(engine, settings.redacted_url())
        except BaseException:
            engine.dispose()
            raise
        return cls(settings, engine)

    @property
    def data_dir(self) -> Path:
        """Absolute data directory (Parquet files live below it)."""
        return self.settings.data_dir

    @property
    def url(self) -> str:
        """The database URL with the password masked (safe to print)."""
        return self.settings.redacted_url()

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A session in a transaction: committed on exit, rolled back on any exception.

        Raises
        ------
        StoreError
            The database failed (connection lost, constraint violated, tables missing).
        """
        session = self._sessions()
        try:
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
    def runs(self) -> RunRepository:
        return RunRepository(self)

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


def _quiet_rollback(session: Session) -> None:
    try:
        session.rollback()
    except sa_exc.SQLAlchemyError:  # connection already gone; nothing to undo
        pass
