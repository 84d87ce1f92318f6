"""Pool interest on a quarterly credit grid: compounded per step at (1 + i)^(1/4) − 1, so that a
year of quarters earns exactly i on an untouched balance (simple accrual at i/4 per quarter, or
simple interest over the years, give different numbers)."""

import dataclasses

import numpy as np

from fundsvc.credit.engine import compile_credit
from fundsvc.credit.engine.synthetic import homogeneous_scenario
from fundsvc.credit.pools.ledger import run_pools


def _quarterly_model(**pool_kwargs):
    kw = {"funders": {"finance": 1e7}, "interest_rate": 0.04, "suspension": {"npl_ratio_stop_lending": None}}
    kw.update(pool_kwargs)
    sc = homogeneous_scenario(2, 0.01, horizon_years=2, pooled=True, pool_kwargs=kw)
    sim = type(sc.simulation).model_validate({**sc.simulation.model_dump(), "credit_time_step": "quarter"})
    sc = sc.model_copy(update={"simulation": sim})
    m = dataclasses.replace(compile_credit(sc), banks=("bank_a", "bank_b"))
    assert m.steps_per_year == 4 and m.n_steps == 8
    return m


def test_untouched_balance_compounds_to_the_annual_rate(make_claims):
    """1,000万 at 4 % a year for two years of quarters: 1,000万 × 1.04² = 1,081.6万 (not 1,080万
    simple, not 1,082.86万 = 1.01⁸ from i/4 a quarter); first quarter's interest
    1,000万 × (1.04^0.25 − 1) = 98,534.07."""
    m = _quarterly_model()
    led = run_pools(m, make_claims([0.0] * 8))
    np.testing.assert_allclose(led.balance[0, 0, -1], 1e7 * 1.04**2, rtol=1e-12)
    np.testing.assert_allclose(led.balance[0, 0, 4], 1e7 * 1.04, rtol=1e-12)
    np.testing.assert_allclose(led.interest[0, 0, 0], 98_534.07, atol=0.01)
    assert abs(led.balance[0, 0, -1] - 1e7 * (1 + 0.04 * 2)) > 1e4
    assert abs(led.balance[0, 0, -1] - 1e7 * 1.01**8) > 1e4


def test_interest_on_the_start_balance_with_a_payout(make_claims):
    """A 200万 claim paid in the second quarter: interest of each quarter is on the quarter's start
    balance. g = 1.04^0.25 − 1; B1 = 1,000万(1 + g); B2 = B1 − 200万 + B1·g; B3 = B2(1 + g) …
    B8 = (1,000万(1 + g)² − 200万)(1 + g)⁶ = 1,081.6万 − 200万 × (1 + g)⁶."""
    m = _quarterly_model()
    led = run_pools(m, make_claims([0.0, 2e6] + [0.0] * 6))
    g = 1.04**0.25 - 1
    np.testing.assert_allclose(led.balance[0, 0, 2], 1e7 * (1 + g) ** 2 - 2e6, rtol=1e-12)
    np.testing.assert_allclose(led.balance[0, 0, -1], 1e7 * 1.04**2 - 2e6 * (1 + g) ** 6, rtol=1e-12)
