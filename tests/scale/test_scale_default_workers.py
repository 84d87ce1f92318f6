"""``fundsvc simulate`` uses both cores by default when a run is big enough to gain, and the
stored run is bit-identical to the one run in this process (``--workers 1``)."""

from __future__ import annotations

from polars.testing import assert_frame_equal
from typer.testing import CliRunner

from fundsvc.simulation import runner as runner_mod
from fundsvc.simulation.runner import MIN_PARALLEL_PATHS, default_workers
from fundsvc.store import Store


def test_default_workers_rule():
    assert default_workers(10_000, 10_000, cpus=2) == 1  # one chunk: nothing to share
    assert default_workers(MIN_PARALLEL_PATHS - 1, 1_000, cpus=2) == 1  # small: start-up would cost more
    assert default_workers(100_000, 10_000, cpus=2) == 2
    assert default_workers(100_000, 10_000, cpus=1) == 1
    assert default_workers(25_000, 10_000, cpus=8) == 3  # at most one per chunk


def test_cli_default_uses_processes_bit_identical(tmp_path, monkeypatch):
    from fundsvc.cli import app as appmod
    from fundsvc.cli import simulate as simulate_cli
    from fundsvc.settings import get_settings

    monkeypatch.setattr(runner_mod, "MIN_PARALLEL_PATHS", 1_000)  # a small run counts as big here
    monkeypatch.setattr(runner_mod.os, "cpu_count", lambda: 2)
    app = appmod.build_app()
    if "simulate" not in {c.name for c in app.registered_commands}:
        simulate_cli.register(app)
    cli = CliRunner()
    data = tmp_path / "data"
    args = ["simulate", "quick", "--paths", "1500", "--seed", "8", "--chunk-size", "500", "--data-dir", str(data)]
    res_default = cli.invoke(app, args)
    assert res_default.exit_code == 0, res_default.output
    res_serial = cli.invoke(app, [*args, "--workers", "1"])
    assert res_serial.exit_code == 0, res_serial.output
    with Store.open(get_settings(data_dir=data)) as st:
        serial_run, default_run = st.runs.list()[:2]
        assert default_run.executor == "processes" and serial_run.executor == "serial"
        assert default_run.parameters["workers"] == 2
        names = [t.name for t in st.runs.tables(serial_run.id)]
        assert names == [t.name for t in st.runs.tables(default_run.id)]
        for name in names:
            if name == "precision":
                continue
            assert_frame_equal(st.runs.load_table(default_run.id, name), st.runs.load_table(serial_run.id, name),
                               check_exact=True)
        for a in st.runs.artifacts(serial_run.id):
            assert_frame_equal(st.runs.load_array(default_run.id, a.name), st.runs.load_array(serial_run.id, a.name),
                               check_exact=True)
