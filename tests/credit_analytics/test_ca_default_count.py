"""Tests for fundsvc.credit.analytics.default_count (exact finite-portfolio default counts)."""

import numpy as np
import pytest
from scipy.special import gammaln, log_ndtr, logsumexp, ndtri
from scipy.stats import binom

from fundsvc.credit.analytics import (
    conditional_pd,
    default_count_pmf,
    default_rate_variance,
    homogeneous_loss_distribution,
    homogeneous_loss_on_grid,
    vasicek_cdf,
    vasicek_quantile,
)
from fundsvc.errors import InputError


def _trapezoid_reference(n, pd, rho, ks, n_points=400_001, z_max=40.0):
    """Independent reference: P(D = k) by a dense trapezoid rule over z in log space.

    The integrand decays like φ(z) and is smooth, so a uniform grid with step 2e-4 resolves even
    the narrowest peak (width ~0.1 in z for n = 10 000, R = 0.12) with room to spare.
    """
    a, s, c = ndtri(pd), np.sqrt(rho), np.sqrt(1 - rho)
    z = np.linspace(-z_max, z_max, n_points)
    h = 2 * z_max / (n_points - 1)
    u = (a - s * z) / c
    lp, lq = log_ndtr(u), log_ndtr(-u)
    out = []
    for k in ks:
        log_f = (
            gammaln(n + 1)
            - gammaln(k + 1)
            - gammaln(n - k + 1)
            - 0.5 * z**2
            - 0.5 * np.log(2 * np.pi)
        )
        if k > 0:
            log_f = log_f + k * lp
        if k < n:
            log_f = log_f + (n - k) * lq
        out.append(np.exp(logsumexp(log_f) + np.log(h)))
    return np.array(out)


@pytest.mark.parametrize(("n", "pd"), [(1, 0.3), (50, 0.03), (1000, 0.01), (10_000, 0.002)])
def test_zero_correlation_is_binomial(n, pd):
    """With R = 0 defaults are independent: P(D = k) = C(n,k)·p^k·(1−p)^(n−k)."""
    pmf = default_count_pmf(n, pd, 0.0)
    ref = binom.pmf(np.arange(n + 1), n, pd)
    np.testing.assert_allclose(pmf, ref, rtol=1e-9, atol=1e-300)


@pytest.mark.parametrize(
    ("n", "pd", "rho"),
    [
        (10, 0.05, 0.3),
        (200, 0.1, 0.9),
        (1000, 0.01, 0.12),
        (2000, 0.001, 0.5),
        (10_000, 0.01, 0.12),
        (500, 0.05, 0.99),
        (500, 0.05, 0.999),
    ],
)
def test_sums_to_one_and_mean_and_variance(n, pd, rho):
    """Σ P(D=k) = 1; E[D] = n·p; Var[D] = n·p(1−p) + n(n−1)·Var[p(Z)] (law of total variance)."""
    pmf = default_count_pmf(n, pd, rho)
    k = np.arange(n + 1)
    assert pmf.shape == (n + 1,)
    assert pmf.sum() == pytest.approx(1.0, abs=1e-10)
    mean = pmf @ k
    assert mean == pytest.approx(n * pd, rel=1e-10)
    var = pmf @ (k - mean) ** 2
    expected_var = n * pd * (1 - pd) + n * (n - 1) * default_rate_variance(pd, rho)
    assert var == pytest.approx(expected_var, rel=1e-8)


@pytest.mark.parametrize(
    ("n", "pd", "rho"),
    [(10_000, 0.01, 0.12), (200, 0.1, 0.9), (5, 0.3, 0.95), (10_000, 0.02, 0.01)],
)
def test_agrees_with_dense_trapezoid_reference_pointwise(n, pd, rho):
    """Pointwise relative accuracy, including the far tails (k = 0, k = n) and high correlation,
    where a fixed Gauss–Hermite rule is known to fail (see default_count module notes)."""
    ks = np.unique(np.r_[np.linspace(0, n, 9).astype(int), int(n * pd), int(3 * n * pd), n])
    ref = _trapezoid_reference(n, pd, rho, ks)
    got = default_count_pmf(n, pd, rho)[ks]
    ok = ref > 1e-290  # below that the reference itself underflows
    np.testing.assert_allclose(got[ok], ref[ok], rtol=1e-9)


