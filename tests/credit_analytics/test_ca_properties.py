"""Property tests (hypothesis) for the analytic credit functions."""

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from fundsvc.credit.analytics import (
    IrbAssetClass,
    capital_requirement,
    conditional_pd,
    creditrisk_plus_moments,
    creditrisk_plus_pmf,
    default_count_pmf,
    vasicek_quantile,
)

SETTINGS = settings(max_examples=60, deadline=None)
pds = st.floats(0.001, 0.3)
rhos = st.floats(0.0, 0.9)


def _stop_loss(pmf):
    """E[(D − k)+] for k = 0..n."""
    k = np.arange(pmf.size)
    tail_mass = np.cumsum(pmf[::-1])[::-1]  # P(D ≥ k)
    # E[(D − k)+] = Σ_{j>k} P(D ≥ j)
    return np.append(np.cumsum(tail_mass[::-1])[::-1][1:], 0.0), k


@SETTINGS
@given(n=st.integers(1, 300), pd=pds, rho1=rhos, rho2=rhos)
def test_higher_correlation_never_thins_the_tail(n, pd, rho1, rho2):
    """Raising R makes the default count larger in convex order (the Vasicek default rate p(Z) is
    increasing in convex order in R, and binomial mixing preserves it). Consequences checked:

    * stop-loss E[(D − k)+] never decreases, for every k;
    * the tail curves P(D ≥ k) cross at most once, from below to above: beyond the crossing a
      higher R always gives fatter tails, and the very top P(D = n) always rises.

    (The stronger claim "P(D ≥ k) rises for every k above the mean" is false; see
    test_tail_above_the_mean_can_fall_counterexample.)
    """
    lo, hi = sorted((rho1, rho2))
    p_lo, p_hi = default_count_pmf(n, pd, lo), default_count_pmf(n, pd, hi)
    sl_lo, _ = _stop_loss(p_lo)
    sl_hi, _ = _stop_loss(p_hi)
    assert np.all(sl_hi >= sl_lo - 1e-10 * (1 + sl_lo))
    diff = np.cumsum(p_hi[::-1])[::-1][1:] - np.cumsum(p_lo[::-1])[::-1][1:]  # k = 1..n
    tol = 1e-12
    signs = np.sign(np.where(np.abs(diff) <= tol, 0.0, diff))
    nonzero = signs[signs != 0]
    assert np.all(np.diff(nonzero) >= 0), "more than one crossing, or crossing from above"
    assert p_hi[-1] >= p_lo[-1] * (1 - 1e-9)


def test_tail_above_the_mean_can_fall_counterexample():
    """n = 2, p = 10 %: k = 1 is above the mean 0.2, yet P(D ≥ 1) = 2p − E[p(Z)²] falls as R
    rises (more mass at both 0 and 2). So tail monotonicity holds only beyond the crossing."""
    p0 = default_count_pmf(2, 0.1, 0.0)
    p5 = default_count_pmf(2, 0.1, 0.5)
    assert p5[1:].sum() < p0[1:].sum()
    assert p5[2] > p0[2]


@SETTINGS
@given(n=st.integers(0, 400), pd=st.floats(0.0, 1.0), rho=rhos)
def test_default_count_is_a_distribution_with_mean_np(n, pd, rho):
    pmf = default_count_pmf(n, pd, rho)
    assert pmf.shape == (n + 1,)
    assert np.all(pmf >= 0)
    assert abs(pmf.sum() - 1) < 1e-10
    assert abs(pmf @ np.arange(n + 1) - n * pd) < 1e-9 * (1 + n)


@SETTINGS
@given(
    pd1=st.floats(0.0003, 0.25),
    pd2=st.floats(0.0003, 0.25),
    lgd=st.floats(0.05, 1.0),
    maturity=st.floats(1.0, 5.0),
    cls=st.sampled_from(list(IrbAssetClass)),
)
def test_irb_capital_increases_with_pd_in_the_usual_range(pd1, pd2, lgd, maturity, cls):
    """K rises with PD for PD in [0.03 %, 25 %] for every class and M in [1, 5] (it peaks only
    near PD ≈ 27–40 % and falls to 0 at PD = 1, where the loss is expected, not unexpected)."""
    lo, hi = sorted((pd1, pd2))
    k_lo = capital_requirement(lo, lgd, cls, maturity=maturity)
    k_hi = capital_requirement(hi, lgd, cls, maturity=maturity)
    assert k_hi >= k_lo - 1e-15


@SETTINGS
@given(pd=st.floats(1e-4, 0.5), rho=st.floats(0.01, 0.9), z1=st.floats(-6, 6), z2=st.floats(-6, 6))
def test_conditional_pd_falls_with_the_factor(pd, rho, z1, z2):
    lo, hi = sorted((z1, z2))
    assert conditional_pd(pd, rho, hi) <= conditional_pd(pd, rho, lo)


@SETTINGS
@given(
    pd=st.floats(1e-4, 0.5),
    rho=st.floats(0.0, 0.9),
    a1=st.floats(0.01, 0.9999),
    a2=st.floats(0.01, 0.9999),
)
def test_vasicek_quantile_increases_with_confidence(pd, rho, a1, a2):
    lo, hi = sorted((a1, a2))
    assert vasicek_quantile(pd, rho, hi) >= vasicek_quantile(pd, rho, lo)


@SETTINGS
@given(
    intensity=st.lists(st.floats(0.0, 0.2), min_size=1, max_size=12),
    data=st.data(),
    sigma2=st.floats(0.0, 3.0),
)
def test_creditrisk_plus_moments_match_pmf(intensity, data, sigma2):
    nu = data.draw(st.lists(st.integers(1, 15), min_size=len(intensity), max_size=len(intensity)))
    pmf = creditrisk_plus_pmf(intensity, nu, sigma2)
    x = np.arange(pmf.size)
    mean, var = creditrisk_plus_moments(intensity, nu, sigma2)
    assert np.all(pmf >= 0)
    assert abs(pmf.sum() - 1) < 1e-10
    assert abs(pmf @ x - mean) < 1e-8 * (1 + mean)
    assert abs(pmf @ (x - pmf @ x) ** 2 - var) < 1e-7 * (1 + var)
