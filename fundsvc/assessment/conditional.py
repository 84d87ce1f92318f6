"""The fair verdict conditioned on the market that happened: re-weighting simulated paths.

The realised TVPI of the guidance fund is ranked twice among the simulated paths at the same
fund age (the run's ``equity_conditioning`` artifact, :mod:`fundsvc.simulation.conditioning`):

* **unconditionally** — among all paths, as before;
* **conditionally** — among paths weighted by how closely their public-index history matches
  the index levels the actuals file reports (column ``public_index``, on the scenario's scale:
  ``market.public_index.initial_level`` at the start date), quarter by quarter up to the as-of
  date. Weight of path ``i``: ``w_i = exp(−d_i² / (2 h²))`` with ``d_i²`` the mean over the
  observed quarters of ``((log I_i(t) − log I_obs(t)) / s_t)²`` and ``s_t`` the simulated
  cross-sectional standard deviation of ``log I(t)`` (a Gaussian kernel on standardised
  discrepancies: approximate Bayesian computation by importance re-weighting, Beaumont, Zhang &
  Balding 2002, *Genetics* 162:2025). The bandwidth ``h`` starts at :data:`BANDWIDTH` and is
  doubled until the effective sample size ``ESS = (Σw)² / Σw²`` (Kish 1965) reaches
  :data:`MIN_ESS`; both are reported.

The verdict uses the conditional rank when the actuals carry the index (and says so); otherwise
the unconditional one (and says that). A fund that did as well as could be expected in a market
that turned bad is then "bad luck", not "review".
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

import numpy as np
import polars as pl

#: Starting kernel bandwidth, in standard deviations of the simulated log index (assumption:
#: tight enough to separate a −1 s.d. market from a +1 s.d. one, loose enough to keep paths).
BANDWIDTH = 0.25
#: Smallest effective sample size accepted before the bandwidth is widened (assumption).
MIN_ESS = 100.0


@dataclass(frozen=True)
class ConditionalRank:
    """Where a realised TVPI falls among simulated paths at the same step, both ways.

    ``percentile`` is the conditional rank (weighted mid-rank CDF in [0, 1]) and
    ``unconditional`` the plain one on the same paths; ``ess`` the effective sample size of the
    weights out of ``n`` paths; ``bandwidth`` the kernel bandwidth used; ``quarters`` the
    observed quarters used; ``median_conditional`` / ``median_unconditional`` the simulated
    median TVPI each way; ``index_percentile`` where the realised index stands among the
    simulated index levels at the as-of step (0.5 = a median market).
    """

    percentile: float
    unconditional: float
    ess: float
    n: int
    bandwidth: float
    quarters: int
    median_conditional: float
    median_unconditional: float
    index_percentile: float

    def table(self) -> pl.DataFrame:
        return pl.DataFrame({"quantity": ["percentile_conditional", "percentile_unconditional", "effective_sample_size",
                                          "paths", "bandwidth_sd", "quarters_observed", "median_tvpi_conditional",
                                          "median_tvpi_unconditional", "index_percentile"],
                             "value": [self.percentile, self.unconditional, self.ess, float(self.n), self.bandwidth,
                                       float(self.quarters), self.median_conditional, self.median_unconditional,
                                       self.index_percentile]})


def index_observations(actuals: pl.DataFrame, grid, as_of: dt.date) -> dict[int, float]:
    """Log public-index level per step of ``grid`` (the run's venture
    :class:`~fundsvc.engine.grid.TimeGrid`) from the actuals' ``public_index`` column (up to ``as_of``).

    One value per step: rows of all sub-funds for a step must agree (the median is used).
    Empty when the column is absent or empty.
    """
    if "public_index" not in actuals.columns:
        return {}
    rows = (actuals.filter(pl.col("public_index").is_not_null() & (pl.col("period_end") <= as_of))
            .group_by("period_end").agg(pl.col("public_index").median()).sort("period_end"))
    return {grid.step_of(d): math.log(v) for d, v in rows.iter_rows() if v > 0}


def weighted_rank(values: np.ndarray, weights: np.ndarray, x: float) -> float:
    """Weighted mid-rank CDF ``(W(v < x) + W(v = x)/2) / W`` over finite values (NaN if none)."""
    ok = np.isfinite(values)
    v, w = values[ok], weights[ok]
    tot = w.sum()
    if tot <= 0 or not math.isfinite(x):
        return float("nan")
    return float((w[v < x].sum() + 0.5 * w[v == x].sum()) / tot)


def weighted_median(values: np.ndarray, weights: np.ndarray) -> float:
    ok = np.isfinite(values)
    v, w = values[ok], weights[ok]
    if v.size == 0:
        return float("nan")
    order = np.argsort(v, kind="stable")
    cw = np.cumsum(w[order])
    return float(v[order][np.searchsorted(cw, 0.5 * cw[-1])])


def path_weights(log_index: np.ndarray, observed: dict[int, float], bandwidth: float = BANDWIDTH,
                 min_ess: float = MIN_ESS) -> tuple[np.ndarray, float, float]:
    """Kernel weights of paths given their log index ``(n, n_steps)`` and the observed levels.

    Returns ``(weights (n,), ess, bandwidth used)``; unit weights when nothing is observed.
    """
    n = log_index.shape[0]
    steps = [s for s in sorted(observed) if 0 <= s < log_index.shape[1]]
    if not steps:
        return np.ones(n), float(n), float("nan")
    sim = log_index[:, steps]
    obs = np.array([observed[s] for s in steps])
    sd = sim.std(axis=0)
    sd = np.where(sd > 0, sd, 1.0)
    d2 = (((sim - obs) / sd) ** 2).mean(axis=1)
    h = bandwidth
    while True:
        logw = -0.5 * d2 / (h * h)
        w = np.exp(logw - logw.max())
        ess = float(w.sum() ** 2 / (w * w).sum())
        if ess >= min(min_ess, n) or h > 64:
            return w, ess, h
        h *= 2.0


def conditional_rank(conditioning: pl.DataFrame, step: int, realised_tvpi: float, observed: dict[int, float],
                     bandwidth: float = BANDWIDTH, min_ess: float = MIN_ESS) -> ConditionalRank:
    """Rank ``realised_tvpi`` among the paths of ``conditioning`` at ``step``, re-weighted by
    their index history against ``observed`` (step → log index); see the module docstring.

    Parameters
    ----------
    conditioning : polars.DataFrame
        Columns path, step, tvpi, log_index (one row per path and step).
    """
    wide = conditioning.sort("path", "step")
    n_steps = int(wide["step"].max()) + 1
    n = wide.height // n_steps
    tv = wide["tvpi"].to_numpy().reshape(n, n_steps)
    li = wide["log_index"].to_numpy().reshape(n, n_steps)
    s = min(max(step, 0), n_steps - 1)
    used = {k: v for k, v in observed.items() if k <= s}
    w, ess, h = path_weights(li, used, bandwidth, min_ess)
    at = tv[:, s]
    ones = np.ones(n)
    idx_pct = weighted_rank(li[:, s], ones, used[s]) if s in used else float("nan")
    return ConditionalRank(weighted_rank(at, w, realised_tvpi), weighted_rank(at, ones, realised_tvpi), ess, n, h,
                           len(used), weighted_median(at, w), weighted_median(at, ones), idx_pct)
