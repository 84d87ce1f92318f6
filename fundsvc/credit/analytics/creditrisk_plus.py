"""CreditRisk+ loss distribution by Panjer recursion.

CreditRisk+ (Credit Suisse First Boston 1997) treats each obligor's default count as Poisson with
intensity ``μ_i`` (≈ its PD) and expresses its *loss given default* (exposure net of recovery)
as an integer multiple ``ν_i`` of a loss unit ``L`` ("exposure bands"). In the single-sector
model the intensities are scaled by a common gamma factor ``S`` with ``E[S] = 1`` and
``Var[S] = σ²``; the loss in units then has probability generating function

    G(z) = (1 − σ²·(Q(z) − μ))^(−1/σ²),   Q(z) = Σ_i μ_i z^{ν_i},   μ = Σ_i μ_i,

a compound negative binomial whose pmf follows from Panjer's recursion (Panjer 1981; CSFB 1997,
Appendix A, which derives the recurrence for the sector model). With
``λ_j = Σ_{i: ν_i = j} μ_i`` the recursion used here is

    g_0 = (1 + σ²μ)^(−1/σ²),
    g_x = 1/(1 + σ²μ) · Σ_{j ≤ x} λ_j · g_{x−j} · (σ² + (1 − σ²)·j/x),

which for ``σ² = 0`` is the compound-Poisson recursion ``g_0 = e^{−μ}``,
``g_x = (1/x)·Σ_j j·λ_j·g_{x−j}`` (the CSFB 1997 recurrence for independent defaults). All
terms are non-negative, so the recursion is numerically stable; to avoid the underflow of
``e^{−μ}`` for large portfolios it is run on a rescaled array and the scale is carried in logs.

Closed-form moments (in loss units): ``E[L] = Σ μ_i ν_i`` and
``Var[L] = Σ μ_i ν_i² + σ²·(Σ μ_i ν_i)²``. With several independent gamma sectors and
obligor weights ``θ_ik`` (remainder ``1 − Σ_k θ_ik`` idiosyncratic) the loss is the sum of
independent single-sector losses, obtained here by convolution
(see Gundlach & Lehrbass 2004 for the sector model and its variants).

References
----------
Credit Suisse First Boston (1997). *CreditRisk+: A Credit Risk Management Framework*,
Appendix A.
Panjer, H. (1981). "Recursive evaluation of a family of compound distributions".
*ASTIN Bulletin* 12(1), 22–26.
Gundlach, M. and Lehrbass, F. (eds.) (2004). *CreditRisk+ in the Banking Industry*. Springer.
"""

from __future__ import annotations

import numpy as np

from fundsvc.credit.analytics._checks import as_float_array, check_probability, fail
from fundsvc.credit.analytics.loss_distribution import LossDistribution

__all__ = [
    "band_exposures",
    "creditrisk_plus_loss_distribution",
    "creditrisk_plus_moments",
    "creditrisk_plus_multisector_moments",
    "creditrisk_plus_multisector_pmf",
    "creditrisk_plus_pmf",
]

_RESCALE_AT = 1e200
_MAX_UNITS_HARD = 20_000_000


def _check_nu(nu, n: int | None = None) -> np.ndarray:
    arr = np.asarray(nu)
    if arr.ndim != 1 or (n is not None and arr.size != n):
        raise fail("nu", "must be a 1-D array with one band per obligor")
    if arr.size and (
        not np.all(np.isfinite(arr.astype(float)))
        or np.any(arr != np.round(arr))
        or np.any(arr < 1)
    ):
        raise fail("nu", "exposure bands must be positive integers (loss units)")
    return arr.astype(np.int64)


def _check_sigma2(sigma2) -> np.ndarray:
    s = as_float_array("sigma2", sigma2)
    if np.any(~np.isfinite(s) | (s < 0)):
        raise fail("sigma2", "sector variance σ² must be finite and ≥ 0")
    return s


def _check_inputs(pd, nu) -> tuple[np.ndarray, np.ndarray]:
    pd = check_probability("pd", pd)
    if pd.ndim != 1:
        raise fail("pd", "must be a 1-D array with one intensity per obligor")
    return pd, _check_nu(nu, pd.size)


