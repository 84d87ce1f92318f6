"""Pool figures: balance fan and depletion probability by year."""

from __future__ import annotations

import plotly.graph_objects as go
import polars as pl

from dashboards.figures.common import BLUE, GREY, ORANGE, RED, WAN, base_layout, empty_figure
from dashboards.i18n import t

__all__ = ["balance_fan_figure", "depletion_figure"]


def balance_fan_figure(pool_fans: pl.DataFrame, pool: str, lang: str) -> go.Figure:
    """Fan of a pool's year-end balance (万元) from the stored ``credit_pool_fans`` table.

    Parameters
    ----------
    pool_fans : polars.DataFrame
        Columns pool, step, year, quantity, quantile, value (CNY).

    Returns
    -------
    Figure with the outermost quantile band (2 traces), the inner band (2 traces) and the median.
    """
    title = f"{t('balance_fan', lang)} — {pool}"
    d = pool_fans.filter((pl.col("pool") == pool) & (pl.col("quantity") == "balance")) if pool_fans.height else pool_fans
    if d.height == 0:
        return empty_figure(title, "–")
    wide = d.pivot(on="quantile", index="year", values="value", aggregate_function="first").sort("year")
    qs = sorted(float(c) for c in wide.columns if c != "year")
    col = {q: next(c for c in wide.columns if c != "year" and abs(float(c) - q) < 1e-12) for q in qs}
    x = wide["year"].to_list()
    fig = go.Figure()
    pairs = [(qs[0], qs[-1], 0.15)] + ([(qs[1], qs[-2], 0.30)] if len(qs) >= 5 else [])
    for lo, hi, opacity in pairs:
        name = f"P{100 * lo:g}–P{100 * hi:g}"
        fig.add_trace(go.Scatter(x=x, y=(wide[col[hi]] / WAN).to_list(), mode="lines", line={"width": 0},
                                 showlegend=False, hoverinfo="skip", name=name))
        fig.add_trace(go.Scatter(x=x, y=(wide[col[lo]] / WAN).to_list(), mode="lines", line={"width": 0},
                                 fill="tonexty", fillcolor=f"rgba(31,95,168,{opacity})", name=name))
    mid = min(qs, key=lambda q: abs(q - 0.5))
    fig.add_trace(go.Scatter(x=x, y=(wide[col[mid]] / WAN).to_list(), mode="lines+markers", name=t("median", lang),
                             line={"color": BLUE, "width": 2}))
    fig.update_xaxes(tickformat="d")
    return base_layout(fig, title, t("year", lang), t("amount_wan", lang))


def depletion_figure(depletion: pl.DataFrame, lang: str) -> go.Figure:
    """Cumulative probability that each pool has been depleted by year (line per pool, with ±2 SE).

    Parameters
    ----------
    depletion : polars.DataFrame
        The stored ``credit_depletion_by_year`` (pool, year, p_depleted_by, se, p_event_in_year).
    """
    title = t("depletion", lang)
    if depletion.height == 0:
        return empty_figure(title, "–")
    fig = go.Figure()
    for pool in depletion["pool"].unique(maintain_order=True).to_list():
        d = depletion.filter(pl.col("pool") == pool).sort("year")
        fig.add_trace(go.Scatter(x=d["year"].to_list(), y=d["p_depleted_by"].to_list(), mode="lines+markers",
                                 name=pool, line={"color": (RED, BLUE, ORANGE, GREY)[len(fig.data) % 4]},
                                 error_y={"type": "data", "array": (2 * d["se"]).to_list(), "visible": True}))
    top = float((depletion["p_depleted_by"] + 2 * depletion["se"]).max() or 0.0)
    fig.update_yaxes(tickformat=".1%", range=[0, max(1.2 * top, 0.01)])  # scale to the data, not 0–100 %
    if top == 0.0:
        fig.add_annotation(text=t("no_depletion", lang), showarrow=False, x=0.5, y=0.5, xref="paper", yref="paper")
    fig.update_xaxes(tickformat="d", dtick=1)
    return base_layout(fig, title, t("year", lang), t("probability", lang))
