"""Sensitivity on common random numbers: direction, the tornado's order across seeds, CLI, figure."""

from __future__ import annotations

import json
import math

import numpy as np
import polars as pl
import pytest
from typer.testing import CliRunner

from dashboards.figures.validation import tornado_figure
from fundsvc.cli.app import build_app
from fundsvc.inputs.bundled import resolve_scenario
from fundsvc.inputs.loader import load_scenario
from fundsvc.validation.sensitivity import SensitivityInput, perturbed, run_sensitivity


@pytest.fixture(scope="module")
def quick():
    return load_scenario(resolve_scenario("quick")).scenario


def test_perturbed_scales_the_input_and_nothing_else(quick):
    up = perturbed(quick, SensitivityInput.LOAN_PD, 1.2)
    pds = [g.pd for g in quick.pd_master_scale.grades]
    assert [g.pd for g in up.pd_master_scale.grades] == pytest.approx([p * 1.2 for p in pds])
    assert up.market == quick.market and up.pools == quick.pools
    down = perturbed(quick, SensitivityInput.POOL_FUNDING, 0.8)
    assert sum(down.pools[0].funders.values()) == pytest.approx(0.8 * sum(quick.pools[0].funders.values()))


@pytest.mark.slow
def test_tornado_order_is_stable_across_seeds(quick):
    """Two seeds, 400 paths each, the two credit drivers and the tech-cycle loading (three inputs,
    seven runs per seed): banks' EL is driven first by loan PDs, then by pool funding
    (elasticities ≈ 0.9 and 0.4, s.e. ≈ 0.05 and 0.02 measured at 1,000 paths), in both seeds;
    and wherever two inputs' swings differ by more than 3 combined s.e. in both seeds their order
    agrees."""
    chosen = ["loan_pd", "pool_funding", "tech_cycle_loading"]
    tables = [run_sensitivity(quick, inputs=chosen, paths=400, seed=s, chunk_size=100).table() for s in (1, 2)]
    for tb in tables:
        el = tb.filter(pl.col("output") == "banks EL (horizon)").sort("rank")
        assert el["input"].to_list()[:2] == ["loan_pd", "pool_funding"]
        assert el["elasticity"][0] > 0 and el["elasticity"][0] > 3 * el["elasticity_se"][0]
    a, b = (tb.select("input", "output", "swing", "swing_se") for tb in tables)
    j = a.join(b, on=["input", "output"], suffix="_b")
    for out in j["output"].unique().to_list():
        rows = j.filter(pl.col("output") == out).to_dicts()
        for x in rows:
            for y in rows:
                da, db = abs(x["swing"]) - abs(y["swing"]), abs(x["swing_b"]) - abs(y["swing_b"])
                sa = 3 * np.hypot(x["swing_se"], y["swing_se"])
                sb = 3 * np.hypot(x["swing_se_b"], y["swing_se_b"])
                if abs(da) > sa and abs(db) > sb:
                    assert np.sign(da) == np.sign(db), (out, x["input"], y["input"])


def test_cli_direction_and_figure(tmp_path):
    """Higher loan PDs raise the banks' expected loss (direction, on common random numbers);
    the equity side does not move (the PD enters credit only); the tornado shows both bars."""
    res = CliRunner().invoke(build_app(), ["sensitivity", "quick", "--inputs", "loan_pd", "--paths", "400", "--json"])
    assert res.exit_code == 0, res.output
    rows = pl.DataFrame(json.loads(res.stdout)["rows"])
    el = rows.filter(pl.col("output") == "banks EL (horizon)").row(0, named=True)
    assert el["high"] > el["base"] > el["low"] and el["elasticity"] > 3 * el["elasticity_se"]
    tv = rows.filter(pl.col("output") == "guidance TVPI mean").row(0, named=True)
    assert tv["swing"] == 0.0
    fig = tornado_figure(rows.with_columns(rank=pl.lit(1)), "banks EL (horizon)", "en")
    assert [tr.name for tr in fig.data] == ["input down", "input up"] and fig.layout.title.text == "All banks · Expected loss (EL), whole horizon"


def test_cli_bad_input_is_named():
    res = CliRunner().invoke(build_app(), ["sensitivity", "quick", "--inputs", "pd,loan_pd", "--step", "1.5"])
    assert res.exit_code == 2
    text = " ".join(res.output.split())
    assert "unknown input 'pd'" in text and "--step" in text


