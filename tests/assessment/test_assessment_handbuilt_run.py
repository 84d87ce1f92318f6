"""Policy indicators of a hand-built two-path, two-fund "run" (answers worked out by hand)."""

from __future__ import annotations

import datetime as dt

import numpy as np
import polars as pl
import pytest

from fundsvc.assessment import assess
from fundsvc.assessment.assessment import (
    RunData,
    credit_table,
    deployment_table,
    simulated_indicators,
)
from fundsvc.assessment.facts import ScenarioFacts


def _facts() -> ScenarioFacts:
    sub = pl.DataFrame({
        "sub_fund_id": ["a", "b"], "strategy": ["seed", "growth"], "vintage": [dt.date(2026, 1, 1)] * 2,
        "commitment_cny": [200e6, 300e6], "guidance_commitment_cny": [50e6, 50e6], "guidance_share": [0.25, 1 / 6],
        "priority_share": [1.0, 0.5], "local_reinvestment_multiple": [1.5, 1.5], "early_stage": [True, False]})
    pools = pl.DataFrame({"pool_id": ["p"], "initial_balance_cny": [10e6], "leverage_multiplier": [10.0],
                          "book_pooled_cny": [20e6]})
    return ScenarioFacts(sub, pools, 200e6, dt.date(2026, 1, 1), dt.date(2028, 1, 1), 4, dt.date(2026, 1, 1),
                         tuple([0.0] * 8))


def _data() -> RunData:
    ep = pl.DataFrame({
        "path": [0, 1, 0, 1, 0, 1], "entity": ["guidance", "guidance", "a", "a", "b", "b"],
        "tvpi": [1.5, 0.5, 1.0, 1.0, 1.0, 1.0], "dpi": [1.0, 0.2, 0, 0, 0, 0], "rvpi": [0.5, 0.3, 0, 0, 0, 0],
        "irr": [0.1, -0.2, 0, 0, 0, 0], "ks_pme": [1.1, 0.6, 1, 1, 1, 1], "direct_alpha": [0.02, -0.1, 0, 0, 0, 0],
        "paid_in_cny": [100e6, 80e6, 200e6, 100e6, 300e6, 300e6], "distributed_cny": [100e6, 16e6, 0, 0, 0, 0],
        "nav_cny": [50e6, 24e6, 0, 0, 0, 0]})
    ei = pl.DataFrame({
        "path": [0, 0, 1, 1], "fund": ["a", "b", "a", "b"], "invested_local_cny": [75e6, 75e6, 0.0, 0.0],
        "invested_early_cny": [100e6, 0.0, 40e6, 0.0], "n_companies": [20.0, 10.0, 15.0, 5.0],
        "local_reinvestment_ratio": [1.5, 1.5, 0.0, 0.75], "gp_carry_cny": [0.0] * 4,
        "guidance_conceded_cny": [0.0] * 4, "buyout_step": [-1] * 4})
    q = pl.DataFrame({"entity": ["guidance"] * 4, "step": [0, 1, 2, 3],
                      "date": [dt.date(2026, 3, 31), dt.date(2026, 6, 30), dt.date(2026, 9, 30), dt.date(2026, 12, 31)],
                      "measure": ["paid_in"] * 4, "p5": [0.0, 10e6, 40e6, 60e6], "p50": [10e6, 40e6, 60e6, 90e6],
                      "p95": [20e6, 60e6, 90e6, 100e6]}).with_columns(p25=pl.col("p50"), p75=pl.col("p50"))
    cp = pl.DataFrame({"path": [0, 1, 0, 1], "entity": ["pool:p", "pool:p", "total", "total"],
                       "fiscal_cost": [1e6, 3e6, 0.0, 0.0], "new_lending": [80e6, 30e6, 0.0, 0.0],
                       "leverage": [2.0, 1.0, None, None], "lending_multiple": [10.0, 5.0, None, None]})
    return RunData(1, "hand", ep, ei, q, cp)


def test_policy_indicators_by_hand():
    v = simulated_indicators(_data(), _facts(), tolerated=0.5)
    assert v["leverage"] == pytest.approx(5.0)                         # 500 / 100
    assert v["social_capital_leverage"] == pytest.approx(4.0)
    assert v["priority_share"] == pytest.approx((200 + 150) / 500)
    # 返投: path 0 both funds at 1.5× → 1; path 1: (0 + 0.75·50) / (1.5·100) = 0.25
    np.testing.assert_allclose(v["reinvestment_completion"], [1.0, 0.25])
    # early stage: 100 / (200 + 300); 40 / (100 + 300)
    np.testing.assert_allclose(v["early_stage_share"], [0.2, 0.1])
    np.testing.assert_allclose(v["projects"], [30, 20])
    np.testing.assert_allclose(v["projects_per_yi"], [30, 20])         # guidance commits 1亿元
    # loss ratio path 1: (80 − 16 − 24) / 80 = 0.5 → at the 0.5 tolerance; path 0 no loss
    np.testing.assert_allclose(v["loss_vs_tolerance"], [0.0, 1.0])
    np.testing.assert_allclose(v["deployment_vs_plan"], [100 / 90, 80 / 90])
    np.testing.assert_allclose(v["pool_leverage_utilisation"], [1.0, 0.5])  # lending multiple / 10
    np.testing.assert_allclose(v["loans_supported_cny"], [100e6, 50e6])    # book 20 + new lending
    np.testing.assert_allclose(v["fiscal_cost_per_yi_cny"], [1e6, 6e6])
    np.testing.assert_allclose(v["tvpi_percentile"], [0.75, 0.25])
    assert v["quarters_to_50pct"] == 3 and v["quarters_to_80pct"] == 4  # median 60 at step 2, 90 at step 3


def test_deployment_and_credit_tables_by_hand():
    dep = deployment_table(_data().equity_quantiles, 100e6)
    np.testing.assert_allclose(dep["p50"].to_numpy(), [0.1, 0.4, 0.6, 0.9])
    ct = credit_table(_data(), _facts())
    row = ct.filter(pl.col("indicator") == "fiscal_cost_per_yi_cny")
    assert row["mean"][0] == pytest.approx(3.5e6)


def test_whole_assessment_of_the_hand_built_run():
    a = assess(_data(), _facts())
    fd = a.tables()["fund_distribution"]
    assert fd.filter(pl.col("measure") == "loss_ratio")["mean"][0] == pytest.approx(0.25)
    assert fd.filter(pl.col("measure") == "net_cost_cny")["p50"][0] == pytest.approx((-50e6 + 40e6) / 2)
    exp = a.tables()["fiscal_exposure"]
    assert exp.filter(pl.col("component") == "combined_exposure_cny")["mean_cny"][0] == pytest.approx((1e6 + 43e6) / 2)
    # stage mix 50/50 seed (80 %) and growth (20 %)
    assert a.tolerated_loss_ratio == pytest.approx(0.5)
    assert a.basis == "simulated" and 0 <= a.score <= 100
