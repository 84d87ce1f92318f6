"""Pure derivations from stored tables and the scenario for the pages (no Dash, no store)."""

from __future__ import annotations

import math
from dataclasses import dataclass

import polars as pl

__all__ = [
    "FiscalExposure",
    "ToleranceView",
    "allocation_table",
    "entity_names",
    "fiscal_exposure",
    "guidance_row",
    "programme_targets",
    "tolerance_view",
    "tolerated_loss_ratio",
]


def guidance_row(summary: pl.DataFrame) -> dict:
    """The guidance fund's row of ``equity_summary`` as a dict (empty if absent)."""
    if summary.height == 0:
        return {}
    rows = summary.filter(pl.col("entity") == "guidance").to_dicts()
    return rows[0] if rows else {}


def entity_names(scenario, lang: str) -> dict[str, str]:
    """Display names of the entities (guidance fund and sub-fund ids) in ``lang``."""
    from dashboards.i18n import t

    names = {"guidance": t("guidance", lang)}
    for f in (scenario.sub_funds if scenario is not None else []):
        names[f.id] = (f.name_zh or f.name) if lang != "en" else f.name
    return names


def allocation_table(scenario) -> pl.DataFrame:
    """Guidance commitment per sub-fund split by sector weight: fund, sector, stage, guidance_cny (CNY)."""
    rows = []
    for f in (scenario.sub_funds if scenario is not None else []):
        g = f.commitment_cny * f.guidance_share
        total_w = sum(f.sector_weights.values()) or 1.0
        for sector, w in f.sector_weights.items():
            rows.append({"fund": f.id, "sector": str(getattr(sector, "value", sector)),
                         "stage": str(getattr(f.strategy, "value", f.strategy)), "guidance_cny": g * w / total_w})
    schema = {"fund": pl.Utf8, "sector": pl.Utf8, "stage": pl.Utf8, "guidance_cny": pl.Float64}
    return pl.DataFrame(rows, schema=schema)


def tolerated_loss_ratio(scenario) -> float:
    """Whole-fund tolerated loss ratio of ``scenario`` (NaN if it has no sub-funds):
    :func:`fundsvc.assessment.tolerance.tolerated_loss_ratio` on its stage mix."""
    from fundsvc.assessment.tolerance import tolerated_loss_ratio as whole_fund_tolerance

    if scenario is None or not scenario.sub_funds:
        return math.nan
    commitments = [f.guidance_commitment_cny for f in scenario.sub_funds]
    if sum(commitments) <= 0:
        return math.nan
    return whole_fund_tolerance(scenario.assessment.tolerance, [f.strategy for f in scenario.sub_funds], commitments)


@dataclass(frozen=True)
class ToleranceView:
    """The guidance fund's simulated final loss ratio against the tolerated one (decimals).

    ``p_exceed`` is read off the stored 1st..99th percentiles, so it has 1 % resolution.
    ``within`` is True when the median stays within tolerance (the assessment's simulated
    basis), None when it cannot be judged.
    """

    tolerated: float
    median: float
    p95: float
    p_exceed: float
    within: bool | None


def tolerance_view(quantiles: pl.DataFrame, tolerated: float) -> ToleranceView:
    """Tolerance view from the last step of measure ``loss_ratio`` in ``equity_quantiles``."""
    nan = math.nan
    if quantiles.height == 0 or math.isnan(tolerated):
        return ToleranceView(tolerated, nan, nan, nan, None)
    d = quantiles.filter((pl.col("entity") == "guidance") & (pl.col("measure") == "loss_ratio"))
    if d.height == 0:
        return ToleranceView(tolerated, nan, nan, nan, None)
    last = d.sort("step").row(-1, named=True)
    qs = [float(last[f"p{i}"]) for i in range(1, 100) if f"p{i}" in last]
    p_exceed = sum(q > tolerated for q in qs) / len(qs) if qs else nan
    median = float(last["p50"])
    return ToleranceView(tolerated, median, float(last["p95"]), p_exceed, bool(median <= tolerated))


