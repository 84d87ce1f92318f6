"""Realised results from actuals, on the simulation's quarterly grid, and their percentiles.

Actual rows (the guidance fund's own flows with each sub-fund, see
:mod:`fundsvc.inputs.actuals`) are placed on the quarterly steps of the scenario's calendar
(step ``t`` ends at the ``t``-th quarter end after ``simulation.start_date``). A quarter with no
row for a sub-fund has no flows and carries the last reported NAV forward. The whole fund's calls
add the guidance fund's own management cost as the engine schedules it, so that realised and
simulated whole-fund results are measured the same way (``fundsvc.engine.venture.equity``).

The fair verdict compares realised values at step ``s`` (the fund age of ``as_of``) with the
run's ``equity_quantiles`` at the same step, via
:func:`fundsvc.simulation.quantiles.percentile_of`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import polars as pl

from fundsvc.assessment.indicators import loss_ratio
from fundsvc.engine.grid import TimeGrid
from fundsvc.errors import InputError
from fundsvc.metrics.rates import irr


def step_of_date(date: dt.date, start: dt.date, steps_per_year: int) -> int:
    """Step containing ``date`` (0 = the step starting at ``start``); may be negative
    (:meth:`fundsvc.engine.grid.TimeGrid.step_of`)."""
    return TimeGrid(start, steps_per_year, 0).step_of(date)


@dataclass(frozen=True)
class RealisedFlows:
    """Actual flows on the quarterly grid up to ``as_of``.

    Attributes
    ----------
    fund_ids : tuple of str
    calls, distributions, nav : ndarray, shape (n_funds, s + 1)
        CNY per quarter (NAV at quarter end), guidance fund's stake in each sub-fund.
    cost : ndarray, shape (s + 1,)
        The guidance fund's own management cost per quarter (scheduled).
    step : int
        Step ``s`` of ``as_of``.
    as_of : datetime.date
    """

    fund_ids: tuple[str, ...]
    calls: np.ndarray
    distributions: np.ndarray
    nav: np.ndarray
    cost: np.ndarray
    step: int
    as_of: dt.date

    def whole_fund(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Whole guidance fund (calls incl. own cost, distributions, NAV), each shape (s + 1,)."""
        return self.calls.sum(axis=0) + self.cost, self.distributions.sum(axis=0), self.nav.sum(axis=0)


def place_actuals(actuals: pl.DataFrame, fund_ids: list[str], grid: TimeGrid, cost_per_step,
                  as_of: dt.date | None = None) -> RealisedFlows:
    """Put actual rows on the run's grid up to ``as_of`` (default: the latest period end).

    Raises
    ------
    InputError
        ``as_of`` before the simulation start or after its horizon, or no actuals up to it.
    """
    n_steps = len(cost_per_step)
    acts = actuals if as_of is None else actuals.filter(pl.col("period_end") <= as_of)
    if acts.height == 0:
        raise InputError.single("<actuals>", "", f"no actuals up to {as_of}")
    as_of = as_of or acts["period_end"].max()
    start = grid.start_date
    s = grid.step_of(as_of)
    if s < 0 or s >= n_steps:
        raise InputError.single("<actuals>", "period_end",
                                f"{as_of} lies outside the simulated {grid.step_name} ({start} + {n_steps} "
                                f"{grid.step_name})")
    n_f = len(fund_ids)
    calls, dist = np.zeros((n_f, s + 1)), np.zeros((n_f, s + 1))
    nav = np.full((n_f, s + 1), np.nan)
    index = {f: i for i, f in enumerate(fund_ids)}
    for row in acts.iter_rows(named=True):
        t = grid.step_of(row["period_end"])
        if t < 0:
            raise InputError.single("<actuals>", "period_end",
                                    f"{row['period_end']} is before the simulation start {start}")
        i = index[row["sub_fund_id"]]
        calls[i, t] += row["calls_cny"]
        dist[i, t] += row["distributions_cny"]
        nav[i, t] = row["nav_cny"]
    for t in range(s + 1):  # carry NAV forward over quarters without a row (loop over steps)
        prev = nav[:, t - 1] if t else np.zeros(n_f)
        nav[:, t] = np.where(np.isnan(nav[:, t]), prev, nav[:, t])
    cost = np.asarray(cost_per_step, float)[: s + 1]
    return RealisedFlows(tuple(fund_ids), calls, dist, nav, cost, s, as_of)


def metrics_to_date(calls, distributions, nav, periods_per_year: int) -> dict[str, float]:
    """TVPI, DPI, RVPI, loss ratio, IRR to date (per year) and amounts of one series.

    Parameters
    ----------
    calls, distributions, nav : ndarray, shape (n_steps_to_date,), CNY per step
    periods_per_year : int
        Steps per year of the grid (annualises the IRR).

    Returns
    -------
    dict
        ``paid_in``, ``distributed``, ``nav`` (CNY, last step), ``tvpi``, ``dpi``, ``rvpi``,
        ``loss_ratio``, ``irr_to_date`` (NaN where undefined). Same conventions as the run's
        ``equity_quantiles`` (flows preceded by a zero at the start, NAV as terminal value).
    """
    c, d, v = (np.asarray(x, float) for x in (calls, distributions, nav))
    p, dd, vv = c.sum(), d.sum(), v[-1]
    out = {"paid_in": float(p), "distributed": float(dd), "nav": float(vv)}
    if p > 0:
        out.update(tvpi=(dd + vv) / p, dpi=dd / p, rvpi=vv / p)
    else:
        out.update(tvpi=float("nan"), dpi=float("nan"), rvpi=float("nan"))
    out["loss_ratio"] = float(loss_ratio(p, dd, vv))
    flows = np.concatenate([[0.0], d - c])
    flows[-1] += vv
    with np.errstate(invalid="ignore", divide="ignore"):
        out["irr_to_date"] = float(irr(flows[None, :], periods_per_year=periods_per_year)[0])
    return {k: float(x) for k, x in out.items()}
