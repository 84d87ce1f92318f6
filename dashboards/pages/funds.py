"""Guidance fund & sub-funds (fund managers): percentiles, J-curve and NAV fans, pacing,
concentration, and a what-if panel that reruns a small simulation."""

from __future__ import annotations

import dash_bootstrap_components as dbc
import polars as pl
from dash import Input, Output, State, dcc, html, no_update

from dashboards.components import export_buttons, fmt_mult, fmt_pct, graph, grid, section
from dashboards.derive import allocation_table, entity_names
from dashboards.figures import concentration_figure, fan_figure, pacing_figure, whatif_figure
from dashboards.i18n import t
from dashboards.urlstate import pick_entity, register_entity_url
from dashboards.whatif import BaseRun, WhatIf, WhatIfJobs
from fundsvc.simulation.registry import TableName

_SUMMARY_COLS = ["entity", "tvpi_p5", "tvpi_p25", "tvpi_p50", "tvpi_p50_lo", "tvpi_p50_hi", "tvpi_p75", "tvpi_p95",
                 "tvpi_mean", "tvpi_mean_se", "dpi_p50", "irr_p5", "irr_p50", "irr_p50_lo", "irr_p50_hi", "irr_p95",
                 "p_loss", "p_loss_se", "jcurve_trough_cny", "jcurve_trough_date"]


def _summary_grid(summary: pl.DataFrame, names: dict[str, str], lang: str):
    cols = [c for c in _SUMMARY_COLS if c in summary.columns]
    shown = summary.select(cols).with_columns(
        pl.col("entity").replace_strict(names, default=pl.col("entity"), return_dtype=pl.Utf8).alias("name"))
    shown = shown.select(["name", *cols])
    return grid("subfund-grid", shown, headers={"name": t("entity", lang), "entity": t("fund_id", lang)}, lang=lang)


def _entities(summary: pl.DataFrame) -> list[str]:
    """Entities of the (caller-filtered) equity summary: the dropdown's choices."""
    return summary["entity"].to_list() if summary.height else ["guidance"]


def chosen_entity(data, run_id: int, requested: str | None) -> str:
    """``requested`` (from the URL or the dropdown) when the caller may see it, else the guidance
    fund (or the first entity shown)."""
    entities = _entities(data.table(run_id, TableName.EQUITY_SUMMARY))
    return pick_entity(requested, entities, "guidance" if "guidance" in entities else entities[0])


def layout(data, run_id: int, lang: str, entity: str | None = None):
    summary = data.table(run_id, TableName.EQUITY_SUMMARY)
    fans = data.table(run_id, TableName.EQUITY_FANS)
    pacing = data.table(run_id, TableName.EQUITY_PACING)
    scenario = data.scenario(run_id)
    names = entity_names(scenario, lang)
    entities = _entities(summary)
    entity = chosen_entity(data, run_id, entity)
    alloc = allocation_table(scenario)
    whatif = _whatif_panel(scenario, lang)
    return html.Div([
        html.H2(t("funds_title", lang)),
        section(t("subfund_table", lang), _summary_grid(summary, names, lang), export_buttons("equity_summary", lang)),
        dbc.Row([dbc.Col(html.Label(t("entity", lang)), width="auto"),
                 dbc.Col(dcc.Dropdown(id="funds-entity", options=[{"label": names.get(e, e), "value": e} for e in entities],
                                      value=entity, clearable=False), md=4)], className="mb-2 align-items-center"),
        dbc.Row([
            dbc.Col(graph("funds-jcurve", fan_figure(fans, entity, "cum_net_cash_flow", lang)), lg=6),
            dbc.Col(graph("funds-nav", fan_figure(fans, entity, "nav", lang)), lg=6),
        ]),
        graph("funds-pacing", pacing_figure(pacing, entity, lang)),
        export_buttons("equity_pacing", lang),
        dbc.Row([
            dbc.Col(graph("funds-sector", concentration_figure(alloc, "sector", lang)), lg=6),
            dbc.Col(graph("funds-stage", concentration_figure(alloc, "stage", lang)), lg=6),
        ]),
        section(t("whatif", lang), whatif, id_="whatif-section"),
    ])


