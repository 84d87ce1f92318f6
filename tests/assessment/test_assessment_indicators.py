"""Every indicator on small hand-built cases with answers worked out by hand."""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import polars as pl
import pytest

from fundsvc.assessment import indicators as ind
from fundsvc.assessment.exposure import combined_exposure, exposure_summary
from fundsvc.assessment.periods import PeriodKind, parse_period
from fundsvc.assessment.realised import metrics_to_date, place_actuals, step_of_date
from fundsvc.assessment.scorecard import default_scorecard, rating, score
from fundsvc.assessment.tolerance import Verdict, fair_verdict, tolerated_loss_ratio, verdict_text
from fundsvc.engine.grid import TimeGrid
from fundsvc.errors import InputError
from models.assessment import (
    Direction,
    RatingBand,
    Scorecard,
    ScorecardCategory,
    ScorecardIndicator,
    ToleranceConfig,
)


def test_loss_ratio_and_net_cost():
    # paid 100, got back 30 and holds 50: lost 20 of 100; a gain is no loss; nothing paid: undefined
    np.testing.assert_allclose(ind.loss_ratio([100, 100, 0], [30, 90, 0], [50, 40, 0])[:2], [0.2, 0.0])
    assert math.isnan(ind.loss_ratio([100, 100, 0], [30, 90, 0], [50, 40, 0])[2])
    np.testing.assert_allclose(ind.net_cost([100, 100], [30, 90], [50, 40]), [20, -30])


def test_leverage_definitions():
    # 200 + 400 + 500 committed, of which the guidance fund 60 + 100 + 100
    assert ind.leverage([200, 400, 500], [60, 100, 100]) == pytest.approx(1100 / 260)
    assert ind.social_capital_leverage([200, 400, 500], [60, 100, 100]) == pytest.approx(840 / 260)
    assert math.isnan(ind.leverage([100], [0]))


def test_reinvestment_completion():
    np.testing.assert_allclose(ind.reinvestment_completion([[1.5, 0.75]], [1.5, 1.5]), [[1.0, 0.5]])
    # whole fund: local invested 150 + 75 against required 150 + 150
    np.testing.assert_allclose(ind.weighted_completion([[1.5, 0.75]], [1.5, 1.5], [100, 100]), [0.75])
    # a fund without requirement is left out
    np.testing.assert_allclose(ind.weighted_completion([[1.5, 9.0]], [1.5, 0.0], [100, 100]), [1.0])


def test_shares_deployment_and_credit_cost():
    np.testing.assert_allclose(ind.share([[10, 20], [0, 0]], [[50, 50], [10, 10]]), [0.3, 0.0])
    assert ind.priority_share([100, 300], [1.0, 0.5]) == pytest.approx(250 / 400)
    curve = ind.deployment_curve([10, 40, 60, 90], 100.0)
    np.testing.assert_allclose(curve, [0.1, 0.4, 0.6, 0.9])
    assert ind.first_step_reaching(curve, 0.5) == 2
    assert ind.first_step_reaching(curve, 0.95) == -1
    # 1 million of fiscal cost for 2亿元 of loans = 500 000 per 亿元
    np.testing.assert_allclose(ind.fiscal_cost_per_yi([1e6, 1e6], [2e8, 0.0])[:1], [5e5])
    assert math.isnan(ind.fiscal_cost_per_yi([1e6], [0.0])[0])


def test_stage_weighted_tolerance():
    cfg = ToleranceConfig()
    # 60 % of guidance money in seed (80 %), 40 % in growth (20 %): 0.6·0.8 + 0.4·0.2 = 0.56
    assert tolerated_loss_ratio(cfg, ["seed", "growth"], [60, 40]) == pytest.approx(0.56)
    assert tolerated_loss_ratio(cfg, ["venture"], [1]) == pytest.approx(0.4)