def band_exposures(loss_cny, pd, loss_unit_cny: float, *, preserve_expected_loss: bool = True):
    """Band losses-given-default into integer multiples of a loss unit (CreditRisk+ bands).

    ``ν_i = max(1, round(loss_cny_i / L))``. With ``preserve_expected_loss`` the intensity is
    adjusted to ``μ_i = pd_i · loss_cny_i / (ν_i · L)`` so that each obligor's expected loss is
    unchanged by the rounding (a common convention; without it, rounding shifts the expected
    loss by up to half a loss unit per obligor times its PD).

    Parameters
    ----------
    loss_cny : array_like
        Loss given default per obligor (exposure net of recovery), CNY, > 0, shape ``(n,)``.
    pd : array_like
        Default probability / Poisson intensity per obligor, shape ``(n,)``.
    loss_unit_cny : float
        Loss unit L in CNY, > 0.
    preserve_expected_loss : bool, default True
        Adjust intensities to keep expected loss exact.

    Returns
    -------
    nu : numpy.ndarray of int64
        Bands in loss units, shape ``(n,)``.
    intensity : numpy.ndarray
        Intensities to use with ``nu``, shape ``(n,)``.
    """
    loss = as_float_array("loss_cny", loss_cny)
    pd = check_probability("pd", pd)
    if loss.ndim != 1 or loss.shape != pd.shape:
        raise fail("loss_cny", "must be a 1-D array matching pd")
    if np.any(~np.isfinite(loss) | (loss <= 0)):
        raise fail("loss_cny", "losses given default must be positive amounts in CNY")
    if not (np.isfinite(loss_unit_cny) and loss_unit_cny > 0):
        raise fail("loss_unit_cny", f"must be a positive amount in CNY; got {loss_unit_cny!r}")
    nu = np.maximum(1, np.rint(loss / loss_unit_cny)).astype(np.int64)
    intensity = pd * loss / (nu * loss_unit_cny) if preserve_expected_loss else pd.copy()
    return nu, intensity


def creditrisk_plus_moments(pd, nu, sigma2: float = 0.0) -> tuple[float, float]:
    """Mean and variance of the single-sector CreditRisk+ loss, in loss units.

    ``E[L] = Σ μ_i ν_i``, ``Var[L] = Σ μ_i ν_i² + σ²·(Σ μ_i ν_i)²``.

    Parameters
    ----------
    pd : array_like
        Poisson intensities μ_i, shape ``(n,)``.
    nu : array_like of int
        Exposure bands ν_i ≥ 1 in loss units, shape ``(n,)``.
    sigma2 : float, default 0.0
        Variance of the gamma sector factor (mean 1); 0 gives the Poisson model.

    Returns
    -------
    (float, float)
        Mean (loss units) and variance (loss units²).
    """
    pd, nu = _check_inputs(pd, nu)
    s2 = float(_check_sigma2(sigma2))
    el = float(np.dot(pd, nu))
    return el, float(np.dot(pd, nu.astype(float) ** 2) + s2 * el**2)


def _panjer(
    nu: np.ndarray, intensity: np.ndarray, sigma2: float, max_units: int | None, tail_tol: float
) -> np.ndarray:
    """Single-sector Panjer recursion: pmf over 0..max_units (or until the tail tolerance)."""
    keep = intensity > 0
    nu, intensity = nu[keep], intensity[keep]
    if nu.size == 0:
        return np.ones(1) if max_units is None else np.eye(1, max_units + 1).ravel()
    bands, inverse = np.unique(nu, return_inverse=True)
    lam = np.bincount(inverse, weights=intensity)
    mu = float(lam.sum())
    el = float(np.dot(lam, bands))
    var = float(np.dot(lam, bands.astype(float) ** 2) + sigma2 * el**2)
    # log g_0 = −log1p(σ²μ)/σ² = −μ·log1p(x)/x with x = σ²μ; series for small x (σ² may be 0
    # or so small that σ²μ underflows).
    x0 = sigma2 * mu
    log_g0 = -mu * (np.log1p(x0) / x0 if x0 > 1e-8 else 1.0 - x0 / 2.0 + x0 * x0 / 3.0)
    c = 1.0 / (1.0 + sigma2 * mu)
    band_f = bands.astype(float)
    nu_max = int(bands[-1])
    if max_units is None:
        # Grow the support until the computed mass reaches 1 − tail_tol. Safety stop (only
        # against rounding stalls): past mean + 60 sd + the largest band, a whole band-width of
        # probabilities below tail_tol·1e-3.
        size = max(16, int(np.ceil(el + 10.0 * np.sqrt(var))) + nu_max + 1)
        soft_limit = el + 60.0 * np.sqrt(var) + nu_max
        target = np.log1p(-tail_tol)
    else:
        size = max_units + 1
        soft_limit = target = None
    h = np.zeros(size)
    h[0] = 1.0
    log_scale = log_g0
    cum = 1.0
    n_active = 0
    last = size - 1
    x = 0
    while True:
        if target is not None and np.log(cum) + log_scale >= target:
            last = x
            break
        x += 1
        if x >= h.size:
            if max_units is not None:
                break
            if x > _MAX_UNITS_HARD:
                raise fail(
                    "max_units",
                    f"the loss distribution needs more than {_MAX_UNITS_HARD} units; "
                    "use a larger loss unit",
                )
            h = np.concatenate([h, np.zeros(h.size)])
        while n_active < bands.size and bands[n_active] <= x:
            n_active += 1
        j = band_f[:n_active]
        hx = c * np.dot(lam[:n_active] * (sigma2 + (1.0 - sigma2) * j / x), h[x - bands[:n_active]])
        h[x] = hx
        cum += hx
        if hx > _RESCALE_AT:
            h[: x + 1] /= _RESCALE_AT
            cum /= _RESCALE_AT
            log_scale += np.log(_RESCALE_AT)
        if (
            soft_limit is not None
            and x > soft_limit
            and np.log(h[x - nu_max + 1 : x + 1].max() + 1e-300) + log_scale
            < np.log(tail_tol * 1e-3)
        ):
            last = x
            break
    with np.errstate(divide="ignore", under="ignore"):
        out = np.exp(np.log(h[: last + 1]) + log_scale)
    return out


