"""Every page in real headless Chromium (dash_duo): renders without console errors and shows the
numbers stored for the run; language toggle; pricing form equals ``price_loan``."""

from __future__ import annotations

import time

import polars as pl
import pytest
from selenium.common.exceptions import StaleElementReferenceException
from selenium.webdriver.common.keys import Keys

from dashboards.components import fmt_mult
from fundsvc.units import fmt_cny, fmt_pct

pytestmark = pytest.mark.browser
WAIT = 20


def _text(dash_duo, selector: str, tries: int = 20) -> str:
    """Text of an element, retried while a grid re-renders it (stale element)."""
    for _ in range(tries - 1):
        try:
            return dash_duo.find_element(selector).text
        except StaleElementReferenceException:
            time.sleep(0.1)
    return dash_duo.find_element(selector).text


def _guidance(quick_run) -> dict:
    s = quick_run.store.runs.load_table(quick_run.run_id, "equity_summary")
    return s.filter(pl.col("entity") == "guidance").to_dicts()[0]


def test_overview_numbers_equal_stored(dash_duo, dash_app, quick_run):
    dash_duo.start_server(dash_app)
    g = _guidance(quick_run)
    dash_duo.wait_for_text_to_equal("#kpi-tvpi", fmt_mult(g["tvpi_p50"]), timeout=WAIT)
    assert dash_duo.find_element("#kpi-irr").text == fmt_pct(g["irr_p50"])
    assert dash_duo.find_element("#kpi-dpi").text == fmt_mult(g["dpi_p50"])
    assert dash_duo.find_element("#kpi-ploss").text == fmt_pct(g["p_loss"])
    assert fmt_mult(g["tvpi_p5"]) in dash_duo.find_element("#kpi-tvpi-sub").text
    pools = quick_run.store.runs.load_table(quick_run.run_id, "credit_pool_summary")
    assert dash_duo.find_element("#fx-pool").text == fmt_cny(float(pools["initial_balance"].sum()))
    guidance = sum(f.commitment_cny * f.guidance_share for f in quick_run.scenario.sub_funds)
    assert dash_duo.find_element("#fx-guidance").text == fmt_cny(guidance)
    assert dash_duo.find_element("#tolerance-verdict").text in {"在容错范围内", "超出容错范围"}
    dash_duo.wait_for_element("#overview-tvpi .main-svg", timeout=WAIT)
    assert dash_duo.get_logs() == []


def test_language_toggle_switches_text(dash_duo, dash_app):
    dash_duo.start_server(dash_app)
    dash_duo.wait_for_text_to_equal("#nav-overview", "总览", timeout=WAIT)
    dash_duo.wait_for_contains_text("#page-content h2", "整体成效总览", timeout=WAIT)
    dash_duo.find_element("#lang-toggle").click()
    dash_duo.wait_for_text_to_equal("#nav-overview", "Overview", timeout=WAIT)
    dash_duo.wait_for_contains_text("#page-content h2", "Whole-fund overview", timeout=WAIT)
    assert dash_duo.find_element("#lang-toggle").text == "中文"
    dash_duo.find_element("#nav-loans").click()
    dash_duo.wait_for_contains_text("#page-content h2", "Loans & pricing", timeout=WAIT)
    dash_duo.find_element("#lang-toggle").click()
    dash_duo.wait_for_contains_text("#page-content h2", "贷款与定价", timeout=WAIT)
    assert dash_duo.get_logs() == []


def test_funds_page_table_figures_and_whatif(dash_duo, dash_app, quick_run):
    import fundsvc
    from dashboards.whatif import WhatIf, modified_scenario

    dash_duo.start_server(dash_app)
    dash_duo.wait_for_page(dash_duo.server_url + "/funds")
    dash_duo.wait_for_element("#subfund-grid .ag-row", timeout=WAIT)
    summary = quick_run.store.runs.load_table(quick_run.run_id, "equity_summary")
    rows = dash_duo.find_elements("#subfund-grid .ag-center-cols-container .ag-row")
    assert len(rows) == summary.height
    cell = _text(dash_duo, '#subfund-grid .ag-row[row-index="0"] [col-id="tvpi_p50"]')
    assert cell == fmt_mult(summary["tvpi_p50"][0])
    for fig in ("#funds-jcurve", "#funds-nav", "#funds-pacing", "#funds-sector", "#funds-stage"):
        dash_duo.wait_for_element(f"{fig} .main-svg", timeout=WAIT)
    # what-if: graduation x1.0, default reserve and fee -> the numbers of a full rerun on the run's random numbers
    f0 = quick_run.scenario.sub_funds[0]
    change = WhatIf(1.0, f0.reserve_ratio, f0.fees.management_fee_rate)
    run = quick_run.store.runs.get(quick_run.run_id)
    stages = (500, run.n_paths)
    dash_app.fundsvc_whatifs.stages = stages
    expected = fundsvc.simulate(modified_scenario(quick_run.scenario, change), paths=stages[-1], seed=run.seed,
                                chunk_size=run.chunk_size).equity_summary()
    tvpi = expected.filter(pl.col("entity") == "guidance")["tvpi_p50"][0]
    dash_duo.find_element("#whatif-run").click()
    dash_duo.wait_for_element("#whatif-bar", timeout=WAIT)  # progress shown while it runs
    dash_duo.wait_for_contains_text("#whatif-caption", f"{stages[-1]:,}", timeout=60)
    caption = dash_duo.find_element("#whatif-caption")
    assert caption.get_attribute("data-stage") == "refined"
    dash_duo.wait_for_text_to_equal("#whatif-mod-0", fmt_mult(tvpi), timeout=10)
    assert dash_duo.find_element("#whatif-err-0").text.startswith("[")  # its 95 % interval
    assert dash_duo.get_logs() == []


