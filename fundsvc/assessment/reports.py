"""Assessment reports: an Excel workbook, a self-contained HTML page and a PDF of it.

``write_report(assessment, path, fmt, scenario_title=None)`` is the whole API.

* **xlsx**: a ``summary`` sheet (the verdict in words, its basis, score, rating, tolerance —
  numbers stored as numbers with number formats), ``contents``, one sheet per table (bilingual
  headers in two rows, frozen; money in the table's one unit, 万元 or 亿元, named in the header;
  shares as numbers formatted ``0.0%``; multiples ``0.00×``), and a ``charts`` sheet of native
  Excel charts (scorecard, TVPI fan, fiscal exposure). Every sheet prints the scenario title,
  run id and as-of date in its page header.
* **html**: bilingual sections with a table of contents, tables formatted by
  :mod:`fundsvc.formatting`, static SVG charts (:mod:`fundsvc.assessment.svg`; no JavaScript, a
  few hundred kB at most) and a running header with scenario, run and as-of date on every
  printed page.
* **pdf**: the HTML printed by headless Chromium (``FUNDSVC_CHROMIUM`` or ``chromium`` on the
  PATH).
"""

from __future__ import annotations

import datetime as dt
import html
import math
from enum import StrEnum
from pathlib import Path

import polars as pl

from fundsvc.catalogue import column_label, label
from fundsvc.formatting import Kind, NotMeaningful, display_frame, fmt, money_unit, row_kind


class ReportFormat(StrEnum):
    XLSX = "xlsx"
    HTML = "html"
    PDF = "pdf"


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


_YOUNG_QUARTERS = 8
"""IRR to date is not meaningful for a fund younger than two years (8 quarters): fees and the
J-curve dominate it (a 9-month-old fund can show −95 % a year)."""


def _missing(x) -> bool:
    return x is None or (isinstance(x, float) and math.isnan(x))


def actuals_text(rec) -> str | None:
    """``actuals.csv (import #3, 2026-11-30)`` for an actuals import record (None: none)."""
    if rec is None:
        return None
    src = Path(str(rec.source_path)).name if rec.source_path else "–"
    if rec.id is None:  # read, not (yet) stored
        return f"{src} (not stored)"
    return f"{src} (import #{rec.id}, {rec.imported_at.date().isoformat()})"


def verdict_words(a, lang: str = "zh") -> str:
    """The verdict in words: the fair verdict on actuals, or the tolerance check of the simulation."""
    if a.verdict:
        return a.verdict_en if lang == "en" else a.verdict_zh
    within = not (a.loss_ratio > a.tolerated_loss_ratio)
    loss, tol = fmt(a.loss_ratio, Kind.PERCENT), fmt(a.tolerated_loss_ratio, Kind.PERCENT)
    if lang == "en":
        return (f"No actuals imported, so this judges the simulation: median simulated loss ratio {loss} against a "
                f"stage-weighted tolerance of {tol}: {'within' if within else 'beyond'} tolerance.")
    return (f"尚未导入实际数据,按模拟结果评价:模拟容亏率中位数 {loss},容亏上限(按阶段加权){tol},"
            f"{'在容错范围内' if within else '超出容错范围'}。")


def basis_words(a, lang: str = "zh", actuals: str | None = None) -> str:
    """What the verdict rests on: realised results (and which actuals) or the simulation."""
    if a.basis == "realised":
        text = ("realised results (imported actuals) placed in the simulated distribution of a fund with the same "
                "mandate" if lang == "en" else "实际结果(已导入的实际数据),与同类授权的模拟分布比较")
        if actuals:
            text += (f"; actuals used: {actuals}" if lang == "en" else f";所用实际数据:{actuals}")
        return text + ("." if lang == "en" else "。")
    return ("simulated results (median of each simulated indicator)." if lang == "en"
            else "模拟结果(各指标取模拟中位数)。")


