"""The output contract (issue 10): every registered table comes from one formula, whether the
run is held in memory, streamed to disk, or a single chunk evaluated directly by its side."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest
from polars.testing import assert_frame_equal

from fundsvc.credit.engine.outputs import (
    cover_reliability,
    lending_pauses,
    loss_measures,
    pool_summary,
    summarise_credit,
)
from fundsvc.engine.sampling import Chunk, normalise_seed
from fundsvc.inputs import load_scenario
from fundsvc.simulation import compile_scenario, run_simulation
from fundsvc.simulation.chunk import run_chunk
from fundsvc.simulation.contract import Columns, reduce_one
from fundsvc.simulation.registry import TABLES, Side, TableKind, TableName, check_table
from fundsvc.simulation.sides import SIDES

KW = {"paths": 600, "seed": 5, "chunk_size": 200, "fan_paths": 300, "depletion_target": 0.2}


@pytest.fixture(scope="module")
def compiled(scenarios_dir):
    return compile_scenario(load_scenario(scenarios_dir / "quick.toml").scenario)


def _all_tables(result) -> dict[TableName, pl.DataFrame]:
    out = {TableName(k): v for k, v in result.tables().items()}
    out.update({TableName(k): v for k, v in result.arrays().items()})
    return out


@pytest.fixture(scope="module")
def both(compiled):
    mem = run_simulation(compiled, keep_paths_in_memory=True, **KW)
    streamed = run_simulation(compiled, keep_paths_in_memory=False, **KW)
    try:
        yield _all_tables(mem), _all_tables(streamed)
    finally:
        streamed.discard_spool()


@pytest.fixture(scope="module")
def both_precision(compiled):
    """A ``precision=`` run (issue 13): the only way the ``precision`` table is produced."""
    kw = {**KW, "precision": 0.5}
    mem = run_simulation(compiled, keep_paths_in_memory=True, **kw)
    streamed = run_simulation(compiled, keep_paths_in_memory=False, **kw)
    try:
        yield _all_tables(mem), _all_tables(streamed)
    finally:
        streamed.discard_spool()


def test_every_registered_table_is_produced_with_its_schema(both, both_precision):
    mem, _ = both
    assert set(mem) == set(TABLES) - {TableName.PRECISION}  # precision: only for a precision= run
    assert TableName.PRECISION in both_precision[0]
    check_table(TableName.PRECISION, both_precision[0][TableName.PRECISION])
    for name, frame in mem.items():
        check_table(name, frame)
        assert frame.height > 0, name


@pytest.mark.parametrize("name", list(TableName))
def test_in_memory_and_streamed_runs_give_identical_tables(both, name, request):
    mem, streamed = request.getfixturevalue("both_precision") if name is TableName.PRECISION else both
    assert_frame_equal(mem[name], streamed[name], check_exact=True)


def test_single_chunk_direct_equals_the_reducer(compiled):
    """A run of one chunk through the reducer gives exactly what the side's ``tables`` gives on
    that chunk's columns directly — and the credit engine's single-chunk functions agree."""
    n, fan = 300, 300
    res = run_simulation(compiled, paths=n, seed=9, chunk_size=n, fan_paths=fan)
    out = run_chunk(compiled, normalise_seed(9), Chunk(0, 0, n), fan)
    reduced = _all_tables(res)
    for side_name, side in SIDES.items():
        model = compiled.models[side_name]
        cols = reduce_one(side, out.columns[side_name], fan)
        direct = side.tables(model, cols, TableKind.SUMMARY)
        direct.update(side.tables(model, Columns(out.columns[side_name], n), TableKind.PATHS))
        for name, frame in direct.items():
            assert_frame_equal(frame, reduced[name], check_exact=True)
    # the engine's single-chunk functions are the same formulas
    credit = SIDES[Side.CREDIT]
    ch, _ = credit.simulate(compiled.credit, _market(compiled, 9, n), normalise_seed(9), Chunk(0, 0, n))
    assert_frame_equal(loss_measures(ch), reduced[TableName.CREDIT_LOSS_MEASURES], check_exact=True)
    assert_frame_equal(pool_summary(ch), reduced[TableName.CREDIT_POOL_SUMMARY], check_exact=True)
    assert_frame_equal(summarise_credit(ch), reduced[TableName.CREDIT_PATHS], check_exact=True)
    assert_frame_equal(cover_reliability(ch), reduced[TableName.CREDIT_COVER_RELIABILITY], check_exact=True)
    assert_frame_equal(lending_pauses(ch), reduced[TableName.CREDIT_LENDING_PAUSES], check_exact=True)


def _market(compiled, seed, n):
    from fundsvc.engine.factors import simulate_market
    from fundsvc.engine.sampling import Component, stream

    g = compiled.grid
    return simulate_market(compiled.scenario.market, n, g.n_steps, g.steps_per_year,
                           stream(normalise_seed(seed), 0, Component.FACTORS))


def test_registry_rejects_a_drifted_table():
    frame = pl.DataFrame({"pool": ["a"], "year": [1]})
    with pytest.raises(ValueError, match="credit_depletion_by_year"):
        check_table(TableName.CREDIT_DEPLETION_BY_YEAR, frame)
    assert np.all([t.spec.name is t for t in TableName])