def _set(dash_duo, selector: str, value) -> None:
    el = dash_duo.find_element(selector)
    el.send_keys(Keys.CONTROL, "a")
    el.send_keys(Keys.DELETE)
    el.send_keys(str(value), Keys.TAB)


def test_pricing_form_equals_price_loan(dash_duo, dash_app, quick_run):
    from fundsvc.credit import price_loan

    dash_duo.start_server(dash_app)
    dash_duo.wait_for_page(dash_duo.server_url + "/loans")
    s = quick_run.scenario
    # the page prices with the run scenario's recovery model (IP, workout, guarantor credit)
    default = price_loan(amount_cny=5e6, term_years=3, pd=0.02, ip_appraisal_cny=12e6, pool=s.pools[0],
                         recovery=s.ip_recovery, recovery_sources=s.recovery_sources, quoted_rate=0.045)
    dash_duo.wait_for_text_to_equal("#price-break-even", fmt_pct(default.break_even_rate, 2), timeout=WAIT)
    _set(dash_duo, "#pf-amount_wan", 800)
    _set(dash_duo, "#pf-term", 2)
    _set(dash_duo, "#pf-pd_pct", 3.5)
    _set(dash_duo, "#pf-ip_wan", 1500)
    _set(dash_duo, "#pf-quoted_pct", 6)
    expected = price_loan(amount_cny=8e6, term_years=2, pd=0.035, ip_appraisal_cny=15e6, pool=s.pools[0],
                          recovery=s.ip_recovery, recovery_sources=s.recovery_sources, quoted_rate=0.06)
    dash_duo.wait_for_text_to_equal("#price-break-even", fmt_pct(expected.break_even_rate, 2), timeout=WAIT)
    # the quoted rate moves RAROC, not the break-even: wait for the last input's answer too
    dash_duo.wait_for_text_to_equal("#price-raroc", fmt_pct(expected.raroc, 2), timeout=WAIT)
    assert dash_duo.find_element("#price-subsidy").text == f"{1e4 * expected.subsidy_rate:,.1f} 个基点"
    # an invalid input shows the message in the page
    _set(dash_duo, "#pf-pd_pct", 150)
    dash_duo.wait_for_element("#price-error", timeout=WAIT)
    dash_duo.wait_for_element("#loss-dist .main-svg", timeout=WAIT)
    # the loss-measure table shows the stored values for the banks (in the table's unit, 万元 or 亿元)
    from fundsvc.formatting import fmt_money, money_unit

    stored = quick_run.store.runs.load_table(quick_run.run_id, "credit_loss_measures").filter(
        pl.col("entity") == "banks")
    cell = _text(dash_duo, '#loss-measures .ag-row[row-index="0"] [col-id="value"]')
    assert cell == fmt_money(stored["value"][0], money_unit(stored["value"].to_list()))
    assert dash_duo.get_logs() == []


def test_pools_page_numbers_equal_stored(dash_duo, dash_app, quick_run):
    dash_duo.start_server(dash_app)
    dash_duo.wait_for_page(dash_duo.server_url + "/pools")
    summary = quick_run.store.runs.load_table(quick_run.run_id, "credit_pool_summary").to_dicts()[0]
    sizing = quick_run.store.runs.load_table(quick_run.run_id, "credit_pool_sizing")
    pool = summary["pool"]
    dash_duo.wait_for_text_to_equal(f"#pool-{pool}-pdep", fmt_pct(summary["p_depleted"], 2), timeout=WAIT)
    assert dash_duo.find_element(f"#pool-{pool}-initial").text == fmt_cny(summary["initial_balance"])
    req = sizing.filter(pl.col("variable") == "initial_balance")["value"][0]
    assert dash_duo.find_element(f"#pool-{pool}-required").text == fmt_cny(req)
    assert dash_duo.find_element(f"#pool-{pool}-leverage").text == fmt_mult(summary["lending_multiple_mean"])
    assert fmt_mult(summary["leverage_mean"]) in dash_duo.find_element(f"#pool-{pool}-leverage-sub").text
    dash_duo.wait_for_element(f"#pool-fan-{pool} .main-svg", timeout=WAIT)
    dash_duo.wait_for_element("#pool-depletion .main-svg", timeout=WAIT)
    assert dash_duo.get_logs() == []


def test_assessment_page_shows_assessment(dash_duo, dash_app, quick_run):
    from fundsvc.assessment import assess_run

    a = assess_run(quick_run.store, quick_run.run_id, scenario=quick_run.scenario)
    dash_duo.start_server(dash_app)
    dash_duo.wait_for_page(dash_duo.server_url + "/assessment")
    dash_duo.wait_for_text_to_equal("#assess-score", f"{a.score:.1f}", timeout=WAIT)
    assert dash_duo.find_element("#assess-rating").text == a.rating.split(" ")[0]  # 优秀 (Chinese UI)
    assert dash_duo.find_element("#assess-verdict-words").text  # the verdict in words, first
    assert dash_duo.find_element("#assess-tolerance").text == fmt_pct(a.tolerated_loss_ratio)
    dash_duo.wait_for_element("#assess-section-scorecard .ag-row", timeout=WAIT)
    assert dash_duo.get_logs() == []
