"""The one registry of a run's output tables: names, sides, kinds and schemas.

Every table a run produces is a member of :class:`TableName`; its :class:`TableSpec` says which
engine side builds it, whether it is a path-level table (one row per path and entity, stored as
Parquet) or a summary table (stored in the database), and its polars schema. The store, the CLI,
the reports and the dashboards refer to tables by ``TableName`` members (a ``StrEnum``: the
member *is* the stored name), never by re-typed strings. The sides' ``tables`` functions are
checked against these schemas (:func:`check_table`), so a table cannot drift from its entry.

Adding a column to a table (e.g. an error-bar column of a summary): add it to the formula in the
side module and to the schema here.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

import numpy as np
import polars as pl


class Side(StrEnum):
    """An engine side of the joint simulation."""

    VENTURE = "venture"
    CREDIT = "credit"
    RUN = "run"
    """Not an engine side: tables over the whole run (headline figures, the precision log),
    built by the reducer / runner from every side's columns."""


class TableKind(StrEnum):
    """PATHS: one row per path and entity, built chunk by chunk and stored as Parquet files.
    SUMMARY: reduced over all paths, stored in the database with the run."""

    PATHS = "paths"
    SUMMARY = "summary"


class TableName(StrEnum):
    """Names of a run's tables (the stored names)."""

    EQUITY_PATHS = "equity_paths"
    EQUITY_INDICATORS = "equity_indicators"
    EQUITY_SUMMARY = "equity_summary"
    EQUITY_FANS = "equity_fans"
    EQUITY_PACING = "equity_pacing"
    EQUITY_QUANTILES = "equity_quantiles"
    CREDIT_PATHS = "credit_paths"
    CREDIT_LOSS_MEASURES = "credit_loss_measures"
    CREDIT_POOL_SUMMARY = "credit_pool_summary"
    CREDIT_POOL_FANS = "credit_pool_fans"
    CREDIT_DEPLETION_BY_YEAR = "credit_depletion_by_year"
    CREDIT_POOL_SIZING = "credit_pool_sizing"
    CREDIT_COVER_RELIABILITY = "credit_cover_reliability"
    CREDIT_LENDING_PAUSES = "credit_lending_pauses"
    EQUITY_CONDITIONING = "equity_conditioning"
    HEADLINES = "headlines"
    PRECISION = "precision"
    EQUITY_CREDIT_LINK = "equity_credit_link"

    @property
    def spec(self) -> TableSpec:
        return TABLES[self]

    @property
    def short(self) -> str:
        """The name without its side prefix (``credit_loss_measures`` → ``loss_measures``), the key
        of ``SimulationResult.credit_tables``."""
        return self.value.split("_", 1)[1] if self.value.startswith("credit_") else self.value


@dataclass(frozen=True)
class TableSpec:
    """One registered table.

    Attributes
    ----------
    name : TableName
    side : Side
    kind : TableKind
    schema : dict of str to polars data type
        Column names in order and their types.
    description : str
        What a row is; units.
    optional : bool
        Produced only on request (e.g. pool sizing with a depletion target).
    """

    name: TableName
    side: Side
    kind: TableKind
    schema: dict
    description: str
    optional: bool = False


F, I, S, B, D = pl.Float64, pl.Int64, pl.Utf8, pl.Boolean, pl.Date

SUMMARY_QUANTILES: tuple[float, ...] = (0.05, 0.25, 0.5, 0.75, 0.95)
"""Quantile levels of the equity summary and fans (columns ``p5`` … ``p95``)."""
SUMMARY_QUANTILE_NAMES: tuple[str, ...] = ("p5", "p25", "p50", "p75", "p95")
GRID: tuple[float, ...] = tuple(float(q) for q in np.round(np.arange(1, 100) / 100, 2))
"""Quantile levels 1 %, 2 %, …, 99 % of ``equity_quantiles``."""
GRID_COLUMNS: tuple[str, ...] = tuple(f"p{k}" for k in range(1, 100))

EQUITY_PATH_METRICS: dict[str, pl.DataType] = {
    "tvpi": F, "dpi": F, "rvpi": F, "irr": F, "ks_pme": F, "direct_alpha": F, "trough_cny": F,
    "trough_step": I, "trough_date": D, "loss": B, "paid_in_cny": F, "distributed_cny": F, "nav_cny": F,
}
"""Per path and equity entity (``equity_paths`` after ``path``, ``entity``)."""
EQUITY_INDICATORS: dict[str, pl.DataType] = {
    "invested_local_cny": F, "invested_early_cny": F, "n_companies": F, "local_reinvestment_ratio": F,
    "gp_carry_cny": F, "guidance_conceded_cny": F, "buyout_step": I, "end_sale_cny": F, "gross_proceeds_cny": F,
}
"""Per path and sub-fund (``equity_indicators`` after ``path``, ``fund``)."""
CREDIT_LOSS_WINDOWS: dict[str, pl.DataType] = {"loss_year_1": F, "loss_horizon": F}
CREDIT_POOL_METRICS: dict[str, pl.DataType] = {
    "depleted": B, "first_depletion_year": F, "final_balance": F, "fiscal_cost": F, "fiscal_cost_pv": F,
    "new_lending": F, "leverage": F, "lending_multiple": F,
}
"""Per path and pool (``credit_paths`` rows of entity ``pool:<id>``)."""

