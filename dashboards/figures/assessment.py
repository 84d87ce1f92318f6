"""Assessment figures for the bureau, in one language: scorecard bars, bullet charts of
indicators against floor and target, realised results on the simulated fans, tolerance by stage.

Inputs are the assessment's tables (polars; see :meth:`fundsvc.assessment.Assessment.tables`),
already reduced to one language by the page (``label``/``category`` hold the display names).
"""

from __future__ import annotations

import math

import plotly.graph_objects as go
import polars as pl

from dashboards.figures.common import BLUE, GREY, ORANGE, RED, base_layout, empty_figure
from dashboards.i18n import code_label, t
from fundsvc.formatting import Kind, fmt, row_kind

__all__ = ["bullet_figure", "fan_with_realised", "scorecard_bars", "tolerance_figure"]


def _available(card: pl.DataFrame) -> list[float]:
    """Points available per indicator: the category weight shared equally by its indicators."""
    n = card.group_by("category", maintain_order=True).agg(pl.len().alias("n"), pl.col("category_weight").first())
    per = {r["category"]: r["category_weight"] / r["n"] for r in n.iter_rows(named=True)}
    return [per[c] for c in card["category"].to_list()]


def scorecard_bars(card: pl.DataFrame, lang: str) -> go.Figure:
    """Points earned against points available per indicator (horizontal bars, grouped by category)."""
    labels = [f"{lab}" for lab in card["label"].to_list()]
    avail = _available(card)
    pts = [0.0 if p is None or math.isnan(p) else p for p in card["points"].to_list()]
    fig = go.Figure([
        go.Bar(y=labels, x=avail, orientation="h", name=t("available", lang), marker_color="#d9dee5",
               hovertemplate="%{x:.1f}<extra></extra>"),
        go.Bar(y=labels, x=pts, orientation="h", name=t("earned", lang), marker_color=BLUE,
               text=[f"{p:.1f} / {a:.1f}" for p, a in zip(pts, avail)], textposition="outside",
               hovertemplate="%{x:.1f}<extra></extra>"),
    ])
    fig.update_layout(barmode="overlay", hovermode="closest")
    fig.update_yaxes(autorange="reversed")
    base_layout(fig, t("scorecard", lang), t("points", lang), "")
    fig.update_layout(height=max(300, 40 * len(labels) + 120), margin={"l": 10, "r": 30, "t": 50, "b": 40})
    return fig


def bullet_figure(card: pl.DataFrame, lang: str) -> go.Figure:
    """One bullet chart per scorecard indicator: grey band floor→target, the value as a bar,
    the target as a red mark; numbers in the indicator's kind (× or %)."""
    rows = card.to_dicts()
    n = len(rows)
    if n == 0:
        return empty_figure(t("indicators_vs_targets", lang), "–")
    fig = go.Figure()
    h = 1.0 / n
    for i, r in enumerate(rows):
        kind = row_kind(r["indicator"]) or Kind.NUMBER
        pct = kind is Kind.PERCENT
        scale = 100.0 if pct else 1.0
        value, target, floor = (r.get(k) for k in ("value", "target", "floor"))
        hi = max(x for x in (value, target, floor) if x is not None and not math.isnan(x)) * 1.25
        suffix = "%" if pct else ("×" if kind is Kind.MULTIPLE else "")
        fig.add_trace(go.Indicator(
            mode="number+gauge", value=None if value is None or math.isnan(value) else value * scale,
            number={"suffix": suffix, "valueformat": ".1f" if pct else ".2f", "font": {"size": 16}},
            domain={"x": [0.0, 0.8], "y": [1 - (i + 1) * h + 0.4 * h, 1 - i * h - 0.3 * h]},
            gauge={"shape": "bullet", "axis": {"range": [0, hi * scale], "ticksuffix": suffix,
                                               "tickformat": ".0f" if pct else ".1f", "nticks": 5},
                   "steps": [{"range": sorted([floor * scale, target * scale]), "color": "#e3e8ef"}],
                   "threshold": {"line": {"color": RED, "width": 3}, "thickness": 0.8, "value": target * scale},
                   "bar": {"color": BLUE}},
        ))
        # the label above its bar (not to its left): readable at 390 px
        fig.add_annotation(x=0, y=1 - i * h - 0.02 * h, xref="paper", yref="paper", xanchor="left", yanchor="top",
                           showarrow=False, align="left", font={"size": 12},
                           text=f"{r['label']} <span style='font-size:11px;color:#6c757d'>"
                                f"{t('target', lang)} {fmt(target, kind, lang=lang)} · {t('floor', lang)} "
                                f"{fmt(floor, kind, lang=lang)}</span>")
    fig.update_layout(height=110 * n + 30, margin={"l": 10, "r": 10, "t": 10, "b": 10}, template="plotly_white",
                      font={"size": 12})
    return fig


