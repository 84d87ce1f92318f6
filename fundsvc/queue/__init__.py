"""The persistent run queue: submit runs, cancel them, follow them, and the worker pool.

Usage (the service, the dashboards and scripts)::

    from fundsvc.queue import submit, cancel, status, loaded_from_model
    run_id = submit(store, load_scenario("scenarios/quick.toml"), paths=2000, priority=0)
    status(store, run_id).status        # queued -> running -> succeeded | failed | cancelled
    cancel(store, run_id)

A what-if variant built in Python goes through the same queue:
``submit(store, loaded_from_model(modified_scenario(...)), paths=2000, seed=2026)``.

Runs execute on queue workers: ``fundsvc worker`` (:class:`WorkerPool`), or the one that
``fundsvc serve`` embeds (:func:`start_embedded`). See :mod:`fundsvc.queue.jobs` for why the
database is the queue and :mod:`fundsvc.queue.recovery` for what happens after a crash.
"""

from fundsvc.queue.jobs import (
    Quota,
    QuotaExceeded,
    cancel,
    claim,
    loaded_from_model,
    queue_position,
    scenario_of,
    status,
    submit,
)
from fundsvc.queue.recovery import Recovery, recover
from fundsvc.queue.worker import WorkerPool, start_embedded
from fundsvc.simulation.watch import RunCancelled

__all__ = [
    "Quota",
    "QuotaExceeded",
    "Recovery",
    "RunCancelled",
    "WorkerPool",
    "cancel",
    "claim",
    "loaded_from_model",
    "queue_position",
    "recover",
    "scenario_of",
    "start_embedded",
    "status",
    "submit",
]
