"""Runs & scenarios page in real headless Chromium: start a run (bundled and uploaded scenario)
and see it finish and appear in the list; bad uploads show the message and store nothing."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from dashboards.components import fmt_mult
from dash.testing.wait import until
from selenium.common.exceptions import StaleElementReferenceException

pytestmark = pytest.mark.browser
WAIT = 20
DATA = Path(__file__).parent / "data"


@pytest.fixture(scope="module")
def runs_store(tmp_path_factory, scenarios_dir):
    """A store of its own (runs started here must not change what the other page tests show)."""
    from fundsvc.inputs.loader import load_scenario
    from fundsvc.settings import get_settings
    from fundsvc.simulation.service import simulate_and_store
    from fundsvc.store import Store

    store = Store.open(get_settings(data_dir=tmp_path_factory.mktemp("dash-runs"), database_url=None), upgrade=True)
    simulate_and_store(store, load_scenario(scenarios_dir / "quick.toml"), paths=500)
    yield store
    store.engine.dispose()


@pytest.fixture
def runs_app(runs_store):
    from dashboards.app import create_app

    return create_app(lambda: runs_store)


def _counts(store) -> tuple[int, int]:
    return len(store.runs.list(limit=None)), len(store.scenarios.list())


def _grid_ids(dash_duo) -> set[str]:
    """Run ids shown in the runs grid (empty while the grid is being re-rendered)."""
    try:
        return {el.text for el in dash_duo.find_elements('#runs-grid .ag-center-cols-container [col-id="id"]')}
    except StaleElementReferenceException:
        return set()


def test_start_bundled_run_finishes_and_is_listed(dash_duo, runs_app, runs_store):
    before = {r.id for r in runs_store.runs.list(limit=None)}
    dash_duo.start_server(runs_app)
    dash_duo.wait_for_page(dash_duo.server_url + "/runs")
    dash_duo.wait_for_element("#runs-grid .ag-row", timeout=WAIT)
    assert _grid_ids(dash_duo) == {str(i) for i in before}
    dash_duo.find_element("#new-paths").clear()
    dash_duo.find_element("#new-paths").send_keys("1000")
    dash_duo.find_element("#new-start").click()
    dash_duo.wait_for_element("#run-done-id", timeout=60)
    new = {r.id for r in runs_store.runs.list(limit=None)} - before
    assert len(new) == 1
    run = runs_store.runs.get(new.pop())
    assert run.status.value == "succeeded" and run.n_paths == 1000
    assert dash_duo.find_element("#run-done-id").text == f"#{run.id}"
    dash_duo.wait_for_text_to_equal("#run-progress", "100%", timeout=WAIT)
    until(lambda: str(run.id) in _grid_ids(dash_duo), timeout=WAIT)
    # the compare section shows two runs side by side, with the stored numbers
    dash_duo.wait_for_element("#compare-grid .ag-row", timeout=WAIT)
    first = runs_store.runs.list(limit=None)[-1].id  # run A = the older run when the page was opened
    tvpi_p5 = runs_store.runs.load_table(first, "equity_summary").filter(pl.col("entity") == "guidance")["tvpi_p5"][0]
    cell = dash_duo.find_element('#compare-grid .ag-row[row-index="0"] [col-id="a"]').text
    assert cell == fmt_mult(tvpi_p5)
    assert dash_duo.get_logs() == []


def test_uploaded_scenario_runs(dash_duo, runs_app, runs_store):
    before = {r.id for r in runs_store.runs.list(limit=None)}
    dash_duo.start_server(runs_app)
    dash_duo.wait_for_page(dash_duo.server_url + "/runs")
    dash_duo.find_element("#upload input[type=file]").send_keys(str(DATA / "upload_ta.toml"))
    dash_duo.wait_for_contains_text("#upload-ok", "upload_ta", timeout=WAIT)
    dash_duo.find_element("#new-paths").clear()
    dash_duo.find_element("#new-paths").send_keys("500")
    dash_duo.find_element("#new-start").click()
    dash_duo.wait_for_element("#run-done-id", timeout=60)
    new = [r for r in runs_store.runs.list(limit=None) if r.id not in before]
    assert [r.scenario_name for r in new] == ["upload_ta"]
    assert runs_store.scenarios.get(new[0].scenario_id).source_path == "<upload>/upload_ta.toml"
    until(lambda: str(new[0].id) in _grid_ids(dash_duo), timeout=WAIT)
    assert dash_duo.get_logs() == []


@pytest.mark.parametrize("case", ["not_toml", "invalid", "references", "huge"])
def test_bad_upload_shows_message_and_stores_nothing(dash_duo, runs_app, runs_store, tmp_path, case):
    good = (DATA / "upload_ta.toml").read_text(encoding="utf-8")
    content, expected = {
        "not_toml": ("this is = not [toml\n", "is not valid TOML"),
        "invalid": (good.replace("guidance_share = 0.2", "guidance_share = 1.5"), "guidance_share"),
        "references": ('loan_book = { path = "/etc/passwd" }\n' + good, "self-contained"),
        "huge": (good + ("# padding padding padding padding padding padding padding\n" * 60_000), "上限为 2 MiB"),
    }[case]
    path = tmp_path / f"{case}.toml"
    path.write_text(content, encoding="utf-8")
    before = _counts(runs_store)
    dash_duo.start_server(runs_app)
    dash_duo.wait_for_page(dash_duo.server_url + "/runs")
    dash_duo.find_element("#upload input[type=file]").send_keys(str(path))
    # an oversize file is refused in the browser (never posted), the others by the server's validation
    dash_duo.wait_for_contains_text("#upload-size-message" if case == "huge" else "#upload-error", expected,
                                    timeout=WAIT)
    assert dash_duo.find_element("#new-source").text.strip() == "quick"  # the upload is not offered
    assert _counts(runs_store) == before
    assert runs_store.scenarios.find_by_content(content) is None
    assert dash_duo.get_logs() == []
