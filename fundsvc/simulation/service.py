"""Run a scenario and keep the run: the service behind ``fundsvc simulate``, the run queue and
the dashboards.

A run is recorded as queued (:func:`record_run`), then running with a heartbeat (a watcher
thread, see :class:`fundsvc.simulation.watch.RunWatch`), then either succeeded with all its
tables and Parquet files written in one transaction, failed with the reason, or cancelled —
never half-written (see :meth:`fundsvc.store.runs.RunRepository.complete`).
:func:`simulate_and_store` does both steps in this process; the run queue
(:mod:`fundsvc.queue`) records the run at submission and a worker process executes it with
:func:`execute_run`.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from fundsvc import faults
from fundsvc.engine.sampling import DEFAULT_CHUNK_SIZE
from fundsvc.inputs.loader import LoadedScenario
from fundsvc.inputs.tables import loan_book_frame
from fundsvc.simulation.compiled import compile_scenario
from fundsvc.simulation.limits import check_run_request
from fundsvc.simulation.precision import DEFAULT_MAX_PATHS
from fundsvc.simulation.result import SimulationResult
from fundsvc.simulation.runner import Executor, Progress, StepProgress, run_simulation
from fundsvc.simulation.watch import RunCancelled, RunWatch

SPOOL_PREFIX = "fundsvc-run-"
"""Temporary spool folders are ``$TMPDIR/fundsvc-run-<pid>-r<run id>-<random>`` so that
recovery can tell whose process is gone (:mod:`fundsvc.queue.recovery`)."""
from fundsvc.simulation.spec import RunSpec


@dataclass(frozen=True)
class StoredRun:
    run_id: int
    scenario_id: int
    result: SimulationResult


def record_run(
    store,
    loaded: LoadedScenario,
    *,
    paths: int | None = None,
    seed: int | None = None,
    chunk_size: int = DEFAULT_CHUNK_SIZE,
    executor: Executor = Executor.SERIAL,
    workers: int | None = None,
    label: str | None = None,
    depletion_target: float | None = None,
    queue: dict | None = None,
    precision: float | None = None,
) -> tuple[int, int]:
    """Validate the request, then store the scenario (and loan book) and a queued run.

    Everything is checked before the first write (:func:`fundsvc.simulation.limits.check_run_request`):
    a bad request raises :class:`~fundsvc.errors.InputError` and leaves the store untouched.

    Parameters
    ----------
    queue : dict, optional
        Queue fields of the run (``spec``, ``priority``, ``owner``, ``max_running``); a run
        with a ``spec`` is picked up by run-queue workers.

    Returns
    -------
    (run_id, scenario_id)
    """
    s = loaded.scenario
    if paths is None:   # with a precision target, ``paths`` is the budget
        paths = DEFAULT_MAX_PATHS if precision is not None else s.simulation.paths
    n_paths = paths
    check_run_request(s, paths=n_paths, seed=seed, chunk_size=chunk_size, depletion_target=depletion_target)
    spec = RunSpec.resolve(s, paths=paths, seed=seed, chunk_size=chunk_size, executor=executor, workers=workers,
                           depletion_target=depletion_target, precision=precision)
    compiled = compile_scenario(s)  # compile errors surface before anything is written
    scen = store.scenarios.add(s.name, loaded.text, source_path=str(loaded.path))
    book_id = None
    if loaded.loan_book_path is not None and s.loans:
        book = store.loan_books.add(scen.id, f"{s.name} loans", loan_book_frame(s.loans),
                                    source_path=str(loaded.loan_book_path))
        book_id = book.id
    run_id = store.runs.create(
        scen.id, spec.seed, spec.paths, spec.chunk_size, spec.executor, loan_book_id=book_id, label=label,
        parameters={"workers": workers, "content_sha256": loaded.content_sha256,
                    "depletion_target": depletion_target, "precision": precision},
        **(queue or {}),
    )
    try:
        _store_facts(store, run_id, loaded, compiled)
    except BaseException as exc:
        try:
            store.runs.fail(run_id, f"{type(exc).__name__}: {exc}")
        except Exception as marking:  # noqa: BLE001 - the store failing must not hide the original error
            exc.add_note(f"could not mark run {run_id} failed: {marking}")
        raise
    return run_id, scen.id


def make_spool_dir(run_id: int) -> Path:
    """A fresh spool folder for ``run_id`` named after this process (see :data:`SPOOL_PREFIX`)."""
    return Path(tempfile.mkdtemp(prefix=f"{SPOOL_PREFIX}{os.getpid()}-r{run_id}-"))


STORE_SHARE = 0.04
"""Share of a run's work that is storing it (:func:`execute_run`'s ``steps``). Assumption:
measured on ``hangzhou_baseline`` at 10,000 paths (1.7 s of 43 s)."""


def execute_run(
    store,
    run_id: int,
    scenario,
    *,
    progress: Progress | None = None,
    dask_address: str | None = None,
    keep_paths_in_memory: bool | None = None,
    fail_hook=None,
    parent_pid: int | None = None,
    steps: StepProgress | None = None,
) -> SimulationResult:
    """Simulate a recorded (queued) run of ``scenario`` and store its results.

    The run is marked running; a watcher thread records a heartbeat and the progress, and
    stops the run when someone asks to cancel it (``fundsvc runs cancel``). On any error the
    run is marked failed with the reason (cancelled after a cancel request) and its files and
    spool folder are deleted; the error is re-raised (:class:`RunCancelled` for a cancel).
    ``parent_pid``: a queue worker's supervisor; the process exits if it dies.
    ``steps(stage, fraction)``: finer progress (:data:`~fundsvc.simulation.runner.StepProgress`),
    the simulation's scaled to :data:`STORE_SHARE` short of 1, then ``storing``.
    """
    from fundsvc.store import RunStatus

    run = store.runs.get(run_id)
    if run.status is RunStatus.QUEUED:  # a queue worker's claim already marked it running
        run = store.runs.mark_running(run_id)
    spool = make_spool_dir(run_id)
    watch = RunWatch(store, run_id, parent_pid=parent_pid)
    watch.start()

    def on_chunk(done: int, total: int) -> None:
        faults.point("chunk")
        watch.progress(done, total)
        if progress is not None:
            progress(done, total)

    try:
        with watch.interruptible():  # a cancel stops the simulation, not the final write
            compiled = compile_scenario(scenario)
            params = run.parameters or {}
            spec = RunSpec.resolve(
                scenario, paths=run.n_paths, seed=run.seed, chunk_size=run.chunk_size,
                executor=Executor(run.executor), workers=params.get("workers"),
                depletion_target=params.get("depletion_target"), dask_address=dask_address,
                keep_paths_in_memory=keep_paths_in_memory, precision=params.get("precision"))
            sim_steps = None if steps is None else (lambda stage, f: steps(stage, (1 - STORE_SHARE) * f))
            result = run_simulation(compiled, spec, progress=on_chunk, spool_dir=spool, steps=sim_steps)
        if fail_hook is not None:  # fault injection in tests
            fail_hook(result)
        if steps is not None:
            steps("storing", 1 - STORE_SHARE)
        t0 = time.perf_counter()
        if result.artifact_files:  # the Parquet files written while simulating: adopted, not re-encoded
            store.runs.complete_files(run_id, result.tables(), {n: (p,) for n, p in result.artifact_files.items()},
                                      result.timings, n_paths=result.n_paths)
        elif result.streamed:
            store.runs.complete_files(run_id, result.tables(), result.array_files(), result.timings,
                                      n_paths=result.n_paths)
        else:
            store.runs.complete(run_id, result.tables(), result.arrays(), result.timings, n_paths=result.n_paths)
        result.timings["store"] = time.perf_counter() - t0  # after the fact: not in the stored timings
        if steps is not None:
            steps("stored", 1.0)
    except BaseException as exc:
        watch.stop()
        shutil.rmtree(spool, ignore_errors=True)
        cancelled = watch.cancel_seen
        try:
            if cancelled:
                store.runs.mark_cancelled(run_id)
            else:
                reason = "interrupted" if isinstance(exc, KeyboardInterrupt) else f"{type(exc).__name__}: {exc}"
                store.runs.fail(run_id, reason)
        except Exception as marking:  # noqa: BLE001 - the store failing must not hide the original error
            exc.add_note(f"could not mark run {run_id} {'cancelled' if cancelled else 'failed'}: {marking}")
        if cancelled:
            raise RunCancelled(f"run {run_id} was cancelled") from None
        raise
    watch.stop()
    shutil.rmtree(spool, ignore_errors=True)
    return result


def simulate_and_store(
    store,
    loaded: LoadedScenario,
    *,
    paths: int | None = None,
    seed: int | None = None,
    chunk_size: int | None = None,
    executor: Executor | None = None,
    workers: int | None = None,
    label: str | None = None,
    progress: Progress | None = None,
    depletion_target: float | None = None,
    dask_address: str | None = None,
    keep_paths_in_memory: bool | None = None,
    precision: float | None = None,
    steps: StepProgress | None = None,
) -> StoredRun:
    """Simulate a loaded scenario in this process and store the run.

    Parameters
    ----------
    store : fundsvc.store.Store
    loaded : LoadedScenario
    paths : int, optional
        Default: the scenario's ``simulation.paths``.
    seed : int, optional
        Default: the scenario's ``simulation.seed`` (a fresh random seed if that is empty); the
        seed used is stored with the run.
    chunk_size, executor, workers, progress, steps
        See :func:`fundsvc.simulation.run_simulation` (``steps`` ends with storing the run).
    depletion_target : float, optional
        Also solve each pool's initial balance for P(depletion within the horizon) <= target.
    dask_address, keep_paths_in_memory
        See :func:`fundsvc.simulation.run_simulation`. A streamed run's path-level Parquet
        parts are merged into the run's artifacts without loading them whole
        (:meth:`~fundsvc.store.runs.RunRepository.complete_files`) and then deleted.
    precision : float, optional
        Stop adding chunks when the headline figures' relative half-width is at or below this;
        ``paths`` (default 1,000,000) is the budget and the run stores the paths used.

    Raises
    ------
    InputError
        A bad request (nothing is stored).
    RunCancelled
        Someone cancelled the run (it is stored as cancelled).
    """
    run_id, scenario_id = record_run(
        store, loaded, paths=paths, seed=seed, chunk_size=chunk_size, executor=executor, workers=workers,
        label=label, depletion_target=depletion_target, precision=precision)
    result = execute_run(store, run_id, loaded.scenario, progress=progress, dask_address=dask_address,
                         keep_paths_in_memory=keep_paths_in_memory, steps=steps)
    return StoredRun(run_id, scenario_id, result)


def _store_facts(store, run_id: int, loaded: LoadedScenario, compiled) -> None:
    """Make the run self-describing: resolved scenario, input hashes, compiled facts."""
    from fundsvc.assessment.facts import scenario_facts
    from fundsvc.store.run_facts import input_hashes

    facts = scenario_facts(compiled.scenario, compiled.equity).to_dict()
    facts["grids"] = {"factor": compiled.grid.to_dict(),
                      **{side.value: m.grid.to_dict() for side, m in compiled.models.items()}}
    if loaded.files:
        inputs = input_hashes(loaded.files, Path(loaded.path).parent)
    else:  # not read from files (an upload): the text itself is the only input
        inputs = [{"name": Path(loaded.path).name, "sha256": hashlib.sha256(loaded.text.encode("utf-8")).hexdigest()}]
    store.run_facts.add(run_id, compiled.scenario, facts=facts, inputs=inputs)
