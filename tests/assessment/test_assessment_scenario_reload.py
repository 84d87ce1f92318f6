"""Re-loading a run's scenario: a run stores its resolved scenario (issue 10), so moving or deleting
the file does not matter; a --scenario file must resolve to the same scenario. Runs stored
without facts (before migration 0002) still need the file when their text references others."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from fundsvc.assessment import assess_run
from fundsvc.errors import FundsvcError, InputError
from fundsvc.inputs.loader import load_scenario
from fundsvc.simulation.service import simulate_and_store

ROOT = Path(__file__).resolve().parents[2]


def test_moved_scenario_needs_the_file_and_only_the_same_one(fresh_store, tmp_path):
    src = tmp_path / "scen"
    shutil.copytree(ROOT / "scenarios" / "profiles", src / "profiles")
    (src / "data").mkdir()
    shutil.copy(ROOT / "scenarios" / "data" / "quick_loans.csv", src / "data")
    shutil.copy(ROOT / "scenarios" / "quick.toml", src / "quick.toml")
    run = simulate_and_store(fresh_store, load_scenario(src / "quick.toml"), paths=200, seed=1)
    first = assess_run(fresh_store, run.run_id)
    assert first.basis == "simulated"
    shutil.rmtree(src)                                                   # every input file gone
    again = assess_run(fresh_store, run.run_id)                          # self-describing run
    assert again.tables()["scorecard"].equals(first.tables()["scorecard"])
    a = assess_run(fresh_store, run.run_id, scenario=ROOT / "scenarios" / "quick.toml")  # same scenario elsewhere
    assert a.scenario_name == "quick"
    with pytest.raises(InputError, match="is not the scenario run"):
        assess_run(fresh_store, run.run_id, scenario=ROOT / "scenarios" / "hangzhou_baseline.toml")


def test_run_without_facts_needs_the_file_and_only_the_same_one(fresh_store, tmp_path):
    """A run stored before migration 0002 (no facts row) is not re-read from its recorded path."""
    import sqlalchemy as sa

    from fundsvc.store.tables import RunFacts

    run = simulate_and_store(fresh_store, load_scenario(ROOT / "scenarios" / "quick.toml"), paths=200, seed=1)
    with fresh_store.session() as session:
        session.execute(sa.delete(RunFacts).where(RunFacts.run_id == run.run_id))
    with pytest.raises(FundsvcError, match="pass the scenario file with --scenario FILE"):
        assess_run(fresh_store, run.run_id)
    a = assess_run(fresh_store, run.run_id, scenario=ROOT / "scenarios" / "quick.toml")
    assert a.scenario_name == "quick"
    with pytest.raises(InputError, match="is not the scenario run"):
        assess_run(fresh_store, run.run_id, scenario=ROOT / "scenarios" / "hangzhou_baseline.toml")