def test_large_n_approaches_vasicek_cdf():
    """For n → ∞ the default rate D/n converges to the Vasicek distribution (Vasicek 2002).
    At n = 10 000 (p = 1 %, R = 0.12) the exact CDF at the Vasicek α-quantile is within 2e-3 of α,
    and the tail error shrinks from n = 1 000 to n = 10 000."""
    pd, rho = 0.01, 0.12
    alphas = np.array([0.9, 0.99, 0.999])
    errors = {}
    for n in (1000, 10_000):
        cdf = np.cumsum(default_count_pmf(n, pd, rho))
        k = np.floor(n * vasicek_quantile(pd, rho, alphas)).astype(int)
        errors[n] = np.abs(cdf[k] - alphas)
        # also pointwise against the Vasicek CDF at the same default rates
        assert np.all(np.abs(cdf[k] - vasicek_cdf(k / n, pd, rho)) < 5e-3)
    assert np.all(errors[10_000] < 2e-3)
    assert np.all(errors[10_000] < errors[1000])


def test_monte_carlo_agreement_with_fixed_seed():
    """Simulate the one-factor model directly (Z, then D | Z ~ Binomial(n, p(Z))) and compare
    frequencies with the exact pmf. Tolerance per k: 5 standard errors √(p(1−p)/N)."""
    n, pd, rho, n_paths = 40, 0.05, 0.2, 200_000
    rng = np.random.default_rng(20240601)
    z = rng.standard_normal(n_paths)
    d = rng.binomial(n, conditional_pd(pd, rho, z))
    freq = np.bincount(d, minlength=n + 1) / n_paths
    pmf = default_count_pmf(n, pd, rho)
    se = np.sqrt(pmf * (1 - pmf) / n_paths)
    assert np.all(np.abs(freq - pmf) <= 5 * se + 1e-12)
    # and the tail beyond 10 defaults, a number a risk report would quote
    tail = pmf[10:].sum()
    assert (d >= 10).mean() == pytest.approx(tail, abs=5 * np.sqrt(tail * (1 - tail) / n_paths))


def test_edge_cases():
    np.testing.assert_array_equal(default_count_pmf(0, 0.1, 0.2), [1.0])
    np.testing.assert_array_equal(default_count_pmf(3, 0.0, 0.2), [1, 0, 0, 0])
    np.testing.assert_array_equal(default_count_pmf(3, 1.0, 0.2), [0, 0, 0, 1])
    np.testing.assert_allclose(default_count_pmf(1, 0.1, 0.5), [0.9, 0.1], rtol=1e-12)


def test_homogeneous_loss_distribution_and_grid():
    n, pd, rho, ead, lgd = 100, 0.02, 0.15, 2e6, 0.6  # CNY 2m per loan, LGD 60 %
    dist = homogeneous_loss_distribution(n, pd, rho, ead, lgd)
    np.testing.assert_allclose(dist.losses, np.arange(n + 1) * 1.2e6)
    assert dist.mean() == pytest.approx(n * pd * ead * lgd, rel=1e-10)
    k99 = int(np.searchsorted(np.cumsum(dist.pmf), 0.99))
    assert dist.quantile(0.99) == pytest.approx(k99 * 1.2e6)
    # grid step equal to the loss per default reproduces the atoms exactly
    on_grid = homogeneous_loss_on_grid(n, pd, rho, ead, lgd, 1.2e6)
    np.testing.assert_allclose(on_grid.pmf, dist.pmf, atol=1e-15)
    # a grid that does not divide the loss per default keeps mass and mean
    coarse = homogeneous_loss_on_grid(n, pd, rho, ead, lgd, 5e5)
    assert coarse.pmf.sum() == pytest.approx(1.0, abs=1e-10)
    assert coarse.mean() == pytest.approx(dist.mean(), rel=1e-10)


@pytest.mark.parametrize(
    ("call", "location"),
    [
        (lambda: default_count_pmf(-1, 0.1, 0.1), "n_obligors"),
        (lambda: default_count_pmf(10.5, 0.1, 0.1), "n_obligors"),
        (lambda: default_count_pmf(10, 0.1, 1.0), "rho"),
        (lambda: default_count_pmf(10, 1.1, 0.1), "pd"),
        (lambda: default_count_pmf(10, 0.1, 0.1, n_nodes=0), "n_nodes"),
        (lambda: homogeneous_loss_distribution(10, 0.1, 0.1, -1.0, 0.5), "exposure_cny"),
    ],
)
def test_bad_input(call, location):
    with pytest.raises(InputError) as info:
        call()
    assert info.value.problems[0].location == location
