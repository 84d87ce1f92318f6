"""The Sensitivity page: stored one-at-a-time tornado of a run, in Chinese and English, per role.

The stored document is hand-built so every cell is hand-worked: banks' EL in 万元 (largest amount
4.2e6 CNY < 1亿元), elasticity = swing / (2 × 0.2 × base), e.g. 1.2e6 / (0.4 × 3.5e6) = 0.857 → 0.86.
"""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest

from fundsvc.auth.roles import Principal, Role

_spec = importlib.util.spec_from_file_location("present_lint", Path(__file__).with_name("present_lint.py"))
lint = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(lint)


def _row(inp, out, low, base, high, se, method="paired batch means"):
    swing = high - low
    el = swing / (2 * 0.2 * base) if base else None
    return {"input": inp, "output": out, "low": low, "base": base, "high": high, "swing": swing, "swing_se": se,
            "elasticity": el, "elasticity_se": (se / (2 * 0.2 * base)) if base else None, "se_method": method}


DOC = {"scenario": "quick", "chunk_size": 100, "inputs": ["loan_pd", "pool_funding"], "step": 0.2, "paths": 400,
       "seed": 1, "rows": [
           _row("loan_pd", "guidance TVPI mean", 1.5, 1.5, 1.5, 0.0),
           _row("loan_pd", "banks EL (horizon)", 3.0e6, 3.5e6, 4.2e6, 1.5e5),
           _row("loan_pd", "pool:city-ip P(depleted)", 0.01, 0.02, 0.035, 0.004),
           _row("pool_funding", "guidance TVPI mean", 1.5, 1.5, 1.5, 0.0),
           _row("pool_funding", "banks EL (horizon)", 3.7e6, 3.5e6, 3.3e6, 3.0e4),
           _row("pool_funding", "pool:city-ip P(depleted)", 0.03, 0.02, 0.012, 0.003),
           _row("loan_pd", "pool:city-ip P(cover refused)", 0.0, 0.0, 0.0, 0.0, "unpaired (conservative)"),
           _row("pool_funding", "pool:city-ip P(cover refused)", 0.0, 0.0, 0.0, 0.0, "unpaired (conservative)"),
       ]}


def _text(component) -> str:
    return json.dumps(component.to_plotly_json(), default=lambda o: o.to_plotly_json() if hasattr(o, "to_plotly_json")
                      else str(o), ensure_ascii=False)


@pytest.fixture(scope="module")
def sens_run(quick_run):
    """A second stored run of quick.toml (few paths) with the hand-built analysis stored with it."""
    from fundsvc.inputs.loader import load_scenario
    from fundsvc.simulation.service import simulate_and_store
    from fundsvc.store.stress_results import StressKind

    stored = simulate_and_store(quick_run.store, load_scenario(_quick_path()), paths=200, seed=1)
    quick_run.store.stress_results.add(stored.run_id, StressKind.SENSITIVITY, "loan_pd,pool_funding", DOC)
    return stored.run_id


@pytest.fixture(scope="module")
def bare_run(quick_run):
    """A stored run of quick.toml without a sensitivity analysis."""
    from fundsvc.inputs.loader import load_scenario
    from fundsvc.simulation.service import simulate_and_store

    return simulate_and_store(quick_run.store, load_scenario(_quick_path()), paths=100, seed=2).run_id


def _quick_path():
    from fundsvc.inputs.bundled import resolve_scenario

    return resolve_scenario("quick")


def _app(quick_run, principal=None):
    from dashboards.app import create_app

    return create_app(lambda: quick_run.store, prefetch=False,
                      principal_of=(lambda: principal) if principal is not None else None)


def _page(app, run_id, lang):
    from dashboards.app import render_page

    return render_page(app.fundsvc_data, "/sensitivity", run_id, lang, app)


