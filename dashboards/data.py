"""Thin service layer between the dashboards and :mod:`fundsvc.store`.

Loads a stored run's summary tables (small JSON tables in the database) and, where a page needs
path-level data, its Parquet arrays — each once per run id (a run's results never change after
it succeeded, so the cache needs no invalidation). The scenario of a run is the resolved scenario
stored with it (:func:`fundsvc.assessment.facts.scenario_for_run`, the assessment's rule; files are
never re-opened by path); for an old run whose text references other files it is ``None`` and
pages say what they cannot show.

Who sees what is not decided here: every run, table and array is checked and filtered for the
caller (``principal_of()``, the signed-in user of the current request) by
:class:`fundsvc.service.reader.RunReader` and :func:`fundsvc.service.policy.filter_table` — the
same code the REST API uses. The cache holds unfiltered frames; filtering happens on every read.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import polars as pl

from fundsvc.auth.roles import LOCAL_BUREAU, Principal
from fundsvc.errors import FundsvcError
from fundsvc.service.reader import RunReader
from fundsvc.store import RunRecord, RunStatus, Store

__all__ = ["DashboardData", "RunTables"]


@dataclass
class RunTables:
    """Everything a page may need about one run, loaded lazily and kept."""

    record: RunRecord
    tables: dict[str, pl.DataFrame] = field(default_factory=dict)
    arrays: dict[str, pl.DataFrame] = field(default_factory=dict)
    scenario: Any = None
    scenario_loaded: bool = False


class DashboardData:
    """Read-side access to the store for the dashboards, cached per run id.

    Parameters
    ----------
    store_factory : callable returning a Store
        Called once, on first use (no database is opened when the app is created).
    """

    def __init__(self, store_factory: Callable[[], Store], principal_of: Callable[[], Principal] | None = None):
        self._factory = store_factory
        self._store: Store | None = None
        self._lock = threading.RLock()
        self._runs: dict[int, RunTables] = {}
        self._principal_of = principal_of if principal_of is not None else (lambda: LOCAL_BUREAU)
        self._reader: RunReader | None = None

    @property
    def principal(self) -> Principal:
        """The caller of the current request (the local user for a bare, single-user app)."""
        return self._principal_of()

    @property
    def reader(self) -> RunReader:
        with self._lock:
            if self._reader is None:
                self._reader = RunReader(self.store)
            return self._reader

    @property
    def store(self) -> Store:
        with self._lock:
            if self._store is None:
                self._store = self._factory()
            return self._store

    # ------------------------------------------------------------------ runs
    def runs(self, limit: int | None = 200) -> list[RunRecord]:
        """The runs the caller may see, newest first, except the what-if reruns (they belong to
        the what-if panel)."""
        from dashboards.whatif import WHATIF_OWNER

        runs = [r for r in self.store.runs.list(limit=limit) if r.owner != WHATIF_OWNER]
        return self.reader.visible(self.principal, runs)

    def succeeded_runs(self) -> list[RunRecord]:
        return [r for r in self.runs() if r.status == RunStatus.SUCCEEDED]

    def latest_run_id(self) -> int | None:
        runs = self.succeeded_runs()
        return runs[0].id if runs else None

    def _entry(self, run_id: int) -> RunTables:
        with self._lock:
            entry = self._runs.get(run_id)
            if entry is None:
                entry = RunTables(self.store.runs.get(run_id))
                if entry.record.status == RunStatus.SUCCEEDED:
                    self._runs[run_id] = entry
            return entry

    def _visible(self, run_id) -> RunRecord:
        """The run if the caller may see it; :class:`NotFoundError` (``no run N``) otherwise."""
        return self.reader.record(self.principal, run_id)

    def record(self, run_id: int) -> RunRecord:
        self._visible(run_id)
        return self._entry(run_id).record

    def raw_record(self, run_id: int) -> RunRecord:
        """Unchecked: for background work whose results reach users only through checked callbacks."""
        return self._entry(run_id).record

    def table(self, run_id: int, name: str) -> pl.DataFrame:
        """A stored summary table, only the rows the caller may see (empty frame if absent)."""
        rec = self._visible(run_id)
        return self.reader.filter(self.principal, rec, name, self.raw_table(run_id, name))

    def raw_table(self, run_id: int, name: str) -> pl.DataFrame:
        entry = self._entry(run_id)
        with self._lock:
            if name not in entry.tables:
                names = {info.name for info in self.store.runs.tables(run_id)}
                entry.tables[name] = self.store.runs.load_table(run_id, name) if name in names else pl.DataFrame()
            return entry.tables[name]

    def array(self, run_id: int, name: str) -> pl.DataFrame:
        """A stored path-level array (verified Parquet), only the rows the caller may see."""
        rec = self._visible(run_id)
        return self.reader.filter(self.principal, rec, name, self.raw_array(run_id, name))

    def raw_array(self, run_id: int, name: str) -> pl.DataFrame:
        """Unchecked (cached, unfiltered): for :meth:`array` and the warm-up."""
        entry = self._entry(run_id)
        with self._lock:
            if name not in entry.arrays:
                names = {a.name for a in self.store.runs.artifacts(run_id)}
                entry.arrays[name] = self.store.runs.load_array(run_id, name) if name in names else pl.DataFrame()
            return entry.arrays[name]

    def preload(self, run_id: int, tables=(), arrays=()) -> None:
        """Load ``tables``, ``arrays`` and the scenario of a succeeded run into the cache (the server's
        warm-up, :mod:`dashboards.warm`; unchecked: reads still filter for their caller)."""
        entry = self._entry(run_id)
        if entry.record.status != RunStatus.SUCCEEDED:
            return
        for name in tables:
            self.raw_table(run_id, name)
        for name in arrays:
            self.raw_array(run_id, name)
        self.raw_scenario(run_id)

    def scenario(self, run_id: int):
        """The run's :class:`models.Scenario` (its stored resolved scenario; the same rule as the
        assessment, :func:`fundsvc.assessment.facts.scenario_for_run`), or ``None``.

        Pages use it for aggregates (pools, tolerance, names); loan- and sub-fund-level rows
        reach users only through :meth:`table` / :meth:`array`.
        """
        self._visible(run_id)
        return self.raw_scenario(run_id)

    def raw_scenario(self, run_id: int):
        entry = self._entry(run_id)
        with self._lock:
            if not entry.scenario_loaded:
                entry.scenario = self._load_scenario(run_id)
                entry.scenario_loaded = True
            return entry.scenario

    def _load_scenario(self, run_id: int):
        from fundsvc.assessment.facts import scenario_for_run

        try:
            return scenario_for_run(self.store, run_id)
        except FundsvcError:
            return None

    def forget(self, run_id: int) -> None:
        with self._lock:
            self._runs.pop(run_id, None)