EQUITY_SUMMARY_ERRORS: dict[str, pl.DataType] = {
    **{k: F for m in ("tvpi", "dpi", "irr")
       for k in (f"{m}_mean", f"{m}_mean_se",
                 *(f"{m}_{q}_{b}" for q in SUMMARY_QUANTILE_NAMES for b in ("lo", "hi")))},
    "p_loss_se": F, "p_loss_lo": F, "p_loss_hi": F,
}
"""Monte Carlo error columns of ``equity_summary`` (:func:`fundsvc.simulation.uncertainty.equity_error_columns`)."""
POOL_SUMMARY_ERRORS: dict[str, pl.DataType] = {
    k: F for k in ("payouts_mean_se", "payouts_p95_lo", "payouts_p95_hi", "fiscal_cost_mean_se",
                   "fiscal_cost_p95_lo", "fiscal_cost_p95_hi", "p_depleted_lo", "p_depleted_hi")}
"""Monte Carlo error columns of ``credit_pool_summary`` (:func:`fundsvc.simulation.uncertainty.pool_error_columns`)."""

_TABLES = (
    TableSpec(TableName.EQUITY_PATHS, Side.VENTURE, TableKind.PATHS,
              {"path": I, "entity": S, **EQUITY_PATH_METRICS},
              "per path and entity (guidance or a sub-fund id): multiples, IRR per year, PMEs, J-curve trough (CNY)"),
    TableSpec(TableName.EQUITY_INDICATORS, Side.VENTURE, TableKind.PATHS,
              {"path": I, "fund": S, **EQUITY_INDICATORS},
              "per path and sub-fund: policy indicators (CNY, counts, ratios)"),
    TableSpec(TableName.EQUITY_SUMMARY, Side.VENTURE, TableKind.SUMMARY,
              {"entity": S, **{f"{m}_{q}": F for m in ("tvpi", "dpi", "irr") for q in SUMMARY_QUANTILE_NAMES},
               "p_loss": F, "irr_undefined": F, "trough_median_path_cny": F, "paths": pl.UInt32,
               **EQUITY_SUMMARY_ERRORS, "jcurve_trough_cny": F, "jcurve_trough_date": D},
              "per entity: P5…P95 of TVPI, DPI, IRR at the horizon, P(loss), J-curve trough (CNY)"),
    TableSpec(TableName.EQUITY_FANS, Side.VENTURE, TableKind.SUMMARY,
              {"entity": S, "step": I, "date": D, "measure": S, **{q: F for q in SUMMARY_QUANTILE_NAMES}},
              "per entity, step and measure (cum_net_cash_flow | nav): quantiles over the fan-sample paths (CNY)"),
    TableSpec(TableName.EQUITY_PACING, Side.VENTURE, TableKind.SUMMARY,
              {"entity": S, "step": I, "date": D, "mean_calls_cny": F, "mean_distributions_cny": F, "mean_nav_cny": F},
              "per entity and step: mean calls, distributions and NAV over all paths (CNY)"),
    TableSpec(TableName.EQUITY_QUANTILES, Side.VENTURE, TableKind.SUMMARY,
              {"entity": S, "step": I, "date": D, "measure": S, **{q: F for q in GRID_COLUMNS}},
              "per entity, step and measure: quantiles 1 %…99 % at every fund age (fan-sample paths)"),
    TableSpec(TableName.CREDIT_PATHS, Side.CREDIT, TableKind.PATHS,
              {"path": I, "entity": S, **CREDIT_LOSS_WINDOWS, "n_defaults": I, **CREDIT_POOL_METRICS},
              "per path and credit entity: losses by window (CNY); defaults; pool metrics"),
    TableSpec(TableName.CREDIT_LOSS_MEASURES, Side.CREDIT, TableKind.SUMMARY,
              {"entity": S, "window": S, "measure": S, "level": F, "value": F, "se": F, "lo": F, "hi": F},
              "EL, UL, VaR, ES per credit entity and window with s.e. and 95 % interval (CNY)"),
    TableSpec(TableName.CREDIT_POOL_SUMMARY, Side.CREDIT, TableKind.SUMMARY,
              {"pool": S, "initial_balance": F, "payouts_mean": F, "payouts_p95": F, "fiscal_cost_mean": F,
               "fiscal_cost_p95": F, "fiscal_cost_pv_mean": F, "leverage_mean": F, "lending_multiple_mean": F,
               "new_lending_mean": F, "final_balance_mean": F, "p_depleted": F, "p_depleted_se": F,
               **POOL_SUMMARY_ERRORS},
              "per pool: payouts, fiscal cost, leverage, depletion probability with its s.e. (CNY)"),
    TableSpec(TableName.CREDIT_POOL_FANS, Side.CREDIT, TableKind.SUMMARY,
              {"pool": S, "step": I, "year": F, "quantity": S, "quantile": F, "value": F},
              "per pool, step end and quantity (balance | payout | new_lending | outstanding): quantiles (CNY)"),
    TableSpec(TableName.CREDIT_DEPLETION_BY_YEAR, Side.CREDIT, TableKind.SUMMARY,
              {"pool": S, "year": I, "p_depleted_by": F, "se": F, "p_event_in_year": F},
              "per pool and year: P(depleted by year end) with its binomial s.e., P(event in the year)"),
    TableSpec(TableName.CREDIT_POOL_SIZING, Side.CREDIT, TableKind.SUMMARY,
              {"pool": S, "variable": S, "value": F, "probability": F, "se": F, "target": F, "attained": B},
              "per pool and sizing variable: the size meeting a depletion target (CNY)", optional=True),
    TableSpec(TableName.CREDIT_COVER_RELIABILITY, Side.CREDIT, TableKind.SUMMARY,
              {"pool": S, "year": I, "reason": S, "p_refused": F, "p_refused_se": F, "unpaid_mean": F,
               "unpaid_mean_se": F, "claims_mean": F, "reliability": F},
              "per pool, year (null = horizon) and refusal reason: P(claim refused or reduced) with s.e., "
              "expected unpaid with s.e., expected claims, share of claims paid (CNY)"),
    TableSpec(TableName.CREDIT_LENDING_PAUSES, Side.CREDIT, TableKind.SUMMARY,
              {"pool": S, "year": I, "p_paused": F, "p_paused_se": F, "p_paused_at_start": F},
              "per pool and year: P(new lending paused by a trigger) with s.e., P(paused at the year's start)"),
    TableSpec(TableName.EQUITY_CONDITIONING, Side.VENTURE, TableKind.PATHS,
              {"path": I, "step": I, "tvpi": F, "log_index": F},
              "per path (first 5,000 paths of the run) and venture step: guidance TVPI to date and log public "
              "index at the step end — what the fair verdict conditions on (fundsvc.simulation.conditioning)"),
    TableSpec(TableName.HEADLINES, Side.RUN, TableKind.SUMMARY,
              {"figure": S, "estimate": F, "se": F, "lo": F, "hi": F, "rel_half_width": F, "paths": I,
               "in_stopping_rule": B, "display": S},
              "per headline figure: estimate, Monte Carlo s.e., 95 % interval, relative half-width, how it is "
              "shown (money, percent, multiple) (fundsvc.simulation.uncertainty)"),
    TableSpec(TableName.PRECISION, Side.RUN, TableKind.SUMMARY,
              {"paths": I, "worst_figure": S, "worst_rel_half_width": F, "target": F, "max_paths": I, "reached": B},
              "per check of a --precision run: paths so far, worst headline figure and its relative half-width",
              optional=True),
    TableSpec(TableName.EQUITY_CREDIT_LINK, Side.RUN, TableKind.SUMMARY,
              {"figure": S, "estimate": F, "se": F, "independent": F, "paths": I},
              "how equity and credit losses move together over the paths (fundsvc.stress.link): figure "
              "rank_correlation (Spearman, guidance net loss vs total credit loss) or joint_tail "
              "(P(credit loss ≥ P95 | guidance TVPI ≤ P5)); estimate, s.e., the value if the two were "
              "independent (0 and 0.05)", optional=True),
)
TABLES: dict[TableName, TableSpec] = {t.name: t for t in _TABLES}
PATH_TABLES: tuple[TableName, ...] = tuple(t.name for t in _TABLES if t.kind is TableKind.PATHS)
SUMMARY_TABLES: tuple[TableName, ...] = tuple(t.name for t in _TABLES if t.kind is TableKind.SUMMARY)


def tables_of(side: Side, kind: TableKind | None = None) -> tuple[TableName, ...]:
    """The registered tables of ``side`` (of ``kind`` if given), in registry order."""
    return tuple(t.name for t in _TABLES if t.side is side and (kind is None or t.kind is kind))


def empty_table(name: TableName) -> pl.DataFrame:
    """A table with no rows and the registered schema."""
    return pl.DataFrame(schema=TABLES[name].schema)


def check_table(name: TableName, frame: pl.DataFrame) -> pl.DataFrame:
    """``frame`` if its columns and types are those registered for ``name``; else ValueError."""
    want = TABLES[name].schema
    got = dict(frame.schema)
    if list(got) != list(want) or any(got[k] != want[k] for k in want):
        diff = {k: (str(got.get(k)), str(want.get(k))) for k in {*got, *want} if got.get(k) != want.get(k)}
        raise ValueError(f"table {name.value}: columns differ from the registry (got, registered): {diff}")
    return frame
