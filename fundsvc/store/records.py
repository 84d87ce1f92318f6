"""Plain, frozen records returned by the repositories (no live database objects leak out)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from fundsvc.store.tables import RunStatus


@dataclass(frozen=True, slots=True)
class ScenarioRecord:
    """A stored scenario (content included)."""

    id: int
    name: str
    source_path: str | None
    content: str
    content_sha256: str
    created_at: dt.datetime


@dataclass(frozen=True, slots=True)
class LoanBookRecord:
    """A stored loan book; ``total_amount_cny`` in CNY, ``parquet_path`` relative to data dir."""

    id: int
    scenario_id: int
    name: str
    source_path: str | None
    content_sha256: str
    n_loans: int
    total_amount_cny: float
    parquet_path: str
    file_sha256: str
    created_at: dt.datetime


@dataclass(frozen=True, slots=True)
class RunRecord:
    """A run and its life cycle; times are aware UTC datetimes, timings in seconds."""

    id: int
    scenario_id: int
    scenario_name: str
    loan_book_id: int | None
    status: RunStatus
    seed: int
    n_paths: int
    chunk_size: int
    executor: str
    code_version: str
    label: str | None
    parameters: dict[str, Any] | None
    artifact_dir: str
    worker: str | None
    created_at: dt.datetime
    started_at: dt.datetime | None
    heartbeat_at: dt.datetime | None
    finished_at: dt.datetime | None
    timings: dict[str, float] | None
    error: str | None
    priority: int = 0
    owner: str | None = None
    queued: bool = False
    """True if the run came through the run queue (a worker executes it)."""
    cancel_requested_at: dt.datetime | None = None
    progress_done: int | None = None
    progress_total: int | None = None

    @property
    def duration(self) -> dt.timedelta | None:
        """Wall-clock time from start to finish (``None`` until both are known)."""
        if self.started_at is None or self.finished_at is None:
            return None
        return self.finished_at - self.started_at


@dataclass(frozen=True, slots=True)
class TableInfo:
    """A stored summary table of a run."""

    name: str
    n_rows: int
    columns: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class ArtifactInfo:
    """A stored Parquet artifact of a run; ``relative_path`` is relative to the data dir."""

    name: str
    relative_path: str
    sha256: str
    n_rows: int
    n_bytes: int


@dataclass(frozen=True, slots=True)
class ActualsImportRecord:
    """One import of realised cash flows."""

    id: int
    scenario_id: int | None
    source_path: str | None
    content_sha256: str
    n_rows: int
    imported_at: dt.datetime


@dataclass(frozen=True, slots=True)
class AssessmentRecord:
    """A stored assessment of a run (content as produced by fundsvc.assessment)."""

    id: int
    run_id: int
    created_at: dt.datetime
    content: dict[str, Any]
