"""Invariants of the deal kernel: cash, reserves, ownership, write-downs, preference, effects."""

from __future__ import annotations

import dataclasses
import importlib.util
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fundsvc.engine.factors import simulate_market
from fundsvc.engine.venture import compile_deals, simulate_deals
from fundsvc.engine.venture.deals import DealStatus, first_come_first_served, preferred_proceeds
from fundsvc.errors import InputError
from models.common import Sector
from models.market import MarketModel

HERE = Path(__file__).parent
_spec = importlib.util.spec_from_file_location("engine_deals_helpers_inv", HERE / "_helpers.py")
helpers = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(helpers)

DEFAULT_PROFILE = HERE.parents[1] / "scenarios" / "profiles" / "stages_default.toml"


def _default_profile():
    import tomllib

    from models.venture import StageProfile

    with open(DEFAULT_PROFILE, "rb") as fh:
        return StageProfile.model_validate(tomllib.load(fh))


@pytest.fixture(scope="module", params=["fast", "default"])
def run(request):
    profile = helpers.fast_profile() if request.param == "fast" else _default_profile()
    fund = helpers.small_fund(n_initial_deals=12, life_years=8, extension_years=2)
    prog, paths = helpers.setup(n_paths=1500, n_steps=48, start_step=3, fund=fund, profile=profile)
    flows = simulate_deals(prog, paths, np.random.default_rng(11))
    return prog, paths, flows


def test_amounts_are_non_negative(run):
    _, _, fl = run
    for k in ("invested", "proceeds", "nav", "cost_outstanding", "recycled"):
        assert np.all(getattr(fl, k) >= 0), k
    assert np.all(fl.deals.proceeds >= 0)


def test_invested_within_investable_plus_recycled(run):
    prog, _, fl = run
    investable = prog.check_cny * prog.n_deals + prog.reserve_cny
    total = fl.invested.sum(axis=1)
    assert np.all(total <= investable + fl.recycled.sum(axis=1) + 1e-6 * investable)
    assert np.all(fl.recycled <= fl.invested + 1e-9)


def test_follow_ons_within_reserve_plus_recycled(run):
    prog, _, fl = run
    follow_on = fl.invested.sum(axis=1) - prog.check_cny * fl.n_companies
    assert np.all(follow_on >= -1e-6)
    assert np.all(follow_on <= prog.reserve_cny + fl.recycled.sum(axis=1) + 1e-6 * prog.reserve_cny)
    # the reserve binds on some paths (else this test checks nothing)
    assert np.any(follow_on >= 0.999 * prog.reserve_cny)


def test_recycling_capped_and_only_in_investment_period(run):
    prog, _, fl = run
    assert np.all(fl.recycled.sum(axis=1) <= prog.recycling_cap_cny * (1 + 1e-12))
    assert np.all(fl.recycled[:, prog.ip_end_step:] == 0)


def test_ownership_never_increases_without_investment(run):
    prog, _, fl = run
    d = fl.deals
    entered = d.status != DealStatus.PENDING
    entry_post = np.maximum(prog.entry_post[d.entry_stage], prog.check_cny / prog.max_entry_ownership)
    own_entry = prog.check_cny / entry_post
    # pro rata keeps the stake, anything less dilutes it: never above the entry stake
    assert np.all(d.ownership[entered] <= own_entry[entered] * (1 + 1e-12))
    # rounds without any follow-on dilute strictly
    no_follow = entered & (d.invested <= prog.check_cny * (1 + 1e-12)) & (d.stage > d.entry_stage)
    assert no_follow.any()
    assert np.all(d.ownership[no_follow] < own_entry[no_follow])


def test_cash_adds_up_per_path(run):
    _prog, _, fl = run
    d = fl.deals
    np.testing.assert_allclose(d.invested.sum(axis=1), fl.invested.sum(axis=1), rtol=1e-12)
    np.testing.assert_allclose(d.proceeds.sum(axis=1), fl.proceeds.sum(axis=1), rtol=1e-12)
    np.testing.assert_allclose(fl.invested_by_sector.sum(axis=1), fl.invested.sum(axis=1), rtol=1e-12)
    assert np.all(fl.invested_early <= fl.invested.sum(axis=1) * (1 + 1e-12))
    assert np.all(fl.invested_local <= fl.invested.sum(axis=1) * (1 + 1e-12))
    np.testing.assert_array_equal(fl.n_companies, (d.status != DealStatus.PENDING).sum(axis=1))


