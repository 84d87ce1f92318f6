"""What-if reruns: change graduation rates, reserves or fees and simulate again, only the venture
side, on the base run's random numbers: a first answer from 2,000 paths, refined with 10,000."""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from dashboards.whatif_engine import WHATIF_STAGES, BaseRun

__all__ = ["WHATIF_STAGES", "BaseRun", "WhatIf", "WhatIfJobs", "WhatIfState", "modified_scenario", "run_whatif",
           "run_whatif_queued", "submit_whatif"]


@dataclass(frozen=True)
class WhatIf:
    """Changes to apply to every sub-fund of a scenario.

    Attributes
    ----------
    graduation_multiplier : float
        Factor on every stage's ``p_next_round`` (capped so ``p_next_round + p_exit <= 1``).
    reserve_ratio : float or None
        Share of investable capital reserved for follow-ons (deal-level sub-funds); None = unchanged.
    management_fee_rate : float or None
        Management fee per year in the investment period; None = unchanged.
    """

    graduation_multiplier: float = 1.0
    reserve_ratio: float | None = None
    management_fee_rate: float | None = None


def modified_scenario(scenario, change: WhatIf):
    """A validated copy of ``scenario`` with ``change`` applied (the input is not modified)."""
    profiles = []
    for prof in scenario.stage_profiles:
        stages = []
        for st in prof.stages:
            p_next = min(st.p_next_round * change.graduation_multiplier, 1.0 - st.p_exit)
            stages.append(st.model_copy(update={"p_next_round": max(p_next, 0.0)}))
        profiles.append(prof.model_copy(update={"stages": stages}))
    funds = []
    for f in scenario.sub_funds:
        upd = {}
        if change.reserve_ratio is not None:
            upd["reserve_ratio"] = change.reserve_ratio
        if change.management_fee_rate is not None:
            upd["fees"] = f.fees.model_copy(update={"management_fee_rate": change.management_fee_rate})
        funds.append(f.model_copy(update=upd))
    data = scenario.model_copy(update={"stage_profiles": profiles, "sub_funds": funds}).model_dump()
    return type(scenario).model_validate(data)


def run_whatif(scenario, change: WhatIf, *, paths: int = 2000, seed: int = 2026) -> pl.DataFrame:
    """Simulate the changed scenario (``paths`` paths, fixed ``seed``) and return its ``equity_summary``."""
    import fundsvc

    result = fundsvc.simulate(modified_scenario(scenario, change), paths=paths, seed=seed)
    return result.equity_summary()


@dataclass(frozen=True)
class WhatIfState:
    """State of one what-if job: paths done over all stages, the latest stage's result.

    ``stage_paths``: paths of the latest result (0 before the first); ``final``: whether it is
    the last stage's (refined) result; ``rerun`` / ``reused``: engine sides simulated again /
    taken from the base run.
    """

    key: tuple
    done: int = 0
    total: int = 0
    stage_paths: int = 0
    final: bool = False
    status: str = "running"  # running | succeeded | failed
    base: pl.DataFrame | None = None
    modified: pl.DataFrame | None = None
    rerun: tuple = ()
    reused: tuple = ()
    seconds: float = 0.0
    error: str | None = None

    @property
    def fraction(self) -> float:
        return self.done / self.total if self.total else 0.0


