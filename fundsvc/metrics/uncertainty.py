"""Monte Carlo error: standard errors and confidence intervals of simulated figures (vectorised).

Every function is pure and works on the per-path values the streaming reducer already spools
(one column of ``n_paths`` numbers at a time) or on per-chunk estimates; none needs more paths
in memory than that.

* :func:`mean_se` — mean and its standard error ``s / sqrt(n)`` (CLT).
* :func:`proportion_se`, :func:`wilson_interval` — a probability estimated as a share of paths:
  binomial standard error ``sqrt(p (1 - p) / n)`` and the Wilson score interval (Wilson 1927,
  *JASA* 22:209), which stays inside [0, 1] and does not collapse to a point at ``p = 0``.
* :func:`quantile_interval` — distribution-free interval for a quantile from order statistics:
  the true ``q``-quantile lies between the sorted values ``x_(l)`` and ``x_(u)`` with probability
  at least ``level``, where ``l`` and ``u`` come from Binomial(n, q) (David & Nagaraja, *Order
  Statistics*, 3rd ed., 2003, §7.1; Hahn & Meeker, *Statistical Intervals*, 1991, §5.2). Exact
  (conservative) for any continuous distribution; used for percentiles and VaR.
* :func:`es_standard_error` — plug-in standard error of expected shortfall,
  ``sqrt(Var[(L - VaR)^+] / n) / (1 - a)``: the ES estimator is ``VaR + mean((L - VaR)^+)/(1 - a)``
  and its derivative in VaR vanishes at the true VaR, so to first order only the mean term
  varies (asymptotic normality of the Rockafellar–Uryasev estimator; Chen 2008, *J. Financial
  Econometrics* 6:87).
* :func:`batch_means` — mean and standard error over independent batches (the run's chunks have
  independent seeds, so chunk estimates are i.i.d. batches; Glasserman, *Monte Carlo Methods in
  Financial Engineering*, 2004, §1.1). For figures with no per-path value.
* :func:`relative_half_width` — half the interval divided by the estimate, the quantity the
  sequential stopping rule of ``--precision`` drives below a target.

Intervals are two-sided at ``level`` (default 95 %); ``Z_95`` is the normal 97.5 % point.
"""

from __future__ import annotations

import numpy as np
from scipy.special import ndtri
from scipy.stats import binom

from fundsvc.metrics._checks import as_float_array, bad_input

#: Default confidence level of the reported intervals.
DEFAULT_LEVEL = 0.95


def z_value(level: float = DEFAULT_LEVEL) -> float:
    """Two-sided normal critical value: ``Φ⁻¹((1 + level) / 2)`` (1.96 at 95 %)."""
    if not 0.0 < level < 1.0:
        raise bad_input("level", f"must lie strictly between 0 and 1, got {level}")
    return float(ndtri(0.5 + 0.5 * level))


