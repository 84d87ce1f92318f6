"""Whole-fund assessments of runs (JSON documents defined by :mod:`fundsvc.assessment`)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from fundsvc.errors import NotFoundError
from fundsvc.store.engine import ensure_json
from fundsvc.store.records import AssessmentRecord
from fundsvc.store.tables import Assessment, Run

if TYPE_CHECKING:
    from fundsvc.store.store import Store


def _record(row: Assessment) -> AssessmentRecord:
    return AssessmentRecord(id=row.id, run_id=row.run_id, created_at=row.created_at,
                            content=row.content)


class AssessmentRepository:
    """Assessments of a :class:`~fundsvc.store.store.Store`."""

    def __init__(self, store: Store):
        self._store = store

    def add(self, run_id: int, content: Mapping[str, Any]) -> AssessmentRecord:
        """Store an assessment of a run; ``content`` must be JSON (no NaN: use null)."""
        document = ensure_json(dict(content), "assessment content")
        with self._store.session() as session:
            if session.get(Run, run_id) is None:
                raise NotFoundError(f"no run with id {run_id}")
            row = Assessment(run_id=run_id, content=document)
            session.add(row)
            session.flush()
            return _record(row)

    def get(self, assessment_id: int) -> AssessmentRecord:
        """The assessment with this id; :class:`NotFoundError` if there is none."""
        with self._store.session() as session:
            row = session.get(Assessment, assessment_id)
            if row is None:
                raise NotFoundError(f"no assessment with id {assessment_id}")
            return _record(row)

    def list(self, run_id: int) -> list[AssessmentRecord]:
        """Assessments of a run, newest first."""
        with self._store.session() as session:
            return [_record(row) for row in session.scalars(
                sa.select(Assessment).where(Assessment.run_id == run_id)
                .order_by(Assessment.id.desc()))]
