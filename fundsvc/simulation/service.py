"""Run a scenario and keep the run: the service behind ``fundsvc simulate`` and the dashboards.

A run is recorded as queued, then running (with a heartbeat per chunk), then either
succeeded with all its tables and Parquet files written in one transaction, or failed with
the reason — never half-written (see :meth:`fundsvc.store.runs.RunRepository.complete`).
"""

from __future__ import annotations

from dataclasses import dataclass

from fundsvc.engine.sampling import DEFAULT_CHUNK_SIZE, normalise_seed
from fundsvc.inputs.loader import LoadedScenario
from fundsvc.inputs.tables import loan_book_frame
from fundsvc.simulation.compiled import compile_scenario
from fundsvc.simulation.precision import DEFAULT_MAX_PATHS
from fundsvc.simulation.result import SimulationResult
from fundsvc.simulation.runner import Executor, Progress, run_simulation


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
    chunk_size: int = DEFAULT_CHUNK_SIZE,
    executor: Executor = Executor.SERIAL,
    workers: int | None = None,
    label: str | None = None,
    progress: Progress | None = None,
    depletion_target: float | None = None,
    dask_address: str | None = None,
    keep_paths_in_memory: bool | None = None,
    precision: float | None = None,
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
    dask_address, keep_paths_in_memory, precision
        See :func:`fundsvc.simulation.run_simulation`; with ``precision`` the run stops when the
        headline figures are that precise and ``paths`` (default 1,000,000) is the budget. A streamed run's path-level Parquet
        parts are merged into the run's artifacts without loading them whole
        (:meth:`~fundsvc.store.runs.RunRepository.complete_files`) and then deleted.
    """
    s = loaded.scenario
    if paths is None:
        paths = DEFAULT_MAX_PATHS if precision is not None else s.simulation.paths
    n_paths = paths
    seed = normalise_seed(seed if seed is not None else s.simulation.seed)
    scen = store.scenarios.add(s.name, loaded.text, source_path=str(loaded.path))
    book_id = None
    if loaded.loan_book_path is not None and s.loans:
        book = store.loan_books.add(scen.id, f"{s.name} loans", loan_book_frame(s.loans),
                                    source_path=str(loaded.loan_book_path))
        book_id = book.id
    run_id = store.runs.create(
        scen.id, seed, n_paths, chunk_size, executor, loan_book_id=book_id, label=label,
        parameters={"workers": workers, "content_sha256": loaded.content_sha256,
                    "depletion_target": depletion_target, "precision": precision},
    )
    store.runs.mark_running(run_id)

    def on_chunk(done: int, total: int) -> None:
        store.runs.heartbeat(run_id)
        if progress is not None:
            progress(done, total)

    try:
        compiled = compile_scenario(s)
        result = run_simulation(compiled, paths=n_paths, seed=seed, chunk_size=chunk_size, executor=executor,
                                workers=workers, progress=on_chunk, depletion_target=depletion_target,
                                dask_address=dask_address, keep_paths_in_memory=keep_paths_in_memory,
                                precision=precision)
        if result.streamed:
            try:
                store.runs.complete_files(run_id, result.tables(), result.array_files(), result.timings,
                                          n_paths=result.n_paths)
            finally:
                result.discard_spool()
        else:
            store.runs.complete(run_id, result.tables(), result.arrays(), result.timings, n_paths=result.n_paths)
    except BaseException as exc:
        reason = "interrupted" if isinstance(exc, KeyboardInterrupt) else f"{type(exc).__name__}: {exc}"
        try:
            store.runs.fail(run_id, reason)
        except Exception:  # the store itself failing must not hide the original error
            pass
        raise
    return StoredRun(run_id, scen.id, result)