def creditrisk_plus_pmf(
    pd,
    nu,
    sigma2: float = 0.0,
    *,
    max_units: int | None = None,
    tail_tol: float = 1e-12,
) -> np.ndarray:
    """Single-sector CreditRisk+ loss pmf over loss units, by Panjer recursion.

    Parameters
    ----------
    pd : array_like
        Poisson default intensities μ_i (≈ one-year PDs), shape ``(n,)``.
    nu : array_like of int
        Exposure bands ν_i ≥ 1: loss given default in loss units, shape ``(n,)``
        (see :func:`band_exposures`).
    sigma2 : float, default 0.0
        Variance σ² of the gamma sector factor (mean 1). ``0`` gives the Poisson (independent
        defaults) limit.
    max_units : int, optional
        Compute ``P(L = x)`` for ``x = 0 … max_units``. Default: continue until the computed
        mass reaches ``1 − tail_tol``.
    tail_tol : float, default 1e-12
        Probability left beyond the returned support when ``max_units`` is None.

    Returns
    -------
    numpy.ndarray
        ``P(L = x units)``, shape ``(m,)``; ``1 − sum`` is the mass beyond ``m − 1`` units.

    Examples
    --------
    >>> p = creditrisk_plus_pmf([0.1, 0.2], [1, 2], sigma2=0.5)
    >>> round(float(p @ range(p.size)), 10)
    0.5
    """
    pd, nu = _check_inputs(pd, nu)
    s2 = float(_check_sigma2(sigma2))
    max_units, tail_tol = _check_support(max_units, tail_tol)
    return _panjer(nu, pd, s2, max_units, tail_tol)


def _check_support(max_units, tail_tol):
    if max_units is not None and (
        isinstance(max_units, bool) or not isinstance(max_units, (int, np.integer)) or max_units < 0
    ):
        raise fail("max_units", f"must be a non-negative integer; got {max_units!r}")
    if not (0 < tail_tol < 1):
        raise fail("tail_tol", f"must lie in (0, 1); got {tail_tol!r}")
    return (None if max_units is None else int(max_units)), float(tail_tol)


def _check_weights(sector_weights, n: int, n_sectors: int) -> np.ndarray:
    w = as_float_array("sector_weights", sector_weights)
    if w.shape != (n, n_sectors):
        raise fail(
            "sector_weights",
            f"must have shape (n_obligors, n_sectors) = ({n}, {n_sectors}); got {w.shape}",
        )
    if np.any(~np.isfinite(w) | (w < 0)) or np.any(w.sum(axis=1) > 1 + 1e-12):
        raise fail(
            "sector_weights",
            "weights must be ≥ 0 with each row summing to at most 1 (rest is idiosyncratic)",
        )
    return w


