"""Quantiles of fund metrics at every quarter: where a realised result at a given fund age
falls in the simulated distribution ("the fair verdict") is read off these tables.

Computed from the run's fan-sample paths (the first ``fan_paths`` paths).
"""

from __future__ import annotations

import os
import warnings
from concurrent.futures import ThreadPoolExecutor

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


def _linear_sorted(s: np.ndarray, q: np.ndarray) -> np.ndarray:
    """Quantiles ``q`` of each column of ``s`` (sorted along axis 0, no NaN), shape (n_q, n_cols).

    NumPy's default ``method="linear"`` (Hyndman & Fan type 7) step by step as NumPy computes
    it (virtual index ``(n - 1) q``, neighbours, ``_lerp``), so the numbers are the same bits.
    """
    n = s.shape[0]
    virtual = (n - 1) * q
    prev = np.floor(virtual)
    gamma = (virtual - prev)[:, None]
    nxt = prev + 1
    top = virtual >= n - 1
    prev[top] = -1
    nxt[top] = -1
    a, b = s[prev.astype(np.intp)], s[nxt.astype(np.intp)]
    diff = b - a
    out = a + diff * gamma
    np.subtract(b, diff * (1 - gamma), out=out, where=np.broadcast_to(gamma >= 0.5, out.shape))
    return out


def nanquantile_columns(arr: np.ndarray, q) -> np.ndarray:
    """``np.nanquantile(arr, q, axis=0)`` (linear interpolation), bit for bit, several times faster.

    ``np.nanquantile`` falls back to a Python loop over columns as soon as one NaN is present,
    each column a partition for ~200 order statistics. Here every column is sorted once (NaN
    sort last) and the quantiles are read off the sorted non-NaN rows of all columns with the
    same number of values (:func:`_linear_sorted`); ``test_nanquantile_columns_equals_numpy``
    checks the numbers are NumPy's, bit for bit.

    Parameters
    ----------
    arr : ndarray, shape (n_paths, n_steps)
    q : sequence of float in [0, 1], length n_q

    Returns
    -------
    ndarray, shape (n_q, n_steps)
        NaN for an all-NaN column.
    """
    a = np.asarray(arr, dtype=float)
    q = np.asarray(q, dtype=float)
    n_rows, n_cols = a.shape
    out = np.full((q.size, n_cols), np.nan)
    s = np.sort(a, axis=0)  # NaN last
    counts = n_rows - np.count_nonzero(np.isnan(s[-1:]) if n_rows else s, axis=0)
    if (counts == n_rows).all():
        return _linear_sorted(s, q) if n_rows else out
    counts = n_rows - np.count_nonzero(np.isnan(s), axis=0)
    for n in np.unique(counts):
        if n == 0:
            continue
        cols = np.flatnonzero(counts == n)
        if cols[-1] - cols[0] + 1 == cols.size:  # a run of columns (e.g. every step after the
            cols = slice(cols[0], cols[-1] + 1)   # last first call): a view, not a copy
        out[:, cols] = _linear_sorted(s[:n, cols], q)
    return out


def _frame(blocks: list[tuple[str, str, np.ndarray]], dates: np.ndarray) -> pl.DataFrame:
    """One frame of quantile rows: per ``(entity, measure, qs)`` block (``qs`` shape (n_q, n_steps),
    from :func:`nanquantile_columns`) its steps in order, blocks in list order; built once
    (a frame per block cost more than the quantiles themselves)."""
    n_steps = len(dates)
    values = np.concatenate([qs for _, _, qs in blocks], axis=1) if blocks else np.empty((len(GRID), 0))
    cols = {"entity": np.repeat(np.array([e for e, _, _ in blocks], dtype=object), n_steps).astype(str),
            "step": np.tile(np.arange(n_steps, dtype=np.int64), len(blocks)),
            "date": np.tile(dates.astype("datetime64[D]"), len(blocks)),
            "measure": np.repeat(np.array([m for _, m, _ in blocks], dtype=object), n_steps).astype(str)}
    cols.update({c: values[i] for i, c in enumerate(GRID_COLUMNS)})
    return pl.DataFrame(cols)


