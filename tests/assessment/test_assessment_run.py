"""Assessment of a simulated run of ``scenarios/quick.toml``: percentiles, verdict, exposure,
storage, reports and the CLI."""

from __future__ import annotations

import datetime as dt
import json
import math
from pathlib import Path

import numpy as np
import polars as pl
import pytest

from fundsvc.assessment import TABLE_TITLES, Assessment, assess, assess_run, load_run_data
from fundsvc.assessment.facts import scenario_facts
from fundsvc.assessment.reports import SECTIONS, ReportFormat, write_report
from fundsvc.assessment.tolerance import Verdict
from fundsvc.inputs.actuals import read_actuals
from fundsvc.inputs.loader import load_scenario
from fundsvc.settings import get_settings
from fundsvc.simulation.quantiles import percentile_of
from fundsvc.simulation.service import simulate_and_store
from fundsvc.store import Store
from models.assessment import AssessmentConfig, ToleranceConfig

ROOT = Path(__file__).resolve().parents[2]
QUICK = ROOT / "scenarios/quick.toml"
ACTUALS = ROOT / "scenarios/data/quick_actuals.csv"
N_PATHS = 3000


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    """One stored run of the quick scenario (3 000 paths), shared by the tests of this module."""
    data_dir = tmp_path_factory.mktemp("assess") / "data"
    store = Store.open(get_settings(data_dir=data_dir, database_url=None), upgrade=True)
    loaded = load_scenario(QUICK)
    run = simulate_and_store(store, loaded, paths=N_PATHS, seed=11)
    yield store, run.run_id, loaded.scenario, data_dir
    store.close()


