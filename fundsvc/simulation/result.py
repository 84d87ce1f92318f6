"""The merged result of a simulation run: path-level tables, fans and summaries.

Amounts in CNY; IRRs per year; steps are quarters from the scenario's start date.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import polars as pl

from fundsvc.simulation.chunk import ChunkOutput
from fundsvc.simulation.compiled import CompiledScenario
from fundsvc.simulation.conditioning import conditioning_frame
from fundsvc.simulation.reduce import (
    ARRAY_NAMES,
    RunReducer,
    irr_with_total_loss,
    summary_aggregations,
)
from fundsvc.simulation.uncertainty import equity_error_frame

SUMMARY_QUANTILES: tuple[float, ...] = (0.05, 0.25, 0.5, 0.75, 0.95)
_QNAMES = ("p5", "p25", "p50", "p75", "p95")


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
        local_reinvestment_ratio, gp_carry_cny, guidance_conceded_cny, buyout_step.
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
        :meth:`equity_summary` computed over all paths while streaming (``None``: computed
        from ``equity_paths`` on demand).
    array_parts : dict of str to tuple of Path
        For a streamed run (path-level tables not held in memory): the Parquet part files of
        each path-level table, in chunk order, under ``spool_dir``. Empty otherwise.
    spool_dir : Path or None
        The run's spool directory holding ``array_parts``; delete it with :meth:`discard_spool`
        once the files are stored or no longer needed.
    headlines : polars.DataFrame or None
        Headline figures with standard error, 95 % interval, relative half-width and paths
        (:mod:`fundsvc.simulation.uncertainty`); stored as the ``headlines`` table.
    precision : polars.DataFrame or None
        For a ``precision=`` run: the sequential rule's checks (paths, worst figure, its relative
        half-width, target, budget, reached); stored as the ``precision`` table.
    equity_conditioning : polars.DataFrame or None
        path, step, guidance tvpi and log public index for the first paths
        (:mod:`fundsvc.simulation.conditioning`); stored as a path-level artifact.
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
            out = self.equity_summary_table
        elif self.equity_paths is not None:
            df = irr_with_total_loss(self.equity_paths)
            out = df.group_by("entity", maintain_order=True).agg(summary_aggregations(SUMMARY_QUANTILES, _QNAMES))
            out = out.join(equity_error_frame(df, SUMMARY_QUANTILES, _QNAMES), on="entity", how="left")
        else:
            return pl.DataFrame()
        if self.equity_fans is not None:
            cum = self.equity_fans.filter(pl.col("measure") == "cum_net_cash_flow")
            idx = cum.group_by("entity", maintain_order=True).agg(
                pl.col("p50").min().alias("jcurve_trough_cny"),
                pl.col("date").sort_by("p50").first().alias("jcurve_trough_date"),
            )
            out = out.join(idx, on="entity", how="left")
        return out

    def tables(self) -> dict[str, pl.DataFrame]:
        """Small summary tables, stored in the database with the run."""
        out: dict[str, pl.DataFrame] = {}
        if self.equity_paths is not None or self.equity_summary_table is not None:
            out["equity_summary"] = self.equity_summary()
        for name in ("equity_fans", "equity_pacing", "equity_quantiles", "headlines", "precision"):
            v = getattr(self, name)
            if v is not None:
                out[name] = v
        for k, v in self.credit_tables.items():
            if v.height:
                out[f"credit_{k}"] = v
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
        if self.equity_conditioning is not None:
            out["equity_conditioning"] = self.equity_conditioning
        return out

    @property
    def streamed(self) -> bool:
        """True when the path-level tables live in Parquet part files, not in memory."""
        return bool(self.array_parts)

    def array_files(self) -> dict[str, tuple[Path, ...]]:
        """Parquet part files of each path-level table of a streamed run (empty otherwise)."""
        files = dict(self.array_parts)
        if files and self.equity_conditioning is not None and self.spool_dir is not None:
            path = Path(self.spool_dir) / "equity_conditioning.parquet"
            if not path.exists():
                self.equity_conditioning.write_parquet(path)
            files["equity_conditioning"] = (path,)
        return files

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


def _fans_with_dates(fans: pl.DataFrame, dates: np.ndarray) -> pl.DataFrame:
    d = pl.DataFrame({"step": np.arange(len(dates), dtype=np.int64), "date": dates.astype("datetime64[D]")})
    return fans.join(d, on="step", how="left").select(
        ["entity", "step", "date", "measure", *[c for c in fans.columns if c.startswith("p")]]
    )


def pool_sizing(model, claims: list, target: float) -> pl.DataFrame:
    """Initial balance and annual top-up per pool for P(depletion within horizon) <= target.

    Columns: pool, variable (initial_balance | annual_top_up), value (CNY), probability, se,
    target, attained.
    """
    from fundsvc.credit.pools.sizing import SizingVariable, required_pool_size

    rows = []
    for pool_id in model.pool_ids:
        for var in SizingVariable:
            r = required_pool_size(model, claims, target, pool_id=pool_id, variable=var)
            rows.append({"pool": pool_id, "variable": var.value, "value": r.value, "probability": r.probability,
                         "se": r.se, "target": target, "attained": r.attained})
    return pl.DataFrame(rows)


def merge_chunks(compiled: CompiledScenario, outputs: list[ChunkOutput], *, seed: int, chunk_size: int,
                 executor: str, depletion_target: float | None = None) -> SimulationResult:
    """Merge chunk outputs (in chunk order) into one in-memory :class:`SimulationResult`."""
    reducer = RunReducer(compiled, keep_claims=depletion_target is not None)
    try:
        for o in sorted(outputs, key=lambda o: o.chunk.index):
            reducer.add(o)
        return finish(reducer, seed=seed, chunk_size=chunk_size, executor=executor,
                      depletion_target=depletion_target, keep_paths_in_memory=True)
    finally:
        reducer.discard()


def finish(reducer: RunReducer, *, seed: int, chunk_size: int, executor: str,
           depletion_target: float | None = None, keep_paths_in_memory: bool = True,
           precision=None) -> SimulationResult:
    """Build the :class:`SimulationResult` from a reducer that has seen every chunk.

    With ``keep_paths_in_memory`` the path-level tables are read into the result and the spool
    directory is deleted; otherwise the result refers to the Parquet part files (``array_parts``)
    and the caller owns ``spool_dir``.
    """
    compiled = reducer.compiled
    kw: dict = {}
    dates = compiled.quarter_ends
    if compiled.equity is not None and reducer.equity_entities:
        from fundsvc.engine.venture.summary import equity_fans
        from fundsvc.simulation.quantiles import metric_quantiles

        eqm = compiled.equity
        dates = eqm.dates()
        sample = reducer.fan_sample()
        kw["equity_fans"] = _fans_with_dates(equity_fans(sample), dates)
        kw["equity_quantiles"] = metric_quantiles(sample, dates, eqm.steps_per_year)
        kw["equity_pacing"] = reducer.pacing(dates, eqm.fund_ids)
        kw["equity_summary_table"] = reducer.equity_summary(SUMMARY_QUANTILES, _QNAMES)
        kw["equity_conditioning"] = conditioning_frame(sample)
    if compiled.credit is not None and reducer.credit_entities:
        from fundsvc.credit.engine.outputs import FAN_QUANTILES, LEVELS

        kw["credit_tables"] = {
            "loss_measures": reducer.loss_measures(LEVELS),
            "pool_summary": reducer.pool_summary(),
            "pool_fans": reducer.pool_fans(FAN_QUANTILES),
            "depletion_by_year": reducer.depletion_by_year(),
        }
        if depletion_target is not None and reducer.claims:
            kw["credit_tables"]["pool_sizing"] = pool_sizing(compiled.credit, reducer.claims, depletion_target)
    kw["headlines"] = reducer.headlines()
    if precision is not None:
        kw["precision"] = precision.table()
    reducer.drop_columns()
    if keep_paths_in_memory:
        kw.update(reducer.load_arrays())
    else:
        kw["array_parts"] = {n: tuple(p) for n, p in reducer.parts.items() if p}
        kw["spool_dir"] = reducer.root
    return SimulationResult(
        scenario_name=compiled.scenario.name, seed=seed, n_paths=reducer.n_paths, chunk_size=chunk_size,
        executor=executor, dates=dates, timings=dict(reducer.timings), **kw,
    )
