"""The run queue end to end, with real worker processes on a SQLite file.

* twenty runs submitted at once from twenty threads run in queue order (priority, then age)
  with never more than the configured processes at once and an owner's ``max_running`` quota
  respected; ``max_queued`` refuses a submission at once and stores nothing;
* cancel stops a running run within seconds and stores it as cancelled, with no file left.
"""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from fundsvc.inputs.loader import load_scenario
from fundsvc.queue import Quota, QuotaExceeded, WorkerPool, cancel, queue_position, status, submit
from fundsvc.store import RunStatus

PROCESSES = 3


def _overlap(intervals) -> int:
    """Most intervals open at one instant."""
    events = sorted([(s, 1) for s, _ in intervals] + [(e, -1) for _, e in intervals])
    most = now = 0
    for _, step in events:
        now += step
        most = max(most, now)
    return most


def test_twenty_concurrent_starts_run_in_order_within_concurrency_and_quota(queue_store, scenarios_dir):
    loaded = load_scenario(scenarios_dir / "quick.toml")
    # (priority, owner) of the twenty runs; bank-a may run one at a time
    plan = [(5 if i % 5 == 0 else 0, "bank-a" if i % 4 == 1 else None) for i in range(20)]
    quota_a = Quota(max_running=1)

    def start(i):
        prio, owner = plan[i]
        return submit(queue_store, loaded, paths=20, seed=i, priority=prio, owner=owner,
                      quota=quota_a if owner else None, depletion_target=None)

    with ThreadPoolExecutor(20) as ex:  # twenty concurrent starts: none refused, none lost
        ids = list(ex.map(start, range(20)))
    assert sorted(ids) == list(range(min(ids), min(ids) + 20))
    assert queue_position(queue_store, max(ids)) is not None
    # max_queued: refused at once, nothing stored
    n_runs = len(queue_store.runs.list(limit=None))
    with pytest.raises(QuotaExceeded, match="quota 5"):
        submit(queue_store, loaded, paths=20, owner="bank-a", quota=Quota(max_queued=5))
    assert len(queue_store.runs.list(limit=None)) == n_runs

    WorkerPool(queue_store.settings, PROCESSES).run(until_idle=True, max_seconds=240)

    runs = {r.id: r for r in queue_store.runs.list(limit=None)}
    assert {runs[i].status for i in ids} == {RunStatus.SUCCEEDED}, [runs[i].error for i in ids]
    intervals = {i: (runs[i].started_at, runs[i].finished_at) for i in ids}
    assert _overlap(intervals.values()) <= PROCESSES
    bank_a = [i for i in ids if runs[i].owner == "bank-a"]
    assert _overlap([intervals[i] for i in bank_a]) == 1
    # order: the runs without a quota start by priority, then submission order
    free = [i for i in ids if runs[i].owner is None]
    by_start = sorted(free, key=lambda i: runs[i].started_at)
    assert by_start == sorted(free, key=lambda i: (-runs[i].priority, i))
    assert all(runs[i].worker and runs[i].queued for i in ids)


def test_cancel_stops_a_running_run_within_seconds(queue_store, scenarios_dir, spool_root):
    loaded = load_scenario(scenarios_dir / "quick.toml")
    run_id = submit(queue_store, loaded, paths=400_000, chunk_size=2_000, seed=1, depletion_target=None)
    queued = submit(queue_store, loaded, paths=20, seed=2)
    assert cancel(queue_store, queued).status is RunStatus.CANCELLED  # a queued run: at once
    pool = WorkerPool(queue_store.settings, 1)
    thread = threading.Thread(target=pool.run, kwargs={"max_seconds": 120}, daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + 60
        while not (status(queue_store, run_id).progress_done or 0) >= 1:
            assert time.monotonic() < deadline, "the run never progressed"
            time.sleep(0.1)
        asked = time.monotonic()
        cancel(queue_store, run_id)
        while status(queue_store, run_id).status is RunStatus.RUNNING:
            assert time.monotonic() - asked < 10, "cancel took more than 10 s"
            time.sleep(0.05)
        took = time.monotonic() - asked
    finally:
        pool.stop()
        thread.join(30)
    run = status(queue_store, run_id)
    assert run.status is RunStatus.CANCELLED and took < 5, (run.status, took, run.error)
    assert run.progress_done < run.progress_total  # it really was stopped half-way
    assert queue_store.runs.tables(run_id) == [] and queue_store.runs.artifacts(run_id) == []
    assert not (queue_store.data_dir / run.artifact_dir).exists()
    assert not list(spool_root.glob("fundsvc-run-*"))


def test_whatif_rerun_through_the_queue_equals_the_direct_rerun(queue_store, scenarios_dir):
    """A what-if submitted from Python (as the funds page does) runs on a queue worker and gives
    bit-identical numbers to the in-process rerun; the stored run knows its changed scenario."""
    from dashboards.whatif import WhatIf, modified_scenario, run_whatif, submit_whatif
    from fundsvc.assessment.facts import scenario_for_run

    scenario = load_scenario(scenarios_dir / "quick.toml").scenario
    change = WhatIf(1.3, 0.3, 0.015)
    run_id = submit_whatif(queue_store, scenario, change, paths=300, seed=5)
    assert status(queue_store, run_id).priority > 0 and status(queue_store, run_id).label == "what-if"
    WorkerPool(queue_store.settings, 1).run(until_idle=True, max_seconds=120)
    assert status(queue_store, run_id).status is RunStatus.SUCCEEDED
    queued = queue_store.runs.load_table(run_id, "equity_summary")
    assert queued.equals(run_whatif(scenario, change, paths=300, seed=5))
    assert scenario_for_run(queue_store, run_id) == modified_scenario(scenario, change)
