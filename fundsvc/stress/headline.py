"""Headline figures of a run, per path, and their change under a stress on common random numbers.

A stressed run uses the base run's scenario, seed and chunk size, so path ``i`` of both runs
starts from the same random numbers; the change of a figure is estimated from the *paired*
per-path values, and its Monte Carlo standard error from those pairs (mean: ``sd(Δ)/√n``;
quantiles: a paired bootstrap over paths, resampled with a fixed generator).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

import numpy as np
import polars as pl

BOOTSTRAP = 200
"""Paired bootstrap resamples for the standard error of a quantile's change."""


class Statistic(StrEnum):
    MEAN = "mean"
    MEDIAN = "median"
    P5 = "p5"
    P95 = "p95"
    P99 = "p99"
    PROB = "probability"


_Q = {Statistic.MEDIAN: 0.5, Statistic.P5: 0.05, Statistic.P95: 0.95, Statistic.P99: 0.99}


@dataclass(frozen=True)
class Figure:
    """One headline figure: a statistic of a per-path quantity (``key`` in :func:`path_values`)."""

    name: str
    name_zh: str
    key: str
    statistic: Statistic
    unit: str


HEADLINES: tuple[Figure, ...] = (
    Figure("guidance TVPI mean", "引导基金TVPI均值", "guidance_tvpi", Statistic.MEAN, "x"),
    Figure("guidance TVPI median", "引导基金TVPI中位数", "guidance_tvpi", Statistic.MEDIAN, "x"),
    Figure("guidance TVPI P5", "引导基金TVPI第5百分位", "guidance_tvpi", Statistic.P5, "x"),
    Figure("guidance TVPI P95", "引导基金TVPI第95百分位", "guidance_tvpi", Statistic.P95, "x"),
    Figure("guidance P(loss)", "引导基金亏损概率", "guidance_loss", Statistic.PROB, "share"),
    Figure("end-of-term sales share of proceeds", "期末二级转让占回款比例", "end_sale_share", Statistic.MEAN, "share"),
    Figure("banks expected loss", "银行预期损失", "banks_loss", Statistic.MEAN, "CNY"),
    Figure("banks loss P99", "银行损失第99百分位", "banks_loss", Statistic.P99, "CNY"),
    Figure("pool payouts mean", "资金池代偿均值", "pool_payout", Statistic.MEAN, "CNY"),
    Figure("P(a pool depleted)", "资金池耗尽概率", "pool_depleted", Statistic.PROB, "share"),
)


def path_values(result) -> dict[str, np.ndarray]:
    """Per-path quantities of a :class:`~fundsvc.simulation.result.SimulationResult`, each shape
    (n_paths,) in path order: guidance TVPI and loss flag, end-of-term sale share of the guidance
    fund's sub-funds' gross proceeds, banks' and pools' horizon losses (CNY), pool depletion flag;
    per entity ``loss:bank:NAME`` (CNY) and ``depleted:pool:ID`` (0/1); the guidance fund's loss
    ratio ``guidance_loss_ratio`` (容亏率). Quantities the run does not have are left out."""
    out: dict[str, np.ndarray] = {}
    arrays = result.arrays()
    eq = arrays.get("equity_paths")
    if eq is not None and eq.height:
        g = eq.filter(pl.col("entity") == "guidance").sort("path")
        out["guidance_tvpi"] = g["tvpi"].to_numpy()
        out["guidance_loss"] = g["loss"].to_numpy().astype(float)
    ind = arrays.get("equity_indicators")
    if ind is not None and "end_sale_cny" in ind.columns:
        from fundsvc.engine.venture.summary import end_sale_share

        agg = ind.group_by("path").agg(pl.col("end_sale_cny").sum(), pl.col("gross_proceeds_cny").sum()).sort("path")
        out["end_sale_share"] = end_sale_share(agg["end_sale_cny"].to_numpy()[:, None],
                                               agg["gross_proceeds_cny"].to_numpy()[:, None])
    if eq is not None and eq.height:
        from fundsvc.assessment.indicators import loss_ratio

        out["guidance_loss_ratio"] = np.nan_to_num(loss_ratio(g["paid_in_cny"], g["distributed_cny"], g["nav_cny"]))
    cr = arrays.get("credit_paths")
    if cr is not None and cr.height:
        for ent, grp in cr.group_by("entity"):
            grp = grp.sort("path")
            name = ent[0] if isinstance(ent, tuple) else ent
            if name.startswith("bank:"):
                out[f"loss:{name}"] = grp["loss_horizon"].to_numpy()
            elif name.startswith("pool:"):
                out[f"depleted:{name}"] = grp["depleted"].to_numpy().astype(float)
        banks = cr.filter(pl.col("entity") == "banks").sort("path")
        if banks.height:
            out["banks_loss"] = banks["loss_horizon"].to_numpy()
        pools = cr.filter(pl.col("entity").str.starts_with("pool:"))
        if pools.height:
            agg = pools.group_by("path").agg(pl.col("loss_horizon").sum(), pl.col("depleted").max()).sort("path")
            out["pool_payout"] = agg["loss_horizon"].to_numpy()
            out["pool_depleted"] = agg["depleted"].to_numpy().astype(float)
    return out


