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

from dashboards.components import fmt_pct, graph, grid, kpi_card, section
from dashboards.i18n import t

REPORT_FORMATS = ("xlsx", "html", "pdf")
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
    """Keep ``X`` or ``X_zh`` of each bilingual column pair, by ``lang`` (named ``X`` either way)."""
    pairs = [c[:-3] for c in frame.columns if c.endswith("_zh") and c[:-3] in frame.columns]
    if lang == "en":
        return frame.drop([f"{c}_zh" for c in pairs])
    return frame.drop(pairs).rename({f"{c}_zh": c for c in pairs})


def one_language_text(text: str, lang: str) -> str:
    """The Chinese or English half of a bilingual label such as ``优秀 Excellent``."""
    head, _, tail = (text or "").partition(" ")
    if tail and any("\u4e00" <= ch <= "\u9fff" for ch in head) and not any("\u4e00" <= ch <= "\u9fff" for ch in tail):
        return tail if lang == "en" else head
    return text


def verdict_block(a, actuals_rec, lang: str):
    """The verdict in words first: what it is, on what basis, with which actuals."""
    from fundsvc.assessment.reports import actuals_text, basis_words, verdict_words

    words = verdict_words(a, lang)
    if a.verdict:
        color = {"within_tolerance": "success", "bad_luck": "warning", "review": "danger"}.get(a.verdict, "secondary")
    else:
        color = "success" if not (a.loss_ratio > a.tolerated_loss_ratio) else "danger"
    basis = basis_words(a, lang, actuals_text(actuals_rec) if a.basis == "realised" else None)
    return dbc.Alert([html.H4(t("verdict", lang), className="mb-2"),
                      html.P(words, id="assess-verdict-words", className="verdict-words"),
                      html.P([html.Strong(t("basis", lang) + ": "), html.Span(basis, id="assess-basis")],
                             className="mb-0")], color=color, id="assess-verdict")


def layout(data, run_id: int, lang: str, cache: AssessmentCache | None = None):
    from dashboards.figures.assessment import (
        bullet_figure,
        fan_with_realised,
        scorecard_bars,
        tolerance_figure,
    )

    cache = cache or AssessmentCache(data)
    try:
        a, note = cache.get(run_id)
    except Exception as exc:
        return html.Div([html.H2(t("assessment_title", lang)),
                         dbc.Alert(f"{type(exc).__name__}: {exc}", color="warning", id="assessment-error")])
    rec = data.record(run_id)
    actuals_rec = data.store.actuals.latest(rec.scenario_id)
    frames = a.tables()
    card = one_language(frames["scorecard"], lang) if "scorecard" in frames else pl.DataFrame()
    cards = dbc.Row([
        dbc.Col(kpi_card("assess-score", t("score", lang), _num(a.score),
                         f"{t('spread', lang)}: {_num(a.score_p5)} – {_num(a.score_p95)}"), md=3, sm=6),
        dbc.Col(kpi_card("assess-rating", t("rating_label", lang), one_language_text(a.rating, lang)), md=3, sm=6),
        dbc.Col(kpi_card("assess-tolerance", t("tolerated_loss", lang), fmt_pct(a.tolerated_loss_ratio),
                         f"{t('loss', lang)}: {fmt_pct(a.loss_ratio)}"), md=3, sm=6),
        dbc.Col(kpi_card("assess-asof", t("as_of", lang), a.as_of.isoformat() if a.as_of else t("horizon", lang),
                         f"{t('run', lang)} #{a.run_id} · {a.scenario_name}"), md=3, sm=6),
    ], className="g-3")
    pct_rows = [{"metric": k, "percentile": v} for k, v in (a.percentiles or {}).items()]
    percentiles = section(t("percentiles_actuals", lang), grid(
        "assess-percentiles", pl.DataFrame(pct_rows, schema={"metric": pl.Utf8, "percentile": pl.Float64}),
        headers={"metric": t("metric", lang), "percentile": t("percentile", lang)}, lang=lang)) if pct_rows else None
    charts = []
    if card.height:
        charts.append(section(t("scorecard", lang), graph("assess-scorecard-chart", scorecard_bars(card, lang))))
        charts.append(section(t("indicators_vs_targets", lang), graph("assess-bullets", bullet_figure(card, lang))))
    rd = frames.get("reporting_dates")
    if rd is not None and rd.height:
        realised = frames.get("realised")
        charts.append(section(t("realised_on_fans", lang), dbc.Row([
            dbc.Col(graph("assess-fan-tvpi", fan_with_realised(rd, "tvpi", realised, lang)), lg=6),
            dbc.Col(graph("assess-fan-loss", fan_with_realised(rd, "loss_ratio", realised, lang,
                                                               tolerated=a.tolerated_loss_ratio)), lg=6)])))
    if "tolerance" in frames and frames["tolerance"].height:
        charts.append(section(t("tolerance_by_stage", lang), graph(
            "assess-tolerance-chart", tolerance_figure(frames["tolerance"], a.loss_ratio, a.tolerated_loss_ratio, lang))))
    titles = _titles(lang)
    names = [n for n in _ORDER if n in frames] + [n for n in frames if n not in _ORDER]
    tables = [section(titles.get(n, n), grid(f"assess-table-{n}", _shown(frames[n], n, lang), lang=lang),
                      id_=f"assess-section-{n}")
              for n in names if isinstance(frames[n], pl.DataFrame) and frames[n].height and n != "reporting_dates"]
    formats = REPORT_FORMATS if write_report_api() is not None else ()
    downloads = section(t("downloads", lang), html.Div(
        [dbc.Button(f"{t('downloads', lang)} {f.upper()}", id={"type": "report", "fmt": f}, color="secondary",
                    outline=True, className="me-2 mb-2") for f in formats]
        + [dbc.Button(t("export_xlsx", lang), id={"type": "report", "fmt": "tables_xlsx"}, color="secondary",
                      outline=True, className="mb-2")]))
    notes = [dbc.Alert(note, color="warning")] if note else []
    sources = html.Details([html.Summary(t("definitions_sources", lang)),
                            html.Ul([html.Li(n) for n in a.notes], className="text-muted")],
                           id="sources-notes", className="section") if a.notes else None
    return html.Div([html.H2(t("assessment_title", lang)), *notes, verdict_block(a, actuals_rec, lang), cards,
                     percentiles, *charts, downloads, *tables, sources, dcc.Download(id="report-download")])


_DROP = {"policy_indicators": ("definition",), "scorecard": ("category_weight", "indicator")}


def _shown(frame: pl.DataFrame, name: str, lang: str) -> pl.DataFrame:
    """A table of the assessment in one language (definitions stay in the sources section)."""
    f = one_language(frame, lang)
    drop = [c for c in _DROP.get(name, ()) if c in f.columns]
    return f.drop(drop) if drop else f


def _num(v) -> str:
    return "–" if v is None or (isinstance(v, float) and math.isnan(v)) else f"{v:.1f}"


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
            scenario = data.scenario(run_id)
            write(a, path, fmt, scenario_title=getattr(scenario, "title", None))
            return dcc.send_bytes(path.read_bytes(), path.name)
