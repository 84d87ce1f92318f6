"""Every page (both languages), every export and every report, read as a user reads them.

Fails on: a number with more than two decimals or in scientific notation, a raw CNY figure where
tables are in 万元 / 亿元, two money units in one column, an untranslated code or an English
word in the Chinese UI (rules in ``present_lint.py``). Also: the formatting layer's own rules,
the xlsx report read back with openpyxl (numbers with formats, frozen headers, native charts),
exports with raw values and a units row, the HTML report size and contents, the PDF rendered by
headless Chromium (page count, extracted text).
"""

from __future__ import annotations

import datetime as dt
import importlib.util
import io
import re
from html.parser import HTMLParser
from pathlib import Path

import polars as pl
import pytest

from fundsvc.formatting import (
    Kind,
    MoneyUnit,
    NotMeaningful,
    display_frame,
    fmt,
    fmt_money,
    fmt_money_auto,
    fmt_pct,
    fmt_pm,
    fmt_year,
    money_unit,
)

_spec = importlib.util.spec_from_file_location("present_lint", Path(__file__).with_name("present_lint.py"))
lint = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(lint)


# ---- the formatting layer ----------------------------------------------------------------------

def test_money_unit_by_magnitude_and_one_unit_per_table():
    """亿元 from 10⁸ CNY up (hand-worked: 1.5e8 CNY = 1.50亿元; 3.5e6 CNY = 350.00万元)."""
    assert money_unit([3.5e6, 9.9e7]) is MoneyUnit.WAN
    assert money_unit([3.5e6, 1.5e8, float("nan"), None]) is MoneyUnit.YI
    assert fmt_money(3.5e6, MoneyUnit.WAN) == "350.00" and fmt_money(1.5e8, MoneyUnit.YI) == "1.50"
    assert fmt_money_auto(2.0e9) == "20.00亿元" and fmt_money_auto(3.5e6) == "350.00万元"
    assert fmt_money(-1e-9, MoneyUnit.WAN) == "0.00"  # no "-0.00"
    shown = display_frame(pl.DataFrame({"component": ["guidance_loss_cny", "cost_pool-a"],
                                        "mean_cny": [4.6e6, 1.4e6], "p50": [0.0, 1.07e6], "p99": [9.25e7, 2e8],
                                        "p_positive": [0.1056, 0.6365]}))
    assert shown.unit is MoneyUnit.YI  # the P99 of 2亿元 puts the whole table in 亿元
    assert shown.frame["p99"].to_list() == ["0.93", "2.00"] and shown.frame["mean_cny"][0] == "0.05"
    assert shown.frame["p_positive"].to_list() == ["10.6%", "63.6%"]  # a share stays a percentage
    assert shown.frame["component"][0].endswith("(亿元)")  # unit named once, in the row label


def test_kinds_years_errors_and_not_meaningful():
    assert fmt_pct(-0.0291) == "-2.9%" and fmt(1.1176, Kind.MULTIPLE) == "1.12×" and fmt_year(2030) == "2030"
    assert fmt(6.633e-06, Kind.PERCENT) == "0.0%"
    assert fmt_pm(1.6643, 0.0213, Kind.MULTIPLE) == "1.66× ± 0.02×"
    assert fmt_pm(0.1234, 0.0004, Kind.PERCENT) == "12.3% ± 0.04%"  # an error never rounds to ± 0.0%
    assert fmt_pm(3.5e6, 1.2e5, Kind.MONEY, unit=MoneyUnit.WAN) == "350.00 ± 12.00"
    nm = NotMeaningful("成立不足两年", "fund younger than two years")
    assert fmt(nm, Kind.PERCENT) == "n/m(成立不足两年)" and "younger" in fmt(nm, Kind.PERCENT, lang="en")
    shown = display_frame(pl.DataFrame({"tvpi_mean": [1.66], "tvpi_mean_se": [0.02], "irr_p50": [0.104],
                                        "by_year": [2030], "date": [dt.date(2026, 9, 30)]}))
    assert shown.frame.row(0) == ("1.66×", "0.02×", "10.4%", "2030", "2026-09-30")


# ---- every page, both languages ----------------------------------------------------------------

def _identifiers(quick_run, data) -> set[str]:
    """Scenario identifiers (user data, shown as given): funds, pools, banks, scenario names."""
    s = quick_run.scenario
    ids = {f.id for f in s.sub_funds} | {p.id for p in s.pools} | {s.name}
    lm = data.table(quick_run.run_id, "credit_loss_measures")
    ids |= {e.split(":", 1)[1] for e in lm["entity"].unique().to_list() if ":" in e}
    from fundsvc.inputs.bundled import bundled_scenarios

    ids |= {p.stem for p in bundled_scenarios()}
    return ids