@pytest.mark.parametrize("loss, pct, expected", [
    (0.30, 0.02, Verdict.WITHIN_TOLERANCE),   # within tolerance whatever the percentile
    (0.40, 0.50, Verdict.WITHIN_TOLERANCE),   # exactly at the tolerance
    (0.45, 0.50, Verdict.BAD_LUCK),           # above, but an ordinary draw for the mandate
    (0.45, 0.10, Verdict.BAD_LUCK),           # at the review percentile: still luck
    (0.45, 0.09, Verdict.REVIEW),             # above and unusually poor
    (0.45, float("nan"), Verdict.REVIEW),
    (float("nan"), 0.5, Verdict.NO_DATA),
])
def test_fair_verdict(loss, pct, expected):
    assert fair_verdict(loss, pct, 0.40, 0.10) is expected


def test_verdict_text_is_bilingual_and_specific():
    zh, en = verdict_text(Verdict.REVIEW, 0.45, 0.4, 0.05, 0.1, "2027-06-30")
    assert "45.0%" in zh and "复核" in zh and "warrants review" in en and "5.0% percentile" in en


def _card():
    return Scorecard(categories=[
        ScorecardCategory(key="a", label="A", weight=60, indicators=[
            ScorecardIndicator(key="x", label="x", weight=1, target=2.0, floor=0.0),
            ScorecardIndicator(key="y", label="y", weight=3, target=0.0, floor=1.0,
                               direction=Direction.LOWER_IS_BETTER)]),
        ScorecardCategory(key="b", label="B", weight=40, indicators=[
            ScorecardIndicator(key="z", label="z", weight=1, target=1.0, floor=0.0)]),
    ], ratings=[RatingBand(rating="good", min_score=70), RatingBand(rating="bad", min_score=0)])


def test_scorecard_known_answer():
    card = _card()
    # x = 1 → half marks of 60·1/4 = 7.5; y = 0.5 → half of 45 = 22.5; z = 2 → full 40 (clipped)
    r = score(card, {"x": 1.0, "y": 0.5, "z": 2.0})
    assert r.total[0] == pytest.approx(7.5 + 22.5 + 40)
    assert rating(card, r.total[0]) == "good"
    # y unknown: x carries category A alone → 30 of 60; total 70
    r = score(card, {"x": 1.0, "z": 2.0})
    assert r.total[0] == pytest.approx(70.0)
    # category B unknown: A's 30 of 60 scaled to 100 → 50
    r = score(card, {"x": 1.0, "y": 1.0})
    assert r.total[0] == pytest.approx(7.5 / 60 * 100)
    # vectorised over paths
    r = score(card, {"x": np.array([0.0, 2.0]), "y": 0.0, "z": 1.0})
    np.testing.assert_allclose(r.total, [85.0, 100.0])


def test_default_scorecard_sums_to_100_and_cites_sources():
    card = default_scorecard()
    assert sum(c.weight for c in card.categories) == 100
    assert "政策效应" in card.source and "财预〔2020〕7号" in card.source
    assert [c.label_zh for c in card.categories] == ["政策效应", "管理效能", "经济效益"]


def test_metrics_to_date_known_answer():
    # pay 100 in quarter 0; receive 50 in quarter 1 and hold 70: TVPI 1.2, DPI 0.5, RVPI 0.7
    m = metrics_to_date([100, 0], [0, 50], [80, 70], 4)
    assert (m["paid_in"], m["tvpi"], m["dpi"], m["rvpi"], m["loss_ratio"]) == pytest.approx((100, 1.2, 0.5, 0.7, 0.0))
    # flows 0, −100, +120 by quarter: 20 % a quarter → 1.2⁴ − 1 a year
    assert m["irr_to_date"] == pytest.approx(1.2 ** 4 - 1, rel=1e-6)
    m = metrics_to_date([100], [0], [60], 4)
    assert m["loss_ratio"] == pytest.approx(0.4)


