"""Run all chunks of a simulation on an executor and reduce them in chunk order.

Chunks are fixed-size and seeded by their index (``fundsvc.engine.sampling``), and results are
reduced in chunk order by a streaming :class:`~fundsvc.simulation.reduce.RunReducer`, so the
serial, process and Dask executors give bit-identical results for any number of workers, and
memory is bounded by the chunk size and the per-path summaries, not by paths × steps.
"""

from __future__ import annotations

import os
import time
from dataclasses import replace
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context
from pathlib import Path

from fundsvc.engine.sampling import Chunk, chunk_plan
from fundsvc.simulation.compiled import CompiledScenario
from fundsvc.simulation.precision import PrecisionLog, sequential_batches
from fundsvc.simulation.reduce import PreparedChunk, RunReducer, run_prepared
from fundsvc.simulation.result import SimulationResult, finish
from fundsvc.simulation.spec import DEFAULT_FAN_PATHS, Executor, RunSpec

__all__ = ["DEFAULT_FAN_PATHS", "IN_MEMORY_PATHS", "Executor", "RunSpec", "RunSteps", "StepProgress",
           "default_workers", "iter_chunks", "run_simulation"]
IN_MEMORY_PATHS = 250_000
"""Up to this many paths the path-level tables are read into the result by default; above it
the result refers to Parquet part files (``SimulationResult.array_parts``)."""

Progress = Callable[[int, int], None]
StepProgress = Callable[[str, float], None]
"""``(stage, fraction)``: what the run is doing now (``chunk 1/1: venture``, ``summaries``,
``pool sizing`` …) and the fraction of its work already done, in [0, 1], never decreasing —
reported within each chunk (in-process runs), then through the merge stages."""

CHUNK_STEPS: dict[str, float] = {"market": 0.05, "venture": 0.60, "credit": 0.97}
"""Share of one chunk's work done after each of its steps (then 1 when reduced). Assumption:
time shares measured on ``hangzhou_baseline`` at 10,000 paths (factors 0.9 s, venture 10.7 s,
credit 6.8 s, reduction 0.6 s; 2-core machine, issue 16)."""

MERGE_WEIGHTS: dict[str, float] = {"summaries": 0.42, "pool sizing": 0.75, "headlines": 0.02}
"""Work of each merge stage relative to all the chunks' (1.0), in the order they run. Assumption:
measured on the same run (summaries 8.1 s, pool sizing 14.4 s, headlines < 0.1 s, chunks 19.1 s);
both scale with the number of paths, like the chunks."""


class RunSteps:
    """Turns chunk steps and merge stages into :data:`StepProgress` reports: the stage that runs
    next and the fraction of the run's work done (by :data:`CHUNK_STEPS` and
    :data:`MERGE_WEIGHTS`; clipped so that it never goes back).

    ``sides``: the engine sides the scenario runs, in order (``venture``, ``credit``);
    ``sizing``: whether the merge sizes the pools.
    """

    def __init__(self, report: StepProgress, n_chunks: int, *, sizing: bool,
                 sides: tuple[str, ...] = ("venture", "credit")):
        self._report = report
        self._n = max(int(n_chunks), 1)
        self._order = ["market", *sides]
        self._stages = [name for name in MERGE_WEIGHTS if sizing or name != "pool sizing"]
        self._offsets: dict[str, float] = {}
        at = 1.0
        for name in self._stages:
            self._offsets[name] = at
            at += MERGE_WEIGHTS[name]
        self._total = at
        self.last = 0.0

    def _emit(self, stage: str, work: float) -> None:
        self.last = min(1.0, max(self.last, work / self._total))
        self._report(stage, self.last)

    def _in_chunk(self, index: int, step: str) -> str:
        return f"chunk {index + 1}/{self._n}: {step}"

    def start(self) -> None:
        """Before the first chunk."""
        self._emit(self._in_chunk(0, self._order[0]), 0.0)

    def chunk_step(self, chunk: Chunk, step: str) -> None:
        """After ``step`` (market, venture, credit) of ``chunk``."""
        k = self._order.index(step) + 1 if step in self._order else len(self._order)
        after = self._order[k] if k < len(self._order) else "reducing"
        self._emit(self._in_chunk(chunk.index, after), (chunk.index + CHUNK_STEPS.get(step, 1.0)) / self._n)

    def chunk_done(self, done: int) -> None:
        """After the ``done``-th chunk is reduced."""
        after = self._in_chunk(done, self._order[0]) if done < self._n else self._stages[0]
        self._emit(after, done / self._n)

    def merge(self, stage: str, fraction: float) -> None:
        """A merge stage (:data:`MERGE_WEIGHTS`) is ``fraction`` done."""
        if stage not in self._offsets:
            return
        after = stage
        if fraction >= 1.0:
            k = self._stages.index(stage) + 1
            after = self._stages[k] if k < len(self._stages) else "finishing"
        self._emit(after, self._offsets[stage] + MERGE_WEIGHTS[stage] * fraction)


