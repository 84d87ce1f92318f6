"""Guidance fund view: 让利 and buy-out hand cases, own cost, aggregation equals the sum of parts."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pytest

from fundsvc.engine.factors import simulate_market
from fundsvc.engine.sampling import Component, stream
from fundsvc.engine.venture.equity import compile_equity, simulate_equity_chunk
from fundsvc.engine.venture.guidance import (
    apply_buyout,
    apply_profit_concession,
    buyout_price,
    guidance_share_of_lp,
    management_cost,
    step_of,
)
from fundsvc.inputs import load_scenario
from models.venture import BuyoutOption, GuidanceFund, ProfitConcession

QUICK = Path(__file__).resolve().parents[2] / "scenarios" / "quick.toml"


def _row(n, **at):
    a = np.zeros((1, n))
    for k, v in at.items():
        a[0, int(k[1:])] = v
    return a


def test_profit_concession_hand_case():
    """Paid in 100; receives 60 then 80. With threshold 0 the first 100 is its own; of the 40
    above it half (20) goes to private LPs. With an 8 % threshold the account is
    100·1.08 − 60 = 48 after a year, 48·1.08 = 51.84 a year later: 14.08 is conceded."""
    c, d, v = _row(9, s0=100), _row(9, s4=60, s8=80), np.zeros((1, 9))
    kept, _, given_up = apply_profit_concession(c, d, v, ProfitConcession(threshold_rate=0, concession_share=0.5), steps_per_year=4)
    assert given_up.sum() == pytest.approx(20.0)
    assert kept[0, 8] == pytest.approx(60.0)
    _, _, g8 = apply_profit_concession(c, d, v, ProfitConcession(threshold_rate=0.08, concession_share=0.5), steps_per_year=4)
    assert g8.sum() == pytest.approx(0.5 * (80 - 51.84))


def test_concession_reduces_nav_by_accrued_share():
    c, d, v = _row(4, s0=100), np.zeros((1, 4)), np.full((1, 4), 150.0)
    _, nav, _ = apply_profit_concession(c, d, v, ProfitConcession(concession_share=0.4), steps_per_year=4)
    assert nav[0, -1] == pytest.approx(150 - 0.4 * 50)


def test_buyout_when_in_the_money_hand_case():
    """Paid in 100 at step 0; price = 100 + 3 %/4·100·t. Window 3–5 years → steps 11–19. NAV 90
    until step 13, 200 from step 14: exercised at 14 for 110.5; nothing afterwards."""
    n = 24
    c = _row(n, s0=100)
    d = np.zeros((1, n))
    v = np.where(np.arange(n) < 14, 90.0, 200.0)[None, :]
    opt = BuyoutOption(exercise="when_in_the_money", window_start_years=3, window_end_years=5, interest_rate=0.03)
    _, d2, v2, step, price = apply_buyout(c, d, v, opt, start_step=0, steps_per_year=4)
    assert step[0] == 14 and price[0] == pytest.approx(110.5)
    assert d2[0, 14] == pytest.approx(110.5) and d2.sum() == pytest.approx(110.5)
    assert (v2[0, 14:] == 0).all() and (v2[0, :14] == 90).all()
    # never in the money inside the window: not exercised
    _, _, _, s_no, _ = apply_buyout(c, d, np.full((1, n), 90.0), opt, start_step=0, steps_per_year=4)
    assert s_no[0] == -1


def test_buyout_at_window_start_and_deducting_distributions():
    """At window start (step 11 from a start at step 0) the price is 100 + 0.75·11 = 108.25;
    with 20 already received and deduct_distributions the price is 88.25; with a later start
    the window moves with the sub-fund."""
    n = 24
    c, d, v = _row(n, s0=100), _row(n, s5=20), np.full((1, n), 10.0)
    opt = BuyoutOption(exercise="at_window_start", window_start_years=3, window_end_years=5)
    _, _, _, step, price = apply_buyout(c, d, v, opt, start_step=0, steps_per_year=4)
    assert step[0] == 11 and price[0] == pytest.approx(88.25)
    opt_gross = opt.model_copy(update={"deduct_distributions": False})
    _, _, _, _, p2 = apply_buyout(c, d, v, opt_gross, start_step=0, steps_per_year=4)
    assert p2[0] == pytest.approx(108.25)
    c3 = _row(n, s4=100)
    _, _, _, step3, _ = apply_buyout(c3, np.zeros((1, n)), v, opt, start_step=4, steps_per_year=4)
    assert step3[0] == 15
    np.testing.assert_allclose(buyout_price(c3, np.zeros((1, n)), opt, steps_per_year=4)[0, 15], 100 + 0.0075 * 100 * 11)


def test_share_and_management_cost():
    assert guidance_share_of_lp(_sf(0.3, 0.01)) == pytest.approx(0.3 / 0.99)
    gf = GuidanceFund(name="g", size_cny=1000, inception=dt.date(2026, 1, 1), term_years=2, management_cost_rate=0.005)
    cost = management_cost(gf, np.array([60.0, 100.0]), np.array([0, 2]), 0, 10, steps_per_year=4)
    np.testing.assert_allclose(cost, [0.075, 0.075] + [0.2] * 6 + [0, 0])
    assert step_of(dt.date(2027, 7, 1), dt.date(2026, 1, 1), steps_per_year=4) == 6
    assert step_of(dt.date(2026, 2, 15), dt.date(2026, 1, 1), steps_per_year=4) == 0


def _sf(share, gp):
    from models.venture import FundStage, SubFund
    return SubFund(id="x", name="x", strategy=FundStage.SEED, vintage=dt.date(2026, 1, 1), commitment_cny=1.0,
                   guidance_share=share, sector_weights={"other": 1.0}, waterfall={"gp_commitment_share": gp})


@pytest.fixture(scope="module")
def quick():
    return load_scenario(QUICK).scenario


def _run(scenario, n_paths=200, seed=3):
    model = compile_equity(scenario)
    market = simulate_market(scenario.market, n_paths, model.n_steps, 4, stream(seed, 0, Component.FACTORS))
    return model, simulate_equity_chunk(model, market, seed, 0)


def test_guidance_aggregate_is_sum_of_parts(quick):
    model, ch = _run(quick)
    np.testing.assert_allclose(ch.guidance_calls, ch.guidance_fund_calls.sum(axis=1) + model.management_cost)
    np.testing.assert_allclose(ch.guidance_distributions, ch.guidance_fund_distributions.sum(axis=1))
    np.testing.assert_allclose(ch.guidance_nav, ch.guidance_fund_nav.sum(axis=1))
    # quick.toml has no 让利 and no buy-out: the stake is the plain share of the LP base
    for j, cf in enumerate(model.funds):
        s = guidance_share_of_lp(cf.sub_fund)
        np.testing.assert_allclose(ch.guidance_fund_calls[:, j], s * ch.fund_calls[:, j])
        np.testing.assert_allclose(ch.guidance_fund_distributions[:, j], s * ch.fund_distributions[:, j])
        assert (ch.fund_calls[:, j].sum(axis=1) <= cf.sub_fund.commitment_cny + 1e-6).all()
    assert ch.guidance_calls.shape == (200, 48)
    assert ch.fund_nav.shape == (200, 3, 48)


def test_concession_and_buyout_move_value_not_create_it(quick):
    """With 让利 and a buy-out the guidance stake changes but the LP base's flows do not."""
    funds = [f.model_copy(update={"profit_concession": ProfitConcession(concession_share=0.5),
                                  "buyout": BuyoutOption(exercise="when_in_the_money")}) for f in quick.sub_funds]
    alt = quick.model_copy(update={"sub_funds": funds})
    _, base = _run(quick)
    _, ch = _run(alt)
    np.testing.assert_allclose(ch.fund_distributions, base.fund_distributions)
    assert (ch.guidance_conceded >= 0).all() and ch.guidance_conceded.sum() > 0
    assert (ch.buyout_step >= 0).any()
    np.testing.assert_allclose(ch.guidance_distributions, ch.guidance_fund_distributions.sum(axis=1))


def test_streams_are_per_sub_fund(quick):
    """Dropping a sub-fund leaves the others' flows bit-identical (own random stream each)."""
    _, full = _run(quick)
    _, part = _run(quick.model_copy(update={"sub_funds": quick.sub_funds[1:]}))
    np.testing.assert_array_equal(full.fund_distributions[:, 1:], part.fund_distributions)
