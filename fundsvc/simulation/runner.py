"""Run all chunks of a simulation on an executor and merge them in chunk order.

Chunks are fixed-size and seeded by their index (``fundsvc.engine.sampling``), and results are
merged in chunk order, so the serial and the process executors give bit-identical results for
any number of workers.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from enum import StrEnum

from fundsvc.engine.sampling import DEFAULT_CHUNK_SIZE, Chunk, chunk_plan, normalise_seed
from fundsvc.simulation.chunk import ChunkOutput, run_chunk
from fundsvc.simulation.compiled import CompiledScenario
from fundsvc.simulation.result import SimulationResult, merge_chunks

DEFAULT_FAN_PATHS = 20_000
"""Fan charts (quantiles per quarter) use the run's first paths, up to this many."""

Progress = Callable[[int, int], None]


class Executor(StrEnum):
    SERIAL = "serial"
    PROCESSES = "processes"


_WORKER_STATE: dict = {}


def _init_worker(compiled: CompiledScenario, seed: int, fan_paths: int, keep_claims: bool) -> None:
    _WORKER_STATE.update(compiled=compiled, seed=seed, fan_paths=fan_paths, keep_claims=keep_claims)


def _worker_run(chunk: Chunk) -> ChunkOutput:
    w = _WORKER_STATE
    return run_chunk(w["compiled"], w["seed"], chunk, w["fan_paths"], w["keep_claims"])


def iter_chunks(
    compiled: CompiledScenario,
    seed: int,
    chunks: list[Chunk],
    *,
    executor: Executor = Executor.SERIAL,
    workers: int | None = None,
    fan_paths: int = DEFAULT_FAN_PATHS,
    keep_claims: bool = False,
) -> Iterator[ChunkOutput]:
    """Yield each chunk's output, in chunk order, computed on ``executor``."""
    if executor is Executor.SERIAL or len(chunks) == 1:
        for c in chunks:
            yield run_chunk(compiled, seed, c, fan_paths, keep_claims)
        return
    n = workers or min(len(chunks), os.cpu_count() or 1)
    with ProcessPoolExecutor(max_workers=n, initializer=_init_worker,
                             initargs=(compiled, seed, fan_paths, keep_claims)) as pool:
        yield from pool.map(_worker_run, chunks)


def run_simulation(
    compiled: CompiledScenario,
    *,
    paths: int,
    seed: int | None,
    chunk_size: int = DEFAULT_CHUNK_SIZE,
    executor: Executor = Executor.SERIAL,
    workers: int | None = None,
    fan_paths: int = DEFAULT_FAN_PATHS,
    progress: Progress | None = None,
    depletion_target: float | None = None,
) -> SimulationResult:
    """Simulate ``paths`` paths of a compiled scenario.

    Parameters
    ----------
    compiled : CompiledScenario
    paths : int
        Number of Monte Carlo paths.
    seed : int or None
        ``None`` draws a fresh seed (recorded in the result).
    chunk_size : int
        Paths per chunk; part of the result's identity together with the seed.
    executor : Executor
    workers : int, optional
        Processes for ``Executor.PROCESSES`` (default: one per core, at most one per chunk).
    fan_paths : int
        How many of the first paths feed the fan charts.
    progress : callable(done, total), optional
        Called after each chunk.
    depletion_target : float in (0, 1), optional
        Also solve, for each pool, the initial balance and the annual top-up that keep the
        probability of depletion within the horizon at or below this target (common random
        numbers: the run's own claims).
    """
    if depletion_target is not None and not 0 < depletion_target < 1:
        raise ValueError(f"depletion_target must lie strictly between 0 and 1, got {depletion_target}")
    keep = depletion_target is not None and compiled.credit is not None and compiled.credit.n_pools > 0
    seed = normalise_seed(seed)
    chunks = chunk_plan(paths, chunk_size)
    t_start = time.perf_counter()
    outputs = []
    for i, out in enumerate(iter_chunks(compiled, seed, chunks, executor=executor, workers=workers,
                                        fan_paths=fan_paths, keep_claims=keep)):
        outputs.append(out)
        if progress is not None:
            progress(i + 1, len(chunks))
    t_sim = time.perf_counter() - t_start
    result = merge_chunks(compiled, outputs, seed=seed, chunk_size=chunk_size, executor=executor.value,
                          depletion_target=depletion_target if keep else None)
    result.timings["simulate_wall"] = t_sim
    result.timings["merge"] = time.perf_counter() - t_start - t_sim
    return result
