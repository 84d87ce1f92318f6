"""Runs started from the dashboards, through the persistent run queue; progress from the database.

The Runs page polls :meth:`RunJobs.status` with a ``dcc.Interval``. One page run at a time (a
second start while one is queued or running is refused), so a browser cannot queue unbounded work.
"""

from __future__ import annotations

import hashlib
import threading
from dataclasses import dataclass, field
from pathlib import Path

from fundsvc.inputs.loader import LoadedScenario

__all__ = ["JobState", "RunJobs", "loaded_from_upload"]


@dataclass(frozen=True)
class JobState:
    id: str
    name: str
    done: int = 0
    total: int = 0
    status: str = "running"  # running | succeeded | failed
    run_id: int | None = None
    error: str | None = None

    @property
    def fraction(self) -> float:
        return self.done / self.total if self.total else 0.0


def loaded_from_upload(scenario, raw: bytes, filename: str) -> LoadedScenario:
    """A :class:`LoadedScenario` for a validated, self-contained uploaded scenario.

    The path is a pseudo path ``<upload>/<name>`` (nothing is written to disk); only the base
    name of the uploaded file is kept.
    """
    safe = Path(filename or "scenario.toml").name or "scenario.toml"
    return LoadedScenario(scenario=scenario, path=Path("<upload>") / safe, text=raw.decode("utf-8"),
                          content_sha256=hashlib.sha256(raw).hexdigest(), files=(), loan_book_path=None)


@dataclass
class RunJobs:
    """Runs started from the dashboards go through the persistent run queue (:mod:`fundsvc.queue`).

    A job id is the run id. The queue's workers execute the runs (the pool embedded in this
    process is started on first use, or by ``fundsvc serve`` at start; ``fundsvc worker``
    processes on the same database take part too). One page run at a time per app (a further
    start is refused while one is queued or running), so a browser cannot queue unbounded work.
    """

    data: object  # DashboardData
    owner: str = "dashboard"
    _names: dict[str, str] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _pool: object | None = None

    def ensure_worker(self) -> None:
        """Start the embedded queue worker pool once (a daemon thread of this process)."""
        from fundsvc.queue import start_embedded

        with self._lock:
            if self._pool is None:
                self._pool, _ = start_embedded(self.data.store.settings)

    def stop_worker(self) -> None:
        with self._lock:
            if self._pool is not None:
                self._pool.stop()
                self._pool = None

    def active(self) -> JobState | None:
        from fundsvc.store import RunStatus

        for status in (RunStatus.RUNNING, RunStatus.QUEUED):
            for run in self.data.store.runs.list(limit=20, status=status):
                if run.owner == self.owner:
                    return self._state(run)
        return None

    def status(self, job_id: str | None) -> JobState | None:
        from fundsvc.errors import FundsvcError

        if not job_id or not str(job_id).isdigit():
            return None
        try:
            run = self.data.store.runs.get(int(job_id))
        except FundsvcError:
            return None
        return self._state(run)

    def _state(self, run) -> JobState:
        from fundsvc.store import RunStatus

        status = {RunStatus.QUEUED: "running", RunStatus.RUNNING: "running",
                  RunStatus.SUCCEEDED: "succeeded"}.get(run.status, "failed")
        error = run.error if run.status is not RunStatus.CANCELLED else f"cancelled ({run.error})"
        return JobState(str(run.id), self._names.get(str(run.id), run.scenario_name), run.progress_done or 0,
                        run.progress_total or 0, status, run.id if status == "succeeded" else None,
                        error if status == "failed" else None)

    def start(self, loaded: LoadedScenario, *, paths: int, seed: int | None = None) -> JobState:
        """Queue a run of ``loaded`` with ``paths`` paths and return its state.

        Raises
        ------
        fundsvc.queue.QuotaExceeded
            A run started from the page is still queued or running.
        InputError
            Bad paths or seed (nothing stored).
        """
        from fundsvc.queue import Quota, submit

        run_id = submit(self.data.store, loaded, paths=paths, seed=seed, label="dashboard", owner=self.owner,
                        quota=Quota(max_queued=1), priority=5, depletion_target=0.05)
        self._names[str(run_id)] = loaded.scenario.name
        self.ensure_worker()
        return self.status(str(run_id))