def test_everything_realised_at_end_of_life(run):
    prog, _, fl = run
    assert prog.end_step < prog.n_steps
    assert np.all(fl.nav[:, prog.end_step:] == 0)
    assert np.all(fl.cost_outstanding[:, prog.end_step:] == 0)
    d = fl.deals
    assert not np.any(d.status == DealStatus.ACTIVE)
    sold = d.status == DealStatus.SOLD_AT_NAV
    assert np.all(d.end_step[sold] == prog.end_step)


def test_nav_is_zero_when_every_deal_has_ended(run):
    prog, _, fl = run
    d = fl.deals
    last_end = np.where(d.end_step >= 0, d.end_step, 10**9).max(axis=1)
    all_entered = prog.entry_step[-1]
    for i in np.flatnonzero(last_end < prog.end_step)[:200]:
        assert np.all(fl.nav[i, max(last_end[i], all_entered):] == 0)


def test_failure_writes_down_to_zero_and_recovers_share_of_cost():
    """A profile where every company fails: NAV drops to exactly 0, proceeds = recovery × cost."""
    profile = helpers.fast_profile()
    stages = [t.model_copy(update={"p_next_round": 0.0, "p_exit": 0.0}) for t in profile.stages]
    profile = profile.model_copy(update={"stages": stages})
    fund = helpers.small_fund(life_years=20, extension_years=0)
    prog, paths = helpers.setup(n_paths=300, n_steps=90, fund=fund, profile=profile)
    fl = simulate_deals(prog, paths, np.random.default_rng(2))
    d = fl.deals
    assert np.all(d.status == DealStatus.FAILED)
    np.testing.assert_allclose(d.proceeds, 0.05 * d.invested, rtol=1e-12)
    last = d.end_step.max(axis=1)
    for i in range(paths.n_paths):
        assert np.all(fl.nav[i, last[i]:] == 0)
        assert fl.nav[i, last[i] - 1] > 0 or d.end_step[i].min() == last[i]


@settings(max_examples=200, deadline=None)
@given(
    invested=st.floats(1e3, 1e9),
    ownership=st.floats(1e-4, 1.0),
    exit_value=st.floats(0.0, 1e12),
    extra=st.floats(0.0, 1e10),
)
def test_preference_payoff(invested, ownership, exit_value, extra):
    stack = invested + extra
    pay = float(preferred_proceeds(np.array(invested), np.array(ownership), np.array(exit_value), np.array(stack)))
    assert pay >= min(invested, exit_value * invested / stack) - 1e-9 * invested
    assert pay >= ownership * exit_value * (1 - 1e-12)
    # non-participating: never both the preference and the conversion
    assert pay <= max(invested, ownership * exit_value) * (1 + 1e-12)
    if extra == 0.0:  # the fund's preference is the whole stack: proceeds >= min(invested, exit value)
        assert pay >= min(invested, exit_value) * (1 - 1e-12)


def test_first_come_first_served_pays_in_order():
    path = np.array([0, 0, 0, 1, 1, 2])
    req = np.array([5.0, 4.0, 3.0, 2.0, 2.0, 1.0])
    pool = np.array([7.0, 7.0, 7.0, 10.0, 10.0, 0.0])
    np.testing.assert_array_equal(first_come_first_served(path, req, pool), [5.0, 2.0, 0.0, 2.0, 2.0, 0.0])


def _with_constant_factor(paths, value, regime=None):
    sector = np.full_like(paths.sector, value)
    reg = None if regime is None else np.full(paths.tech_cycle.shape, regime, dtype=np.int8)
    return dataclasses.replace(paths, sector=sector, regime=reg)


def test_negative_sector_factor_raises_failures_and_lowers_exit_values():
    profile = _default_profile()
    fund = helpers.small_fund(n_initial_deals=20, life_years=12, extension_years=0)
    prog, paths = helpers.setup(n_paths=2000, n_steps=60, fund=fund, profile=profile, market=MarketModel(regime=None))
    out = {}
    for f in (-1.0, 1.0):
        fl = simulate_deals(prog, _with_constant_factor(paths, f), np.random.default_rng(4))
        d = fl.deals
        ended = d.status >= DealStatus.EXITED
        exited = d.status == DealStatus.EXITED
        out[f] = (
            (d.status == DealStatus.FAILED).sum() / ended.sum(),
            np.median(d.proceeds[exited] / d.invested[exited]),
            (d.proceeds.sum() / d.invested.sum()),
        )
    assert out[-1.0][0] > out[1.0][0] + 0.05, out  # more failures
    assert out[-1.0][1] < out[1.0][1], out  # lower exit multiples
    assert out[-1.0][2] < out[1.0][2], out  # lower gross multiple


