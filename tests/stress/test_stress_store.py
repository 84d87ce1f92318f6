"""Stress results stored with a run (SQLite, and PostgreSQL when configured)."""

import datetime as dt

import pytest

from fundsvc.errors import NotFoundError
from fundsvc.store.stress_results import StressKind


def test_results_round_trip_and_cascade(fresh_store):
    from fundsvc.simulation.service import simulate_and_store
    from fundsvc.inputs.loader import load_scenario

    stored = simulate_and_store(fresh_store, load_scenario("scenarios/quick.toml"), paths=20, seed=1)
    repo = fresh_store.stress_results
    a = repo.add(stored.run_id, StressKind.STRESS, "gfc_2008", {"rows": [{"figure": "x", "change": -0.1}]})
    b = repo.add(stored.run_id, StressKind.REVERSE, "fund-loss", {"shift_sigma": -2.5, "checks": []})
    assert a.created_at <= dt.datetime.now(dt.UTC)
    assert [r.name for r in repo.list(stored.run_id)] == ["gfc_2008", "fund-loss"]
    assert [r.id for r in repo.list(stored.run_id, StressKind.REVERSE)] == [b.id]
    assert repo.list(stored.run_id)[0].content == {"rows": [{"figure": "x", "change": -0.1}]}
    fresh_store.runs.delete(stored.run_id, force=True)
    assert repo.list(stored.run_id) == []


def test_result_for_a_missing_run_is_refused(fresh_store):
    with pytest.raises(NotFoundError):
        fresh_store.stress_results.add(987654, StressKind.STRESS, "x", {})
