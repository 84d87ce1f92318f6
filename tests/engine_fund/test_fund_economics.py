"""Fund economics: fee schedule hand case, calls capped by commitment, cash conservation, GP share."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from fundsvc.engine.venture.fund import fee_schedule, fund_cash_flows, investable_capital
from fundsvc.errors import InputError


def test_fee_schedule_hand_case(make_sub_fund):
    """Commitment 100, investment period 1 year, life 2 years, start at step 2:
    2 %/4 × 100 = 0.5 a quarter in steps 2-5; then 1.5 %/4 × previous step's cost (40) = 0.15 in
    steps 6-9; expenses 0.2 %/4 × 100 = 0.05 in steps 2-9; nothing after the life."""
    sf = make_sub_fund()
    cost = np.full((1, 12), 40.0)
    nav = np.full((1, 12), 55.0)
    fee, exp = fee_schedule(sf, nav, cost, start_step=2, steps_per_year=4)
    np.testing.assert_allclose(fee[0], [0, 0, .5, .5, .5, .5, .15, .15, .15, .15, 0, 0])
    np.testing.assert_allclose(exp[0], [0, 0] + [0.05] * 8 + [0, 0])
    sf_nav = make_sub_fund(fees={"post_investment_fee_basis": "nav"})
    fee2, _ = fee_schedule(sf_nav, nav, cost, start_step=2, steps_per_year=4)
    assert fee2[0, 6] == pytest.approx(0.015 / 4 * 55.0)
    sf_c = make_sub_fund(fees={"post_investment_fee_basis": "commitment"})
    fee3, _ = fee_schedule(sf_c, nav, cost, start_step=2, steps_per_year=4)
    assert fee3[0, 6] == pytest.approx(0.015 / 4 * 100.0)


def test_investable_capital(make_sub_fund):
    """I = (K − f₁K·T_ip − e·K·T_life) / (1 + f₂(T_life − T_ip)/2) = 97.6 / 1.0075."""
    assert investable_capital(make_sub_fund()) == pytest.approx(97.6 / 1.0075)
    assert investable_capital(make_sub_fund(fees={"fees_from_commitment": False})) == 100.0
    with pytest.raises(InputError, match="use up the whole commitment"):
        investable_capital(make_sub_fund(life_years=60, investment_period_years=30,
                                          fees={"management_fee_rate": 0.05}))


def _portfolio(inv, pro, nav):
    cost = np.cumsum(inv, axis=1) * 0.5
    return {"invested": inv, "proceeds": pro, "nav": nav, "cost_outstanding": cost, "recycled": np.zeros_like(inv)}


flows = arrays(float, (3, 16), elements=st.floats(0, 60, allow_nan=False))


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(inv=flows, pro=flows, nav=flows, rec_share=st.floats(0, 1), from_commitment=st.booleans(),
       kind=st.sampled_from(["european", "american"]), gp=st.floats(0, 0.1))
def test_calls_capped_and_cash_conserved(make_sub_fund, inv, pro, nav, rec_share, from_commitment, kind, gp):
    """Calls never exceed the commitment (fees included when called from it); cash in = cash
    out + what is left in the fund; LP + GP parts add up to the fund totals."""
    sf = make_sub_fund(fees={"fees_from_commitment": from_commitment},
                        waterfall={"kind": kind, "gp_commitment_share": gp}, life_years=3)
    p = _portfolio(inv, pro, nav)
    p["recycled"] = rec_share * inv
    f = fund_cash_flows(sf, **p, start_step=1, n_steps=16, steps_per_year=4)
    invest_calls = f.calls - (0 if from_commitment else f.management_fees + f.expenses)
    assert (np.cumsum(invest_calls, axis=1) <= 100.0 + 1e-9).all()
    assert (f.calls >= 0).all() and (f.distributable >= 0).all()
    lhs = f.calls.sum(1) + pro.sum(1)
    rhs = inv.sum(1) + f.management_fees.sum(1) + f.expenses.sum(1) + f.distributable.sum(1) + f.cash[:, -1]
    np.testing.assert_allclose(lhs, rhs, rtol=1e-10, atol=1e-8)
    np.testing.assert_allclose(f.lp_calls + f.gp_calls, f.calls, atol=1e-10)
    np.testing.assert_allclose(f.lp_distributions + f.gp_distributions, f.distributable, atol=1e-9)
    np.testing.assert_allclose(f.lp_nav + f.gp_nav, f.gross_nav, atol=1e-9)


def test_recycling_reserve_pays_recycled_investment(make_sub_fund):
    """Proceeds of 10 in step 1 (investment period) are kept for recycling (cap 10 % of 100) and
    pay a recycled investment of 6 in step 2; the unused 4 is released after the period."""
    sf = make_sub_fund(investment_period_years=1, recycling_cap=0.1,
                        fees={"management_fee_rate": 0, "expense_rate": 0, "post_investment_fee_rate": 0})
    inv = np.zeros((1, 8)); inv[0, 0] = 50; inv[0, 2] = 6
    rec = np.zeros((1, 8)); rec[0, 2] = 6
    pro = np.zeros((1, 8)); pro[0, 1] = 10
    f = fund_cash_flows(sf, inv, pro, np.zeros((1, 8)), np.zeros((1, 8)), rec, 0, 8, steps_per_year=4)
    np.testing.assert_allclose(f.calls[0], [50, 0, 0, 0, 0, 0, 0, 0])
    np.testing.assert_allclose(f.distributable[0], [0, 0, 0, 0, 4, 0, 0, 0])


def test_gp_commitment_is_carry_free_pass_through(make_sub_fund):
    """GP commitment 2 %: it pays 2 % of calls, gets 2 % of the cash plus carry on the LP part."""
    sf = make_sub_fund(fees={"management_fee_rate": 0, "expense_rate": 0, "post_investment_fee_rate": 0},
                        waterfall={"gp_commitment_share": 0.02, "hurdle_rate": 0.0, "carry": 0.2})
    inv = np.zeros((1, 8)); inv[0, 0] = 100
    pro = np.zeros((1, 8)); pro[0, 6] = 300
    f = fund_cash_flows(sf, inv, pro, np.zeros((1, 8)), np.zeros((1, 8)), np.zeros((1, 8)), 0, 8, steps_per_year=4)
    assert f.gp_calls.sum() == pytest.approx(2.0)
    assert f.carry.sum() == pytest.approx(0.2 * 0.98 * 200)
    assert f.gp_distributions.sum() == pytest.approx(0.02 * 300 + 0.2 * 0.98 * 200)


def test_lp_nav_is_net_of_accrued_carry(make_sub_fund):
    sf = make_sub_fund(fees={"management_fee_rate": 0, "expense_rate": 0, "post_investment_fee_rate": 0},
                        waterfall={"gp_commitment_share": 0.0, "hurdle_rate": 0.0, "carry": 0.2})
    inv = np.zeros((1, 4)); inv[0, 0] = 100
    nav = np.full((1, 4), 150.0)
    f = fund_cash_flows(sf, inv, np.zeros((1, 4)), nav, np.full((1, 4), 100.0), np.zeros((1, 4)), 0, 4, steps_per_year=4)
    assert f.lp_nav[0, -1] == pytest.approx(140.0)
    assert f.gp_nav[0, -1] == pytest.approx(10.0)


def test_bad_shapes_raise_input_error(make_sub_fund):
    sf = make_sub_fund()
    a = np.zeros((2, 5))
    with pytest.raises(InputError, match="shape"):
        fund_cash_flows(sf, a, a, a, a, np.zeros((2, 4)), 0, 5, steps_per_year=4)
