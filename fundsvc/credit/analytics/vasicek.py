"""Vasicek one-factor Gaussian model: conditional PDs and the large-portfolio default rate.

In the one-factor Gaussian (Vasicek) model obligor *i* defaults when its asset value
``A_i = sqrt(R)·Z + sqrt(1 − R)·ε_i`` falls below ``Φ⁻¹(PD)``, with ``Z`` the common (systematic)
factor and ``ε_i`` independent idiosyncratic shocks, all standard normal. **Sign convention:** a
*high* ``Z`` is a *good* state of the economy (fewer defaults), so

    p(z) = Φ((Φ⁻¹(PD) − √R·z) / √(1 − R)).

For an infinitely granular homogeneous portfolio the default rate equals ``p(Z)`` (Vasicek 1987,
2002), whose distribution is the *Vasicek distribution* with CDF

    F(x) = Φ((√(1 − R)·Φ⁻¹(x) − Φ⁻¹(PD)) / √R),

and α-quantile ``q_α = Φ((Φ⁻¹(PD) + √R·Φ⁻¹(α)) / √(1 − R))`` — the formula behind the Basel IRB
risk weights (BCBS, *An Explanatory Note on the Basel II IRB Risk Weight Functions*, 2005).

All functions are vectorised: array arguments broadcast with the usual numpy rules. Rates (PD,
default rate) are fractions per the PD horizon (normally one year); amounts are CNY.

References
----------
Vasicek, O. (2002). "The distribution of loan portfolio value". *Risk* 15(12), 160–162.
Vasicek, O. (1987). "Probability of loss on loan portfolio". KMV Corporation.
"""

from __future__ import annotations

import numpy as np
from scipy.special import ndtr, ndtri, owens_t

from fundsvc.credit.analytics._checks import (
    as_float_array,
    check_correlation,
    check_probability,
    fail,
)

__all__ = [
    "conditional_pd",
    "default_correlation",
    "default_rate_variance",
    "expected_loss",
    "loss_quantile",
    "loss_standard_deviation",
    "unexpected_loss",
    "vasicek_cdf",
    "vasicek_pdf",
    "vasicek_quantile",
]


def _scalar_or_array(x: np.ndarray):
    return x[()] if x.ndim == 0 else x


def conditional_pd(pd, rho, z):
    """Default probability conditional on the systematic factor.

    ``p(z) = Φ((Φ⁻¹(PD) − √R·z) / √(1 − R))``; a high ``z`` is a good state (lower PD).

    Parameters
    ----------
    pd : float or array_like
        Unconditional default probability over the horizon, fraction in [0, 1].
    rho : float or array_like
        Asset correlation R in [0, 1).
    z : float or array_like
        Systematic factor draws (standard normal), e.g. shape ``(n_paths,)`` or
        ``(n_paths, n_steps)``.

    Returns
    -------
    float or numpy.ndarray
        Conditional default probability, broadcast shape of ``pd``, ``rho`` and ``z``. For a
        per-loan PD vector ``(n_loans,)`` and per-path factors ``(n_paths,)`` pass
        ``pd[None, :]`` and ``z[:, None]`` to get ``(n_paths, n_loans)``.

    Notes
    -----
    ``E[p(Z)] = PD`` for ``Z ~ N(0, 1)`` exactly; this is a useful check of a simulation's
    factor sign and scaling.
    """
    pd = check_probability("pd", pd)
    rho = check_correlation("rho", rho)
    z = as_float_array("z", z)
    if not np.all(np.isfinite(z)):
        raise fail("z", "must be finite")
    with np.errstate(divide="ignore"):
        out = ndtr((ndtri(pd) - np.sqrt(rho) * z) / np.sqrt(1.0 - rho))
    return _scalar_or_array(out)


def vasicek_quantile(pd, rho, alpha):
    """α-quantile of the large-portfolio default rate.

    ``q_α = Φ((Φ⁻¹(PD) + √R·Φ⁻¹(α)) / √(1 − R))`` — the default rate exceeded with probability
    ``1 − α`` in an infinitely granular homogeneous portfolio.

    Parameters
    ----------
    pd : float or array_like
        Unconditional default probability, fraction in [0, 1].
    rho : float or array_like
        Asset correlation R in [0, 1).
    alpha : float or array_like
        Confidence level in (0, 1), e.g. 0.999.

    Returns
    -------
    float or numpy.ndarray
        Default-rate quantile (fraction), broadcast shape of the inputs.

    Examples
    --------
    >>> round(float(vasicek_quantile(0.01, 0.12, 0.99)), 6)
    0.052527
    """
    pd = check_probability("pd", pd)
    rho = check_correlation("rho", rho)
    alpha = check_probability("alpha", alpha, open_low=True, open_high=True)
    with np.errstate(divide="ignore"):
        out = ndtr((ndtri(pd) + np.sqrt(rho) * ndtri(alpha)) / np.sqrt(1.0 - rho))
    return _scalar_or_array(out)