def headline_rows(a, actuals: str | None = None) -> list[tuple[str, object, Kind]]:
    """(bilingual field name, value, kind) of the report's headline; IRR to date of a young fund is n/m."""
    nm_young = NotMeaningful("成立不足两年", "fund younger than two years")
    rows: list[tuple[str, object, Kind]] = [
        ("结论 verdict", verdict_words(a, "zh"), Kind.TEXT), ("verdict (English)", verdict_words(a, "en"), Kind.TEXT),
        ("依据 basis", basis_words(a, "zh", actuals), Kind.TEXT),
        ("basis (English)", basis_words(a, "en", actuals), Kind.TEXT),
        ("评分 score (0–100)", a.score, Kind.NUMBER), ("评级 rating", a.rating, Kind.TEXT),
        ("评分 P5", a.score_p5, Kind.NUMBER), ("评分 P50", a.score_p50, Kind.NUMBER), ("评分 P95", a.score_p95, Kind.NUMBER),
        ("容亏率 loss ratio", a.loss_ratio, Kind.PERCENT),
        ("容亏上限 tolerated loss ratio (stage-weighted)", a.tolerated_loss_ratio, Kind.PERCENT),
    ]
    for k, v in a.percentiles.items():
        rows.append((f"分位 percentile: {label(k, 'zh')} {label(k, 'en')}", v, Kind.PERCENT))
    for k, v in a.realised.items():
        kind = row_kind(k) or Kind.NUMBER
        if k == "irr_to_date" and a.step < _YOUNG_QUARTERS:
            v = nm_young
        rows.append((f"实际 realised: {label(k, 'zh')} {label(k, 'en')}", v, kind))
    return rows


def report_meta(a, title: str | None) -> dict[str, str]:
    """Scenario title, run id, period and as-of date shown on every page."""
    return {"scenario": f"{a.scenario_name}" + (f" — {title}" if title and title != a.scenario_name else ""),
            "run": f"#{a.run_id}" if a.run_id is not None else "–", "period": a.period or "–",
            "as_of": a.as_of.isoformat() if a.as_of else "模拟期末 end of simulation"}


EXTRA_TITLES = {"stress_results": ("压力测试结果(与基准比较,共同随机数)", "Stress results (change vs base, common random numbers)"),
                "reverse_stress": ("反向压力测试", "Reverse stress tests"),
                "backtest_loans": ("贷款回测:区分度、违约损失率与总体结论", "Loan backtest: discrimination, LGD and overall result"),
                "backtest_pd_calibration": ("分级违约率校准(单侧检验,5%)", "PD calibration per grade (one-sided, 5 %)"),
                "backtest_funds": ("子基金回测:PIT 均匀性与 90% 区间覆盖率", "Sub-fund backtest: PIT uniformity and 90 % band coverage")}
"""Titles of tables a report may carry besides the assessment's (stress results stored with the run, backtests)."""


def zh_frame(frame: pl.DataFrame) -> pl.DataFrame:
    """Drop ``X`` where ``X_zh`` exists and name ``X_zh`` ``X`` (code cells are translated separately)."""
    pairs = [c[:-3] for c in frame.columns if c.endswith("_zh") and c[:-3] in frame.columns]
    return frame.drop(pairs).rename({f"{c}_zh": c for c in pairs})


def _table_kinds(frame: pl.DataFrame):
    """The formatting layer's view of a table: cell kinds, the one money unit, where to name it."""
    return display_frame(frame, translate=label)


# ---------------------------------------------------------------------------------------- xlsx

_XL_FORMATS = {Kind.PERCENT: "0.0%", Kind.MULTIPLE: '0.00"×"', Kind.MONEY: "#,##0.00", Kind.NUMBER: "#,##0.00",
               Kind.COUNT: "#,##0", Kind.YEAR: "0", Kind.DATE: "yyyy-mm-dd"}


def _width(text: str) -> int:
    return sum(2 if "\u2e80" <= ch <= "\u9fff" or "\uff00" <= ch <= "\uffef" else 1 for ch in str(text))


