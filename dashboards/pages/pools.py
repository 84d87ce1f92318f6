"""Risk pools (finance bureau): balance fans, depletion probability by year, required top-up, leverage."""

from __future__ import annotations

import dash_bootstrap_components as dbc
import polars as pl
from dash import html

from dashboards.components import export_buttons, fmt_cny, fmt_pct, graph, grid, kpi_card, section
from dashboards.figures import balance_fan_figure, depletion_figure
from dashboards.i18n import t
from fundsvc.simulation.registry import TableName


def _pool_cards(row: dict, sizing: pl.DataFrame, lang: str):
    pool = row["pool"]
    s = {r["variable"]: r for r in sizing.filter(pl.col("pool") == pool).to_dicts()} if sizing.height else {}
    init, top = s.get("initial_balance"), s.get("annual_top_up")
    return dbc.Row([
        dbc.Col(kpi_card(f"pool-{pool}-initial", t("initial_balance", lang), fmt_cny(row["initial_balance"])), md=2),
        dbc.Col(kpi_card(f"pool-{pool}-pdep", t("p_depleted", lang), fmt_pct(row["p_depleted"], 2),
                         f"± {fmt_pct(2 * row['p_depleted_se'], 2)}"), md=2),
        dbc.Col(kpi_card(f"pool-{pool}-required", t("required_initial", lang),
                         fmt_cny(init["value"]) if init else "–",
                         f"{t('target_prob', lang)}: {fmt_pct(init['target'], 1)}" if init else ""), md=3),
        dbc.Col(kpi_card(f"pool-{pool}-topup", t("required_topup", lang), fmt_cny(top["value"]) if top else "–"), md=2),
        dbc.Col(kpi_card(f"pool-{pool}-leverage", t("leverage", lang), f"{row['leverage_mean']:.2f}×",
                         f"{t('target_pool_multiple', lang)}: {row['lending_multiple_mean']:.2f}×"), md=3),
    ], className="g-3")


def layout(data, run_id: int, lang: str):
    summary = data.table(run_id, TableName.CREDIT_POOL_SUMMARY)
    if summary.height == 0:
        return html.Div([html.H2(t("pools_title", lang)), dbc.Alert(t("no_pools", lang), color="secondary")])
    fans = data.table(run_id, TableName.CREDIT_POOL_FANS)
    sizing = data.table(run_id, TableName.CREDIT_POOL_SIZING)
    blocks = []
    for row in summary.to_dicts():
        blocks.append(section(f"{t('pool', lang)} {row['pool']}", _pool_cards(row, sizing, lang),
                              graph(f"pool-fan-{row['pool']}", balance_fan_figure(fans, row["pool"], lang))))
    return html.Div([
        html.H2(t("pools_title", lang)),
        *blocks,
        section(t("depletion", lang), graph("pool-depletion", depletion_figure(
            data.table(run_id, TableName.CREDIT_DEPLETION_BY_YEAR), lang)), export_buttons("credit_depletion_by_year", lang)),
        section(t("sizing", lang), grid("pool-sizing", sizing, lang=lang, amounts=("value",)), export_buttons("credit_pool_sizing", lang)),
        section(t("pool", lang), grid("pool-summary", summary, lang=lang, amounts=(
            "initial_balance", "payouts_mean", "payouts_p95", "fiscal_cost_mean", "fiscal_cost_p95",
            "fiscal_cost_pv_mean", "new_lending_mean", "final_balance_mean")), export_buttons("credit_pool_summary", lang)),
    ])


def register(app, data, jobs) -> None:
    return None
