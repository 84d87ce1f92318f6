"""Exact default-count distribution of a finite homogeneous one-factor Gaussian portfolio.

For ``n`` obligors with common PD and asset correlation R, defaults are conditionally
independent given the factor ``Z``, so

    P(D = k) = ∫ C(n, k) · p(z)^k · (1 − p(z))^(n−k) · φ(z) dz,

with ``p(z)`` the Vasicek conditional PD (:func:`~fundsvc.credit.analytics.vasicek.conditional_pd`).

Numerics
--------
Every ``k`` is integrated at once (vectorised over ``k``) by an adaptive, mode-split rule. For
each ``k`` the log-integrand ``f_k(z)`` is strictly concave (``f_k'' ≤ −1``); a safeguarded
Newton iteration finds its mode ``ẑ_k``, bisection finds the points either side where
``f_k`` has dropped 60 nats below its peak (within ``√120`` of the mode, by concavity), and a
Gauss–Legendre rule (:func:`numpy.polynomial.legendre.leggauss`, ``n_nodes`` per side) is
applied on each side (more nodes are used automatically for R > 0.95, where ``p(z)`` becomes
nearly a step). All sums are in log space (``log Φ`` via :func:`scipy.special.log_ndtr`,
``log C(n, k)`` via ``gammaln``, ``logsumexp``), so ``n`` of 10⁴ and more is fine and far-tail
probabilities keep their relative accuracy. With ``R = 0`` the binomial pmf is returned exactly.

Why not one fixed Gauss–Hermite rule (e.g. 200 ``hermegauss`` nodes centred at 0): for large
``n`` each integrand is a narrow peak (default-rate width ~ n^{−1/2}) whose position moves with
``k``; a fixed rule samples it at a few nodes and gives a rippled pmf — we measured up to 42 %
relative error in the bulk for n = 10 000, PD = 1 %, R = 0.12 (and 1e-6 for n = 1 000). A
Gauss–Hermite rule re-centred and scaled at each mode fixes that but fails for ``k = 0`` or
``k = n`` at high R, where the integrand is a sharp edge with a long Gaussian side (4e-3 relative
error at n = 200, R = 0.9); splitting at the mode handles both shapes. Against a 2·10⁶-point
log-space trapezoid reference the result agrees to ~1e-9 relative or better (see the tests).
"""

from __future__ import annotations

import numpy as np
from numpy.polynomial.legendre import leggauss
from scipy.special import gammaln, log_ndtr, logsumexp, ndtri

from fundsvc.credit.analytics._checks import (
    check_correlation,
    check_nonnegative_int,
    check_positive_int,
    check_probability,
    fail,
)
from fundsvc.credit.analytics.loss_distribution import LossDistribution, discretise_to_grid

__all__ = ["default_count_pmf", "homogeneous_loss_distribution", "homogeneous_loss_on_grid"]

_LOG_SQRT_2PI = 0.5 * np.log(2.0 * np.pi)
_Z_BRACKET = 60.0
_DROP = 60.0  # integrate out to where the integrand is e^−60 of its peak


def _log_mills(u: np.ndarray) -> np.ndarray:
    """log of the inverse Mills ratio λ(u) = φ(u)/Φ(u), stable for all u."""
    return -0.5 * u**2 - _LOG_SQRT_2PI - log_ndtr(u)


def _derivatives(z, k, n, a, s, c):
    """First and second derivatives in z of k·logΦ(u) + (n−k)·logΦ(−u) − z²/2, u = (a − s z)/c."""
    u = (a - s * z) / c
    lam_p = np.exp(_log_mills(u))  # λ(u)
    lam_m = np.exp(_log_mills(-u))  # λ(−u)
    d_lam_p = -lam_p * (u + lam_p)  # λ'(u)
    d_lam_m = -lam_m * (-u + lam_m)  # λ'(−u)
    g = s / c
    f1 = g * ((n - k) * lam_m - k * lam_p) - z
    f2 = g * g * (k * d_lam_p + (n - k) * d_lam_m) - 1.0
    return f1, f2