def vasicek_cdf(x, pd, rho):
    """CDF of the large-portfolio default rate (the Vasicek distribution).

    ``F(x) = Φ((√(1 − R)·Φ⁻¹(x) − Φ⁻¹(PD)) / √R)`` for ``0 < R < 1``; for ``R = 0`` the default
    rate is the constant PD and ``F`` is the step ``1{x ≥ PD}``.

    Parameters
    ----------
    x : float or array_like
        Default rate(s), fraction in [0, 1].
    pd : float or array_like
        Unconditional default probability, fraction in (0, 1).
    rho : float or array_like
        Asset correlation R in [0, 1).

    Returns
    -------
    float or numpy.ndarray
        ``P(default rate ≤ x)``, broadcast shape of the inputs.
    """
    x = check_probability("x", x)
    pd = check_probability("pd", pd, open_low=True, open_high=True)
    rho = check_correlation("rho", rho)
    x, pd, rho = np.broadcast_arrays(x, pd, rho)
    out = np.empty(x.shape, dtype=float)
    pos = rho > 0
    with np.errstate(divide="ignore", invalid="ignore"):
        arg = (np.sqrt(1.0 - rho) * ndtri(x) - ndtri(pd)) / np.sqrt(rho)
    out[pos] = ndtr(arg[pos])
    out[~pos] = (x[~pos] >= pd[~pos]).astype(float)
    return _scalar_or_array(out)


def vasicek_pdf(x, pd, rho):
    """Density of the large-portfolio default rate (the Vasicek distribution).

    ``f(x) = √((1 − R)/R) · exp(½·Φ⁻¹(x)² − (Φ⁻¹(PD) − √(1 − R)·Φ⁻¹(x))² / (2R))``.

    Parameters
    ----------
    x : float or array_like
        Default rate(s), fraction in (0, 1); the density is reported as 0 at x = 0 and x = 1.
    pd : float or array_like
        Unconditional default probability, fraction in (0, 1).
    rho : float or array_like
        Asset correlation R in (0, 1). (For R = 0 the default rate is a point mass and has no
        density.)

    Returns
    -------
    float or numpy.ndarray
        Density in 1/(unit default rate), broadcast shape of the inputs.
    """
    x = check_probability("x", x)
    pd = check_probability("pd", pd, open_low=True, open_high=True)
    rho = check_correlation("rho", rho, allow_zero=False)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        t = ndtri(x)
        log_f = (
            0.5 * np.log((1.0 - rho) / rho)
            + 0.5 * t**2
            - (ndtri(pd) - np.sqrt(1.0 - rho) * t) ** 2 / (2.0 * rho)
        )
        out = np.where((x > 0) & (x < 1), np.exp(log_f), 0.0)
    return _scalar_or_array(np.asarray(out, dtype=float))


def default_rate_variance(pd, rho):
    """Variance of the large-portfolio default rate ``p(Z)``.

    ``Var[p(Z)] = Φ₂(Φ⁻¹(PD), Φ⁻¹(PD); R) − PD²``, with the bivariate normal CDF at equal
    arguments evaluated exactly through Owen's T function:
    ``Φ₂(h, h; R) = Φ(h) − 2·T(h, √((1 − R)/(1 + R)))``.

    Parameters
    ----------
    pd : float or array_like
        Unconditional default probability, fraction in [0, 1].
    rho : float or array_like
        Asset correlation R in [0, 1).

    Returns
    -------
    float or numpy.ndarray
        Variance (fraction²), ≥ 0; equals the joint default probability of two obligors minus
        PD².
    """
    pd = check_probability("pd", pd)
    rho = check_correlation("rho", rho)
    with np.errstate(divide="ignore", invalid="ignore"):
        h = ndtri(pd)
        joint = ndtr(h) - 2.0 * owens_t(h, np.sqrt((1.0 - rho) / (1.0 + rho)))
    joint = np.where(np.isfinite(h), joint, pd)  # PD in {0, 1}: no variance
    out = np.maximum(joint - pd**2, 0.0)
    return _scalar_or_array(np.asarray(out, dtype=float))


