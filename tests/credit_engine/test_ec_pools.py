"""Pool accounting hand cases: exhaustion moves loss to the bank in the same year; replenishment;
suspension; lending quota."""

import dataclasses

import numpy as np
import pytest

from fundsvc.credit.engine import compile_credit
from fundsvc.credit.engine.claims import ClaimSet
from fundsvc.credit.engine.synthetic import homogeneous_scenario
from fundsvc.credit.pools.ledger import run_pools
from models.credit import Replenishment, ReplenishmentRule, SuspensionTriggers


def _model(years=3, **pool_kwargs):
    kw = {"funders": {"finance": 5e6}, "interest_rate": 0.0}
    kw.update(pool_kwargs)
    sc = homogeneous_scenario(2, 0.01, horizon_years=years, pooled=True, pool_kwargs=kw)
    m = compile_credit(sc)
    return dataclasses.replace(m, banks=("bank_a", "bank_b"))


def _claims(claim_by_year_bank, npl_principal=None, outstanding=1e8):
    c = np.asarray(claim_by_year_bank, float)[None, :, None, :]  # (1 path, S, 1 pool, 2 banks)
    s = c.shape[1]
    z = np.zeros((1, s))
    return ClaimSet(
        claim=c, bank_direct=np.zeros((1, s, 2)), guarantor=z, insurer=z, exposure=z, recovery=z,
        n_defaults=np.zeros((1, s), np.int32),
        npl_principal=np.zeros((1, s, 1)) if npl_principal is None else np.asarray(npl_principal, float).reshape(1, s, 1),
        outstanding=np.full((1, s, 1), outstanding), outstanding0=np.array([outstanding]),
        cohorts=((),), records=None)


def test_exhaustion_shifts_the_unpaid_claim_to_the_bank_in_the_same_year():
    """Balance 5m, no interest or top-up. Claims 3m in year 1, 4m in year 2 (3m bank_a, 1m
    bank_b), 1m in year 3. Year 1 pays 3m; year 2 pays the remaining 2m, i.e. half of each claim,
    so bank_a bears 1.5m and bank_b 0.5m in year 2; year 3 pays nothing."""
    m = _model()
    led = run_pools(m, _claims([[2e6, 1e6], [3e6, 1e6], [1e6, 0.0]]))
    np.testing.assert_allclose(led.payout[0, 0], [3e6, 2e6, 0.0])
    np.testing.assert_allclose(led.balance[0, 0], [5e6, 2e6, 0.0, 0.0])
    np.testing.assert_allclose(led.bank_shortfall[0], [[0, 0], [1.5e6, 0.5e6], [1e6, 0.0]])
    np.testing.assert_array_equal(led.depleted[0, 0], [False, True, True])
    assert np.all(led.payout <= led.balance[:, :, :-1] + 1e-9)


def test_interest_and_top_up_to_initial():
    m = _model(interest_rate=0.02, replenishment=Replenishment(rule=ReplenishmentRule.TOP_UP_TO_INITIAL, amount_cny=1e6))
    led = run_pools(m, _claims([[3e6, 0.0], [0.0, 0.0], [0.0, 0.0]]))
    # year 1: 5m − 3m + 2 % of 5m = 2.1m; top-up at most 1m → 3.1m; year 2: +2 % → 3.162m, top-up 1m → 4.162m
    np.testing.assert_allclose(led.interest[0, 0, :2], [1e5, 0.062e6])
    np.testing.assert_allclose(led.replenishment[0, 0, :2], [1e6, 1e6])
    np.testing.assert_allclose(led.balance[0, 0, 1:3], [3.1e6, 4.162e6])


def test_fixed_annual_top_up_override_and_initial_override():
    m = _model()
    led = run_pools(m, _claims([[0.0, 0.0]] * 3), initial_balance=1e6, annual_top_up=2e5)
    np.testing.assert_allclose(led.balance[0, 0], [1e6, 1.2e6, 1.4e6, 1.6e6])


def test_suspended_compensation_refuses_claims_without_depletion():
    """NPL ratio 10 % in year 1 (10m defaulted of 100m) is above the 5 % trigger: year-2 claims
    are refused and fall on the bank, the balance is untouched and no depletion is counted."""
    m = _model(suspension=SuspensionTriggers(npl_ratio_stop_compensation=0.05))
    led = run_pools(m, _claims([[1e6, 0.0], [2e6, 0.0], [0.0, 0.0]], npl_principal=[1e7, 0.0, 0.0]))
    np.testing.assert_allclose(led.npl_ratio[0, 0, 0], 0.1)
    np.testing.assert_allclose(led.payout[0, 0], [1e6, 0.0, 0.0])
    np.testing.assert_allclose(led.bank_shortfall[0, :, 0], [0.0, 2e6, 0.0])
    assert not led.depleted.any()
    assert led.suspended_compensation[0, 0].tolist() == [False, True, False]


def test_per_step_payout_never_exceeds_balance_random():
    rng = np.random.default_rng(3)
    m = _model(years=6)
    for _ in range(20):
        c = rng.exponential(2e6, (6, 2))
        led = run_pools(m, _claims(c))
        assert np.all(led.payout <= led.balance[:, :, :-1] + 1e-6)
        np.testing.assert_allclose(led.payout.sum() + led.bank_shortfall.sum(), c.sum(), rtol=1e-12)


@pytest.mark.parametrize("util", [0.5, 1.0])
def test_lending_quota(util):
    """Free quota = balance × leverage − pooled principal outstanding; lent = utilisation × quota."""
    from fundsvc.credit.engine.synthetic import synthetic_scenario

    sc = synthetic_scenario(50, programme=True, pool_balance=2e7, pooled_share=1.0,
                            pool_kwargs={"leverage_multiplier": 10.0})
    prog = sc.pools[0].lending_programme.model_copy(update={"quota_utilisation": util})
    pool = sc.pools[0].model_copy(update={"lending_programme": prog})
    sc = sc.model_copy(update={"pools": [pool]})
    m = compile_credit(sc)
    from fundsvc.credit.engine.kernel import simulate_credit_chunk
    from fundsvc.credit.engine.synthetic import iid_market

    ch = simulate_credit_chunk(m, iid_market(50, 5, np.random.default_rng(1)), 1, 0)
    out0 = ch.pool_book_outstanding0[0]
    np.testing.assert_allclose(ch.pool_new_lending[:, 0, 0], util * max(0.0, 10 * 2e7 - out0))
    # year 2: quota from the balance and outstanding at the end of year 1, unless the NPL ratio
    # of year 1 is above the default lending trigger (5 %)
    quota = util * np.maximum(0.0, 10 * ch.pool_balance[:, 0, 1] - ch.pool_outstanding[:, 0, 0])
    quota = np.where(ch.pool_npl_ratio[:, 0, 0] > 0.05, 0.0, quota)
    assert (quota == 0).any() and (quota > 0).any()
    np.testing.assert_allclose(ch.pool_new_lending[:, 0, 1], quota, rtol=1e-9, atol=1e-3)
