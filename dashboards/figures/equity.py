"""Equity figures: J-curve and NAV fans, pacing, percentiles per entity, concentration, what-if.

Amounts on axes are in 亿元 (fans) or 万元 (quarterly pacing); multiples are plain numbers.
"""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
import polars as pl

from dashboards.figures.common import BLUE, GREY, ORANGE, WAN, YI, base_layout, empty_figure
from dashboards.i18n import code_label, t

__all__ = ["concentration_figure", "fan_figure", "pacing_figure", "percentile_figure", "whatif_figure"]

_MEASURE_TITLE = {"cum_net_cash_flow": "jcurve", "nav": "nav_fan"}


def _band(fig: go.Figure, x, lo, hi, name: str, opacity: float) -> None:
    fig.add_trace(go.Scatter(x=x, y=hi, mode="lines", line={"width": 0}, showlegend=False,
                             hoverinfo="skip", name=name))
    fig.add_trace(go.Scatter(x=x, y=lo, mode="lines", line={"width": 0}, fill="tonexty",
                             fillcolor=f"rgba(31,95,168,{opacity})", name=name, hoverinfo="skip"))


def fan_figure(fans: pl.DataFrame, entity: str, measure: str, lang: str) -> go.Figure:
    """Fan chart of one entity's ``measure`` over time from the stored ``equity_fans`` table.

    Parameters
    ----------
    fans : polars.DataFrame
        Columns entity, step, date, measure, p5, p25, p50, p75, p95 (CNY).
    entity : str
        ``"guidance"`` or a sub-fund id.
    measure : str
        ``"cum_net_cash_flow"`` (J-curve) or ``"nav"``.

    Returns
    -------
    Figure with traces: P5–P95 band (2 traces), P25–P75 band (2 traces), median; y in 亿元.
    """
    title = t(_MEASURE_TITLE.get(measure, "jcurve"), lang)
    d = fans.filter((pl.col("entity") == entity) & (pl.col("measure") == measure)).sort("step") \
        if fans.height else fans
    if d.height == 0:
        return empty_figure(title, "–")
    x = d["date"].to_list()
    q = {c: (d[c] / YI).to_list() for c in ("p5", "p25", "p50", "p75", "p95")}
    fig = go.Figure()
    _band(fig, x, q["p5"], q["p95"], t("band_5_95", lang), 0.15)
    _band(fig, x, q["p25"], q["p75"], t("band_25_75", lang), 0.30)
    fig.add_trace(go.Scatter(x=x, y=q["p50"], mode="lines", name=t("median", lang),
                             line={"color": BLUE, "width": 2}))
    if measure == "cum_net_cash_flow":
        fig.add_hline(y=0, line={"color": GREY, "width": 1})
    return base_layout(fig, title, t("date", lang), t("amount_yi", lang))


def pacing_figure(pacing: pl.DataFrame, entity: str, lang: str) -> go.Figure:
    """Mean calls (drawn downwards) and distributions per quarter, in 万元, from ``equity_pacing``.

    Traces: calls (bar, negative), distributions (bar, positive).
    """
    title = t("pacing", lang)
    d = pacing.filter(pl.col("entity") == entity).sort("step") if pacing.height else pacing
    if d.height == 0:
        return empty_figure(title, "–")
    x = d["date"].to_list()
    fig = go.Figure()
    fig.add_trace(go.Bar(x=x, y=(-d["mean_calls_cny"] / WAN).to_list(), name=t("calls", lang),
                         marker_color=ORANGE))
    fig.add_trace(go.Bar(x=x, y=(d["mean_distributions_cny"] / WAN).to_list(),
                         name=t("distributions", lang), marker_color=BLUE))
    fig.update_layout(barmode="relative")
    return base_layout(fig, title, t("date", lang), t("amount_wan", lang))


