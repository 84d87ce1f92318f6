"""Runs & scenarios: list runs, start a run from a bundled or uploaded scenario with progress,
compare two runs side by side."""

from __future__ import annotations

import base64
import binascii
import threading
import uuid
from collections import OrderedDict

import dash_bootstrap_components as dbc
import polars as pl
from dash import Input, Output, State, dcc, html, no_update

from dashboards.components import export_buttons, grid, section
from dashboards.derive import guidance_row
from dashboards.i18n import column_label, t
from dashboards.jobs import loaded_from_upload
from fundsvc.errors import FundsvcError
from fundsvc.inputs.loader import MAX_SCENARIO_BYTES
from fundsvc.simulation.registry import TableName
from models.common import WAN

MAX_PAGE_PATHS = 200_000
UPLOAD = "__upload__"


def runs_frame(data) -> pl.DataFrame:
    """The run list as a table (newest first)."""
    rows = [{"id": r.id, "scenario": r.scenario_name, "status": str(getattr(r.status, "value", r.status)),
             "paths": r.n_paths, "seed": str(r.seed), "created": r.created_at.strftime("%Y-%m-%d %H:%M:%S"),
             "duration_s": round(r.duration.total_seconds(), 2) if r.duration else None, "label": r.label or ""}
            for r in data.runs()]
    schema = {"id": pl.Int64, "scenario": pl.Utf8, "status": pl.Utf8, "paths": pl.Int64, "seed": pl.Utf8,
              "created": pl.Utf8, "duration_s": pl.Float64, "label": pl.Utf8}
    return pl.DataFrame(rows, schema=schema)


def run_options(data) -> list[dict]:
    return [{"label": f"#{r.id} {r.scenario_name} ({r.n_paths:,})", "value": r.id} for r in data.succeeded_runs()]


def compare_frame(data, a: int, b: int, lang: str = "zh") -> pl.DataFrame:
    """Key results of runs ``a`` and ``b`` side by side, with B − A (amounts in 万元)."""
    banks = "银行" if lang != "en" else "Banks"

    def metrics(run_id: int) -> dict[str, float]:
        out: dict[str, float] = {}
        g = guidance_row(data.table(run_id, TableName.EQUITY_SUMMARY))
        for k in ("tvpi_p5", "tvpi_p50", "tvpi_p95", "irr_p50", "dpi_p50", "p_loss"):
            if k in g:
                out[f"{t('guidance', lang)} {column_label(k, lang)}"] = g[k]
        lm = data.table(run_id, TableName.CREDIT_LOSS_MEASURES)
        if lm.height:
            for r in lm.filter((pl.col("entity") == "banks") & (pl.col("window") == "horizon")).to_dicts():
                lvl = "" if r["level"] is None else f" {100 * r['level']:g}%"
                name = {"el": "EL", "ul": "UL", "var": "VaR", "es": "ES"}.get(r["measure"], r["measure"])
                out[f"{banks} {name}{lvl} ({'万元'})"] = r["value"] / WAN
        ps = data.table(run_id, TableName.CREDIT_POOL_SUMMARY)
        for r in ps.to_dicts():
            out[f"{t('pool', lang)} {r['pool']} {column_label('p_depleted', lang)}"] = r["p_depleted"]
            out[f"{t('pool', lang)} {r['pool']} {column_label('fiscal_cost_mean', lang)} (万元)"] = \
                r["fiscal_cost_mean"] / WAN
        return out

    ma, mb = metrics(a), metrics(b)
    keys = list(dict.fromkeys([*ma, *mb]))
    rows = [{"metric": k, "a": ma.get(k), "b": mb.get(k),
             "diff": (mb[k] - ma[k]) if k in ma and k in mb and ma[k] is not None and mb[k] is not None else None}
            for k in keys]
    return pl.DataFrame(rows, schema={"metric": pl.Utf8, "a": pl.Float64, "b": pl.Float64, "diff": pl.Float64})


def _bundled_options():
    from fundsvc.inputs.bundled import bundled_scenarios

    return [{"label": p.stem, "value": p.stem} for p in bundled_scenarios()]


