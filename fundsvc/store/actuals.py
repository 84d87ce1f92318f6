"""Realised cash flows (actuals) per sub-fund and period, imported from CSV files."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import TYPE_CHECKING

import polars as pl
import sqlalchemy as sa

from fundsvc.errors import NotFoundError, StoreError
from fundsvc.store.records import ActualsImportRecord
from fundsvc.store.tables import ActualCashFlow, ActualsImport, Scenario

if TYPE_CHECKING:
    from fundsvc.store.store import Store

#: Columns of an actuals frame and their dtypes (amounts in CNY; ``nav_cny`` may be null).
ACTUALS_SCHEMA: dict[str, pl.DataType] = {
    "sub_fund_id": pl.String(),
    "period_end": pl.Date(),
    "calls_cny": pl.Float64(),
    "distributions_cny": pl.Float64(),
    "nav_cny": pl.Float64(),
}


def _record(row: ActualsImport) -> ActualsImportRecord:
    return ActualsImportRecord(id=row.id, scenario_id=row.scenario_id,
                               source_path=row.source_path, content_sha256=row.content_sha256,
                               n_rows=row.n_rows, imported_at=row.imported_at)


def frame_sha256(frame: pl.DataFrame) -> str:
    """Hex SHA-256 of the frame written as CSV (identity of an import made from a frame)."""
    return hashlib.sha256(frame.write_csv().encode("utf-8")).hexdigest()


def _conform(frame: pl.DataFrame) -> pl.DataFrame:
    missing = [c for c in ACTUALS_SCHEMA if c not in frame.columns]
    if missing:
        raise StoreError(f"actuals lack column(s) {', '.join(missing)} "
                         f"(expected {', '.join(ACTUALS_SCHEMA)})")
    try:
        return frame.select(pl.col(name).cast(dtype, strict=True)
                            for name, dtype in ACTUALS_SCHEMA.items())
    except pl.exceptions.PolarsError as exc:
        raise StoreError(f"actuals have a column of the wrong type: {exc}") from None


class ActualsRepository:
    """Actual cash flows of a :class:`~fundsvc.store.store.Store`."""

    def __init__(self, store: Store):
        self._store = store

    def add(self, cash_flows: pl.DataFrame, *, source_path: str | Path | None = None,
            content_sha256: str | None = None, scenario_id: int | None = None
            ) -> ActualsImportRecord:
        """Store one import of validated actuals (or return the identical earlier import).

        Parameters
        ----------
        cash_flows : polars.DataFrame
            Columns of :data:`ACTUALS_SCHEMA`, one row per (sub_fund_id, period_end);
            amounts in CNY.
        source_path : str or Path, optional
            CSV file imported.
        content_sha256 : str, optional
            SHA-256 of the source file's bytes; defaults to :func:`frame_sha256`.
        scenario_id : int, optional
            Scenario the actuals belong to.

        Returns
        -------
        ActualsImportRecord
            New import, or the existing one with the same hash and scenario.
        """
        frame = _conform(cash_flows)
        sha = content_sha256 or frame_sha256(cash_flows)
        with self._store.session() as session:
            if scenario_id is not None and session.get(Scenario, scenario_id) is None:
                raise NotFoundError(f"no scenario with id {scenario_id}")
            existing = session.scalar(sa.select(ActualsImport).where(
                ActualsImport.content_sha256 == sha,
                ActualsImport.scenario_id.is_(None) if scenario_id is None
                else ActualsImport.scenario_id == scenario_id))
            if existing is not None:
                return _record(existing)
            row = ActualsImport(scenario_id=scenario_id, content_sha256=sha, n_rows=frame.height,
                                source_path=None if source_path is None else str(source_path))
            session.add(row)
            session.flush()
            if frame.height:
                session.execute(sa.insert(ActualCashFlow),
                                frame.with_columns(import_id=pl.lit(row.id)).to_dicts())
            return _record(row)

    def get(self, import_id: int) -> ActualsImportRecord:
        """The import with this id; :class:`NotFoundError` if there is none."""
        with self._store.session() as session:
            row = session.get(ActualsImport, import_id)
            if row is None:
                raise NotFoundError(f"no actuals import with id {import_id}")
            return _record(row)

    def load(self, import_id: int) -> pl.DataFrame:
        """Cash flows of an import, sorted by sub-fund and period, with :data:`ACTUALS_SCHEMA`."""
        self.get(import_id)
        columns = [getattr(ActualCashFlow, name) for name in ACTUALS_SCHEMA]
        with self._store.session() as session:
            rows = session.execute(
                sa.select(*columns).where(ActualCashFlow.import_id == import_id)
                .order_by(ActualCashFlow.sub_fund_id, ActualCashFlow.period_end)).all()
        return pl.DataFrame([tuple(r) for r in rows], schema=ACTUALS_SCHEMA, orient="row")

    def latest(self, scenario_id: int | None = None) -> ActualsImportRecord | None:
        """The newest import (of a scenario, if given), or ``None``."""
        found = self.list(scenario_id=scenario_id, limit=1)
        return found[0] if found else None

    def list(self, scenario_id: int | None = None, limit: int | None = None
             ) -> list[ActualsImportRecord]:
        """Imports, newest first."""
        query = sa.select(ActualsImport).order_by(ActualsImport.id.desc())
        if scenario_id is not None:
            query = query.where(ActualsImport.scenario_id == scenario_id)
        if limit is not None:
            query = query.limit(limit)
        with self._store.session() as session:
            return [_record(row) for row in session.scalars(query)]
