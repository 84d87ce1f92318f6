"""Self-describing runs (issue 10): the resolved scenario, input hashes and compiled facts."""

from __future__ import annotations

import hashlib
from pathlib import Path

from polars.testing import assert_frame_equal

from fundsvc.assessment.facts import ScenarioFacts, scenario_facts
from fundsvc.inputs.loader import load_scenario
from fundsvc.simulation.service import simulate_and_store
from fundsvc.store.run_facts import scenario_sha256

ROOT = Path(__file__).resolve().parents[2]


def test_run_stores_resolved_scenario_hashes_and_facts(fresh_store):
    loaded = load_scenario(ROOT / "scenarios" / "quick.toml")
    run = simulate_and_store(fresh_store, loaded, paths=100, seed=3)
    rec = fresh_store.run_facts.get(run.run_id)
    assert rec.scenario() == loaded.scenario
    assert rec.scenario_sha256 == scenario_sha256(loaded.scenario)
    names = {i["name"]: i["sha256"] for i in rec.inputs}
    assert names["quick.toml"] == hashlib.sha256((ROOT / "scenarios" / "quick.toml").read_bytes()).hexdigest()
    assert names["data/quick_loans.csv"] == hashlib.sha256(
        (ROOT / "scenarios" / "data" / "quick_loans.csv").read_bytes()).hexdigest()
    assert not any(n.startswith("/") for n in names)
    back, direct = ScenarioFacts.from_dict(rec.facts), scenario_facts(loaded.scenario)
    assert_frame_equal(back.sub_funds, direct.sub_funds)
    assert_frame_equal(back.pools, direct.pools)
    assert back.cost_per_step == direct.cost_per_step and back.grid == direct.grid
    assert rec.facts["grids"]["venture"]["steps_per_year"] == 4
    assert rec.facts["grids"]["credit"]["steps_per_year"] == 1


def test_uploaded_scenario_hashes_its_text(fresh_store):
    """A scenario not read from files (a dashboard upload) records the hash of its text."""
    from fundsvc.inputs.loader import LoadedScenario

    loaded = load_scenario(ROOT / "scenarios" / "quick.toml")
    upload = LoadedScenario(scenario=loaded.scenario, path=Path("<upload>") / "mine.toml", text=loaded.text,
                            content_sha256="x", files=(), loan_book_path=None)
    run = simulate_and_store(fresh_store, upload, paths=50, seed=3)
    rec = fresh_store.run_facts.get(run.run_id)
    assert rec.inputs == [{"name": "mine.toml", "sha256": hashlib.sha256(loaded.text.encode()).hexdigest()}]
    assert rec.scenario() == loaded.scenario
