"""Each pool-rule component on its own (fundsvc.credit.pools.rules): hand cases and the registry."""

import numpy as np
import pytest
from pydantic import ValidationError

from fundsvc.credit.pools.rules import (
    BUILDERS,
    CumulativeLossShare,
    FixedAnnual,
    Hysteresis,
    Immediate,
    Never,
    NonPerformingShare,
    OnReplenishment,
    PauseTrigger,
    PerLoanAmount,
    PoolFirst,
    ProRata,
    ShareOfPayouts,
    SharesTable,
    TieredCompensation,
    TopUpToInitial,
    build,
    pool_rules,
)
from models.credit import (
    CompensationRate,
    CumulativeLossCap,
    HysteresisReset,
    NonPerformingShareCap,
    PerLoanCap,
    ReplenishmentRule,
    RiskSharingPool,
    SharingRule,
    Trigger,
)

SHARES = np.array([[0.4, 0.4, 0.2, 0.0]])


def test_pro_rata_split():
    """Net loss 1m, shares 4:4:2: pool 400k, guarantor 400k, insurer 0."""
    want, g, i = ProRata().split(np.array([1e6]), np.array([2e6]), SHARES)
    assert (want[0], g[0], i[0]) == (4e5, 4e5, 0.0)


def test_pool_first_split():
    """Exposure 2m, net loss 1m, pool 40 %: pool min(1m, 0.8m) = 800k; the 200k rest split 0.4:0.2."""
    want, g, i = PoolFirst().split(np.array([1e6]), np.array([2e6]), SHARES)
    assert want[0] == 8e5
    np.testing.assert_allclose(g[0], 2e5 * 2 / 3)
    assert i[0] == 0.0


def test_shares_table_and_tiered_compensation():
    flags = {"first_loan": np.array([True, False, False, False]), "ip_pledge": np.array([False, True, False, False]),
                 "pure_credit": np.array([False, False, True, False])}
    np.testing.assert_array_equal(SharesTable().pool_share(0.4, **flags), [0.4] * 4)
    tiered = TieredCompensation(CompensationRate(base_rate=0.3, enhanced_rate=0.35,
                                                 enhanced_for=["first_loan", "ip_pledge", "pure_credit"]))
    np.testing.assert_allclose(tiered.pool_share(0.4, **flags), [0.35, 0.35, 0.35, 0.30])
    only_first = TieredCompensation(CompensationRate(base_rate=0.3, enhanced_rate=0.35, enhanced_for=["first_loan"]))
    np.testing.assert_allclose(only_first.pool_share(0.4, **flags), [0.35, 0.30, 0.30, 0.30])


def test_claim_caps():
    claim, exposure = np.array([3e6, 1e6]), np.array([4e6, 4e6])
    np.testing.assert_array_equal(PerLoanAmount(PerLoanCap(amount_cny=2e6)).limit(claim, exposure), [2e6, 1e6])
    np.testing.assert_array_equal(NonPerformingShare(NonPerformingShareCap(share=0.5)).limit(claim, exposure), [2e6, 1e6])


def test_cumulative_loss_cap_room():
    """80 % of 1m net loss less 500k already paid leaves 300k; never negative."""
    cap = CumulativeLossShare(CumulativeLossCap(share=0.8))
    np.testing.assert_allclose(cap.room(np.array([5e5, 9e5]), np.array([1e6, 1e6])), [3e5, 0.0])


def test_replenishment_rules():
    end, initial, pay = np.array([3e6, 6e6]), 5e6, np.array([1e6, 2e6])
    np.testing.assert_array_equal(FixedAnnual(amount=1e6).amount(end, initial, pay), [1e6, 1e6])
    np.testing.assert_array_equal(TopUpToInitial(amount=1.5e6).amount(end, initial, pay), [1.5e6, 0.0])
    np.testing.assert_array_equal(TopUpToInitial(amount=0.0).amount(end, initial, pay), [2e6, 0.0])  # 0 = no limit
    np.testing.assert_array_equal(ShareOfPayouts(share=0.5).amount(end, initial, pay), [5e5, 1e6])
    assert not build(ReplenishmentRule.NONE).amount(end, initial, pay).any()


