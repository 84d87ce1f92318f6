"""Alembic migrations: empty -> head on every backend, models == migrations, packaging."""

from __future__ import annotations

import fnmatch
import tomllib
from pathlib import Path

import pytest
import sqlalchemy as sa

from fundsvc.errors import StoreError
from fundsvc.settings import get_settings
from fundsvc.store import Store, migrate
from fundsvc.store.engine import make_engine
from fundsvc.store.tables import Base

REPO = Path(__file__).resolve().parents[2]
EXPECTED_TABLES = {"scenarios", "loan_books", "runs", "run_tables", "run_artifacts",
                   "actuals_imports", "actual_cash_flows", "assessments", "run_facts", "stress_results",
                   # sign-in, tenancy and audit (migration 0004_auth)
                   "users", "api_tokens", "auth_sessions", "run_owners", "audit_log",
                   # uploaded loan tapes and their owners (migration 0007_loan_tapes)
                   "loan_tapes"}


@pytest.fixture
def engine(empty_database_url: str):
    engine = make_engine(empty_database_url)
    yield engine
    engine.dispose()


def table_names(engine: sa.Engine) -> set[str]:
    return set(sa.inspect(engine).get_table_names())


def test_models_define_the_expected_tables() -> None:
    assert set(Base.metadata.tables) == EXPECTED_TABLES


def test_upgrade_from_empty_to_head(engine: sa.Engine, db_backend: str) -> None:
    assert engine.dialect.name == db_backend
    assert migrate.current_revision(engine) is None
    assert table_names(engine) == set()
    assert migrate.upgrade(engine) == migrate.head_revision()
    assert table_names(engine) == EXPECTED_TABLES | {"alembic_version"}
    assert migrate.upgrade(engine) == migrate.head_revision()  # repeating is a no-op


def test_migrations_match_the_models(engine: sa.Engine) -> None:
    """`alembic check`: autogenerate finds nothing to add, drop or alter."""
    migrate.upgrade(engine)
    assert migrate.schema_diff(engine) == []


def test_schema_diff_notices_a_drifted_schema(engine: sa.Engine) -> None:
    """Control for the test above: a schema that differs from the models is reported."""
    migrate.upgrade(engine)
    with engine.begin() as connection:
        connection.exec_driver_sql("DROP INDEX ix_runs_status")
        connection.exec_driver_sql("ALTER TABLE scenarios ADD COLUMN stray INTEGER")
    diff = [entry[0] if isinstance(entry, tuple) else entry[0][0]
            for entry in migrate.schema_diff(engine)]
    assert sorted(diff) == ["add_index", "remove_column"]


def test_downgrade_to_base_and_back(engine: sa.Engine) -> None:
    migrate.upgrade(engine)
    assert migrate.downgrade(engine, "base") is None
    assert table_names(engine) <= {"alembic_version"}
    migrate.upgrade(engine)
    assert table_names(engine) == EXPECTED_TABLES | {"alembic_version"}


def test_store_refuses_an_unmigrated_database(empty_database_url: str, tmp_path: Path) -> None:
    settings = get_settings(data_dir=tmp_path / "d", database_url=empty_database_url)
    with pytest.raises(StoreError, match=r"not initialised for fundsvc; run `fundsvc db upgrade`"):
        Store.open(settings)
    with Store.open(settings, upgrade=True) as store:
        assert store.current_revision() == store.head_revision()
    Store.open(settings).close()  # now accepted


def test_store_refuses_an_unknown_revision(fresh_store: Store) -> None:
    with fresh_store.engine.begin() as connection:
        connection.exec_driver_sql("UPDATE alembic_version SET version_num = 'ffff9999'")
    with pytest.raises(StoreError, match="revision ffff9999, which this version of fundsvc "
                                         "does not know"):
        Store.open(fresh_store.settings)


def test_missing_tables_give_an_upgrade_hint(fresh_store: Store) -> None:
    with fresh_store.engine.begin() as connection:
        for table in ("run_owners", "run_tables", "run_artifacts", "assessments", "run_facts", "stress_results", "runs"):
            connection.exec_driver_sql(f"DROP TABLE {table}")
    with pytest.raises(StoreError, match=r"not set up for fundsvc or is out of date .*"
                                         r"run `fundsvc db upgrade`") as info:
        fresh_store.runs.list()
    assert "Traceback" not in str(info.value)


def test_migrations_ship_with_the_package() -> None:
    """Every file Alembic needs at run time matches pyproject's package-data patterns."""
    pyproject = tomllib.loads((REPO / "pyproject.toml").read_text())
    patterns = pyproject["tool"]["setuptools"]["package-data"]["fundsvc.store"]
    store_dir = REPO / "fundsvc" / "store"
    needed = [p.relative_to(store_dir).as_posix()
              for p in (store_dir / "migrations").rglob("*.py") if "__pycache__" not in p.parts]
    assert "migrations/env.py" in needed
    assert any(n.startswith("migrations/versions/") for n in needed)
    unmatched = [n for n in needed if not any(fnmatch.fnmatch(n, pat) for pat in patterns)]
    assert unmatched == []
    assert migrate.MIGRATIONS_DIR == store_dir / "migrations"