MIN_PARALLEL_PATHS = 20_000
"""Below this many paths a run stays in this process by default (:func:`default_workers`):
starting spawned workers (imports, unpickling the compiled scenario) costs a few seconds, about
what one 10,000-path chunk of the baseline takes to simulate (measured on a 2-core machine,
see the store note of issue 17)."""


def default_workers(paths: int, chunk_size: int, *, cpus: int | None = None) -> int:
    """Worker processes to use when the caller did not choose (the CLI's ``--workers`` default).

    One per core, at most one per chunk, when the run has at least two chunks and at least
    :data:`MIN_PARALLEL_PATHS` paths; otherwise 1 (run in this process). The answer does not
    depend on it: chunks are seeded by their index and reduced in chunk order.
    """
    n_chunks = -(-int(paths) // int(chunk_size))
    cores = cpus if cpus is not None else (os.cpu_count() or 1)
    if n_chunks < 2 or paths < MIN_PARALLEL_PATHS or cores < 2:
        return 1
    return min(cores, n_chunks)


def default_dask_address() -> str | None:
    """``FUNDSVC_DASK_ADDRESS`` (via :func:`fundsvc.settings.get_settings`), or None."""
    from fundsvc.settings import get_settings

    return get_settings().dask_address


_WORKER_STATE: dict = {}


def _init_worker(compiled: CompiledScenario, seed: int, fan_paths: int, keep_claims: bool) -> None:
    _WORKER_STATE.update(compiled=compiled, seed=seed, fan_paths=fan_paths, keep_claims=keep_claims)


def _worker_run(chunk: Chunk) -> PreparedChunk:
    w = _WORKER_STATE
    return run_prepared(w["compiled"], w["seed"], chunk, w["fan_paths"], w["keep_claims"])


def iter_chunks(
    compiled: CompiledScenario,
    seed: int,
    chunks: list[Chunk],
    *,
    executor: Executor = Executor.SERIAL,
    workers: int | None = None,
    fan_paths: int = DEFAULT_FAN_PATHS,
    keep_claims: bool = False,
    dask_address: str | None = None,
    dask_client=None,
    on_step: Callable[[Chunk, str], None] | None = None,
) -> Iterator[PreparedChunk]:
    """Yield each chunk's prepared output, in chunk order, computed on ``executor``.

    ``on_step(chunk, step)``: progress within a chunk, reported by chunks run in this process
    (serial executor, or a single chunk); worker processes report nothing until a chunk is done.
    """
    if executor is Executor.DASK:
        from fundsvc.simulation.dask_executor import iter_chunks_dask

        yield from iter_chunks_dask(compiled, seed, chunks, address=dask_address or default_dask_address(),
                                    client=dask_client, fan_paths=fan_paths, keep_claims=keep_claims)
        return
    if executor is Executor.SERIAL or len(chunks) == 1:
        for c in chunks:
            step = None if on_step is None else (lambda name, _c=c: on_step(_c, name))
            yield run_prepared(compiled, seed, c, fan_paths, keep_claims, step)
        return
    n = workers or min(len(chunks), os.cpu_count() or 1)
    # spawn, not fork: a forked child inherits the parent's polars/BLAS thread-pool locks and
    # can deadlock once the parent has used polars (as the streaming reducer does)
    with ProcessPoolExecutor(max_workers=n, initializer=_init_worker, mp_context=get_context("spawn"),
                             initargs=(compiled, seed, fan_paths, keep_claims)) as pool:
        yield from pool.map(_worker_run, chunks)


def run_simulation(
    compiled: CompiledScenario,
    spec: RunSpec | None = None,
    *,
    paths: int | None = None,
    seed: int | None = None,
    chunk_size: int | None = None,
    executor: Executor | str | None = None,
    workers: int | None = None,
    fan_paths: int | None = None,
    progress: Progress | None = None,
    depletion_target: float | None = None,
    dask_address: str | None = None,
    dask_client=None,
    keep_paths_in_memory: bool | None = None,
    spool_dir: Path | None = None,
    precision: float | None = None,
    steps: StepProgress | None = None,
) -> SimulationResult:
    """Simulate ``paths`` paths of a compiled scenario.

    Parameters
    ----------
    compiled : CompiledScenario
    spec : RunSpec, optional
        The resolved run; if omitted it is resolved from the keyword arguments below
        (:meth:`RunSpec.resolve`, the one place the defaults live; ``seed=None`` draws a
        fresh seed, recorded in the result).
    paths : int
        Number of Monte Carlo paths (required without ``spec``).
    seed : int or None
        ``None`` draws a fresh seed (recorded in the result).
    chunk_size : int
        Paths per chunk; part of the result's identity together with the seed.
    executor : Executor
        ``SERIAL``, ``PROCESSES`` (local process pool) or ``DASK`` (a distributed cluster).
    workers : int, optional
        Processes for ``Executor.PROCESSES`` (default: one per core, at most one per chunk).
    fan_paths : int
        How many of the first paths feed the fan charts.
    progress : callable(done, total), optional
        Called after each chunk is reduced (chunks done, chunks planned).
    steps : callable(stage, fraction), optional
        Finer progress (:data:`StepProgress`): the stage (``chunk 1/1 · venture``, ``summaries``,
        ``pool sizing`` …) and the fraction of the run's work done, reported within each chunk
        run in this process and through the merge, so a one-chunk run moves too. Neither
        callback changes the random numbers or the results.
    depletion_target : float in (0, 1), optional
        Also solve, for each pool, the initial balance and the annual top-up that keep the
        probability of depletion within the horizon at or below this target (common random
        numbers: the run's own claims, spooled to disk in compact form and read back one chunk at
        a time, :mod:`fundsvc.credit.pools.claim_spool`).
    dask_address : str, optional
        Scheduler address for ``Executor.DASK``; default ``FUNDSVC_DASK_ADDRESS``.
    dask_client : distributed.Client, optional
        An existing client for ``Executor.DASK`` (takes precedence over the address).
    keep_paths_in_memory : bool, optional
        Read the path-level tables into the result (default: when ``paths <=``
        :data:`IN_MEMORY_PATHS`). Otherwise they stay in Parquet part files under the result's
        ``spool_dir`` (the caller deletes it with ``result.discard_spool()``).
    spool_dir : Path, optional
        Where to spool the run (default: a new temporary directory, deleted at the end for an
        in-memory result). A given ``spool_dir`` is left to the caller: it holds the run's
        Parquet files (``result.artifact_files``), which the store adopts as they are.
    precision : float, optional
        Target relative half-width of the headline figures' 95 % intervals (e.g. 0.01): chunks
        are added until it is met, with ``paths`` as the budget (sequential stopping,
        :mod:`fundsvc.simulation.precision`). ``result.n_paths`` is the number used and
        ``result.precision`` says whether the target was reached.

    Results are identical, bit for bit, whichever executor and however many workers run the
    chunks, and whether or not the path tables are kept in memory.
    """
    if spec is None:
        spec = RunSpec.resolve(None, paths=paths, seed=seed, chunk_size=chunk_size, executor=executor,
                               workers=workers, fan_paths=fan_paths, depletion_target=depletion_target,
                               dask_address=dask_address, keep_paths_in_memory=keep_paths_in_memory,
                               precision=precision)
    executor = spec.executor
    depletion_target = spec.depletion_target
    keep = depletion_target is not None and compiled.credit is not None and compiled.credit.n_pools > 0
    paths, seed, chunk_size = spec.paths, spec.seed, spec.chunk_size
    in_memory = paths <= IN_MEMORY_PATHS if spec.keep_paths_in_memory is None else spec.keep_paths_in_memory
    precision = spec.precision
    chunks = chunk_plan(paths, chunk_size)
    t_start = time.perf_counter()
    reducer = RunReducer(compiled, spool_dir=spool_dir, keep_claims=keep, keep_frames=in_memory)
    log = None
    if precision is None:
        batches = iter([chunks])
    else:
        log = PrecisionLog(precision, paths)
        batches = sequential_batches(chunks, reducer.headlines, log, lambda: reducer.n_paths)
    tracker = None
    if steps is not None:
        from fundsvc.simulation.sides import SIDES

        sides = tuple(side.value for side in SIDES if compiled.models.get(side) is not None)  # run_chunk's order
        tracker = RunSteps(steps, len(chunks), sizing=keep, sides=sides)
        tracker.start()
    try:
        for batch in batches:
            for out in iter_chunks(compiled, seed, batch, executor=executor, workers=spec.workers,
                                   fan_paths=spec.fan_paths, keep_claims=keep,
                                   dask_address=spec.dask_address, dask_client=dask_client,
                                   on_step=tracker.chunk_step if tracker is not None else None):
                reducer.add(out)
                del out
                if progress is not None:
                    progress(reducer.next_index, len(chunks))
                if tracker is not None:
                    tracker.chunk_done(reducer.next_index)
        if log is None and reducer.n_paths != paths:  # pragma: no cover - defensive: never report a partial run
            raise RuntimeError(f"only {reducer.n_paths} of {paths} paths were simulated")
        t_sim = time.perf_counter() - t_start
        result = finish(reducer, seed=seed, chunk_size=chunk_size, executor=executor.value,
                        depletion_target=depletion_target if keep else None, keep_paths_in_memory=in_memory,
                        precision=log, on_step=tracker.merge if tracker is not None else None)
    except BaseException:
        reducer.discard()
        raise
    if in_memory and spool_dir is None:  # nobody will adopt the files
        reducer.discard()
        result = replace(result, artifact_files={}, spool_dir=None)
    result.timings["simulate_wall"] = t_sim
    result.timings["merge"] = time.perf_counter() - t_start - t_sim
    return result
