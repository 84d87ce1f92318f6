"""Quantiles of fund metrics at every quarter: where a realised result at a given fund age
falls in the simulated distribution ("the fair verdict") is read off these tables.

Computed from the run's fan-sample paths (the first ``fan_paths`` paths).
"""

from __future__ import annotations

import warnings

import numpy as np
import polars as pl

from fundsvc.metrics.multiples import dpi_path, tvpi_path
from fundsvc.metrics.rates import irr
from fundsvc.simulation.registry import GRID, GRID_COLUMNS

MEASURES = ("tvpi", "dpi", "loss_ratio", "cum_net_cash_flow", "nav", "paid_in", "irr_to_date")
"""``loss_ratio`` (容亏率) = share of paid-in capital lost = max(0, 1 − TVPI); ``irr_to_date``
(per year, flows to date plus NAV as a terminal value) only for the guidance fund."""


def irr_to_date(calls: np.ndarray, dists: np.ndarray, nav: np.ndarray, periods_per_year: int) -> np.ndarray:
    """IRR of the flows up to each step with that step's NAV as terminal value.

    Parameters
    ----------
    calls, dists, nav : ndarray, shape (n_paths, n_steps), CNY

    Returns
    -------
    ndarray, shape (n_paths, n_steps)
        Per year; NaN where undefined (e.g. nothing called yet).
    """
    n_paths, n_steps = calls.shape
    out = np.full((n_paths, n_steps), np.nan)
    net = dists - calls
    for t in range(n_steps):
        flows = np.concatenate([np.zeros((n_paths, 1)), net[:, : t + 1]], axis=1)
        flows[:, -1] += nav[:, t]
        with np.errstate(invalid="ignore", divide="ignore"):
            out[:, t] = irr(flows, periods_per_year=periods_per_year)
    return out


def _rows(entity: str, measure: str, arr: np.ndarray, dates: np.ndarray) -> pl.DataFrame:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN steps (before any call) give NaN
        qs = np.nanquantile(arr, GRID, axis=0)  # (n_q, n_steps)
    n_steps = arr.shape[1]
    cols = {"entity": [entity] * n_steps, "step": np.arange(n_steps, dtype=np.int64),
            "date": dates.astype("datetime64[D]"), "measure": [measure] * n_steps}
    cols.update({c: qs[i] for i, c in enumerate(GRID_COLUMNS)})
    return pl.DataFrame(cols)


def metric_quantiles(eq, dates: np.ndarray, periods_per_year: int) -> pl.DataFrame:
    """Quantiles (1 %…99 %) per entity, measure and step.

    Parameters
    ----------
    eq : EquityChunk
        The fan-sample paths.
    dates : ndarray of datetime64[D], shape (n_steps,)

    Returns
    -------
    polars.DataFrame
        Columns entity, step, date, measure, p1 … p99.
    """
    ents = [("guidance", eq.guidance_calls, eq.guidance_distributions, eq.guidance_nav)]
    ents += [(fid, eq.fund_calls[:, i], eq.fund_distributions[:, i], eq.fund_nav[:, i])
             for i, fid in enumerate(eq.fund_ids)]
    frames = []
    for name, c, d, v in ents:
        with np.errstate(invalid="ignore", divide="ignore"):
            t = tvpi_path(c, d, v)
            series = {
                "tvpi": t,
                "dpi": dpi_path(c, d),
                "loss_ratio": np.clip(1.0 - t, 0.0, None),
                "cum_net_cash_flow": np.cumsum(d - c, axis=1),
                "nav": v,
                "paid_in": np.cumsum(c, axis=1),
            }
        if name == "guidance":
            series["irr_to_date"] = irr_to_date(c, d, v, periods_per_year)
        frames += [_rows(name, m, a, dates) for m, a in series.items()]
    return pl.concat(frames)


def percentile_of(table: pl.DataFrame, entity: str, measure: str, step: int, value: float) -> float:
    """Where ``value`` falls in the simulated distribution at ``step``: a share in [0, 1].

    Linear interpolation between grid quantiles; below the 1 % quantile gives 0.01 at most,
    above the 99 % quantile 0.99 at least (the grid cannot say more).
    """
    row = table.filter((pl.col("entity") == entity) & (pl.col("measure") == measure) & (pl.col("step") == step))
    if row.height != 1:
        raise KeyError(f"no quantiles for entity={entity!r} measure={measure!r} step={step}")
    qv = np.array([row[c][0] for c in GRID_COLUMNS], dtype=float)
    ok = ~np.isnan(qv)
    if not ok.any() or np.isnan(value):
        return float("nan")
    qv, grid = qv[ok], np.asarray(GRID)[ok]
    tie = np.isclose(qv, value, rtol=1e-12, atol=0.0)
    if tie.any():  # an atom of the distribution (e.g. many paths with no loss): middle of its range
        return float(grid[tie].mean())
    below, above = qv < value, qv > value
    if not below.any():
        return float(grid[0])
    if not above.any():
        return float(grid[-1])
    i, j = np.flatnonzero(below)[-1], np.flatnonzero(above)[0]
    w = (value - qv[i]) / (qv[j] - qv[i])
    return float(grid[i] + w * (grid[j] - grid[i]))
