"""Assessment reports: an Excel workbook (one sheet per table) and a self-contained HTML page.

``write_report(assessment, path, fmt)`` is the whole API. The HTML file embeds plotly.js once
(inline, so it opens without internet access) and carries bilingual (中文 / English) headings;
the workbook has a ``summary`` sheet with the headline fields, then one sheet per table named as
in :data:`fundsvc.assessment.TABLE_TITLES`.
"""

from __future__ import annotations

import datetime as dt
import html
import math
from enum import StrEnum
from pathlib import Path

import polars as pl

from fundsvc.units import fmt_cny, fmt_pct


class ReportFormat(StrEnum):
    XLSX = "xlsx"
    HTML = "html"


SECTIONS: tuple[tuple[str, str, str], ...] = (
    ("summary", "摘要", "Summary"),
    ("verdict", "整体评价结论", "Verdict on the whole fund"),
    ("distribution", "整体收益分布", "Whole-fund performance distribution"),
    ("policy", "政策指标", "Policy indicators"),
    ("scorecard", "绩效评分", "Scorecard"),
    ("tolerance", "容错机制", "Tolerance"),
    ("exposure", "财政综合风险敞口", "Combined fiscal exposure"),
    ("targets", "规划目标", "Programme targets"),
    ("notes", "口径说明与来源", "Definitions and sources"),
)


def summary_frame(a) -> pl.DataFrame:
    """The headline fields as (field, value) text rows."""
    def num(x, kind="f"):
        if x is None or (isinstance(x, float) and math.isnan(x)):
            return "–"
        return fmt_pct(x) if kind == "%" else f"{x:,.2f}"

    rows = [
        ("情景 scenario", a.scenario_name), ("运行 run", str(a.run_id)), ("报告期 period", a.period or "–"),
        ("估值日 as of", a.as_of.isoformat() if a.as_of else "horizon"), ("依据 basis", a.basis),
        ("评分 score", num(a.score)), ("评级 rating", a.rating),
        ("评分分布 score P5/P50/P95", f"{num(a.score_p5)} / {num(a.score_p50)} / {num(a.score_p95)}"),
        ("容亏率 loss ratio", num(a.loss_ratio, "%")), ("容亏上限 tolerated loss ratio", num(a.tolerated_loss_ratio, "%")),
        ("结论 verdict", a.verdict or "–"),
    ]
    rows += [(f"分位 percentile {k}", num(v, "%")) for k, v in a.percentiles.items()]
    rows += [(f"实际 realised {k}", fmt_cny(v) if k in ("paid_in", "distributed", "nav") else num(v))
             for k, v in a.realised.items()]
    return pl.DataFrame({"field": [r[0] for r in rows], "value": [r[1] for r in rows]})


def _clean(frame: pl.DataFrame) -> pl.DataFrame:
    return frame.with_columns(pl.col(c).fill_nan(None) for c, t in frame.schema.items() if t.is_float())


EXTRA_TITLES = {"stress_results": ("压力测试结果(与基准比较,共同随机数)", "Stress results (change vs base, common random numbers)"),
                "reverse_stress": ("反向压力测试", "Reverse stress tests")}
"""Titles of tables a report may carry besides the assessment's (stress results stored with the run)."""


def write_xlsx(a, path: Path, extra: dict[str, pl.DataFrame] | None = None) -> Path:
    """Sheets ``summary`` and ``contents`` (bilingual titles), then one sheet per table (header in row 1);
    NaN written as empty cells. ``extra`` tables (e.g. stress results) follow the assessment's."""
    import xlsxwriter

    from fundsvc.assessment import TABLE_TITLES

    titles = {**TABLE_TITLES, **EXTRA_TITLES}
    tables = {**a.tables(), **(extra or {})}
    names = [n for n, f in tables.items() if f.width]
    zh = [titles.get(n, (n, n))[0] for n in names]
    en = [titles.get(n, (n, n))[1] for n in names]
    with xlsxwriter.Workbook(str(path)) as wb:
        summary_frame(a).write_excel(workbook=wb, worksheet="summary", autofit=True)
        pl.DataFrame({"sheet": names, "title_zh": zh, "title_en": en}, schema={"sheet": pl.Utf8, "title_zh": pl.Utf8,
                     "title_en": pl.Utf8}).write_excel(workbook=wb, worksheet="contents", autofit=True)
        for name in names:
            _clean(tables[name]).write_excel(workbook=wb, worksheet=name[:31], autofit=True)
    return path


def _fmt_cell(v, col: str) -> str:
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return "–"
    if isinstance(v, float):
        if col.endswith("_cny") or col in ("mean_cny", "p50", "p75", "p90", "p95", "p99") and abs(v) >= 1e4:
            return fmt_cny(v)
        return f"{v:,.4g}" if abs(v) < 1e4 else f"{v:,.0f}"
    if isinstance(v, (dt.date, dt.datetime)):
        return v.isoformat()
    return str(v)


def html_table(frame: pl.DataFrame, max_rows: int = 200) -> str:
    """An escaped HTML table of a frame (first ``max_rows`` rows)."""
    head = "".join(f"<th>{html.escape(c)}</th>" for c in frame.columns)
    body = "".join("<tr>" + "".join(f"<td>{html.escape(_fmt_cell(v, c))}</td>" for c, v in r.items()) + "</tr>"
                   for r in frame.head(max_rows).to_dicts())
    more = f"<p class='more'>… {frame.height - max_rows} more rows in the workbook</p>" if frame.height > max_rows else ""
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>{more}"


