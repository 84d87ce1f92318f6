"""Running a scenario end to end: API, stored runs (SQLite and PostgreSQL), failures, CLI."""

import numpy as np
import polars as pl
import pytest
from typer.testing import CliRunner

import fundsvc
from fundsvc.cli.app import build_app
from fundsvc.inputs import load_scenario
from fundsvc.simulation import compile_scenario, run_simulation
from fundsvc.simulation.service import simulate_and_store
from fundsvc.store import RunStatus

PATHS = 1_500


@pytest.fixture(scope="module")
def quick(scenarios_dir):
    return load_scenario(scenarios_dir / "quick.toml")


@pytest.fixture(scope="module")
def result(quick):
    return fundsvc.simulate(quick, paths=PATHS, seed=11, chunk_size=500)


def test_api_result_shapes(result, quick):
    s = quick.scenario
    entities = ["guidance", *[f.id for f in s.sub_funds]]
    assert result.n_paths == PATHS and result.seed == 11
    assert result.equity_paths.height == PATHS * len(entities)
    assert result.equity_paths["path"].n_unique() == PATHS
    summary = result.equity_summary()
    assert summary["entity"].to_list() == entities
    for q in ("p5", "p25", "p50", "p75", "p95"):
        assert summary[f"tvpi_{q}"].is_not_null().all()
    # percentiles are ordered
    t = summary.select([f"tvpi_{q}" for q in ("p5", "p25", "p50", "p75", "p95")]).to_numpy()
    assert np.all(np.diff(t, axis=1) >= 0)
    assert result.credit_paths is not None
    assert set(result.credit_paths["entity"].unique()) >= {"total", "banks", "pool:city-ip"}


def test_summary_matches_path_table(result):
    """The printed percentiles are the quantiles of the stored per-path table."""
    g = result.equity_paths.filter(pl.col("entity") == "guidance")
    s = result.equity_summary().filter(pl.col("entity") == "guidance")
    assert s["tvpi_p50"][0] == pytest.approx(float(np.quantile(g["tvpi"].to_numpy(), 0.5)))
    assert s["p_loss"][0] == pytest.approx(float((g["tvpi"].to_numpy() < 1).mean()))


def test_same_seed_bit_identical_and_seed_matters(quick, result):
    again = fundsvc.simulate(quick, paths=PATHS, seed=11, chunk_size=500)
    assert again.equity_paths.equals(result.equity_paths)
    assert again.credit_paths.equals(result.credit_paths)
    other = fundsvc.simulate(quick, paths=PATHS, seed=12, chunk_size=500)
    assert not other.equity_paths.equals(result.equity_paths)


def test_first_paths_do_not_depend_on_total_paths(quick, result):
    """Chunks are seeded by their index: a shorter run is a prefix of a longer one."""
    short = fundsvc.simulate(quick, paths=500, seed=11, chunk_size=500)
    prefix = result.equity_paths.filter(pl.col("path") < 500)
    assert short.equity_paths.sort(["entity", "path"]).equals(prefix.sort(["entity", "path"]))


def test_stored_run_round_trip(store, quick):
    stored = simulate_and_store(store, quick, paths=600, seed=5, chunk_size=300, depletion_target=0.05)
    run = store.runs.get(stored.run_id)
    assert run.status is RunStatus.SUCCEEDED
    assert int(run.seed) == 5 and run.n_paths == 600
    names = {t.name for t in store.runs.tables(stored.run_id)}
    assert {"equity_summary", "equity_fans", "equity_quantiles", "credit_loss_measures",
            "credit_pool_summary", "credit_pool_sizing"} <= names
    back = store.runs.load_table(stored.run_id, "equity_summary")
    assert back.select("entity", "tvpi_p50").equals(stored.result.equity_summary().select("entity", "tvpi_p50"))
    paths = store.runs.load_array(stored.run_id, "equity_paths")
    assert paths.equals(stored.result.equity_paths)
    assert store.scenarios.get(stored.scenario_id).content == quick.text


def test_failed_simulation_is_recorded_not_half_stored(store, quick, monkeypatch):
    from fundsvc.simulation import service

    def boom(*a, **k):
        raise RuntimeError("engine exploded in chunk 3")

    monkeypatch.setattr(service, "run_simulation", boom)
    with pytest.raises(RuntimeError):
        simulate_and_store(store, quick, paths=100, seed=1)
    run = store.runs.list(limit=1)[0]
    assert run.status is RunStatus.FAILED
    assert "engine exploded in chunk 3" in run.error
    assert store.runs.tables(run.id) == []


def test_processes_match_serial(quick):
    compiled = compile_scenario(quick.scenario)
    a = run_simulation(compiled, paths=900, seed=3, chunk_size=300)
    b = run_simulation(compiled, paths=900, seed=3, chunk_size=300, executor="processes", workers=2)
    assert a.equity_paths.equals(b.equity_paths)
    assert a.credit_paths.equals(b.credit_paths)
    for k in a.credit_tables:
        assert a.credit_tables[k].equals(b.credit_tables[k]), k


def test_cli_simulate_stores_and_prints(tmp_path, monkeypatch):
    monkeypatch.setenv("FUNDSVC_DATA_DIR", str(tmp_path / "d"))
    app = build_app()
    r = CliRunner(env={"COLUMNS": "200"}).invoke(app, ["simulate", "quick", "--paths", "400", "--seed", "9"])
    assert r.exit_code == 0, r.output
    assert "✓ run 1" in r.output
    assert "TVPI" in r.output and "IRR" in r.output and "VaR 99.9%" in r.output
    assert "city-ip" in r.output
    r = CliRunner(env={"COLUMNS": "200"}).invoke(app, ["runs", "list"])
    assert r.exit_code == 0 and "succeeded" in r.output


def test_cli_simulate_bad_options(tmp_path, monkeypatch):
    monkeypatch.setenv("FUNDSVC_DATA_DIR", str(tmp_path / "d"))
    r = CliRunner().invoke(build_app(), ["simulate", "quick", "--paths", "0", "--depletion-target", "2"])
    assert r.exit_code == 2
    assert "--paths" in r.output and "--depletion-target" in r.output
    assert "Traceback" not in r.output
