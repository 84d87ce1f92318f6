"""Pure plotly figure builders for assessment reports (and reusable by the dashboards).

Each takes an :class:`~fundsvc.assessment.assessment.Assessment` (or its tables) and returns a
``plotly.graph_objects.Figure``; no IO, no global state. Titles are bilingual.
"""

from __future__ import annotations

import math

import plotly.graph_objects as go
import polars as pl

_BAND = "rgba(31,119,180,{a})"


def fan_figure(reporting_dates: pl.DataFrame, measure: str = "tvpi", realised: pl.DataFrame | None = None,
               title: str = "TVPI 分布随时间 · TVPI over time") -> go.Figure:
    """P5–P95 and P25–P75 bands and the median of a whole-fund measure by quarter, plus realised points."""
    d = reporting_dates.filter(pl.col("measure") == measure).sort("step")
    x = d["date"].to_list()
    fig = go.Figure()
    for lo, hi, a, name in (("p5", "p95", 0.15, "P5–P95"), ("p25", "p75", 0.3, "P25–P75")):
        fig.add_trace(go.Scatter(x=x + x[::-1], y=d[hi].to_list() + d[lo].to_list()[::-1], fill="toself",
                                 fillcolor=_BAND.format(a=a), line={"width": 0}, name=name, hoverinfo="skip"))
    fig.add_trace(go.Scatter(x=x, y=d["p50"].to_list(), mode="lines", name="中位数 median", line={"color": _BAND.format(a=1)}))
    if realised is not None and measure in realised.columns and realised.height:
        fig.add_trace(go.Scatter(x=realised["date"].to_list(), y=realised[measure].to_list(), mode="lines+markers",
                                 name="实际 realised", line={"color": "black"}))
    fig.update_layout(title=title, xaxis_title="日期 date", yaxis_title=measure, template="plotly_white")
    return fig


def verdict_figure(reporting_dates: pl.DataFrame, step: int, realised_value: float, percentile: float,
                   measure: str = "tvpi") -> go.Figure:
    """The simulated quantile function at the fund's age with the realised value marked."""
    row = reporting_dates.filter((pl.col("measure") == measure) & (pl.col("step") == step))
    qs = [c for c in ("p5", "p25", "p50", "p75", "p95") if c in row.columns]
    fig = go.Figure()
    if row.height:
        fig.add_trace(go.Scatter(x=[int(c[1:]) for c in qs], y=[row[c][0] for c in qs], mode="lines+markers",
                                 name="模拟分位 simulated quantiles"))
    if not math.isnan(percentile):
        fig.add_trace(go.Scatter(x=[100 * percentile], y=[realised_value], mode="markers",
                                 marker={"size": 14, "color": "crimson", "symbol": "diamond"}, name="实际 realised"))
    fig.update_layout(title=f"实际结果所处分位 · Where the realised {measure.upper()} falls",
                      xaxis_title="分位 percentile (%)", yaxis_title=measure, template="plotly_white")
    return fig


def scorecard_figure(scorecard: pl.DataFrame) -> go.Figure:
    """Points earned against points available per indicator (horizontal bars)."""
    d = scorecard
    labels = [f"{z} {e}" for z, e in zip(d["label_zh"].to_list(), d["label"].to_list())]
    w = d.group_by("category", maintain_order=True).agg(pl.len().alias("n"), pl.col("category_weight").first())
    maxpts = {r["category"]: r["category_weight"] / r["n"] for r in w.iter_rows(named=True)}
    avail = [maxpts[c] for c in d["category"].to_list()]
    fig = go.Figure([go.Bar(y=labels, x=avail, orientation="h", name="满分 available", marker_color="lightgrey"),
                     go.Bar(y=labels, x=d["points"].fill_nan(0).to_list(), orientation="h", name="得分 earned")])
    fig.update_layout(barmode="overlay", title="绩效评分 · Scorecard points", template="plotly_white",
                      xaxis_title="分 points")
    return fig


def exposure_figure(exposure_summary: pl.DataFrame) -> go.Figure:
    """Mean, P95 and P99 of the fiscal-exposure components (亿元)."""
    d = exposure_summary.filter(~pl.col("component").str.contains("net"))
    fig = go.Figure([go.Bar(x=d["component"].to_list(), y=(d[c] / 1e8).to_list(), name=c)
                     for c in ("mean_cny", "p95", "p99") if c in d.columns])
    fig.update_layout(barmode="group", title="财政综合风险敞口 · Combined fiscal exposure (亿元)",
                      yaxis_title="亿元 100m CNY", template="plotly_white")
    return fig


def report_figures(assessment) -> dict[str, go.Figure]:
    """The figures of a report, by section name."""
    t = assessment.tables()
    out: dict[str, go.Figure] = {}
    rd = t.get("reporting_dates")
    if rd is not None and rd.height:
        out["fan_tvpi"] = fan_figure(rd, "tvpi", t.get("realised"))
        out["fan_loss"] = fan_figure(rd, "loss_ratio", t.get("realised"), title="容亏率随时间 · Loss ratio over time")
        if assessment.percentiles:
            out["verdict"] = verdict_figure(rd, assessment.step, assessment.realised.get("tvpi", float("nan")),
                                            assessment.percentiles.get("tvpi", float("nan")))
    if "scorecard" in t:
        out["scorecard"] = scorecard_figure(t["scorecard"])
    if "fiscal_exposure" in t:
        out["exposure"] = exposure_figure(t["fiscal_exposure"])
    return out
