"""Fault injection: ``kill -9`` at several points of a run, a full disk, a database that is down.

After each fault, and the restart that follows, no run is left ``running``, no temporary file
(``runs/<id>/.*.parquet.tmp-*``) or spool folder (``$TMPDIR/fundsvc-run-*``) is left behind, and
nothing partial is stored (a run that did not succeed has no table, artifact row or folder).
The points are reached for real (``fundsvc.faults``: the process pauses there and the test sends
SIGKILL to it).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from fundsvc.inputs.loader import load_scenario
from fundsvc.queue import WorkerPool, submit
from fundsvc.store import RunStatus, Store

POINTS = ("claimed", "chunk", "tmp-written", "before-commit")
CLI = [sys.executable, "-c", "from fundsvc.cli.app import main; main()"]


def wait_for(predicate, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.05)


def signal_pid(folder: Path, name: str) -> int | None:
    path = folder / name
    if path.exists() and path.read_text().strip():
        return int(path.read_text())
    return None


def assert_clean(store: Store, spool_root: Path) -> None:
    """No run running, no temp file or spool left, nothing partial stored."""
    runs = store.runs.list(limit=None)
    assert not [r.id for r in runs if r.status is RunStatus.RUNNING]
    data = store.data_dir
    assert not list(data.rglob("*.tmp-*")), list(data.rglob("*.tmp-*"))
    assert not list(spool_root.glob("fundsvc-run-*"))
    for run in runs:
        if run.status is not RunStatus.SUCCEEDED:
            assert store.runs.tables(run.id) == [] and store.runs.artifacts(run.id) == []
            assert not (data / run.artifact_dir).exists()


def test_kill_9_of_a_worker_process_at_each_point(queue_store, scenarios_dir, spool_root, tmp_path, monkeypatch):
    loaded = load_scenario(scenarios_dir / "quick.toml")
    ids = [submit(queue_store, loaded, paths=20, chunk_size=10, seed=i, depletion_target=None)
           for i in range(len(POINTS) + 1)]
    signals = tmp_path / "signals"
    signals.mkdir()
    monkeypatch.setenv("FUNDSVC_FAULT", ";".join(f"{p}:pause@{i}" for p, i in zip(POINTS, ids, strict=False)))
    monkeypatch.setenv("FUNDSVC_FAULT_SIGNAL", str(signals))
    pool = WorkerPool(queue_store.settings, 2)
    thread = threading.Thread(target=pool.run, kwargs={"until_idle": True, "max_seconds": 180}, daemon=True)
    thread.start()
    try:
        for point, run_id in zip(POINTS, ids, strict=False):
            name = f"{point}-{run_id}"
            pid = wait_for(lambda name=name: signal_pid(signals, name), 90, f"run {run_id} at {point}")
            if point == "tmp-written":  # the half-written file really is there when the process dies
                assert list(queue_store.data_dir.rglob("*.tmp-*"))
            if point == "chunk":
                assert list(spool_root.glob(f"fundsvc-run-{pid}-r{run_id}-*"))
            os.kill(pid, signal.SIGKILL)
    finally:
        thread.join(180)
        pool.stop()
    assert not thread.is_alive()
    runs = {r.id: r for r in queue_store.runs.list(limit=None)}
    for run_id in ids[:-1]:
        assert runs[run_id].status is RunStatus.FAILED
        assert "is gone" in runs[run_id].error and "killed or crashed" in runs[run_id].error
    assert runs[ids[-1]].status is RunStatus.SUCCEEDED  # the pool carried on
    assert_clean(queue_store, spool_root)


def _start(args, env):
    return subprocess.Popen([*CLI, *args], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def test_kill_9_of_the_supervisor_and_of_a_cli_simulate(queue_store, scenarios_dir, spool_root, tmp_path):
    """SIGKILL to ``fundsvc worker`` (its worker process then exits by itself) and to a
    ``fundsvc simulate`` mid-run; the next start of the CLI recovers both runs."""
    data = str(queue_store.data_dir)
    queued = submit(queue_store, load_scenario(scenarios_dir / "quick.toml"), paths=20, chunk_size=10, seed=3)
    signals = tmp_path / "signals"
    signals.mkdir()
    env = os.environ | {"FUNDSVC_FAULT": "chunk:pause", "FUNDSVC_FAULT_SIGNAL": str(signals),
                        "FUNDSVC_DATA_DIR": data, "TMPDIR": str(spool_root),
                        "PYTHONPATH": os.pathsep.join(sys.path)}
    worker = _start(["worker", "-p", "1"], env)
    cli = _start(["simulate", str(scenarios_dir / "quick.toml"), "--paths", "20", "--chunk-size", "10"], env)
    try:
        child = wait_for(lambda: signal_pid(signals, f"chunk-{queued}"), 120, "the worker's run at a chunk")
        wait_for(lambda: signal_pid(signals, f"chunk-{cli.pid}"), 120, "the CLI run at a chunk")
        worker.send_signal(signal.SIGKILL)
        cli.send_signal(signal.SIGKILL)
        worker.wait(10)
        cli.wait(10)
        assert "Traceback" not in cli.stderr.read().decode()
        from fundsvc.queue.recovery import pid_alive

        wait_for(lambda: not pid_alive(child), 10, "the orphaned worker process to exit")
    finally:
        for proc in (worker, cli):
            if proc.poll() is None:
                proc.kill()
    assert {r.status for r in queue_store.runs.list(limit=None)} == {RunStatus.RUNNING}
    restarted = subprocess.run(check=False, args=[*CLI, "runs", "list"], env=env | {"FUNDSVC_FAULT": ""}, capture_output=True,
                               text=True, timeout=120)
    assert restarted.returncode == 0, restarted.stderr
    runs = queue_store.runs.list(limit=None)
    assert {r.status for r in runs} == {RunStatus.FAILED}
    assert all("is gone" in r.error for r in runs)
    assert_clean(queue_store, spool_root)


@pytest.mark.parametrize("scenario", ["quick.toml", "upload_ta.toml"])
def test_disk_full_while_storing_is_a_clean_error(queue_store, scenarios_dir, spool_root, monkeypatch, scenario):
    """ENOSPC when a Parquet file is written (fault hook): for quick.toml the loan book's file
    (before the run is recorded), for the self-contained upload_ta.toml the run's first artifact.
    Exit 2 with the reason, no traceback, the run (if recorded) failed, nothing left behind."""
    from typer.testing import CliRunner

    from fundsvc.cli.app import build_app

    path = scenarios_dir / scenario if scenario == "quick.toml" else \
        Path(__file__).parents[1] / "dashboards" / "data" / scenario
    monkeypatch.setenv("FUNDSVC_FAULT", "tmp-written:enospc")
    result = CliRunner().invoke(build_app(), ["simulate", str(path), "--paths", "20",
                                              "--data-dir", str(queue_store.data_dir)])
    text = result.output + result.stderr
    assert result.exit_code == 2 and "No space left on device" in text and "Traceback" not in text, text
    runs = queue_store.runs.list(limit=None)
    if scenario == "quick.toml":
        assert runs == [] and queue_store.loan_books.list() == []
    else:
        (run,) = runs
        assert run.status is RunStatus.FAILED and "No space left" in run.error
    assert_clean(queue_store, spool_root)


def _can_mount_tmpfs() -> bool:
    try:
        return subprocess.run(check=False, args=["unshare", "-rm", "sh", "-c", "mount -t tmpfs -o size=64k tmpfs /mnt"],
                              capture_output=True, timeout=10).returncode == 0
    except (OSError, subprocess.SubprocessError):
        return False


@pytest.mark.skipif(not _can_mount_tmpfs(), reason="cannot mount a tmpfs in a user namespace here")
def test_disk_full_on_a_real_small_tmpfs(tmp_path, scenarios_dir):
    """A 600 kB tmpfs as the data directory (own mount namespace): the run fails cleanly, the
    database is left consistent, a later `runs list` on the same full disk works and shows no
    run running; then the read-only remount still lists the runs."""
    mnt = tmp_path / "mnt"
    mnt.mkdir()
    py = " ".join(CLI[:2]) + ' "' + CLI[2] + '"'
    script = f"""
