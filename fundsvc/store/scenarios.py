"""Scenario texts, stored once per distinct content (identified by SHA-256)."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy import exc as sa_exc
from sqlalchemy.orm import Session

from fundsvc.errors import NotFoundError
from fundsvc.store.records import ScenarioRecord
from fundsvc.store.tables import Scenario

if TYPE_CHECKING:
    from fundsvc.store.store import Store


def content_sha256(content: str) -> str:
    """Hex SHA-256 of the text's UTF-8 bytes (no normalisation: the text as read)."""
    return hashlib.sha256(content.encode("utf-8")).hexdigest()


def _find(session: Session, sha256: str) -> Scenario | None:
    return session.scalar(sa.select(Scenario).where(Scenario.content_sha256 == sha256))


def _record(row: Scenario) -> ScenarioRecord:
    return ScenarioRecord(id=row.id, name=row.name, source_path=row.source_path,
                          content=row.content, content_sha256=row.content_sha256,
                          created_at=row.created_at)


class ScenarioRepository:
    """Scenarios of a :class:`~fundsvc.store.store.Store`."""

    def __init__(self, store: Store):
        self._store = store

    def add(self, name: str, content: str, source_path: str | Path | None = None
            ) -> ScenarioRecord:
        """Store a scenario text, or return the stored one with the same content.

        Parameters
        ----------
        name : str
            Display name (e.g. the scenario's own name or the file stem).
        content : str
            Scenario text exactly as read.
        source_path : str or Path, optional
            File it was read from, as the user named it.

        Returns
        -------
        ScenarioRecord
            The new row, or the existing row with identical content (its name and source path
            are kept; compare ``content_sha256`` / use :meth:`find_by_content` to tell).
        """
        sha = content_sha256(content)
        source = None if source_path is None else str(source_path)
        with self._store.session() as session:
            existing = _find(session, sha)
            if existing is not None:
                return _record(existing)
            row = Scenario(name=name, source_path=source, content=content, content_sha256=sha)
            try:
                with session.begin_nested():  # another process may insert the same content
                    session.add(row)
            except sa_exc.IntegrityError:
                existing = _find(session, sha)
                if existing is None:
                    raise
                return _record(existing)
            return _record(row)

    def find_by_content(self, content: str) -> ScenarioRecord | None:
        """The stored scenario with exactly this text, or ``None``."""
        return self.find_by_sha256(content_sha256(content))

    def find_by_sha256(self, sha256: str) -> ScenarioRecord | None:
        """The stored scenario whose content has this SHA-256, or ``None``."""
        with self._store.session() as session:
            row = _find(session, sha256)
            return None if row is None else _record(row)

    def get(self, scenario_id: int) -> ScenarioRecord:
        """The scenario with this id; :class:`NotFoundError` if there is none."""
        with self._store.session() as session:
            row = session.get(Scenario, scenario_id)
            if row is None:
                raise NotFoundError(f"no scenario with id {scenario_id}")
            return _record(row)

    def get_by_name(self, name: str) -> ScenarioRecord:
        """The most recently added scenario with this name; :class:`NotFoundError` if none."""
        with self._store.session() as session:
            row = session.scalar(sa.select(Scenario).where(Scenario.name == name)
                                 .order_by(Scenario.id.desc()).limit(1))
            if row is None:
                raise NotFoundError(f"no scenario named {name!r}")
            return _record(row)

    def list(self, limit: int | None = None) -> list[ScenarioRecord]:
        """Scenarios, newest first."""
        with self._store.session() as session:
            query = sa.select(Scenario).order_by(Scenario.id.desc())
            if limit is not None:
                query = query.limit(limit)
            return [_record(row) for row in session.scalars(query)]