def test_store_round_trip_keeps_the_tornado(quick_run, sens_run):
    from fundsvc.store.stress_results import StressKind
    from fundsvc.validation.sensitivity import Sensitivity

    repo = quick_run.store.stress_results
    rec = repo.latest(sens_run, StressKind.SENSITIVITY)
    assert rec.content == DOC and rec.kind == "sensitivity" and sens_run in repo.run_ids(StressKind.SENSITIVITY)
    assert repo.list(sens_run) == []  # the stress page and reports see only stress kinds
    tb = Sensitivity.from_document(rec.content).table()
    el = tb.filter(tb["output"] == "banks EL (horizon)").sort("rank")
    assert el["input"].to_list() == ["loan_pd", "pool_funding"] and el["entity"][0] == "banks"
    assert el["measure"][0] == "el_horizon" and el["elasticity"][0] == pytest.approx(1.2e6 / (0.4 * 3.5e6))


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_page_shows_inputs_values_and_errors(quick_run, sens_run, lang):
    app = _app(quick_run)
    page = _text(_page(app, sens_run, lang))
    en = lang == "en"
    # banks' EL is shown first (TVPI does not move with these inputs), ordered by swing, in 万元
    for s in ("350.00", "300.00", "420.00", "120.00 ± 15.00", "0.86 ± 0.11", "-40.00 ± 3.00", "-0.29 ± 0.02",
              "±20%", "400"):
        assert s in page, s
    if en:
        for s in ("Sensitivity tornado", "Loan PD", "Pool funding", "All banks · Expected loss (EL), whole horizon",
                  "Swing ± s.e. (万元)", "Input down", "Guidance fund · TVPI, mean", "Pool city-ip · P(depleted)"):
            assert s in page, s
    else:
        for s in ("敏感性龙卷风图", "贷款违约概率 PD", "资金池初始资金", "全部银行 · 全期预期损失 EL", "摆幅 ± 标准误(万元)",
                  "引导基金 · TVPI 均值", "资金池 city-ip · 耗尽概率", "共同随机数"):
            assert s in page, s
    # largest swing first: loan PD before pool funding in the table
    from dashboards.pages.sensitivity import _view, table_rows

    shown, _ = table_rows(_view(app.fundsvc_data, sens_run).table, "banks EL (horizon)", lang)
    assert shown["input"].to_list() == ["loan_pd", "pool_funding"] and shown["rank"].to_list() == [1, 2]
    assert shown["swing"].to_list() == ["120.00 ± 15.00", "-40.00 ± 3.00"]


def test_output_selector_shows_the_chosen_output(quick_run, sens_run):
    """The callback behind the output selector: the pool's depletion in percent, with errors."""
    from dashboards.pages.sensitivity import _output_block, _view

    app = _app(quick_run)
    view = _view(app.fundsvc_data, sens_run)
    text = " ".join(_text(c) for c in _output_block(view, "pool:city-ip P(depleted)", "en"))
    assert "+2.5 pp ± 0.4 pp" in text and "-1.8 pp ± 0.3 pp" in text and "3.5%" in text and "percentage points" in text
    assert "unpaired" not in text  # paired batch means: no caveat
    cover = " ".join(_text(c) for c in _output_block(view, "pool:city-ip P(cover refused)", "en"))
    assert "Pool city-ip · P(cover refused or reduced)" in cover and "s.e. of this output is unpaired" in cover


def test_page_reads_cleanly_in_both_languages(quick_run, sens_run, bare_run):
    """The present lint (numbers, units, codes, English in the Chinese UI) on the stored view and on
    the empty state."""
    from tests.dashboards.test_present_render import _identifiers

    app = _app(quick_run)
    ids = _identifiers(quick_run, app.fundsvc_data)
    for lang in ("zh", "en"):
        for run_id in (sens_run, bare_run):
            texts = [(w, x.replace(f"`fundsvc sensitivity --run {run_id}`", "")) for w, x in lint.page_texts(_page(app, run_id, lang))]
            assert lint.problems(texts, lang, ids) == [], (lang, run_id)


def test_empty_state_gives_the_exact_command(quick_run, sens_run, bare_run):
    app = _app(quick_run)
    en = _text(_page(app, bare_run, "en"))
    zh = _text(_page(app, bare_run, "zh"))
    command = f"`fundsvc sensitivity --run {bare_run}`"
    assert "No sensitivity analysis is stored with this run" in en and command in en
    assert command in zh and "敏感性分析" in zh
    assert f"#{sens_run}" in en  # a link to the run that has one


def test_bank_user_sees_no_bank_aggregate(quick_run, sens_run):
    """A bank sees the guidance fund and its pools, never the all-bank figures (from which another
    bank's could be worked out); the page says something is withheld. A viewer sees them all."""
    bank = Principal(None, "bank_a_user", Role.BANK, "bank_a")
    page = _text(_page(_app(quick_run, bank), sens_run, "en"))
    assert "All banks" not in page and "420.00" not in page and "bank_b" not in page
    assert "Pool city-ip · P(depleted)" in page and "not shown to your role" in page
    viewer = Principal(None, "viewer1", Role.VIEWER)
    page = _text(_page(_app(quick_run, viewer), sens_run, "en"))
    assert "All banks · Expected loss (EL), whole horizon" in page and "not shown" not in page
    from fundsvc.service.policy import page_visible

    assert all(page_visible(Principal(None, "x", r, "t"), "sensitivity") for r in Role)


def test_a_rechunked_base_is_said(quick_run, sens_run):
    """When ``--run`` had to simulate the base again in smaller chunks, the page says its figures
    differ from the run's by Monte Carlo noise (and says nothing when the base is the run's own)."""
    from fundsvc.inputs.loader import load_scenario
    from fundsvc.simulation.service import simulate_and_store
    from fundsvc.store.stress_results import StressKind

    run_id = simulate_and_store(quick_run.store, load_scenario(_quick_path()), paths=100, seed=3).run_id
    quick_run.store.stress_results.add(run_id, StressKind.SENSITIVITY, "x", {**DOC, "base_is_run": False})
    app = _app(quick_run)
    assert "simulated again in smaller chunks" in _text(_page(app, run_id, "en"))
    assert "simulated again" not in _text(_page(app, sens_run, "en"))
