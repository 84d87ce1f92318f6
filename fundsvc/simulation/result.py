"""The merged result of a simulation run: path-level tables, fans and summaries.

Amounts in CNY; IRRs per year; steps are quarters from the scenario's start date.
"""

from __future__ import annotations

import shutil
import time
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
import polars as pl

from fundsvc.simulation.chunk import ChunkOutput
from fundsvc.simulation.compiled import CompiledScenario
from fundsvc.simulation.reduce import ARRAY_NAMES, RunReducer
from fundsvc.simulation.registry import Side, TableName, check_table


@dataclass(frozen=True)
class SimulationResult:
    """Everything a run produces.

    Attributes
    ----------
    scenario_name : str
    seed : int
        The normalised seed actually used.
    n_paths, chunk_size : int
    executor : str
    dates : ndarray of datetime64[D], shape (n_steps,)
        Quarter-end dates of the equity steps.
    equity_paths : polars.DataFrame or None
        One row per path and entity (``guidance`` or a sub-fund id): tvpi, dpi, rvpi, irr (per
        year), ks_pme, direct_alpha, trough_cny, trough_step, trough_date, loss.
    equity_indicators : polars.DataFrame or None
        One row per path and sub-fund: invested_local_cny, invested_early_cny, n_companies,
        local_reinvestment_ratio, gp_carry_cny, guidance_conceded_cny, buyout_step, end_sale_cny
        (end-of-term secondary sale proceeds), gross_proceeds_cny (all portfolio proceeds).
    equity_fans : polars.DataFrame or None
        entity, step, date, measure (cum_net_cash_flow | nav), p5 … p95 — from the first
        ``fan_paths`` paths.
    equity_pacing : polars.DataFrame or None
        entity, step, date, mean calls / distributions / NAV per quarter over all paths.
    equity_quantiles : polars.DataFrame or None
        entity, step, date, measure (tvpi, dpi, loss_ratio, cum_net_cash_flow, nav, paid_in,
        irr_to_date), p1 … p99 — the distribution at every fund age, from the fan-sample paths.
    credit_paths : polars.DataFrame or None
        One row per path and credit entity (see ``summarise_credit``).
    credit_tables : dict of polars.DataFrame
        ``loss_measures``, ``pool_summary``, ``pool_fans``, ``depletion_by_year``.
    timings : dict
        Seconds per stage (summed over chunks for engine stages).
    equity_summary_table : polars.DataFrame or None
        The ``equity_summary`` table, computed over all paths by the venture side's ``tables``.
    array_parts : dict of str to tuple of Path
        For a streamed run (path-level tables not held in memory): the Parquet file(s) of
        each path-level table, in row order, under ``spool_dir``. Empty otherwise.
    spool_dir : Path or None
        The run's spool directory holding the Parquet files; delete it with :meth:`discard_spool`
        once the files are stored or no longer needed.
    artifact_files : dict of str to Path
        Each path-level table as the one Parquet file written while the run simulated (in
        memory or streamed), under ``spool_dir``: what the store adopts without re-encoding.
        Empty when the spool was already deleted.
    headlines : polars.DataFrame or None
        Headline figures with standard error, 95 % interval, relative half-width and paths
        (:mod:`fundsvc.simulation.uncertainty`); stored as the ``headlines`` table.
    precision : polars.DataFrame or None
        For a ``precision=`` run: the sequential rule's checks (paths, worst figure, its relative
        half-width, target, budget, reached); stored as the ``precision`` table.
    equity_conditioning : polars.DataFrame or None
        path, step, guidance tvpi and log public index for the run's first 5,000 paths
        (:mod:`fundsvc.simulation.conditioning`); a registered path-level table (Parquet artifact).
    equity_credit_link : polars.DataFrame or None
        Rank correlation and joint tail of guidance-fund and credit losses with s.e. and the
        independent benchmark (:mod:`fundsvc.stress.link`); runs with both sides only.
    """

    scenario_name: str
    seed: int
    n_paths: int
    chunk_size: int
    executor: str
    dates: np.ndarray
    equity_paths: pl.DataFrame | None = None
    equity_indicators: pl.DataFrame | None = None
    equity_fans: pl.DataFrame | None = None
    equity_pacing: pl.DataFrame | None = None
    equity_quantiles: pl.DataFrame | None = None
    credit_paths: pl.DataFrame | None = None
    credit_tables: dict[str, pl.DataFrame] = field(default_factory=dict)
    timings: dict[str, float] = field(default_factory=dict)
    equity_summary_table: pl.DataFrame | None = None
    array_parts: dict[str, tuple[Path, ...]] = field(default_factory=dict)
    spool_dir: Path | None = None
    headlines: pl.DataFrame | None = None
    precision: pl.DataFrame | None = None
    equity_conditioning: pl.DataFrame | None = None
    equity_credit_link: pl.DataFrame | None = None
    artifact_files: dict[str, Path] = field(default_factory=dict)

    # ---- summaries -------------------------------------------------------------------
    def equity_summary(self) -> pl.DataFrame:
        """Per entity: P5…P95 of TVPI, DPI and IRR at the horizon, P(loss), and the J-curve trough.

        IRR: a path that loses everything (TVPI = 0) has IRR −100 %; other paths without an IRR
        (no sign change) are left out of the IRR quantiles and counted in ``irr_undefined``.
        The trough is that of the median cumulative net cash-flow curve (P50 fan), with its date.
        Monte Carlo errors as columns: ``tvpi_mean`` and ``tvpi_mean_se``, 95 % intervals of
        every percentile (``tvpi_p50_lo`` / ``tvpi_p50_hi``, order statistics), ``p_loss_se``
        (see :mod:`fundsvc.simulation.uncertainty`).
        """
        if self.equity_summary_table is not None:
            return self.equity_summary_table
        return pl.DataFrame()

    def tables(self) -> dict[str, pl.DataFrame]:
        """Small summary tables (``TableKind.SUMMARY`` of the registry), stored in the database
        with the run; keyed by :class:`~fundsvc.simulation.registry.TableName` (a ``str``)."""
        out: dict[str, pl.DataFrame] = {}
        if self.equity_paths is not None or self.equity_summary_table is not None:
            out[TableName.EQUITY_SUMMARY] = self.equity_summary()
        for name in (TableName.EQUITY_FANS, TableName.EQUITY_PACING, TableName.EQUITY_QUANTILES):
            v = getattr(self, name.value)
            if v is not None:
                out[name] = v
        credit = {t.short: t for t in TableName if t.value.startswith("credit_")}
        for k, v in self.credit_tables.items():
            if v.height:
                out[credit[k]] = v
        for name in (TableName.HEADLINES, TableName.PRECISION, TableName.EQUITY_CREDIT_LINK):  # run-level (Side.RUN)
            v = getattr(self, name.value)
            if v is not None:
                out[name] = check_table(name, v)
        return out

    def arrays(self) -> dict[str, pl.DataFrame]:
        """Path-level tables, stored as Parquet files with the run.

        For a streamed run the tables are read back from the part files: that materialises
        (n_paths × n_entities) rows; prefer :meth:`array_files` or :meth:`scan` there.
        """
        out = {}
        for name in ARRAY_NAMES:
            v = getattr(self, name)
            if v is not None:
                out[name] = v
            elif self.array_parts.get(name):
                out[name] = pl.read_parquet(list(self.array_parts[name]))
        return out

    @property
    def streamed(self) -> bool:
        """True when the path-level tables live in Parquet part files, not in memory."""
        return bool(self.array_parts)

    def array_files(self) -> dict[str, tuple[Path, ...]]:
        """Parquet part files of each path-level table of a streamed run (empty otherwise)."""
        return dict(self.array_parts)

    def scan(self, name: str) -> pl.LazyFrame:
        """A path-level table (``equity_paths``, ``equity_indicators``, ``credit_paths``) as a
        LazyFrame, from memory or from the part files of a streamed run."""
        if name not in ARRAY_NAMES:
            raise KeyError(f"no path-level table {name!r} (one of {', '.join(ARRAY_NAMES)})")
        v = getattr(self, name)
        if v is not None:
            return v.lazy()
        if self.array_parts.get(name):
            return pl.scan_parquet(list(self.array_parts[name]))
        raise KeyError(f"this run has no {name!r} table")

    def discard_spool(self) -> None:
        """Delete the spool directory of a streamed run (its part files)."""
        if self.spool_dir is not None:
            shutil.rmtree(self.spool_dir, ignore_errors=True)


