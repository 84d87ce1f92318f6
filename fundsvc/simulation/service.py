"""Run a scenario and keep the run: the service behind ``fundsvc simulate`` and the dashboards.

A run is recorded as queued, then running (with a heartbeat per chunk), then either
succeeded with all its tables and Parquet files written in one transaction, or failed with
the reason — never half-written (see :meth:`fundsvc.store.runs.RunRepository.complete`).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from fundsvc.inputs.loader import LoadedScenario
from fundsvc.inputs.tables import loan_book_frame
from fundsvc.simulation.compiled import compile_scenario
from fundsvc.simulation.result import SimulationResult
from fundsvc.simulation.runner import Executor, Progress, run_simulation
from fundsvc.simulation.spec import RunSpec


@dataclass(frozen=True)
class StoredRun:
    run_id: int
    scenario_id: int
    result: SimulationResult


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
) -> StoredRun:
    """Simulate a loaded scenario and store the run.

    Parameters
    ----------
    store : fundsvc.store.Store
    loaded : LoadedScenario
    paths : int, optional
        Default: the scenario's ``simulation.paths``.
    seed : int, optional
        Default: the scenario's ``simulation.seed`` (a fresh random seed if that is empty); the
        seed used is stored with the run.
    chunk_size, executor, workers, progress
        See :func:`fundsvc.simulation.run_simulation`.
    depletion_target : float, optional
        Also solve each pool's initial balance for P(depletion within the horizon) <= target.
    dask_address, keep_paths_in_memory
        See :func:`fundsvc.simulation.run_simulation`. A streamed run's path-level Parquet
        parts are merged into the run's artifacts without loading them whole
        (:meth:`~fundsvc.store.runs.RunRepository.complete_files`) and then deleted.
    """
    s = loaded.scenario
    spec = RunSpec.resolve(s, paths=paths, seed=seed, chunk_size=chunk_size, executor=executor, workers=workers,
                           depletion_target=depletion_target, dask_address=dask_address,
                           keep_paths_in_memory=keep_paths_in_memory)
    scen = store.scenarios.add(s.name, loaded.text, source_path=str(loaded.path))
    book_id = None
    if loaded.loan_book_path is not None and s.loans:
        book = store.loan_books.add(scen.id, f"{s.name} loans", loan_book_frame(s.loans),
                                    source_path=str(loaded.loan_book_path))
        book_id = book.id
    run_id = store.runs.create(
        scen.id, spec.seed, spec.paths, spec.chunk_size, spec.executor, loan_book_id=book_id, label=label,
        parameters={"workers": workers, "content_sha256": loaded.content_sha256,
                    "depletion_target": depletion_target},
    )
    try:
        compiled = compile_scenario(s)
        _store_facts(store, run_id, loaded, compiled)
    except BaseException as exc:
        _fail(store, run_id, exc)
        raise
    store.runs.mark_running(run_id)

    def on_chunk(done: int, total: int) -> None:
        store.runs.heartbeat(run_id)
        if progress is not None:
            progress(done, total)

    try:
        result = run_simulation(compiled, spec, progress=on_chunk)
        if result.streamed:
            try:
                store.runs.complete_files(run_id, result.tables(), result.array_files(), result.timings)
            finally:
                result.discard_spool()
        else:
            store.runs.complete(run_id, result.tables(), result.arrays(), result.timings)
    except BaseException as exc:
        _fail(store, run_id, exc)
        raise
    return StoredRun(run_id, scen.id, result)


def _fail(store, run_id: int, exc: BaseException) -> None:
    reason = "interrupted" if isinstance(exc, KeyboardInterrupt) else f"{type(exc).__name__}: {exc}"
    try:
        store.runs.fail(run_id, reason)
    except Exception:  # the store itself failing must not hide the original error
        pass


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