def _whatif_worker(requests, replies) -> None:
    """Body of the what-if worker process: a warm :class:`~dashboards.whatif_engine.WhatIfEngine`
    serving requests until ``("stop",)``.

    Requests: ``("base", BaseRun)`` (once per run), ``("prepare", run_id, paths)``,
    ``("job", job_id, run_id, change, stages)``. Replies:
    ``("stage", job_id, StageResult, final)``, ``("failed", job_id, text)``. A new job's first
    stage goes before the refinement of an earlier one (the user waits for the newest answer).
    Started through :func:`dashboards.niced.run_niced` (lower CPU priority before any heavy
    import) so the dashboard process answers first.
    """
    import queue as queue_mod
    from collections import deque

    from dashboards.whatif_engine import WhatIfEngine

    engine = WhatIfEngine()
    bases: dict = {}  # run id -> BaseRun, sent once (a scenario with a loan book is slow to pickle)
    pending: deque = deque()
    while True:
        while True:
            try:
                msg = requests.get(block=not pending)
            except queue_mod.Empty:
                break
            if msg[0] == "stop":
                return
            if msg[0] == "base":
                bases = {msg[1].key: msg[1]}
            elif msg[0] == "prepare":
                pending.append(("prepare", bases[msg[1]], msg[2]))
            else:
                _, job_id, key, change, stages = msg
                pending.appendleft(("job", job_id, bases[key], change, stages, 0))
        task = pending.popleft()
        if task[0] == "prepare":
            try:
                engine.prepare(task[1], task[2])
            except Exception as exc:  # noqa: BLE001 - a job on this run reports the error itself
                import logging

                logging.getLogger("fundsvc.dashboards").info("what-if prepare failed: %s: %s", type(exc).__name__, exc)
            continue
        _, job_id, base, change, stages, i = task
        try:
            res = engine.stage(base, change, stages[i])
        except Exception as exc:  # noqa: BLE001 - reported on the page
            replies.put(("failed", job_id, f"{type(exc).__name__}: {exc}"))
            continue
        final = i + 1 == len(stages)
        replies.put(("stage", job_id, res, final))
        if not final:
            pending.append(("job", job_id, base, change, stages, i + 1))


class WhatIfJobs:
    """What-if reruns in one warm background **process** per app; the page polls :meth:`status`.

    A separate process (not a thread) so the simulation never holds the dashboard's GIL: pages
    keep answering while it runs; it runs at a lower CPU priority. The process is started on the
    first :meth:`prepare` or :meth:`submit` and kept (imports, the compiled base run and its
    market factors stay warm), so a what-if costs only the rerun of the side whose inputs
    changed (:mod:`dashboards.whatif_engine`). :meth:`submit` is the one place that starts the
    work. Submitting the same change for the same run again returns the existing job (Start is
    idempotent).
    """

    def __init__(self, *, stages: tuple[int, ...] = WHATIF_STAGES):
        import threading

        self.stages = tuple(stages)
        self._jobs: dict[str, WhatIfState] = {}
        self._lock = threading.Lock()
        self._proc = None
        self._requests = None
        self._prepared: set = set()
        self._sent = None  # the run id whose BaseRun the worker holds

    def status(self, job_id: str | None) -> WhatIfState | None:
        with self._lock:
            return self._jobs.get(job_id) if job_id else None

    def _set(self, job_id: str, **changes) -> None:
        from dataclasses import replace

        with self._lock:
            if job_id in self._jobs:
                self._jobs[job_id] = replace(self._jobs[job_id], **changes)

    def _ensure_worker(self):
        """The worker process's request queue (starting the process and its reader thread once)."""
        import multiprocessing as mp
        import pickle
        import threading

        from dashboards.niced import run_niced

        with self._lock:
            if self._proc is not None and self._proc.is_alive():
                return self._requests
            ctx = mp.get_context("spawn")  # no fork of a threaded server
            requests, replies = ctx.Queue(), ctx.Queue()
            payload = pickle.dumps((_whatif_worker, ()))
            proc = ctx.Process(target=run_niced, args=(payload, requests, replies), daemon=True,
                               name="fundsvc-whatif")
            proc.start()
            try:  # lower the child's priority at once, before its interpreter even starts importing
                import os

                os.setpriority(os.PRIO_PROCESS, proc.pid, 10)
            except (AttributeError, OSError):
                pass
            self._proc, self._requests, self._prepared, self._sent = proc, requests, set(), None
        threading.Thread(target=self._read, args=(proc, replies), name="fundsvc-whatif-replies",
                         daemon=True).start()
        return requests

    def _read(self, proc, replies) -> None:
        """Apply the worker's replies to the job states until the process ends."""
        while True:
            try:
                msg = replies.get(timeout=1.0)
            except SystemExit:  # a test server stopping its threads
                return
            except Exception:  # noqa: BLE001 - queue.Empty, or the queue closed at shutdown
                if proc.is_alive():
                    continue
                with self._lock:
                    running = [k for k, j in self._jobs.items() if j.status == "running"]
                for k in running:
                    self._set(k, status="failed", error="the what-if process ended unexpectedly")
                return
            if msg[0] == "stage":
                _, job_id, res, final = msg
                job = self.status(job_id)
                done = (job.done if job else 0) + res.paths
                self._set(job_id, stage_paths=res.paths, final=final, base=res.base, modified=res.modified,
                          rerun=res.rerun, reused=res.reused, seconds=res.seconds, done=done,
                          status="succeeded" if final else "running")
            elif msg[0] == "failed":
                self._set(msg[1], status="failed", error=msg[2])

    def shutdown(self) -> None:
        """Stop the what-if process (server shutdown, tests)."""
        with self._lock:
            proc, requests = self._proc, self._requests
            self._proc = None
        if proc is not None and proc.is_alive():
            try:
                requests.put(("stop",))
                proc.join(timeout=2)
            finally:
                if proc.is_alive():
                    proc.terminate()

    def _send_base(self, base: BaseRun):
        """The worker's request queue, after sending it ``base`` unless it holds it already."""
        requests = self._ensure_worker()
        with self._lock:
            if self._sent != base.key:
                requests.put(("base", base))
                self._sent = base.key
        return requests

    def prepare(self, base: BaseRun) -> None:
        """Warm the worker for ``base`` (start it, compile the run, compute its first-stage base
        summary) so the first what-if answers quickly; once per run."""
        requests = self._send_base(base)
        with self._lock:
            if base.key in self._prepared:
                return
            self._prepared.add(base.key)
        requests.put(("prepare", base.key, self.stages[0]))

    def submit(self, base: BaseRun, change: WhatIf) -> str:
        """Start (or find) the what-if of ``change`` on ``base``; return the job id."""
        import hashlib

        key = (base.key, change)
        job_id = hashlib.sha256(repr(key).encode()).hexdigest()[:16]
        with self._lock:
            job = self._jobs.get(job_id)
            if job is not None and job.status != "failed":
                return job_id
            self._jobs[job_id] = WhatIfState(key, total=sum(self.stages))
        self._send_base(base).put(("job", job_id, base.key, change, self.stages))
        return job_id


