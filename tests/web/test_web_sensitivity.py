"""Stored sensitivity analyses through the API's run-table endpoints, filtered by role."""

from __future__ import annotations

import pytest

from tests.dashboards.test_dash_sensitivity import DOC


@pytest.fixture(scope="module")
def sens_run(served, scenarios_dir):
    """A run of quick.toml (100 paths) with the hand-built analysis stored as its sensitivity."""
    from fundsvc.inputs.loader import load_scenario
    from fundsvc.simulation.service import simulate_and_store
    from fundsvc.store.stress_results import StressKind

    run_id = simulate_and_store(served.store, load_scenario(scenarios_dir / "quick.toml"), paths=100, seed=1).run_id
    served.store.stress_results.add(run_id, StressKind.SENSITIVITY, "loan_pd,pool_funding", DOC)
    return run_id


def test_api_lists_and_serves_the_sensitivity_table(served, sens_run):
    bureau = served.api("bureau1")
    assert "sensitivity" in bureau.get(f"/api/v1/runs/{sens_run}/tables").json()
    assert "sensitivity" not in bureau.get(f"/api/v1/runs/{served.run_id}/tables").json()
    page = bureau.get(f"/api/v1/runs/{sens_run}/tables/sensitivity").json()
    assert page["total"] == len(DOC["rows"])
    el = next(r for r in page["rows"] if r["output"] == "banks EL (horizon)" and r["input"] == "loan_pd")
    assert (el["low"], el["base"], el["high"], el["swing"], el["swing_se"]) == (3.0e6, 3.5e6, 4.2e6, 1.2e6, 1.5e5)
    assert el["rank"] == 1 and el["entity"] == "banks" and el["measure"] == "el_horizon"
    assert el["relative_step"] == 0.2 and el["paths"] == 400 and el["seed"] == 1
    shown = bureau.get(f"/api/v1/runs/{sens_run}/tables/sensitivity", params={"display": "en"}).json()["display"]
    cells = dict(zip(shown["headers"], shown["rows"][page["rows"].index(el)]))
    assert shown["unit"] == "万元" and cells["Input"] == "Loan PD"
    assert cells["Measure"] == "Expected loss (EL), whole horizon (万元)"
    assert [cells[c] for c in ("Input down", "Base", "Input up", "Swing", "Swing s.e.")] == [
        "300.00", "350.00", "420.00", "120.00", "15.00"]
    assert cells["Relative step"] == "20.0%" and cells["Elasticity"] == "0.86" and cells["Rank"] == "1"
    r = bureau.get(f"/api/v1/runs/{served.run_id}/tables/sensitivity")
    assert r.status_code == 404


def test_a_bank_gets_no_all_bank_rows(served, sens_run):
    rows = served.api("bank_a_user").get(f"/api/v1/runs/{sens_run}/tables/sensitivity").json()["rows"]
    assert {r["entity"] for r in rows} == {"guidance", "pool:city-ip"}
    viewer = served.api("viewer1").get(f"/api/v1/runs/{sens_run}/tables/sensitivity").json()["rows"]
    assert {r["entity"] for r in viewer} == {"guidance", "banks", "pool:city-ip"}
