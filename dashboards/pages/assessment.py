"""Assessment: scorecard, percentiles of actuals, policy indicators, report downloads.

Built on :func:`fundsvc.assessment.assess_run` (with the latest actuals imported for the run's
scenario, if any). Report downloads use :func:`fundsvc.assessment.reports.write_report` when
that module is present; otherwise the page offers the assessment's tables as XLSX/CSV.
"""

from __future__ import annotations

import importlib
import io
import logging
import math
import tempfile
import threading
import time
from pathlib import Path

import dash_bootstrap_components as dbc
import polars as pl
from dash import ALL, Input, Output, State, ctx, dcc, html, no_update

from dashboards.components import fmt_pct, grid, kpi_card, section
from dashboards.i18n import t

REPORT_FORMATS = ("xlsx", "html")
TABLE_FORMATS = ("tables_xlsx",)
# shown first, in this order; the rest follow in the assessment's own order
_ORDER = ("scorecard", "verdict", "policy_indicators", "tolerance", "fiscal_exposure", "targets",
          "fund_distribution", "credit_indicators", "reinvestment")


def write_report_api():
    """``fundsvc.assessment.reports.write_report`` or None while that module is not there."""
    try:
        return getattr(importlib.import_module("fundsvc.assessment.reports"), "write_report", None)
    except ImportError:
        return None


class AssessmentCache:
    """One assessment per (run id, actuals import id); computed on first view or prefetched.

    Assessing a 100,000-path run reads its path-level arrays (about 0.7 s here), so the router
    calls :meth:`prefetch` when a run is first shown on any page: by the time the user opens
    the Assessment page it is usually ready. The prefetch starts after ``PREFETCH_DELAY_S`` so
    that it does not slow down a page the user opens right away (threads share the GIL).
    """

    PREFETCH_DELAY_S = 1.5

    def __init__(self, data):
        self.data = data
        self._items: dict[tuple[int, int | None], tuple[object, str | None]] = {}
        self._lock = threading.Lock()
        self._prefetched: set[int] = set()

    def prefetch(self, run_id: int) -> None:
        """Compute the run's assessment in a daemon thread (once per run id); errors are ignored here."""
        with self._lock:
            if run_id in self._prefetched:
                return
            self._prefetched.add(run_id)

        def work():
            try:
                time.sleep(self.PREFETCH_DELAY_S)
                self.get(run_id)
            except SystemExit:  # the server is shutting down (e.g. a test server being stopped)
                return
            except Exception:
                logging.getLogger(__name__).debug("prefetching the assessment of run %s failed", run_id,
                                                  exc_info=True)

        threading.Thread(target=work, name=f"fundsvc-assess-{run_id}", daemon=True).start()

    def get(self, run_id: int):
        """``(assessment, note)`` — note says why actuals were not used, if they were not."""
        from fundsvc.assessment import assess_run

        store = self.data.store
        rec = self.data.raw_record(run_id)
        latest = store.actuals.latest(rec.scenario_id)
        key = (run_id, latest.id if latest is not None else None)
        with self._lock:
            if key not in self._items:
                scenario = self.data.raw_scenario(run_id)
                note = None
                actuals = store.actuals.load(latest.id) if latest is not None else None
                try:
                    a = assess_run(store, run_id, actuals=actuals, scenario=scenario)
                except Exception as exc:
                    if actuals is None:
                        raise
                    note = f"{type(exc).__name__}: {exc}"
                    a = assess_run(store, run_id, scenario=scenario)
                self._items[key] = (a, note)
            return self._items[key]


def _titles(lang: str) -> dict[str, str]:
    from fundsvc.assessment import TABLE_TITLES

    return {k: (en if lang == "en" else zh) for k, (zh, en) in TABLE_TITLES.items()}


def one_language(frame: pl.DataFrame, lang: str) -> pl.DataFrame:
    """Keep ``X`` or ``X_zh`` of each bilingual column pair, by ``lang``."""
    pairs = [c[:-3] for c in frame.columns if c.endswith("_zh") and c[:-3] in frame.columns]
    drop = [f"{c}_zh" for c in pairs] if lang == "en" else pairs
    return frame.drop(drop)


def _num(v) -> str:
    return "–" if v is None or (isinstance(v, float) and math.isnan(v)) else f"{v:.1f}"