def default_correlation(pd, rho):
    """Pairwise default-indicator correlation implied by asset correlation R.

    ``(Φ₂(h, h; R) − PD²) / (PD·(1 − PD))`` with ``h = Φ⁻¹(PD)``.

    Parameters
    ----------
    pd : float or array_like
        Default probability, fraction in (0, 1).
    rho : float or array_like
        Asset correlation R in [0, 1).

    Returns
    -------
    float or numpy.ndarray
        Default correlation in [0, 1), broadcast shape of the inputs.
    """
    pd = check_probability("pd", pd, open_low=True, open_high=True)
    return _scalar_or_array(np.asarray(default_rate_variance(pd, rho) / (pd * (1.0 - pd))))


def expected_loss(pd, lgd, ead=1.0):
    """Expected loss ``EL = PD · LGD · EAD``.

    Parameters
    ----------
    pd : float or array_like
        Default probability over the horizon, fraction in [0, 1].
    lgd : float or array_like
        Loss given default, fraction of EAD in [0, 1].
    ead : float or array_like, default 1.0
        Exposure at default in CNY (default 1.0 gives EL as a fraction of exposure).

    Returns
    -------
    float or numpy.ndarray
        Expected loss in CNY (or as a fraction when ``ead = 1``).
    """
    pd = check_probability("pd", pd)
    lgd = check_probability("lgd", lgd)
    ead = _check_ead(ead)
    return _scalar_or_array(np.asarray(pd * lgd * ead))


def loss_standard_deviation(pd, rho, lgd, ead=1.0):
    """Standard deviation of the loss of a large homogeneous portfolio.

    ``σ_L = EAD · LGD · √Var[p(Z)]`` — the "unexpected loss" in the standard-deviation sense
    (e.g. Ong, *Internal Credit Risk Models*, 1999), for an infinitely granular portfolio with
    deterministic LGD.

    Parameters
    ----------
    pd : float or array_like
        Default probability, fraction in [0, 1].
    rho : float or array_like
        Asset correlation R in [0, 1).
    lgd : float or array_like
        Loss given default, fraction in [0, 1].
    ead : float or array_like, default 1.0
        Total portfolio exposure at default, CNY.

    Returns
    -------
    float or numpy.ndarray
        Loss standard deviation in CNY (fraction of exposure when ``ead = 1``).
    """
    lgd = check_probability("lgd", lgd)
    ead = _check_ead(ead)
    return _scalar_or_array(np.asarray(ead * lgd * np.sqrt(default_rate_variance(pd, rho))))


def loss_quantile(pd, rho, alpha, lgd, ead=1.0):
    """α-quantile of the loss of a large homogeneous portfolio (credit VaR).

    ``VaR_α = EAD · LGD · q_α`` with ``q_α`` from :func:`vasicek_quantile`.

    Parameters
    ----------
    pd, rho, alpha : float or array_like
        As in :func:`vasicek_quantile`.
    lgd : float or array_like
        Loss given default, fraction in [0, 1].
    ead : float or array_like, default 1.0
        Total portfolio exposure at default, CNY.

    Returns
    -------
    float or numpy.ndarray
        Loss quantile in CNY (fraction of exposure when ``ead = 1``).
    """
    lgd = check_probability("lgd", lgd)
    ead = _check_ead(ead)
    return _scalar_or_array(np.asarray(ead * lgd * vasicek_quantile(pd, rho, alpha)))


def unexpected_loss(pd, rho, alpha, lgd, ead=1.0):
    """Unexpected loss at confidence α: loss quantile minus expected loss.

    ``UL_α = EAD · LGD · (q_α − PD)`` — the quantity Basel IRB capital covers (before the
    maturity adjustment), for an infinitely granular homogeneous portfolio.

    Parameters
    ----------
    pd, rho, alpha : float or array_like
        As in :func:`vasicek_quantile`.
    lgd : float or array_like
        Loss given default, fraction in [0, 1].
    ead : float or array_like, default 1.0
        Total portfolio exposure at default, CNY.

    Returns
    -------
    float or numpy.ndarray
        Unexpected loss in CNY (fraction of exposure when ``ead = 1``).
    """
    lgd = check_probability("lgd", lgd)
    ead = _check_ead(ead)
    q = vasicek_quantile(pd, rho, alpha)
    return _scalar_or_array(np.asarray(ead * lgd * (q - np.asarray(pd, dtype=float))))


def _check_ead(ead) -> np.ndarray:
    arr = as_float_array("ead", ead)
    if np.any(~np.isfinite(arr) | (arr < 0)):
        raise fail("ead", "must be a finite non-negative amount in CNY")
    return arr