def test_cold_regime_slows_exits_and_lowers_values():
    profile = _default_profile()
    fund = helpers.small_fund(n_initial_deals=20, life_years=12, extension_years=0)
    prog, paths = helpers.setup(n_paths=2000, n_steps=60, fund=fund, profile=profile)
    res = {}
    for r in (0, 2):  # hot, cold
        fl = simulate_deals(prog, _with_constant_factor(paths, 0.0, regime=r), np.random.default_rng(4))
        d = fl.deals
        res[r] = ((d.status == DealStatus.EXITED).mean(), d.proceeds.sum() / d.invested.sum())
    assert res[0][0] > res[2][0] and res[0][1] > res[2][1], res


def test_same_seed_same_arrays_other_seed_other_arrays():
    prog, paths = helpers.setup(n_paths=200)
    a = simulate_deals(prog, paths, np.random.default_rng(9))
    b = simulate_deals(prog, paths, np.random.default_rng(9))
    c = simulate_deals(prog, paths, np.random.default_rng(10))
    for k in ("invested", "proceeds", "nav", "cost_outstanding", "recycled", "invested_by_sector"):
        np.testing.assert_array_equal(getattr(a, k), getattr(b, k))
    assert not np.array_equal(a.proceeds, c.proceeds)


def test_sector_without_market_factor_is_an_input_error():
    fund = helpers.small_fund()
    market = MarketModel(sectors=[Sector.SMART_IOT, Sector.OTHER], tech_cycle_loading={Sector.SMART_IOT: 0.5, Sector.OTHER: 0.5})
    paths = simulate_market(market, 10, 32, 4, np.random.default_rng(1))
    with pytest.raises(InputError) as exc:
        compile_deals(fund, helpers.fast_profile(), paths.sectors, 32, 0, 1e8, steps_per_year=4)
    assert "biomedicine" in str(exc.value) and "market.sectors" in str(exc.value)


@settings(max_examples=25, deadline=None)
@given(
    n_deals=st.integers(1, 15),
    reserve_ratio=st.sampled_from([0.0, 0.1, 0.3, 0.6]),
    recycling_cap=st.sampled_from([0.0, 0.05, 0.2]),
    follow_on_through=st.sampled_from(["seed", "series_a", "series_c", "later"]),
    start_step=st.integers(0, 6),
    seed=st.integers(0, 2**31),
)
def test_invariants_hold_for_random_fund_terms(n_deals, reserve_ratio, recycling_cap, follow_on_through, start_step, seed):
    fund = helpers.small_fund(n_initial_deals=n_deals, reserve_ratio=reserve_ratio, recycling_cap=recycling_cap,
                              follow_on_through=follow_on_through)
    prog, paths = helpers.setup(n_paths=60, n_steps=36, start_step=start_step, fund=fund, seed=seed % 1000)
    fl = simulate_deals(prog, paths, np.random.default_rng(seed))
    d = fl.deals
    for k in ("invested", "proceeds", "nav", "cost_outstanding", "recycled"):
        assert np.all(getattr(fl, k) >= 0), k
    total = fl.invested.sum(axis=1)
    recycled = fl.recycled.sum(axis=1)
    investable = prog.check_cny * prog.n_deals + prog.reserve_cny
    assert np.all(total <= investable + recycled + 1e-6 * investable)
    follow_on = total - prog.check_cny * fl.n_companies
    assert np.all(follow_on <= prog.reserve_cny + recycled + 1e-6 * investable)
    assert np.all(recycled <= prog.recycling_cap_cny * (1 + 1e-12) + 1e-9)
    entered = d.status != DealStatus.PENDING
    entry_post = np.maximum(prog.entry_post[d.entry_stage], prog.check_cny / prog.max_entry_ownership)
    assert np.all(d.ownership[entered] <= (prog.check_cny / entry_post)[entered] * (1 + 1e-12))
    if reserve_ratio == 0.0 and recycling_cap == 0.0:
        # nothing to follow on with (up to float crumbs of the pooled reserve)
        np.testing.assert_allclose(d.invested[entered], prog.check_cny, rtol=1e-12)
    np.testing.assert_allclose(d.proceeds.sum(axis=1), fl.proceeds.sum(axis=1), rtol=1e-12, atol=1e-6)
    np.testing.assert_array_equal(fl.nav[:, :start_step], 0.0)
    np.testing.assert_array_equal(fl.invested[:, :start_step], 0.0)
