"""The fair verdict conditioned on the market that happened, IRR "n/m", and a hand-built realised
assessment pinning every scorecard indicator, its points and the total score."""

from __future__ import annotations

import datetime as dt

import numpy as np
import polars as pl
import pytest

from fundsvc.assessment import assess
from fundsvc.assessment.conditional import conditional_rank, path_weights
from fundsvc.assessment.tolerance import Verdict, fair_verdict
from fundsvc.simulation.quantiles import GRID, GRID_COLUMNS


def _load_handbuilt():
    """The hand-built two-path, two-fund run of ``test_assessment_handbuilt_run.py`` (same folder;
    the suite runs with ``--import-mode=importlib``, so it is loaded by path)."""
    import importlib.util
    from pathlib import Path

    spec = importlib.util.spec_from_file_location("_handbuilt", Path(__file__).with_name("test_assessment_handbuilt_run.py"))
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod._data, mod._facts


_data, _facts = _load_handbuilt()

START = dt.date(2026, 1, 1)
QUARTERS = [dt.date(2026, 3, 31), dt.date(2026, 6, 30), dt.date(2026, 9, 30), dt.date(2026, 12, 31)]


def _market_world(n: int = 4000, seed: int = 0) -> pl.DataFrame:
    """Paths whose TVPI at every step is 1 + 0.3 z + 0.1 e, with z the path's standardised log
    index (a market that moves the fund strongly, so conditioning matters)."""
    rng = np.random.default_rng(seed)
    z = rng.standard_normal(n)
    e = rng.standard_normal((n, 4))
    log_index = np.log(100.0) + 0.2 * z[:, None] * np.sqrt(np.arange(1, 5))[None, :]
    tvpi = 1.0 + 0.3 * z[:, None] + 0.1 * e
    return pl.DataFrame({"path": np.repeat(np.arange(n), 4), "step": np.tile(np.arange(4), n),
                         "tvpi": tvpi.ravel(), "log_index": log_index.ravel()})


def _observed(z: float) -> dict[int, float]:
    return {s: float(np.log(100.0) + 0.2 * z * np.sqrt(s + 1)) for s in range(4)}


def test_median_result_in_a_bad_market_is_bad_luck_and_flagged_in_a_good_one():
    """TVPI 0.55 at age 4 quarters: the conditional median when the index fell 1.5 s.d.
    (z = −1.5: 1 − 0.45 = 0.55). Loss 45 % is above a 40 % tolerance. Unconditionally 0.55 is at
    the Φ(−0.45 / 0.316) ≈ 7.7 % percentile — below the 10 % review line, so the old verdict said
    "review". Conditioned on the bad market it is near the median: bad luck. The same TVPI in a
    market that rose 1.5 s.d. is far below that market's median (1.45): review."""
    world = _market_world()
    realised, tolerated, review = 0.55, 0.40, 0.10
    loss = 1 - realised
    bad = conditional_rank(world, 3, realised, _observed(-1.5))
    good = conditional_rank(world, 3, realised, _observed(+1.5))
    assert bad.unconditional == pytest.approx(0.077, abs=0.02)
    assert fair_verdict(loss, bad.unconditional, tolerated, review) is Verdict.REVIEW      # the unfair old verdict
    assert 0.3 < bad.percentile < 0.7 and bad.median_conditional == pytest.approx(0.55, abs=0.06)
    assert fair_verdict(loss, bad.percentile, tolerated, review) is Verdict.BAD_LUCK
    assert good.percentile < 0.01 and good.median_conditional == pytest.approx(1.45, abs=0.06)
    assert fair_verdict(loss, good.percentile, tolerated, review) is Verdict.REVIEW
    for r in (bad, good):
        assert 100 <= r.ess <= r.n and r.quarters == 4
    assert bad.index_percentile < 0.1 and good.index_percentile > 0.9