def pool_sizing(model, claims, target: float, on_variable=None) -> pl.DataFrame:
    """Initial balance and annual top-up per pool for P(depletion within horizon) <= target.

    ``claims``: the run's :class:`~fundsvc.credit.pools.claim_spool.ClaimSpool` (or a list of
    ClaimSet). Columns: pool, variable (initial_balance | annual_top_up), value (CNY), probability,
    se, target, attained.
    """
    from fundsvc.credit.pools.sizing import size_pools

    rows = [{"pool": r.pool_id, "variable": r.variable.value, "value": r.value, "probability": r.probability,
             "se": r.se, "target": target, "attained": r.attained}
            for r in size_pools(model, claims, target, on_variable=on_variable)]
    return pl.DataFrame(rows)


def merge_chunks(compiled: CompiledScenario, outputs: list[ChunkOutput], *, seed: int, chunk_size: int,
                 executor: str, depletion_target: float | None = None) -> SimulationResult:
    """Merge chunk outputs (in chunk order) into one in-memory :class:`SimulationResult`."""
    reducer = RunReducer(compiled, keep_claims=depletion_target is not None, keep_frames=True)
    try:
        for o in sorted(outputs, key=lambda o: o.chunk.index):
            reducer.add(o)
        result = finish(reducer, seed=seed, chunk_size=chunk_size, executor=executor,
                        depletion_target=depletion_target, keep_paths_in_memory=True)
    finally:
        reducer.discard()
    return replace(result, artifact_files={}, spool_dir=None)