NOT_YET_FORMATTED: set[str] = set()
"""Pages the lint skips (none: the stress and validation pages joined the formatting layer)."""


@pytest.fixture(scope="module")
def stress_results(quick_run):
    """Stress and reverse-stress results stored with the quick run, as ``fundsvc stress`` stores them
    (so the stress page has figures to read): one bundled stress simulated on 200 paths, and the
    reverse-stress documents of a fund-loss and a bank target (bank losses in CNY)."""
    from fundsvc.stress.library import get_stresses
    from fundsvc.stress.reverse import ReverseResult, parse_target
    from fundsvc.stress.runner import json_rows, run_stresses

    sc = quick_run.scenario
    lib = get_stresses(["gfc_2008"])
    table = run_stresses(sc, {n: s.impositions(sc.simulation.start_date) for n, s in lib.items()}, paths=200, seed=3)
    repo = quick_run.store.stress_results
    for n, s in lib.items():
        repo.add(quick_run.run_id, "stress", n, {
            "stress": n, "title": s.title, "title_zh": s.title_zh, "paths": 200, "seed": 3, "narrative": s.narrative,
            "narrative_zh": s.narrative_zh, "sources": s.sources, "rows": json_rows(table.filter(table["stress"] == n))})
    bank = min({ln.bank for ln in sc.loans} | {b for p in sc.pools if p.lending_programme
                                               for b in p.lending_programme.banks})
    # reverse-stress documents with hand-set outcomes (the search itself is tested in tests/stress)
    for target, value in ((parse_target(sc, "fund-loss"), 0.45), (parse_target(sc, f"bank:{bank}", 2.5e8), 2.6e8)):
        doc = ReverseResult(target, -2.8, 4, 12, 3.9, [0.0, -1.0, -2.8], [
            {"label": "breaching path 突破路径", "shift_sigma": -2.8, "value": value, "se": value / 50, "breached": True},
            {"label": "less severe 较轻路径", "shift_sigma": -2.5, "value": value * 0.9, "se": value / 50,
             "breached": False}], value / 3).to_dict()
        repo.add(quick_run.run_id, "reverse", target.kind.value, doc)
    return quick_run


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_every_page_reads_cleanly(stress_results, lang):
    quick_run = stress_results
    from dashboards.app import create_app, render_page
    from dashboards.pages import PAGES

    app = create_app(lambda: quick_run.store, prefetch=False)
    data = app.fundsvc_data
    ids = _identifiers(quick_run, data)
    _with_sensitivity(quick_run)  # the sensitivity page then shows a tornado, not its empty state
    found = []
    for path, _, _ in PAGES:
        if path in NOT_YET_FORMATTED:
            continue
        texts = list(lint.page_texts(render_page(data, path, quick_run.run_id, lang, app)))
        # a shell command quoted in a message (`fundsvc stress …`) is not UI text to translate
        texts = [(where, re.sub(r"`[^`]*`", "", text)) for where, text in texts]
        assert len(texts) > 20, path
        found += [f"{path} {p}" for p in lint.problems(texts, lang, ids)]
    assert found == [], "\n".join(found)


def _with_sensitivity(quick_run) -> None:
    """Store the hand-built sensitivity analysis of ``test_dash_sensitivity`` with the quick run (once)."""
    from fundsvc.store.stress_results import StressKind
    from tests.dashboards.test_dash_sensitivity import DOC

    repo = quick_run.store.stress_results
    if repo.latest(quick_run.run_id, StressKind.SENSITIVITY) is None:
        repo.add(quick_run.run_id, StressKind.SENSITIVITY, "loan_pd,pool_funding", DOC)


def test_the_lint_catches_each_fault():
    """The rules fail on the faults the issue lists (so the page test can fail)."""
    bad = [("g:cell:p50", "-1,000,534,642.0861"), ("g:cell:x", "6.633e-06"), ("g:cell:y", "1.1176"),
           ("h:cell:m", "3,097.61万元"), ("h:cell:m", "1.20亿元"), ("k", "high_end_equipment"),
           ("k2", "bank:city_bank_b"), ("k3", "payouts P95")]
    msgs = lint.problems(bad, "zh")
    for needle in ("raw CNY", "scientific", "more than two decimals", "two money units", "'high_end_equipment'",
                   "'bank:city_bank_b'", "English 'payouts'"):
        assert any(needle in m for m in msgs), needle


# ---- exports and reports -----------------------------------------------------------------------

