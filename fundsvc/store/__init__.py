"""Persistence of fundsvc: SQLAlchemy tables, Alembic migrations, repositories, Parquet files.

Usage::

    from fundsvc.settings import get_settings
    from fundsvc.store import Store

    with Store.open(get_settings()) as store:
        scenario = store.scenarios.add("base", text, source_path="base.toml")
        run_id = store.runs.create(scenario.id, seed=42, n_paths=100_000)
        store.runs.mark_running(run_id)
        store.runs.complete(run_id, tables={...}, arrays={...}, timings={...})

SQLite (``<data_dir>/fundsvc.sqlite``) by default, PostgreSQL when ``FUNDSVC_DATABASE_URL``
says so. Nothing is connected or created at import time.
"""

from fundsvc.store.records import (
    ActualsImportRecord,
    ArtifactInfo,
    AssessmentRecord,
    LoanBookRecord,
    RunRecord,
    ScenarioRecord,
    TableInfo,
)
from fundsvc.store.store import Store
from fundsvc.store.tables import RunStatus

__all__ = [
    "ActualsImportRecord", "ArtifactInfo", "AssessmentRecord", "LoanBookRecord", "RunRecord",
    "RunStatus", "ScenarioRecord", "Store", "TableInfo",
]
