"""The run queue in the database: submit, claim, cancel, status.

Why the database and not a queue library: a run's state already lives in the ``runs`` table
(the page, the API and ``fundsvc runs`` read it there), so enqueueing is just inserting the run,
and a claim is one transaction that flips it to running -- no second system that can disagree
with the database, nothing more to install or operate for the single-user SQLite default.
Celery, RQ and Dramatiq need a broker (Redis or RabbitMQ); procrastinate is PostgreSQL-only;
Huey's SQLite storage does not cover PostgreSQL. Claims are serialised: on SQLite by the one
writer (``BEGIN IMMEDIATE``), on PostgreSQL by ``SELECT … FOR UPDATE SKIP LOCKED`` plus a
transaction-scoped advisory lock so the per-owner quota is counted by one claimer at a time.

Order: higher ``priority`` first, then first submitted first. Quotas (set by the caller, e.g.
the API per role): at most ``max_paths`` per run and ``max_queued`` queued-or-running runs per
owner (refused at submit), at most ``max_running`` of an owner's runs at once (the others wait).
"""

from __future__ import annotations

import os
import socket
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from fundsvc.engine.sampling import DEFAULT_CHUNK_SIZE
from fundsvc.errors import FundsvcError, InputError, Problem
from fundsvc.inputs.loader import LoadedScenario
from fundsvc.simulation.limits import run_request_problems
from fundsvc.simulation.runner import Executor
from fundsvc.store.records import RunRecord
from fundsvc.store.tables import Run, RunStatus
from fundsvc.store.types import utcnow

SPEC_VERSION = 1
_PG_CLAIM_LOCK = 15_0003  # advisory lock key of claims (issue 15, migration 0003)


class QuotaExceeded(FundsvcError):
    """A submission would exceed the owner's quota."""


@dataclass(frozen=True)
class Quota:
    """Limits of one owner (the service sets them per role; ``None`` = no limit).

    Attributes
    ----------
    max_paths : int or None
        Paths per run.
    max_queued : int or None
        Runs queued or running at once; a further submission is refused.
    max_running : int or None
        Runs running at once; further runs wait in the queue.
    """

    max_paths: int | None = None
    max_queued: int | None = None
    max_running: int | None = None


def _worker_name(pid: int | None = None) -> str:
    return f"{socket.gethostname()}:{pid if pid is not None else os.getpid()}"


def loaded_from_model(scenario, source: str = "<python>") -> LoadedScenario:
    """A :class:`LoadedScenario` for a scenario built in Python (e.g. a what-if variant); its
    stored text is the scenario's canonical JSON."""
    import hashlib
    import json
    from pathlib import Path

    text = json.dumps(scenario.model_dump(mode="json"), ensure_ascii=False, sort_keys=True)
    return LoadedScenario(scenario=scenario, path=Path(source), text=text,
                          content_sha256=hashlib.sha256(text.encode("utf-8")).hexdigest())


def submit(store, source: LoadedScenario, *, paths: int | None = None, seed: int | None = None,
           chunk_size: int = DEFAULT_CHUNK_SIZE, priority: int = 0, owner: str | None = None,
           quota: Quota | None = None, label: str | None = None,
           depletion_target: float | None = 0.05, executor: Executor | None = None) -> int:
    """Queue a run of a validated scenario and return its run id.

    ``source`` is a loaded scenario file, or :func:`loaded_from_model` of a scenario built in
    Python. Nothing is written unless the whole request is valid and within the quota. A run
    executes on a queue worker (``fundsvc worker``, or the one embedded in ``fundsvc serve``)
    with ``executor`` for its chunks (default: Dask when ``FUNDSVC_DASK_ADDRESS`` is set, else
    in the worker process).

    Raises
    ------
    InputError
        Paths, seed, chunk size or priority out of bounds, or above the quota's ``max_paths``.
    QuotaExceeded
        The owner already has ``quota.max_queued`` runs queued or running.
    """
    from fundsvc.simulation.service import record_run

    quota = quota or Quota()
    n_paths = paths if paths is not None else source.scenario.simulation.paths
    problems = run_request_problems(paths=n_paths, seed=seed, chunk_size=chunk_size,
                                    depletion_target=depletion_target)
    if isinstance(priority, bool) or not isinstance(priority, int) or not -1000 <= priority <= 1000:
        problems.append(Problem("<input>", "priority", f"must be a whole number from -1000 to 1000, got {priority!r}"))
    if quota.max_paths is not None and isinstance(n_paths, int) and n_paths > quota.max_paths:
        problems.append(Problem("<input>", "paths", f"{n_paths:,} paths is above your quota of {quota.max_paths:,} per run"))
    if problems:
        raise InputError(problems)
    if quota.max_queued is not None:
        active = _count(store, owner, (RunStatus.QUEUED, RunStatus.RUNNING))
        if active >= quota.max_queued:
            raise QuotaExceeded(f"{owner or 'you'} already {'has' if owner else 'have'} {active} runs queued or "
                                f"running (quota {quota.max_queued}); wait for one to finish or cancel one")
    if executor is None:
        executor = Executor.DASK if store.settings.dask_address else Executor.SERIAL
    spec = {"version": SPEC_VERSION, "scenario": source.scenario.model_dump(mode="json")}
    run_id, _ = record_run(
        store, source, paths=n_paths, seed=seed, chunk_size=chunk_size, executor=executor, label=label,
        depletion_target=depletion_target,
        queue={"spec": spec, "priority": priority, "owner": owner, "max_running": quota.max_running})
    return run_id


