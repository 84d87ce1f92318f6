"""The bundled stress library and ``fundsvc stress``: every stress loads, cites its data, imposes
exactly what it says, makes the headline figures worse, and the CLI reports changes with errors."""

import json
import re

import numpy as np
import pytest
from typer.testing import CliRunner

from fundsvc.cli.app import build_app
from fundsvc.engine.conditioning import conditions_for
from fundsvc.engine.factors import simulate_market
from fundsvc.inputs.loader import load_scenario
from fundsvc.stress.library import bundled_stresses
from fundsvc.stress.runner import run_stresses, stressed

EXPECTED = {"gfc_2008", "ashare_crash_2015", "fundraising_freeze_2018", "ipo_slowdown_2023", "combined_severe",
            *(f"winter_{s}" for s in ("smart_iot", "biomedicine", "high_end_equipment", "new_materials", "green_energy"))}


@pytest.fixture(scope="module")
def baseline():
    return load_scenario("scenarios/hangzhou_baseline.toml").scenario


def test_library_has_every_stress_with_narrative_and_sources():
    lib = bundled_stresses()
    assert set(lib) == EXPECTED
    for s in lib.values():
        assert s.narrative.strip() and s.narrative_zh.strip() and s.title_zh, s.name
        assert s.sources and all(len(x) > 20 for x in s.sources), s.name


def test_every_stress_imposes_its_windows_exactly(baseline):
    for name, s in bundled_stresses().items():
        sc = stressed(baseline, s.impositions(baseline.simulation.start_date))
        cs = conditions_for(sc)
        p = simulate_market(sc.market, 50, 4 * sc.simulation.horizon_years, 4, np.random.default_rng(1), cs)
        for imp in s.impose:
            w = slice(imp.offset_quarters, imp.offset_quarters + imp.quarters)
            if imp.factor == "regime":
                assert np.all(p.regime[:, w] == 2), name
            elif imp.factor == "public_index" and imp.mode == "path":
                ratio = p.index_level[:, w.stop] / p.index_level[:, w.start]
                assert np.allclose(ratio, 1 + imp.value, rtol=1e-9), name
            elif imp.factor == "tech_cycle" and imp.mode == "mean":
                assert np.allclose(p.tech_cycle[:, w].mean(axis=1), imp.value, atol=1e-9), name


def test_gfc_2008_worsens_every_headline_on_common_random_numbers():
    """gfc_2008 on the quick scenario (300 paths): guidance TVPI mean and median fall, P(loss),
    bank expected loss and pool payouts rise, each by more than 2 paired standard errors."""
    quick = load_scenario("scenarios/quick.toml").scenario
    gfc = bundled_stresses()["gfc_2008"]
    t = run_stresses(quick, {"gfc": gfc.impositions(quick.simulation.start_date)}, paths=300, seed=5)
    rows = {r["figure"]: r for r in t.iter_rows(named=True)}
    for fig, sign in (("guidance TVPI mean", -1), ("guidance TVPI median", -1), ("guidance P(loss)", +1),
                      ("banks expected loss", +1), ("pool payouts mean", +1)):
        assert sign * rows[fig]["change"] > 2 * rows[fig]["change_se"], (fig, rows[fig])


def _invoke(*args):
    return CliRunner(env={"COLUMNS": "200"}).invoke(build_app(), list(args))


def test_cli_stress_json_reports_changes_with_standard_errors_and_stores_them(tmp_path):
    r = _invoke("stress", "quick", "--stress", "ipo_slowdown_2023", "--paths", "60", "--seed", "3", "--json",
                "--data-dir", str(tmp_path))
    assert r.exit_code == 0, r.output
    doc = json.loads(r.output)
    assert doc["paths"] == 60 and doc["seed"] == 3
    from fundsvc.settings import get_settings
    from fundsvc.store import Store

    with Store.open(get_settings(data_dir=tmp_path)) as store:
        assert store.runs.get(doc["run_id"]).n_paths == 60
        (rec,) = store.stress_results.list(doc["run_id"])
        assert rec.kind == "stress" and rec.name == "ipo_slowdown_2023"
        assert rec.content["rows"] == [row for row in doc["rows"] if row["stress"] == "ipo_slowdown_2023"]
    figs = {row["figure"] for row in doc["rows"]}
    assert {"guidance TVPI mean", "banks expected loss", "pool payouts mean"} <= figs
    assert all(row["stress"] == "ipo_slowdown_2023" and row["change_se"] >= 0 for row in doc["rows"])


@pytest.mark.parametrize(("args", "message"), [
    (("--stress", "no_such_stress"), "unknown stress 'no_such_stress'"),
    ((), "name at least one stress"),
    (("--all", "--reverse", "fund-loss"), "runs on its own"),
    (("--reverse", "pool:nope"), "pool 'nope' does not exist"),
    (("--stress", "gfc_2008", "--paths", "1"), "--paths"),
])
def test_cli_stress_bad_input_exits_2_with_a_message(args, message):
    r = _invoke("stress", "quick", "--no-store", *args)
    assert r.exit_code == 2
    assert message in r.output
    assert "Traceback" not in r.output


def test_stress_table_text_at_80_columns():
    """The table a user reads: figures not cut ("引导基金TVPI均…" before), probability changes in
    percentage points, money in the one unit named in the title, multiples with two decimals."""
    from fundsvc.formatting import fmt_pp

    assert (fmt_pp(0.137), fmt_pp(-0.0004), fmt_pp(0.016, signed=False)) == ("+13.7 pp", "+0.0 pp", "1.6 pp")
    r = CliRunner(env={"COLUMNS": "80"}).invoke(build_app(), ["stress", "quick", "--stress", "ipo_slowdown_2023",
                                                             "--paths", "60", "--seed", "3", "--no-store"])
    assert r.exit_code == 0, r.output
    assert "…" not in r.output and max(len(line) for line in r.output.splitlines()[1:]) <= 80
    assert "引导基金TVPI均值" in r.output and "money in 万元" in r.output
    loss = next(line for line in r.output.splitlines() if "guidance P(loss)" in line)
    assert re.search(r"[+-]\d+\.\d pp", loss), loss
    mean = next(line for line in r.output.splitlines() if "guidance TVPI mean" in line)
    assert re.search(r"\b\d\.\d\d×", mean) and not re.search(r"\d\.\d{3}×", mean), mean


def test_reverse_stress_printout_formats_the_target():
    """A bank target is money in one unit (was '1.316e+07'); a fund-loss target a percentage."""
    from rich.console import Console

    from fundsvc.cli.stress import _print_reverse
    from fundsvc.stress.reverse import ReverseResult, Statistic, Target, TargetKind

    checks = [{"label": "breaching path 突破路径", "shift_sigma": -2.0, "value": 1.316e7, "se": 4.2e5, "breached": True},
              {"label": "less severe 较轻路径", "shift_sigma": -1.9, "value": 1.19e7, "se": 4.0e5, "breached": False}]
    for kind, level, base, expect in ((TargetKind.BANK, 1.2e7, 8e6, ["1,316.00 万元", "42.00 万元", "1,200.00 万元"]),
                                      (TargetKind.FUND_LOSS, 0.3, 0.05, ["30.0%", "5.0%"])):
        target = Target(kind, "k", Statistic.MEDIAN, level, "target")
        cs = checks if kind is TargetKind.BANK else [dict(c, value=0.31, se=0.02) for c in checks]
        console = Console(width=80, record=True, color_system=None)
        _print_reverse(console, ReverseResult(target, -2.0, 4, 8, 2.8, [], cs, base))
        out = console.export_text()
        assert all(e in out for e in expect), out
        assert "e+" not in out
