"""Re-loading a run's scenario: from its file, else the --scenario fallback (same text only)."""

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
    assert assess_run(fresh_store, run.run_id).basis == "simulated"     # found at its recorded path
    (src / "quick.toml").unlink()
    with pytest.raises(FundsvcError, match="pass the scenario file with --scenario FILE"):
        assess_run(fresh_store, run.run_id)
    a = assess_run(fresh_store, run.run_id, scenario=ROOT / "scenarios" / "quick.toml")  # same text elsewhere
    assert a.scenario_name == "quick"
    with pytest.raises(InputError, match="is not the scenario run"):
        assess_run(fresh_store, run.run_id, scenario=ROOT / "scenarios" / "hangzhou_baseline.toml")
