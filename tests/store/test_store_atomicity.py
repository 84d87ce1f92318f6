"""A write that fails, is interrupted, or whose process is killed leaves no partial run.

These tests use ``fresh_store`` (real commits, not the rolled-back ``store``) and check the
database through a separate engine, so they see exactly what another process would see.
"""

from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import polars as pl
import pytest
import sqlalchemy as sa

import fundsvc.store.runs as runs_module
from fundsvc.errors import StoreError
from fundsvc.store import RunStatus, Store
from fundsvc.store.engine import make_engine


def results() -> tuple[dict[str, pl.DataFrame], dict[str, pl.DataFrame]]:
    tables = {"summary": pl.DataFrame({"q": [0.05, 0.5], "irr": [-0.1, 0.08]}),
              "by_year": pl.DataFrame({"year": [2025, 2026], "calls_cny": [1e8, 2e8]})}
    arrays = {"irr": pl.DataFrame({"irr": [0.01 * i for i in range(500)]}),
              "nav_cny": pl.DataFrame({"t1": [1e6] * 500, "t2": [2e6] * 500})}
    return tables, arrays


def running_run(store: Store) -> int:
    scenario_id = store.scenarios.add("demo", "x = 1\n").id
    run_id = store.runs.create(scenario_id, seed=5, n_paths=500)
    store.runs.mark_running(run_id)
    return run_id


def outside_view(store: Store, run_id: int) -> dict[str, object]:
    """Status and child-row counts as a separate connection sees them."""
    engine = make_engine(store.settings)
    try:
        with engine.connect() as connection:
            def count(table: str) -> int:
                return connection.execute(
                    sa.text(f"SELECT count(*) FROM {table} WHERE run_id = :r"), {"r": run_id}
                ).scalar_one()
            status, error = connection.execute(
                sa.text("SELECT status, error FROM runs WHERE id = :r"), {"r": run_id}).one()
            return {"status": status, "error": error, "run_tables": count("run_tables"),
                    "run_artifacts": count("run_artifacts")}
    finally:
        engine.dispose()


def files_under(directory: Path) -> list[Path]:
    return sorted(p for p in directory.rglob("*") if p.is_file() and p.suffix != ".sqlite"
                  and not p.name.endswith(("-wal", "-shm")))


def interrupt_after(monkeypatch: pytest.MonkeyPatch, step: str, exc: BaseException) -> None:
    """Make the named step of the completing transaction run, then raise ``exc``."""
    original = getattr(runs_module, step)

    def step_then_fail(*args, **kwargs):
        original(*args, **kwargs)
        raise exc

    monkeypatch.setattr(runs_module, step, step_then_fail)


@pytest.mark.parametrize("step", ["_insert_table_rows", "_insert_artifact_rows",
                                  "_flip_to_succeeded"])
def test_failure_half_way_leaves_no_partial_run(fresh_store: Store, monkeypatch, step) -> None:
    run_id = running_run(fresh_store)
    tables, arrays = results()
    interrupt_after(monkeypatch, step, RuntimeError("disk on fire"))
    with pytest.raises(RuntimeError, match="disk on fire"):
        fresh_store.runs.complete(run_id, tables, arrays, timings={"simulate": 1.0})
    view = outside_view(fresh_store, run_id)
    assert view == {"status": "failed", "run_tables": 0, "run_artifacts": 0,
                    "error": "storing the results failed: RuntimeError: disk on fire"}
    assert files_under(fresh_store.data_dir) == []  # no orphan or temporary files


def test_keyboard_interrupt_at_commit_leaves_no_partial_run(fresh_store: Store,
                                                            monkeypatch) -> None:
    run_id = running_run(fresh_store)
    interrupt_after(monkeypatch, "_flip_to_succeeded", KeyboardInterrupt())
    with pytest.raises(KeyboardInterrupt):
        fresh_store.runs.complete(run_id, *results())
    view = outside_view(fresh_store, run_id)
    assert view["status"] == "failed"
    assert view["error"] == "interrupted (KeyboardInterrupt) while storing the results"
    assert (view["run_tables"], view["run_artifacts"]) == (0, 0)
    assert files_under(fresh_store.data_dir) == []


