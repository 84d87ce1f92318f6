"""Fixtures of the dashboard tests: one small stored run of ``scenarios/quick.toml`` per session."""

from __future__ import annotations

from dataclasses import dataclass

import pytest


@dataclass(frozen=True)
class QuickRun:
    store: object
    run_id: int
    scenario: object


@pytest.fixture(scope="session")
def quick_run(tmp_path_factory, scenarios_dir) -> QuickRun:
    """``quick.toml`` simulated once (2,000 paths, its own seed) into a session SQLite store."""
    from fundsvc.inputs.loader import load_scenario
    from fundsvc.settings import get_settings
    from fundsvc.simulation.service import simulate_and_store
    from fundsvc.store import Store

    settings = get_settings(data_dir=tmp_path_factory.mktemp("dash-store"), database_url=None)
    store = Store.open(settings, upgrade=True)
    loaded = load_scenario(scenarios_dir / "quick.toml")
    stored = simulate_and_store(store, loaded, paths=2000, depletion_target=0.05)
    yield QuickRun(store, stored.run_id, loaded.scenario)
    store.engine.dispose()


@pytest.fixture
def dash_app(quick_run):
    """A fresh app reading the session store."""
    from dashboards.app import create_app

    app = create_app(lambda: quick_run.store)
    yield app
    app.fundsvc_whatifs.shutdown()  # the warm what-if process, if a test started it