_SECTION_TABLES = {
    "summary": (), "verdict": ("verdict", "sub_fund_percentiles"), "distribution": ("fund_distribution", "reporting_dates"),
    "policy": ("policy_indicators", "reinvestment", "deployment", "credit_indicators"), "scorecard": ("scorecard", "score_distribution"),
    "tolerance": ("tolerance",), "exposure": ("fiscal_exposure",), "targets": ("targets",), "notes": (),
}
_YEAR_END_ONLY = ("reporting_dates", "deployment")
_SECTION_FIGURES = {"verdict": ("verdict",), "distribution": ("fan_tvpi", "fan_loss"), "scorecard": ("scorecard",),
                    "exposure": ("exposure",)}
_CSS = ("body{font-family:'Noto Sans CJK SC','Microsoft YaHei',sans-serif;margin:2em;max-width:1200px}"
        "table{border-collapse:collapse;margin:0.5em 0 1.5em;font-size:13px}td,th{border:1px solid #ccc;padding:3px 6px}"
        "th{background:#f2f2f2}h2{border-bottom:2px solid #1f77b4;padding-bottom:4px}.verdict{font-size:1.1em;"
        "background:#f7f7fb;padding:0.8em;border-left:4px solid #1f77b4}")


def write_html(a, path: Path, extra: dict[str, pl.DataFrame] | None = None) -> Path:
    """A self-contained HTML report: bilingual sections, tables and plotly figures (plotly.js inline once)."""
    import plotly.io as pio

    from fundsvc.assessment import TABLE_TITLES
    from fundsvc.assessment.figures import report_figures

    figs = report_figures(a)
    tables = a.tables()
    first = True
    title = f"引导基金整体绩效评价 · Guidance fund assessment — {a.scenario_name}" + (f" ({a.period})" if a.period else "")
    parts = [(f"<!DOCTYPE html><html lang='zh-CN'><head><meta charset='utf-8'><title>{html.escape(title)}</title>"
             f"<style>{_CSS}</style></head><body><h1>{html.escape(title)}</h1>")]
    for key, zh, en in SECTIONS:
        parts.append(f"<section id='{key}'><h2>{zh} · {en}</h2>")
        if key == "summary":
            parts.append(html_table(summary_frame(a)))
        if key == "verdict":
            if a.verdict:
                parts.append(f"<div class='verdict'><p>{html.escape(a.verdict_zh)}</p><p>{html.escape(a.verdict_en)}</p></div>")
            else:
                parts.append("<p>未导入实际数据:仅评价模拟结果。No actuals imported: the assessment covers the simulation only.</p>")
        if key == "notes":
            parts.append("<ul>" + "".join(f"<li>{html.escape(n)}</li>" for n in a.notes if n) + "</ul>")
        for fig_name in _SECTION_FIGURES.get(key, ()):
            if fig_name in figs:
                parts.append(f"<div class='figure' data-figure='{fig_name}'>")
                parts.append(pio.to_html(figs[fig_name], full_html=False, include_plotlyjs="inline" if first else False))
                parts.append("</div>")
                first = False
        for t in _SECTION_TABLES.get(key, ()):
            if t in tables and tables[t].width:
                zh_t, en_t = TABLE_TITLES.get(t, (t, t))
                frame = tables[t]
                if t in _YEAR_END_ONLY and "step" in frame.columns:  # the workbook keeps every quarter
                    frame = frame.filter(pl.col("step") % 4 == 3)
                    en_t += " (year ends; every quarter in the workbook)"
                parts.append(f"<h3>{zh_t} · {en_t}</h3>" + html_table(frame))
        parts.append("</section>")
    for name, frame in (extra or {}).items():
        zh_t, en_t = EXTRA_TITLES.get(name, (name, name))
        parts.append(f"<section id='{name}'><h2>{zh_t} · {en_t}</h2>{html_table(frame)}</section>")
    parts.append("</body></html>")
    path.write_text("".join(parts), encoding="utf-8")
    return path


def write_report(assessment, path: str | Path, fmt: ReportFormat | str | None = None,
                 extra: dict[str, pl.DataFrame] | None = None) -> Path:
    """Write an assessment report.

    Parameters
    ----------
    assessment : Assessment
    path : str or Path
        Output file.
    fmt : ReportFormat or str, optional
        ``xlsx`` or ``html``; default from the file suffix.
    extra : dict of polars.DataFrame, optional
        Further tables, e.g. the run's stress results (``fundsvc.stress.runner.stress_report_tables``).

    Returns
    -------
    Path
        The file written.
    """
    from fundsvc.errors import InputError

    path = Path(path)
    try:
        f = ReportFormat(str(fmt or path.suffix.lstrip(".")).lower())
    except ValueError:
        raise InputError.single("command line", "--format", f"unknown report format '{fmt or path.suffix}'; use xlsx or html") from None
    path.parent.mkdir(parents=True, exist_ok=True)
    return write_xlsx(assessment, path, extra) if f is ReportFormat.XLSX else write_html(assessment, path, extra)
