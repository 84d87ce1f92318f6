"""Self-describing runs: each run stores its *resolved* scenario, the hashes of every input file
and the compiled facts its assessment needs (table ``run_facts``, migration ``0002_run_facts``).

The resolved scenario is the validated :class:`models.Scenario` as JSON, with every referenced
table (stage profiles, PD scale, recovery tables, loan book) inlined, so it re-validates without
any file. Its identity is the SHA-256 of that JSON (:func:`scenario_sha256`): the one equality
rule for "is this the scenario the run simulated" (assessment, CLI and dashboards alike).
"""

from __future__ import annotations

import hashlib
import zlib
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from fundsvc.store.tables import RunFacts

if TYPE_CHECKING:
    from fundsvc.store.store import Store


def scenario_json(scenario) -> str:
    """The resolved scenario as canonical JSON (pydantic's dump; round-trips exactly)."""
    return scenario.model_dump_json()


def scenario_sha256(scenario) -> str:
    """Hex SHA-256 of :func:`scenario_json` — the identity of a resolved scenario."""
    return hashlib.sha256(scenario_json(scenario).encode("utf-8")).hexdigest()


def input_hashes(files: Iterable[Path], base: Path | None = None) -> list[dict[str, str]]:
    """``{name, sha256}`` of every file read; names relative to ``base`` (the scenario's folder)
    where possible, else the file name (never a machine-specific absolute path)."""
    out = []
    for f in files:
        p = Path(f)
        try:
            name = p.resolve().relative_to(base.resolve()).as_posix() if base is not None else p.name
        except ValueError:
            name = p.name
        out.append({"name": name, "sha256": hashlib.sha256(p.read_bytes()).hexdigest()})
    return out


@dataclass(frozen=True)
class RunFactsRecord:
    """A run's stored facts.

    Attributes
    ----------
    run_id : int
    scenario_sha256 : str
    inputs : list of dict
        ``{name, sha256}`` per input file.
    facts : dict
        Compiled facts (JSON; :meth:`fundsvc.assessment.facts.ScenarioFacts.from_dict`).
    """

    run_id: int
    scenario_sha256: str
    inputs: list[dict[str, Any]]
    facts: dict[str, Any]
    scenario_json_zlib: bytes

    def scenario(self):
        """The resolved :class:`models.Scenario` (validated again from the stored JSON)."""
        from models.scenario import Scenario

        return Scenario.model_validate_json(zlib.decompress(self.scenario_json_zlib).decode("utf-8"))


class RunFactsRepository:
    """Run facts of a :class:`~fundsvc.store.store.Store`."""

    def __init__(self, store: Store):
        self._store = store

    def add(self, run_id: int, scenario, *, inputs: list[dict[str, str]], facts: dict[str, Any]) -> RunFactsRecord:
        """Store the resolved ``scenario``, its ``inputs`` hashes and compiled ``facts`` of a run."""
        text = scenario_json(scenario).encode("utf-8")
        rec = RunFactsRecord(run_id, hashlib.sha256(text).hexdigest(), list(inputs), dict(facts),
                             zlib.compress(text, 6))
        with self._store.session() as session:
            session.add(RunFacts(run_id=run_id, scenario_sha256=rec.scenario_sha256,
                                 scenario_json_zlib=rec.scenario_json_zlib, inputs=rec.inputs, facts=rec.facts))
        return rec

    def get(self, run_id: int) -> RunFactsRecord | None:
        """The run's facts, or None for a run stored before migration 0002."""
        with self._store.session() as session:
            row = session.scalar(sa.select(RunFacts).where(RunFacts.run_id == run_id))
            if row is None:
                return None
            return RunFactsRecord(row.run_id, row.scenario_sha256, list(row.inputs), dict(row.facts),
                                  bytes(row.scenario_json_zlib))