def finish(reducer: RunReducer, *, seed: int, chunk_size: int, executor: str,
           depletion_target: float | None = None, keep_paths_in_memory: bool = True,
           precision=None, on_step=None) -> SimulationResult:
    """Build the :class:`SimulationResult` from a reducer that has seen every chunk.

    The summary tables come from each side's ``tables`` on the reduced columns
    (:meth:`RunReducer.summary_tables`). With ``keep_paths_in_memory`` the path-level frames
    kept by the reducer are put into the result; otherwise the result refers to the Parquet files
    (``array_parts``). Either way ``artifact_files`` names the written Parquet files and the
    caller owns ``spool_dir``. ``timings`` gets ``merge_*`` stages (seconds).
    ``on_step(stage, fraction)``, optional: progress of the stages ``summaries``, ``pool sizing``
    (after each sizing variable) and ``headlines``, each with the fraction of that stage done.
    """
    compiled = reducer.compiled
    step = on_step if on_step is not None else (lambda stage, fraction: None)
    kw: dict = {}
    timings: dict[str, float] = {}
    dates = compiled.equity.dates() if compiled.equity is not None else compiled.quarter_ends
    t0 = time.perf_counter()
    tables = reducer.summary_tables()
    timings["merge_summaries"] = time.perf_counter() - t0
    step("summaries", 1.0)
    if Side.VENTURE in reducer.sides:
        kw["equity_summary_table"] = tables[TableName.EQUITY_SUMMARY]
        kw["equity_fans"] = tables[TableName.EQUITY_FANS]
        kw["equity_pacing"] = tables[TableName.EQUITY_PACING]
        kw["equity_quantiles"] = tables[TableName.EQUITY_QUANTILES]
    if Side.CREDIT in reducer.sides:
        kw["credit_tables"] = {t.short: v for t, v in tables.items() if t.spec.side is Side.CREDIT}
        if depletion_target is not None and reducer.claims:
            t0 = time.perf_counter()
            kw["credit_tables"][TableName.CREDIT_POOL_SIZING.short] = pool_sizing(
                compiled.credit, reducer.claims, depletion_target,
                on_variable=lambda k, n: step("pool sizing", k / n))
            timings["merge_pool_sizing"] = time.perf_counter() - t0
            reducer.claims.discard()  # the spooled claims are needed for nothing else
    t0 = time.perf_counter()
    kw["headlines"] = reducer.headlines()
    if precision is not None:
        kw["precision"] = precision.table()
    reducer.drop_columns()
    timings["merge_headlines"] = time.perf_counter() - t0
    step("headlines", 1.0)
    t0 = time.perf_counter()
    files = reducer.close_files()  # the writer thread has (mostly) finished meanwhile
    timings["merge_wait_writer"] = time.perf_counter() - t0
    kw["artifact_files"] = {n: f.path for n, f in files.items()}
    kw["spool_dir"] = reducer.root
    if keep_paths_in_memory:
        kw.update(reducer.load_arrays())
    else:
        kw["array_parts"] = {n: (f.path,) for n, f in files.items()}
    result = SimulationResult(
        scenario_name=compiled.scenario.name, seed=seed, n_paths=reducer.n_paths, chunk_size=chunk_size,
        executor=executor, dates=dates, timings={**reducer.timings, **timings}, **kw,
    )
    if Side.VENTURE in reducer.sides and Side.CREDIT in reducer.sides:
        from fundsvc.stress.link import link_of_paths

        t0 = time.perf_counter()
        link = link_of_paths(result.scan(TableName.EQUITY_PATHS), result.scan(TableName.CREDIT_PATHS))
        if link is not None:
            result = replace(result, equity_credit_link=link.table())
        result.timings["merge_link"] = time.perf_counter() - t0
    return result
