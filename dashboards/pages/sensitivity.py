"""Sensitivity (every role; rows filtered by role): the tornado of the one-at-a-time analysis stored
with the run (``fundsvc sensitivity SCENARIO``), one output at a time, with the swings' Monte Carlo
errors, and its table. Read through :func:`fundsvc.service.sensitivity.stored_sensitivity` (run
visibility and row filtering of the service layer)."""

from __future__ import annotations

import dash_bootstrap_components as dbc
import polars as pl
from dash import Input, Output, State, dcc, html
from dash.exceptions import PreventUpdate

from dashboards.components import graph, grid, section
from dashboards.figures.validation import output_kind, output_label, output_unit, tornado_figure
from dashboards.i18n import t
from fundsvc.formatting import Kind, fmt, fmt_pct, fmt_pm, fmt_pp


def _command(run_id: int) -> str:
    """The exact command that stores a sensitivity analysis with this run (its scenario, paths, seed)."""
    return f"`fundsvc sensitivity --run {int(run_id)}`"


def _swing(value, error, kind: Kind, unit, lang: str) -> str:
    """A swing ± its error; a change of a probability in percentage points (``+2.5 pp ± 0.4 pp``)."""
    if kind is Kind.PERCENT:
        return f"{fmt_pp(value)} ± {fmt_pp(error, signed=False)}"
    return fmt_pm(value, error, kind, unit=unit, lang=lang)


def table_rows(view_table: pl.DataFrame, output: str, lang: str) -> tuple[pl.DataFrame, dict[str, str]]:
    """One output's rows as text cells (formatting layer) and their headers, largest swing first."""
    rows = view_table.filter(pl.col("output") == output).sort("rank")
    kind = output_kind(output)
    unit = output_unit(rows, kind)
    suffix = (f" ({unit.value[1]})" if lang == "en" else f"({unit.value[1]})") if unit else ""
    out = pl.DataFrame({
        "rank": rows["rank"],
        "input": rows["input"],
        "low": [fmt(v, kind, unit=unit, lang=lang) for v in rows["low"]],
        "base": [fmt(v, kind, unit=unit, lang=lang) for v in rows["base"]],
        "high": [fmt(v, kind, unit=unit, lang=lang) for v in rows["high"]],
        "swing": [_swing(s, e, kind, unit, lang) for s, e in zip(rows["swing"], rows["swing_se"])],
        "elasticity": [fmt_pm(v, e, Kind.NUMBER, lang=lang) for v, e in zip(rows["elasticity"], rows["elasticity_se"])],
        "signal": [bool(abs(s) > 2 * e) for s, e in zip(rows["swing"], rows["swing_se"])],
    }, schema_overrides={"rank": pl.Int64})
    headers = {"rank": t("sens_rank", lang), "input": t("input", lang).capitalize(),
               "low": t("sens_low", lang) + suffix, "base": t("sens_base", lang) + suffix,
               "high": t("sens_high", lang) + suffix, "swing": t("sens_swing", lang) + suffix,
               "elasticity": t("sens_elasticity", lang), "signal": t("sens_signal", lang)}
    return out, headers


def _view(data, run_id: int):
    from fundsvc.service.sensitivity import stored_sensitivity

    return stored_sensitivity(data.reader, data.principal, run_id)


def _output_block(view, output: str, lang: str):
    shown, headers = table_rows(view.table, output, lang)
    rows = view.table.filter(pl.col("output") == output)
    unpaired = rows.height > 0 and (rows["se_method"] == "unpaired (conservative)").any()
    return [graph("sens-tornado", tornado_figure(view.table, output, lang)),
            grid("sens-table", shown, headers=headers, lang=lang),
            *([html.P(t("sens_unpaired", lang), id="sens-unpaired", className="small")] if unpaired else [])]


def _empty(data, run_id: int, lang: str, message: str):
    from fundsvc.service.sensitivity import runs_with_sensitivity

    others = [i for i in runs_with_sensitivity(data.reader, data.principal) if i != run_id]
    extra = []
    if others:
        extra = [html.P([t("sens_runs_with", lang), " ",
                         *[dcc.Link(f"#{i}", href=f"/sensitivity?run={i}&lang={lang}", className="me-2")
                           for i in others[:10]]], id="sens-other-runs")]
    return html.Div([html.H2(t("sens_title", lang)),
                     dbc.Alert(message, color="secondary", id="sens-none"), *extra])


def layout(data, run_id: int, lang: str):
    view = _view(data, run_id)
    if view is None:
        return _empty(data, run_id, lang, t("sens_none", lang).format(command=_command(run_id)))
    outputs = view.outputs()
    if not outputs:
        return _empty(data, run_id, lang, t("sens_nothing_visible", lang))
    moving = set(view.table.filter(pl.col("swing").abs() > 0)["output"].to_list())
    first = next((o for o in outputs if o in moving), outputs[0])  # the first output any input moves
    intro = t("sens_intro", lang).format(step="±" + fmt_pct(view.step, 0), paths=fmt(view.paths, Kind.COUNT),
                                         seed=view.seed)
    return html.Div([
        html.H2(t("sens_title", lang)),
        html.P(intro, id="sens-intro"),
        *([dbc.Alert(t("sens_hidden", lang), color="info", id="sens-hidden")] if view.hidden else []),
        *([html.P(t("sens_rechunked", lang), id="sens-rechunked", className="small")] if not view.base_is_run else []),
        dbc.Row([dbc.Col(html.Label(t("sens_output", lang)), width="auto"),
                 dbc.Col(dcc.Dropdown(id="sens-output", options=[{"label": output_label(o, lang), "value": o}
                                                                  for o in outputs],
                                      value=first, clearable=False), md=5)], className="mb-2 align-items-center"),
        section(t("tornado", lang), html.Div(_output_block(view, first, lang), id="sens-output-block")),
    ])


def register(app, data, jobs) -> None:
    @app.callback(Output("sens-output-block", "children"), Input("sens-output", "value"),
                  State("run-select", "value"), State("lang", "data"), prevent_initial_call=True)
    def _choose(output, run_id, lang):
        if not output or run_id is None:
            raise PreventUpdate
        view = _view(data, int(run_id))
        if view is None or output not in view.outputs():
            raise PreventUpdate
        return _output_block(view, output, lang or "zh")