def layout(data, run_id: int | None, lang: str):
    options = run_options(data)
    bundled = _bundled_options()
    ids = [o["value"] for o in options]
    a = ids[1] if len(ids) > 1 else (ids[0] if ids else None)
    b = ids[0] if ids else None
    return html.Div([
        html.H2(t("runs_title", lang)),
        section(t("runs_list", lang), grid("runs-grid", runs_frame(data), headers={
            "scenario": t("scenario", lang), "status": t("status", lang), "paths": t("paths", lang),
            "seed": t("seed", lang), "created": t("created", lang), "duration_s": t("duration_s", lang),
            "label": t("label", lang)}, lang=lang), export_buttons("runs", lang)),
        section(t("new_run", lang),
                dbc.Row([
                    dbc.Col([dbc.Label(t("bundled", lang)),
                             dcc.Dropdown(id="new-source", options=bundled, clearable=False,
                                          value="quick" if any(o["value"] == "quick" for o in bundled)
                                          else (bundled[0]["value"] if bundled else None))], md=4),
                    dbc.Col([dbc.Label(t("paths", lang)),
                             dbc.Input(id="new-paths", type="number", min=100, max=MAX_PAGE_PATHS, step=100,
                                       value=2000)], md=2),
                    dbc.Col(dbc.Button(t("start", lang), id="new-start", color="primary", className="mt-4"), md=2),
                ], className="g-2"),
                dcc.Upload(id="upload", children=html.Div(t("upload", lang)), className="upload-box", multiple=False),
                html.Div(id="upload-message"),
                dbc.Progress(id="run-progress", value=0, label="", className="mt-2", style={"height": "22px"}),
                html.Div(id="run-message", className="mt-2"),
                dcc.Interval(id="run-poll", interval=400, disabled=True),
                dcc.Store(id="job-id"), dcc.Store(id="upload-token")),
        section(t("compare", lang),
                dbc.Row([
                    dbc.Col([dbc.Label(t("run_a", lang)), dcc.Dropdown(id="compare-a", options=options, value=a)], md=4),
                    dbc.Col([dbc.Label(t("run_b", lang)), dcc.Dropdown(id="compare-b", options=options, value=b)], md=4),
                ]),
                html.Div(_compare_view(data, a, b, lang), id="compare-result", className="mt-2")),
    ])


def _compare_view(data, a, b, lang: str):
    if a is None or b is None:
        return ""
    return grid("compare-grid", compare_frame(data, a, b, lang), headers={
        "metric": t("metric", lang), "a": f"{t('run_a', lang)} #{a}", "b": f"{t('run_b', lang)} #{b}",
        "diff": t("difference", lang)}, lang=lang)


def decode_upload(contents: str | None, filename: str | None) -> tuple[object | None, bytes | None, str | None]:
    """Validate an uploaded scenario: ``(scenario, raw bytes, None)`` or ``(None, None, message)``.

    The size is checked on the base64 text before decoding (limit 2 MiB decoded); then the bytes
    go through :func:`fundsvc.inputs.loader.load_scenario_bytes` (TOML, self-contained, valid).
    Nothing is written anywhere.
    """
    from fundsvc.inputs.loader import load_scenario_bytes

    if not contents:
        return None, None, "empty upload"
    name = (filename or "upload.toml").replace("\\", "/").rsplit("/", 1)[-1][:120]
    _, _, b64 = contents.partition(",")
    if len(b64) * 3 // 4 > MAX_SCENARIO_BYTES + 3:
        return None, None, (f"{name}: file is about {len(b64) * 3 / 4 / 2**20:.1f} MiB; "
                            f"scenario files are limited to {MAX_SCENARIO_BYTES / 2**20:g} MiB")
    try:
        raw = base64.b64decode(b64, validate=True)
    except (binascii.Error, ValueError):
        return None, None, f"{name}: the upload could not be decoded"
    try:
        scenario = load_scenario_bytes(raw, name=name)
    except FundsvcError as exc:
        return None, None, str(exc)
    return scenario, raw, None