def _whatif_panel(scenario, lang: str):
    if scenario is None or not scenario.sub_funds:
        return dbc.Alert(t("whatif_unavailable", lang), color="secondary")
    f0 = scenario.sub_funds[0]
    return html.Div([
        html.P(t("whatif_help", lang)),
        dbc.Row([
            dbc.Col([html.Label(t("graduation_mult", lang)),
                     dcc.Slider(id="whatif-grad", persistence=True, persistence_type="session", min=0.5, max=1.5, step=0.05, value=1.0,
                                marks={0.5: "0.5", 1.0: "1.0", 1.5: "1.5"})], md=4),
            dbc.Col([html.Label(t("reserve_ratio", lang)),
                     dcc.Slider(id="whatif-reserve", persistence=True, persistence_type="session", min=0.0, max=0.7, step=0.05, value=round(f0.reserve_ratio, 2),
                                marks={0: "0", 0.35: "0.35", 0.7: "0.7"})], md=4),
            dbc.Col([html.Label(t("mgmt_fee", lang)),
                     dcc.Slider(id="whatif-fee", persistence=True, persistence_type="session", min=0.0, max=0.03, step=0.0025,
                                value=round(f0.fees.management_fee_rate, 4),
                                marks={0: "0%", 0.015: "1.5%", 0.03: "3%"})], md=4),
        ]),
        dbc.Button(t("rerun", lang), id="whatif-run", color="primary", className="mt-2"),
        dcc.Store(id="whatif-job"),
        dcc.Store(id="whatif-ready"),
        dcc.Interval(id="whatif-poll", interval=400, disabled=True),
        html.Div(id="whatif-progress", className="whatif-progress"),
        html.Div(id="whatif-result", className="mt-3"),
    ])


def register(app, data, jobs) -> None:

    @app.callback(
        Output("funds-jcurve", "figure"), Output("funds-nav", "figure"), Output("funds-pacing", "figure"),
        Input("funds-entity", "value"), State("run-select", "value"), State("lang", "data"),
        prevent_initial_call=True)
    def _entity(entity, run_id, lang):
        if not entity or run_id is None:
            return no_update, no_update, no_update
        entity = chosen_entity(data, run_id, entity)  # a value the caller may not see: the default
        fans = data.table(run_id, TableName.EQUITY_FANS)
        return (fan_figure(fans, entity, "cum_net_cash_flow", lang), fan_figure(fans, entity, "nav", lang),
                pacing_figure(data.table(run_id, TableName.EQUITY_PACING), entity, lang))

    register_entity_url(app, "funds-entity")

    whatifs = WhatIfJobs()
    app.fundsvc_whatifs = whatifs

    def base_run(run_id) -> BaseRun | None:
        scenario = data.scenario(run_id) if run_id is not None else None
        if scenario is None:
            return None
        rec = data.record(run_id)
        # unfiltered: the worker's cache serves every caller; the page shows the guidance fund's
        # aggregates only (whatif_result), which every role allowed a what-if may see
        return BaseRun(int(run_id), scenario, int(rec.seed), int(rec.chunk_size), int(rec.n_paths),
                       data.raw_table(run_id, TableName.EQUITY_SUMMARY))

    @app.callback(Output("whatif-ready", "data"), Input("whatif-grad", "value"), State("run-select", "value"))
    def _whatif_prepare(_grad, run_id):
        """When the panel is shown: warm the what-if worker for this run (compile, base summary of
        the first stage) so the first answer costs one venture rerun."""
        from fundsvc.service.policy import Action, can

        if run_id is None or not can(data.principal, Action.WHATIF):
            return no_update
        base = base_run(run_id)
        if base is None:
            return no_update
        whatifs.prepare(base)
        return run_id

    @app.callback(
        Output("whatif-job", "data"), Output("whatif-poll", "disabled"),
        Input("whatif-run", "n_clicks"),
        State("whatif-grad", "value"), State("whatif-reserve", "value"), State("whatif-fee", "value"),
        State("run-select", "value"),
        prevent_initial_call=True)
    def _whatif_start(n, grad, reserve, fee, run_id):
        """Start the what-if in the background and return at once (the page stays usable)."""
        from fundsvc.errors import InputError
        from fundsvc.service.policy import Action, require

        require(data.principal, Action.WHATIF)
        values = check_whatif(grad, reserve, fee)  # the sliders' bounds, enforced on the server
        if isinstance(values, InputError):
            raise values  # shown in the page by the app's callback error handler
        base = base_run(run_id)
        if not n or base is None:
            return no_update, no_update
        return whatifs.submit(base, WhatIf(*values)), False

    @app.callback(
        Output("whatif-progress", "children"), Output("whatif-result", "children"),
        Output("whatif-poll", "disabled", allow_duplicate=True),
        Input("whatif-poll", "n_intervals"), Input("whatif-job", "data"), State("lang", "data"),
        prevent_initial_call=True)
    def _whatif_poll(_n, job_id, lang):
        job = whatifs.status(job_id)
        if job is None:
            return no_update, no_update, True
        finished = job.status != "running"
        bar = dbc.Progress(value=round(100 * job.fraction), label=f"{round(100 * job.fraction)}%",
                           id="whatif-bar", striped=not finished, animated=not finished,
                           color="danger" if job.status == "failed" else None)
        if job.status == "failed":
            return [bar, dbc.Alert(job.error, color="danger")], no_update, True
        result = whatif_result(job.base, job.modified, lang) if job.base is not None else no_update
        return [bar, whatif_caption(job, lang)], result, finished


