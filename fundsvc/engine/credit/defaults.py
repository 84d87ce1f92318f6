"""Correlated defaults: conditional hazards per (path, group, step) and default times per loan.

Model. Given the sector factor ``z`` of a loan in step ``t`` (N(0, 1); negative = bad year), the
loan's probability of defaulting in a full step while outstanding is the Vasicek conditional PD

    p_t(z) = Φ((Φ⁻¹(PD_step) − √R·z) / √(1 − R)),     PD_step = 1 − (1 − PD_annual)^dt,

independently across loans given the factors. We write it as a hazard ``h_t = −log(1 − p_t)``;
a step the loan is at risk for only a share ``w`` (origination or maturity inside the step) has
hazard ``w·h_t``. A loan defaults at most once, in the first step ``T`` with
``E < Σ_{s ≤ T} w_s h_s`` where ``E = −log(1 − U)`` for one uniform ``U`` per loan and path: this
is exactly "default in step t with probability p_t given survival so far".

Speed. The hazard is computed per (path, group, step) only (a group shares PD, sector and R),
then the window default probability ``1 − exp(−Σ_t w_t h_t)`` per (path, key) (a key is a group
with one at-risk window). Loans are sorted by key, so ``np.repeat`` spreads the key thresholds
over the loans and one float32 comparison per loan and path decides whether the loan defaults
within the horizon. Only for the (sparse) defaults is the step found, from their gathered
cumulative hazards. Cost: one float32 uniform per loan and path (not per loan-year).
"""

from __future__ import annotations

import numpy as np
from scipy.special import log_ndtr


def conditional_hazard(z: np.ndarray, threshold: np.ndarray, sector: np.ndarray, r: np.ndarray) -> np.ndarray:
    """Conditional hazard ``−log(1 − p_t(z))`` per path, group and step.

    Parameters
    ----------
    z : ndarray (n_paths, n_steps, n_sectors)
        Sector factors.
    threshold : ndarray (n_groups,)
        ``Φ⁻¹(PD_step)``.
    sector : ndarray of int (n_groups,)
        Sector position of each group.
    r : ndarray (n_groups,)
        Asset correlation R in [0, 1).

    Returns
    -------
    ndarray (n_paths, n_groups, n_steps), float64
    """
    zg = np.transpose(z[:, :, sector], (0, 2, 1))  # (n_paths, n_groups, n_steps)
    x = (threshold[None, :, None] - np.sqrt(r)[None, :, None] * zg) / np.sqrt(1.0 - r)[None, :, None]
    return -log_ndtr(-x)


def conditional_pd(hazard: np.ndarray) -> np.ndarray:
    """Step default probability from the hazard: ``1 − exp(−h)``."""
    return -np.expm1(-hazard)


def window_probability(hazard: np.ndarray, key_group: np.ndarray, key_weight: np.ndarray) -> np.ndarray:
    """Probability of default within each key's window, shape (n_paths, n_keys), float32.

    ``key_weight`` (n_keys, n_steps) is the share of each step at risk.
    """
    cum = np.einsum("pks,ks->pk", hazard[:, key_group, :], key_weight)
    return (-np.expm1(-cum)).astype(np.float32)


def default_steps(u: np.ndarray, hazard_rows: np.ndarray, weight_rows: np.ndarray, last_step: np.ndarray) -> np.ndarray:
    """Step of default of loans known to default within their window.

    Parameters
    ----------
    u : ndarray (n_def,)
        The loan's uniform (below its window default probability).
    hazard_rows, weight_rows : ndarray (n_def, n_steps)
        Conditional hazard of the loan's group on its path, and its at-risk shares.
    last_step : ndarray of int (n_def,)
        Last at-risk step (guards against float32 rounding at the window edge).

    Returns
    -------
    ndarray of int64 (n_def,)
    """
    e = -np.log1p(-u.astype(np.float64))
    cum = np.cumsum(hazard_rows * weight_rows, axis=1)
    t = (cum <= e[:, None]).sum(axis=1)
    return np.minimum(t, last_step).astype(np.int64)


def default_time(step: np.ndarray, start: np.ndarray, end: np.ndarray, dt: float) -> np.ndarray:
    """Default time in years from the simulation start: the middle of the at-risk part of the step."""
    lo = np.maximum(start, step * dt)
    hi = np.minimum(end, (step + 1) * dt)
    return 0.5 * (lo + hi)


def draw_window_defaults(prob: np.ndarray, counts: np.ndarray, rng: np.random.Generator):
    """Which loans default within their window.

    Parameters
    ----------
    prob : ndarray (n_paths, n_keys), float32
        Window default probability per key.
    counts : ndarray of int (n_keys,)
        Loans per key (loans sorted by key).
    rng : numpy.random.Generator

    Returns
    -------
    rows, cols : ndarray of int64 (n_def,)
        Path (row of ``prob``) and loan of each default.
    u : ndarray float32 (n_def,)
        Their uniforms.
    """
    n_paths = prob.shape[0]
    n_items = int(counts.sum())
    uni = rng.random((n_paths, n_items), dtype=np.float32)
    thr = prob if prob.shape[1] == n_items else np.repeat(prob, counts, axis=1)
    rows, cols = np.nonzero(uni < thr)
    return rows, cols, uni[rows, cols]
