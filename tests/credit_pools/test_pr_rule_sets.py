"""The bundled pool rule sets (models/pool_rule_sets.py): a hand-worked case each, and each runs on
the baseline scenario. Sources of the rule sets: scenarios/README.md, "Pool rule sets"."""

import datetime as dt
from pathlib import Path

import numpy as np
import pytest

from fundsvc.credit.engine import compile_credit, simulate_credit_chunk
from fundsvc.credit.engine.allocation import allocate_by_pool, loan_shares
from fundsvc.credit.engine.synthetic import iid_market, synthetic_scenario
from fundsvc.credit.pools.ledger import Refusal, run_pools
from fundsvc.engine.factors import simulate_market
from fundsvc.engine.sampling import Component, stream
from fundsvc.inputs import load_scenario
from models.credit import AchievementLoan, IPCollateral, RiskSharingPool
from models.pool_rule_sets import POOL_RULE_SETS
from models.scenario import Scenario, SimulationSettings

BASELINE = Path(__file__).resolve().parents[2] / "scenarios" / "hangzhou_baseline.toml"


def _with_rule_set(pool: RiskSharingPool, name: str, **extra) -> RiskSharingPool:
    data = pool.model_dump(exclude_unset=True)
    if "funding_shares" in POOL_RULE_SETS[name]:
        size = pool.initial_balance_cny
        data.pop("funders")
        data["size_cny"] = size
    for key in POOL_RULE_SETS[name]:
        data.pop(key, None)  # the rule set decides these
    data.pop("per_loan_cap_cny", None) if name == "npl_balance_cap_50" else None
    return RiskSharingPool.model_validate({**data, "rule_set": name, **extra})


def test_ningbo_442_funders_and_ten_times_quota():
    """Ningbo 4:4:2: a 1,000万元 pool is funded 400万 city, 400万 district, 200万 bank, and the first
    programme year lends utilisation × (10 × 1,000万 − pooled book outstanding) = 0.5 × (1亿 − out0)."""
    sc = synthetic_scenario(20, seed=3, horizon_years=3)
    pool = _with_rule_set(sc.pools[0].model_copy(update={"funders": {"finance": 1e7}}), "ningbo_442")
    assert pool.funders == {"city": 4e6, "district": 4e6, "bank": 2e6}
    assert pool.leverage_multiplier == 10.0
    assert _with_rule_set(sc.pools[0].model_copy(update={"funders": {"finance": 1e7}}), "ningbo_433").funders == {
        "city": 4e6, "district": 3e6, "bank": 3e6}
    m = compile_credit(sc.model_copy(update={"pools": [pool]}))
    ch = simulate_credit_chunk(m, iid_market(5, 3, np.random.default_rng(1)), 1, 0)
    out0 = ch.pool_book_outstanding0[0]
    assert 0 < out0 < 1e8
    np.testing.assert_allclose(ch.pool_new_lending[:, 0, 0], 0.5 * (1e8 - out0))


def _loan(i, **kw):
    base = {"loan_id": f"L{i}", "bank": "bank_a", "sector": "smart_iot", "amount_cny": 1e6, "origination": dt.date(2026, 1, 1),
                "maturity": dt.date(2029, 1, 1), "rate": 0.05, "pd": 0.02, "pool_id": "pool"}
    base.update(kw)
    return AchievementLoan(**base)


def _book_model(pool: RiskSharingPool, loans):
    sc = Scenario(name="t", title="t", simulation=SimulationSettings(start_date=dt.date(2026, 1, 1), horizon_years=3,
                                                                     paths=10, seed=1), pools=[pool], loans=loans)
    return compile_credit(sc)