def test_cover_failure_moves_the_right_way(quick):
    """Cover failure (P(some claim on the first pool refused or reduced over the horizon)) is an
    output: with the city pool cut to 200万 (so it does fail, ≈ 2 % of paths), higher loan PDs
    raise it and more pool funding lowers it. Its swing's error is the unpaired binomial one,
    √(p₋(1−p₋)/n + p₊(1−p₊)/n) — pinned here from the two runs' own values — and a refusal
    includes depletion, so it is never below P(depleted)."""
    pool = quick.pools[0]
    small = quick.model_copy(update={"pools": [pool.model_copy(update={"funders": {k: 2e6 for k in pool.funders}})]})
    n = 1000
    t = run_sensitivity(small, inputs=["loan_pd", "pool_funding"], paths=n, chunk_size=250).table()
    cover = t.filter(pl.col("output") == "pool:city-ip P(cover refused)")
    dep = t.filter(pl.col("output") == "pool:city-ip P(depleted)")
    pd_row = cover.filter(pl.col("input") == "loan_pd").row(0, named=True)
    fund_row = cover.filter(pl.col("input") == "pool_funding").row(0, named=True)
    assert pd_row["swing"] > 2 * pd_row["swing_se"]
    assert fund_row["swing"] < -3 * fund_row["swing_se"]
    for r in (pd_row, fund_row):
        lo, hi = r["low"], r["high"]
        assert r["swing_se"] == pytest.approx(np.sqrt(lo * (1 - lo) / n + hi * (1 - hi) / n), rel=1e-9)
        assert r["se_method"] == "unpaired (conservative)"
    for c, d in zip(cover.sort("input").iter_rows(named=True), dep.sort("input").iter_rows(named=True)):
        assert c["low"] >= d["low"] and c["high"] >= d["high"]


def test_json_has_no_nan_and_a_zero_base_has_no_elasticity():
    """The quick pool never fails, so its P(depleted) base is 0 and the elasticity is undefined:
    JSON null (strict JSON, no NaN) and '– (base 0 …)' in the table."""
    def strict(text):
        return json.loads(text, parse_constant=lambda c: pytest.fail(f"non-JSON constant {c}"))

    res = CliRunner().invoke(build_app(), ["sensitivity", "quick", "--inputs", "pool_funding", "--paths", "200",
                                           "--json"])
    assert res.exit_code == 0, res.output
    rows = [r for r in strict(res.stdout)["rows"] if r["output"].endswith("P(depleted)")]
    assert rows and rows[0]["base"] == 0 and rows[0]["elasticity"] is None
    res = CliRunner().invoke(build_app(), ["sensitivity", "quick", "--inputs", "pool_funding", "--paths", "200"])
    assert "– (base 0" in res.output and "nan" not in res.output


def test_cli_stores_the_analysis_with_its_base_run():
    """By default the base run is stored and the analysis with it (kind ``sensitivity``); the numbers
    are those of ``--no-store`` (the stored base run uses the same seed and chunks as the perturbed
    runs: common random numbers hold), and the stored document gives back the printed table."""
    from fundsvc.settings import get_settings
    from fundsvc.store import Store
    from fundsvc.store.stress_results import StressKind
    from fundsvc.validation.sensitivity import Sensitivity

    args = ["sensitivity", "quick", "--inputs", "loan_pd", "--paths", "400", "--json"]
    stored = CliRunner().invoke(build_app(), args)
    assert stored.exit_code == 0, stored.output
    doc = json.loads(stored.stdout)
    bare = json.loads(CliRunner().invoke(build_app(), [*args, "--no-store"]).stdout)
    assert bare["run_id"] is None and isinstance(doc["run_id"], int)
    assert doc["rows"] == bare["rows"]
    with Store.open(get_settings(), upgrade=True) as store:
        assert store.runs.get(doc["run_id"]).n_paths == 400
        rec = store.stress_results.latest(doc["run_id"], StressKind.SENSITIVITY)
        assert rec.name == "loan_pd" and rec.content["seed"] == 1 and rec.content["scenario"] == "quick"
        table = Sensitivity.from_document(rec.content).table()
    back = json.loads(json.dumps([{k: (None if isinstance(v, float) and math.isnan(v) else v) for k, v in r.items()}
                                  for r in table.to_dicts()]))
    assert back == doc["rows"]


def test_cli_run_option_attaches_the_analysis_to_a_stored_run():
    """``--run RUN`` (the command the empty Sensitivity page names): the run's scenario, paths and seed
    are the base and the analysis is stored with that run; with the run's own chunks (here 400 paths
    in chunks of 50 ≥ 8 batches) the base figures are the run's headline estimates exactly."""
    from fundsvc.settings import get_settings
    from fundsvc.simulation.service import simulate_and_store
    from fundsvc.store import Store
    from fundsvc.store.stress_results import StressKind

    with Store.open(get_settings(), upgrade=True) as store:
        run_id = simulate_and_store(store, load_scenario(resolve_scenario("quick")), paths=400, seed=5,
                                    chunk_size=50).run_id
        heads = store.runs.load_table(run_id, "headlines")
    res = CliRunner().invoke(build_app(), ["sensitivity", "--run", str(run_id), "--inputs", "loan_pd", "--json"])
    assert res.exit_code == 0, res.output
    doc = json.loads(res.stdout)
    assert (doc["run_id"], doc["paths"], doc["seed"]) == (run_id, 400, 5)
    el = next(r for r in doc["rows"] if r["output"] == "banks EL (horizon)")
    assert el["base"] == heads.filter(pl.col("figure") == "banks EL (horizon)")["estimate"][0]
    with Store.open(get_settings(), upgrade=True) as store:
        rec = store.stress_results.latest(run_id, StressKind.SENSITIVITY)
    assert rec.content["base_is_run"] is True and rec.content["chunk_size"] == 50
    bad = CliRunner().invoke(build_app(), ["sensitivity", "quick", "--run", str(run_id), "--paths", "500"])
    assert bad.exit_code == 2
    text = " ".join(bad.output.split())
    assert "not both" in text and "drop --paths" in text