set -u
mount -t tmpfs -o size=600k tmpfs {mnt}
{py} simulate {scenarios_dir / 'quick.toml'} --paths 3000 --data-dir {mnt} > {tmp_path}/sim.out 2> {tmp_path}/sim.err
echo "simulate=$?"
{py} runs list --data-dir {mnt} > {tmp_path}/list.out 2>&1
echo "list=$?"
find {mnt} -name '*.tmp-*' | wc -l | sed 's/^/tmpfiles=/'
mount -o remount,ro {mnt}
{py} runs list --data-dir {mnt} > {tmp_path}/ro.out 2>&1
echo "ro_list=$?"
"""
    env = os.environ | {"PYTHONPATH": os.pathsep.join(sys.path), "COLUMNS": "200"}
    out = subprocess.run(check=False, args=["unshare", "-rm", "sh", "-c", script], capture_output=True, text=True, env=env,
                         timeout=300)
    codes = dict(line.split("=") for line in out.stdout.split() if "=" in line)
    err = (tmp_path / "sim.err").read_text()
    assert codes["simulate"] == "2", (out.stdout, out.stderr, err)
    assert "Traceback" not in err and ("No space left" in err or "disk is full" in err), err
    listing = (tmp_path / "list.out").read_text()
    assert codes["list"] == "0" and "failed" in listing and "running" not in listing, listing
    assert codes["tmpfiles"] == "0"
    ro = (tmp_path / "ro.out").read_text()
    assert codes["ro_list"] == "0" and "failed" in ro, ro


def test_database_down_is_retried_then_a_clean_error(tmp_path, monkeypatch):
    """A PostgreSQL server that does not answer: the CLI retries with back-off for
    FUNDSVC_DB_RETRY_SECONDS, then exits 2 naming the (redacted) URL -- no traceback."""
    import socket

    from typer.testing import CliRunner

    from fundsvc.cli.app import build_app

    with socket.socket() as s:  # a free port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    monkeypatch.setenv("FUNDSVC_DB_RETRY_SECONDS", "1.5")
    monkeypatch.setenv("FUNDSVC_DATABASE_URL", f"postgresql://fundsvc:secret@127.0.0.1:{port}/fundsvc")
    started = time.monotonic()
    result = CliRunner().invoke(build_app(), ["runs", "list"])
    took = time.monotonic() - started
    text = result.output + result.stderr
    assert result.exit_code == 2 and "cannot connect to the database" in text, text
    assert "secret" not in text and "Traceback" not in text
    assert took >= 1.5  # it did wait for the database to come back


def test_retry_reaches_a_database_that_comes_back(queue_store):
    """The back-off loop itself: connection failures are retried until the action succeeds."""
    from sqlalchemy import exc as sa_exc

    from fundsvc.store.engine import with_retry

    calls = []

    def flaky():
        calls.append(time.monotonic())
        if len(calls) < 3:
            raise sa_exc.OperationalError("connect", {}, Exception("connection refused: server closed"))
        return "ok"

    assert with_retry(flaky, queue_store.engine, 5.0) == "ok"
    assert len(calls) == 3 and calls[2] - calls[0] >= 0.25 + 0.5 - 0.05  # 0.25 s, then 0.5 s
    with pytest.raises(sa_exc.OperationalError):
        with_retry(lambda: (_ for _ in ()).throw(
            sa_exc.OperationalError("x", {}, Exception("connection refused"))), queue_store.engine, 0.3)
    bad_sql = sa_exc.ProgrammingError("x", {}, Exception("syntax error"))
    with pytest.raises(sa_exc.ProgrammingError):  # not a connection failure: no retry
        with_retry(lambda: (_ for _ in ()).throw(bad_sql), queue_store.engine, 5.0)
