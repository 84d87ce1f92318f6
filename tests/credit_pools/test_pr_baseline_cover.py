"""The baseline's cover reliability where users read it: `fundsvc simulate` output, `price-loan
--reliability-run`, the pools page (real headless Chromium) and the pricing page. One CLI run of
hangzhou_baseline.toml (200 paths) serves all."""

from __future__ import annotations

import json

import polars as pl
import pytest
from typer.testing import CliRunner

from fundsvc.units import fmt_pct

WAIT = 20


@pytest.fixture(scope="module")
def baseline_cli(tmp_path_factory, scenarios_dir):
    """`fundsvc simulate hangzhou_baseline.toml --paths 200 --seed 4` into a fresh data directory:
    (CLI output, store, run id, the city pool's horizon row of the stored cover table)."""
    from fundsvc.cli.app import build_app
    from fundsvc.settings import get_settings
    from fundsvc.store import Store

    data_dir = tmp_path_factory.mktemp("cover-cli")
    mp = pytest.MonkeyPatch()
    mp.setenv("FUNDSVC_DATA_DIR", str(data_dir))
    res = CliRunner().invoke(build_app(), ["simulate", str(scenarios_dir / "hangzhou_baseline.toml"), "--paths", "200",
                                           "--seed", "4"], env={"COLUMNS": "200"})
    assert res.exit_code == 0, res.output
    store = Store.open(get_settings(data_dir=data_dir, database_url=None))
    run_id = store.runs.list()[0].id
    cv = store.runs.load_table(run_id, "credit_cover_reliability")
    row = cv.filter((pl.col("pool") == "city-ip") & pl.col("year").is_null() & (pl.col("reason") == "any")).to_dicts()[0]
    yield res.output, store, run_id, row
    store.engine.dispose()
    mp.undo()


def test_baseline_refused_claims_probability_in_the_cli(baseline_cli):
    """`fundsvc simulate` prints the city pool's P(claim refused) with its s.e., equal to the stored table."""
    output, _, _, row = baseline_cli
    assert row["p_refused"] > 0  # the baseline's city pool refuses claims under its NPL pause
    assert "Cover reliability" in output and "NPL pause" in output
    assert f"{fmt_pct(row['p_refused'])} ± {fmt_pct(row['p_refused_se'])}" in output


def test_price_loan_takes_the_simulated_reliability(baseline_cli, scenarios_dir):
    """`price-loan --reliability-run` uses the run's share of claims paid as the pay probability: the
    same subsidy as stating it, reliability × the subsidy of a pool that always pays; a missing run is
    an input error (exit 2) naming the option."""
    from fundsvc.cli.app import build_app

    _, _, run_id, row = baseline_cli
    args = ["price-loan", "--amount", "5000000", "--term", "2", "--pd", "0.03", "--ip-appraisal", "12000000",
            "--scenario", str(scenarios_dir / "hangzhou_baseline.toml"), "--pool", "city-ip", "--quoted-rate", "0.05"]
    res = CliRunner().invoke(build_app(), [*args, "--reliability-run", str(run_id), "--json"])
    assert res.exit_code == 0, res.output
    out = json.loads(res.output)
    assert out["pool_pay_probability"] == pytest.approx(row["reliability"]) and row["reliability"] < 1
    stated = json.loads(CliRunner().invoke(build_app(), [*args, "--pool-pay-prob", repr(row["reliability"]),
                                                         "--json"]).output)
    always = json.loads(CliRunner().invoke(build_app(), [*args, "--json"]).output)
    assert out["subsidy_rate"] == stated["subsidy_rate"]
    # the subsidy is linear in the pay probability (standardised capital, no cap binding)
    assert out["subsidy_rate"] == pytest.approx(row["reliability"] * always["subsidy_rate"], rel=1e-9)
    bad = CliRunner().invoke(build_app(), [*args, "--reliability-run", "999"])
    assert bad.exit_code == 2 and "--reliability-run" in bad.output and "no run with id 999" in bad.output


@pytest.mark.browser
def test_pools_page_shows_refused_claims_probability(dash_duo, baseline_cli):
    from dashboards.app import create_app

    _, store, _, row = baseline_cli
    dash_duo.start_server(create_app(lambda: store))
    dash_duo.wait_for_page(dash_duo.server_url + "/pools")
    dash_duo.wait_for_text_to_equal("#pool-city-ip-prefused", fmt_pct(row["p_refused"], 2), timeout=WAIT)
    assert "拒付" in dash_duo.find_element("#page-content").text
    dash_duo.wait_for_element("#pool-cover", timeout=WAIT)
    assert dash_duo.get_logs() == []


def test_pools_layout_in_english(baseline_cli):
    """The same page built in English names the figure and the tables in English."""
    from dashboards.data import DashboardData
    from dashboards.pages import pools

    _, store, run_id, _ = baseline_cli
    text = str(pools.layout(DashboardData(lambda: store), run_id, "en"))
    assert "P(claim refused or reduced, horizon)" in text and "Cover reliability (by year and reason)" in text
    assert "P(new lending paused) by year" in text


def test_pricing_page_uses_the_runs_cover_reliability(baseline_cli):
    """The pricing page prices the chosen pool also at its simulated reliability (< 1 on the
    baseline's city pool): a smaller subsidy than a pool that always pays, shown on the card."""
    from dashboards.data import DashboardData
    from dashboards.pages import loans

    _, store, run_id, _ = baseline_cli
    data = DashboardData(lambda: store)
    scenario = data.scenario(run_id)
    form = loans.DEFAULT_FORM | {"pool": "city-ip"}
    result, error = loans.price(form, scenario)
    reliable, rel = loans.at_simulated_reliability(form, scenario, data.table(run_id, "credit_cover_reliability"))
    assert error is None and 0 < rel < 1
    assert reliable.subsidy_rate == pytest.approx(rel * result.subsidy_rate, rel=1e-9)
    text = str(loans.result_view(result, None, "en", (reliable, rel)))
    assert "At the simulated cover reliability" in text and f"{1e4 * reliable.subsidy_rate:,.1f} bp" in text