def test_weights_widen_until_the_effective_sample_is_large_enough():
    """ESS = (Σw)²/Σw² ≥ the minimum; with no observation all weights are 1 (ESS = n)."""
    li = np.random.default_rng(1).standard_normal((500, 4))
    w, ess, h = path_weights(li, {0: 3.0, 1: 3.0}, bandwidth=0.05, min_ess=50)
    assert ess == pytest.approx(w.sum() ** 2 / (w * w).sum()) and ess >= 50 and h > 0.05
    w, ess, _ = path_weights(li, {})
    assert ess == 500 and (w == 1).all()


# ---------------------------------------------------------------- hand-built realised assessment
def _quantiles() -> pl.DataFrame:
    """Guidance quantiles for steps 0–3: paid_in P50 = 10, 40, 60, 90 m CNY (the hand-built run's);
    tvpi pNN = 0.5 + NN/100 (so P50 = 1.0)."""
    rows = []
    for s, d in enumerate(QUARTERS):
        paid = [10e6, 40e6, 60e6, 90e6][s]
        rows.append({"entity": "guidance", "step": s, "date": d, "measure": "paid_in",
                     **{c: paid for c in GRID_COLUMNS}})
        rows.append({"entity": "guidance", "step": s, "date": d, "measure": "tvpi",
                     **{c: 0.5 + q for c, q in zip(GRID_COLUMNS, GRID)}})
    return pl.DataFrame(rows)


def _conditioning() -> pl.DataFrame:
    """Four paths with the realised index history; TVPI at step 3: 0.5, 0.7, 0.8, 1.0."""
    tv = np.array([[0.9, 0.8, 0.7, 0.5], [0.9, 0.8, 0.7, 0.7], [0.9, 0.9, 0.8, 0.8], [1.0, 1.0, 1.0, 1.0]])
    return pl.DataFrame({"path": np.repeat(np.arange(4), 4), "step": np.tile(np.arange(4), 4),
                         "tvpi": tv.ravel(), "log_index": np.full(16, np.log(100.0))})


def _actuals() -> pl.DataFrame:
    """Fund a: 10 m a quarter (40 m), NAV 30 m at the end, 67.5 m local, 70 m early, 6 projects;
    fund b: 5 m a quarter (20 m), 2 m distributed in Q4, NAV 12 m; index 100 throughout."""
    rows = []
    for s, d in enumerate(QUARTERS):
        last = s == 3
        rows.append({"sub_fund_id": "a", "period_end": d, "calls_cny": 10e6, "distributions_cny": 0.0,
                     "nav_cny": 30e6 if last else 10e6 * (s + 1), "invested_local_cny": 67.5e6 if last else 0.0,
                     "invested_early_cny": 70e6 if last else 0.0, "projects": 6 if last else 0, "public_index": 100.0})
        rows.append({"sub_fund_id": "b", "period_end": d, "calls_cny": 5e6, "distributions_cny": 2e6 if last else 0.0,
                     "nav_cny": 12e6 if last else 5e6 * (s + 1), "invested_local_cny": 0.0, "invested_early_cny": 0.0,
                     "projects": 0, "public_index": 100.0})
    return pl.DataFrame(rows)


