"""A streamed run is stored from its Parquet parts (never loaded whole), and ``fundsvc simulate
--dask ADDRESS`` runs on a cluster with the same answer as a local run."""

from __future__ import annotations

import pytest
from polars.testing import assert_frame_equal
from typer.testing import CliRunner

from fundsvc.inputs.bundled import resolve_scenario
from fundsvc.inputs.loader import load_scenario
from fundsvc.simulation.service import simulate_and_store
from fundsvc.store import Store
from fundsvc.store.tables import RunStatus

KW = {"paths": 1500, "seed": 3, "chunk_size": 500}


def test_streamed_run_stored_from_parts(store, tmp_path):
    loaded = load_scenario(resolve_scenario("quick"))
    mem = simulate_and_store(store, loaded, **KW)
    streamed = simulate_and_store(store, loaded, keep_paths_in_memory=False, **KW)
    assert streamed.result.streamed and not streamed.result.spool_dir.exists()  # parts merged, then deleted
    assert store.runs.get(streamed.run_id).status is RunStatus.SUCCEEDED
    for name in ("equity_paths", "equity_indicators", "credit_paths"):
        a = store.runs.load_array(mem.run_id, name)
        b = store.runs.load_array(streamed.run_id, name)
        assert_frame_equal(a, b, check_exact=True)
        info = {x.name: x for x in store.runs.artifacts(streamed.run_id)}[name]
        assert info.n_rows == b.height
    for t in store.runs.tables(mem.run_id):
        assert_frame_equal(store.runs.load_table(mem.run_id, t.name), store.runs.load_table(streamed.run_id, t.name),
                           check_exact=True)


def test_cli_simulate_dask(dask_cluster, tmp_path):
    from fundsvc.cli import app as appmod
    from fundsvc.cli import simulate as simulate_cli

    cluster, _client = dask_cluster
    app = appmod.build_app()
    if "simulate" not in {c.name for c in app.registered_commands}:
        simulate_cli.register(app)
    runner = CliRunner()
    data = tmp_path / "data"
    args = ["simulate", "quick", "--paths", "1000", "--seed", "4", "--chunk-size", "250", "--data-dir", str(data)]
    res = runner.invoke(app, [*args, "--dask", cluster.scheduler_address])
    assert res.exit_code == 0, res.output
    res_local = runner.invoke(app, args)
    assert res_local.exit_code == 0, res_local.output
    from fundsvc.settings import get_settings

    with Store.open(get_settings(data_dir=data)) as st:
        runs = st.runs.list()
        dask_run, local_run = runs[1], runs[0]
        assert dask_run.executor == "dask" and local_run.executor == "serial"
        for t in st.runs.tables(local_run.id):
            assert_frame_equal(st.runs.load_table(dask_run.id, t.name), st.runs.load_table(local_run.id, t.name),
                               check_exact=True)


def test_cli_dask_unreachable_is_a_clean_error(tmp_path):
    pytest.importorskip("distributed")
    from fundsvc.cli import app as appmod
    from fundsvc.cli import simulate as simulate_cli

    app = appmod.build_app()
    if "simulate" not in {c.name for c in app.registered_commands}:
        simulate_cli.register(app)
    import dask

    with dask.config.set({"distributed.comm.timeouts.connect": "2s"}):
        res = CliRunner().invoke(app, ["simulate", "quick", "--paths", "100", "--data-dir", str(tmp_path / "d"),
                                       "--dask", "tcp://127.0.0.1:9"])
    assert res.exit_code != 0
    assert "Traceback" not in res.output
    assert "Dask scheduler" in res.output