def layout(data, run_id: int, lang: str, cache: AssessmentCache | None = None):
    cache = cache or AssessmentCache(data)
    try:
        a, note = cache.get(run_id)
    except Exception as exc:
        return html.Div([html.H2(t("assessment_title", lang)),
                         dbc.Alert(f"{type(exc).__name__}: {exc}", color="warning", id="assessment-error")])
    verdict = (a.verdict_en if lang == "en" else a.verdict_zh) if a.verdict else "–"
    cards = dbc.Row([
        dbc.Col(kpi_card("assess-score", t("score", lang), _num(a.score),
                         f"{t('spread', lang)}: {_num(a.score_p5)} – {_num(a.score_p95)}"), md=3),
        dbc.Col(kpi_card("assess-rating", t("rating_label", lang), a.rating), md=3),
        dbc.Col(kpi_card("assess-verdict", t("verdict", lang), verdict), md=3),
        dbc.Col(kpi_card("assess-tolerance", t("tolerated_loss", lang), fmt_pct(a.tolerated_loss_ratio),
                         f"{t('loss', lang)}: {fmt_pct(a.loss_ratio)}"), md=3),
    ], className="g-3")
    pct_rows = [{"metric": k, "percentile": v} for k, v in (a.percentiles or {}).items()]
    percentiles = section(t("percentiles_actuals", lang), grid(
        "assess-percentiles", pl.DataFrame(pct_rows, schema={"metric": pl.Utf8, "percentile": pl.Float64}),
        headers={"metric": t("metric", lang), "percentile": t("percentile", lang)}, lang=lang)) if pct_rows else None
    titles = _titles(lang)
    frames = a.tables()
    names = [n for n in _ORDER if n in frames] + [n for n in frames if n not in _ORDER]
    tables = [section(titles.get(n, n), grid(f"assess-table-{n}", one_language(frames[n], lang), lang=lang), id_=f"assess-section-{n}")
              for n in names if isinstance(frames[n], pl.DataFrame) and frames[n].height]
    formats = REPORT_FORMATS if write_report_api() is not None else ()
    downloads = section(t("downloads", lang), html.Div(
        [dbc.Button(f"{t('downloads', lang)} {f.upper()}", id={"type": "report", "fmt": f}, color="secondary",
                    outline=True, className="me-2") for f in formats]
        + [dbc.Button(t("export_xlsx", lang), id={"type": "report", "fmt": "tables_xlsx"}, color="secondary",
                      outline=True)]))
    notes = [dbc.Alert(note, color="warning")] if note else []
    return html.Div([html.H2(t("assessment_title", lang)), *notes, cards, percentiles, downloads, *tables,
                     html.Ul([html.Li(n) for n in a.notes], className="text-muted") if a.notes else None,
                     dcc.Download(id="report-download")])


def tables_xlsx(assessment) -> bytes:
    """All tables of an assessment in one workbook, one sheet per table."""
    import xlsxwriter

    buf = io.BytesIO()
    with xlsxwriter.Workbook(buf, {"nan_inf_to_errors": True}) as wb:
        for name, frame in assessment.tables().items():
            if isinstance(frame, pl.DataFrame):
                frame.write_excel(wb, worksheet=name[:31])
    return buf.getvalue()


def register(app, data, jobs) -> None:
    cache = AssessmentCache(data)
    app.fundsvc_assessments = cache
    # the router calls layout(data, run_id, lang); give it the app's shared cache
    app.fundsvc_page_layouts = getattr(app, "fundsvc_page_layouts", {})
    app.fundsvc_page_layouts["assessment"] = lambda d, r, lang: layout(d, r, lang, cache)

    @app.callback(Output("report-download", "data"), Input({"type": "report", "fmt": ALL}, "n_clicks"),
                  State("run-select", "value"), prevent_initial_call=True)
    def _report(clicks, run_id):
        trig = ctx.triggered_id
        if not trig or not any(c for c in (clicks or []) if c) or run_id is None:
            return no_update
        a, _ = cache.get(run_id)
        fmt = trig["fmt"]
        if fmt == "tables_xlsx":
            return dcc.send_bytes(tables_xlsx(a), f"assessment_run{int(run_id)}_tables.xlsx")
        write = write_report_api()
        if fmt not in REPORT_FORMATS or write is None:
            return no_update
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / f"assessment_run{int(run_id)}.{fmt}"
            write(a, path, fmt)
            return dcc.send_bytes(path.read_bytes(), path.name)
