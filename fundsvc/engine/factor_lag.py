"""A side's view of the shared factors with a time lag (``market.credit_factor_lag_years``).

With lag ``L`` years the side's tech-cycle and sector factors at step ``t`` are the shared ones
at step ``t − L·steps_per_year`` (``L < 0``: the side feels the cycle ``|L|`` years *later*).
Steps before the simulation start (``L > 0``) or after its end (``L < 0``) continue the factor
process exactly: the stationary Gaussian AR(1) of :mod:`fundsvc.engine.factors` is
time-reversible (its autocovariance ``φ^|h|·Corr`` is symmetric in ``h``), so going backwards
from step 0 uses the same recursion as going forwards from the last step,

    X_{next} = φ·X + √(1 − φ²)·η,   η ~ N(0, Corr),

with ``η`` for the tech cycle and the sector factors drawn jointly
(``η_s = β·η_c + √(1 − β²)·R_e^{1/2}·η_e``), from a stream of its own (the shared draws stay
untouched, so ``L = 0`` is bit-identical to no lag). Given the step it starts from, the
extension is independent of every imposed window (they constrain the innovations of the
simulated steps only), so conditioning stays exact. The exit regime and the public index are
not lagged.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from fundsvc.engine.factors import MarketPaths, _sqrt_psd

__all__ = ["LAG_STREAM_KEY", "credit_view", "lag_factors"]

LAG_STREAM_KEY = 1
"""Sub-key of the factor stream that feeds the extension: ``stream(seed, chunk, FACTORS, 1)``."""


def _extend(c0: np.ndarray, s0: np.ndarray, n: int, phi: float, beta: np.ndarray, resid_sqrt: np.ndarray,
            rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """``n`` further steps of (C, S) from (c0 (P,), s0 (P, K)); shapes (P, n), (P, n, K), step 1 first."""
    p, k = s0.shape
    eta_c = rng.standard_normal((p, n))
    eta_e = rng.standard_normal((p, n, k)) @ resid_sqrt.T
    eta_s = eta_c[:, :, None] * beta + eta_e * np.sqrt(1.0 - beta**2)
    sd = np.sqrt(1.0 - phi**2)
    c, s = np.empty((p, n)), np.empty((p, n, k))
    prev_c, prev_s = c0, s0
    for j in range(n):
        prev_c = phi * prev_c + sd * eta_c[:, j]
        prev_s = phi * prev_s + sd * eta_s[:, j]
        c[:, j], s[:, j] = prev_c, prev_s
    return c, s


def lag_factors(market: MarketPaths, lag_steps: int, model, rng: np.random.Generator) -> MarketPaths:
    """``market`` with tech cycle and sectors delayed by ``lag_steps`` steps (negative: advanced).

    Parameters
    ----------
    market : MarketPaths
        The shared factors; ``tech_cycle`` (P, T), ``sector`` (P, T, K).
    lag_steps : int
        Steps of delay; 0 returns ``market`` itself.
    model : models.market.MarketModel
        Loadings ``β`` and residual correlation of the sectors (the extension's law).
    rng : numpy.random.Generator
        The extension's own stream.
    """
    if lag_steps == 0:
        return market
    n, t = abs(lag_steps), market.n_steps
    beta = np.array([model.tech_cycle_loading[s] for s in market.sectors])
    r = model.residual_correlation
    rs = np.eye(len(beta)) if r is None else _sqrt_psd(np.asarray(r, dtype=float))
    tc, sec = market.tech_cycle, market.sector
    if lag_steps > 0:  # backwards from step 0, reversed so that the earliest comes first
        c, s = _extend(tc[:, 0], sec[:, 0], n, market.autocorrelation, beta, rs, rng)
        new_c = np.concatenate([c[:, ::-1], tc], axis=1)[:, :t]
        new_s = np.concatenate([s[:, ::-1], sec], axis=1)[:, :t]
    else:
        c, s = _extend(tc[:, -1], sec[:, -1], n, market.autocorrelation, beta, rs, rng)
        new_c = np.concatenate([tc, c], axis=1)[:, -t:]
        new_s = np.concatenate([sec, s], axis=1)[:, -t:]
    return replace(market, tech_cycle=np.ascontiguousarray(new_c), sector=np.ascontiguousarray(new_s))


def credit_view(market: MarketPaths, scenario, seed: int, chunk_index: int) -> MarketPaths:
    """The credit side's factors of one chunk: ``market`` lagged by
    ``scenario.market.credit_factor_lag_years`` (extension from ``stream(seed, chunk_index,
    FACTORS, LAG_STREAM_KEY)``); ``market`` itself when the lag is 0. Any grid."""
    lag = scenario.market.credit_factor_lag_years
    if not lag:
        return market
    from fundsvc.engine.sampling import Component, stream

    return lag_factors(market, lag * market.steps_per_year, scenario.market,
                       stream(seed, chunk_index, Component.FACTORS, LAG_STREAM_KEY))
