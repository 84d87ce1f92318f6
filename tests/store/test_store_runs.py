"""Run life cycle, transitions, listing, stale runs and checksum verification."""

from __future__ import annotations

import datetime as dt
import os

import numpy as np
import polars as pl
import pytest
import sqlalchemy as sa

from fundsvc.errors import InputError, NotFoundError, StoreError
from fundsvc.store import RunStatus, Store
from fundsvc.store.tables import Run
from fundsvc.store.types import utcnow


def new_run(store: Store, seed: int = 11, scenario: str = "demo") -> int:
    scenario_id = store.scenarios.add(scenario, f"name = '{scenario}'\n").id
    return store.runs.create(scenario_id, seed=seed, n_paths=100)


def finish(store: Store, run_id: int) -> None:
    store.runs.mark_running(run_id)
    store.runs.complete(run_id, {"summary": pl.DataFrame({"p50": [0.1]})},
                        {"irr": pl.DataFrame({"irr": np.linspace(-1, 1, 100)})},
                        timings={"simulate": 0.2})


def test_lifecycle_queued_running_succeeded(store: Store) -> None:
    run_id = new_run(store)
    queued = store.runs.get(run_id)
    assert queued.status is RunStatus.QUEUED
    assert queued.started_at is None and queued.duration is None
    running = store.runs.mark_running(run_id)
    assert running.status is RunStatus.RUNNING
    assert running.worker is not None and running.worker.endswith(f":{os.getpid()}")
    assert running.started_at >= queued.created_at
    store.runs.heartbeat(run_id)
    assert store.runs.get(run_id).heartbeat_at >= running.heartbeat_at
    finish_before = utcnow()
    store.runs.complete(run_id, {}, {}, timings={"simulate": 0.5})
    done = store.runs.get(run_id)
    assert done.status is RunStatus.SUCCEEDED
    assert done.finished_at >= finish_before
    assert done.duration == done.finished_at - done.started_at
    assert done.error is None


@pytest.mark.parametrize(("action", "message"), [
    ("complete_queued", "run .* is queued; only a running run can be completed"),
    ("running_twice", "is running, not queued"),
    ("fail_succeeded", "is succeeded, not queued or running"),
    ("heartbeat_succeeded", "is succeeded, not running"),
    ("complete_twice", "is succeeded; only a running run"),
])
def test_illegal_transitions_are_refused(store: Store, action: str, message: str) -> None:
    run_id = new_run(store)
    if action == "complete_queued":
        call = lambda: store.runs.complete(run_id, {}, {})
    elif action == "running_twice":
        store.runs.mark_running(run_id)
        call = lambda: store.runs.mark_running(run_id)
    else:
        finish(store, run_id)
        call = {"fail_succeeded": lambda: store.runs.fail(run_id, "x"),
                "heartbeat_succeeded": lambda: store.runs.heartbeat(run_id),
                "complete_twice": lambda: store.runs.complete(run_id, {}, {})}[action]
    before = store.runs.get(run_id)
    with pytest.raises(StoreError, match=message):
        call()
    assert store.runs.get(run_id) == before


def test_unknown_run_is_not_found(store: Store) -> None:
    for call in (lambda: store.runs.get(424242), lambda: store.runs.mark_running(424242),
                 lambda: store.runs.fail(424242, "x"), lambda: store.runs.load_table(424242, "a"),
                 lambda: store.runs.load_array(424242, "a")):
        with pytest.raises(NotFoundError, match="no run with id 424242"):
            call()


@pytest.mark.parametrize(("kwargs", "location"), [
    ({"seed": -1}, "seed"), ({"seed": 1.5}, "seed"), ({"seed": True}, "seed"),
    ({"n_paths": 0}, "n_paths"), ({"chunk_size": -3}, "chunk_size"),
])
def test_create_validates_its_arguments(store: Store, kwargs: dict, location: str) -> None:
    scenario_id = store.scenarios.add("demo", "x = 1\n").id
    arguments = {"seed": 1, "n_paths": 10} | kwargs
    with pytest.raises(InputError) as info:
        store.runs.create(scenario_id, **arguments)
    assert info.value.problems[0].location == location
    assert store.runs.list() == []


def test_create_needs_an_existing_scenario_and_loan_book(store: Store) -> None:
    with pytest.raises(NotFoundError, match="no scenario"):
        store.runs.create(999_999, seed=1, n_paths=10)
    scenario_id = store.scenarios.add("demo", "x = 1\n").id
    with pytest.raises(NotFoundError, match="no loan book"):
        store.runs.create(scenario_id, seed=1, n_paths=10, loan_book_id=999_999)


def test_fail_records_the_reason_and_removes_files(store: Store) -> None:
    run_id = new_run(store)
    run = store.runs.mark_running(run_id)
    stray = store.data_dir / run.artifact_dir / "partial.parquet"
    stray.parent.mkdir(parents=True)
    stray.write_bytes(b"half a file")
    failed = store.runs.fail(run_id, "venture engine: negative NAV")
    assert failed.status is RunStatus.FAILED
    assert failed.error == "venture engine: negative NAV"
    assert failed.finished_at is not None
    assert not stray.parent.exists()
    # a queued run can fail too (e.g. rejected before start)
    assert store.runs.fail(new_run(store, seed=2), "cancelled").status is RunStatus.FAILED


