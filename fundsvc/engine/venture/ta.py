"""Takahashi–Alexander (Yale) model of a fund's contributions, distributions and NAV.

Source: D. Takahashi and S. Alexander (2002), "Illiquid Alternative Asset Fund Modeling",
*Journal of Portfolio Management* 28(2), 90–100. In period ``t = 1, 2, …`` of the fund's life
(years in the paper)::

    C_t   = RC_t · (CC − PIC_{t−1})               contributions, RC_t the rate of contribution
    D_t   = RD_t · NAV_{t−1} · (1 + G)            distributions
    RD_t  = max(Y, (t / L)^B)                     rate of distribution (capped at 1)
    NAV_t = NAV_{t−1} · (1 + G) + C_t − D_t

with commitment ``CC``, paid-in ``PIC``, growth ``G``, yield ``Y``, life ``L`` and bow ``B``.
``RC_t`` is ``contribution_rates[t−1]``, the last rate repeating. The paper writes the rate of
distribution as ``max(Y, (t/L)^B)``; some restatements write ``Y + (t/L)^B`` — the two agree
for ``Y = 0`` (the published venture base case) and we follow the paper.
Contributions are dated at the period end and grow from the next period, distributions are
taken from the grown NAV, so the IRR of ``D_t − C_t`` plus the terminal NAV is exactly ``G``.

Quarterly variant (``periods_per_year = 4``): the annual parameters applied per quarter with
the rates converted so a year of quarters matches a year of the annual model where that is
exact: growth ``g = (1+G)^{1/4} − 1``; in fund year ``y`` the contribution rate per quarter is
``1 − (1 − RC_y)^{1/4}`` (four quarters call the same share of the uncalled commitment as one
annual step); the distribution rate at fund age ``τ = t/4`` years is
``1 − (1 − min(1, max(Y, (τ/L)^B)))^{1/4}`` (the annual rate at that age spread over the
quarter). Deterministic quarterly IRR is again exactly ``G``.

Stochastic growth (``growth_volatility σ > 0``): per period
``g_t = g + s·(λ·F_t + sqrt(1 − λ²)·ε_t)`` with ``λ`` the ``growth_factor_loading``, ``F_t`` the
fund's sector factor (its sector-weighted mix of the market's sector factors, rescaled to unit
variance with the model's sector correlation) and ``ε_t`` an independent normal; ``g_t`` is
floored at −1 (NAV cannot go negative). The factor is a persistent AR(1) *level* (per-step
autocorrelation ``φ``), so the per-period scale ``s`` is set to make the sum of one year's
``periods_per_year`` shocks have standard deviation σ:
``s = σ / sqrt(λ²·Σ_{i,j} φ^|i−j| + (1 − λ²)·periods_per_year)`` (``s = σ/2`` per quarter when
``φ = 0``). σ is thus the within-year volatility of the growth; across years bad tech years
cluster as the factors do.

The model's flows are net to the LPs (it is calibrated to net fund cash flows), so TA sub-funds
bypass the fee and waterfall layer of :mod:`fundsvc.engine.venture.fund`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from models.common import Sector
from models.venture import TakahashiAlexanderParams


@dataclass(frozen=True)
class TAFlows:
    """Takahashi–Alexander flows, CNY per period.

    Attributes
    ----------
    contributions, distributions, nav : ndarray, shape (n_periods,) or (n_paths, n_periods)
        Paid in, paid out, NAV at period end.
    """

    contributions: np.ndarray
    distributions: np.ndarray
    nav: np.ndarray

    @property
    def paid_in(self) -> np.ndarray:
        return self.contributions.sum(axis=-1)

    @property
    def distributed(self) -> np.ndarray:
        return self.distributions.sum(axis=-1)

    @property
    def tvpi(self) -> np.ndarray:
        """(Σ distributions + final NAV) / paid-in."""
        return (self.distributed + self.nav[..., -1]) / self.paid_in


def ta_rates(
    params: TakahashiAlexanderParams, n_periods: int, periods_per_year: int = 1
) -> tuple[np.ndarray, np.ndarray, float]:
    """Per-period contribution and distribution rates and growth (conventions in module doc).

    Returns
    -------
    rc : ndarray, shape (n_periods,)
        Share of the uncalled commitment called in period t = 1..n_periods.
    rd : ndarray, shape (n_periods,)
        Share of the grown NAV distributed in period t.
    growth : float
        Growth per period.
    """
    k = np.arange(1, n_periods + 1)
    rates = np.asarray(params.contribution_rates, dtype=float)
    year = (k - 1) // periods_per_year  # 0-based fund year
    rc_year = rates[np.minimum(year, len(rates) - 1)]
    age = k / periods_per_year
    rd_year = np.minimum(1.0, np.maximum(params.yield_rate, (age / params.life_years) ** params.bow))
    if periods_per_year == 1:
        return rc_year, rd_year, float(params.growth)
    p = 1.0 / periods_per_year
    rc = 1.0 - (1.0 - rc_year) ** p
    rd = 1.0 - (1.0 - rd_year) ** p
    return rc, rd, float((1.0 + params.growth) ** p - 1.0)


def ta_recursion(commitment: float, rc: np.ndarray, rd: np.ndarray, growth: np.ndarray | float) -> TAFlows:
    """Run the TA recursion, vectorised over paths.

    Parameters
    ----------
    commitment : float
        CC, CNY.
    rc, rd : ndarray, shape (n_periods,)
        Rates of contribution and distribution per period.
    growth : float or ndarray, shape (n_periods,) or (n_paths, n_periods)
        Growth per period.

    Returns
    -------
    TAFlows
        Arrays of shape (n_periods,) for a scalar/1-D growth, else (n_paths, n_periods).
    """
    g = np.asarray(growth, dtype=float)
    n = len(rc)
    shape = g.shape[:-1] if g.ndim == 2 else ()
    g2 = np.broadcast_to(g if g.ndim else np.full(n, float(g)), shape + (n,))
    c = np.zeros(shape + (n,))
    d = np.zeros(shape + (n,))
    v = np.zeros(shape + (n,))
    nav = np.zeros(shape)
    pic = np.zeros(shape)
    for t in range(n):
        grown = nav * (1.0 + g2[..., t])
        c_t = rc[t] * (commitment - pic)
        d_t = rd[t] * grown
        nav = grown + c_t - d_t
        pic = pic + c_t
        c[..., t], d[..., t], v[..., t] = c_t, d_t, nav
    return TAFlows(c, d, v)


def ta_deterministic(
    params: TakahashiAlexanderParams,
    commitment: float,
    n_periods: int | None = None,
    periods_per_year: int = 1,
) -> TAFlows:
    """Deterministic TA flows of one fund.

    Parameters
    ----------
    params : TakahashiAlexanderParams
    commitment : float
        CNY.
    n_periods : int, optional
        Defaults to the fund life (``life_years × periods_per_year``, rounded up).
    periods_per_year : int
        1 (the paper's annual model) or 4 (quarterly variant).

    Returns
    -------
    TAFlows
        Arrays of shape (n_periods,).
    """
    if n_periods is None:
        n_periods = int(np.ceil(params.life_years * periods_per_year))
    rc, rd, g = ta_rates(params, n_periods, periods_per_year)
    return ta_recursion(commitment, rc, rd, g)


def fund_factor(
    weights: dict[Sector, float],
    sectors: tuple[Sector, ...],
    sector_correlation: np.ndarray,
    sector_paths: np.ndarray,
) -> np.ndarray:
    """A fund's sector factor: weighted mix of its sectors' factors rescaled to unit variance.

    Parameters
    ----------
    weights : dict Sector -> float
        Sector weights of the fund.
    sectors : tuple of Sector
        Order of the last axis of ``sector_paths`` and of ``sector_correlation``.
    sector_correlation : ndarray, shape (n_sectors, n_sectors)
    sector_paths : ndarray, shape (n_paths, n_steps, n_sectors)
        N(0, 1) sector factors.

    Returns
    -------
    ndarray, shape (n_paths, n_steps)
    """
    w = np.array([weights.get(s, 0.0) for s in sectors], dtype=float)
    sd = float(np.sqrt(w @ sector_correlation @ w))
    return sector_paths @ (w / sd)


def growth_shock_scale(params: TakahashiAlexanderParams, periods_per_year: int, autocorrelation: float = 0.0) -> float:
    """Per-period scale ``s`` of the growth shock (module doc), per period."""
    lam = params.growth_factor_loading
    k = np.arange(periods_per_year)
    s_sum = float((autocorrelation ** np.abs(np.subtract.outer(k, k))).sum())
    return params.growth_volatility / np.sqrt(lam * lam * s_sum + (1.0 - lam * lam) * periods_per_year)


def ta_growth_paths(
    params: TakahashiAlexanderParams,
    factor: np.ndarray,
    rng: np.random.Generator,
    periods_per_year: int,
    autocorrelation: float = 0.0,
) -> np.ndarray:
    """Stochastic growth per period (module doc), shape like ``factor`` (n_paths, n_periods).

    ``autocorrelation`` is the factor's per-period AR(1) coefficient (``MarketPaths.autocorrelation``).
    """
    _, _, g = ta_rates(params, 1, periods_per_year)
    lam = params.growth_factor_loading
    eps = rng.standard_normal(factor.shape)
    shock = lam * factor + np.sqrt(max(1.0 - lam * lam, 0.0)) * eps
    scale = growth_shock_scale(params, periods_per_year, autocorrelation)
    return np.maximum(g + scale * shock, -1.0)


def ta_fund_paths(
    params: TakahashiAlexanderParams,
    commitment: float,
    factor: np.ndarray,
    rng: np.random.Generator,
    start_step: int,
    periods_per_year: int,
    autocorrelation: float = 0.0,
) -> TAFlows:
    """Stochastic TA flows on the scenario's time axis.

    Parameters
    ----------
    params : TakahashiAlexanderParams
    commitment : float
        Commitment the flows are for, CNY.
    factor : ndarray, shape (n_paths, n_steps)
        The fund's sector factor on the scenario axis (see :func:`fund_factor`).
    rng : numpy.random.Generator
        The sub-fund's stream (idiosyncratic shocks; drawn even when ``growth_volatility`` is 0
        so that streams stay aligned).
    start_step : int
        Fund period 1 is step ``start_step``; earlier steps are zero.
    periods_per_year : int
    autocorrelation : float
        Per-step AR(1) coefficient of the factor (``MarketPaths.autocorrelation``).

    Returns
    -------
    TAFlows
        Arrays of shape (n_paths, n_steps).
    """
    n_paths, n_steps = factor.shape
    n = max(n_steps - start_step, 0)
    out = [np.zeros((n_paths, n_steps)) for _ in range(3)]
    if n == 0:
        return TAFlows(*out)
    rc, rd, _ = ta_rates(params, n, periods_per_year)
    growth = ta_growth_paths(params, factor[:, start_step:], rng, periods_per_year, autocorrelation)
    flows = ta_recursion(commitment, rc, rd, growth)
    for arr, part in zip(out, (flows.contributions, flows.distributions, flows.nav)):
        arr[:, start_step:] = part
    return TAFlows(*out)
