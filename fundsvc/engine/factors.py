"""Shared market factors: tech cycle, sector factors, exit regime and public index.

Model (see :class:`models.market.MarketModel`): per step ``t`` and path,

* tech cycle ``C_t = φ C_{t-1} + sqrt(1-φ²) ε_t`` (``C_0 = ε_0``), standard normal marginally;
* sector residuals ``E_t`` the same AR(1) with innovations correlated by ``residual_correlation``;
* sector factors ``S_{k,t} = b_k C_t + sqrt(1-b_k²) E_{k,t}`` — standard normal, correlated as
  :meth:`MarketModel.sector_correlation`;
* regime: a Markov chain on (hot, normal, cold) whose moves are tilted towards ``cold`` (and
  away from ``hot``) when ``C_t`` is low (``tech_cycle_link``; one-sided by default, see
  :class:`models.market.RegimeTilt`);
* public index: GBM whose log-return shock has correlation ``tech_cycle_correlation`` with ``ε_t``.

``φ = persistence ** (1 / steps_per_year)``. All random numbers are drawn up front from one
generator; the kernel loops over time steps only. Imposed windows (a scenario's
``market_conditions``) condition the draws exactly, see :mod:`fundsvc.engine.conditioning`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from models.common import Sector
from models.market import REGIME_ORDER, MarketModel, RegimeTilt

_TILT = np.array([1.0, 0.0, -1.0])  # hot, normal, cold: low tech cycle favours cold


@dataclass(frozen=True)
class MarketPaths:
    """Simulated market factors for one chunk of paths.

    Attributes
    ----------
    steps_per_year : int
        4 for quarterly, 1 for annual steps.
    sectors : tuple of Sector
        Order of the last axis of ``sector``.
    tech_cycle : ndarray, shape (n_paths, n_steps)
        Common tech-cycle factor, N(0, 1) at each step; negative is a bad tech year.
    sector : ndarray, shape (n_paths, n_steps, n_sectors)
        Sector factors, N(0, 1) at each step.
    regime : ndarray of int8, shape (n_paths, n_steps), or None
        Index into :data:`models.market.REGIME_ORDER` (0 hot, 1 normal, 2 cold).
    index_level : ndarray, shape (n_paths, n_steps + 1)
        Public index level at the start (column 0) and end of each step.
    autocorrelation : float
        Per-step AR(1) coefficient of the factors (used to aggregate steps exactly).
    """

    steps_per_year: int
    sectors: tuple[Sector, ...]
    tech_cycle: np.ndarray
    sector: np.ndarray
    regime: np.ndarray | None
    index_level: np.ndarray
    autocorrelation: float

    @property
    def n_paths(self) -> int:
        return self.tech_cycle.shape[0]

    @property
    def n_steps(self) -> int:
        return self.tech_cycle.shape[1]

    def sector_position(self, sector: Sector) -> int:
        return self.sectors.index(sector)

    def sector_factor(self, sectors: np.ndarray) -> np.ndarray:
        """Factor of each item's sector: ``sectors`` shape (n_items,) of positions →
        shape (n_paths, n_steps, n_items)."""
        return self.sector[:, :, sectors]

    def annual(self) -> MarketPaths:
        """Aggregate quarterly paths to annual steps (for the credit side).

        Each annual factor is the mean of the year's steps rescaled to unit variance (exact for
        the AR(1) used here), so annual factors stay N(0, 1); the regime is the year-end one;
        the index keeps every ``steps_per_year``-th level. Whole years only.
        """
        k = self.steps_per_year
        if k == 1:
            return self
        n_years = self.n_steps // k
        if n_years == 0:
            raise ValueError("fewer steps than one year")
        phi = self.autocorrelation
        lags = np.abs(np.subtract.outer(np.arange(k), np.arange(k)))
        scale = np.sqrt((phi**lags).sum()) / k  # sd of the mean of k AR(1) values
        cut = n_years * k
        tc = self.tech_cycle[:, :cut].reshape(self.n_paths, n_years, k).mean(axis=2) / scale
        sec = (
            self.sector[:, :cut, :]
            .reshape(self.n_paths, n_years, k, len(self.sectors))
            .mean(axis=2)
            / scale
        )
        reg = None if self.regime is None else self.regime[:, k - 1 : cut : k]
        return MarketPaths(1, self.sectors, tc, sec, reg, self.index_level[:, : cut + 1 : k], phi**k)


def _sqrt_psd(corr: np.ndarray) -> np.ndarray:
    """A matrix ``A`` with ``A @ A.T == corr`` for a PSD correlation matrix (eigen-decomposition)."""
    w, v = np.linalg.eigh(corr)
    return v * np.sqrt(np.clip(w, 0.0, None))


def simulate_market(
    market: MarketModel,
    n_paths: int,
    n_steps: int,
    steps_per_year: int,
    rng: np.random.Generator,
    conditions=None,
) -> MarketPaths:
    """Simulate the shared market factors.

    Parameters
    ----------
    market : MarketModel
    n_paths, n_steps : int
    steps_per_year : int
        4 for quarterly steps.
    rng : numpy.random.Generator
        The chunk's factor stream.
    conditions : fundsvc.engine.conditioning.ConditionSet, optional
        Imposed paths, means, shifts and regimes; the same draws are conditioned on them.

    Returns
    -------
    MarketPaths
        Arrays of shape (n_paths, n_steps[, n_sectors]).
    """
    sectors = tuple(market.sectors)
    n_sec = len(sectors)
    dt = 1.0 / steps_per_year
    phi = market.persistence**dt
    innov_sd = np.sqrt(1.0 - phi**2)

    # all draws up front: tech-cycle, sector residuals, index, regime uniforms
    eps_c = rng.standard_normal((n_paths, n_steps))
    eps_e = rng.standard_normal((n_paths, n_steps, n_sec))
    eps_i = rng.standard_normal((n_paths, n_steps))
    u_reg = rng.random((n_paths, n_steps)) if market.regime is not None and market.regime.enabled else None
    u_reg0 = rng.random(n_paths) if u_reg is not None else None

    if conditions is not None and conditions.has_gaussian:
        from fundsvc.engine.conditioning import join_innovations, split_innovations

        if conditions.n_steps != n_steps or conditions.n_sectors != n_sec:
            raise ValueError("the imposed conditions were compiled for another grid or sector list")
        eps_c, eps_e, eps_i = split_innovations(
            conditions.apply(join_innovations(eps_c, eps_e, eps_i)), n_steps, n_sec)

    if market.residual_correlation is not None:
        eps_e = eps_e @ _sqrt_psd(np.asarray(market.residual_correlation, dtype=float)).T

    tc = np.empty((n_paths, n_steps))
    res = np.empty((n_paths, n_steps, n_sec))
    tc[:, 0] = eps_c[:, 0]
    res[:, 0] = eps_e[:, 0]
    for t in range(1, n_steps):
        tc[:, t] = phi * tc[:, t - 1] + innov_sd * eps_c[:, t]
        res[:, t] = phi * res[:, t - 1] + innov_sd * eps_e[:, t]

    b = np.array([market.tech_cycle_loading[s] for s in sectors])
    sec = tc[:, :, None] * b + res * np.sqrt(1.0 - b**2)

    # public index: log-return shock correlated with the tech-cycle innovation
    pi = market.public_index
    rho = pi.tech_cycle_correlation
    shock = rho * eps_c + np.sqrt(1.0 - rho**2) * eps_i
    log_ret = (pi.drift - 0.5 * pi.volatility**2) * dt + pi.volatility * np.sqrt(dt) * shock
    level = np.empty((n_paths, n_steps + 1))
    level[:, 0] = pi.initial_level
    level[:, 1:] = pi.initial_level * np.exp(np.cumsum(log_ret, axis=1))

    regime = None
    if u_reg is not None:
        forced = None if conditions is None or not conditions.has_regime else conditions.regime
        regime = _simulate_regime(market, tc, u_reg0, u_reg, steps_per_year, forced)
    return MarketPaths(steps_per_year, sectors, tc, sec, regime, level, phi)


def regime_tilt(market: MarketModel, tc: np.ndarray) -> np.ndarray:
    """Multiplicative tilt of the moves to (hot, normal, cold), ``tc`` shape (n,) → (n, 3)."""
    cfg = market.regime
    c = np.minimum(tc, 0.0) if cfg.tilt is RegimeTilt.ONE_SIDED else tc
    return np.exp(cfg.tech_cycle_link * c[:, None] * _TILT)


def _simulate_regime(market: MarketModel, tc: np.ndarray, u0: np.ndarray, u: np.ndarray, steps_per_year: int,
                     forced: np.ndarray | None = None) -> np.ndarray:
    """Regime chain, shape (n_paths, n_steps), int8; transition matrix given per quarter.

    ``forced`` (shape (n_steps,), -1 where free) imposes states; the chain is then drawn from its
    exact bridge law (:func:`fundsvc.engine.conditioning.simulate_regime_forced`)."""
    cfg = market.regime
    assert cfg is not None
    p0 = np.array([cfg.initial[r] for r in REGIME_ORDER])
    trans = np.array(cfg.transition, dtype=float)
    if steps_per_year != 4:
        trans = np.linalg.matrix_power(trans, 4 // steps_per_year) if steps_per_year < 4 else trans
    n_paths, n_steps = tc.shape
    if forced is not None:
        from fundsvc.engine.conditioning import simulate_regime_forced

        def kernel(t: int) -> np.ndarray:
            k = trans[None, :, :] * regime_tilt(market, tc[:, t])[:, None, :]
            return k / k.sum(axis=2, keepdims=True)

        return simulate_regime_forced(kernel, p0, forced, u0, u)
    reg = np.empty((n_paths, n_steps), dtype=np.int8)
    state = (u0[:, None] > np.cumsum(p0)[None, :-1]).sum(axis=1)
    for t in range(n_steps):
        probs = trans[state] * regime_tilt(market, tc[:, t])
        cum = np.cumsum(probs, axis=1)
        state = (u[:, t : t + 1] * cum[:, -1:] > cum[:, :-1]).sum(axis=1)
        reg[:, t] = state
    return reg