def write_xlsx(a, path: Path, title: str | None = None, extra: dict[str, pl.DataFrame] | None = None) -> Path:
    """The workbook described in the module docstring; returns ``path``. ``extra`` tables (e.g. the
    run's stress results) follow the assessment's."""
    import xlsxwriter

    from fundsvc.assessment import TABLE_TITLES as _TABLE_TITLES

    meta = report_meta(a, title)
    header = (f"&L{meta['scenario']}&C运行 run {meta['run']} · {meta['period']}&R估值日 as of {meta['as_of']}"
              .replace("&&", "&"))
    tables = {n: f for n, f in {**a.tables(), **(extra or {})}.items() if f.width}
    TABLE_TITLES = {**_TABLE_TITLES, **EXTRA_TITLES}  # noqa: N806 - the assessment's titles plus the extra tables'
    with xlsxwriter.Workbook(str(path), {"nan_inf_to_errors": True}) as wb:
        fm = {k: wb.add_format({"num_format": v}) for k, v in _XL_FORMATS.items()}
        bold = wb.add_format({"bold": True, "text_wrap": True, "valign": "top", "bg_color": "#eef2f7", "border": 1})
        title_f = wb.add_format({"bold": True, "font_size": 13})
        wrap = wb.add_format({"text_wrap": True, "valign": "top"})

        def sheet(name: str):
            ws = wb.add_worksheet(name[:31])
            ws.set_header(header)
            ws.set_landscape()
            ws.fit_to_pages(1, 0)
            return ws

        ws = sheet("summary")
        ws.write(0, 0, f"引导基金整体绩效评价 Guidance fund assessment — {meta['scenario']}", title_f)
        ws.write(1, 0, f"运行 run {meta['run']} · 报告期 period {meta['period']} · 估值日 as of {meta['as_of']}")
        ws.write_row(3, 0, ["项目 Field", "数值 Value"], bold)
        ws.freeze_panes(4, 1)
        for i, (name, value, kind) in enumerate(headline_rows(a), start=4):
            ws.write(i, 0, name, wrap)
            if isinstance(value, NotMeaningful):
                ws.write(i, 1, value.text("zh") + " / " + value.text("en"))
            elif kind is Kind.TEXT or isinstance(value, str):
                ws.write(i, 1, "–" if value is None else str(value), wrap)
            elif _missing(value):
                ws.write(i, 1, "–")
            elif kind is Kind.MONEY:
                unit = money_unit([value])
                ws.write_number(i, 1, float(value) / unit.divisor, fm[Kind.MONEY])
                ws.write(i, 2, unit.value[1])
            else:
                ws.write_number(i, 1, float(value), fm[kind])
        ws.set_column(0, 0, 44)
        ws.set_column(1, 1, 90)
        ws.set_column(2, 2, 8)

        ws = sheet("contents")
        ws.write_row(0, 0, ["工作表 sheet", "标题", "title"], bold)
        for i, n in enumerate(tables, start=1):
            ws.write_url(i, 0, f"internal:'{n[:31]}'!A1", string=n)
            zh, en = TABLE_TITLES.get(n, (n, n))
            ws.write_row(i, 1, [zh, en])
        ws.set_column(0, 0, 24)
        ws.set_column(1, 2, 36)

        for n, frame in tables.items():
            frame = zh_frame(frame)
            shown = _table_kinds(frame)
            kinds, unit = shown.cell_kinds, shown.unit
            ws = sheet(n)
            zh, en = TABLE_TITLES.get(n, (n, n))
            ws.write(0, 0, f"{zh} · {en}", title_f)
            widths = []
            for j, c in enumerate(frame.columns):
                u = shown.header_unit(c)
                h_zh, h_en = column_label(c, "zh", unit=u), column_label(c, "en", unit=u)
                ws.write(1, j, h_zh, bold)
                ws.write(2, j, h_en, bold)
                widths.append(max(_width(h_zh), _width(h_en), 8))
            ws.freeze_panes(3, 1)
            for i, r in enumerate(frame.iter_rows()):
                for j, v in enumerate(r):
                    k = kinds[i][j]
                    if v is None or (isinstance(v, float) and not math.isfinite(v)):
                        ws.write_blank(i + 3, j, None)
                        continue
                    if isinstance(v, (dt.date, dt.datetime)):
                        ws.write_datetime(i + 3, j, dt.datetime(v.year, v.month, v.day), fm[Kind.DATE])
                        text = "2026-01-01"
                    elif isinstance(v, bool):
                        ws.write_boolean(i + 3, j, v)
                        text = "FALSE"
                    elif isinstance(v, (int, float)):
                        x = float(v) / unit.divisor if (k is Kind.MONEY and unit) else v
                        ws.write_number(i + 3, j, x, fm.get(k, fm[Kind.NUMBER]))
                        text = fmt(v, k, unit=unit)
                    else:
                        text = shown.frame[i, j]
                        ws.write_string(i + 3, j, text)
                    widths[j] = max(widths[j], min(_width(text), 60))
            for j, w in enumerate(widths):
                ws.set_column(j, j, w + 2)
            ws.autofilter(2, 0, 2 + frame.height, frame.width - 1)
        _xlsx_charts(wb, sheet("charts"), a, tables)
    return path