def test_anhui_rates_and_cumulative_cap_hand_case(make_pool_model, make_claims):
    """Anhui 30/35/80. Shares: a first loan and an IP-pledge loan get 35 %, a guaranteed loan 30 %.
    Defaults at exposure 1m: first loan no recovery → claim min(1m, 35 % × 1m) = 350k; IP loan
    recovers 700k → net loss 300k → claim min(300k, 350k) = 300k; guaranteed loan → 300k.
    Cumulative cap: year 1 claim 300k on a net loss of 300k → at most 80 % × 300k = 240k paid,
    60k refused by the cap; year 2 claim 350k on a net loss of 1m → room 80 % × 1.3m − 240k = 800k,
    all 350k paid."""
    pool = RiskSharingPool(id="pool", name="Anhui-style", funders={"province": 5e6}, rule_set="anhui_30_35_80")
    loans = [_loan(0, first_loan=True), _loan(1, ip=IPCollateral(appraised_value_cny=2e6, ip_type="invention_patent")),
             _loan(2, guarantee_share=0.5)]
    m = _book_model(pool, loans)
    order = [m.book.loan_ids.index(f"L{i}") for i in range(3)]
    shares = loan_shares(m)[order]
    np.testing.assert_allclose(shares[:, 0], [0.35, 0.35, 0.30])
    np.testing.assert_allclose(shares.sum(axis=1), 1.0)
    exposure = np.full(3, 1e6)
    recovery = np.array([0.0, 7e5, 0.0])
    al = allocate_by_pool(m, np.zeros(3, np.int64), exposure - recovery, exposure, shares)
    np.testing.assert_allclose(al.claim, [3.5e5, 3e5, 3e5])
    np.testing.assert_allclose(al.claim + al.bank + al.guarantor + al.insurer, exposure - recovery)

    pm = make_pool_model(years=2, rule_set="anhui_30_35_80", funders={"province": 5e6})
    led = run_pools(pm, make_claims([3e5, 3.5e5], net_loss=[3e5, 1e6]))
    np.testing.assert_allclose(led.payout[0, 0], [2.4e5, 3.5e5])
    np.testing.assert_allclose(led.refused_by[0, 0, :, Refusal.CAP], [6e4, 0.0])
    np.testing.assert_allclose(led.bank_shortfall[0, :, 0], [6e4, 0.0])
    assert not led.depleted.any()


def test_npl_balance_cap_50_hand_case():
    """50 % of the non-performing balance: pool-first 60 % on a 1m exposure with 900k net loss wants
    min(900k, 600k) = 600k; the cap allows 50 % × 1m = 500k; the bank bears the other 100k."""
    pool = RiskSharingPool(id="pool", name="City", funders={"city": 5e6}, shares={"pool": 0.6, "bank": 0.4},
                           sharing_rule="pool_first", rule_set="npl_balance_cap_50")
    m = _book_model(pool, [_loan(0)])
    al = allocate_by_pool(m, np.zeros(1, np.int64), np.array([9e5]), np.array([1e6]), loan_shares(m))
    np.testing.assert_allclose(al.claim, [5e5])
    np.testing.assert_allclose(al.bank, [4e5])  # 300k own share of the rest + 100k above the cap


def test_npl_pause_with_hysteresis_hand_case(make_pool_model, make_claims):
    """NPL ratios 6 %, 4 %, 2 %, 0 % of a 1亿 book (defaulted principal 600万, 400万, 200万):
    lending is paused in year 2 (6 % > 5 %), stays paused in year 3 (4 % is not ≤ 3 %), resumes in
    year 4 (2 % ≤ 3 %). With an immediate reset it would resume in year 3 already."""
    pm = make_pool_model(years=4, rule_set="npl_pause_5_resume_3")
    led = run_pools(pm, make_claims([0.0] * 4, npl_principal=[6e6, 4e6, 2e6, 0.0]))
    np.testing.assert_allclose(led.npl_ratio[0, 0], [0.06, 0.04, 0.02, 0.0])
    assert led.lending_paused[0, 0].tolist() == [False, True, True, False]
    immediate = make_pool_model(years=4, triggers=[{"metric": "npl_ratio", "threshold": 0.05, "suspends": "lending"}])
    led2 = run_pools(immediate, make_claims([0.0] * 4, npl_principal=[6e6, 4e6, 2e6, 0.0]))
    assert led2.lending_paused[0, 0].tolist() == [False, True, False, False]


@pytest.fixture(scope="module")
def baseline():
    sc = load_scenario(BASELINE).scenario
    n = 120
    years = sc.simulation.horizon_years
    market = simulate_market(sc.market, n, 4 * years, 4, stream(5, 0, Component.FACTORS))
    return sc, market


@pytest.mark.parametrize("name", sorted(POOL_RULE_SETS))
def test_each_rule_set_runs_on_the_baseline(baseline, name):
    """The city pool of the baseline under each bundled rule set: the run completes, payouts never
    exceed the balance, every default's loss is fully shared, and refusals add up by reason."""
    sc, market = baseline
    pools = [_with_rule_set(sc.pools[0], name), *sc.pools[1:]]
    m = compile_credit(sc.model_copy(update={"pools": pools}))
    ch = simulate_credit_chunk(m, market, 5, 0, record_defaults=True)
    assert np.all(ch.pool_payout <= ch.pool_balance[:, :, :-1] + 1e-6)
    d = ch.defaults
    np.testing.assert_allclose(d.bank + d.pool + d.guarantor + d.insurer + d.recovery, d.exposure, rtol=1e-9, atol=1e-3)
    np.testing.assert_allclose(ch.pool_refused_by.sum(axis=3), ch.pool_refused, atol=1e-6)
    assert ch.pool_payout[:, 0].sum() > 0