def _entity_series(name: str, c: np.ndarray, d: np.ndarray, v: np.ndarray, periods_per_year: int,
                   with_irr: bool = True) -> dict:
    """The measures of one entity, each shape (n_paths, n_steps) (``irr_to_date`` of the guidance
    fund last, unless ``with_irr`` is False)."""
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
    if name == "guidance" and with_irr:
        series["irr_to_date"] = irr_to_date(c, d, v, periods_per_year)
    return series


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

    def entity_blocks(ent) -> list[tuple[str, str, np.ndarray]]:
        name, *flows = ent
        c, d, v = (np.ascontiguousarray(a) for a in flows)  # a sub-fund's slice is strided: copy once
        # all-NaN steps (before any call) give NaN
        return [(name, m, nanquantile_columns(a, GRID))
                for m, a in _entity_series(name, c, d, v, periods_per_year, with_irr=False).items()]

    def irr_block() -> tuple[str, str, np.ndarray]:
        c, d, v = ents[0][1:]
        return "guidance", "irr_to_date", nanquantile_columns(irr_to_date(c, d, v, periods_per_year), GRID)

    # entities are independent and numpy's sort releases the GIL: use the cores (same numbers);
    # the guidance fund's irr_to_date (the longest task) runs on its own, started first
    with ThreadPoolExecutor(max_workers=max(1, min(len(ents) + 1, os.cpu_count() or 1))) as pool:
        irr = pool.submit(irr_block)
        per_entity = list(pool.map(entity_blocks, ents))
        per_entity[0].append(irr.result())  # guidance: irr_to_date is its last measure (MEASURES)
    return _frame([b for bs in per_entity for b in bs], dates)


FAN_MEASURES = ("cum_net_cash_flow", "nav")
"""Measures of the ``equity_fans`` table (:func:`fundsvc.engine.venture.summary.equity_fans`)."""


def fans_from_quantiles(table: pl.DataFrame, eq, quantiles, names) -> pl.DataFrame | None:
    """The ``equity_fans`` table read off the per-step quantile table, or None if it cannot be.

    :func:`metric_quantiles` sorts the same fan-sample series (``cum_net_cash_flow``, ``nav``)
    that :func:`fundsvc.engine.venture.summary.equity_fans` gives to ``np.quantile``, and
    :func:`nanquantile_columns` is NumPy's linear quantile bit for bit; without NaN in the flows
    the two agree exactly (``test_fans_from_quantiles_equal_equity_fans``), so the fans need no
    second pass over the paths. None when a quantile level is not on the grid or a flow is NaN
    (``np.quantile`` would give NaN where the quantile table skips NaN): compute the fans then.

    Parameters
    ----------
    table : polars.DataFrame
        :func:`metric_quantiles` of ``eq`` (columns entity, step, date, measure, p1 … p99).
    eq : EquityChunk or FanSample
        The fan-sample flows (CNY), (n_sample, n_steps) and (n_sample, n_funds, n_steps).
    quantiles : sequence of float
        Fan levels in (0, 1), each one of :data:`~fundsvc.simulation.registry.GRID`.
    names : sequence of str
        Their column names (``p5`` …).

    Returns
    -------
    polars.DataFrame or None
        entity, step, date, measure (cum_net_cash_flow | nav), one column per level; rows per
        entity and measure in step order, entities as in the quantile table.
    """
    grid = {q: c for q, c in zip(GRID, GRID_COLUMNS)}
    if any(float(q) not in grid for q in quantiles):
        return None
    for f in ("guidance_calls", "guidance_distributions", "guidance_nav", "fund_calls", "fund_distributions",
              "fund_nav"):
        if np.isnan(getattr(eq, f)).any():
            return None
    return table.filter(pl.col("measure").is_in(FAN_MEASURES)).select(
        "entity", "step", "date", "measure", *(pl.col(grid[float(q)]).alias(n) for q, n in zip(quantiles, names)))


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
