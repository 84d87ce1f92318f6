"""Side-selective reruns: simulate again only the engine sides whose inputs changed.

A what-if that changes venture inputs (graduation rates, reserves, fees) leaves the credit side's
inputs untouched. Every random number of a run comes from a stream addressed by
``(seed, chunk index, component)`` (:func:`fundsvc.engine.sampling.stream`), and the sides share
only the market factors (their own component), so with the base run's seed and chunk size an
unchanged side's results are bit-identical to the base run's: they are taken from the base run's
tables instead of recomputed (:func:`rerun_changed`; the test
``tests/simulation/test_partial.py`` checks the reused and the rerun tables against a full rerun,
exactly).

Which side reads which scenario field is :data:`SIDE_INPUTS` (every field of
:class:`models.scenario.Scenario` must be listed; a test fails when a new field is not).
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

import polars as pl

from fundsvc.engine.grid import TimeGrid
from fundsvc.engine.sampling import chunk_plan, normalise_seed
from fundsvc.simulation.chunk import chunk_market, side_market
from fundsvc.simulation.compiled import CompiledScenario
from fundsvc.simulation.contract import split_columns
from fundsvc.simulation.reduce import PreparedChunk, RunReducer
from fundsvc.simulation.registry import Side, TableKind, TableName, tables_of
from fundsvc.simulation.spec import DEFAULT_FAN_PATHS

__all__ = ["ENGINE_SIDES", "SIDE_INPUTS", "PartialRun", "changed_sides", "rerun_changed"]

ENGINE_SIDES: frozenset[Side] = frozenset({Side.VENTURE, Side.CREDIT})
_NONE: frozenset[Side] = frozenset()

SIDE_INPUTS: dict[str, frozenset[Side]] = {
    # descriptive / post-simulation only
    "name": _NONE, "title": _NONE, "title_zh": _NONE, "description": _NONE, "assessment": _NONE,
    # shared: the grid, the paths, the market factors and their conditioning / shift
    "simulation": ENGINE_SIDES, "market": ENGINE_SIDES, "market_conditions": ENGINE_SIDES,
    "factor_shift": ENGINE_SIDES,
    # venture side (fundsvc.engine.venture.equity.compile_equity)
    "guidance_fund": frozenset({Side.VENTURE}), "sub_funds": frozenset({Side.VENTURE}),
    "stage_profiles": frozenset({Side.VENTURE}),
    # credit side (fundsvc.credit.engine.compile_credit)
    "pd_master_scale": frozenset({Side.CREDIT}), "ip_recovery": frozenset({Side.CREDIT}),
    "recovery_sources": frozenset({Side.CREDIT}), "asset_correlation": frozenset({Side.CREDIT}),
    "pools": frozenset({Side.CREDIT}), "loans": frozenset({Side.CREDIT}),
}
"""Scenario field → the engine sides whose compiled model (or random numbers) depend on it.
``market``, ``simulation``, ``market_conditions`` and ``factor_shift`` feed every side (the
shared factors, the grid); a change there reruns the whole programme."""

_SHARED = tuple(k for k, v in SIDE_INPUTS.items() if v == ENGINE_SIDES)


def changed_sides(base, modified) -> frozenset[Side]:
    """The engine sides whose inputs differ between scenarios ``base`` and ``modified``.

    Raises
    ------
    KeyError
        A scenario field missing from :data:`SIDE_INPUTS` differs (classify it there).
    """
    out: set[Side] = set()
    for name in type(base).model_fields:
        if getattr(base, name) != getattr(modified, name):
            if name not in SIDE_INPUTS:
                raise KeyError(f"scenario field {name!r} is not classified in fundsvc.simulation.partial.SIDE_INPUTS")
            out |= SIDE_INPUTS[name]
    return frozenset(out)


@dataclass(frozen=True)
class PartialRun:
    """The summary tables of a rerun that simulated only some sides.

    Attributes
    ----------
    tables : dict of TableName to polars.DataFrame
        Summary tables (``TableKind.SUMMARY``) of every side: recomputed for ``rerun``, taken from
        the base for ``reused`` (bit-identical to a full rerun with the same seed and chunk size).
    rerun, reused : frozenset of Side
    n_paths : int
    seconds : dict of str to float
        Wall time per stage (``market``, each rerun side, ``tables``).
    """

    tables: dict
    rerun: frozenset
    reused: frozenset
    n_paths: int
    seconds: dict = field(default_factory=dict)


def base_market(compiled: CompiledScenario, seed: int, chunk, cache: dict | None = None):
    """The factor paths of ``chunk`` of a run of ``compiled`` with ``seed`` (the same draw as
    :func:`fundsvc.simulation.chunk.run_chunk`), from ``cache`` when it holds them.

    Cached by ``(seed, chunk.index, chunk.size)``: the factors depend on nothing else once the
    scenario's market and grid are fixed."""
    key = (seed, chunk.index, chunk.size)
    if cache is not None and key in cache:
        return cache[key]
    m = chunk_market(compiled, seed, chunk)
    if cache is not None:
        cache[key] = m
    return m


