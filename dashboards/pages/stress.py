"""Stress tests (finance bureau, banks): stored stress and reverse-stress results of the run."""

from __future__ import annotations

import dash_bootstrap_components as dbc
import plotly.graph_objects as go
import polars as pl
from dash import html

from dashboards.components import graph, grid, section
from dashboards.i18n import t


def _fmt(x, unit: str) -> str:
    from dashboards.components import fmt_cny, fmt_pct

    if x is None:
        return "–"
    if unit == "CNY":
        return fmt_cny(x)
    if unit == "share":
        return fmt_pct(x, 1)
    return f"{x:.3f}×"


def _stress_block(rec, lang: str):
    c = rec.content
    zh = lang == "zh"
    rows = [{t("stress_figure", lang): r["figure_zh"] if zh else r["figure"],
             t("stress_base", lang): _fmt(r["base"], r["unit"]), t("stress_stressed", lang): _fmt(r["stressed"], r["unit"]),
             t("stress_change", lang): _fmt(r["change"], r["unit"]), t("stress_se", lang): _fmt(r["change_se"], r["unit"])}
            for r in c.get("rows", [])]
    title = (c.get("title_zh") or c.get("title")) if zh else c.get("title")
    narrative = (c.get("narrative_zh") or c.get("narrative", "")) if zh else c.get("narrative", "")
    return section(f"{rec.name}: {title}", html.P(narrative.strip()),
                   grid(f"stress-{rec.id}", pl.DataFrame(rows) if rows else pl.DataFrame(), lang=lang),
                   html.Details([html.Summary(t("stress_sources", lang)),
                                 html.Ul([html.Li(s) for s in c.get("sources", [])])]))


def _reverse_block(rec, lang: str):
    c = rec.content
    if c.get("shift_sigma") is None:
        return section(f"{t('reverse_title', lang)}: {c.get('target', rec.name)}", dbc.Alert(t("reverse_none", lang)))
    path = c.get("tech_cycle_path", [])
    fig = go.Figure(go.Scatter(x=list(range(len(path))), y=path, mode="lines+markers"))
    fig.update_layout(xaxis_title=t("reverse_quarter", lang), yaxis_title="σ", margin={"t": 30})
    checks = pl.DataFrame([{"path": ch["label"], "σ": ch["shift_sigma"], "value": ch["value"], "se": ch["se"],
                            "breached": ch["breached"]} for ch in c.get("checks", [])])
    return section(
        f"{t('reverse_title', lang)}: {c.get('target', rec.name)} ≥ {c.get('level')}",
        html.P(f"{t('reverse_found', lang)} {c['shift_sigma']:+.2f}σ ({c.get('window', '')}); "
               f"{t('reverse_norm', lang)} {c.get('mahalanobis_norm', float('nan')):.2f}"),
        graph(f"reverse-path-{rec.id}", fig),
        html.H5(t("reverse_checks", lang)),
        grid(f"reverse-checks-{rec.id}", checks, lang=lang),
    )


def _link_block(data, run_id: int, lang: str):
    """The run's equity–credit link (run table ``equity_credit_link``), or None when not stored."""
    from fundsvc.catalogue import label
    from fundsvc.simulation.registry import TableName
    from fundsvc.stress.link import link_view

    table = data.table(run_id, TableName.EQUITY_CREDIT_LINK)
    if not table.height:
        return None
    return section(f"{label('equity_credit_link', lang)} ({int(table['paths'][0]):,})",
                   html.P(t("link_note", lang), className="text-muted small"),
                   grid("equity-credit-link", link_view(table, lang), lang=lang), id_="equity-credit-link-section")


def layout(data, run_id: int, lang: str):
    records = data.store.stress_results.list(run_id)
    link = _link_block(data, run_id, lang)
    if not records:
        return html.Div([html.H2(t("stress_title", lang)), link, dbc.Alert(t("stress_none", lang), color="secondary",
                                                                            id="stress-none")])
    blocks = [(_reverse_block if r.kind == "reverse" else _stress_block)(r, lang) for r in records]
    return html.Div([html.H2(t("stress_title", lang)), link, html.P(t("stress_crn", lang)), *blocks])


def register(app, data, jobs) -> None:
    return None
