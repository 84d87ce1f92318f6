"""Starting, following and cancelling runs: the ONE adapter between callers and the run service.

The REST API and the dashboards' Runs page call :func:`start_run`, :func:`run_progress` and
:func:`cancel_run` only. Today they drive :func:`fundsvc.simulation.service.simulate_and_store`
in a background thread of this process (progress and cancel requests kept in a
:class:`RunManager`); when the persistent run queue lands, only this module changes.

Quotas (:data:`fundsvc.service.policy.QUOTAS`) and ownership (``run_owners``) are applied here.
"""

from __future__ import annotations

import threading
import time
import uuid
from dataclasses import dataclass, field, replace

from fundsvc.auth.roles import Principal
from fundsvc.errors import FundsvcError, InputError
from fundsvc.inputs.loader import LoadedScenario
from fundsvc.service.policy import QUOTAS, Action, Forbidden, require

__all__ = ["RunCancelled", "RunManager", "RunProgress", "cancel_run", "run_progress", "start_run"]

_RUN_ID_WAIT_S = 30.0


class RunCancelled(Exception):
    """Raised inside a run's progress callback to stop it (the run is recorded as failed: cancelled)."""


class QuotaExceeded(Forbidden):
    """A per-role limit on paths or active runs (HTTP 429)."""


@dataclass(frozen=True)
class RunProgress:
    run_id: int | None
    done: int = 0
    total: int = 0
    state: str = "running"  # running | succeeded | failed | cancelled
    error: str | None = None
    username: str = ""

    @property
    def fraction(self) -> float:
        return self.done / self.total if self.total else 0.0


@dataclass
class RunManager:
    """In-process registry of the runs this server started (progress, cancel flags)."""

    store: object
    _by_key: dict[str, RunProgress] = field(default_factory=dict)
    _cancel: dict[str, threading.Event] = field(default_factory=dict)
    _run_key: dict[int, str] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def _set(self, key: str, **changes) -> None:
        with self._lock:
            self._by_key[key] = replace(self._by_key[key], **changes)
            run_id = self._by_key[key].run_id
            if run_id is not None:
                self._run_key[run_id] = key

    def active_for(self, principal: Principal) -> int:
        with self._lock:
            return sum(1 for p in self._by_key.values() if p.state == "running" and p.username == principal.username)

    def get(self, run_id: int) -> RunProgress | None:
        with self._lock:
            key = self._run_key.get(run_id)
            return self._by_key.get(key) if key else None


def start_run(manager: RunManager, principal: Principal, loaded: LoadedScenario, *, paths: int,
              seed: int | None = None, label: str = "service") -> int:
    """Start simulating ``loaded`` for ``principal``; return the new run's id once it is recorded.

    Raises
    ------
    Forbidden
        The role may not start runs, or a quota is exceeded (:class:`QuotaExceeded`).
    InputError
        ``paths`` or ``seed`` out of range.
    """
    from fundsvc.auth.accounts import Accounts
    from fundsvc.simulation.service import simulate_and_store

    require(principal, Action.START_RUN)
    quota = QUOTAS.get(principal.role)
    if quota is None:
        raise Forbidden(f"role {principal.role.value} may not start runs")
    if isinstance(paths, bool) or not isinstance(paths, int) or not 1 <= paths <= quota.max_paths:
        raise InputError.single("<input>", "paths", f"must be a whole number in 1..{quota.max_paths:,} "
                                f"for role {principal.role.value}")
    if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int) or not 0 <= seed < 2**128):
        raise InputError.single("<input>", "seed", "must be a whole number in 0..2**128-1")
    if manager.active_for(principal) >= quota.max_active_runs:
        raise QuotaExceeded(f"at most {quota.max_active_runs} active run(s) for role {principal.role.value}; "
                            "wait for one to finish or cancel it")
    key = uuid.uuid4().hex[:16]
    run_label = f"{label} {key}"
    cancel = threading.Event()
    with manager._lock:
        manager._by_key[key] = RunProgress(None, username=principal.username)
        manager._cancel[key] = cancel
    accounts = Accounts(manager.store)

    def progress(done: int, total: int) -> None:
        manager._set(key, done=done, total=total)
        if cancel.is_set():
            raise RunCancelled(f"cancelled by {manager._by_key[key].username}")

    def work() -> None:
        try:
            stored = simulate_and_store(manager.store, loaded, paths=paths, seed=seed, label=run_label,
                                        progress=progress, depletion_target=0.05)
            manager._set(key, state="succeeded", run_id=stored.run_id)
        except RunCancelled as exc:
            manager._set(key, state="cancelled", error=str(exc))
        except Exception as exc:  # noqa: BLE001 - recorded on the run by simulate_and_store; kept short here
            manager._set(key, state="failed", error=f"{type(exc).__name__}: {exc}"[:500])

    threading.Thread(target=work, name=f"fundsvc-run-{key}", daemon=True).start()
    deadline = time.monotonic() + _RUN_ID_WAIT_S
    run_id = None
    while run_id is None and time.monotonic() < deadline:
        run_id = next((r.id for r in manager.store.runs.list(limit=50) if r.label == run_label), None)
        with manager._lock:
            state = manager._by_key[key].state
        if run_id is None and state != "running":
            raise FundsvcError(f"the run could not be started: {manager._by_key[key].error}")
        if run_id is None:
            time.sleep(0.02)
    if run_id is None:
        raise FundsvcError("the run was not recorded in time; see `fundsvc runs list`")
    manager._set(key, run_id=run_id)
    accounts.set_run_owner(run_id, principal)
    accounts.audit(principal.username, "run.start", str(run_id),
                   detail={"scenario": loaded.scenario.name, "paths": paths})
    return run_id


def run_progress(manager: RunManager, run_id: int) -> RunProgress | None:
    """Progress of a run started by this server (``None`` for other runs: read the store's status)."""
    return manager.get(run_id)


def cancel_run(manager: RunManager, principal: Principal, run_id: int) -> bool:
    """Ask a running run to stop at its next chunk; False when this server is not running it."""
    require(principal, Action.CANCEL_RUN)
    with manager._lock:
        key = manager._run_key.get(run_id)
        running = key is not None and manager._by_key[key].state == "running"
        if running:
            manager._cancel[key].set()
    from fundsvc.auth.accounts import Accounts

    Accounts(manager.store).audit(principal.username, "run.cancel", str(run_id), "ok" if running else "failed")
    return running
