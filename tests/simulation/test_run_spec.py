"""RunSpec (issue 10): paths, seed, chunk size and executor defaulted in one place."""

from __future__ import annotations

import pytest

from fundsvc.engine.sampling import DEFAULT_CHUNK_SIZE
from fundsvc.inputs import load_scenario
from fundsvc.simulation.spec import DEFAULT_FAN_PATHS, Executor, RunSpec


def test_defaults_come_from_the_scenario_and_one_table(scenarios_dir):
    s = load_scenario(scenarios_dir / "quick.toml").scenario
    spec = RunSpec.resolve(s)
    assert (spec.paths, spec.seed) == (s.simulation.paths, s.simulation.seed)
    assert (spec.chunk_size, spec.executor, spec.fan_paths) == (DEFAULT_CHUNK_SIZE, Executor.SERIAL, DEFAULT_FAN_PATHS)
    assert RunSpec.resolve(s, workers=3).executor is Executor.PROCESSES
    assert RunSpec.resolve(s, workers=3, dask_address="tcp://127.0.0.1:1").executor is Executor.DASK
    assert RunSpec.resolve(s, paths=10, seed=4).to_dict()["paths"] == 10


def test_fresh_seed_without_scenario_and_bad_values():
    a, b = RunSpec.resolve(paths=5), RunSpec.resolve(paths=5)
    assert a.seed != b.seed
    with pytest.raises(ValueError, match="depletion_target must lie strictly between 0 and 1"):
        RunSpec.resolve(paths=5, depletion_target=1.5)
    with pytest.raises(ValueError, match="chunk_size must be at least 1"):
        RunSpec.resolve(paths=5, chunk_size=0)
