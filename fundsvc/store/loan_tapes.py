"""Loan tapes uploaded through the service: owner and metadata in ``loan_tapes``, loans in Parquet.

Files live at ``<data_dir>/loan_tapes/<file_sha256>.parquet`` (content-addressed). Callers validate
a tape completely before :meth:`LoanTapeRepository.add` (nothing is written for a bad tape); who may
see which tape is decided in :mod:`fundsvc.service.loan_tapes`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING

import polars as pl
import sqlalchemy as sa

from fundsvc.errors import NotFoundError
from fundsvc.store.artifacts import content_addressed_parquet, read_verified
from fundsvc.store.auth_tables import LoanTape

if TYPE_CHECKING:
    from fundsvc.store.store import Store

LOAN_TAPE_DIR = "loan_tapes"

__all__ = ["LOAN_TAPE_DIR", "LoanTapeRecord", "LoanTapeRepository"]


@dataclass(frozen=True)
class LoanTapeRecord:
    """A stored loan tape; ``tenant`` the bank it belongs to (``None``: the bureau's), amounts in CNY."""

    id: int
    user_id: int | None
    role: str
    tenant: str | None
    name: str
    content_sha256: str
    n_loans: int
    total_amount_cny: float
    parquet_path: str
    file_sha256: str
    created_at: dt.datetime


def _record(row: LoanTape) -> LoanTapeRecord:
    return LoanTapeRecord(id=row.id, user_id=row.user_id, role=row.role, tenant=row.tenant, name=row.name,
                          content_sha256=row.content_sha256, n_loans=row.n_loans,
                          total_amount_cny=row.total_amount_cny, parquet_path=row.parquet_path,
                          file_sha256=row.file_sha256, created_at=row.created_at)


class LoanTapeRepository:
    """Loan tapes of a :class:`~fundsvc.store.store.Store`."""

    def __init__(self, store: Store):
        self._store = store

    def add(self, loans: pl.DataFrame, *, name: str, content_sha256: str, user_id: int | None, role: str,
            tenant: str | None) -> LoanTapeRecord:
        """Store a validated tape, shape (n_loans, n_fields) with an ``amount_cny`` column (CNY).

        The Parquet file is written first (atomically), then the row; if the row cannot be
        written, a file no other tape uses is removed again.
        """
        total = float(loans.get_column("amount_cny").cast(pl.Float64).sum())
        with content_addressed_parquet(loans, self._store.data_dir, LOAN_TAPE_DIR, self._is_referenced) as (
                relative, written), self._store.session() as session:
            row = LoanTape(user_id=user_id, role=role, tenant=tenant, name=name[:200],
                           content_sha256=content_sha256, n_loans=loans.height, total_amount_cny=total,
                           parquet_path=relative, file_sha256=written.sha256)
            session.add(row)
            session.flush()
            return _record(row)

    def _is_referenced(self, relative: str) -> bool:
        try:
            with self._store.session(read_only=True) as session:
                return bool(session.scalar(sa.select(sa.func.count()).select_from(LoanTape)
                                           .where(LoanTape.parquet_path == relative)))
        except Exception:  # noqa: BLE001 - cannot tell: keep the file rather than break a stored tape
            return True

    def get(self, tape_id: int) -> LoanTapeRecord:
        """The tape with this id; :class:`NotFoundError` if there is none."""
        with self._store.session(read_only=True) as session:
            row = session.get(LoanTape, int(tape_id))
            if row is None:
                raise NotFoundError(f"no loan tape {tape_id}")
            return _record(row)

    def list(self, tenant: str | None = None, *, everyone: bool = False, limit: int = 200) -> list[LoanTapeRecord]:
        """Tapes newest first: all of them with ``everyone``, else those of bank ``tenant``."""
        query = sa.select(LoanTape).order_by(LoanTape.id.desc()).limit(limit)
        if not everyone:
            if tenant is None:
                return []
            query = query.where(LoanTape.tenant == tenant)
        with self._store.session(read_only=True) as session:
            return [_record(r) for r in session.scalars(query)]

    def load(self, tape_id: int) -> pl.DataFrame:
        """The loans, shape (n_loans, n_fields), after verifying the file's checksum."""
        rec = self.get(tape_id)
        return read_verified(self._store.data_dir / rec.parquet_path, rec.file_sha256, f"loan tape {rec.id}")
