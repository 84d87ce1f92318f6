"""A Dask worker killed mid-run: the run recovers with bit-identical results, or fails cleanly
(status failed, reason stored, no tables or files) — never a succeeded run with partial results.

The worker is killed for real (SIGKILL to its process, found through the scheduler) from the
progress callback after the first chunk, picking a worker that has chunks assigned.
"""

from __future__ import annotations

import os
import signal
import tempfile

import pytest
from polars.testing import assert_frame_equal

from fundsvc.inputs.bundled import resolve_scenario
from fundsvc.inputs.loader import load_scenario
from fundsvc.simulation import Executor, compile_scenario, run_simulation
from fundsvc.simulation.service import simulate_and_store
from fundsvc.store.tables import RunStatus

distributed = pytest.importorskip("distributed")
dask = pytest.importorskip("dask")

KW = {"paths": 3000, "seed": 5, "chunk_size": 500}


def _kill_busy_worker(client) -> int:
    """SIGKILL a worker process that has tasks assigned (or any worker); return its pid."""
    pids = client.run(os.getpid)
    busy = [w for w, keys in client.processing().items() if keys and w in pids]
    victim = busy[0] if busy else next(iter(pids))
    os.kill(pids[victim], signal.SIGKILL)
    return pids[victim]


def _cluster(allowed_failures: int):
    with dask.config.set({"distributed.scheduler.allowed-failures": allowed_failures}):
        cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                           dashboard_address=None, silence_logs=50)
    return cluster, distributed.Client(cluster, set_as_default=False)


def _run_with_kill(store, cluster, client, monkeypatch, tmp_path):
    monkeypatch.setenv("FUNDSVC_DASK_ADDRESS", cluster.scheduler_address)
    spool = tmp_path / "spool"
    spool.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(spool))
    killed = []

    def progress(done, total):
        if not killed:
            killed.append(_kill_busy_worker(client))

    loaded = load_scenario(resolve_scenario("quick"))
    try:
        stored = simulate_and_store(store, loaded, executor=Executor.DASK, progress=progress, **KW)
        error = None
    except Exception as exc:
        stored, error = None, exc
    assert killed, "no worker was killed"
    assert list(spool.iterdir()) == [], "the run's spool directory was left behind"
    run = store.runs.list(limit=1)[0]
    return run, stored, error


def _assert_recovered(store, run, stored):
    assert run.status is RunStatus.SUCCEEDED
    serial = run_simulation(compile_scenario(load_scenario(resolve_scenario("quick")).scenario), **KW)
    for name, frame in serial.tables().items():
        assert_frame_equal(store.runs.load_table(run.id, name), frame, check_exact=True)
        assert_frame_equal(stored.result.tables()[name], frame, check_exact=True)
    for name, frame in serial.arrays().items():
        assert_frame_equal(store.runs.load_array(run.id, name), frame, check_exact=True)


def test_killed_worker_recovers_bit_identical(store, monkeypatch, tmp_path):
    """Default retries: the killed worker's chunks are rescheduled; the answer is unchanged."""
    cluster, client = _cluster(allowed_failures=3)
    try:
        run, stored, error = _run_with_kill(store, cluster, client, monkeypatch, tmp_path)
    finally:
        client.close()
        cluster.close()
    assert error is None, f"run failed although the scheduler may retry: {error!r}"
    _assert_recovered(store, run, stored)


def test_killed_worker_without_retries_fails_cleanly(store, monkeypatch, tmp_path):
    """No retries allowed: the run is marked failed with the reason and stores nothing."""
    cluster, client = _cluster(allowed_failures=0)
    try:
        run, stored, error = _run_with_kill(store, cluster, client, monkeypatch, tmp_path)
    finally:
        client.close()
        cluster.close()
    if error is None:  # the victim had finished its chunks before it died: must then be complete
        _assert_recovered(store, run, stored)
        pytest.skip("the killed worker held no running chunk; the run completed (checked bit for bit)")
    assert run.status is RunStatus.FAILED
    assert "KilledWorker" in (run.error or "")
    assert store.runs.tables(run.id) == []
    assert store.runs.artifacts(run.id) == []
    assert not (store.data_dir / run.artifact_dir).exists()
