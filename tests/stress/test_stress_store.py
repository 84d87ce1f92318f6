"""Stress results stored with a run (SQLite, and PostgreSQL when configured)."""

import datetime as dt

import pytest

from fundsvc.errors import NotFoundError
from fundsvc.store.stress_results import StressKind


def test_results_round_trip_and_cascade(fresh_store):
    from fundsvc.inputs.loader import load_scenario
    from fundsvc.simulation.service import simulate_and_store

    stored = simulate_and_store(fresh_store, load_scenario("scenarios/quick.toml"), paths=20, seed=1)
    repo = fresh_store.stress_results
    a = repo.add(stored.run_id, StressKind.STRESS, "gfc_2008", {"rows": [{"figure": "x", "change": -0.1}]})
    b = repo.add(stored.run_id, StressKind.REVERSE, "fund-loss", {"shift_sigma": -2.5, "checks": []})
    assert a.created_at <= dt.datetime.now(dt.UTC)
    assert [r.name for r in repo.list(stored.run_id)] == ["gfc_2008", "fund-loss"]
    assert [r.id for r in repo.list(stored.run_id, StressKind.REVERSE)] == [b.id]
    assert repo.list(stored.run_id)[0].content == {"rows": [{"figure": "x", "change": -0.1}]}
    # sensitivity analyses share the table, apart from the stress kinds; the newest one is the one shown
    s1 = repo.add(stored.run_id, StressKind.SENSITIVITY, "loan_pd", {"step": 0.2, "rows": []})
    s2 = repo.add(stored.run_id, StressKind.SENSITIVITY, "loan_pd,persistence", {"step": 0.1, "rows": [
        {"input": "loan_pd", "output": "banks EL (horizon)", "elasticity": None}]})
    assert [r.name for r in repo.list(stored.run_id)] == ["gfc_2008", "fund-loss"]
    assert [r.id for r in repo.list(stored.run_id, StressKind.SENSITIVITY)] == [s1.id, s2.id]
    assert repo.latest(stored.run_id, StressKind.SENSITIVITY).content["rows"][0]["elasticity"] is None
    assert repo.latest(stored.run_id, StressKind.SENSITIVITY).id == s2.id
    assert stored.run_id in repo.run_ids(StressKind.SENSITIVITY)
    fresh_store.runs.delete(stored.run_id, force=True)
    assert repo.list(stored.run_id) == [] and repo.latest(stored.run_id, StressKind.SENSITIVITY) is None


def test_result_for_a_missing_run_is_refused(fresh_store):
    with pytest.raises(NotFoundError):
        fresh_store.stress_results.add(987654, StressKind.STRESS, "x", {})


def test_report_exports_the_runs_stress_results(tmp_path):
    """`fundsvc report` carries the stored stress and reverse-stress results (xlsx sheets, html sections)."""
    from typer.testing import CliRunner

    from fundsvc.cli.app import build_app
    from fundsvc.inputs.loader import load_scenario
    from fundsvc.settings import get_settings
    from fundsvc.simulation.service import simulate_and_store
    from fundsvc.store import Store

    with Store.open(get_settings(data_dir=tmp_path, database_url=None), upgrade=True) as store:
        run_id = simulate_and_store(store, load_scenario("scenarios/quick.toml"), paths=50, seed=2).run_id
        store.stress_results.add(run_id, StressKind.STRESS, "gfc_2008", {"rows": [
            {"stress": "gfc_2008", "figure": "guidance TVPI mean", "figure_zh": "引导基金TVPI均值", "unit": "x",
             "base": 1.5, "stressed": 1.2, "change": -0.3, "change_se": 0.02}]})
        store.stress_results.add(run_id, StressKind.REVERSE, "fund-loss", {
            "target": "guidance fund loss ratio (median)", "level": 0.4, "shift_sigma": -2.8, "window": "quarters 4–15",
            "mahalanobis_norm": 3.9, "checks": [{"label": "b", "shift_sigma": -2.8, "value": 0.45, "se": 0.1,
                                                  "breached": True}]})
    runner = CliRunner()
    for fmt in ("xlsx", "html"):
        out = tmp_path / f"r.{fmt}"
        res = runner.invoke(build_app(), ["report", str(run_id), "--period", "2027-Q1", "--format", fmt,
                                          "--out", str(out), "--data-dir", str(tmp_path)])
        assert res.exit_code == 0, res.output
    import openpyxl

    from fundsvc.catalogue import column_label

    wb = openpyxl.load_workbook(tmp_path / "r.xlsx", read_only=True)

    def cell(sheet: str, column: str):
        """The first data row's value under ``column`` (row 1 title, rows 2–3 zh/en headers)."""
        rows = list(wb[sheet].iter_rows(values_only=True))
        return rows[3][rows[2].index(column_label(column, "en"))]

    assert cell("stress_results", "change") == -0.3
    assert cell("reverse_stress", "shift_sigma") == -2.8
    text = (tmp_path / "r.html").read_text(encoding="utf-8")
    assert "<section id='stress_results'>" in text and "引导基金TVPI均值" in text
    assert "<section id='reverse_stress'>" in text
