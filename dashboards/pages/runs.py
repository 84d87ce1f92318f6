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
from fundsvc.errors import FundsvcError
from fundsvc.inputs.loader import MAX_SCENARIO_BYTES
from fundsvc.simulation.registry import TableName

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
    """Key results of runs ``a`` and ``b`` side by side, with B − A (amounts in CNY).

    Column ``__kind`` names each row's kind (multiple, percent, money) for the formatting layer.
    """
    from fundsvc.catalogue import label as code_text
    from fundsvc.formatting import Kind, column_kind

    def metrics(run_id: int) -> dict[str, tuple[float, Kind]]:
        out: dict[str, tuple[float, Kind]] = {}
        g = guidance_row(data.table(run_id, TableName.EQUITY_SUMMARY))
        for k in ("tvpi_p5", "tvpi_p50", "tvpi_p95", "irr_p50", "dpi_p50", "p_loss"):
            if k in g:
                out[f"{t('guidance', lang)} {column_label(k, lang)}"] = (g[k], column_kind(k))
        lm = data.table(run_id, TableName.CREDIT_LOSS_MEASURES)
        if lm.height:
            for r in lm.filter((pl.col("entity") == "banks") & (pl.col("window") == "horizon")).to_dicts():
                lvl = "" if r["level"] is None else f" {100 * r['level']:g}%"
                out[f"{code_text('banks', lang)} {code_text(r['measure'], lang)}{lvl}"] = (r["value"], Kind.MONEY)
        ps = data.table(run_id, TableName.CREDIT_POOL_SUMMARY)
        for r in ps.to_dicts():
            out[f"{t('pool', lang)} {r['pool']} {column_label('p_depleted', lang)}"] = (r["p_depleted"], Kind.PERCENT)
            out[f"{t('pool', lang)} {r['pool']} {column_label('fiscal_cost_mean', lang)}"] = \
                (r["fiscal_cost_mean"], Kind.MONEY)
        return out

    ma, mb = metrics(a), metrics(b)
    keys = list(dict.fromkeys([*ma, *mb]))
    rows = []
    for k in keys:
        va, vb = (ma.get(k) or (None, None))[0], (mb.get(k) or (None, None))[0]
        kind = (ma.get(k) or mb.get(k))[1]
        rows.append({"metric": k, "a": va, "b": vb, "diff": (vb - va) if va is not None and vb is not None else None,
                     "__kind": kind.value})
    return pl.DataFrame(rows, schema={"metric": pl.Utf8, "a": pl.Float64, "b": pl.Float64, "diff": pl.Float64,
                                      "__kind": pl.Utf8})


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
                dcc.Store(id="upload-checked"),
                html.Div(id="upload-message"), html.Div(id="upload-size-message", className="upload-size"),
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

    # an oversize file is refused in the browser with a message (it is never posted to the server,
    # whose request limit would otherwise answer 413 with nothing shown)
    app.clientside_callback(
        f"""function(contents, filename, lang) {{
            if (!contents) {{ return [window.dash_clientside.no_update, null]; }}
            var bytes = Math.floor((contents.length - contents.indexOf(',') - 1) * 3 / 4);
            if (bytes > {MAX_SCENARIO_BYTES}) {{
                var mib = (bytes / 1048576).toFixed(1);
                var msg = lang === 'en'
                    ? filename + ' is ' + mib + ' MiB; scenario files are limited to {MAX_SCENARIO_BYTES / 2**20:g} MiB. Nothing was uploaded.'
                    : filename + ' 大小为 ' + mib + ' MiB,情景文件上限为 {MAX_SCENARIO_BYTES / 2**20:g} MiB,未上传。';
                return [null, msg];
            }}
            return [contents, null];
        }}""",
        Output("upload-checked", "data"), Output("upload-size-message", "children"),
        Input("upload", "contents"), State("upload", "filename"), State("lang", "data"), prevent_initial_call=True)
    lock = threading.Lock()

    @app.callback(Output("upload-message", "children"), Output("upload-token", "data"),
                  Output("new-source", "options"), Output("new-source", "value"),
                  Input("upload-checked", "data"), State("upload", "filename"), State("lang", "data"),
                  prevent_initial_call=True)
    def _upload(contents, filename, lang):
        if not contents:  # refused in the browser (too large): the message is already shown
            return no_update, no_update, no_update, no_update
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
        from fundsvc.service.runs import start_run
        from fundsvc.service.scenarios import load_bundled, load_uploaded

        if not n:
            return no_update, no_update, no_update
        try:
            n_paths = int(paths)
            if not 1 <= n_paths <= MAX_PAGE_PATHS:
                raise ValueError
        except (TypeError, ValueError, OverflowError):
            return no_update, True, dbc.Alert(f"{t('paths', lang)}: 1 – {MAX_PAGE_PATHS:,}", color="danger")
        try:
            if source == UPLOAD:
                with lock:
                    entry = uploads.get(str(token or ""))
                if entry is None:
                    return no_update, True, dbc.Alert(t("upload", lang), color="warning")
                loaded = load_uploaded(entry[1], entry[2])
            else:  # a bundled scenario by NAME only: never a path from the browser
                loaded = load_bundled(source, field="scenario source")
            run_id = start_run(jobs, data.principal, loaded, paths=n_paths, label="dashboard")
        except FundsvcError as exc:
            return no_update, True, dbc.Alert(str(exc), color="danger", id="run-refused")
        return run_id, False, html.Span(f"{t('running', lang)} {loaded.scenario.name}", id="run-running")

    @app.callback(Output("run-progress", "value"), Output("run-progress", "label"),
                  Output("run-message", "children", allow_duplicate=True), Output("run-poll", "disabled", allow_duplicate=True),
                  Output("runs-grid", "rowData"), Output("run-select", "options", allow_duplicate=True),
                  Output("compare-a", "options"), Output("compare-b", "options"),
                  Input("run-poll", "n_intervals"), State("job-id", "data"), State("lang", "data"),
                  prevent_initial_call=True)
    def _poll(_, run_id, lang):
        from fundsvc.service.runs import run_progress

        if not isinstance(run_id, int):
            return 0, "", no_update, True, no_update, no_update, no_update, no_update
        rec = data.record(run_id)  # checked: only a run the caller may see
        job = run_progress(jobs, rec.id)
        status = str(getattr(rec.status, "value", rec.status))
        pct = round(100 * job.fraction) if job is not None else 0
        if status in ("queued", "running"):
            return pct, f"{pct}%", no_update, False, no_update, no_update, no_update, no_update
        options = run_options(data)
        rows = runs_frame(data).to_dicts()
        if status == "succeeded":
            msg = dbc.Alert([t("run_done", lang), html.Span(f"#{rec.id}", id="run-done-id")], color="success")
            return 100, "100%", msg, True, rows, options, options, options
        msg = dbc.Alert(f"{t('run_failed', lang)}{(rec.error or '')[:300]}", color="danger", id="run-failed")
        return pct, f"{pct}%", msg, True, rows, no_update, no_update, no_update

    @app.callback(Output("compare-result", "children"), Input("compare-a", "value"), Input("compare-b", "value"),
                  State("lang", "data"), prevent_initial_call=True)
    def _compare(a, b, lang):
        return _compare_view(data, a, b, lang)