def test_list_orders_newest_first_and_filters(store: Store) -> None:
    ids = [new_run(store, seed=s, scenario=f"s{s % 2}") for s in range(5)]
    finish(store, ids[1])
    store.runs.mark_running(ids[2])
    store.runs.fail(ids[3], "boom")
    assert [r.id for r in store.runs.list()] == ids[::-1]
    assert [r.id for r in store.runs.list(limit=2)] == ids[:-3:-1]
    assert [r.id for r in store.runs.list(status=RunStatus.QUEUED)] == [ids[4], ids[0]]
    assert [r.id for r in store.runs.list(status="failed")] == [ids[3]]
    s1 = store.scenarios.get_by_name("s1").id
    assert [r.id for r in store.runs.list(scenario_id=s1)] == [ids[3], ids[1]]
    assert {r.scenario_name for r in store.runs.list()} == {"s0", "s1"}


def test_missing_table_or_artifact_lists_what_exists(store: Store) -> None:
    run_id = new_run(store)
    finish(store, run_id)
    with pytest.raises(NotFoundError, match=r"no table 'p99' \(tables: summary\)"):
        store.runs.load_table(run_id, "p99")
    with pytest.raises(NotFoundError, match=r"no artifact 'nav' \(artifacts: irr\)"):
        store.runs.load_array(run_id, "nav")


def test_altered_artifact_is_detected(store: Store) -> None:
    run_id = new_run(store)
    finish(store, run_id)
    path = store.runs.artifact_path(run_id, "irr")
    original = path.read_bytes()
    # rewrite with different but valid Parquet content: still readable, but not what was stored
    pl.DataFrame({"irr": np.linspace(-1, 1, 100) * 2}).write_parquet(path)
    assert path.read_bytes() != original
    with pytest.raises(StoreError, match=r"artifact 'irr' of run \d+: .* altered or corrupted"):
        store.runs.load_array(run_id, "irr")
    path.write_bytes(original)
    assert store.runs.load_array(run_id, "irr").height == 100  # restored: verifies again


def test_missing_artifact_file_is_reported(store: Store) -> None:
    run_id = new_run(store)
    finish(store, run_id)
    store.runs.artifact_path(run_id, "irr").unlink()
    with pytest.raises(StoreError, match="is missing"):
        store.runs.load_array(run_id, "irr")


def _went_silent(store: Store, run_id: int, ago: dt.timedelta) -> None:
    """Pretend the run's process last reported ``ago`` (as a killed worker would)."""
    with store.session() as session:
        session.execute(sa.update(Run).where(Run.id == run_id).values(
            started_at=utcnow() - 2 * ago, heartbeat_at=utcnow() - ago))


def test_mark_stale_fails_only_silent_running_runs(store: Store) -> None:
    silent, alive, queued, done = (new_run(store, seed=s) for s in range(4))
    for run_id in (silent, alive):
        store.runs.mark_running(run_id)
    finish(store, done)
    dead_dir = store.data_dir / store.runs.get(silent).artifact_dir
    dead_dir.mkdir(parents=True)
    (dead_dir / "irr.parquet").write_bytes(b"left by a killed process")
    _went_silent(store, silent, dt.timedelta(hours=2))
    store.runs.heartbeat(alive)

    assert store.runs.mark_stale_running_failed(dt.timedelta(hours=3)) == []
    assert store.runs.mark_stale_running_failed(dt.timedelta(hours=1)) == [silent]

    failed = store.runs.get(silent)
    assert failed.status is RunStatus.FAILED
    assert failed.error.startswith("abandoned: no heartbeat since")
    assert f":{os.getpid()}" in failed.error  # names the worker
    assert not dead_dir.exists()
    assert store.runs.get(alive).status is RunStatus.RUNNING
    assert store.runs.get(queued).status is RunStatus.QUEUED
    assert store.runs.get(done).status is RunStatus.SUCCEEDED
    assert store.runs.load_array(done, "irr").height == 100
    # an hour later nobody has heard from `alive` either
    later = utcnow() + dt.timedelta(hours=1)
    assert store.runs.mark_stale_running_failed(dt.timedelta(minutes=30), now=later) == [alive]


def test_delete_refuses_a_running_run_without_force(store: Store) -> None:
    run_id = new_run(store)
    store.runs.mark_running(run_id)
    with pytest.raises(StoreError, match="is running"):
        store.runs.delete(run_id)
    store.runs.delete(run_id, force=True)
    assert store.runs.list() == []


def test_bad_timings_are_refused(store: Store) -> None:
    run_id = new_run(store)
    store.runs.mark_running(run_id)
    with pytest.raises(StoreError, match="finite seconds"):
        store.runs.complete(run_id, {}, {}, timings={"simulate": float("nan")})
    assert store.runs.get(run_id).status is RunStatus.FAILED
