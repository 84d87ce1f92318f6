"""Loans & pricing (banks): loan-pricing form and the portfolio loss distribution with VaR/ES."""

from __future__ import annotations

from typing import Any

import dash_bootstrap_components as dbc
import polars as pl
from dash import Input, Output, State, dcc, html, no_update

from dashboards.components import export_buttons, fmt_cny, fmt_pct, graph, grid, section
from dashboards.figures import loss_distribution_figure
from dashboards.i18n import code_label, t
from dashboards.urlstate import pick_entity, register_entity_url
from fundsvc.errors import FundsvcError
from fundsvc.simulation.registry import TableName
from models.common import WAN

DEFAULT_FORM: dict[str, Any] = {
    "amount_wan": 500, "term": 3, "pd_mode": "pd", "pd_pct": 2.0, "rating": None, "ip_mode": "appraisal",
    "ip_wan": 1200, "pledge_pct": 40, "guarantee_pct": 0, "pool": None, "quoted_pct": 4.5,
}
_FIELDS = list(DEFAULT_FORM)


def pricing_fields(form: dict[str, Any], scenario) -> dict[str, Any]:
    """Map the form (万元, percentages) to :func:`fundsvc.credit.price_loan` fields (CNY, decimals).

    The recovery model (IP, workout, guarantor) and master scale are the run scenario's; a chosen pool brings its
    shares and per-loan cap (the guarantee input is then ignored: the pool's rule sets it).
    """
    f: dict[str, Any] = {"amount_cny": float(form["amount_wan"]) * WAN, "term_years": float(form["term"])}
    if form.get("quoted_pct") not in (None, ""):
        f["quoted_rate"] = float(form["quoted_pct"]) / 100
    if form.get("pd_mode") == "rating":
        f["rating"] = form.get("rating")
        f["master_scale"] = scenario.pd_master_scale if scenario is not None else None
    else:
        f["pd"] = float(form["pd_pct"]) / 100
    if form.get("ip_mode") == "appraisal":
        f["ip_appraisal_cny"] = float(form["ip_wan"]) * WAN
    elif form.get("ip_mode") == "pledge":
        f["pledge_rate"] = float(form["pledge_pct"]) / 100
    if scenario is not None:
        f["recovery"] = scenario.ip_recovery
        if scenario.recovery_sources is not None:
            f["recovery_sources"] = scenario.recovery_sources  # the engine's recovery model
    pool = next((p for p in (scenario.pools if scenario is not None else []) if p.id == form.get("pool")), None)
    if pool is not None:
        f["pool"] = pool
    elif form.get("guarantee_pct"):
        f["guarantee_share"] = float(form["guarantee_pct"]) / 100
    return f


def price(form: dict[str, Any], scenario):
    """``(PricingResult, None)`` or ``(None, error message)`` for the form values."""
    from fundsvc.credit import price_loan

    try:
        if any(form.get(k) in (None, "") for k in ("amount_wan", "term")):
            raise ValueError("amount and term are required")
        return price_loan(**pricing_fields(form, scenario)), None
    except FundsvcError as exc:
        return None, str(exc)
    except (ValueError, TypeError) as exc:
        return None, str(exc)


def at_simulated_reliability(form: dict[str, Any], scenario, cover: pl.DataFrame):
    """The form priced with the chosen pool's simulated cover reliability (share of claims paid,
    from the run's ``credit_cover_reliability``) as its pay probability: ``(result, reliability)``,
    or None without a pool or cover table."""
    from fundsvc.credit import price_loan
    from fundsvc.credit.pools.reliability import pool_reliability

    pool = form.get("pool")
    if not pool or cover is None or cover.height == 0:
        return None
    try:
        rel, _ = pool_reliability(cover, pool)
        return price_loan(**pricing_fields(form, scenario), pool_pay_probability=rel), rel
    except (KeyError, FundsvcError, ValueError, TypeError):
        return None


