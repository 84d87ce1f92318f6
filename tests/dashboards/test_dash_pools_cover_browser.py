"""The pools page shows the baseline's probability that a claim is refused or reduced (cover
reliability), equal to the stored table (real headless Chromium); the English layout without a browser."""

from __future__ import annotations

import polars as pl
import pytest

from fundsvc.units import fmt_pct

pytestmark = pytest.mark.browser
WAIT = 20


@pytest.fixture(scope="module")
def baseline_run(tmp_path_factory, scenarios_dir):
    """hangzhou_baseline.toml, 200 paths, stored once for this module."""
    from fundsvc.inputs.loader import load_scenario
    from fundsvc.settings import get_settings
    from fundsvc.simulation.service import simulate_and_store
    from fundsvc.store import Store

    settings = get_settings(data_dir=tmp_path_factory.mktemp("cover-store"), database_url=None)
    store = Store.open(settings, upgrade=True)
    stored = simulate_and_store(store, load_scenario(scenarios_dir / "hangzhou_baseline.toml"), paths=200, seed=11)
    yield store, stored.run_id
    store.engine.dispose()


def test_pools_page_shows_refused_claims_probability(dash_duo, baseline_run):
    from dashboards.app import create_app

    store, run_id = baseline_run
    cv = store.runs.load_table(run_id, "credit_cover_reliability")
    row = cv.filter((pl.col("pool") == "city-ip") & pl.col("year").is_null() & (pl.col("reason") == "any")).to_dicts()[0]
    assert row["p_refused"] > 0  # the baseline's city pool refuses claims under its NPL pause
    dash_duo.start_server(create_app(lambda: store))
    dash_duo.wait_for_page(dash_duo.server_url + "/pools")
    dash_duo.wait_for_text_to_equal("#pool-city-ip-prefused", fmt_pct(row["p_refused"], 2), timeout=WAIT)
    assert "拒付" in dash_duo.find_element("#page-content").text
    dash_duo.wait_for_element("#pool-cover", timeout=WAIT)
    assert dash_duo.get_logs() == []


def test_pools_layout_in_english(baseline_run):
    """The same page built in English names the figure and the tables in English."""
    from dashboards.data import DashboardData
    from dashboards.pages import pools

    store, run_id = baseline_run
    text = str(pools.layout(DashboardData(lambda: store), run_id, "en"))
    assert "P(claim refused or reduced, horizon)" in text and "Cover reliability (by year and reason)" in text
    assert "P(new lending paused) by year" in text


def test_pricing_uses_the_runs_cover_reliability(baseline_run):
    """The pricing page prices the chosen pool also at its simulated reliability (< 1 on the
    baseline's city pool): a smaller subsidy than a pool that always pays, shown on the card."""
    from dashboards.data import DashboardData
    from dashboards.pages import loans

    store, run_id = baseline_run
    data = DashboardData(lambda: store)
    scenario = data.scenario(run_id)
    form = loans.DEFAULT_FORM | {"pool": "city-ip"}
    cover = data.table(run_id, "credit_cover_reliability")
    result, error = loans.price(form, scenario)
    reliable, rel = loans.at_simulated_reliability(form, scenario, cover)
    assert error is None and 0 < rel < 1
    assert reliable.subsidy_rate == pytest.approx(rel * result.subsidy_rate, rel=1e-9)
    text = str(loans.result_view(result, None, "en", (reliable, rel)))
    assert "At the simulated cover reliability" in text and f"{1e4 * reliable.subsidy_rate:,.1f} bp" in text
