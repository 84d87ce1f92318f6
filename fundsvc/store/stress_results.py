"""Stress and reverse-stress results of runs (JSON documents defined by :mod:`fundsvc.stress`), and the
sensitivity analyses whose base is the run (:meth:`fundsvc.validation.sensitivity.Sensitivity.to_document`).

All are results computed on a run's scenario and seed, so they share one table (``kind`` tells them
apart); :meth:`StressResultRepository.list` without a kind returns the stress kinds only, so pages
and reports of stresses never see a sensitivity document."""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from fundsvc.errors import NotFoundError
from fundsvc.store.engine import ensure_json
from fundsvc.store.records import StressResultRecord
from fundsvc.store.tables import Run, StressResult

if TYPE_CHECKING:
    from fundsvc.store.store import Store


class StressKind(StrEnum):
    STRESS = "stress"
    REVERSE = "reverse"
    SENSITIVITY = "sensitivity"  # one-at-a-time tornado around the run (the run is its base)


_STRESS_KINDS = (StressKind.STRESS.value, StressKind.REVERSE.value)


def _record(row: StressResult) -> StressResultRecord:
    return StressResultRecord(id=row.id, run_id=row.run_id, created_at=row.created_at, kind=row.kind,
                              name=row.name, content=row.content)


class StressResultRepository:
    """Stress results of a :class:`~fundsvc.store.store.Store`."""

    def __init__(self, store: Store):
        self._store = store

    def add(self, run_id: int, kind: StressKind, name: str, content: Mapping[str, Any]) -> StressResultRecord:
        """Store a result for a run; ``content`` must be JSON (no NaN: use null)."""
        document = ensure_json(dict(content), "stress result")
        with self._store.session() as session:
            if session.get(Run, run_id) is None:
                raise NotFoundError(f"no run with id {run_id}")
            row = StressResult(run_id=run_id, kind=StressKind(kind).value, name=name, content=document)
            session.add(row)
            session.flush()
            return _record(row)

    def list(self, run_id: int, kind: StressKind | None = None) -> list[StressResultRecord]:
        """Results of a run, oldest first: of ``kind``, or (``None``) the stress and reverse-stress ones."""
        q = sa.select(StressResult).where(StressResult.run_id == run_id)
        if kind is not None:
            q = q.where(StressResult.kind == StressKind(kind).value)
        else:
            q = q.where(StressResult.kind.in_(_STRESS_KINDS))
        with self._store.session() as session:
            return [_record(row) for row in session.scalars(q.order_by(StressResult.id))]

    def run_ids(self, kind: StressKind) -> list[int]:
        """Ids of the runs that have a result of ``kind``."""
        q = sa.select(StressResult.run_id).where(StressResult.kind == StressKind(kind).value).distinct()
        with self._store.session() as session:
            return sorted(session.scalars(q))

    def latest(self, run_id: int, kind: StressKind) -> StressResultRecord | None:
        """The newest result of ``kind`` for a run, or ``None``."""
        q = (sa.select(StressResult).where(StressResult.run_id == run_id, StressResult.kind == StressKind(kind).value)
             .order_by(StressResult.id.desc()).limit(1))
        with self._store.session() as session:
            row = session.scalars(q).first()
            return None if row is None else _record(row)


__all__ = ["StressKind", "StressResultRepository"]
