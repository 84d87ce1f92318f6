"""One chunk of paths: shared factors once, then every side on them (venture, credit).

:func:`run_chunk` is a pure function of ``(compiled scenario, seed, chunk)``; every random
number comes from a stream addressed by the chunk index, so a chunk gives the same numbers
whichever process or machine runs it. Each side's output is its named per-path columns
(:mod:`fundsvc.simulation.contract`).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from fundsvc.engine.factor_lag import credit_view
from fundsvc.engine.factors import simulate_market
from fundsvc.engine.grid import market_at, market_on
from fundsvc.engine.sampling import Chunk, Component, stream
from fundsvc.simulation.compiled import CompiledScenario
from fundsvc.simulation.registry import Side

__all__ = ["ChunkOutput", "market_for", "run_chunk"]

market_for = market_at
"""The factor paths with a given number of steps a year (:func:`fundsvc.engine.grid.market_at`)."""


@dataclass(frozen=True)
class ChunkOutput:
    """What one chunk contributes to the run.

    Attributes
    ----------
    chunk : Chunk
    columns : dict of Side to dict of str to ndarray
        Each side's per-path columns (path axis first), from ``side.columns``.
    fan_paths : int
        Paths with a run-wide index below this are kept for the fan charts.
    credit_claims : ClaimSet or None
        The chunk's loss claims, kept when pools are to be sized on common random numbers.
    timings : dict
        Seconds per stage.
    """

    chunk: Chunk
    columns: dict = field(default_factory=dict)
    fan_paths: int = 0
    credit_claims: object | None = None
    timings: dict[str, float] = field(default_factory=dict)


def chunk_market(compiled: CompiledScenario, seed: int, chunk: Chunk):
    """The market factor paths of ``chunk`` (its own stream; the conditioning applied), on the
    scenario's factor grid."""
    g = compiled.grid
    return simulate_market(compiled.scenario.market, chunk.size, g.n_steps, g.steps_per_year,
                           stream(seed, chunk.index, Component.FACTORS), compiled.conditions)


def side_market(market, model, scenario, side: Side, seed: int, chunk: Chunk):
    """The factors one side sees: ``market`` (the shared paths, imposed conditions and
    ``[factor_shift]`` already in them) lagged for the credit side by
    ``market.credit_factor_lag_years`` (:func:`fundsvc.engine.factor_lag.credit_view`), on the
    side's grid."""
    if side is Side.CREDIT:
        market = credit_view(market, scenario, seed, chunk.index)
    return market_on(market, model.grid)


def run_chunk(compiled: CompiledScenario, seed: int, chunk: Chunk, fan_paths: int,
              keep_claims: bool = False, on_step=None) -> ChunkOutput:
    """Simulate one chunk of paths of the whole programme.

    Parameters
    ----------
    compiled : CompiledScenario
    seed : int
        The run's normalised seed.
    chunk : Chunk
    fan_paths : int
        Paths with a run-wide index below this are kept for the fan charts.
    keep_claims : bool
        Keep the credit claims (for sizing pools on common random numbers).
    on_step : callable(str), optional
        Called after the market factors (``"market"``) and after each engine side (its name,
        ``"venture"``, ``"credit"``): progress within the chunk. It does not touch the random
        numbers.
    """
    from fundsvc.simulation.sides import SIDES

    s = compiled.scenario
    timings: dict[str, float] = {}
    t0 = time.perf_counter()
    market = chunk_market(compiled, seed, chunk)
    timings["factors"] = time.perf_counter() - t0
    if on_step is not None:
        on_step("market")
    columns: dict = {}
    claims = None
    for name, side in SIDES.items():
        model = compiled.models.get(name)
        if model is None:
            continue
        t0 = time.perf_counter()
        sm = side_market(market, model, s, name, seed, chunk)
        if name is Side.CREDIT:
            sim, claims = side.simulate(model, sm, seed, chunk, keep_claims=keep_claims)
        else:
            sim = side.simulate(model, sm, seed, chunk)
        t1 = time.perf_counter()
        columns[name] = side.columns(model, sim)
        del sim
        timings[name.value] = t1 - t0
        timings[f"{name.value}_columns"] = time.perf_counter() - t1
        if on_step is not None:
            on_step(name.value)
    return ChunkOutput(chunk=chunk, columns=columns, fan_paths=fan_paths, credit_claims=claims, timings=timings)