def creditrisk_plus_multisector_moments(pd, nu, sector_weights, sigma2) -> tuple[float, float]:
    """Mean and variance (loss units) of the multi-sector CreditRisk+ loss.

    ``E[L] = Σ_i μ_i ν_i`` and ``Var[L] = Σ_i μ_i ν_i² + Σ_k σ_k² (Σ_i θ_ik μ_i ν_i)²``.

    Parameters
    ----------
    pd, nu
        As in :func:`creditrisk_plus_pmf`, shape ``(n,)``.
    sector_weights : array_like
        θ_ik, shape ``(n, n_sectors)``, rows summing to ≤ 1; ``1 − Σ_k θ_ik`` is idiosyncratic.
    sigma2 : array_like
        Sector factor variances σ_k², shape ``(n_sectors,)``.

    Returns
    -------
    (float, float)
        Mean (loss units) and variance (loss units²).
    """
    pd, nu = _check_inputs(pd, nu)
    s2 = np.atleast_1d(_check_sigma2(sigma2))
    w = _check_weights(sector_weights, pd.size, s2.size)
    el_i = pd * nu
    mean = float(el_i.sum())
    var = float(np.dot(pd, nu.astype(float) ** 2) + np.dot(s2, (w.T @ el_i) ** 2))
    return mean, var


def creditrisk_plus_multisector_pmf(
    pd,
    nu,
    sector_weights,
    sigma2,
    *,
    max_units: int | None = None,
    tail_tol: float = 1e-12,
) -> np.ndarray:
    """CreditRisk+ loss pmf with independent gamma sectors, by Panjer recursion and convolution.

    Obligor ``i`` loads weight ``θ_ik`` on sector ``k`` and ``1 − Σ_k θ_ik`` on an idiosyncratic
    (σ² = 0) sector; conditionally Poisson defaults then split into independent per-sector
    compound sums whose pmfs are convolved.

    Parameters
    ----------
    pd, nu
        As in :func:`creditrisk_plus_pmf`, shape ``(n,)``.
    sector_weights : array_like
        θ_ik, shape ``(n, n_sectors)``, each row summing to ≤ 1.
    sigma2 : array_like
        Sector factor variances σ_k² ≥ 0, shape ``(n_sectors,)``.
    max_units : int, optional
        Support 0 … max_units; default until the mass reaches ``1 − tail_tol``.
    tail_tol : float, default 1e-12
        Mass left beyond the returned support when ``max_units`` is None.

    Returns
    -------
    numpy.ndarray
        ``P(L = x units)``, shape ``(m,)``.
    """
    pd, nu = _check_inputs(pd, nu)
    s2 = np.atleast_1d(_check_sigma2(sigma2))
    w = _check_weights(sector_weights, pd.size, s2.size)
    max_units, tail_tol = _check_support(max_units, tail_tol)
    loads = np.column_stack([w, np.clip(1.0 - w.sum(axis=1), 0.0, 1.0)])
    variances = np.append(s2, 0.0)
    per_sector_tol = tail_tol / loads.shape[1]
    out = np.ones(1)
    for k in range(loads.shape[1]):  # loop over sectors (few), not over paths
        g = _panjer(nu, pd * loads[:, k], float(variances[k]), max_units, per_sector_tol)
        out = np.convolve(out, g)
        if max_units is not None:
            out = out[: max_units + 1]
    if max_units is None:
        cum = np.cumsum(out)
        last = int(np.searchsorted(cum, 1.0 - tail_tol))
        out = out[: min(last + 1, out.size)]
    return out


def creditrisk_plus_loss_distribution(
    loss_cny,
    pd,
    loss_unit_cny: float,
    sigma2: float = 0.0,
    *,
    max_units: int | None = None,
    tail_tol: float = 1e-12,
) -> LossDistribution:
    """Band losses in CNY, run the single-sector recursion, and return losses in CNY.

    Parameters
    ----------
    loss_cny : array_like
        Loss given default per obligor (exposure × LGD), CNY, shape ``(n,)``.
    pd : array_like
        One-year PDs used as Poisson intensities, shape ``(n,)``.
    loss_unit_cny : float
        Loss unit L in CNY.
    sigma2 : float, default 0.0
        Gamma sector variance σ².
    max_units, tail_tol
        As in :func:`creditrisk_plus_pmf`.

    Returns
    -------
    LossDistribution
        Losses ``x · L`` in CNY with their probabilities. Expected loss equals
        ``Σ pd_i · loss_cny_i`` (banding preserves it).
    """
    nu, intensity = band_exposures(loss_cny, pd, loss_unit_cny)
    pmf = creditrisk_plus_pmf(intensity, nu, sigma2, max_units=max_units, tail_tol=tail_tol)
    return LossDistribution(np.arange(pmf.size) * float(loss_unit_cny), pmf)