def _count(store, owner: str | None, statuses) -> int:
    with store.session(read_only=True) as session:
        query = sa.select(sa.func.count()).select_from(Run).where(Run.status.in_(statuses))
        query = query.where(Run.owner.is_(None) if owner is None else Run.owner == owner)
        return int(session.scalar(query))


def claim(store, worker_pid: int | None = None) -> int | None:
    """Take the next queued run (priority, then age; owners' ``max_running`` respected), mark it
    running for the worker process ``worker_pid`` and return its id; ``None`` if none is ready."""
    with store.session() as session:  # SQLite: BEGIN IMMEDIATE, the one writer
        postgres = session.get_bind().dialect.name == "postgresql"
        if postgres:
            session.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": _PG_CLAIM_LOCK})
        running = dict(session.execute(
            sa.select(Run.owner, sa.func.count()).where(Run.status == RunStatus.RUNNING).group_by(Run.owner)).all())
        query = (sa.select(Run.id, Run.owner, Run.max_running)
                 .where(Run.status == RunStatus.QUEUED, Run.spec.is_not(None))
                 .order_by(Run.priority.desc(), Run.id).limit(200))
        if postgres:
            query = query.with_for_update(skip_locked=True)
        for run_id, owner, max_running in session.execute(query).all():
            if max_running is not None and running.get(owner, 0) >= max_running:
                continue
            now = utcnow()
            done = session.execute(
                sa.update(Run).where(Run.id == run_id, Run.status == RunStatus.QUEUED)
                .values(status=RunStatus.RUNNING, started_at=now, heartbeat_at=now,
                        worker=_worker_name(worker_pid)))
            if done.rowcount == 1:
                return run_id
    return None


def has_queued(store) -> bool:
    """Whether any run waits in the queue (a cheap read before a claim)."""
    with store.session(read_only=True) as session:
        return session.scalar(sa.select(Run.id).where(Run.status == RunStatus.QUEUED,
                                                      Run.spec.is_not(None)).limit(1)) is not None


def spec_of(store, run_id: int) -> dict[str, Any]:
    """The queued payload of a run (``{"version", "scenario"}``)."""
    with store.session(read_only=True) as session:
        spec = session.scalar(sa.select(Run.spec).where(Run.id == run_id))
    if spec is None:
        raise FundsvcError(f"run {run_id} was not submitted through the run queue")
    return spec


def scenario_of(store, run_id: int):
    """The validated :class:`models.Scenario` a queued run simulates."""
    from models.scenario import Scenario

    return Scenario.model_validate(spec_of(store, run_id)["scenario"])


def cancel(store, run_id: int) -> RunRecord:
    """Cancel a run: a queued run at once, a running one within seconds (see
    :meth:`fundsvc.store.runs.RunRepository.request_cancel`)."""
    return store.runs.request_cancel(run_id)


def status(store, run_id: int) -> RunRecord:
    """The run's current record (status, progress, error ...)."""
    return store.runs.get(run_id)


def queue_position(store, run_id: int) -> int | None:
    """How many queued runs go before this queued run (0 = next), ``None`` if it is not queued."""
    with store.session(read_only=True) as session:
        row = session.execute(sa.select(Run.status, Run.priority).where(Run.id == run_id)).first()
        if row is None or RunStatus(row[0]) is not RunStatus.QUEUED:
            return None
        prio = row[1] or 0
        ahead = session.scalar(sa.select(sa.func.count()).select_from(Run).where(
            Run.status == RunStatus.QUEUED, Run.spec.is_not(None),
            sa.or_(Run.priority > prio, sa.and_(Run.priority == prio, Run.id < run_id))))
        return int(ahead)