def compile_sides(scenario, sides: Iterable[Side]) -> dict:
    """The models of ``sides`` compiled for ``scenario`` on its factor grid (the base run's when
    the shared inputs are unchanged)."""
    from fundsvc.simulation.sides import side_for

    grid = TimeGrid.factor_grid(scenario)
    out = {}
    for name in sides:
        m = side_for(name).compile(scenario, grid)
        if m is not None:
            out[name] = m
    return out


def rerun_changed(
    base: CompiledScenario,
    scenario,
    *,
    paths: int,
    seed: int,
    chunk_size: int,
    base_tables: Mapping | None = None,
    fan_paths: int = DEFAULT_FAN_PATHS,
    market_cache: dict | None = None,
    models: dict | None = None,
    sides: Iterable[Side] | None = None,
    only: Iterable[TableName] | None = None,
) -> PartialRun:
    """Rerun ``scenario`` (a change of ``base.scenario``) simulating only the sides whose inputs changed.

    Parameters
    ----------
    base : CompiledScenario
        The base run's compiled scenario.
    scenario : Scenario
        The changed scenario.
    paths, seed, chunk_size
        Those of the base run whose tables are reused (its random numbers).
    base_tables : mapping of TableName to DataFrame, optional
        The base run's summary tables at ``paths`` paths; an unchanged side's tables are taken from
        here (a side whose tables are missing is not reported).
    fan_paths : int
        As in the base run.
    market_cache : dict, optional
        Factor paths per chunk kept between reruns (:func:`base_market`); not used when the
        shared inputs changed.
    models : dict of Side to model, optional
        The changed sides' compiled models (default: compiled here).
    sides : iterable of Side, optional
        The sides to rerun (default :func:`changed_sides`).
    only : iterable of TableName, optional
        Compute (and reuse) just these summary tables (e.g. ``{TableName.EQUITY_SUMMARY}`` for a
        what-if: the per-step quantile grid alone costs more than the simulation at 2,000 paths).

    Returns
    -------
    PartialRun
    """
    from fundsvc.simulation.sides import side_for

    only = None if only is None else frozenset(only)
    seed = normalise_seed(seed)
    rerun = frozenset(changed_sides(base.scenario, scenario) if sides is None else sides) & frozenset(
        {*base.models, *(models or {})})
    shared_changed = any(getattr(base.scenario, k) != getattr(scenario, k) for k in _SHARED)
    t0 = time.perf_counter()
    if models is None:
        models = compile_sides(scenario, rerun)
    seconds = {"compile": time.perf_counter() - t0}
    market_src = base
    if shared_changed:
        from fundsvc.simulation.compiled import compile_scenario

        market_src, market_cache = compile_scenario(scenario), None
    sides_run = tuple(name for name in rerun if name in models)
    reducer = RunReducer(base)  # the run's own reduction (chunk order), without path-level tables
    try:
        for chunk in chunk_plan(paths, chunk_size):
            t0 = time.perf_counter()
            market = base_market(market_src, seed, chunk, market_cache)
            seconds["market"] = seconds.get("market", 0.0) + time.perf_counter() - t0
            reduced = {}
            for name in sides_run:
                t0 = time.perf_counter()
                side, model = side_for(name), models[name]
                sim = side.simulate(model, side_market(market, model, scenario, name, seed, chunk), seed, chunk)
                sim = sim[0] if isinstance(sim, tuple) else sim  # credit: (chunk, claims or None)
                reduced[name] = split_columns(side, side.columns(model, sim), chunk.size, chunk.start, fan_paths)
                del sim
                seconds[name.value] = seconds.get(name.value, 0.0) + time.perf_counter() - t0
            reducer.add(PreparedChunk(chunk=chunk, parts={}, reduced=reduced, claims=None, timings={}))
        t0 = time.perf_counter()
        tables: dict = {}
        for name in sides_run:
            tables.update(side_for(name).tables(models[name], reducer.reduced_columns(name), TableKind.SUMMARY,
                                                only=only))
        seconds["tables"] = time.perf_counter() - t0
    finally:
        reducer.discard()
    reused = frozenset(base.models) - frozenset(sides_run)
    for name in reused:
        for t in tables_of(name, TableKind.SUMMARY):
            if base_tables is not None and t in base_tables and (only is None or t in only):
                tables[t] = base_tables[t]
    return PartialRun(tables, frozenset(sides_run), reused, paths, seconds)


def summary_tables(result) -> dict[TableName, pl.DataFrame]:
    """A :class:`~fundsvc.simulation.result.SimulationResult`'s summary tables keyed by TableName."""
    return {TableName(k): v for k, v in result.tables().items()}