def statistic(x: np.ndarray, stat: Statistic) -> float:
    """The statistic of per-path values ``x`` (n_paths,)."""
    if stat in (Statistic.MEAN, Statistic.PROB):
        return float(x.mean())
    return float(np.quantile(x, _Q[stat]))


def standard_error(x: np.ndarray, stat: Statistic, rng: np.random.Generator | None = None) -> float:
    """Monte Carlo standard error of :func:`statistic` (mean: ``sd/√n``; quantile: bootstrap)."""
    n = x.shape[0]
    if stat in (Statistic.MEAN, Statistic.PROB):
        return float(x.std(ddof=1) / np.sqrt(n)) if n > 1 else float("nan")
    rng = rng or np.random.default_rng(0)
    idx = rng.integers(0, n, size=(BOOTSTRAP, n))
    return float(np.quantile(x[idx], _Q[stat], axis=1).std(ddof=1))


def paired_change(base: np.ndarray, stressed: np.ndarray, stat: Statistic) -> tuple[float, float]:
    """Change of the statistic (stressed − base) and its standard error from paired paths."""
    if base.shape != stressed.shape:
        raise ValueError("base and stressed runs must have the same paths (common random numbers)")
    change = statistic(stressed, stat) - statistic(base, stat)
    n = base.shape[0]
    if stat in (Statistic.MEAN, Statistic.PROB):
        d = stressed - base
        return change, float(d.std(ddof=1) / np.sqrt(n)) if n > 1 else float("nan")
    idx = np.random.default_rng(0).integers(0, n, size=(BOOTSTRAP, n))
    q = _Q[stat]
    boot = np.quantile(stressed[idx], q, axis=1) - np.quantile(base[idx], q, axis=1)
    return change, float(boot.std(ddof=1))


def compare(base: dict[str, np.ndarray], stressed: dict[str, np.ndarray], stress: str) -> pl.DataFrame:
    """One row per headline figure both runs have: base, stressed, change and its SE."""
    rows = []
    for f in HEADLINES:
        if f.key not in base or f.key not in stressed:
            continue
        stat = f.statistic
        b, s = base[f.key], stressed[f.key]
        change, se = paired_change(b, s, stat)
        rows.append((stress, f.name, f.name_zh, f.unit, statistic(b, stat), statistic(s, stat), change, se))
    return pl.DataFrame(rows, schema={"stress": pl.Utf8, "figure": pl.Utf8, "figure_zh": pl.Utf8, "unit": pl.Utf8,
                                      "base": pl.Float64,
                                      "stressed": pl.Float64, "change": pl.Float64, "change_se": pl.Float64},
                        orient="row")


__all__ = ["HEADLINES", "Figure", "Statistic", "compare", "paired_change", "path_values", "standard_error", "statistic"]
