"""What-if reruns: change graduation rates, reserves or fees and simulate a few thousand paths."""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

__all__ = ["WhatIf", "WhatIfJobs", "WhatIfState", "modified_scenario", "run_whatif", "run_whatif_queued",
           "submit_whatif"]


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


WHATIF_STAGES: tuple[int, ...] = (500, 2000)
"""Path counts of a what-if: a first answer from 500 paths, then the full 2,000 (same seed)."""
WHATIF_CHUNK = 250
"""Chunk size of what-if runs: small so the progress bar moves (results depend on it; it is fixed)."""


@dataclass(frozen=True)
class WhatIfState:
    """State of one what-if job: progress over all stages, the latest result (base, modified)."""

    key: tuple
    done: int = 0
    total: int = 0
    stage_paths: int = 0
    status: str = "running"  # running | succeeded | failed
    base: pl.DataFrame | None = None
    modified: pl.DataFrame | None = None
    error: str | None = None

    @property
    def fraction(self) -> float:
        return self.done / self.total if self.total else 0.0


def _whatif_process(scenario, change: WhatIf, stages: tuple[int, ...], seed: int, chunk_size: int, queue) -> None:
    """Child process body: simulate base and changed scenario at each stage, reporting to ``queue``.

    Messages: ``("progress", done)``, ``("stage", paths, base, modified)``, ``("done",)``,
    ``("failed", text)``. Started through :func:`dashboards.niced.run_niced` (lower CPU priority
    before any heavy import) so the dashboard process answers first.
    """
    try:
        import fundsvc

        done = 0
        for paths in stages:
            frames = []
            for scen in (scenario, modified_scenario(scenario, change)):
                offset = done
                res = fundsvc.simulate(scen, paths=paths, seed=seed, chunk_size=chunk_size,
                                       progress=lambda d, _t, offset=offset: queue.put(("progress", offset + d)))
                frames.append(res.equity_summary())
                done = offset + -(-paths // chunk_size)
            queue.put(("stage", paths, frames[0], frames[1]))
        queue.put(("done",))
    except Exception as exc:  # reported on the page
        queue.put(("failed", f"{type(exc).__name__}: {exc}"))


class WhatIfJobs:
    """What-if reruns in a background **process**, one at a time per app; the page polls :meth:`status`.

    A separate process (not a thread) so the simulation never holds the dashboard's GIL: pages
    keep answering while it runs; it also runs at a lower CPU priority. :meth:`submit` is the
    one place that starts the work (the run queue of issue 15 can take it over here).
    Submitting the same change for the same run again returns the existing job (Start is
    idempotent); a different change while one runs waits for the running one.
    """

    def __init__(self, *, stages: tuple[int, ...] = WHATIF_STAGES, seed: int = 2026, chunk_size: int = WHATIF_CHUNK):
        import threading

        self.stages, self.seed, self.chunk_size = stages, seed, chunk_size
        self._jobs: dict[str, WhatIfState] = {}
        self._lock = threading.Lock()
        self._run_lock = threading.Lock()
        self._procs: dict[str, object] = {}

    def status(self, job_id: str | None) -> WhatIfState | None:
        with self._lock:
            return self._jobs.get(job_id) if job_id else None

    def _set(self, job_id: str, **changes) -> None:
        from dataclasses import replace

        with self._lock:
            self._jobs[job_id] = replace(self._jobs[job_id], **changes)

    def shutdown(self) -> None:
        """Stop the running what-if processes (server shutdown, tests)."""
        with self._lock:
            procs = list(self._procs.values())
        for p in procs:
            if p.is_alive():
                p.terminate()

    def submit(self, run_id: int, scenario, change: WhatIf) -> str:
        """Start (or find) the what-if of ``change`` on run ``run_id``; return the job id."""
        import hashlib
        import multiprocessing as mp
        import threading

        key = (run_id, change)
        job_id = hashlib.sha256(repr(key).encode()).hexdigest()[:16]
        with self._lock:
            job = self._jobs.get(job_id)
            if job is not None and job.status != "failed":
                return job_id
            total = 2 * sum(-(-n // self.chunk_size) for n in self.stages)
            self._jobs[job_id] = WhatIfState(key, total=total)

        def watch() -> None:
            ctx = mp.get_context("spawn")  # no fork of a threaded server
            with self._run_lock:  # bounded CPU: one what-if process at a time
                import pickle

                from dashboards.niced import run_niced

                queue = ctx.Queue()
                payload = pickle.dumps((_whatif_process, (scenario, change, self.stages, self.seed, self.chunk_size)))
                proc = ctx.Process(target=run_niced, args=(payload, queue), daemon=True,
                                   name=f"fundsvc-whatif-{job_id}")
                proc.start()
                try:  # lower the child's priority at once, before its interpreter even starts importing
                    import os

                    os.setpriority(os.PRIO_PROCESS, proc.pid, 10)
                except (AttributeError, OSError):
                    pass
                with self._lock:
                    self._procs[job_id] = proc
                try:
                    while True:
                        try:
                            msg = queue.get(timeout=1.0)
                        except Exception:
                            if not proc.is_alive():
                                self._set(job_id, status="failed", error="the what-if process ended unexpectedly")
                                return
                            continue
                        if msg[0] == "progress":
                            self._set(job_id, done=msg[1])
                        elif msg[0] == "stage":
                            self._set(job_id, stage_paths=msg[1], base=msg[2], modified=msg[3])
                        elif msg[0] == "failed":
                            self._set(job_id, status="failed", error=msg[1])
                            return
                        else:
                            self._set(job_id, status="succeeded", done=self.status(job_id).total)
                            return
                finally:
                    proc.join(timeout=5)
                    with self._lock:
                        self._procs.pop(job_id, None)

        threading.Thread(target=watch, name=f"fundsvc-whatif-{job_id}", daemon=True).start()
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