def test_hand_built_realised_assessment_pins_every_indicator_points_and_total():
    """Worked by hand (default scorecard; points = category weight × weight share × fraction):

    paid in 60 m, distributed 2 m, NAV 42 m: TVPI 44/60 = 0.7333, loss ratio 0.2667; tolerance
    0.5·0.8 (seed) + 0.5·0.2 (growth) = 0.5, loss ÷ tolerance = 0.5333 → fraction 1.5 − 0.5333.

    =========================  ==========================================  ======  ======
    indicator                  value                                       frac    points
    =========================  ==========================================  ======  ======
    leverage                   500 / 100 = 5.0 (target 4)                  1       10
    reinvestment_completion    67.5 / (1.5 · 60) = 0.75 (0.5 → 1)         0.5     5
    early_stage_share          70 / (40/0.25 + 20/(1/6)) = 0.25 (0.2→0.6)  0.125   1.25
    priority_share             (200 + 150) / 500 = 0.7 (0.4 → 0.8)         0.75    7.5
    deployment_vs_plan         60 / 90 (0.5 → 1)                           1/3     3.333
    projects_per_yi            6 / 1.0 亿 committed = 6 (2 → 10)            0.5     5
    pool_leverage_utilisation  median(10/10, 5/10) = 0.75 (0.5 → 1)        0.5     5
    tvpi_percentile            conditional: 0.5, 0.7 below 0.733 of 4      1       15
    loss_vs_tolerance          0.2667 / 0.5 = 0.5333 (1.5 → 0.5)           0.9667  14.5
    =========================  ==========================================  ======  ======

    total = 23.75 + 13.333 + 29.5 = 66.583. Replacing loss ÷ tolerance by loss − tolerance
    (−0.233, full marks) would give 15 points and 67.083. (projects_per_yi is per 亿元 of
    guidance *commitment* since issue 10 — it was 6 / 0.6 亿 called = 10, full marks, before.)
    """
    data = _data()
    data = type(data)(data.run_id, data.scenario_name, data.equity_paths, data.equity_indicators, _quantiles(),
                      data.credit_paths, _conditioning())
    a = assess(data, _facts(), actuals=_actuals())
    card = a.frames["scorecard"]
    got = {r["indicator"]: r for r in card.iter_rows(named=True)} if "indicator" in card.columns else None
    assert got is not None, card.columns
    expected = {
        "leverage": (5.0, 10.0), "reinvestment_completion": (0.75, 5.0), "early_stage_share": (0.25, 1.25),
        "priority_share": (0.7, 7.5), "deployment_vs_plan": (60 / 90, 10 / 3), "projects_per_yi": (6.0, 5.0),
        "pool_leverage_utilisation": (0.75, 5.0), "tvpi_percentile": (0.5, 15.0),
        "loss_vs_tolerance": ((16 / 60) / 0.5, 15 * (1.5 - (16 / 60) / 0.5)),
    }
    assert set(expected) == set(got)
    for key, (value, points) in expected.items():
        assert got[key]["value"] == pytest.approx(value, rel=1e-9), key
        assert got[key]["points"] == pytest.approx(points, rel=1e-9), key
    assert a.loss_ratio == pytest.approx(16 / 60, rel=1e-12)
    assert a.tolerated_loss_ratio == pytest.approx(0.5)
    assert a.score == pytest.approx(23.75 + (10 / 3 + 5 + 5) + (15 + 14.5), rel=1e-9)
    assert a.score == pytest.approx(66.5833333, abs=1e-6)
    # the verdict used the conditional rank and says so; IRR at 12 months is "n/m" with the reason
    assert a.percentiles["tvpi_conditional"] == pytest.approx(0.5)
    assert a.verdict == Verdict.WITHIN_TOLERANCE.value
    assert "conditional rank" in a.verdict_en and "条件分位" in a.verdict_zh
    v = a.frames["verdict"].filter(pl.col("measure") == "irr_to_date").row(0, named=True)
    assert v["realised"] is None or np.isnan(v["realised"])
    assert v["note"].startswith("n/m") and "12 months old" in v["note"] and "24-month minimum" in v["note"]
    dist = a.frames["fund_distribution"].filter(pl.col("measure") == "tvpi").row(0, named=True)
    assert dist["mean"] == 1.0 and dist["mean_se"] == pytest.approx(0.5)   # paths 1.5, 0.5: s/sqrt(2)
    assert dist["p50_lo"] == 0.5 and dist["p50_hi"] == 1.5
    cond = dict(a.frames["conditioning"].iter_rows())
    assert cond["effective_sample_size"] == pytest.approx(4.0) and cond["quarters_observed"] == 4


def test_without_index_the_verdict_says_it_is_unconditional():
    data = _data()
    data = type(data)(data.run_id, data.scenario_name, data.equity_paths, data.equity_indicators, _quantiles(),
                      data.credit_paths, _conditioning())
    a = assess(data, _facts(), actuals=_actuals().drop("public_index"))
    assert "tvpi_conditional" not in a.percentiles
    assert "unconditional rank" in a.verdict_en and "无条件分位" in a.verdict_zh
