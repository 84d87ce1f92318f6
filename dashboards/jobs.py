"""Runs started from the dashboards: a background thread per run, progress kept in memory.

The Runs page polls :meth:`RunJobs.status` with a ``dcc.Interval``. One job at a time (a second
start while one runs is refused), so a browser cannot queue unbounded work on the server.
"""

from __future__ import annotations

import hashlib
import threading
import uuid
from dataclasses import dataclass, field, replace
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
    """Background simulation jobs of one app (state lives in the app, not in the module)."""

    data: object  # DashboardData
    _jobs: dict[str, JobState] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def active(self) -> JobState | None:
        with self._lock:
            return next((j for j in self._jobs.values() if j.status == "running"), None)

    def status(self, job_id: str | None) -> JobState | None:
        with self._lock:
            return self._jobs.get(job_id) if job_id else None

    def _set(self, job_id: str, **changes) -> None:
        with self._lock:
            self._jobs[job_id] = replace(self._jobs[job_id], **changes)

    def start(self, loaded: LoadedScenario, *, paths: int, seed: int | None = None) -> JobState:
        """Start simulating ``loaded`` with ``paths`` paths in a daemon thread; return its state.

        Raises
        ------
        RuntimeError
            Another job is still running.
        """
        from fundsvc.simulation.service import simulate_and_store

        job_id = uuid.uuid4().hex[:12]
        with self._lock:
            if any(j.status == "running" for j in self._jobs.values()):
                raise RuntimeError("a run is already in progress")
            self._jobs[job_id] = JobState(job_id, loaded.scenario.name)

        def work() -> None:
            try:
                stored = simulate_and_store(
                    self.data.store, loaded, paths=paths, seed=seed, label="dashboard",
                    progress=lambda done, total: self._set(job_id, done=done, total=total), depletion_target=0.05)
                self._set(job_id, status="succeeded", run_id=stored.run_id)
            except Exception as exc:
                self._set(job_id, status="failed", error=f"{type(exc).__name__}: {exc}")

        threading.Thread(target=work, name=f"fundsvc-run-{job_id}", daemon=True).start()
        return self.status(job_id)