def _xlsx_charts(wb, ws, a, tables: dict[str, pl.DataFrame]) -> None:
    """Native Excel charts: scorecard points, the TVPI fan over time, the fiscal exposure."""
    ws.write(0, 0, "图表 Charts (数据见右侧 data on the right)")
    mult = wb.add_format({"num_format": '0.00"×"'})
    col = 12  # chart data block, right of the charts
    row = 2
    card = tables.get("scorecard")
    if card is not None and card.height:
        n = card.height
        ws.write_row(0, col, ["指标 indicator", "得分 points", "满分 available"])
        w = card.group_by("category", maintain_order=True).agg(pl.len().alias("k"), pl.col("category_weight").first())
        per = {r["category"]: r["category_weight"] / r["k"] for r in w.iter_rows(named=True)}
        for i, r in enumerate(card.iter_rows(named=True), start=1):
            ws.write(i, col, r.get("label_zh") or r["label"])
            ws.write_number(i, col + 1, 0.0 if _missing(r["points"]) else r["points"])
            ws.write_number(i, col + 2, per[r["category"]])
        ch = wb.add_chart({"type": "bar"})
        for k, name in ((2, "满分 available"), (1, "得分 earned")):
            ch.add_series({"name": name, "categories": ["charts", 1, col, n, col],
                           "values": ["charts", 1, col + k, n, col + k]})
        ch.set_title({"name": "绩效评分 Scorecard points"})
        ch.set_y_axis({"reverse": True})
        ch.set_size({"width": 720, "height": 40 * n + 120})
        ws.insert_chart(row, 0, ch)
        row += 2 * n + 8
        col += 4
    rd = tables.get("reporting_dates")
    if rd is not None and rd.height:
        d = rd.filter(pl.col("measure") == "tvpi").sort("step")
        n = d.height
        ws.write_row(0, col, ["日期 date", "P5", "P50", "P95"])
        for i, r in enumerate(d.iter_rows(named=True), start=1):
            ws.write(i, col, r["date"].isoformat())
            for k, q in enumerate(("p5", "p50", "p95"), start=1):
                ws.write_number(i, col + k, r[q], mult)
        ch = wb.add_chart({"type": "line"})
        for k, q in enumerate(("P5", "P50", "P95"), start=1):
            ch.add_series({"name": f"TVPI {q}", "categories": ["charts", 1, col, n, col],
                           "values": ["charts", 1, col + k, n, col + k],
                           "line": {"width": 2.25 if q == "P50" else 1, "dash_type": "solid" if q == "P50" else "dash"}})
        ch.set_title({"name": "TVPI 分布随时间 TVPI over time (P5 / P50 / P95)"})
        ch.set_x_axis({"interval_unit": 4})
        ch.set_size({"width": 720, "height": 320})
        ws.insert_chart(row, 0, ch)
        row += 18
        col += 5
    fx = tables.get("fiscal_exposure")
    if fx is not None and fx.height:
        unit = money_unit(fx["mean_cny"].to_list() + fx["p95"].to_list())
        ws.write_row(0, col, ["构成 component", f"均值 mean ({unit.value[1]})", f"P95 ({unit.value[1]})"])
        for i, r in enumerate(fx.iter_rows(named=True), start=1):
            ws.write(i, col, label(r["component"], "zh"))
            ws.write_number(i, col + 1, r["mean_cny"] / unit.divisor)
            ws.write_number(i, col + 2, r["p95"] / unit.divisor)
        ch = wb.add_chart({"type": "column"})
        for k, name in ((1, "均值 mean"), (2, "P95")):
            ch.add_series({"name": name, "categories": ["charts", 1, col, fx.height, col],
                           "values": ["charts", 1, col + k, fx.height, col + k]})
        ch.set_title({"name": f"财政综合风险敞口 Combined fiscal exposure ({unit.value[1]})"})
        ch.set_size({"width": 720, "height": 340})
        ws.insert_chart(row, 0, ch)