def _modes(k: np.ndarray, n: int, a: float, s: float, c: float, iters: int = 100) -> np.ndarray:
    """Mode ẑ_k of each log-integrand f_k (vectorised over k); f_k is strictly concave."""
    lo = np.full(k.shape, -_Z_BRACKET)
    hi = np.full(k.shape, _Z_BRACKET)
    # Start where p(z) = k/n (clipped), the large-n location of the peak.
    x = np.clip(k / n, 0.5 / n, 1.0 - 0.5 / n)
    z = np.clip((a - c * ndtri(x)) / s, -_Z_BRACKET + 1, _Z_BRACKET - 1)
    for _ in range(iters):
        f1, f2 = _derivatives(z, k, n, a, s, c)
        # f is strictly concave: f1 > 0 left of the mode, < 0 right of it.
        lo = np.where(f1 > 0, z, lo)
        hi = np.where(f1 < 0, z, hi)
        step = -f1 / f2
        z_new = z + step
        outside = (z_new <= lo) | (z_new >= hi) | ~np.isfinite(z_new)
        z_new = np.where(outside, 0.5 * (lo + hi), z_new)
        done = np.abs(z_new - z) <= 1e-13 * (1.0 + np.abs(z))
        z = z_new
        if np.all(done):
            break
    return z


def _log_integrand(z, k, n, a, s, c, log_comb):
    """log of C(n,k)·p(z)^k·(1 − p(z))^(n−k)·φ(z); broadcasts z against k."""
    u = (a - s * z) / c
    log_p = np.where(k > 0, k * log_ndtr(u), 0.0)
    log_q = np.where(k < n, (n - k) * log_ndtr(-u), 0.0)
    return log_comb + log_p + log_q - 0.5 * z**2 - _LOG_SQRT_2PI


def _drop_point(mode, f_max, direction, k, n, a, s, c, log_comb, iters: int = 60):
    """Point on one side of the mode where the log-integrand has fallen by _DROP (bisection).

    f'' ≤ −1, so f(ẑ ± d) ≤ f(ẑ) − d²/2 and the point lies within √(2·_DROP) of the mode.
    """
    near = mode.copy()
    far = mode + direction * np.sqrt(2.0 * _DROP)
    target = f_max - _DROP
    for _ in range(iters):
        mid = 0.5 * (near + far)
        above = _log_integrand(mid, k, n, a, s, c, log_comb) > target
        near = np.where(above, mid, near)
        far = np.where(above, far, mid)
    return far


def default_count_pmf(
    n_obligors: int, pd: float, rho: float, *, n_nodes: int | None = None
) -> np.ndarray:
    """Exact distribution of the number of defaults in a finite homogeneous portfolio.

    Parameters
    ----------
    n_obligors : int
        Number of obligors n ≥ 0 (tested up to 10⁴; larger works, cost O(n · n_nodes)).
    pd : float
        Common one-period default probability, fraction in [0, 1].
    rho : float
        Common asset correlation R in [0, 1).
    n_nodes : int, optional
        Gauss–Legendre nodes on each side of each integrand's mode (see the module notes).
        Default by correlation: 48 for R ≤ 0.95, 96 for R ≤ 0.99, 200 above (measured: sum
        and mean exact to ~1e-12 with these; 48 nodes at R = 0.999 leave a 4e-6 error).

    Returns
    -------
    numpy.ndarray
        ``P(D = k)`` for ``k = 0 … n``, shape ``(n + 1,)``. It sums to 1 within ~1e-11 for
        n ≤ 10⁴ (the limit is the rounding of ``log C(n, k)``, not the quadrature). With
        ``rho = 0`` it is the binomial pmf.

    Examples
    --------
    >>> p = default_count_pmf(100, 0.02, 0.15)
    >>> round(float(p.sum()), 12), round(float(p @ range(101)), 10)
    (1.0, 2.0)
    """
    n = check_nonnegative_int("n_obligors", n_obligors)
    pd = float(check_probability("pd", pd))
    rho = float(check_correlation("rho", rho))
    if n_nodes is None:
        n_nodes = 48 if rho <= 0.95 else (96 if rho <= 0.99 else 200)
    n_nodes = check_positive_int("n_nodes", n_nodes)
    out = np.zeros(n + 1)
    if pd == 0.0 or n == 0:
        out[0] = 1.0
        return out
    if pd == 1.0:
        out[n] = 1.0
        return out
    k = np.arange(n + 1, dtype=float)
    log_comb = gammaln(n + 1.0) - gammaln(k + 1.0) - gammaln(n - k + 1.0)
    if rho == 0.0:
        # No factor: exactly binomial (the integral over z is trivial).
        return np.exp(_log_integrand(0.0, k, n, ndtri(pd), 0.0, 1.0, log_comb) + _LOG_SQRT_2PI)

    a, s, c = ndtri(pd), np.sqrt(rho), np.sqrt(1.0 - rho)
    mode = _modes(k, n, a, s, c)
    f_max = _log_integrand(mode, k, n, a, s, c, log_comb)
    left = _drop_point(mode, f_max, -1.0, k, n, a, s, c, log_comb)
    right = _drop_point(mode, f_max, +1.0, k, n, a, s, c, log_comb)

    x, w = leggauss(n_nodes)  # on [−1, 1]
    kk, lc = k[:, None], log_comb[:, None]
    pieces = []
    for lo, hi in ((left, mode), (mode, right)):
        half = 0.5 * (hi - lo)
        z = (0.5 * (hi + lo))[:, None] + half[:, None] * x[None, :]  # (n+1, n_nodes)
        log_f = _log_integrand(z, kk, n, a, s, c, lc)
        pieces.append(np.log(half) + logsumexp(np.log(w)[None, :] + log_f, axis=1))
    return np.exp(np.logaddexp(pieces[0], pieces[1]))