WHATIF_BOUNDS = {"graduation_mult": (0.5, 1.5), "reserve_ratio": (0.0, 0.7), "mgmt_fee": (0.0, 0.03)}


def check_whatif(grad, reserve, fee):
    """The what-if values as floats within the sliders' bounds, or an InputError naming the field."""
    import math

    from fundsvc.errors import InputError, Problem

    out, problems = [], []
    for (name, (lo, hi)), v in zip(WHATIF_BOUNDS.items(), (grad, reserve, fee), strict=True):
        try:
            x = float(v)
            if not (math.isfinite(x) and lo <= x <= hi):
                raise ValueError
            out.append(x)
        except (TypeError, ValueError, OverflowError):
            problems.append(Problem("what-if", name, f"must be a number in [{lo:g}, {hi:g}]"))
    return InputError(problems) if problems else tuple(out)


def _mult3(x) -> str:
    return fmt_mult(x, 3)


def _pct2(x) -> str:
    return fmt_pct(x, 2)


def whatif_caption(job, lang: str):
    """Which answer is shown: the first (few paths, refining) or the refined one; what was rerun."""
    if not job.stage_paths:
        return html.Div(t("running", lang), className="text-muted small", id="whatif-caption")
    key = "whatif_refined" if job.final else "whatif_first"
    sides = ", ".join(t(f"side_{s}", lang) for s in job.rerun) or "-"
    reused = ", ".join(t(f"side_{s}", lang) for s in job.reused)
    text = t(key, lang).format(n=f"{job.stage_paths:,}", s=f"{job.seconds:.1f}")
    text += " " + t("whatif_sides", lang).format(rerun=sides, reused=reused or "-")
    return html.Div(text, className="text-muted small", id="whatif-caption",
                    **{"data-stage": "refined" if job.final else "first"})


def whatif_result(base: pl.DataFrame, mod: pl.DataFrame, lang: str):
    """Table (base / modified guidance-fund percentiles, with their Monte Carlo 95 % intervals
    and standard errors) and the comparison figure."""
    b = base.filter(pl.col("entity") == "guidance").to_dicts()[0]
    m = mod.filter(pl.col("entity") == "guidance").to_dicts()[0]

    def ci(d, col, fmt):
        lo, hi = d.get(f"{col}_lo"), d.get(f"{col}_hi")
        return f"[{fmt(lo)}, {fmt(hi)}]" if lo is not None and hi is not None else ""

    def se(d, col, fmt):
        v = d.get(col)
        return f"± {fmt(v)}" if v is not None else ""

    rows = [("TVPI P50", fmt_mult(b["tvpi_p50"]), fmt_mult(m["tvpi_p50"]),
             ci(b, "tvpi_p50", fmt_mult), ci(m, "tvpi_p50", fmt_mult)),
            (t("tvpi_mean", lang), fmt_mult(b.get("tvpi_mean")), fmt_mult(m.get("tvpi_mean")),
             se(b, "tvpi_mean_se", _mult3), se(m, "tvpi_mean_se", _mult3)),
            ("TVPI P5–P95", f"{fmt_mult(b['tvpi_p5'])} – {fmt_mult(b['tvpi_p95'])}",
             f"{fmt_mult(m['tvpi_p5'])} – {fmt_mult(m['tvpi_p95'])}", "", ""),
            ("IRR P50", fmt_pct(b["irr_p50"]), fmt_pct(m["irr_p50"]),
             ci(b, "irr_p50", fmt_pct), ci(m, "irr_p50", fmt_pct)),
            (t("kpi_ploss", lang), fmt_pct(b["p_loss"]), fmt_pct(m["p_loss"]),
             se(b, "p_loss_se", _pct2), se(m, "p_loss_se", _pct2))]
    table = dbc.Table([html.Thead(html.Tr([html.Th(t("metric", lang)), html.Th(t("base", lang)),
                                           html.Th(t("modified", lang)), html.Th(t("whatif_error", lang))])),
                       html.Tbody([html.Tr([html.Td(a), html.Td(x), html.Td(y, id=f"whatif-mod-{i}"),
                                            html.Td(ey, id=f"whatif-err-{i}", className="text-muted small")])
                                   for i, (a, x, y, _ex, ey) in enumerate(rows)])], bordered=True, size="sm")
    return html.Div([table, graph("whatif-fig", whatif_figure(base, mod, "tvpi", lang))])