WHATIF_OWNER = "what-if"
WHATIF_PRIORITY = 10
"""What-if reruns go before page runs (priority 5) and plain submissions (0): a user waits."""


def submit_whatif(store, scenario, change: WhatIf, *, paths: int = 2000, seed: int = 2026,
                  quota=None) -> int:
    """Queue a what-if rerun (the changed scenario, ``paths`` paths, fixed ``seed``) on the run
    queue and return its run id; a queue worker executes it (:mod:`fundsvc.queue`)."""
    from fundsvc.queue import loaded_from_model, submit

    return submit(store, loaded_from_model(modified_scenario(scenario, change), source="<what-if>"),
                  paths=paths, seed=seed, label="what-if", owner=WHATIF_OWNER, priority=WHATIF_PRIORITY,
                  quota=quota, depletion_target=None)


def run_whatif_queued(store, scenario, change: WhatIf, *, paths: int = 2000, seed: int = 2026,
                      timeout: float = 300.0, ensure_worker=None) -> pl.DataFrame:
    """:func:`run_whatif` through the run queue: submit, wait for the run, return its stored
    ``equity_summary`` (the same numbers as :func:`run_whatif`: same scenario, paths and seed).

    Raises
    ------
    FundsvcError
        The run failed, was cancelled or did not finish within ``timeout`` seconds.
    """
    import time

    from fundsvc.errors import FundsvcError
    from fundsvc.store import RunStatus

    run_id = submit_whatif(store, scenario, change, paths=paths, seed=seed)
    if ensure_worker is not None:
        ensure_worker()
    deadline = time.monotonic() + timeout
    while True:
        run = store.runs.get(run_id)
        if run.status is RunStatus.SUCCEEDED:
            return store.runs.load_table(run_id, "equity_summary")
        if run.status.is_final:
            raise FundsvcError(f"what-if run {run_id} {run.status.value}: {run.error}")
        if time.monotonic() > deadline:
            store.runs.request_cancel(run_id)
            raise FundsvcError(f"what-if run {run_id} did not finish within {timeout:.0f} s; cancelled")
        time.sleep(0.1)