def register(app, data, jobs) -> None:
    uploads: OrderedDict[str, tuple] = OrderedDict()
    lock = threading.Lock()

    @app.callback(Output("upload-message", "children"), Output("upload-token", "data"),
                  Output("new-source", "options"), Output("new-source", "value"),
                  Input("upload", "contents"), State("upload", "filename"), State("lang", "data"),
                  prevent_initial_call=True)
    def _upload(contents, filename, lang):
        scenario, raw, error = decode_upload(contents, filename)
        if error is not None:
            return (dbc.Alert([html.Strong(t("upload_bad", lang)), html.Pre(error, className="mb-0")],
                              color="danger", id="upload-error"), None, no_update, no_update)
        token = uuid.uuid4().hex
        with lock:
            uploads[token] = (scenario, raw, filename)
            while len(uploads) > 5:
                uploads.popitem(last=False)
        options = _bundled_options() + [{"label": f"{t('uploaded', lang)}: {scenario.name}", "value": UPLOAD}]
        return (dbc.Alert(f"{t('upload_ok', lang)}{scenario.name} — {scenario.title}", color="success",
                          id="upload-ok"), token, options, UPLOAD)

    @app.callback(Output("job-id", "data"), Output("run-poll", "disabled"), Output("run-message", "children"),
                  Input("new-start", "n_clicks"), State("new-source", "value"), State("new-paths", "value"),
                  State("upload-token", "data"), State("lang", "data"), prevent_initial_call=True)
    def _start(n, source, paths, token, lang):
        from fundsvc.inputs.bundled import resolve_scenario
        from fundsvc.inputs.loader import load_scenario

        if not n:
            return no_update, no_update, no_update
        try:
            n_paths = int(paths)
            if not 1 <= n_paths <= MAX_PAGE_PATHS:
                raise ValueError
        except (TypeError, ValueError):
            return no_update, True, dbc.Alert(f"{t('paths', lang)}: 1 – {MAX_PAGE_PATHS:,}", color="danger")
        try:
            if source == UPLOAD:
                with lock:
                    entry = uploads.get(token or "")
                if entry is None:
                    return no_update, True, dbc.Alert(t("upload", lang), color="warning")
                loaded = loaded_from_upload(entry[0], entry[1], entry[2])
            else:
                loaded = load_scenario(resolve_scenario(str(source)))
            job = jobs.start(loaded, paths=n_paths)
        except (FundsvcError, RuntimeError) as exc:
            return no_update, True, dbc.Alert(str(exc), color="danger")
        return job.id, False, html.Span(f"{t('running', lang)} {job.name}", id="run-running")

    @app.callback(Output("run-progress", "value"), Output("run-progress", "label"),
                  Output("run-message", "children", allow_duplicate=True), Output("run-poll", "disabled", allow_duplicate=True),
                  Output("runs-grid", "rowData"), Output("run-select", "options", allow_duplicate=True),
                  Output("compare-a", "options"), Output("compare-b", "options"),
                  Input("run-poll", "n_intervals"), State("job-id", "data"), State("lang", "data"),
                  prevent_initial_call=True)
    def _poll(_, job_id, lang):
        job = jobs.status(job_id)
        if job is None:
            return 0, "", no_update, True, no_update, no_update, no_update, no_update
        pct = round(100 * job.fraction)
        if job.status == "running":
            return pct, f"{pct}%", no_update, False, no_update, no_update, no_update, no_update
        options = run_options(data)
        rows = runs_frame(data).to_dicts()
        if job.status == "succeeded":
            msg = dbc.Alert([t("run_done", lang), html.Span(f"#{job.run_id}", id="run-done-id")], color="success")
            return 100, "100%", msg, True, rows, options, options, options
        msg = dbc.Alert(f"{t('run_failed', lang)}{job.error}", color="danger", id="run-failed")
        return pct, f"{pct}%", msg, True, rows, no_update, no_update, no_update

    @app.callback(Output("compare-result", "children"), Input("compare-a", "value"), Input("compare-b", "value"),
                  State("lang", "data"), prevent_initial_call=True)
    def _compare(a, b, lang):
        return _compare_view(data, a, b, lang)
