"""Stress and reverse-stress results of runs (JSON documents defined by :mod:`fundsvc.stress`)."""

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
        """Results of a run, oldest first (optionally of one kind)."""
        q = sa.select(StressResult).where(StressResult.run_id == run_id)
        if kind is not None:
            q = q.where(StressResult.kind == StressKind(kind).value)
        with self._store.session() as session:
            return [_record(row) for row in session.scalars(q.order_by(StressResult.id))]


__all__ = ["StressKind", "StressResultRepository"]
