"""Starting, following and cancelling runs: the ONE adapter between callers and the run service.

The REST API and the dashboards' Runs page call :func:`start_run`, :func:`run_progress` and
:func:`cancel_run` only. Runs go through the persistent run queue (:mod:`fundsvc.queue`,
issue 15): :func:`fundsvc.queue.submit` with the caller as owner and the role's quota,
:func:`fundsvc.queue.cancel` and :func:`fundsvc.queue.status`. The queue's workers execute them
(the pool embedded in this process, started on first use or by ``fundsvc serve``, and any
``fundsvc worker`` on the same database).

Quotas (:data:`fundsvc.service.policy.QUOTAS`) and ownership (``run_owners``) are applied here.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

from fundsvc.auth.roles import Principal
from fundsvc.errors import FundsvcError, InputError
from fundsvc.inputs.loader import LoadedScenario
from fundsvc.service.policy import QUOTAS, Action, Forbidden, require

__all__ = ["QuotaExceeded", "RunManager", "RunProgress", "cancel_run", "run_progress", "start_run"]


class QuotaExceeded(Forbidden):
    """A per-role limit on paths or active runs (HTTP 429)."""


@dataclass(frozen=True)
class RunProgress:
    run_id: int | None
    done: int = 0
    total: int = 0
    state: str = "running"  # queued | running | succeeded | failed | cancelled
    error: str | None = None
    username: str = ""

    @property
    def fraction(self) -> float:
        return self.done / self.total if self.total else 0.0


def queue_owner(principal: Principal) -> str:
    """The run queue's owner of a user's runs (quotas are counted per owner)."""
    return f"user:{principal.username}"


@dataclass
class RunManager:
    """The store plus this process's embedded queue worker pool (started once, on first use)."""

    store: object
    start_worker: bool = True
    _pool: object | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def ensure_worker(self) -> None:
        """Start the embedded queue worker pool once (a daemon thread of this process)."""
        from fundsvc.queue import start_embedded

        with self._lock:
            if self._pool is None and self.start_worker:
                self._pool, _ = start_embedded(self.store.settings)

    def stop_worker(self) -> None:
        with self._lock:
            if self._pool is not None:
                self._pool.stop()
                self._pool = None


def start_run(manager: RunManager, principal: Principal, loaded: LoadedScenario, *, paths: int,
              seed: int | None = None, label: str = "service", owner: tuple[str, str | None] | None = None,
              audit: dict | None = None) -> int:
    """Queue a run of ``loaded`` for ``principal``; return the new run's id.

    ``owner`` (role, tenant) the run belongs to when not the principal's own (a run on a bank's
    loan tape belongs to that bank, :mod:`fundsvc.service.loan_tapes`); ``audit`` extra details
    for the audit log.

    Raises
    ------
    Forbidden
        The role may not start runs, or a quota is exceeded (:class:`QuotaExceeded`).
    InputError
        ``paths`` or ``seed`` out of range (the queue's run-request checks).
    """
    from fundsvc.auth.accounts import Accounts
    from fundsvc.queue import Quota, submit
    from fundsvc.queue import QuotaExceeded as QueueQuotaExceeded

    require(principal, Action.START_RUN)
    quota = QUOTAS.get(principal.role)
    if quota is None:
        raise Forbidden(f"role {principal.role.value} may not start runs")
    if isinstance(paths, bool) or not isinstance(paths, int) or not 1 <= paths <= quota.max_paths:
        raise InputError.single("<input>", "paths", f"must be a whole number in 1..{quota.max_paths:,} "
                                f"for role {principal.role.value}")
    try:
        run_id = submit(manager.store, loaded, paths=paths, seed=seed, label=label, owner=queue_owner(principal),
                        quota=Quota(max_paths=quota.max_paths, max_queued=quota.max_active_runs,
                                    max_running=quota.max_active_runs),
                        depletion_target=0.05)
    except QueueQuotaExceeded as exc:
        raise QuotaExceeded(f"at most {quota.max_active_runs} active run(s) for role {principal.role.value}; "
                            "wait for one to finish or cancel it") from exc
    accounts = Accounts(manager.store)
    accounts.set_run_owner(run_id, principal, owner=owner)
    accounts.audit(principal.username, "run.start", str(run_id),
                   detail={"scenario": loaded.scenario.name, "paths": paths, **(audit or {})})
    manager.ensure_worker()
    return run_id


def run_progress(manager: RunManager, run_id: int) -> RunProgress | None:
    """Progress of a run from the queue's record (``None`` if there is no such run)."""
    from fundsvc.queue import status

    try:
        rec = status(manager.store, run_id)
    except FundsvcError:
        return None
    state = str(getattr(rec.status, "value", rec.status))
    return RunProgress(rec.id, rec.progress_done or 0, rec.progress_total or 0, state,
                       rec.error if state in ("failed", "cancelled") else None)


def cancel_run(manager: RunManager, principal: Principal, run_id: int) -> bool:
    """Cancel a queued run at once or ask a running one to stop; False when it already ended."""
    from fundsvc.auth.accounts import Accounts
    from fundsvc.queue import cancel, status

    require(principal, Action.CANCEL_RUN)
    active = str(getattr(status(manager.store, run_id).status, "value", "")) in ("queued", "running")
    if active:
        try:
            cancel(manager.store, run_id)
        except FundsvcError:  # it ended meanwhile
            active = False
    Accounts(manager.store).audit(principal.username, "run.cancel", str(run_id), "ok" if active else "failed")
    return active