def test_place_actuals_carries_nav_and_adds_own_cost():
    acts = pl.DataFrame({
        "sub_fund_id": ["a", "a", "b"], "period_end": [dt.date(2026, 3, 31), dt.date(2026, 9, 30), dt.date(2026, 6, 30)],
        "calls_cny": [10.0, 5.0, 20.0], "distributions_cny": [0.0, 1.0, 0.0], "nav_cny": [9.0, 13.0, 19.0]})
    flows = place_actuals(acts, ["a", "b"], TimeGrid(dt.date(2026, 1, 1), 4, 8), [1.0] * 8)
    assert flows.step == 2 and flows.as_of == dt.date(2026, 9, 30)
    np.testing.assert_allclose(flows.nav, [[9, 9, 13], [0, 19, 19]])
    c, _d, v = flows.whole_fund()
    np.testing.assert_allclose(c, [11, 21, 6])
    np.testing.assert_allclose(v, [9, 28, 32])
    early = place_actuals(acts, ["a", "b"], TimeGrid(dt.date(2026, 1, 1), 4, 8), [1.0] * 8, as_of=dt.date(2026, 6, 30))
    assert early.step == 1 and early.calls.sum() == 30
    with pytest.raises(InputError, match="outside the simulated quarters"):
        place_actuals(acts, ["a", "b"], TimeGrid(dt.date(2026, 1, 1), 4, 2), [1.0] * 2)


def test_step_of_date():
    assert step_of_date(dt.date(2026, 3, 31), dt.date(2026, 1, 1), 4) == 0
    assert step_of_date(dt.date(2027, 6, 30), dt.date(2026, 1, 1), 4) == 5
    assert step_of_date(dt.date(2025, 12, 31), dt.date(2026, 1, 1), 4) == -1


def test_combined_exposure_hand_built():
    eq = pl.DataFrame({"path": [0, 1, 0], "entity": ["guidance", "guidance", "f1"],
                       "paid_in_cny": [100.0, 100.0, 999.0], "distributed_cny": [20.0, 150.0, 0.0],
                       "nav_cny": [30.0, 0.0, 0.0]})
    cr = pl.DataFrame({"path": [0, 0, 1, 1, 0], "entity": ["pool:a", "pool:b", "pool:a", "pool:b", "total"],
                       "fiscal_cost": [5.0, 1.0, -0.5, 2.0, 77.0]})
    out = combined_exposure(eq, cr)
    assert out["path"].to_list() == [0, 1]
    assert out["guidance_loss_cny"].to_list() == [50.0, 0.0]
    assert out["guidance_net_cost_cny"].to_list() == [50.0, -50.0]
    assert out["pool_cost_cny"].to_list() == [6.0, 1.5]
    assert out["combined_exposure_cny"].to_list() == [56.0, 1.5]
    assert out["combined_net_cost_cny"].to_list() == [56.0, -48.5]
    summ = exposure_summary(out)
    assert summ.filter(pl.col("component") == "combined_exposure_cny")["mean_cny"][0] == pytest.approx(28.75)
    only_equity = combined_exposure(eq, None)
    assert only_equity["combined_exposure_cny"].to_list() == [50.0, 0.0]


@pytest.mark.parametrize("text, kind, end, as_of", [
    ("2026-Q3", PeriodKind.QUARTER, dt.date(2026, 9, 30), dt.date(2026, 9, 30)),
    ("2026-08", PeriodKind.MONTH, dt.date(2026, 8, 31), dt.date(2026, 6, 30)),
    ("2026-02", PeriodKind.MONTH, dt.date(2026, 2, 28), dt.date(2025, 12, 31)),
    ("2026", PeriodKind.YEAR, dt.date(2026, 12, 31), dt.date(2026, 12, 31)),
])
def test_periods(text, kind, end, as_of):
    p = parse_period(text)
    assert (p.kind, p.end, p.as_of) == (kind, end, as_of)


def test_bad_period_message():
    with pytest.raises(InputError, match="use 2026-Q3"):
        parse_period("Q3-2026")
