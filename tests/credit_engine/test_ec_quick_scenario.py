"""End to end on scenarios/quick.toml: compile_credit → chunk kernel (shared factors) → outputs."""

from pathlib import Path

import numpy as np
import polars as pl
import pytest

from fundsvc.credit.engine import compile_credit, concat_chunks, simulate_credit_chunk
from fundsvc.credit.engine.outputs import (
    LEVELS,
    depletion_by_year,
    loss_measures,
    pool_fans,
    pool_summary,
    summarise_credit,
)
from fundsvc.engine.factors import simulate_market
from fundsvc.engine.sampling import Component, chunk_plan, stream
from fundsvc.inputs import load_scenario

QUICK = Path(__file__).resolve().parents[2] / "scenarios" / "quick.toml"


@pytest.fixture(scope="module")
def quick():
    sc = load_scenario(QUICK).scenario
    model = compile_credit(sc)
    seed = 7
    chunks = []
    for ch in chunk_plan(600, 300):
        market = simulate_market(sc.market, ch.size, 4 * sc.simulation.horizon_years, 4,
                                 stream(seed, ch.index, Component.FACTORS))
        chunks.append(simulate_credit_chunk(model, market, seed, ch.index, record_defaults=True))
    return sc, model, chunks


def test_compiles_the_quick_book(quick):
    sc, model, _ = quick
    assert model.book.n_loans >= 1
    assert model.n_steps == sc.simulation.horizon_years
    assert model.pool_ids == ("city-ip",)
    assert model.pools[0].programme is not None


def test_chunk_outputs_are_consistent(quick):
    _, _model, chunks = quick
    ch = concat_chunks(chunks)
    assert ch.n_paths == 600
    d = ch.defaults
    np.testing.assert_allclose(d.bank + d.pool + d.guarantor + d.insurer + d.recovery, d.exposure, atol=1e-6)
    assert d.path.max() < 600
    np.testing.assert_allclose(ch.total_loss.sum(), (d.exposure - d.recovery).sum(), rtol=1e-9)
    assert np.all(ch.pool_payout <= ch.pool_balance[:, :, :-1] + 1e-6)
    assert ch.pool_new_lending.sum() > 0


def test_tables(quick):
    _, _, chunks = quick
    ch = concat_chunks(chunks)
    lm = loss_measures(ch)
    assert set(lm["entity"]) >= {"total", "banks", "guarantor", "insurer", "pool:city-ip"}
    tot = lm.filter((pl.col("entity") == "total") & (pl.col("window") == "horizon"))
    var = tot.filter(pl.col("measure") == "var").sort("level")["value"].to_numpy()
    es = tot.filter(pl.col("measure") == "es").sort("level")["value"].to_numpy()
    assert len(var) == len(LEVELS) and np.all(np.diff(var) >= 0) and np.all(es >= var - 1e-9)
    el = tot.filter(pl.col("measure") == "el")["value"][0]
    assert el == pytest.approx(ch.total_loss.sum(axis=1).mean())
    fans = pool_fans(ch)
    assert fans.height == 4 * 5 * ch.n_steps
    dep = depletion_by_year(ch)
    p = dep["p_depleted_by"].to_numpy()
    assert np.all(np.diff(p) >= 0) and dep.height == ch.n_steps
    ps = pool_summary(ch)
    assert ps["initial_balance"][0] == 20_000_000
    s = summarise_credit(ch)
    assert s.filter(pl.col("entity") == "total").height == 600
    assert {"loss_year_1", "loss_horizon", "depleted", "fiscal_cost", "leverage"} <= set(s.columns)


def test_credit_grid_conversion_and_errors(quick):
    sc, model, _ = quick
    from fundsvc.errors import InputError

    short = simulate_market(sc.market, 10, 8, 4, stream(1, 0, Component.FACTORS))
    with pytest.raises(InputError, match="credit steps"):
        simulate_credit_chunk(model, short, 1, 0)
    quarterly = compile_credit(sc, steps_per_year=4)
    annual = simulate_market(sc.market, 10, 12, 1, stream(1, 0, Component.FACTORS))
    with pytest.raises(InputError, match="steps a year"):
        simulate_credit_chunk(quarterly, annual, 1, 0)
    mk = simulate_market(sc.market, 50, 48, 4, stream(1, 0, Component.FACTORS))
    q = simulate_credit_chunk(quarterly, mk, 1, 0, record_defaults=True)
    assert q.n_steps == 48
    d = q.defaults
    np.testing.assert_allclose(d.bank + d.pool + d.guarantor + d.insurer + d.recovery, d.exposure, atol=1e-6)