def result_view(result, error: str | None, lang: str, reliable=None):
    if result is None:
        return dbc.Alert([html.Strong(t("pricing_error", lang) + ": "), html.Span(error or "", id="price-error")],
                         color="danger")
    return dbc.Row([
        dbc.Col(dbc.Card(dbc.CardBody([html.Div(t("break_even", lang), className="kpi-title"),
                                       html.Div(fmt_pct(result.break_even_rate, 2), id="price-break-even",
                                                className="kpi-value"),
                                       html.Div(f"{t('without_pool', lang)}: "
                                                f"{fmt_pct(result.without_pool.break_even_rate, 2)}", className="kpi-sub")]),
                         className="kpi-card"), md=4),
        dbc.Col(dbc.Card(dbc.CardBody([html.Div(t("raroc", lang), className="kpi-title"),
                                       html.Div(fmt_pct(result.raroc, 2) if result.raroc is not None else "–",
                                                id="price-raroc", className="kpi-value"),
                                       html.Div(f"{t('expected_loss', lang)}: {fmt_pct(result.expected_loss_rate, 2)}",
                                                className="kpi-sub")]), className="kpi-card"), md=4),
        dbc.Col(dbc.Card(dbc.CardBody([html.Div(t("subsidy", lang), className="kpi-title"),
                                       html.Div(f"{1e4 * result.subsidy_rate:,.1f} {t('bp', lang)}", id="price-subsidy",
                                                className="kpi-value"),
                                       html.Div(f"{t('over_term', lang)}: {fmt_cny(result.subsidy_cny)}",
                                                id="price-subsidy-cny", className="kpi-sub"),
                                       *([html.Div(f"{t('at_reliability', lang)} {fmt_pct(reliable[1], 2)}: "
                                                   f"{1e4 * reliable[0].subsidy_rate:,.1f} {t('bp', lang)}",
                                                   id="price-subsidy-reliable", className="kpi-sub")]
                                         if reliable is not None else [])]), className="kpi-card"), md=4),
    ], className="g-3")


def crm_view(form: dict[str, Any], scenario, lang: str):
    """The pool's capital treatments side by side for the form's loan (empty without a pool)."""
    from fundsvc.credit.pricing.crm_compare import compare_mitigation

    try:
        rows = compare_mitigation(pricing_fields(form, scenario))
    except (FundsvcError, ValueError, TypeError):
        rows = []
    if not rows:
        return html.Div(id="price-crm")
    frame = pl.DataFrame([{
        "crm": (r["crm_zh"] if lang != "en" else r["crm"]) + (" ✓" if r["chosen"] else ""),
        "capital_rate_pct": round(100 * r["capital_rate"], 3),
        "risk_weight_pct": None if r["risk_weight"] is None else round(100 * r["risk_weight"], 2),
        "irb_lgd_pct": None if r["irb_lgd"] is None else round(100 * r["irb_lgd"], 2),
        "break_even_pct": round(100 * r["break_even_rate"], 3),
        "raroc_pct": None if r["raroc"] is None else round(100 * r["raroc"], 2),
        "subsidy_bp": round(r["subsidy_bp"], 1),
    } for r in rows])
    return html.Div([html.H6(t("crm_compare", lang), className="mt-3"), grid("price-crm-grid", frame, lang=lang)],
                    id="price-crm")


_BOOK_PCT = ("pd", "lgd", "el_rate", "rate", "break_even", "raroc", "el_rate_no_pool", "break_even_no_pool",
             "raroc_no_pool", "below_break_even")


def book_view(scenario) -> pl.DataFrame:
    """The scenario's book priced at contract rates per grade and product, rates in per cent."""
    from fundsvc.credit.pricing.book import book_report, price_book

    rep = book_report(price_book(scenario))
    return rep.select(["grade", "product", "n_loans", "amount_cny",
                       *[(100 * pl.col(c)).round(3).alias(f"{c}_pct") for c in _BOOK_PCT]])