def percentile_figure(summary: pl.DataFrame, metric: str, lang: str, names: dict[str, str] | None = None
                      ) -> go.Figure:
    """Median with P25–P75 and P5–P95 whiskers of ``metric`` (``tvpi``, ``dpi`` or ``irr``) per entity.

    Parameters
    ----------
    summary : polars.DataFrame
        The stored ``equity_summary`` (columns ``<metric>_p5`` … ``<metric>_p95``).
    names : dict, optional
        Display name per entity id.

    Returns
    -------
    Figure with one scatter trace for the medians (error bars to P5/P95) and one for P25/P75.
    """
    label = metric.upper()
    title = f"{label} — {t('percentile', lang)}"
    if summary.height == 0:
        return empty_figure(title, "–")
    names = names or {}
    y = [names.get(e, e) for e in summary["entity"].to_list()]
    p50 = summary[f"{metric}_p50"].to_list()
    # horizontal: long fund names stay readable on a phone (no rotated, overlapping tick labels)
    fig = go.Figure()
    ci = {}
    if f"{metric}_p50_lo" in summary.columns:   # Monte Carlo 95 % interval of the median, on hover
        fmt = ":.1%" if metric == "irr" else ":.3f"
        ci = {"customdata": np.column_stack([summary[f"{metric}_p50_lo"].to_numpy(), summary[f"{metric}_p50_hi"].to_numpy()]),
              "hovertemplate": f"%{{y}}: P50 %{{x{fmt}}}<br>{t('mc_interval', lang)} "
                               f"[%{{customdata[0]{fmt}}}, %{{customdata[1]{fmt}}}]<extra></extra>"}
    fig.add_trace(go.Scatter(
        y=y, x=p50, mode="markers", name=f"{t('median', lang)} ({t('band_5_95', lang)})",
        marker={"color": BLUE, "size": 11}, orientation="h", **ci,
        error_x={"type": "data", "symmetric": False,
                 "array": (summary[f"{metric}_p95"] - summary[f"{metric}_p50"]).to_list(),
                 "arrayminus": (summary[f"{metric}_p50"] - summary[f"{metric}_p5"]).to_list()}))
    fig.add_trace(go.Scatter(
        y=y, x=p50, mode="markers", name=t("band_25_75", lang), marker={"color": BLUE, "size": 1},
        error_x={"type": "data", "symmetric": False, "thickness": 8, "width": 0, "color": "rgba(31,95,168,0.4)",
                 "array": (summary[f"{metric}_p75"] - summary[f"{metric}_p50"]).to_list(),
                 "arrayminus": (summary[f"{metric}_p50"] - summary[f"{metric}_p25"]).to_list()}))
    fig.update_layout(hovermode="closest")
    fig.update_yaxes(autorange="reversed")
    if metric == "irr":
        fig.update_xaxes(tickformat=".0%")
    else:
        fig.update_xaxes(ticksuffix="×")
    base_layout(fig, title, label, "")
    fig.update_layout(height=max(300, 34 * len(y) + 150))
    return fig


def concentration_figure(allocation: pl.DataFrame, by: str, lang: str) -> go.Figure:
    """Share of the guidance fund's commitments by ``sector`` or ``stage`` (bar, in 亿元 and %).

    Parameters
    ----------
    allocation : polars.DataFrame
        Columns fund, sector, stage, guidance_cny (guidance commitment × sector weight, CNY).
    by : {"sector", "stage"}
    """
    title = t("concentration_sector" if by == "sector" else "concentration_stage", lang)
    if allocation.height == 0:
        return empty_figure(title, "–")
    g = allocation.group_by(by).agg(pl.col("guidance_cny").sum()).sort("guidance_cny", descending=True)
    total = float(g["guidance_cny"].sum())
    share = (g["guidance_cny"] / total).to_list() if total > 0 else [0.0] * g.height
    names = [code_label(v, lang) for v in g[by].to_list()]
    fig = go.Figure(go.Bar(y=names, x=(g["guidance_cny"] / YI).to_list(), name=t("guidance_commitment", lang),
                           orientation="h", text=[f"{100 * s:.1f}%" for s in share], textposition="auto",
                           marker_color=BLUE))
    fig.update_layout(hovermode="closest", showlegend=False)
    fig.update_yaxes(autorange="reversed")
    base_layout(fig, title, t("amount_yi", lang), "")
    fig.update_layout(height=max(260, 34 * len(names) + 120))
    return fig


def whatif_figure(base: pl.DataFrame, modified: pl.DataFrame, metric: str, lang: str) -> go.Figure:
    """Percentiles (P5, P25, P50, P75, P95) of ``metric`` for the guidance fund, base vs modified.

    Both inputs are ``equity_summary`` frames; traces: base bars, modified bars.
    """
    cols = ["p5", "p25", "p50", "p75", "p95"]
    fig = go.Figure()
    for frame, name, color in ((base, t("base", lang), GREY), (modified, t("modified", lang), BLUE)):
        row = frame.filter(pl.col("entity") == "guidance")
        fig.add_trace(go.Bar(x=[c.upper() for c in cols], y=[float(row[f"{metric}_{c}"][0]) for c in cols],
                             name=name, marker_color=color))
    fig.update_layout(barmode="group", hovermode="closest")
    return base_layout(fig, f"{t('guidance', lang)} {metric.upper()}", t("percentile", lang), metric.upper())
