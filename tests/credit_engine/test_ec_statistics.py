"""Statistical checks of the default kernel with fixed seeds and tolerances from the Monte Carlo
error: binomial counts without correlation, the exact one-factor distribution, correlation and
the tail, recovery in downturns."""

import numpy as np
import pytest
from scipy import stats

from fundsvc.credit.analytics.default_count import default_count_pmf
from fundsvc.credit.engine import compile_credit, simulate_credit_chunk
from fundsvc.credit.engine.outputs import var_es
from fundsvc.credit.engine.recovery import build_recovery_tables, mean_recovery_fraction
from fundsvc.credit.engine.synthetic import homogeneous_scenario, iid_market
from models.credit import AssetCorrelationModel, IPRecoveryModel, IPType


def _counts(n, pd, r, n_paths, horizon=1, seed=1, steps_per_year=1):
    sc = homogeneous_scenario(n, pd, horizon_years=horizon)
    m = compile_credit(sc, correlation=AssetCorrelationModel(default=r), steps_per_year=steps_per_year)
    mk = iid_market(n_paths, m.n_steps, np.random.default_rng(seed), steps_per_year=steps_per_year)
    return simulate_credit_chunk(m, mk, seed, 0).n_defaults.sum(axis=1)


def _chi_square_pvalue(counts, pmf, min_expected=5.0):
    """Chi-square goodness of fit, merging the tail bins with small expected counts."""
    n = counts.size
    obs = np.bincount(counts, minlength=pmf.size)[: pmf.size].astype(float)
    exp = pmf * n
    keep = exp >= min_expected
    last = np.nonzero(keep)[0].max()
    o = np.r_[obs[:last], obs[last:].sum()]
    e = np.r_[exp[:last], exp[last:].sum()]
    small = e < min_expected
    o = np.r_[o[~small], o[small].sum()] if small.any() else o
    e = np.r_[e[~small], e[small].sum()] if small.any() else e
    return stats.chisquare(o, e * o.sum() / e.sum()).pvalue


def test_zero_correlation_gives_binomial_counts():
    """R = 0: defaults are independent, so over three years each of 50 loans defaults with
    probability 1 − (1 − 5 %)³ and the count is binomial."""
    q = 1 - 0.95**3
    c = _counts(50, 0.05, 0.0, 20_000, horizon=3)
    pmf = stats.binom.pmf(np.arange(51), 50, q)
    assert abs(c.mean() - 50 * q) < 4 * np.sqrt(50 * q * (1 - q) / c.size)
    assert _chi_square_pvalue(c, pmf) > 1e-3


def test_homogeneous_portfolio_matches_exact_one_factor_distribution():
    """100 loans, PD 2 %, R = 0.2, one year: the default count has the exact one-factor
    (Vasicek finite-portfolio) distribution P(D = k) = ∫ C(n,k) p(z)^k (1 − p(z))^(n−k) φ(z) dz
    (fundsvc.credit.analytics.default_count_pmf)."""
    pmf = default_count_pmf(100, 0.02, 0.2)
    c = _counts(100, 0.02, 0.2, 40_000, seed=7)
    k = np.arange(101)
    mean, var = pmf @ k, pmf @ k**2 - (pmf @ k) ** 2
    assert abs(c.mean() - mean) < 4 * np.sqrt(var / c.size)
    assert _chi_square_pvalue(c, pmf) > 1e-3
    # the far tail: P(D >= 10) within 4 binomial standard errors
    p10 = pmf[10:].sum()
    assert abs((c >= 10).mean() - p10) < 4 * np.sqrt(p10 * (1 - p10) / c.size)


def test_quarterly_steps_keep_the_annual_pd():
    """Quarterly steps with independent quarterly factors: P(default within the year) =
    1 − Π(1 − E p_q) = 1 − (1 − PD_q)^4 = PD exactly."""
    c = _counts(200, 0.04, 0.15, 10_000, horizon=1, steps_per_year=4, seed=3)
    rate = c.mean() / 200
    # standard error from the sample (defaults are correlated within a path)
    assert abs(rate - 0.04) < 4 * c.std() / 200 / np.sqrt(c.size)


def test_raising_correlation_never_thins_the_tail():
    """Common random numbers (same factors and uniforms): VaR and ES at 99 % and 99.9 % of the
    default count never fall as R rises (more correlation, fatter tail)."""
    prev = None
    for r in (0.0, 0.05, 0.12, 0.24, 0.4):
        c = _counts(300, 0.03, r, 20_000, seed=11).astype(float)
        var, es = var_es(c, (0.99, 0.999))
        cur = np.r_[var, es]
        if prev is not None:
            assert np.all(cur >= prev - 1e-9), (r, cur, prev)
        prev = cur


def test_bad_sector_years_raise_defaults():
    sc = homogeneous_scenario(100, 0.03)
    m = compile_credit(sc, correlation=AssetCorrelationModel(default=0.2))
    mk = iid_market(5000, 1, np.random.default_rng(2))
    c = simulate_credit_chunk(m, mk, 2, 0).n_defaults[:, 0]
    z = mk.sector[:, 0, 0]  # smart_iot is the first sector
    assert np.corrcoef(c, z)[0, 1] < -0.3


def test_recovery_tables_match_the_beta_mean_and_fall_in_downturns():
    model = IPRecoveryModel()
    tab = build_recovery_tables(model)
    i = list(IPType).index(IPType.INVENTION_PATENT)
    from scipy.special import ndtr

    frac_mean = ndtr(tab.probit_fraction[i]).mean()
    assert frac_mean == pytest.approx(model.mean_fraction[IPType.INVENTION_PATENT], abs=1e-4)
    shape = 1 / model.disposal_years_cv**2
    scale = model.mean_disposal_years / shape
    exact_disc = (1 + scale * np.log1p(model.discount_rate)) ** (-shape)  # E[e^{-τ ln(1+r)}], τ ~ Gamma
    assert tab.discount.mean() == pytest.approx(exact_disc, rel=1e-4)
    down, mid, up = (mean_recovery_fraction(tab, i, z) for z in (-2.0, 0.0, 2.0))
    assert down < mid < up
    assert mid == pytest.approx(0.7 * frac_mean * 0.9 * tab.discount.mean())


from hypothesis import given, settings
from hypothesis import strategies as st


@settings(max_examples=8, deadline=None, derandomize=True)
@given(pd=st.floats(0.005, 0.05), r1=st.floats(0.0, 0.3), dr=st.floats(0.1, 0.3), seed=st.integers(0, 1000))
def test_raising_correlation_never_thins_the_tail_hypothesis(pd, r1, dr, seed):
    """For PD ≤ 5 % and R ≤ 0.6 the Vasicek 99 % quantile rises with R (its R-derivative has the
    sign of Φ⁻¹(0.99)/√R + Φ⁻¹(PD) > 0), so with common random numbers the simulated 99 % VaR
    and ES of the default count of 200 loans must not fall when R rises by ≥ 0.1."""
    lo = _counts(200, pd, r1, 10_000, seed=seed).astype(float)
    hi = _counts(200, pd, r1 + dr, 10_000, seed=seed).astype(float)
    v_lo, e_lo = var_es(lo, (0.99,))
    v_hi, e_hi = var_es(hi, (0.99,))
    assert v_hi[0] >= v_lo[0] and e_hi[0] >= e_lo[0]
