"""Apply imposed market conditions to a scenario and compare with the base run on common random numbers.

Python API::

    from fundsvc.stress.runner import stressed, run_stresses, tech_cycle_shift
    s = stressed(scenario, [tech_cycle_shift(scenario, -2.0, years=(2027, 2029))])
    table = run_stresses(scenario, {"cycle -2σ": [tech_cycle_shift(scenario, -2.0, (2027, 2029))]},
                         paths=2_000, seed=7)

Every stressed run uses the base scenario's seed and chunk size, so path ``i`` of every run draws
the same random numbers before conditioning (common random numbers); the impositions of a stress
are *added* to those the scenario already has.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping, Sequence

import numpy as np
import polars as pl

from fundsvc.stress.headline import compare, path_values
from models.scenario import Scenario
from models.stress import FactorImposition, ImposedFactor, ImposeMode


def stressed(scenario: Scenario, impositions: Sequence[FactorImposition], name: str | None = None) -> Scenario:
    """``scenario`` with ``impositions`` added to its ``market_conditions`` (validated again)."""
    data = scenario.model_dump()
    data["market_conditions"] = [c.model_dump() for c in (*scenario.market_conditions, *impositions)]
    if name:
        data["name"] = name
    return Scenario.model_validate(data)


def tech_cycle_shift(scenario: Scenario, sigma: float, years: tuple[int, int],
                     mode: ImposeMode = ImposeMode.SHIFT) -> FactorImposition:
    """Tech cycle moved by ``sigma`` standard deviations in calendar years ``years`` (inclusive),
    clipped to the simulated period."""
    start = max(dt.date(years[0], 1, 1), scenario.simulation.start_date)
    end = min(dt.date(years[1] + 1, 1, 1), scenario.simulation.end_date)
    q0 = FactorImposition(factor=ImposedFactor.TECH_CYCLE, start=start, quarters=1, value=0.0)
    first = q0.first_step(scenario.simulation.start_date)
    last = FactorImposition(factor=ImposedFactor.TECH_CYCLE, start=end - dt.timedelta(days=1), quarters=1,
                            value=0.0).first_step(scenario.simulation.start_date)
    return FactorImposition(factor=ImposedFactor.TECH_CYCLE, start=start, quarters=last - first + 1,
                            value=sigma, mode=mode)


def run_paths(scenario: Scenario, *, paths: int, seed: int, chunk_size: int | None = None) -> dict[str, np.ndarray]:
    """Simulate and return the per-path headline quantities (:func:`path_values`)."""
    from fundsvc.api import simulate
    from fundsvc.engine.sampling import DEFAULT_CHUNK_SIZE

    res = simulate(scenario, paths=paths, seed=seed, chunk_size=chunk_size or DEFAULT_CHUNK_SIZE)
    return path_values(res)


def run_stresses(scenario: Scenario, stresses: Mapping[str, Sequence[FactorImposition]], *, paths: int,
                 seed: int, chunk_size: int | None = None, base: dict[str, np.ndarray] | None = None) -> pl.DataFrame:
    """Run the base scenario and each stress on common random numbers.

    ``base``: the base run's :func:`path_values` when it was already simulated (same paths, seed
    and chunk size), e.g. a stored run's result.

    Returns
    -------
    polars.DataFrame
        One row per stress and headline figure: ``stress, figure, unit, base, stressed, change,
        change_se`` (amounts in CNY, shares as decimals).
    """
    base = base if base is not None else run_paths(scenario, paths=paths, seed=seed, chunk_size=chunk_size)
    parts = [compare(base, run_paths(stressed(scenario, imps), paths=paths, seed=seed, chunk_size=chunk_size), name)
             for name, imps in stresses.items()]
    return pl.concat(parts) if parts else compare(base, base, "base").clear()


def json_rows(table: pl.DataFrame) -> list[dict]:
    """Rows of a comparison table as JSON-safe dicts (NaN → None)."""
    return [{k: (None if isinstance(v, float) and math.isnan(v) else v) for k, v in r.items()} for r in table.to_dicts()]


def stress_report_tables(records) -> dict[str, pl.DataFrame]:
    """Stored stress results (``StressResultRecord``) as report tables: ``stress_results`` (one row
    per stress and headline figure) and ``reverse_stress`` (one row per reverse stress); empty
    tables are left out."""
    rows = [r for rec in records if rec.kind == "stress" for r in rec.content.get("rows", [])]
    rev = [{"target": rec.content.get("target"), "level": rec.content.get("level"),
            "shift_sigma": rec.content.get("shift_sigma"), "window": rec.content.get("window"),
            "mahalanobis_norm": rec.content.get("mahalanobis_norm"),
            "breached_value": next((c["value"] for c in rec.content.get("checks", []) if c["breached"]), None),
            "less_severe_value": next((c["value"] for c in rec.content.get("checks", []) if not c["breached"]), None)}
           for rec in records if rec.kind == "reverse"]
    out = {}
    if rows:
        out["stress_results"] = pl.DataFrame(rows)
    if rev:
        out["reverse_stress"] = pl.DataFrame(rev, schema={"target": pl.Utf8, "level": pl.Float64,
                                                         "shift_sigma": pl.Float64, "window": pl.Utf8,
                                                         "mahalanobis_norm": pl.Float64, "breached_value": pl.Float64,
                                                         "less_severe_value": pl.Float64})
    return out


__all__ = ["json_rows", "run_paths", "run_stresses", "stress_report_tables", "stressed", "tech_cycle_shift"]
