"""Overview (finance bureau): whole-fund KPIs with spread, tolerance verdict, fiscal exposure, targets."""

from __future__ import annotations

import dash_bootstrap_components as dbc
import polars as pl
from dash import html

from dashboards.components import (
    export_buttons,
    fmt_cny,
    fmt_mult,
    fmt_pct,
    graph,
    grid,
    kpi_card,
    section,
)
from dashboards.derive import (
    entity_names,
    fiscal_exposure,
    guidance_row,
    programme_targets,
    tolerance_view,
    tolerated_loss_ratio,
)
from dashboards.figures import percentile_figure
from dashboards.i18n import t
from fundsvc.simulation.registry import TableName


def layout(data, run_id: int, lang: str):
    summary = data.table(run_id, TableName.EQUITY_SUMMARY)
    scenario = data.scenario(run_id)
    g = guidance_row(summary)
    kpis = dbc.Row([
        dbc.Col(kpi_card("kpi-tvpi", t("kpi_tvpi", lang), fmt_mult(g.get("tvpi_p50")),
                         f"{t('spread', lang)}: {fmt_mult(g.get('tvpi_p5'))} – {fmt_mult(g.get('tvpi_p95'))}"), md=3),
        dbc.Col(kpi_card("kpi-irr", t("kpi_irr", lang), fmt_pct(g.get("irr_p50")),
                         f"{t('spread', lang)}: {fmt_pct(g.get('irr_p5'))} – {fmt_pct(g.get('irr_p95'))}"), md=3),
        dbc.Col(kpi_card("kpi-dpi", t("kpi_dpi", lang), fmt_mult(g.get("dpi_p50")),
                         f"{t('spread', lang)}: {fmt_mult(g.get('dpi_p5'))} – {fmt_mult(g.get('dpi_p95'))}"), md=3),
        dbc.Col(kpi_card("kpi-ploss", t("kpi_ploss", lang), fmt_pct(g.get("p_loss"))), md=3),
    ], className="g-3")

    tolerated = tolerated_loss_ratio(scenario)
    tv = tolerance_view(data.table(run_id, TableName.EQUITY_QUANTILES), tolerated)
    ok = tv.within
    verdict = "–" if ok is None else t("within_tolerance" if ok else "beyond_tolerance", lang)
    tolerance = dbc.Alert([
        html.Strong(f"{t('tolerance', lang)}: "), html.Span(verdict, id="tolerance-verdict"),
        html.Span(f" — {t('tolerated_loss', lang)} {fmt_pct(tolerated)}; {t('loss_median', lang)} "
                  f"{fmt_pct(tv.median)}, P95 {fmt_pct(tv.p95)}; {t('p_exceed', lang)} {fmt_pct(tv.p_exceed, 0)}",
                  id="tolerance-detail"),
    ], color="success" if ok else ("danger" if ok is False else "secondary"))

    pool_summary = data.table(run_id, TableName.CREDIT_POOL_SUMMARY)
    fx = fiscal_exposure(scenario, pool_summary, data.array(run_id, TableName.CREDIT_PATHS))
    exposure = dbc.Row([
        dbc.Col(kpi_card("fx-guidance", t("guidance_commitment", lang), fmt_cny(fx.guidance_commitment)), md=3),
        dbc.Col(kpi_card("fx-pool", t("pool_funding", lang), fmt_cny(fx.pool_funding)), md=3),
        dbc.Col(kpi_card("fx-cost", t("pool_cost_mean", lang), fmt_cny(fx.pool_cost_mean),
                         f"P95: {fmt_cny(fx.pool_cost_p95)}"), md=3),
        dbc.Col(kpi_card("fx-total", t("exposure_total_p95", lang), fmt_cny(fx.total_p95)), md=3),
    ], className="g-3")

    targets = programme_targets(scenario, data.array(run_id, TableName.EQUITY_INDICATORS), pool_summary)
    label = lambda key: t(key.split(":")[0], lang) + (f" ({key.split(':')[1]})" if ":" in key else "")
    shown = targets.with_columns(pl.col("key").map_elements(label, return_dtype=pl.Utf8).alias("indicator")) \
        .select("indicator", "target", "achieved")
    return html.Div([
        html.H2(t("overview_title", lang)),
        kpis,
        html.Div(tolerance, className="mt-3"),
        section(t("fiscal_exposure", lang), exposure),
        section(t("targets", lang), grid("targets-grid", shown, headers={
            "indicator": t("metric", lang), "target": t("target", lang), "achieved": t("achieved", lang)}, lang=lang)),
        section(t("tvpi_dist", lang),
                graph("overview-tvpi", percentile_figure(summary, "tvpi", lang, entity_names(scenario, lang))),
                export_buttons("equity_summary", lang)),
    ])


def register(app, data, jobs) -> None:  # no callbacks of its own
    return None
