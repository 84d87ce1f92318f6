"""Point-in-time stress: move the market factors instead of swapping in a stressed PD scale.

The seam: :func:`apply_factor_shift` takes the factor paths of one engine's grid and returns them
shifted as :class:`models.factor_shift.FactorShift` says; the simulation applies it to the paths
each engine receives (equity and credit alike, so a bad tech year hits both). It is an additive
mean shift of the simulated N(0, 1) factors — not the exact Gaussian conditioning on an imposed
path of the stress engine (issue "Stress tests that stress …"), which should replace it when it
lands; the scenario field and this function are the only places to change.

Effect on a loan (one-factor Vasicek, asset correlation R, sector loading β, shift Δ): with the
sector factor ``s ~ N(β·Δ, 1)`` at a step in the window, the unconditional step PD becomes
``Φ(Φ⁻¹(PD) − √R·β·Δ)`` — e.g. PD 3 %, R 0.12, β 0.6, Δ = −1.5: 5.8 %, ×1.94.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
from scipy.special import ndtr, ndtri

from fundsvc.engine.factors import MarketPaths
from models.factor_shift import FactorShift

__all__ = ["apply_factor_shift", "shift_path", "shifted_pd"]


def shift_path(shift: FactorShift, n_steps: int, steps_per_year: int, autocorrelation: float) -> np.ndarray:
    """Shift of the tech-cycle factor at each step, shape (n_steps,), σ units.

    Step ``t`` covers ``[t, t + 1)/steps_per_year`` years; it is in the window when its middle is.
    After the window the shift decays as ``autocorrelation^k`` (k steps after the window's end)."""
    mid = (np.arange(n_steps) + 0.5) / steps_per_year
    inside = (mid >= shift.start_year) & (mid < shift.end_year)
    out = np.where(inside, shift.tech_cycle_shift, 0.0)
    if shift.decay_after and inside.any():
        last = int(np.nonzero(inside)[0].max())
        k = np.arange(n_steps) - last
        after = k > 0
        out = np.where(after, shift.tech_cycle_shift * autocorrelation ** np.maximum(k, 0), out)
    return out


def apply_factor_shift(market: MarketPaths, shift: FactorShift | None, loadings: dict) -> MarketPaths:
    """``market`` with the tech cycle shifted by :func:`shift_path` and each sector by ``β_k`` times it.

    Parameters
    ----------
    market : MarketPaths
        Factor paths on one engine's grid; ``tech_cycle`` (n_paths, n_steps), ``sector``
        (n_paths, n_steps, n_sectors).
    shift : FactorShift or None
        None returns ``market`` unchanged.
    loadings : dict Sector -> float
        Tech-cycle loading ``β_k`` of each sector (the scenario's market model).
    """
    if shift is None:
        return market
    d = shift_path(shift, market.tech_cycle.shape[1], market.steps_per_year, market.autocorrelation)
    beta = np.array([loadings[s] for s in market.sectors])
    return replace(market, tech_cycle=market.tech_cycle + d[None, :],
                   sector=market.sector + d[None, :, None] * beta[None, None, :])


def shifted_pd(pd, r, beta: float, delta: float):
    """Unconditional PD of a step whose sector factor has mean ``β·Δ``: ``Φ(Φ⁻¹(PD) − √R·β·Δ)``."""
    return ndtr(ndtri(np.asarray(pd, dtype=float)) - np.sqrt(r) * beta * delta)