# ---------------------------------------------------------------------------------------- html

_SECTION_TABLES = {
    "summary": (), "verdict": ("verdict", "sub_fund_percentiles"), "distribution": ("fund_distribution",),
    "policy": ("policy_indicators", "reinvestment", "credit_indicators"), "scorecard": ("scorecard", "score_distribution"),
    "tolerance": ("tolerance",), "exposure": ("fiscal_exposure",), "targets": ("targets",), "notes": (),
}
_CSS = ("body{font-family:'Noto Sans CJK SC','Microsoft YaHei',sans-serif;margin:0 auto;max-width:1100px;padding:1em;"
        "color:#212529}table{border-collapse:collapse;margin:.5em 0 1.5em;font-size:12px}td,th{border:1px solid #ccc;"
        "padding:3px 6px;vertical-align:top}td.n{text-align:right;white-space:nowrap}th{background:#eef2f7}"
        "h2{border-bottom:2px solid #1f5fa8;padding-bottom:4px;break-after:avoid}h3{break-after:avoid}"
        ".verdict{font-size:1.1em;background:#f7f7fb;padding:.8em;border-left:4px solid #1f5fa8}"
        ".meta{color:#555;font-size:12px}table.page,table.page>tbody>tr>td,table.page>thead>tr>td{border:0;padding:0;"
        "margin:0;font-size:inherit;width:100%}table.page>thead>tr>td.runhead{font-size:10px;color:#666;"
        "border-bottom:1px solid #ddd;padding:2px 0 4px}table.page>thead{display:none}nav.toc ol{columns:2}"
        ".figure{break-inside:avoid;margin:1em 0}table{break-inside:auto}tr{break-inside:avoid}"
        "@media print{table.page>thead{display:table-header-group}body{padding:0}@page{margin:14mm 12mm}}")