def fan_with_realised(reporting_dates: pl.DataFrame, measure: str, realised: pl.DataFrame | None, lang: str,
                      *, tolerated: float | None = None) -> go.Figure:
    """P5–P95 / P25–P75 bands and the median of a whole-fund measure by quarter, realised points on top."""
    kind = row_kind(measure) or Kind.NUMBER
    name = code_label(measure, lang)
    d = reporting_dates.filter(pl.col("measure") == measure).sort("step")
    if d.height == 0:
        return empty_figure(name, "–")
    x = [str(v) for v in d["date"].to_list()]
    fig = go.Figure()
    for lo, hi, a, label in (("p5", "p95", 0.15, t("band_5_95", lang)), ("p25", "p75", 0.3, t("band_25_75", lang))):
        fig.add_trace(go.Scatter(x=x, y=d[hi].to_list(), mode="lines", line={"width": 0}, showlegend=False,
                                 hoverinfo="skip", name=label))
        fig.add_trace(go.Scatter(x=x, y=d[lo].to_list(), mode="lines", line={"width": 0}, fill="tonexty",
                                 fillcolor=f"rgba(31,95,168,{a})", name=label, hoverinfo="skip"))
    fig.add_trace(go.Scatter(x=x, y=d["p50"].to_list(), mode="lines", name=t("median", lang), line={"color": BLUE}))
    if realised is not None and realised.height and measure in realised.columns:
        fig.add_trace(go.Scatter(x=[str(v) for v in realised["date"].to_list()], y=realised[measure].to_list(),
                                 mode="lines+markers", name=t("realised", lang), line={"color": "black"},
                                 marker={"size": 7}))
    if tolerated is not None and not math.isnan(tolerated):
        fig.add_hline(y=tolerated, line={"color": RED, "dash": "dash"})
        fig.add_trace(go.Scatter(x=[x[0]], y=[tolerated], mode="lines", line={"color": RED, "dash": "dash"},
                                 name=t("weighted_tolerance", lang)))
    if kind is Kind.PERCENT:
        fig.update_yaxes(tickformat=".0%")
    elif kind is Kind.MULTIPLE:
        fig.update_yaxes(ticksuffix="×", tickformat=".1f")
    return base_layout(fig, name, t("date", lang), name)


def tolerance_figure(tolerance: pl.DataFrame, loss_ratio: float, tolerated: float, lang: str) -> go.Figure:
    """Tolerated loss ratio per stage (bars; width of the stage's weight in the text), the weighted
    tolerance and the whole fund's loss ratio as lines."""
    stages = [code_label(s, lang) for s in tolerance["stage"].to_list()]
    tol = tolerance["tolerated_loss_ratio"].to_list()
    w = tolerance["weight"].to_list()
    fig = go.Figure(go.Bar(x=stages, y=tol, name=t("stage_tolerance", lang), marker_color=GREY,
                           text=[f"{t('weight', lang)} {fmt(x, Kind.PERCENT, lang=lang)}" for x in w],
                           textposition="outside"))
    for y, color, label in ((tolerated, ORANGE, t("weighted_tolerance", lang)), (loss_ratio, RED, t("loss_ratio", lang))):
        if y is not None and not math.isnan(y):
            fig.add_trace(go.Scatter(x=stages, y=[y] * len(stages), mode="lines", line={"color": color, "dash": "dash"},
                                     name=f"{label} {fmt(y, Kind.PERCENT, lang=lang)}"))
    top = max([*tol, tolerated or 0, loss_ratio or 0]) if tol else 1.0
    fig.update_yaxes(tickformat=".0%", range=[0, 1.2 * top])
    fig.update_layout(hovermode="closest")
    return base_layout(fig, t("tolerance_by_stage", lang), "", t("loss_ratio", lang))
