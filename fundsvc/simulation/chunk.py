"""One chunk of paths: shared factors once, then the equity and the credit engines on them.

:func:`run_chunk` is a pure function of ``(compiled scenario, seed, chunk)``; every random
number comes from a stream addressed by the chunk index, so a chunk gives the same numbers
whichever process or machine runs it.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field, fields

import numpy as np
import polars as pl

from fundsvc.engine.factor_shift import apply_factor_shift
from fundsvc.engine.factors import MarketPaths, simulate_market
from fundsvc.engine.sampling import Chunk, Component, stream
from fundsvc.simulation.compiled import FACTOR_STEPS_PER_YEAR, CompiledScenario

# EquityChunk fields without a path axis
_EQUITY_SHARED = ("fund_ids", "local_reinvestment_required", "guidance_management_cost")


@dataclass(frozen=True)
class ChunkOutput:
    """What one chunk contributes to the run.

    Attributes
    ----------
    chunk : Chunk
    equity_paths : polars.DataFrame or None
        Per path and entity metrics (see ``summarise_equity``), ``path`` is the run-wide index.
    equity_indicators : polars.DataFrame or None
        Per path and sub-fund policy indicators (CNY, counts, ratios).
    equity_sums : dict of ndarray
        Sums over the chunk's paths of calls, distributions and NAV per entity and step,
        shape (n_entities, n_steps) — mergeable by addition.
    equity_fan_sample : FanSample or None
        The chunk's paths that fall within the run's first ``fan_paths`` paths (the arrays the
        fans and per-quarter quantiles need).
    fan_index_level : ndarray or None
        Index levels of those paths, shape (n_sample, n_steps + 1).
    credit : CreditChunk or None
    credit_claims : ClaimSet or None
        The chunk's loss claims, kept when pools are to be sized on common random numbers.
    timings : dict
        Seconds per stage.
    """

    chunk: Chunk
    equity_paths: pl.DataFrame | None = None
    equity_indicators: pl.DataFrame | None = None
    equity_sums: dict[str, np.ndarray] = field(default_factory=dict)
    equity_fan_sample: object | None = None
    fan_index_level: np.ndarray | None = None
    credit: object | None = None
    credit_claims: object | None = None
    timings: dict[str, float] = field(default_factory=dict)


_FAN_FIELDS = ("guidance_calls", "guidance_distributions", "guidance_nav", "fund_calls", "fund_distributions",
               "fund_nav")


@dataclass(frozen=True)
class FanSample:
    """The arrays of an EquityChunk that fans and per-quarter quantiles need, for the fan-sample
    paths only (own copies, so the chunk's other arrays can be freed). CNY per quarter.

    Attributes
    ----------
    fund_ids : tuple of str
    guidance_calls, guidance_distributions, guidance_nav : ndarray (n_sample, n_steps)
    fund_calls, fund_distributions, fund_nav : ndarray (n_sample, n_funds, n_steps)
        Whole LP base of each sub-fund.
    index_level : ndarray (n_sample, n_steps + 1) or None
        Public index level at the start and at each step end (the market history the fair
        verdict conditions on, :mod:`fundsvc.assessment.conditional`).
    """

    fund_ids: tuple
    guidance_calls: np.ndarray
    guidance_distributions: np.ndarray
    guidance_nav: np.ndarray
    fund_calls: np.ndarray
    fund_distributions: np.ndarray
    fund_nav: np.ndarray
    index_level: np.ndarray | None = None

    @classmethod
    def from_chunk(cls, eq, stop: int, index_level: np.ndarray | None = None) -> FanSample:
        """Copy the first ``stop`` paths of an EquityChunk (and of its index levels)."""
        idx = None if index_level is None else np.array(index_level[:stop], copy=True)
        return cls(tuple(eq.fund_ids), *(np.array(getattr(eq, f)[:stop], copy=True) for f in _FAN_FIELDS),
                   index_level=idx)

    @classmethod
    def concat(cls, parts: list[FanSample]) -> FanSample:
        """Stack samples along the path axis (in the order given)."""
        idx = (np.concatenate([p.index_level for p in parts], axis=0)
               if all(p.index_level is not None for p in parts) else None)
        return cls(parts[0].fund_ids, *(np.concatenate([getattr(p, f) for p in parts], axis=0) for f in _FAN_FIELDS),
                   index_level=idx)


def slice_equity_chunk(eq, stop: int):
    """The first ``stop`` paths of an EquityChunk."""
    return type(eq)(**{
        f.name: (getattr(eq, f.name) if f.name in _EQUITY_SHARED else getattr(eq, f.name)[:stop])
        for f in fields(eq)
    })


def concat_equity_chunks(parts: list):
    """Stack EquityChunks along the path axis."""
    first = parts[0]
    return type(first)(**{
        f.name: (getattr(first, f.name) if f.name in _EQUITY_SHARED
                 else np.concatenate([getattr(p, f.name) for p in parts], axis=0))
        for f in fields(first)
    })


def _equity_indicators(eq, path_offset: int) -> pl.DataFrame:
    n_paths, n_funds = eq.invested_local.shape
    path = np.repeat(np.arange(n_paths, dtype=np.int64) + path_offset, n_funds)
    return pl.DataFrame({
        "path": path,
        "fund": np.tile(np.array(eq.fund_ids, dtype=object), n_paths).astype(str),
        "invested_local_cny": eq.invested_local.ravel(),
        "invested_early_cny": eq.invested_early.ravel(),
        "n_companies": eq.n_companies.ravel().astype(np.float64),
        "local_reinvestment_ratio": eq.local_reinvestment_ratio.ravel(),
        "gp_carry_cny": eq.gp_carry.ravel(),
        "guidance_conceded_cny": eq.guidance_conceded.ravel(),
        "buyout_step": eq.buyout_step.ravel().astype(np.int64),
    })


def _equity_sums(eq) -> dict[str, np.ndarray]:
    calls = np.concatenate([eq.guidance_calls.sum(axis=0)[None], eq.fund_calls.sum(axis=0)])
    dist = np.concatenate([eq.guidance_distributions.sum(axis=0)[None], eq.fund_distributions.sum(axis=0)])
    nav = np.concatenate([eq.guidance_nav.sum(axis=0)[None], eq.fund_nav.sum(axis=0)])
    g_calls = eq.guidance_fund_calls.sum(axis=0)
    g_dist = eq.guidance_fund_distributions.sum(axis=0)
    return {"calls": calls, "distributions": dist, "nav": nav,
            "guidance_share_calls": g_calls, "guidance_share_distributions": g_dist}


def market_for(market: MarketPaths, steps_per_year: int) -> MarketPaths:
    """The factor paths on an engine's grid (quarterly as simulated, or aggregated to years)."""
    if steps_per_year == market.steps_per_year:
        return market
    if steps_per_year == 1:
        return market.annual()
    raise ValueError(f"no aggregation from {market.steps_per_year} to {steps_per_year} steps a year")


def run_chunk(compiled: CompiledScenario, seed: int, chunk: Chunk, fan_paths: int,
              keep_claims: bool = False) -> ChunkOutput:
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
    """
    timings: dict[str, float] = {}
    t0 = time.perf_counter()
    s = compiled.scenario
    market = simulate_market(s.market, chunk.size, compiled.n_factor_steps, FACTOR_STEPS_PER_YEAR,
                             stream(seed, chunk.index, Component.FACTORS))
    timings["factors"] = time.perf_counter() - t0
    out: dict = {}

    if compiled.equity is not None:
        from fundsvc.engine.venture.equity import simulate_equity_chunk
        from fundsvc.engine.venture.summary import summarise_equity

        t0 = time.perf_counter()
        em = apply_factor_shift(market_for(market, compiled.equity.steps_per_year), s.factor_shift,
                                s.market.tech_cycle_loading)
        eq = simulate_equity_chunk(compiled.equity, em, seed, chunk.index)
        timings["equity"] = time.perf_counter() - t0
        t0 = time.perf_counter()
        out["equity_paths"] = summarise_equity(eq, em.index_level, compiled.equity.dates(), path_offset=chunk.start)
        out["equity_indicators"] = _equity_indicators(eq, chunk.start)
        out["equity_sums"] = _equity_sums(eq)
        keep = max(0, min(chunk.size, fan_paths - chunk.start))
        if keep:
            out["equity_fan_sample"] = FanSample.from_chunk(eq, keep, em.index_level)
            out["fan_index_level"] = np.array(em.index_level[:keep], copy=True)
        timings["equity_metrics"] = time.perf_counter() - t0

    if compiled.credit is not None:
        from fundsvc.credit.engine.kernel import assemble_chunk, chunk_claims
        from fundsvc.credit.pools.ledger import run_pools

        t0 = time.perf_counter()
        model = compiled.credit
        cm = apply_factor_shift(market_for(market, model.steps_per_year), s.factor_shift, s.market.tech_cycle_loading)
        claims = chunk_claims(model, cm, seed, chunk.index)
        ledger = run_pools(model, claims)
        initial = ledger.balance[0, :, 0] if model.n_pools else np.zeros(0)
        out["credit"] = assemble_chunk(model, claims, ledger, initial)
        if keep_claims:
            out["credit_claims"] = claims
        timings["credit"] = time.perf_counter() - t0
    return ChunkOutput(chunk=chunk, timings=timings, **out)