def mean_se(values, axis: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Mean along ``axis`` and its standard error ``s / sqrt(n)`` (NaN values are left out).

    Parameters
    ----------
    values : array_like, sample along ``axis``

    Returns
    -------
    mean, se : ndarray (float for 1-D input), shape of ``values`` without ``axis``
        ``se`` is NaN with fewer than two values.
    """
    x = as_float_array(values, "values", ndims=(1, 2, 3))
    ok = ~np.isnan(x)
    n = ok.sum(axis=axis)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.where(ok, x, 0.0).sum(axis=axis) / n
        dev = np.where(ok, x - np.expand_dims(mean, axis), 0.0)
        var = (dev * dev).sum(axis=axis) / (n - 1)
        se = np.sqrt(var / n)
    se = np.where(n > 1, se, np.nan)
    return _out(mean), _out(se)


def proportion_se(p, n) -> np.ndarray:
    """Binomial standard error ``sqrt(p (1 - p) / n)`` of a share ``p`` of ``n`` paths."""
    p = np.asarray(p, float)
    n = np.asarray(n, float)
    with np.errstate(invalid="ignore", divide="ignore"):
        return _out(np.sqrt(np.clip(p * (1.0 - p), 0.0, None) / n))


def wilson_interval(successes, n, level: float = DEFAULT_LEVEL) -> tuple[np.ndarray, np.ndarray]:
    """Wilson score interval for a binomial probability (``successes`` of ``n`` paths).

    ``(p + z²/2n ± z sqrt(p(1-p)/n + z²/4n²)) / (1 + z²/n)``.
    """
    k = np.asarray(successes, float)
    n = np.asarray(n, float)
    z = z_value(level)
    with np.errstate(invalid="ignore", divide="ignore"):
        p = k / n
        centre = (p + z * z / (2 * n)) / (1 + z * z / n)
        half = z * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    lo = np.where(k <= 0, 0.0, np.clip(centre - half, 0.0, 1.0))   # exact ends: no rounding dust
    hi = np.where(k >= n, 1.0, np.clip(centre + half, 0.0, 1.0))
    return _out(lo), _out(hi)


def order_statistic_ranks(n: int, q, level: float = DEFAULT_LEVEL) -> tuple[np.ndarray, np.ndarray]:
    """0-based ranks ``(l, u)`` of the order statistics bounding the ``q``-quantile.

    ``l`` is the largest rank with ``P(Bin(n, q) <= l) <= (1 - level) / 2`` and ``u`` the
    smallest with ``P(Bin(n, q) <= u) >= (1 + level) / 2``, so ``P(x_(l) <= ξ_q <= x_(u)) >=
    level``. Ranks are clipped to ``[0, n - 1]`` (where the sample is too small for the level,
    the interval reaches the sample's minimum or maximum and covers less than ``level``).
    """
    if n < 1:
        raise bad_input("values", "need at least one value for a quantile interval")
    qq = np.asarray(q, float)
    alpha = 1.0 - level
    lo = binom.ppf(alpha / 2.0, n, qq) - 1.0
    hi = binom.ppf(1.0 - alpha / 2.0, n, qq)
    return (np.clip(lo, 0, n - 1).astype(np.int64), np.clip(hi, 0, n - 1).astype(np.int64))


def quantile_interval(values, q, level: float = DEFAULT_LEVEL) -> tuple[np.ndarray, np.ndarray]:
    """Distribution-free confidence interval for the ``q``-quantile(s) of 1-D ``values``.

    Parameters
    ----------
    values : array_like, shape (n,)
        Per-path values (NaN values are left out).
    q : float or array_like, shape (k,)
        Probabilities in (0, 1).
    level : float
        Confidence level of the interval.

    Returns
    -------
    lo, hi : float or ndarray, shape (k,)
        NaN when no value is left.

    Uses :func:`numpy.partition` on the two order statistics per level, O(n).
    """
    x = as_float_array(values, "values", ndims=(1,))
    x = x[~np.isnan(x)]
    qq = np.atleast_1d(np.asarray(q, float))
    if x.size == 0:
        nan = np.full(qq.shape, np.nan)
        return _shape(nan, q), _shape(nan.copy(), q)
    lo_r, hi_r = order_statistic_ranks(x.size, qq, level)
    kth = np.unique(np.concatenate([lo_r, hi_r]))
    part = np.partition(x, kth)
    return _shape(part[lo_r], q), _shape(part[hi_r], q)


def es_standard_error(losses, level, var) -> np.ndarray:
    """Plug-in standard error of expected shortfall at ``level`` given the sample VaR.

    Parameters
    ----------
    losses : array_like, shape (n,)
        Losses in CNY (positive = money lost).
    level : float or array_like, shape (k,)
    var : float or array_like, shape (k,)
        The sample VaR at each level (:func:`fundsvc.metrics.value_at_risk`).

    Returns
    -------
    float or ndarray, shape (k,)
        ``std((L - VaR)^+) / sqrt(n) / (1 - level)`` in CNY.
    """
    x = as_float_array(losses, "losses", ndims=(1,))
    lv = np.atleast_1d(np.asarray(level, float))
    v = np.atleast_1d(np.asarray(var, float))
    excess = np.maximum(x[None, :] - v[:, None], 0.0)
    n = x.size
    sd = excess.std(axis=1, ddof=1) if n > 1 else np.full(lv.shape, np.nan)
    return _shape(sd / np.sqrt(n) / (1.0 - lv), level)


def batch_means(estimates, sizes=None) -> tuple[float, float]:
    """Pooled estimate and its standard error from independent batches (e.g. chunks).

    Parameters
    ----------
    estimates : array_like, shape (k,)
        One estimate per batch.
    sizes : array_like, shape (k,), optional
        Paths per batch (weights); equal by default.

    Returns
    -------
    mean, se : float
        ``se = sqrt(k / (k - 1) * sum w_i² (e_i - ē)²)`` with ``w_i = n_i / N``; NaN for k < 2.
    """
    e = as_float_array(estimates, "estimates", ndims=(1,))
    w = np.ones_like(e) if sizes is None else as_float_array(sizes, "sizes", ndims=(1,))
    if w.shape != e.shape:
        raise bad_input("sizes", f"has {w.size} entries for {e.size} estimates")
    w = w / w.sum()
    mean = float((w * e).sum())
    k = e.size
    if k < 2:
        return mean, float("nan")
    return mean, float(np.sqrt(k / (k - 1) * (w * w * (e - mean) ** 2).sum()))


def relative_half_width(estimate, lo, hi) -> np.ndarray:
    """``(hi - lo) / 2 / |estimate|``; inf where the estimate is 0, NaN where undefined."""
    est = np.asarray(estimate, float)
    with np.errstate(invalid="ignore", divide="ignore"):
        out = (np.asarray(hi, float) - np.asarray(lo, float)) / 2.0 / np.abs(est)
    return _out(out)


def _out(x):
    x = np.asarray(x, dtype=float)
    return float(x) if x.ndim == 0 else x


def _shape(arr: np.ndarray, like):
    return float(arr[0]) if np.ndim(like) == 0 else arr
