"""Reading runs and their tables for a principal: run visibility and row filtering in one place.

Used by the REST API and by :class:`dashboards.data.DashboardData`. An invisible run is reported
exactly like a missing one (``no run N``), so ids reveal nothing.
"""

from __future__ import annotations

import threading

import polars as pl

from fundsvc.auth.accounts import Accounts
from fundsvc.auth.roles import Principal, Role
from fundsvc.errors import NotFoundError
from fundsvc.service.policy import Action, bank_pools_of, filter_table, require, run_visible
from fundsvc.store import RunRecord

__all__ = ["RunReader"]


class RunReader:
    """Visibility-checked access to stored runs (``store`` is a :class:`fundsvc.store.Store`)."""

    def __init__(self, store):
        self.store = store
        self.accounts = Accounts(store)
        self._pools: dict[tuple[int, str], list[str] | None] = {}
        self._lock = threading.Lock()

    def owners(self) -> dict[int, tuple[str, str | None]]:
        return self.accounts.run_owners()

    def visible(self, principal: Principal, runs: list[RunRecord]) -> list[RunRecord]:
        owners = self.owners()
        return [r for r in runs if run_visible(principal, owners.get(r.id))]

    def runs(self, principal: Principal, limit: int | None = 200) -> list[RunRecord]:
        require(principal, Action.READ)
        return self.visible(principal, self.store.runs.list(limit=limit))

    def record(self, principal: Principal, run_id: int) -> RunRecord:
        """The run, or :class:`NotFoundError` when it does not exist or is not visible."""
        require(principal, Action.READ)
        try:
            rec = self.store.runs.get(int(run_id))
        except (NotFoundError, ValueError, TypeError, OverflowError):
            raise NotFoundError(f"no run {run_id}") from None
        if not run_visible(principal, self.owners().get(rec.id)):
            raise NotFoundError(f"no run {run_id}")
        return rec

    def bank_pools(self, principal: Principal, rec: RunRecord) -> list[str] | None:
        if principal.role is not Role.BANK or rec.loan_book_id is None:
            return None
        key = (rec.id, principal.tenant or "")
        with self._lock:
            if key not in self._pools:
                self._pools[key] = bank_pools_of(self.store.loan_books.load(rec.loan_book_id), principal.tenant)
            return self._pools[key]

    def filter(self, principal: Principal, rec: RunRecord, name: str, frame: pl.DataFrame) -> pl.DataFrame:
        return filter_table(principal, name, frame, bank_pools=self.bank_pools(principal, rec))

    def table_names(self, principal: Principal, run_id: int) -> list[str]:
        """Names of the run's summary tables and path-level arrays (``loan_book`` when it has one,
        ``sensitivity`` when a sensitivity analysis is stored with it)."""
        from fundsvc.service.sensitivity import TABLE_NAME
        from fundsvc.store.stress_results import StressKind

        rec = self.record(principal, run_id)
        names = [t.name for t in self.store.runs.tables(rec.id)] + [a.name for a in self.store.runs.artifacts(rec.id)]
        if rec.loan_book_id is not None:
            names.append("loan_book")
        if self.store.stress_results.latest(rec.id, StressKind.SENSITIVITY) is not None:
            names.append(TABLE_NAME)
        return names

    def table(self, principal: Principal, run_id: int, name: str) -> pl.DataFrame:
        """A summary table, path-level array, the loan book or the stored sensitivity analysis
        (:func:`fundsvc.service.sensitivity.stored_sensitivity`) of a run, filtered for the principal."""
        from fundsvc.service.sensitivity import TABLE_NAME, stored_sensitivity

        rec = self.record(principal, run_id)
        tables = {t.name for t in self.store.runs.tables(rec.id)}
        if name in tables:
            frame = self.store.runs.load_table(rec.id, name)
        elif name in {a.name for a in self.store.runs.artifacts(rec.id)}:
            frame = self.store.runs.load_array(rec.id, name)
        elif name == "loan_book" and rec.loan_book_id is not None:
            frame = self.store.loan_books.load(rec.loan_book_id)
        elif name == TABLE_NAME and (view := stored_sensitivity(self, principal, rec.id)) is not None:
            return view.table  # already filtered
        else:
            raise NotFoundError(f"run {rec.id} has no table '{name}'")
        return self.filter(principal, rec, name, frame)