def test_failure_while_writing_the_second_file_removes_the_first(fresh_store: Store,
                                                                 monkeypatch) -> None:
    run_id = running_run(fresh_store)
    original = runs_module.write_parquet_atomic
    calls = []

    def second_write_fails(frame, path):
        calls.append(path)
        if len(calls) == 2:
            raise StoreError(f"cannot write {path}: No space left on device")
        return original(frame, path)

    monkeypatch.setattr(runs_module, "write_parquet_atomic", second_write_fails)
    with pytest.raises(StoreError, match="No space left"):
        fresh_store.runs.complete(run_id, *results())
    assert calls[0].parent.is_relative_to(fresh_store.data_dir)
    assert not calls[0].exists()
    view = outside_view(fresh_store, run_id)
    assert view["status"] == "failed" and "No space left on device" in view["error"]
    assert files_under(fresh_store.data_dir) == []


def test_unstorable_table_fails_the_run_cleanly(fresh_store: Store) -> None:
    run_id = running_run(fresh_store)
    tables, arrays = results()
    tables["nested"] = pl.DataFrame({"paths": [[1, 2], [3]]})
    with pytest.raises(StoreError, match="table 'nested' column 'paths'"):
        fresh_store.runs.complete(run_id, tables, arrays)
    view = outside_view(fresh_store, run_id)
    assert view["status"] == "failed" and (view["run_tables"], view["run_artifacts"]) == (0, 0)
    assert files_under(fresh_store.data_dir) == []


def test_success_is_visible_from_another_connection(fresh_store: Store) -> None:
    """Control for the tests above: the same checks do see a completed run."""
    run_id = running_run(fresh_store)
    fresh_store.runs.complete(run_id, *results())
    view = outside_view(fresh_store, run_id)
    assert (view["status"], view["run_tables"], view["run_artifacts"]) == ("succeeded", 2, 2)
    assert len(files_under(fresh_store.data_dir)) == 2


CHILD = textwrap.dedent("""
    import sys, time
    from pathlib import Path
    import polars as pl
    import fundsvc.store.runs as runs_module
    from fundsvc.settings import get_settings
    from fundsvc.store import Store

    data_dir, url, run_id, marker = sys.argv[1], sys.argv[2], int(sys.argv[3]), Path(sys.argv[4])
    original = runs_module._insert_artifact_rows

    def insert_then_hang(*args, **kwargs):
        original(*args, **kwargs)          # rows flushed, files renamed, not yet committed
        marker.write_text("ready")
        time.sleep(120)                    # the parent kills us here

    runs_module._insert_artifact_rows = insert_then_hang
    store = Store.open(get_settings(data_dir=data_dir, database_url=url))
    store.runs.mark_running(run_id)
    store.runs.complete(run_id, {"summary": pl.DataFrame({"x": [1.0]})},
                        {"irr": pl.DataFrame({"irr": [0.1] * 100})})
""")


def test_killed_process_leaves_a_running_run_that_mark_stale_cleans_up(
        fresh_store: Store, tmp_path: Path) -> None:
    scenario_id = fresh_store.scenarios.add("demo", "x = 1\n").id
    run_id = fresh_store.runs.create(scenario_id, seed=9, n_paths=100)
    marker = tmp_path / "ready"
    url = fresh_store.engine.url.render_as_string(hide_password=False)
    child = subprocess.Popen([sys.executable, "-c", CHILD, str(fresh_store.data_dir), url,
                              str(run_id), str(marker)], stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 60
        while not marker.exists():
            if child.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"child did not reach the write: {child.stderr.read()}")
            time.sleep(0.05)
        os.kill(child.pid, signal.SIGKILL)
    finally:
        child.wait(timeout=30)
        child.stderr.close()
    assert child.returncode == -signal.SIGKILL

    view = outside_view(fresh_store, run_id)
    assert (view["status"], view["run_tables"], view["run_artifacts"]) == ("running", 0, 0)
    leftovers = files_under(fresh_store.data_dir)
    assert [p.name for p in leftovers] == ["irr.parquet"]  # renamed but never committed

    assert fresh_store.runs.mark_stale_running_failed(dt.timedelta(0)) == [run_id]
    run = fresh_store.runs.get(run_id)
    assert run.status is RunStatus.FAILED
    assert f":{child.pid}" in run.error  # the dead worker is named
    assert files_under(fresh_store.data_dir) == []