def html_table(frame: pl.DataFrame, max_rows: int = 200) -> str:
    """An escaped HTML table: bilingual headers (money unit named once), cells by the formatting layer."""
    frame = zh_frame(frame)
    shown = _table_kinds(frame)
    heads = []
    for c in frame.columns:
        u = shown.header_unit(c)
        heads.append(f"<th>{html.escape(column_label(c, 'zh', unit=u))}<br>"
                     f"<small>{html.escape(column_label(c, 'en', unit=u))}</small></th>")
    body = []
    for i, r in enumerate(frame.head(max_rows).iter_rows()):
        cells = []
        for j, v in enumerate(r):
            cls = "" if isinstance(v, str) else " class='n'"
            cells.append(f"<td{cls}>{html.escape(shown.frame[i, j])}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    more = f"<p class='more'>… {frame.height - max_rows} 行见工作簿 more rows in the workbook</p>" \
        if frame.height > max_rows else ""
    return f"<table><thead><tr>{''.join(heads)}</tr></thead><tbody>{''.join(body)}</tbody></table>{more}"


def _figures(a) -> dict[str, str]:
    from fundsvc.assessment.svg import bars_svg, fan_svg

    t = a.tables()
    out: dict[str, str] = {}
    rd, realised = t.get("reporting_dates"), t.get("realised")
    if rd is not None and rd.height:
        for measure, name, kind, line in (("tvpi", "TVPI 分布随时间 · TVPI over time", Kind.MULTIPLE, None),
                                          ("loss_ratio", "容亏率随时间 · Loss ratio over time", Kind.PERCENT,
                                           a.tolerated_loss_ratio)):
            d = rd.filter(pl.col("measure") == measure).sort("step")
            pts = None
            if realised is not None and realised.height and measure in realised.columns:
                pts = [(r["date"].isoformat(), r[measure]) for r in realised.iter_rows(named=True)]
            out[f"fan_{measure if measure == 'tvpi' else 'loss'}"] = fan_svg(
                [x.isoformat() for x in d["date"].to_list()], {q: d[q].to_list() for q in ("p5", "p25", "p50", "p75", "p95")},
                realised=pts, title=name, kind=kind, line=line, legend=("P5–P95 / P25–P75", "中位数 median", "实际 realised"))
    if rd is not None and rd.height and a.percentiles and "tvpi" in a.realised:
        row = rd.filter((pl.col("measure") == "tvpi") & (pl.col("step") == a.step))
        if row.height:
            qs = ("p5", "p25", "p50", "p75", "p95")
            vals = [row[q][0] for q in qs] + [a.realised["tvpi"]]
            out["verdict"] = bars_svg(
                [f"模拟 simulated {q.upper()}" for q in qs] + ["实际 realised"], vals, kind=Kind.MULTIPLE,
                title=f"实际 TVPI 位于模拟分布第 {fmt(a.percentiles['tvpi'], Kind.PERCENT)} 分位 · "
                      f"Realised TVPI at the {fmt(a.percentiles['tvpi'], Kind.PERCENT)} percentile")
    card = t.get("scorecard")
    if card is not None and card.height:
        w = card.group_by("category", maintain_order=True).agg(pl.len().alias("k"), pl.col("category_weight").first())
        per = {r["category"]: r["category_weight"] / r["k"] for r in w.iter_rows(named=True)}
        avail = [per[c] for c in card["category"].to_list()]
        pts = [0.0 if _missing(p) else p for p in card["points"].to_list()]
        out["scorecard"] = bars_svg(card["label_zh"].to_list(), pts, totals=avail, title="绩效评分 · Scorecard points",
                                    value_labels=[f"{p:.1f} / {v:.1f}" for p, v in zip(pts, avail)])
    fx = t.get("fiscal_exposure")
    if fx is not None and fx.height:
        d = fx.filter(~pl.col("component").str.contains("net"))
        unit = money_unit(d["p95"].to_list())
        out["exposure"] = bars_svg([label(c, "zh") for c in d["component"].to_list()],
                                   (d["p95"] / unit.divisor).to_list(), kind=Kind.NUMBER,
                                   title=f"财政综合风险敞口 P95 · Combined fiscal exposure, P95 ({unit.value[1]})")
    return out


_SECTION_FIGURES = {"verdict": ("verdict",), "distribution": ("fan_tvpi", "fan_loss"), "scorecard": ("scorecard",), "exposure": ("exposure",)}


def report_html(a, title: str | None = None, actuals: str | None = None,
                extra: dict[str, pl.DataFrame] | None = None) -> str:
    """The HTML report as text (see the module docstring)."""
    from fundsvc.assessment import TABLE_TITLES

    meta = report_meta(a, title)
    figs = _figures(a)
    tables = a.tables()
    head_title = f"引导基金整体绩效评价 · Guidance fund assessment — {meta['scenario']}" + \
        (f" ({a.period})" if a.period else "")
    line = (f"情景 scenario: {meta['scenario']} · 运行 run {meta['run']} · 报告期 period {meta['period']} · "
            f"估值日 as of {meta['as_of']}")
    parts = [f"<!DOCTYPE html><html lang='zh-CN'><head><meta charset='utf-8'><title>{html.escape(head_title)}</title>"
             f"<meta name='viewport' content='width=device-width, initial-scale=1'><style>{_CSS}</style></head><body>"
             # the running line: a table header repeats on every printed page (Chromium, WebKit)
             f"<table class='page'><thead><tr><td class='runhead'>{html.escape(line)}</td></tr></thead>"
             f"<tbody><tr><td class='pagebody'><h1>{html.escape(head_title)}</h1>"
             f"<p class='meta'>{html.escape(line)}</p>"]
    parts.append("<nav class='toc'><h2>目录 · Contents</h2><ol>" + "".join(
        f"<li><a href='#{key}'>{zh} · {en}</a></li>" for key, zh, en in SECTIONS) + "</ol></nav>")
    for key, zh, en in SECTIONS:
        parts.append(f"<section id='{key}'><h2>{zh} · {en}</h2>")
        if key == "summary":
            rows = "".join(
                f"<tr><th>{html.escape(name)}</th><td>{html.escape(fmt(v, k) if not isinstance(v, str) else v)}</td></tr>"
                for name, v, k in headline_rows(a, actuals) if not name.startswith(("结论", "verdict")))
            parts.append(f"<table>{rows}</table>")
        if key == "verdict":
            parts.append(f"<div class='verdict'><p>{html.escape(verdict_words(a, 'zh'))}</p>"
                         f"<p>{html.escape(verdict_words(a, 'en'))}</p><p class='meta'>依据 basis: "
                         f"{html.escape(basis_words(a, 'zh', actuals))} {html.escape(basis_words(a, 'en', actuals))}</p></div>")
        if key == "notes":
            parts.append("<ul>" + "".join(f"<li>{html.escape(n)}</li>" for n in a.notes if n) + "</ul>")
        for fig_name in _SECTION_FIGURES.get(key, ()):
            if fig_name in figs:
                parts.append(f"<div class='figure' data-figure='{fig_name}'>{figs[fig_name]}</div>")
        for tname in _SECTION_TABLES.get(key, ()):
            if tname in tables and tables[tname].width and tables[tname].height:
                zh_t, en_t = TABLE_TITLES.get(tname, (tname, tname))
                parts.append(f"<h3>{zh_t} · {en_t}</h3>" + html_table(tables[tname]))
        parts.append("</section>")
    for name, frame in (extra or {}).items():
        zh_t, en_t = EXTRA_TITLES.get(name, (name, name))
        parts.append(f"<section id='{name}'><h2>{zh_t} · {en_t}</h2>{html_table(frame)}</section>")
    parts.append("</td></tr></tbody></table></body></html>")
    return "".join(parts)


def write_html(a, path: Path, title: str | None = None, actuals: str | None = None,
               extra: dict[str, pl.DataFrame] | None = None) -> Path:
    path.write_text(report_html(a, title, actuals, extra), encoding="utf-8")
    return path


def chromium_binary() -> str | None:
    """Headless Chromium for PDF printing: ``FUNDSVC_CHROMIUM`` or ``chromium`` / ``chromium-browser`` on PATH."""
    import os
    import shutil

    env = os.environ.get("FUNDSVC_CHROMIUM")
    if env and Path(env).exists():
        return env
    return next((p for p in (shutil.which(n) for n in ("chromium", "chromium-browser", "google-chrome")) if p), None)


def write_pdf(a, path: Path, title: str | None = None, actuals: str | None = None,
              extra: dict[str, pl.DataFrame] | None = None) -> Path:
    """The HTML report printed to PDF by headless Chromium (A4, running header with scenario, run, as-of)."""
    import subprocess
    import tempfile

    from fundsvc.errors import FundsvcError

    exe = chromium_binary()
    if exe is None:
        raise FundsvcError("PDF reports need Chromium: install it (Debian: apt-get install chromium) or set "
                           "FUNDSVC_CHROMIUM to its path")
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / "report.html"
        src.write_text(report_html(a, title, actuals, extra), encoding="utf-8")
        out = Path(tmp) / "report.pdf"
        cmd = [exe, "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
               "--no-first-run", "--disable-background-networking", f"--user-data-dir={tmp}/profile",
               "--no-pdf-header-footer", f"--print-to-pdf={out}", src.as_uri()]
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
        if not out.exists() or out.stat().st_size == 0:
            raise FundsvcError(f"Chromium did not write the PDF (exit {proc.returncode}): {proc.stderr.strip()[-400:]}")
        path.write_bytes(out.read_bytes())
    return path


def write_report(assessment, path: str | Path, fmt: ReportFormat | str | None = None, *,
                 scenario_title: str | None = None, actuals: str | None = None,
                 extra: dict[str, pl.DataFrame] | None = None) -> Path:
    """Write an assessment report.

    Parameters
    ----------
    assessment : Assessment
    path : str or Path
        Output file.
    fmt : ReportFormat or str, optional
        ``xlsx``, ``html`` or ``pdf``; default from the file suffix.
    scenario_title : str, optional
        The scenario's title, shown with its name on every page.
    actuals : str, optional
        Which actuals the assessment used (file and import id), named with the basis.
    extra : dict of polars.DataFrame, optional
        Further tables, e.g. the run's stress results (``fundsvc.stress.runner.stress_report_tables``) and
        backtests (``fundsvc.validation.report.backtest_report_tables``).

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
        raise InputError.single("command line", "--format",
                                f"unknown report format '{fmt or path.suffix}'; use xlsx, html or pdf") from None
    path.parent.mkdir(parents=True, exist_ok=True)
    if f is ReportFormat.XLSX:
        return write_xlsx(assessment, path, scenario_title, extra)
    if f is ReportFormat.PDF:
        return write_pdf(assessment, path, scenario_title, actuals, extra)
    return write_html(assessment, path, scenario_title, actuals, extra)
