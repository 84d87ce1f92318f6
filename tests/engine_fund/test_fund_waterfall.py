"""Waterfall: hand case, cash conservation, carry share once caught up, fast vs reference."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from fundsvc.engine.venture.waterfall import (
    allocate,
    american_waterfall,
    european_waterfall,
    realised_cost_and_age,
    reference_waterfall,
)

amounts = st.floats(min_value=0, max_value=1e3, allow_nan=False, allow_infinity=False)
terms = st.fixed_dictionaries({
    "hurdle_rate": st.floats(0, 0.2),
    "carry": st.floats(0, 0.4),
    "catch_up": st.sampled_from([0.0, 0.5, 0.8, 1.0]),
})


def test_european_hand_case():
    """100 called at step 0, 150 distributed four quarters later; 8 % hurdle, 20 % carry, full
    catch-up: LP first 108 (capital + one year of pref), GP catch-up 2, then 40 split 32/8:
    LP 140, GP 10 = 20 % of the 50 profit."""
    c = np.array([[100.0, 0, 0, 0, 0]])
    d = np.array([[0.0, 0, 0, 0, 150.0]])
    r = european_waterfall(c, d, hurdle_rate=0.08, carry=0.2, catch_up=1.0, steps_per_year=4)
    assert r.lp[0, -1] == pytest.approx(140.0)
    assert r.carry[0, -1] == pytest.approx(10.0)
    # no catch-up: GP gets 20 % of the 42 above the hurdle only
    r0 = european_waterfall(c, d, hurdle_rate=0.08, carry=0.2, catch_up=0.0, steps_per_year=4)
    assert r0.carry[0, -1] == pytest.approx(0.2 * 42.0)


def test_distribution_below_hurdle_all_to_lp():
    c = np.array([[100.0, 0, 0, 0, 0]])
    d = np.array([[0.0, 0, 50, 0, 55.0]])
    r = european_waterfall(c, d, hurdle_rate=0.08, carry=0.2, catch_up=1.0, steps_per_year=4)
    assert r.carry.sum() == 0
    np.testing.assert_allclose(r.lp, d)


@settings(max_examples=60, deadline=None)
@given(c=arrays(float, (3, 12), elements=amounts), d=arrays(float, (3, 12), elements=amounts),
       v=arrays(float, (3, 12), elements=amounts), t=terms)
def test_european_conserves_cash(c, d, v, t):
    r = european_waterfall(c, d, value=v, **t, steps_per_year=4)
    np.testing.assert_allclose(r.lp + r.carry, d, rtol=1e-12, atol=1e-9)
    np.testing.assert_allclose(r.lp_value + r.accrued_carry, v, rtol=1e-12, atol=1e-9)
    assert (r.lp >= -1e-12).all() and (r.carry >= -1e-12).all()


@settings(max_examples=80, deadline=None)
@given(c=arrays(float, (4,), elements=amounts), big=st.floats(0, 5e3), t=terms.filter(lambda t: t["catch_up"] > t["carry"] + 0.05))
def test_carry_is_carry_share_of_profit_once_caught_up(c, big, t):
    """Calls in steps 0-3, one distribution D at step 11. The LPs need
    A = Σ c_i (1+h)^((11-i)/4) first, then the catch-up needs y = carry·(A − C)/(catch_up − carry):
    if D >= A + y the GP is caught up and its carry is exactly carry × (D − C); below that the
    carry is less than carry × profit."""
    contributions = np.zeros((1, 12)); contributions[0, :4] = c
    dist = np.zeros((1, 12)); dist[0, 11] = big
    r = european_waterfall(contributions, dist, **t, steps_per_year=4)
    growth = (1 + t["hurdle_rate"]) ** ((11 - np.arange(4)) / 4)
    a = float((c * growth).sum())
    y = t["carry"] * (a - c.sum()) / (t["catch_up"] - t["carry"])
    k = float(r.carry.sum())
    profit = big - c.sum()
    if big >= a + y:
        assert k == pytest.approx(t["carry"] * profit, rel=1e-9, abs=1e-9)
    else:
        assert k <= t["carry"] * max(profit, 0.0) + 1e-9


def test_full_catch_up_large_distribution_hits_exact_share():
    c = np.zeros((1, 20)); c[0, :4] = 25.0
    d = np.zeros((1, 20)); d[0, 12] = 400.0
    r = european_waterfall(c, d, hurdle_rate=0.08, carry=0.2, catch_up=1.0, steps_per_year=4)
    assert r.carry.sum() == pytest.approx(0.2 * 300.0, rel=1e-12)


@settings(max_examples=40, deadline=None)
@given(c=arrays(float, (4, 10), elements=amounts), d=arrays(float, (4, 10), elements=amounts), t=terms)
def test_fast_matches_reference(c, d, t):
    """Vectorised European waterfall vs the plain-Python tier-by-tier reference, 1e-9."""
    r = european_waterfall(c, d, **t, steps_per_year=4)
    lp, gp = reference_waterfall(c, d, **t, steps_per_year=4)
    np.testing.assert_allclose(r.lp, lp, rtol=1e-9, atol=1e-9)
    np.testing.assert_allclose(r.carry, gp, rtol=1e-9, atol=1e-9)


def test_fast_matches_reference_random_fund():
    rng = np.random.default_rng(11)
    c = rng.exponential(10, (50, 40)) * (np.arange(40) < 16)
    d = rng.exponential(12, (50, 40)) * (rng.random((50, 40)) < 0.3) * (np.arange(40) >= 6)
    r = european_waterfall(c, d, hurdle_rate=0.08, carry=0.2, catch_up=0.8, steps_per_year=4)
    lp, gp = reference_waterfall(c, d, hurdle_rate=0.08, carry=0.2, catch_up=0.8, steps_per_year=4)
    np.testing.assert_allclose(r.lp, lp, rtol=1e-9, atol=1e-9)
    np.testing.assert_allclose(r.carry, gp, rtol=1e-9, atol=1e-9)


def test_american_carry_on_each_quarter_without_loss_offset():
    """A 2× exit on cost 50 held one year, then a total loss of the other 50: deal-by-deal pays
    carry on the winner (20 % of the 50 gain, full catch-up above an 8 % hurdle), the European
    waterfall pays none (the fund only returned its capital)."""
    invested = np.zeros((1, 12)); invested[0, 0] = 100.0
    cost = np.zeros((1, 12)); cost[0, :4] = 100.0; cost[0, 4:8] = 50.0
    proceeds = np.zeros((1, 12)); proceeds[0, 4] = 100.0
    realised, r_age, _ = realised_cost_and_age(invested, cost, steps_per_year=4)
    assert realised[0, 4] == pytest.approx(50.0) and realised[0, 8] == pytest.approx(50.0)
    assert r_age[0, 4] == pytest.approx(1.0)
    am = american_waterfall(proceeds, realised, r_age, hurdle_rate=0.08, carry=0.2, catch_up=1.0, steps_per_year=4)
    assert am.carry.sum() == pytest.approx(10.0)
    eu = european_waterfall(invested, proceeds, hurdle_rate=0.08, carry=0.2, catch_up=1.0, steps_per_year=4)
    assert eu.carry.sum() == 0.0
    np.testing.assert_allclose(am.lp + am.carry, proceeds)


def test_american_loss_first_is_carried_forward():
    """Write-off of 50 (cost) at step 4, sale of the other half for 150 at step 8: the loss
    carry-forward (54 a year later 58.32) and the sold cost with two years of hurdle (58.32)
    come back first, then catch-up and split give the GP 20 % of the 50 net gain — the same
    as the European waterfall."""
    invested = np.zeros((1, 12)); invested[0, 0] = 100.0
    cost = np.zeros((1, 12)); cost[0, :4] = 100.0; cost[0, 4:8] = 50.0
    proceeds = np.zeros((1, 12)); proceeds[0, 8] = 150.0
    realised, r_age, _ = realised_cost_and_age(invested, cost, steps_per_year=4)
    am = american_waterfall(proceeds, realised, r_age, hurdle_rate=0.08, carry=0.2, catch_up=1.0, steps_per_year=4)
    eu = european_waterfall(invested, proceeds, hurdle_rate=0.08, carry=0.2, catch_up=1.0, steps_per_year=4)
    assert am.carry.sum() == pytest.approx(10.0)
    assert eu.carry.sum() == pytest.approx(10.0)


def test_american_returns_fees_before_carry():
    """Fees of 10 paid before a realisation at cost with no gain: no carry on the 10 'profit'
    over cost that only repays the fees."""
    d = np.array([[0.0, 0, 0, 0, 110.0]])
    cost = np.array([[0.0, 0, 0, 0, 100.0]])
    age = np.zeros((1, 5))
    fees = np.array([[10.0, 0, 0, 0, 0]])
    am = american_waterfall(d, cost, age, hurdle_rate=0.0, carry=0.2, catch_up=1.0, costs=fees, steps_per_year=4)
    assert am.carry.sum() == pytest.approx(0.0)
    am_no = american_waterfall(d, cost, age, hurdle_rate=0.0, carry=0.2, catch_up=1.0, steps_per_year=4)
    assert am_no.carry.sum() == pytest.approx(2.0)


def test_allocate_tiers_are_monotone_in_cash():
    d = np.linspace(0, 300, 301)
    lp, gp, _ = allocate(d, np.full_like(d, 108.0), np.full_like(d, -100.0), np.zeros_like(d), 0.2, 1.0)
    assert (np.diff(lp) >= -1e-12).all() and (np.diff(gp) >= -1e-12).all()
