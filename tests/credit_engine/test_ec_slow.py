"""Longer statistical checks (marked slow)."""

import numpy as np
import pytest

from fundsvc.credit.analytics.default_count import default_count_pmf
from fundsvc.credit.engine import compile_credit, simulate_credit_chunk
from fundsvc.credit.engine.synthetic import homogeneous_scenario, iid_market, synthetic_scenario
from fundsvc.credit.engine.tail import one_period_portfolio, plain_losses, tail_probability_is
from models.credit import AssetCorrelationModel


@pytest.mark.slow
def test_large_homogeneous_portfolio_tail_matches_exact_distribution():
    """1,000 loans, PD 1 %, R = 0.12, 200,000 paths: P(D ≥ k) at the exact 99 % and 99.9 %
    points agrees with the one-factor result within 4 binomial standard errors."""
    sc = homogeneous_scenario(1000, 0.01)
    m = compile_credit(sc, correlation=AssetCorrelationModel(default=0.12))
    counts = np.concatenate([
        simulate_credit_chunk(m, iid_market(50_000, 1, np.random.default_rng(i)), 5, i).n_defaults[:, 0]
        for i in range(4)])
    pmf = default_count_pmf(1000, 0.01, 0.12)
    tail = pmf[::-1].cumsum()[::-1]  # P(D >= k)
    for a in (0.99, 0.999):
        k = int(np.searchsorted(-tail, -(1 - a)))
        p = tail[k]
        assert abs((counts >= k).mean() - p) < 4 * np.sqrt(p * (1 - p) / counts.size)


@pytest.mark.slow
def test_is_and_plain_mc_agree_far_in_the_tail():
    """P(L > x) ≈ 1e-4: plain MC with 10⁶ paths and IS with 2·10⁴ agree within 4 standard errors."""
    sc = synthetic_scenario(400, seed=7, horizon_years=3, programme=False)
    port = one_period_portfolio(compile_credit(sc), sc.market)
    plain = plain_losses(port, 1_000_000, np.random.default_rng(1))
    x = float(np.quantile(plain, 0.9999))
    p_mc = (plain > x).mean()
    se_mc = np.sqrt(p_mc * (1 - p_mc) / plain.size)
    est = tail_probability_is(port, x, 20_000, np.random.default_rng(2))
    assert abs(est.p_exceed - p_mc) < 4 * np.hypot(est.se, se_mc)
    assert est.relative_se < 0.05
