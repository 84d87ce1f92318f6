"""The venture side's output contract (:mod:`fundsvc.simulation.contract`).

Entities: ``guidance`` (the guidance fund as a whole) and each sub-fund id (its whole LP base),
in :func:`~fundsvc.engine.venture.summary.equity_entities` order. Amounts in CNY; IRRs and
direct alpha per year, annualised on the venture grid.

Columns (path axis first; ``E`` entities, ``F`` sub-funds, ``T`` venture steps):

* per path and entity, (n_paths, E): the :data:`~fundsvc.simulation.registry.EQUITY_PATH_METRICS`
  (:func:`~fundsvc.engine.venture.summary.equity_path_metrics`) except ``trough_date`` (from
  ``trough_step`` and the grid) — ``tvpi``, ``dpi``, ``irr``, ``loss``, ``trough_cny`` are kept
  over the run (PATHS) for the summary, the rest serve the chunk's ``equity_paths`` rows only;
* per path and sub-fund, (n_paths, F): the :data:`~fundsvc.simulation.registry.EQUITY_INDICATORS`
  (chunk only);
* ``index_level`` (n_paths, T + 1): public index at the start and each step end (chunk only: the
  ``equity_conditioning`` path table of the first paths, :mod:`fundsvc.simulation.conditioning`);
* flows: ``guidance_calls``, ``guidance_distributions``, ``guidance_nav`` (n_paths, T) and
  ``fund_calls``, ``fund_distributions``, ``fund_nav`` (n_paths, F, T), summed over paths (pacing)
  and kept for the fan-sample paths (fans, per-step quantiles).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl

from fundsvc.engine.grid import TimeGrid, market_on
from fundsvc.simulation.contract import Columns, ColumnSpec, Reduction
from fundsvc.simulation.registry import (
    EQUITY_INDICATORS,
    EQUITY_PATH_METRICS,
    SUMMARY_QUANTILE_NAMES,
    SUMMARY_QUANTILES,
    Side,
    TableKind,
    TableName,
    check_table,
)

_SUMMARY_METRICS = ("tvpi", "dpi", "irr", "loss", "trough_cny")
"""Per-path metrics kept over the run for the summary; every other column of ``equity_paths``
(:data:`EQUITY_PATH_METRICS`) serves the chunk's rows only."""
_DERIVED = ("trough_date",)
"""``equity_paths`` columns derived here from other columns (and the grid), not computed per path."""
_FLOWS = ("guidance_calls", "guidance_distributions", "guidance_nav", "fund_calls", "fund_distributions", "fund_nav")


@dataclass(frozen=True)
class VentureChunk:
    """One chunk of the venture side: the flows and the public index on the venture grid."""

    flows: object  # EquityChunk
    index_level: np.ndarray  # (n_paths, n_steps + 1)


@dataclass(frozen=True)
class FanSample:
    """The flows of the fan-sample paths as the fan and quantile formulas read them (CNY per step).

    Attributes
    ----------
    fund_ids : tuple of str
    guidance_calls, guidance_distributions, guidance_nav : ndarray (n_sample, n_steps)
    fund_calls, fund_distributions, fund_nav : ndarray (n_sample, n_funds, n_steps)
    """

    fund_ids: tuple
    guidance_calls: np.ndarray
    guidance_distributions: np.ndarray
    guidance_nav: np.ndarray
    fund_calls: np.ndarray
    fund_distributions: np.ndarray
    fund_nav: np.ndarray


def summary_aggregations(quantiles: tuple[float, ...], names: tuple[str, ...]) -> list[pl.Expr]:
    """The polars aggregations of the equity summary (per entity)."""
    aggs = []
    for col in ("tvpi", "dpi", "irr"):
        valid = pl.col(col).filter(pl.col(col).is_not_nan())
        aggs += [valid.quantile(q, interpolation="linear").alias(f"{col}_{n}") for q, n in zip(quantiles, names)]
    aggs += [
        pl.col("loss").mean().alias("p_loss"),
        pl.col("irr").is_nan().mean().alias("irr_undefined"),
        pl.col("trough_cny").median().alias("trough_median_path_cny"),
        pl.len().alias("paths"),
    ]
    return aggs


def irr_with_total_loss(df: pl.DataFrame | pl.LazyFrame):
    """IRR −100 % where a path lost everything (TVPI = 0) and the IRR is otherwise undefined."""
    return df.with_columns(
        pl.when(pl.col("irr").is_nan() & (pl.col("tvpi") == 0)).then(-1.0).otherwise(pl.col("irr")).alias("irr"))