def test_reset_rules_on_a_metric_path():
    """Threshold 5 %, metric path 6 %, 4 %, 2 %, 6 %, with a replenishment after the second step.

    immediate: paused exactly while above → T F F T; hysteresis (resume at ≤ 3 %): T T F T;
    never: T T T T; on replenishment: T, cleared by the replenishment after step 2 → F F T."""
    metric = [0.06, 0.04, 0.02, 0.06]
    expected = {Immediate(): [1, 0, 0, 1], Hysteresis(HysteresisReset(resume_below=0.03)): [1, 1, 0, 1],
                Never(): [1, 1, 1, 1], OnReplenishment(): [1, 1, 0, 1]}
    for rule, want in expected.items():
        paused, got = np.array([False]), []
        for k, m in enumerate(metric):
            paused = rule.update(paused, np.array([m]), 0.05)
            got.append(int(paused[0]))
            if k == 1:
                paused = rule.after_replenishment(paused, np.array([True]))
        assert got[:2] == want[:2] and got[3] == want[3], (rule, got)
        if isinstance(rule, OnReplenishment):
            assert got[2] == 0  # cleared by the replenishment, 2 % is below the threshold
        else:
            assert got[2] == want[2], (rule, got)


def test_trigger_reads_its_metric():
    npl = PauseTrigger(Trigger(metric="npl_ratio", threshold=0.05, suspends="compensation"))
    loss = PauseTrigger(Trigger(metric="cumulative_loss_ratio", threshold=0.5, suspends="lending", reset={"kind": "never"}))
    assert npl.update(np.array([False]), np.array([0.06]), np.array([0.0]))[0]
    assert not loss.update(np.array([False]), np.array([0.06]), np.array([0.4]))[0]
    assert loss.update(np.array([False]), np.array([0.0]), np.array([0.6]))[0]
    assert not npl.restarts_cumulative
    assert PauseTrigger(Trigger(metric="cumulative_loss_ratio", threshold=0.5, suspends="lending",
                                reset={"kind": "on_replenishment"})).restarts_cumulative


def test_registry_covers_every_rule_model_and_rejects_unknown():
    for key in (*SharingRule, *ReplenishmentRule, CompensationRate, PerLoanCap, NonPerformingShareCap,
                CumulativeLossCap, Trigger, HysteresisReset):
        assert key in BUILDERS
    with pytest.raises(TypeError, match="no pool-rule component"):
        build(object())


def test_pool_rules_from_a_scenario_pool():
    """The suspension shorthand becomes triggers; the per-loan cap a claim cap; a cumulative cap a
    running cap; explicit triggers replace the shorthand's defaults."""
    base = {"id": "p", "name": "p", "funders": {"a": 1e7}, "shares": {"pool": 0.4, "bank": 0.6}}
    r = pool_rules(RiskSharingPool(**base, per_loan_cap_cny=1e6, caps=[CumulativeLossCap(share=0.8)]))
    assert isinstance(r.sharing, ProRata) and isinstance(r.compensation, SharesTable)
    assert [type(c) for c in r.claim_caps] == [PerLoanAmount] and [type(c) for c in r.running_caps] == [CumulativeLossShare]
    assert [(t.metric.value, t.suspends.value) for t in r.triggers] == [("npl_ratio", "lending")]  # the default 5 %
    r2 = pool_rules(RiskSharingPool(**base, triggers=[Trigger(metric="npl_ratio", threshold=0.1, suspends="compensation")]))
    assert [(t.threshold, t.suspends.value) for t in r2.triggers] == [(0.1, "compensation")]


def test_bad_rule_parameters_name_the_field():
    with pytest.raises(ValidationError, match="resume_below"):
        Trigger(metric="npl_ratio", threshold=0.05, suspends="lending", reset={"kind": "hysteresis", "resume_below": 0.08})
    with pytest.raises(ValidationError, match="unknown rule_set 'nope'"):
        RiskSharingPool(id="p", name="p", funders={"a": 1e7}, shares={"pool": 1.0}, rule_set="nope")
    with pytest.raises(ValidationError, match="funding_shares"):
        RiskSharingPool(id="p", name="p", funders={"city": 5e6, "bank": 5e6}, shares={"pool": 1.0},
                        funding_shares={"city": 0.8, "bank": 0.2})


def test_first_loan_column_of_the_loan_book(tmp_path):
    """The loan book's optional first_loan column feeds the tiered compensation; a bad value is a
    clear error naming row and column."""
    from fundsvc.errors import InputError
    from fundsvc.inputs.tables import read_loan_book

    head = "loan_id,bank,sector,amount_cny,origination,maturity,rate,pd,first_loan\n"
    row = "{},b,smart_iot,1000000,2026-01-01,2028-01-01,0.05,0.02,{}\n"
    good = tmp_path / "good.csv"
    good.write_text(head + row.format("A", "true") + row.format("B", ""))
    assert [ln.first_loan for ln in read_loan_book(good)] == [True, False]
    bad = tmp_path / "bad.csv"
    bad.write_text(head + row.format("A", "maybe"))
    with pytest.raises(InputError, match=r"row 1 \(line 2\), column 'first_loan'"):
        read_loan_book(bad)
