"""Claims on SQLite and PostgreSQL (``FOR UPDATE SKIP LOCKED`` + advisory lock): eight threads
claiming at once never take a run twice, take them in queue order, and respect an owner's
``max_running``; a cancelled queued run is never claimed; recovery fails a run whose worker is gone."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from fundsvc.inputs.loader import load_scenario
from fundsvc.queue import Quota, cancel, claim, recover, submit
from fundsvc.store import RunStatus


def test_concurrent_claims_are_exclusive_ordered_and_within_quota(fresh_store, scenarios_dir):
    loaded = load_scenario(scenarios_dir / "quick.toml")
    a = [submit(fresh_store, loaded, paths=10, seed=i, owner="bank-a", quota=Quota(max_running=2)) for i in range(4)]
    free = [submit(fresh_store, loaded, paths=10, seed=10 + i, priority=1 if i == 5 else 0) for i in range(8)]
    gone = free.pop(3)
    cancel(fresh_store, gone)
    with ThreadPoolExecutor(8) as ex:
        claimed = [r for r in ex.map(lambda _: claim(fresh_store, worker_pid=2**22 + 1), range(12)) if r is not None]
    assert len(claimed) == len(set(claimed)) == 2 + 7  # two of bank-a (quota), all seven others
    assert gone not in claimed and set(claimed) >= set(free)
    assert sum(r in a for r in claimed) == 2
    runs = {r.id: r for r in fresh_store.runs.list(limit=None)}
    # queue order: the priority-1 run first, then oldest first (bank-a's first two, then the rest)
    by_start = sorted(claimed, key=lambda i: runs[i].started_at)
    expected = sorted([*a[:2], *free], key=lambda i: (-runs[i].priority, i))
    assert by_start == expected
    assert {runs[i].status for i in claimed} == {RunStatus.RUNNING}
    # the worker pid 2**22 + 1 does not exist here: recovery fails every claimed run
    report = recover(fresh_store)
    assert sorted(report.failed) == sorted(claimed)
    assert all("is gone" in fresh_store.runs.get(i).error for i in claimed)
    # bank-a's quota is free again: its next runs can be claimed
    assert claim(fresh_store) in a
