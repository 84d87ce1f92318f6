"""Programme targets (e.g. projects supported, patents industrialised, tech-contract turnover
growth): progress from actuals and the simulated projection at the horizon where the engine
simulates the quantity.

Target keys understood: ``projects``, ``patents``, ``tech_contract_cny``,
``invested_local_cny``, ``invested_early_cny``, ``invested_priority_cny`` (cumulative sums of
the actuals columns of the same name) and ``tech_contract_growth`` (turnover of the last four
quarters ÷ the four before, − 1). Projections exist for ``projects``, ``invested_local_cny`` and
``invested_early_cny`` (simulated median over paths at the horizon).
"""

from __future__ import annotations

import numpy as np
import polars as pl

from models.assessment import ProgrammeTarget

CUMULATIVE = ("projects", "patents", "tech_contract_cny", "invested_local_cny", "invested_early_cny",
              "invested_priority_cny")


def actual_value(key: str, actuals: pl.DataFrame | None) -> float:
    """The realised value of a target quantity (NaN if the actuals do not say)."""
    if actuals is None or actuals.height == 0:
        return float("nan")
    if key in CUMULATIVE and key in actuals.columns:
        col = actuals[key]
        return float(col.sum()) if col.null_count() < col.len() else float("nan")
    if key == "tech_contract_growth" and "tech_contract_cny" in actuals.columns:
        q = (actuals.drop_nulls("tech_contract_cny").group_by("period_end").agg(pl.col("tech_contract_cny").sum())
             .sort("period_end"))["tech_contract_cny"].to_numpy()
        if q.size < 8 or q[-8:-4].sum() <= 0:
            return float("nan")
        return float(q[-4:].sum() / q[-8:-4].sum() - 1.0)
    return float("nan")


def target_table(targets: list[ProgrammeTarget], actuals: pl.DataFrame | None,
                 simulated: dict[str, object]) -> pl.DataFrame:
    """key, label, label_zh, unit, target, by_year, actual, progress, projected, projected_progress."""
    rows = []
    for t in targets:
        a = actual_value(t.key, actuals)
        sim = simulated.get(t.key)
        proj = float(np.nanmedian(np.asarray(sim, float))) if sim is not None else float("nan")
        rows.append({"key": t.key, "label": t.label, "label_zh": t.label_zh, "unit": t.unit, "target": t.target,
                     "by_year": t.by_year, "actual": a, "progress": a / t.target if t.target else float("nan"),
                     "projected": proj, "projected_progress": proj / t.target if t.target else float("nan")})
    schema = {"key": pl.Utf8, "label": pl.Utf8, "label_zh": pl.Utf8, "unit": pl.Utf8, "target": pl.Float64,
              "by_year": pl.Int64, "actual": pl.Float64, "progress": pl.Float64, "projected": pl.Float64,
              "projected_progress": pl.Float64}
    return pl.DataFrame(rows, schema=schema)