def homogeneous_loss_distribution(
    n_obligors: int,
    pd: float,
    rho: float,
    exposure_cny: float,
    lgd: float,
    *,
    n_nodes: int | None = None,
) -> LossDistribution:
    """Loss distribution of a finite homogeneous portfolio with fixed LGD.

    ``L = D · exposure_cny · lgd`` with ``D`` from :func:`default_count_pmf`.

    Parameters
    ----------
    n_obligors : int
        Number of obligors.
    pd : float
        Common default probability, fraction in [0, 1].
    rho : float
        Asset correlation in [0, 1).
    exposure_cny : float
        Exposure at default per obligor, CNY, > 0.
    lgd : float
        Loss given default, fraction in (0, 1].
    n_nodes : int, optional
        Quadrature nodes (see :func:`default_count_pmf`).

    Returns
    -------
    LossDistribution
        Losses ``k · exposure_cny · lgd`` (CNY) for ``k = 0 … n`` with their probabilities,
        shape ``(n + 1,)`` each.
    """
    lgd = float(check_probability("lgd", lgd, open_low=True))
    if not (np.isfinite(exposure_cny) and exposure_cny > 0):
        raise fail("exposure_cny", f"must be a positive amount in CNY; got {exposure_cny!r}")
    pmf = default_count_pmf(n_obligors, pd, rho, n_nodes=n_nodes)
    return LossDistribution(np.arange(pmf.size) * exposure_cny * lgd, pmf)


def homogeneous_loss_on_grid(
    n_obligors: int,
    pd: float,
    rho: float,
    exposure_cny: float,
    lgd: float,
    step_cny: float,
    *,
    n_points: int | None = None,
    n_nodes: int | None = None,
) -> LossDistribution:
    """Loss distribution of a homogeneous portfolio on the grid ``0, step, 2·step, …`` (CNY).

    The exact loss atoms ``k · exposure_cny · lgd`` are placed on the grid by mean-preserving
    linear splitting (:func:`~fundsvc.credit.analytics.loss_distribution.discretise_to_grid`);
    when the loss per default is a multiple of ``step_cny`` the result is exact.

    Parameters
    ----------
    n_obligors, pd, rho, exposure_cny, lgd, n_nodes
        As in :func:`homogeneous_loss_distribution`.
    step_cny : float
        Grid spacing in CNY, > 0.
    n_points : int, optional
        Number of grid points (default: enough to hold the total loss ``n·exposure·lgd``).

    Returns
    -------
    LossDistribution
        Distribution on ``step_cny · arange(n_points)``, shape ``(n_points,)``.
    """
    dist = homogeneous_loss_distribution(n_obligors, pd, rho, exposure_cny, lgd, n_nodes=n_nodes)
    return discretise_to_grid(dist.losses, dist.pmf, step_cny, n_points)