def _with_dates(frame: pl.DataFrame, dates: np.ndarray) -> pl.DataFrame:
    d = pl.DataFrame({"step": np.arange(len(dates), dtype=np.int64), "date": dates.astype("datetime64[D]")})
    return frame.join(d, on="step", how="left").select(
        ["entity", "step", "date", "measure", *[c for c in frame.columns if c.startswith("p")]])


class VentureSide:
    """Guidance fund and sub-funds (deal-level or Takahashi–Alexander)."""

    name = Side.VENTURE
    column_specs: tuple[ColumnSpec, ...] = (
        *(ColumnSpec.of(c, Reduction.PATHS) for c in _SUMMARY_METRICS),
        *(ColumnSpec.of(c, Reduction.SUM, Reduction.SAMPLE) for c in _FLOWS),
        # per path and sub-fund, for the run's end-of-term sale share headline
        ColumnSpec.of("end_sale_cny", Reduction.PATHS), ColumnSpec.of("gross_proceeds_cny", Reduction.PATHS),
    )

    def compile(self, scenario, grid: TimeGrid):
        """The :class:`~fundsvc.engine.venture.equity.EquityModel` on the venture grid, or None."""
        from fundsvc.engine.venture.equity import compile_equity

        if not scenario.sub_funds:
            return None
        return compile_equity(scenario, grid.at(scenario.simulation.time_step.per_year))

    def simulate(self, model, market, seed: int, chunk) -> VentureChunk:
        from fundsvc.engine.venture.equity import simulate_equity_chunk

        em = market_on(market, model.grid)
        return VentureChunk(simulate_equity_chunk(model, em, seed, chunk.index), em.index_level)

    def columns(self, model, chunk: VentureChunk) -> dict[str, np.ndarray]:
        from fundsvc.engine.venture.summary import equity_path_metrics

        eq = chunk.flows
        out = equity_path_metrics(eq, chunk.index_level, periods_per_year=model.grid.steps_per_year)
        out.update({
            "invested_local_cny": eq.invested_local,
            "invested_early_cny": eq.invested_early,
            "n_companies": eq.n_companies.astype(np.float64),
            "local_reinvestment_ratio": eq.local_reinvestment_ratio,
            "gp_carry_cny": eq.gp_carry,
            "guidance_conceded_cny": eq.guidance_conceded,
            "buyout_step": eq.buyout_step.astype(np.int64),
            # end-of-term secondary sale proceeds and all portfolio proceeds (marked NAV, issue 11)
            "end_sale_cny": _or_zeros(eq.end_sale, eq.invested_local.shape),
            "gross_proceeds_cny": _or_zeros(eq.gross_proceeds, eq.invested_local.shape),
        })
        out.update({f: getattr(eq, f) for f in _FLOWS})
        out["index_level"] = chunk.index_level  # (n_paths, T + 1): the fair verdict's market history
        return out

    # ---------------------------------------------------------------- tables
    def tables(self, model, columns: Columns, kind: TableKind, only=None) -> dict[TableName, pl.DataFrame]:
        """The venture side's tables of ``kind`` from reduced columns (the one formula); ``only``:
        just these tables (a collection of TableName; None = all)."""
        def want(name: TableName) -> bool:
            return only is None or name in only

        if kind is TableKind.PATHS:
            out = {TableName.EQUITY_PATHS: self._paths(model, columns),
                   TableName.EQUITY_INDICATORS: self._indicators(model, columns),
                   TableName.EQUITY_CONDITIONING: self._conditioning(columns)}
            out = {k: v for k, v in out.items() if want(k)}
        else:
            out = {}
            quantiles = self._quantiles(model, columns) if want(TableName.EQUITY_QUANTILES) else None
            if want(TableName.EQUITY_SUMMARY) or want(TableName.EQUITY_FANS):
                fans = self._fans(model, columns, quantiles)  # the summary's J-curve trough is the P50 fan's
                if want(TableName.EQUITY_SUMMARY):
                    out[TableName.EQUITY_SUMMARY] = self._summary(model, columns, fans)
                if want(TableName.EQUITY_FANS):
                    out[TableName.EQUITY_FANS] = fans
            if want(TableName.EQUITY_PACING):
                out[TableName.EQUITY_PACING] = self._pacing(model, columns)
            if quantiles is not None:
                out[TableName.EQUITY_QUANTILES] = quantiles
        return {k: check_table(k, v) for k, v in out.items()}

    @staticmethod
    def _entities(model) -> tuple[str, ...]:
        from fundsvc.engine.venture.summary import equity_entities

        return equity_entities(model.fund_ids)

    def _paths(self, model, cols: Columns) -> pl.DataFrame:
        from fundsvc.engine.venture.summary import path_metrics_frame

        metrics = {c: cols[c] for c in EQUITY_PATH_METRICS if c not in _DERIVED}
        return path_metrics_frame(metrics, self._entities(model), cols.path_offset, model.grid.dates())

    @staticmethod
    def _conditioning(cols: Columns) -> pl.DataFrame:
        from fundsvc.simulation.conditioning import conditioning_frame

        return conditioning_frame(cols["guidance_calls"], cols["guidance_distributions"], cols["guidance_nav"],
                                  cols["index_level"], cols.path_offset)

    @staticmethod
    def _indicators(model, cols: Columns) -> pl.DataFrame:
        n_paths, n_funds = cols["invested_local_cny"].shape
        data = {"path": np.repeat(np.arange(n_paths, dtype=np.int64) + cols.path_offset, n_funds),
                "fund": np.tile(np.array(model.fund_ids, dtype=object), n_paths).astype(str)}
        data.update({c: np.asarray(cols[c]).ravel() for c in EQUITY_INDICATORS})
        return pl.DataFrame(data)

    def _summary(self, model, cols: Columns, fans: pl.DataFrame) -> pl.DataFrame:
        from fundsvc.simulation.uncertainty import equity_error_frame

        frames = []
        for e, ent in enumerate(self._entities(model)):
            df = pl.DataFrame({c: np.ascontiguousarray(cols[c][:, e]) for c in _SUMMARY_METRICS})
            df = irr_with_total_loss(df.with_columns(pl.lit(ent).alias("entity")))
            agg = df.group_by("entity", maintain_order=True).agg(
                summary_aggregations(SUMMARY_QUANTILES, SUMMARY_QUANTILE_NAMES))
            errors = equity_error_frame(df, SUMMARY_QUANTILES, SUMMARY_QUANTILE_NAMES)
            frames.append(agg.join(errors, on="entity", how="left"))
            del df
        out = pl.concat(frames)
        cum = fans.filter(pl.col("measure") == "cum_net_cash_flow")
        trough = cum.group_by("entity", maintain_order=True).agg(
            pl.col("p50").min().alias("jcurve_trough_cny"),
            pl.col("date").sort_by("p50").first().alias("jcurve_trough_date"))
        return out.join(trough, on="entity", how="left")

    @staticmethod
    def _sample(model, cols: Columns) -> FanSample:
        return FanSample(tuple(model.fund_ids), *(cols.sample[f] for f in _FLOWS))

    def _fans(self, model, cols: Columns, quantiles: pl.DataFrame | None = None) -> pl.DataFrame:
        """The fans; read off the per-step quantile table ``quantiles`` when given (the same
        numbers, bit for bit: :func:`~fundsvc.simulation.quantiles.fans_from_quantiles`), else
        computed by :func:`~fundsvc.engine.venture.summary.equity_fans`."""
        from fundsvc.engine.venture.summary import equity_fans
        from fundsvc.simulation.quantiles import fans_from_quantiles

        sample = self._sample(model, cols)
        if quantiles is not None:
            fans = fans_from_quantiles(quantiles, sample, SUMMARY_QUANTILES, SUMMARY_QUANTILE_NAMES)
            if fans is not None:
                return fans
        return _with_dates(equity_fans(sample, SUMMARY_QUANTILES), model.grid.dates())

    def _quantiles(self, model, cols: Columns) -> pl.DataFrame:
        from fundsvc.simulation.quantiles import metric_quantiles

        return metric_quantiles(self._sample(model, cols), model.grid.dates(), model.grid.steps_per_year)

    def _pacing(self, model, cols: Columns) -> pl.DataFrame:
        s, n = cols.sums, cols.n_paths
        entities = self._entities(model)
        dates = model.grid.dates()
        n_steps = len(dates)
        calls = np.concatenate([s["guidance_calls"][None], s["fund_calls"]])
        dist = np.concatenate([s["guidance_distributions"][None], s["fund_distributions"]])
        nav = np.concatenate([s["guidance_nav"][None], s["fund_nav"]])
        return pl.DataFrame({
            "entity": np.repeat(np.array(entities, dtype=object), n_steps).astype(str),
            "step": np.tile(np.arange(n_steps, dtype=np.int64), len(entities)),
            "date": np.tile(dates.astype("datetime64[D]"), len(entities)),
            "mean_calls_cny": (calls / n).ravel(),
            "mean_distributions_cny": (dist / n).ravel(),
            "mean_nav_cny": (nav / n).ravel(),
        })


def _or_zeros(a, shape) -> np.ndarray:
    """``a``, or zeros of ``shape`` when the kernel did not report it (TA funds, no marking)."""
    return np.zeros(shape) if a is None else np.asarray(a, dtype=np.float64)
