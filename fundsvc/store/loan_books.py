"""Loan books: metadata in the database, the loans themselves in a Parquet file.

Files live at ``<data_dir>/loan_books/<file_sha256>.parquet`` (content-addressed, so the
same loans attached to two scenarios share one file).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import polars as pl
import sqlalchemy as sa

from fundsvc.errors import NotFoundError, StoreError
from fundsvc.store.artifacts import content_addressed_parquet, read_verified
from fundsvc.store.records import LoanBookRecord
from fundsvc.store.tables import LoanBook, Scenario

if TYPE_CHECKING:
    from fundsvc.store.store import Store

LOAN_BOOK_DIR = "loan_books"


def _record(row: LoanBook) -> LoanBookRecord:
    return LoanBookRecord(
        id=row.id, scenario_id=row.scenario_id, name=row.name, source_path=row.source_path,
        content_sha256=row.content_sha256, n_loans=row.n_loans,
        total_amount_cny=row.total_amount_cny, parquet_path=row.parquet_path,
        file_sha256=row.file_sha256, created_at=row.created_at)


class LoanBookRepository:
    """Loan books of a :class:`~fundsvc.store.store.Store`."""

    def __init__(self, store: Store):
        self._store = store

    def add(self, scenario_id: int, name: str, loans: pl.DataFrame, *,
            source_path: str | Path | None = None, content_sha256: str | None = None,
            amount_column: str = "amount_cny") -> LoanBookRecord:
        """Store a validated loan book for a scenario (or return the identical stored one).

        Parameters
        ----------
        scenario_id : int
            Scenario the loans belong to.
        name : str
            Display name.
        loans : polars.DataFrame
            One row per loan, shape (n_loans, n_fields).
        source_path : str or Path, optional
            File the loans were read from.
        content_sha256 : str, optional
            SHA-256 of the source file's bytes; identifies the book (same scenario and same
            hash -> the existing record is returned). Defaults to the stored Parquet's hash.
        amount_column : str
            Column holding loan amounts in CNY; summed into ``total_amount_cny``.

        Raises
        ------
        NotFoundError
            No such scenario.
        StoreError
            ``amount_column`` missing, or the file/database write failed (nothing is left
            behind: a file not referenced by any loan book is removed).
        """
        if amount_column not in loans.columns:
            raise StoreError(f"loan book {name!r} has no {amount_column!r} column "
                             f"(columns: {', '.join(loans.columns)})")
        total = float(loans.get_column(amount_column).cast(pl.Float64).sum())
        with content_addressed_parquet(loans, self._store.data_dir, LOAN_BOOK_DIR, self._is_referenced) as (
                relative, written):
            identity = content_sha256 or written.sha256
            with self._store.session() as session:
                if session.get(Scenario, scenario_id) is None:
                    raise NotFoundError(f"no scenario with id {scenario_id}")
                existing = session.scalar(sa.select(LoanBook).where(
                    LoanBook.scenario_id == scenario_id, LoanBook.content_sha256 == identity))
                if existing is not None:
                    return _record(existing)
                row = LoanBook(
                    scenario_id=scenario_id, name=name,
                    source_path=None if source_path is None else str(source_path),
                    content_sha256=identity, n_loans=loans.height, total_amount_cny=total,
                    parquet_path=relative, file_sha256=written.sha256)
                session.add(row)
                session.flush()
                return _record(row)

    def _is_referenced(self, relative: str) -> bool:
        try:
            with self._store.session() as session:
                return session.scalar(sa.select(sa.func.count()).select_from(LoanBook).where(
                    LoanBook.parquet_path == relative)) > 0
        except StoreError:
            return True  # cannot tell: keep the file rather than break a stored book

    def get(self, loan_book_id: int) -> LoanBookRecord:
        """The loan book with this id; :class:`NotFoundError` if there is none."""
        with self._store.session() as session:
            row = session.get(LoanBook, loan_book_id)
            if row is None:
                raise NotFoundError(f"no loan book with id {loan_book_id}")
            return _record(row)

    def load(self, loan_book_id: int) -> pl.DataFrame:
        """The loans, shape (n_loans, n_fields), after verifying the file's checksum."""
        book = self.get(loan_book_id)
        return read_verified(self._store.data_dir / book.parquet_path, book.file_sha256,
                             f"loan book {book.id} ({book.name!r})")

    def list(self, scenario_id: int | None = None) -> list[LoanBookRecord]:
        """Loan books, newest first, optionally of one scenario."""
        with self._store.session() as session:
            query = sa.select(LoanBook).order_by(LoanBook.id.desc())
            if scenario_id is not None:
                query = query.where(LoanBook.scenario_id == scenario_id)
            return [_record(row) for row in session.scalars(query)]