def test_exports_keep_raw_values_with_a_units_row(quick_run):
    import openpyxl

    from dashboards.app import export_bytes

    frame = quick_run.store.runs.load_table(quick_run.run_id, "credit_pool_summary")
    wb = openpyxl.load_workbook(io.BytesIO(export_bytes(frame, "xlsx")))
    ws = wb["data"]
    header = [c.value for c in ws[1]]
    units = dict(zip(header, [c.value for c in ws[2]]))
    assert units["initial_balance"].startswith("CNY") and units["p_depleted"].startswith("decimal")
    row = dict(zip(header, [c.value for c in ws[3]]))
    assert row["initial_balance"] == pytest.approx(frame["initial_balance"][0])  # raw CNY, a number
    csv = export_bytes(frame, "csv").decode("utf-8-sig").splitlines()
    assert csv[1].split(",")[header.index("initial_balance")].startswith("CNY")


@pytest.fixture(scope="module")
def assessment(quick_run):
    from fundsvc.assessment import assess_run

    return assess_run(quick_run.store, quick_run.run_id, scenario=quick_run.scenario, period="2026 年通报")


def test_xlsx_report_numbers_formats_frozen_headers_charts(assessment, tmp_path):
    import openpyxl

    from fundsvc.assessment.reports import write_report

    path = write_report(assessment, tmp_path / "r.xlsx", scenario_title="Quick")
    wb = openpyxl.load_workbook(path)
    summary = wb["summary"]
    values = {summary.cell(r, 1).value: summary.cell(r, 2) for r in range(5, summary.max_row + 1)}
    score = values["评分 score (0–100)"]
    assert isinstance(score.value, float) and score.value == pytest.approx(assessment.score)
    loss = values["容亏率 loss ratio"]
    assert loss.value == pytest.approx(assessment.loss_ratio) and loss.number_format == "0.0%"
    assert "容错" in values["结论 verdict"].value  # the verdict in words, not a code
    assert "run #" in (summary.oddHeader.center.text or "")  # run id, scenario, as-of on every page
    sc = wb["scorecard"]
    assert sc.freeze_panes == "B4"
    head = [c.value for c in sc[2]]
    points = sc.cell(4, head.index("得分") + 1)
    assert isinstance(points.value, (int, float)) and points.number_format != "General"
    value = sc.cell(4, head.index("数值") + 1)  # leverage, a multiple
    assert value.number_format == '0.00"×"'
    fx = wb["fiscal_exposure"]
    assert any("万元" in str(c.value) or "亿元" in str(c.value) for c in fx["A"])
    assert sc.column_dimensions["A"].width > 8
    assert len(wb["charts"]._charts) == 3


def _text_of_html(text: str) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []

    class P(HTMLParser):
        stack: list[str] = []
        col = 0

        def handle_starttag(self, tag, attrs):
            if tag == "tr":
                self.col = 0
            if tag in ("td", "th"):
                self.col += 1
            self.stack.append(tag)

        def handle_endtag(self, tag):
            if self.stack:
                self.stack.pop()

        def handle_data(self, data):
            if data.strip() and "style" not in self.stack and "script" not in self.stack:
                where = f"html:cell:{self.col}" if "td" in self.stack else "html"
                out.append((where, data.strip()))

    P().feed(text)
    return out


def test_html_report_small_with_contents_and_clean_numbers(assessment, tmp_path):
    from fundsvc.assessment.reports import SECTIONS, write_report

    path = write_report(assessment, tmp_path / "r.html", scenario_title="Quick")
    text = path.read_text(encoding="utf-8")
    assert path.stat().st_size < 1.5e6
    assert "<nav class='toc'>" in text and all(f"href='#{key}'" in text for key, _, _ in SECTIONS)
    assert text.count("<svg") >= 4 and "<script" not in text
    assert f"run #{assessment.run_id}" in text and "2026 年通报" in text
    # per table, ignoring prose (definitions and sources are sentences, not figures)
    cells = [(w, t) for w, t in _text_of_html(text) if w.startswith("html:cell") and len(t) < 30]
    assert lint.problems(cells, "en") == []


def test_pdf_report_renders(assessment, tmp_path):
    """The annual report printed by headless Chromium: pages and extractable text."""
    from fundsvc.assessment.reports import chromium_binary, write_report

    if chromium_binary() is None:
        pytest.skip("Chromium is not installed (`bash .ci/test.sh` installs it)")
    import pypdf

    path = write_report(assessment, tmp_path / "annual.pdf", scenario_title="Quick")
    reader = pypdf.PdfReader(path)
    assert len(reader.pages) >= 3
    first = " ".join(reader.pages[0].extract_text().split())
    assert "Guidance fund assessment" in first and "run #" in first
    last = reader.pages[-1].extract_text()
    assert re.search(r"run\s*#\d+", last)  # the running line is on every page
