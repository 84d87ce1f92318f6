"""Concurrent writers on one SQLite file: four ``fundsvc simulate`` processes started at once all
complete (WAL + ``BEGIN IMMEDIATE``: writers wait for each other on the busy timeout instead of
failing with "database is locked"), and their runs are all stored complete."""

from __future__ import annotations

import os
import subprocess
import sys

from fundsvc.store import RunStatus, Store

CLI = [sys.executable, "-c", "from fundsvc.cli.app import main; main()"]


def test_four_concurrent_simulate_on_one_sqlite_file_all_complete(tmp_path, scenarios_dir):
    from fundsvc.settings import get_settings

    data = tmp_path / "data"
    env = os.environ | {"PYTHONPATH": os.pathsep.join(sys.path), "FUNDSVC_DATA_DIR": str(data),
                        "TMPDIR": str(tmp_path)}
    procs = [subprocess.Popen([*CLI, "simulate", str(scenarios_dir / "quick.toml"), "--paths", "50",
                               "--seed", str(seed)], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              text=True) for seed in range(4)]
    outs = [p.communicate(timeout=300) for p in procs]
    for proc, (out, err) in zip(procs, outs, strict=True):
        assert proc.returncode == 0, err
        assert "locked" not in err and "Traceback" not in err
    with Store.open(get_settings(data_dir=data, database_url=None)) as store:
        runs = store.runs.list(limit=None)
        assert len(runs) == 4 and {r.status for r in runs} == {RunStatus.SUCCEEDED}
        assert sorted(r.seed for r in runs) == [0, 1, 2, 3]
        assert all(store.runs.artifacts(r.id) and store.runs.tables(r.id) for r in runs)
        assert len(store.scenarios.list()) == 1  # the same scenario, stored once by four writers
