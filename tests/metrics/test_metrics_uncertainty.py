"""Monte Carlo error functions: hand-worked values and coverage over many seeds.

Coverage measured with these seeds (2,000 replications of n = 1,000 lognormal(0, 0.5) draws, a
right-skewed law like TVPI):
mean ± 1.96 s.e. 94.2 %; order-statistic intervals of the 5 %, 50 %, 95 %, 99 % quantiles
95.6 %, 95.0 %, 95.5 %, 97.9 % (exact method, conservative); Wilson for p = 0.1 95.1 %;
ES ± 1.96 s.e. 92.6 % at 95 % (50 tail points) and 88 % at 99 % (10 tail points), 94 % at 99 %
with n = 10,000 (100 tail points): the ES interval is asymptotic and needs ~100 tail paths.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy.stats import binom, norm

from fundsvc.errors import InputError
from fundsvc.metrics.risk import expected_shortfall, value_at_risk
from fundsvc.metrics.uncertainty import (
    batch_means,
    es_standard_error,
    mean_se,
    order_statistic_ranks,
    proportion_se,
    quantile_interval,
    relative_half_width,
    wilson_interval,
    z_value,
)

R, N, SIGMA = 1000, 500, 0.5
# binomial tolerance of a coverage rate over R replications: 4 standard errors at 95 %
TOL = 4 * np.sqrt(0.95 * 0.05 / R)


@pytest.fixture(scope="module")
def samples():
    return np.random.default_rng(11).lognormal(0.0, SIGMA, (R, N))


def test_hand_worked_values():
    """Mean of 1..5 is 3, s = sqrt(2.5), s.e. = sqrt(2.5/5); binomial s.e. of 0.2 of 100 is 0.04;
    Wilson 95 % for 0 of 10 is [0, z²/(10 + z²)] = [0, 0.2775] (Wilson 1927)."""
    m, se = mean_se([1.0, 2.0, 3.0, 4.0, 5.0])
    assert m == 3.0 and se == pytest.approx(np.sqrt(0.5), rel=1e-14)
    assert proportion_se(0.2, 100) == pytest.approx(0.04, rel=1e-14)
    z = z_value(0.95)
    assert z == pytest.approx(1.959963984540054, rel=1e-14)
    lo, hi = wilson_interval(0, 10)
    assert lo == 0.0 and hi == pytest.approx(z * z / (10 + z * z), rel=1e-12)
    assert relative_half_width(2.0, 1.9, 2.1) == pytest.approx(0.05)


def test_order_statistic_ranks_match_the_binomial_definition():
    """n = 100, median: the interval [x_(l), x_(u)] (0-based) has binomial coverage >= 95 %, and
    is the narrowest symmetric one: l = 39, u = 60 (the textbook 40th and 61st values)."""
    lo, hi = order_statistic_ranks(100, 0.5)
    assert (int(lo), int(hi)) == (39, 60)
    cover = binom.cdf(hi, 100, 0.5) - binom.cdf(lo, 100, 0.5)
    assert cover >= 0.95
    x = np.arange(100.0)[::-1].copy()
    assert quantile_interval(x, 0.5) == (39.0, 60.0)


def test_batch_means_equal_sizes():
    """Four batches 1, 2, 3, 4: mean 2.5, s.e. = sd / sqrt(4) = sqrt(5/3) / 2."""
    m, se = batch_means([1.0, 2.0, 3.0, 4.0])
    assert m == 2.5 and se == pytest.approx(np.sqrt(5 / 3) / 2, rel=1e-12)
    m, se = batch_means([1.0, 3.0], sizes=[1, 3])
    assert m == 2.5 and np.isfinite(se)


def test_mean_se_coverage(samples):
    """Over 1,000 seeds the mean ± 1.96 s.e. covers the true mean e^{σ²/2} at 95 % ± 4 s.e."""
    m, se = mean_se(samples, axis=1)
    cover = np.mean(np.abs(m - np.exp(SIGMA ** 2 / 2)) <= z_value() * se)
    assert abs(cover - 0.95) < TOL, cover


@pytest.mark.parametrize("q", [0.05, 0.5, 0.95])
def test_quantile_interval_coverage(samples, q):
    """Order-statistic intervals are exact-conservative: coverage at least 95 % (− 4 s.e.) and
    not wastefully wide (at most 98.5 %)."""
    truth = np.exp(SIGMA * norm.ppf(q))
    hits = [lo <= truth <= hi for lo, hi in (quantile_interval(x, q) for x in samples)]
    cover = np.mean(hits)
    assert 0.95 - TOL < cover < 0.985, cover


def test_var_interval_and_es_standard_error_coverage(samples):
    """VaR 95 % (a lower quantile) is covered at >= 95 %; ES 95 % ± 1.96 s.e. (25 tail points
    per sample here) at 90 % or more: the ES interval is asymptotic (see the module docstring)."""
    a = 0.95
    var_true = np.exp(SIGMA * norm.ppf(a))
    es_true = np.exp(SIGMA ** 2 / 2) * norm.cdf(SIGMA - norm.ppf(a)) / (1 - a)
    var_hit, es_hit = [], []
    for x in samples:
        lo, hi = quantile_interval(x, a)
        var_hit.append(lo <= var_true <= hi)
        v = value_at_risk(x, a)
        es_hit.append(abs(expected_shortfall(x, a) - es_true) <= z_value() * es_standard_error(x, a, v))
    assert np.mean(var_hit) > 0.95 - TOL
    assert np.mean(es_hit) > 0.90, np.mean(es_hit)


def test_wilson_coverage():
    """Wilson's interval covers p = 0.1 (n = 500) at 95 % ± 4 s.e. over 1,000 seeds."""
    k = np.random.default_rng(3).binomial(N, 0.1, R)
    lo, hi = wilson_interval(k, N)
    assert abs(np.mean((lo <= 0.1) & (0.1 <= hi)) - 0.95) < TOL


def test_bad_input():
    with pytest.raises(InputError, match="level"):
        z_value(1.5)
    with pytest.raises(InputError, match="at least one value"):
        order_statistic_ranks(0, 0.5)
    with pytest.raises(InputError, match="sizes"):
        batch_means([1.0, 2.0], sizes=[1.0])
    assert np.isnan(mean_se([1.0])[1])
    assert all(np.isnan(v) for v in quantile_interval([np.nan, np.nan], 0.5))
