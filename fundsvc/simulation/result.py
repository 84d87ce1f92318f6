"""The merged result of a simulation run: path-level tables, fans and summaries.

Amounts in CNY; IRRs per year; steps are quarters from the scenario's start date.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import polars as pl

from fundsvc.simulation.chunk import ChunkOutput, concat_equity_chunks
from fundsvc.simulation.compiled import CompiledScenario

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

    # ---- summaries -------------------------------------------------------------------
    def equity_summary(self) -> pl.DataFrame:
        """Per entity: P5…P95 of TVPI, DPI and IRR at the horizon, P(loss), and the J-curve trough.

        IRR: a path that loses everything (TVPI = 0) has IRR −100 %; other paths without an IRR
        (no sign change) are left out of the IRR quantiles and counted in ``irr_undefined``.
        The trough is that of the median cumulative net cash-flow curve (P50 fan), with its date.
        """
        if self.equity_paths is None:
            return pl.DataFrame()
        df = self.equity_paths.with_columns(
            pl.when(pl.col("irr").is_nan() & (pl.col("tvpi") == 0)).then(-1.0).otherwise(pl.col("irr")).alias("irr")
        )
        aggs = []
        for col in ("tvpi", "dpi", "irr"):
            valid = pl.col(col).filter(pl.col(col).is_not_nan())
            aggs += [valid.quantile(q, interpolation="linear").alias(f"{col}_{n}") for q, n in zip(SUMMARY_QUANTILES, _QNAMES)]
        aggs += [
            pl.col("loss").mean().alias("p_loss"),
            pl.col("irr").is_nan().mean().alias("irr_undefined"),
            pl.col("trough_cny").median().alias("trough_median_path_cny"),
            pl.len().alias("paths"),
        ]
        out = df.group_by("entity", maintain_order=True).agg(aggs)
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
        if self.equity_paths is not None:
            out["equity_summary"] = self.equity_summary()
        for name in ("equity_fans", "equity_pacing", "equity_quantiles"):
            v = getattr(self, name)
            if v is not None:
                out[name] = v
        for k, v in self.credit_tables.items():
            if v.height:
                out[f"credit_{k}"] = v
        return out

    def arrays(self) -> dict[str, pl.DataFrame]:
        """Path-level tables, stored as Parquet files with the run."""
        out = {}
        for name in ("equity_paths", "equity_indicators", "credit_paths"):
            v = getattr(self, name)
            if v is not None:
                out[name] = v
        return out


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
    from fundsvc.engine.credit.sizing import SizingVariable, required_pool_size

    rows = []
    for pool_id in model.pool_ids:
        for var in SizingVariable:
            r = required_pool_size(model, claims, target, pool_id=pool_id, variable=var)
            rows.append({"pool": pool_id, "variable": var.value, "value": r.value, "probability": r.probability,
                         "se": r.se, "target": target, "attained": r.attained})
    return pl.DataFrame(rows)


def merge_chunks(compiled: CompiledScenario, outputs: list[ChunkOutput], *, seed: int, chunk_size: int,
                 executor: str, depletion_target: float | None = None) -> SimulationResult:
    """Merge chunk outputs (in chunk order) into one :class:`SimulationResult`."""
    outputs = sorted(outputs, key=lambda o: o.chunk.index)
    n_paths = sum(o.chunk.size for o in outputs)
    timings: dict[str, float] = {}
    for o in outputs:
        for k, v in o.timings.items():
            timings[k] = timings.get(k, 0.0) + v
    kw: dict = {}
    dates = compiled.quarter_ends
    if compiled.equity is not None:
        from fundsvc.engine.venture.summary import equity_fans

        eqm = compiled.equity
        dates = eqm.dates()
        kw["equity_paths"] = pl.concat([o.equity_paths for o in outputs])
        kw["equity_indicators"] = pl.concat([o.equity_indicators for o in outputs])
        from fundsvc.simulation.quantiles import metric_quantiles

        sample = concat_equity_chunks([o.equity_fan_sample for o in outputs if o.equity_fan_sample is not None])
        kw["equity_fans"] = _fans_with_dates(equity_fans(sample), dates)
        kw["equity_quantiles"] = metric_quantiles(sample, dates, eqm.steps_per_year)
        sums = {k: sum(o.equity_sums[k] for o in outputs) for k in outputs[0].equity_sums}
        entities = ["guidance", *eqm.fund_ids]
        n_steps = len(dates)
        kw["equity_pacing"] = pl.DataFrame({
            "entity": np.repeat(np.array(entities, dtype=object), n_steps).astype(str),
            "step": np.tile(np.arange(n_steps, dtype=np.int64), len(entities)),
            "date": np.tile(dates.astype("datetime64[D]"), len(entities)),
            "mean_calls_cny": (sums["calls"] / n_paths).ravel(),
            "mean_distributions_cny": (sums["distributions"] / n_paths).ravel(),
            "mean_nav_cny": (sums["nav"] / n_paths).ravel(),
        })
    if compiled.credit is not None:
        from fundsvc.engine.credit import concat_chunks
        from fundsvc.engine.credit.outputs import (
            depletion_by_year, loss_measures, pool_fans, pool_summary, summarise_credit,
        )

        credit = concat_chunks([o.credit for o in outputs])
        kw["credit_paths"] = summarise_credit(credit)
        kw["credit_tables"] = {
            "loss_measures": loss_measures(credit),
            "pool_summary": pool_summary(credit),
            "pool_fans": pool_fans(credit),
            "depletion_by_year": depletion_by_year(credit),
        }
        if depletion_target is not None:
            kw["credit_tables"]["pool_sizing"] = pool_sizing(
                compiled.credit, [o.credit_claims for o in outputs], depletion_target)
    return SimulationResult(
        scenario_name=compiled.scenario.name, seed=seed, n_paths=n_paths, chunk_size=chunk_size,
        executor=executor, dates=dates, timings=timings, **kw,
    )