def _actuals_with_tvpi(facts, step: int, tvpi: float) -> pl.DataFrame:
    """Actuals of one sub-fund whose whole-fund TVPI at ``step`` equals ``tvpi`` (own costs included)."""
    calls = 5e6
    dates = [dt.date(2026 + (3 * (t + 1) - 1) // 12, (3 * (t + 1) - 1) % 12 + 1, 1) for t in range(step + 1)]
    ends = [(d.replace(day=28) + dt.timedelta(days=4)).replace(day=1) - dt.timedelta(days=1) for d in dates]
    paid = calls * (step + 1) + sum(facts.cost_per_step[: step + 1])
    nav = tvpi * paid
    return pl.DataFrame({"sub_fund_id": ["seed-iot"] * (step + 1), "period_end": ends,
                         "calls_cny": [calls] * (step + 1), "distributions_cny": [0.0] * (step + 1),
                         "nav_cny": [nav] * (step + 1)})


@pytest.mark.parametrize("q", [0.1, 0.25, 0.5, 0.75, 0.9])
def test_realised_at_simulated_quantile_reported_at_that_percentile(world, q):
    store, run_id, scen, _ = world
    facts = scenario_facts(scen)
    data = load_run_data(store, run_id)
    step = 9
    row = data.equity_quantiles.filter((pl.col("entity") == "guidance") & (pl.col("measure") == "tvpi")
                                       & (pl.col("step") == step))
    value = row[f"p{round(100 * q)}"][0]
    a = assess(data, facts, scen.assessment, actuals=_actuals_with_tvpi(facts, step, value))
    assert a.step == step and a.realised["tvpi"] == pytest.approx(value, rel=1e-9)
    assert a.percentiles["tvpi"] == pytest.approx(q, abs=0.005)


@pytest.mark.parametrize("q", [0.1, 0.5, 0.9])
def test_percentile_agrees_with_an_independent_simulation(world, q):
    """A fund drawn from the same mandate (another seed) at its q-th quantile sits at percentile q,
    within Monte Carlo error (3 standard errors of two independent empirical quantiles)."""
    import fundsvc

    store, run_id, _scen, _ = world
    other = fundsvc.simulate(QUICK, paths=N_PATHS, seed=12345)
    tv = other.equity_paths.filter(pl.col("entity") == "guidance")["tvpi"].to_numpy()
    value = float(np.quantile(tv, q))
    data = load_run_data(store, run_id)
    last = int(data.equity_quantiles["step"].max())
    p = percentile_of(data.equity_quantiles, "guidance", "tvpi", last, value)
    se = math.sqrt(2 * q * (1 - q) / N_PATHS)
    assert abs(p - q) <= 3 * se + 0.005


def test_verdict_changes_where_the_tolerance_says(world):
    store, run_id, scen, _ = world
    facts = scenario_facts(scen)
    data = load_run_data(store, run_id)
    step = 9
    row = data.equity_quantiles.filter((pl.col("entity") == "guidance") & (pl.col("measure") == "tvpi")
                                       & (pl.col("step") == step))
    value = row["p20"][0]  # a fund at the 20th percentile ...
    acts = _actuals_with_tvpi(facts, step, value)
    loss = max(0.0, 1 - value)
    assert loss > 0.05, "test needs a loss at the 20th percentile"

    def verdict(tolerance: float, review: float) -> Verdict:
        cfg = AssessmentConfig(tolerance=ToleranceConfig(
            tolerated_loss_ratio={s: tolerance for s in ("seed", "angel", "venture", "growth")},
            review_percentile=review))
        a = assess(data, facts, cfg, actuals=acts)
        assert a.tolerated_loss_ratio == pytest.approx(tolerance)
        return Verdict(a.verdict)

    assert verdict(loss + 0.01, 0.1) is Verdict.WITHIN_TOLERANCE   # tolerance covers the loss
    assert verdict(loss - 0.01, 0.1) is Verdict.BAD_LUCK           # above it, but P20 is an ordinary draw
    assert verdict(loss - 0.01, 0.3) is Verdict.REVIEW             # stricter review threshold than P20


def test_combined_exposure_is_sum_of_parts_path_by_path(world):
    from fundsvc.assessment.exposure import combined_exposure

    store, run_id, _, _ = world
    eq = store.runs.load_array(run_id, "equity_paths").filter(pl.col("entity") == "guidance").sort("path")
    cr = store.runs.load_array(run_id, "credit_paths")
    out = combined_exposure(store.runs.load_array(run_id, "equity_paths"), cr)
    assert out.height == N_PATHS
    loss = np.maximum(eq["paid_in_cny"].to_numpy() - eq["distributed_cny"].to_numpy() - eq["nav_cny"].to_numpy(), 0)
    pools = cr.filter(pl.col("entity").str.starts_with("pool:"))
    pool_cost = np.zeros(N_PATHS)
    np.add.at(pool_cost, pools["path"].to_numpy(), pools["fiscal_cost"].to_numpy())
    np.testing.assert_allclose(out["guidance_loss_cny"].to_numpy(), loss, rtol=1e-12)
    np.testing.assert_allclose(out["pool_cost_cny"].to_numpy(), pool_cost, rtol=1e-12)
    np.testing.assert_allclose(out["combined_exposure_cny"].to_numpy(), loss + pool_cost, rtol=1e-12)
    assert (pool_cost != 0).any() and (loss > 0).any()


def test_assess_run_headline_tables_and_storage(world):
    store, run_id, _, _ = world
    acts = read_actuals(ACTUALS, {"seed-iot", "vc-bio", "ta-green"})
    a = assess_run(store, run_id, actuals=acts, save=True)
    assert a.as_of == dt.date(2027, 6, 30) and a.basis == "realised"
    assert 0 <= a.score <= 100 and a.rating
    assert a.verdict in {v.value for v in Verdict}
    assert set(a.percentiles) == {"tvpi", "dpi", "loss_ratio", "irr_to_date"}
    assert set(a.tables()) <= set(TABLE_TITLES)
    assert {"fund_distribution", "scorecard", "policy_indicators", "fiscal_exposure", "verdict",
            "sub_fund_percentiles", "targets", "tolerance"} <= set(a.tables())
    targets = a.tables()["targets"]
    assert targets.filter(pl.col("key") == "patents")["actual"][0] == 11  # 7 (seed-iot) + 4 (vc-bio) in the sample
    doc = json.loads(json.dumps(a.to_dict(), allow_nan=False))
    stored = store.assessments.list(run_id)[0]
    assert stored.content["score"] == pytest.approx(a.score)
    back = Assessment.from_dict(doc)
    assert back.verdict == a.verdict and back.as_of == a.as_of
    assert back.tables()["scorecard"].columns == a.tables()["scorecard"].columns
    sim = assess_run(store, run_id)
    assert sim.basis == "simulated" and sim.verdict is None and not sim.percentiles


def test_xlsx_report_reads_back(world, tmp_path):
    import openpyxl

    store, run_id, _, _ = world
    a = assess_run(store, run_id, actuals=read_actuals(ACTUALS), period="2027-Q2")
    path = write_report(a, tmp_path / "r.xlsx", ReportFormat.XLSX)
    wb = openpyxl.load_workbook(path)
    assert set(wb.sheetnames) == {"summary", "contents", "charts", *a.tables()}
    sc = wb["scorecard"]  # title row, Chinese and English headers, then the data
    head = [c.value for c in sc[3]]
    points = [sc.cell(r, head.index("Points") + 1).value for r in range(4, sc.max_row + 1)]
    np.testing.assert_allclose(np.array(points, dtype=float), a.tables()["scorecard"]["points"].to_numpy(), rtol=1e-9)
    fd = wb["fund_distribution"]
    assert [fd.cell(r, 1).value for r in range(4, 7)] == ["内部收益率 IRR", "总价值倍数 TVPI", "已分配倍数 DPI"]
    summary = {wb["summary"].cell(r, 1).value: wb["summary"].cell(r, 2).value for r in range(5, wb["summary"].max_row + 1)}
    assert summary["评级 rating"] == a.rating and summary["结论 verdict"] == a.verdict_zh


def test_html_report_sections_and_figures(world, tmp_path):
    store, run_id, _, _ = world
    a = assess_run(store, run_id, actuals=read_actuals(ACTUALS), period="2027-Q2")
    text = write_report(a, tmp_path / "r.html").read_text(encoding="utf-8")
    for key, zh, en in SECTIONS:
        assert f"<section id='{key}'>" in text and f"<h2>{zh} · {en}</h2>" in text
    for fig in ("verdict", "fan_tvpi", "fan_loss", "scorecard", "exposure"):
        assert f"data-figure='{fig}'" in text
    assert text.count("<svg") == 5 and "<script" not in text  # static charts: opens offline, prints as is
    assert a.verdict_zh in text


def test_cli_assess_and_report(world, tmp_path):
    from typer.testing import CliRunner

    from fundsvc.cli import app as appmod
    from fundsvc.cli import assess as assess_cli

    _store, run_id, _, data_dir = world
    app = appmod.build_app()
    if "assess" not in {c.name for c in app.registered_commands}:
        assess_cli.register(app)
    runner = CliRunner()
    res = runner.invoke(app, ["assess", str(run_id), "--actuals", str(ACTUALS), "--data-dir", str(data_dir)])
    assert res.exit_code == 0, res.output
    assert "Verdict" in res.output and "评分 score" in res.output
    out = tmp_path / "q.html"
    res = runner.invoke(app, ["report", str(run_id), "--period", "2027-Q1", "--format", "html", "--out", str(out),
                              "--data-dir", str(data_dir)])
    assert res.exit_code == 0, res.output
    assert "As of 2027-03-31" in out.read_text(encoding="utf-8")  # used the stored actuals import
    res = runner.invoke(app, ["report", str(run_id), "--period", "2027-13", "--data-dir", str(data_dir)])
    assert res.exit_code == 2 and "is not a period" in res.output
    bad = tmp_path / "bad.csv"
    bad.write_text("sub_fund_id,period_end,calls_cny,distributions_cny,nav_cny\nzzz,2026-03-31,1,0,-1\n")
    res = runner.invoke(app, ["assess", str(run_id), "--actuals", str(bad), "--data-dir", str(data_dir)])
    assert res.exit_code == 2 and "unknown sub-fund 'zzz'" in res.output and "negative NAV" in res.output


def test_stored_run_keeps_conditioning_paths_and_the_verdict_uses_them(world):
    """The stored run carries the ``equity_conditioning`` artifact (first paths' guidance TVPI and
    log index per quarter); actuals with a ``public_index`` column make the verdict conditional,
    with its effective sample size reported; without it the text says the rank is unconditional."""
    store, run_id, scen, _ = world
    data = load_run_data(store, run_id)
    cond = data.conditioning
    assert cond is not None and set(cond.columns) == {"path", "step", "tvpi", "log_index"}
    n = cond["path"].n_unique()
    assert n == N_PATHS and cond.height == n * (cond["step"].max() + 1)
    facts = scenario_facts(scen)
    act = _actuals_with_tvpi(facts, 11, 0.8)
    low = act.with_columns(public_index=pl.lit(float(np.exp(cond.filter(pl.col("step") == 11)["log_index"].quantile(0.1)))))
    a = assess(data, facts, scen.assessment, actuals=low)
    c = dict(a.frames["conditioning"].iter_rows())
    assert 100 <= c["effective_sample_size"] <= N_PATHS and c["quarters_observed"] == 12
    assert c["index_percentile"] < 0.2
    assert "conditional rank" in a.verdict_en
    plain = assess(data, facts, scen.assessment, actuals=act)
    assert "conditioning" not in plain.frames and "unconditional rank" in plain.verdict_en


def test_cli_backtest_of_sub_fund_actuals_against_the_run(world):
    """``fundsvc backtest --run RUN --actuals FILE``: one PIT per sub-fund quarter after its first
    call; exit status 1 exactly when the JSON says the backtest failed."""
    from typer.testing import CliRunner

    from fundsvc.cli.app import build_app

    store, run_id, _, data_dir = world
    res = CliRunner().invoke(build_app(), ["backtest", "--run", str(run_id), "--actuals", str(ACTUALS), "--json",
                                           "--data-dir", str(data_dir)])
    out = json.loads(res.stdout)["fund_backtest"]
    acts = read_actuals(ACTUALS)
    expected = sum(int((acts.filter(pl.col("sub_fund_id") == f)["calls_cny"].cum_sum() > 0).sum())
                   for f in acts["sub_fund_id"].unique().to_list())
    assert out["observations"] == expected and sum(out["histogram"]) == expected
    assert res.exit_code == (0 if out["passed"] else 1)


def test_periodic_report_carries_the_backtests(world, tmp_path):
    """``fundsvc report RUN --backtest TAPE`` puts the loan backtest (summary and PD calibration per
    grade) and, with actuals, the sub-fund PIT backtest into the report, with the same figures as
    ``fundsvc backtest``; a bad tape is refused before anything is written."""
    from openpyxl import load_workbook
    from typer.testing import CliRunner

    from fundsvc.cli.app import build_app
    from fundsvc.validation.backtest import backtest_run_funds, backtest_tape

    store, run_id, scen, data_dir = world
    app = build_app()
    out = tmp_path / "r.html"
    res = CliRunner().invoke(app, ["report", str(run_id), "--period", "2027-Q1", "--actuals", str(ACTUALS),
                                   "--backtest", "backtest_loans_fail", "--out", str(out), "--data-dir", str(data_dir)])
    assert res.exit_code == 0, res.output
    text = out.read_text(encoding="utf-8")
    for section in ("backtest_loans", "backtest_pd_calibration", "backtest_funds"):
        assert f"<section id='{section}'>" in text
    assert "PD calibration per grade" in text and "分级违约率校准" in text
    bt = backtest_tape("backtest_loans_fail")
    assert not bt.passed and f"{bt.auc:.2f}" in text and "未通过" in text
    funds = backtest_run_funds(store, run_id, scen, read_actuals(ACTUALS))
    assert funds.pit.size > 0
    xlsx = tmp_path / "r.xlsx"
    res = CliRunner().invoke(app, ["report", str(run_id), "--period", "2027-Q1", "--format", "xlsx",
                                   "--backtest", "backtest_loans_pass", "--out", str(xlsx), "--data-dir", str(data_dir)])
    assert res.exit_code == 0, res.output
    names = load_workbook(xlsx, read_only=True).sheetnames
    assert any("backtest" in n.lower() or "回测" in n for n in names), names
    bad = tmp_path / "tape.csv"
    bad.write_text("loan_id,grade,pd,defaulted\nL1,A,1.5,0\n")
    gone = tmp_path / "never.html"
    res = CliRunner().invoke(app, ["report", str(run_id), "--period", "2027-Q1", "--backtest", str(bad),
                                   "--out", str(gone), "--data-dir", str(data_dir)])
    assert res.exit_code == 2 and "tape.csv" in res.output and not gone.exists()