@dataclass(frozen=True)
class FiscalExposure:
    """Fiscal money at stake, CNY: guidance commitments, pool funding, pool net cost (mean, P95)."""

    guidance_commitment: float
    pool_funding: float
    pool_cost_mean: float
    pool_cost_p95: float

    @property
    def total_p95(self) -> float:
        return self.guidance_commitment + self.pool_funding + self.pool_cost_p95


def fiscal_exposure(scenario, pool_summary: pl.DataFrame, credit_paths: pl.DataFrame | None = None) -> FiscalExposure:
    """Fiscal money at stake: the scenario's guidance commitments, the pools' initial funding
    (stored ``credit_pool_summary``) and the pools' simulated net cost.

    The pool cost is the assessment's per-path pool cost (:func:`fundsvc.assessment.exposure.combined_exposure`,
    Σ over pools of payouts − interest on each path), its mean and P95 over paths (the P95 of the
    sum over pools) — from the run's ``credit_paths``; NaN without them.
    """
    from fundsvc.assessment.exposure import combined_exposure, exposure_summary

    g = sum(f.guidance_commitment_cny for f in scenario.sub_funds) if scenario is not None else math.nan
    funding = float(pool_summary["initial_balance"].sum()) if pool_summary.height else 0.0
    mean = p95 = 0.0 if not pool_summary.height else math.nan
    if pool_summary.height and credit_paths is not None and credit_paths.height:
        row = exposure_summary(combined_exposure(None, credit_paths)).filter(pl.col("component") == "pool_cost_cny")
        if row.height:
            mean, p95 = float(row["mean_cny"][0]), float(row["p95"][0])
    return FiscalExposure(g, funding, mean, p95)


def programme_targets(scenario, indicators: pl.DataFrame, pool_summary: pl.DataFrame) -> pl.DataFrame:
    """Policy targets vs simulated values: key, target, achieved (means over paths).

    * ``target_leverage``: total sub-fund commitments ÷ guidance commitments (放大倍数; target 2×
      unless ``assessment.targets`` has a ``leverage`` target);
    * ``target_local``: mean over paths and sub-funds of local_reinvestment_ratio ÷ the required
      multiple (返投 completion; target 1);
    * ``target_pool_multiple:<pool>``: mean lending multiple of each pool vs its leverage multiplier.
    """
    rows: list[dict] = []
    configured = {}
    if scenario is not None:
        configured = {tg.key: float(getattr(tg, "target", math.nan)) for tg in scenario.assessment.targets}
    if scenario is not None and scenario.sub_funds:
        g = sum(f.commitment_cny * f.guidance_share for f in scenario.sub_funds)
        total = sum(f.commitment_cny for f in scenario.sub_funds)
        rows.append({"key": "target_leverage", "target": configured.get("leverage", 2.0), "achieved": total / g})
    if indicators.height and scenario is not None:
        req = {f.id: f.local_reinvestment_multiple for f in scenario.sub_funds}
        ind = indicators.with_columns(pl.col("fund").replace_strict(req, default=None, return_dtype=pl.Float64)
                                      .alias("req"))
        ind = ind.filter(pl.col("req") > 0)
        if ind.height:
            rows.append({"key": "target_local", "target": 1.0,
                         "achieved": float((ind["local_reinvestment_ratio"] / ind["req"]).mean())})
    if pool_summary.height and scenario is not None:
        mult = {p.id: p.leverage_multiplier for p in scenario.pools}
        for r in pool_summary.to_dicts():
            rows.append({"key": f"target_pool_multiple:{r['pool']}", "target": float(mult.get(r["pool"], math.nan)),
                         "achieved": float(r["lending_multiple_mean"])})
    return pl.DataFrame(rows, schema={"key": pl.Utf8, "target": pl.Float64, "achieved": pl.Float64})
