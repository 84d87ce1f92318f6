"""A progress bar that moves (issue 16 item 5): a one-chunk run reports its steps — market,
venture and credit within the chunk, the merge stages, storing — as a fraction of the run's work
that never goes back; the results are bit-identical with or without the reports."""

from __future__ import annotations

import pytest
from polars.testing import assert_frame_equal
from typer.testing import CliRunner


@pytest.fixture(scope="module")
def quick(scenarios_dir):
    from fundsvc.inputs.loader import load_scenario

    return load_scenario(scenarios_dir / "quick.toml")


def _same(a, b):
    ta, tb = a.tables(), b.tables()
    assert set(ta) == set(tb)
    for k in ta:
        assert_frame_equal(ta[k], tb[k], check_exact=True)
    aa, ab = a.arrays(), b.arrays()
    assert set(aa) == set(ab)
    for k in aa:
        assert_frame_equal(aa[k], ab[k], check_exact=True)


def test_one_chunk_run_moves_and_results_are_unchanged(quick):
    from fundsvc.simulation.compiled import compile_scenario
    from fundsvc.simulation.runner import run_simulation

    compiled = compile_scenario(quick.scenario)
    kw = {"paths": 300, "seed": 11, "chunk_size": 10_000, "depletion_target": 0.05}
    seen, chunks = [], []
    with_steps = run_simulation(compiled, steps=lambda stage, f: seen.append((stage, f)),
                                progress=lambda d, n: chunks.append((d, n)), **kw)
    assert chunks == [(1, 1)]  # one chunk: the chunk count alone goes 0/1 -> 1/1
    fractions = [f for _, f in seen]
    assert len(seen) > 2 and fractions == sorted(fractions) and fractions[0] == 0 < fractions[1] < 0.1
    assert fractions[-1] == pytest.approx(1.0)
    # each report names the stage running next
    stages = [s for s, _ in seen]
    assert stages[:4] == ["chunk 1/1: market", "chunk 1/1: venture", "chunk 1/1: credit", "chunk 1/1: reducing"]
    assert stages[4:] == ["summaries", "pool sizing", "pool sizing", "headlines", "finishing"]
    # hand-worked from the weights: the chunk done is 1 / (1 + 0.42 + 0.75 + 0.02) of the work
    assert seen[4][1] == pytest.approx(1 / 2.19)
    _same(with_steps, run_simulation(compiled, **kw))  # bit-identical without the reports


def test_multi_chunk_steps_monotone():
    from fundsvc.engine.sampling import Chunk
    from fundsvc.simulation.runner import RunSteps

    seen = []
    steps = RunSteps(lambda s, f: seen.append(f), 2, sizing=False)
    for i in range(2):
        c = Chunk(index=i, start=100 * i, stop=100 * (i + 1))
        for name in ("market", "venture", "credit"):
            steps.chunk_step(c, name)
        steps.chunk_done(i + 1)
    steps.merge("summaries", 1.0)
    steps.merge("headlines", 1.0)
    assert seen == sorted(seen) and seen[-1] == pytest.approx(1.0) and len(seen) == 10
    assert seen[2] == pytest.approx(0.97 / 2 / 1.44)  # first chunk's credit side, no pool sizing


def test_stored_run_ends_with_storing(quick, tmp_path):
    from fundsvc.settings import get_settings
    from fundsvc.simulation.service import STORE_SHARE, simulate_and_store
    from fundsvc.store import Store

    seen = []
    with Store.open(get_settings(data_dir=tmp_path, database_url=None), upgrade=True) as store:
        simulate_and_store(store, quick, paths=200, seed=5, steps=lambda s, f: seen.append((s, f)))
    assert seen[-2:] == [("storing", 1 - STORE_SHARE), ("stored", 1.0)]
    assert [f for _, f in seen] == sorted(f for _, f in seen)


def test_cli_bar_shows_the_stage_and_percentage(tmp_path):
    from fundsvc.cli.app import build_app

    res = CliRunner().invoke(build_app(), ["simulate", "quick", "--paths", "300", "--seed", "3",
                                           "--data-dir", str(tmp_path)], env={"COLUMNS": "80", "TERM": "dumb"})
    assert res.exit_code == 0, res.output
    line = next(ln for ln in res.output.splitlines() if ln.startswith("simulating"))
    assert "100%" in line and "stored" in line and len(line) <= 80