def _num(id_: str, label: str, value, step) -> dbc.Col:
    return dbc.Col([dbc.Label(label, html_for=id_),
                    dbc.Input(id=id_, type="number", value=value, step=step, debounce=True)], md=3)


def _form(scenario, lang: str):
    grades = [g.grade for g in scenario.pd_master_scale.grades] if scenario is not None and scenario.pd_master_scale else []
    pools = [p.id for p in scenario.pools] if scenario is not None else []
    d = DEFAULT_FORM | {"pool": pools[0] if pools else None, "rating": grades[len(grades) // 2] if grades else None}
    return html.Div([
        dbc.Row([
            _num("pf-amount_wan", t("amount_wan_input", lang), d["amount_wan"], 10),
            _num("pf-term", t("term_years", lang), d["term"], 0.5),
            dbc.Col([dbc.Label(t("pd_mode", lang)),
                     dbc.RadioItems(id="pf-pd_mode", value=d["pd_mode"], inline=True, options=[
                         {"label": t("pd_direct", lang), "value": "pd"},
                         {"label": t("pd_rating", lang), "value": "rating", "disabled": not grades}])], md=3),
            _num("pf-pd_pct", t("pd_pct", lang), d["pd_pct"], 0.1),
        ], className="g-2"),
        dbc.Row([
            dbc.Col([dbc.Label(t("rating", lang)),
                     dcc.Dropdown(id="pf-rating", options=grades, value=d["rating"], clearable=False)], md=3),
            dbc.Col([dbc.Label(t("ip_mode", lang)),
                     dbc.RadioItems(id="pf-ip_mode", value=d["ip_mode"], inline=True, options=[
                         {"label": t("ip_none", lang), "value": "none"},
                         {"label": t("ip_appraisal", lang), "value": "appraisal"},
                         {"label": t("ip_pledge", lang), "value": "pledge"}])], md=3),
            _num("pf-ip_wan", t("ip_appraisal_wan", lang), d["ip_wan"], 10),
            _num("pf-pledge_pct", t("pledge_rate_pct", lang), d["pledge_pct"], 1),
        ], className="g-2"),
        dbc.Row([
            _num("pf-guarantee_pct", t("guarantee_pct", lang), d["guarantee_pct"], 5),
            dbc.Col([dbc.Label(t("pool", lang)),
                     dcc.Dropdown(id="pf-pool", value=d["pool"], clearable=False,
                                  options=[{"label": t("no_pool", lang), "value": "__none__"}] + pools)], md=3),
            _num("pf-quoted_pct", t("quoted_rate_pct", lang), d["quoted_pct"], 0.05),
        ], className="g-2"),
    ], className="pricing-form"), d


def _entities(measures: pl.DataFrame) -> list[str]:
    """Entities of the (caller-filtered) loss measures: the dropdown's choices."""
    return measures["entity"].unique(maintain_order=True).to_list() if measures.height else []


def chosen_entity(data, run_id: int, requested: str | None) -> str:
    """``requested`` (from the URL or the dropdown) when the caller may see it, else all banks
    (or the first entity shown)."""
    entities = _entities(data.table(run_id, TableName.CREDIT_LOSS_MEASURES))
    return pick_entity(requested, entities, "banks" if "banks" in entities else (entities[0] if entities else "banks"))


def layout(data, run_id: int, lang: str, entity: str | None = None):
    scenario = data.scenario(run_id)
    form, values = _form(scenario, lang)
    result, error = price(values, scenario)
    reliable = at_simulated_reliability(values, scenario, data.table(run_id, TableName.CREDIT_COVER_RELIABILITY))
    measures = data.table(run_id, TableName.CREDIT_LOSS_MEASURES)
    entities = _entities(measures)
    entity = chosen_entity(data, run_id, entity)
    return html.Div([
        html.H2(t("loans_title", lang)),
        section(t("pricing_form", lang), form, html.Div(result_view(result, error, lang, reliable), id="price-result",
                                                        className="mt-3"),
                html.Div(crm_view(values, scenario, lang), id="price-crm-box")),
        section(t("book_report", lang),
                html.P(t("book_report_note", lang), className="text-muted small"),
                dbc.Button(t("book_report_button", lang), id="book-report-go", color="secondary", size="sm",
                           className="mb-2"),
                dcc.Loading(html.Div(id="book-report-box"))),
        section(t("loss_dist", lang),
                dbc.Row([dbc.Col(html.Label(t("loss_entity", lang)), width="auto"),
                         dbc.Col(dcc.Dropdown(id="loss-entity", options=[{"label": code_label(e, lang), "value": e} for e in entities],
                                              value=entity, clearable=False), md=4)],
                        className="mb-2 align-items-center"),
                graph("loss-dist", _loss_figure(data, run_id, entity, lang)),
                html.Div(grid("loss-measures", _measures_view(measures, entity), lang=lang, amounts=("se", "lo", "hi")), id="loss-measures-box"),
                export_buttons("credit_loss_measures", lang)),
    ])


def _measures_view(measures: pl.DataFrame, entity: str) -> pl.DataFrame:
    if measures.height == 0:
        return measures
    return measures.filter(pl.col("entity") == entity).drop("entity")


def _loss_figure(data, run_id: int, entity: str, lang: str):
    paths = data.array(run_id, TableName.CREDIT_PATHS)
    losses = paths.filter(pl.col("entity") == entity)["loss_horizon"].to_numpy() if paths.height else []
    return loss_distribution_figure(losses, data.table(run_id, TableName.CREDIT_LOSS_MEASURES), entity, lang)


def register(app, data, jobs) -> None:
    @app.callback(Output("price-result", "children"), Output("price-crm-box", "children"),
                  [Input(f"pf-{k}", "value") for k in _FIELDS],
                  State("run-select", "value"), State("lang", "data"), prevent_initial_call=True)
    def _price(*args):
        *values, run_id, lang = args
        form = dict(zip(_FIELDS, values, strict=True))
        if form.get("pool") == "__none__":
            form["pool"] = None
        scenario = data.scenario(run_id) if run_id is not None else None
        result, error = price(form, scenario)
        cover = data.table(run_id, TableName.CREDIT_COVER_RELIABILITY) if run_id is not None else None
        return (result_view(result, error, lang, at_simulated_reliability(form, scenario, cover)),
                crm_view(form, scenario, lang))

    @app.callback(Output("book-report-box", "children"), Input("book-report-go", "n_clicks"),
                  State("run-select", "value"), State("lang", "data"), prevent_initial_call=True)
    def _book(n_clicks, run_id, lang):
        from fundsvc.service.policy import visible_loans

        scenario = data.scenario(run_id) if run_id is not None else None
        loans = visible_loans(data.principal, scenario.loans) if scenario is not None else []
        if not loans:  # a bank sees its own book only (tenancy, fundsvc.service.policy)
            return html.Div("–")
        return grid("book-report-grid", book_view(scenario.model_copy(update={"loans": loans})), lang=lang)

    register_entity_url(app, "loss-entity")

    @app.callback(Output("loss-dist", "figure"), Output("loss-measures-box", "children"),
                  Input("loss-entity", "value"), State("run-select", "value"), State("lang", "data"),
                  prevent_initial_call=True)
    def _loss(entity, run_id, lang):
        if run_id is None:
            return no_update, no_update
        entity = chosen_entity(data, run_id, entity)  # a value the caller may not see: the default
        return (_loss_figure(data, run_id, entity, lang),
                grid("loss-measures", _measures_view(data.table(run_id, TableName.CREDIT_LOSS_MEASURES), entity), lang=lang))
