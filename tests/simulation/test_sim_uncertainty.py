"""Error columns of a run's tables, headline intervals and ``precision=`` (sequential stopping)."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest
from polars.testing import assert_frame_equal

import fundsvc
from fundsvc.engine.sampling import chunk_plan
from fundsvc.metrics.uncertainty import z_value
from fundsvc.simulation.precision import PrecisionLog, next_batch_size, sequential_batches
from fundsvc.simulation.uncertainty import Headline, headline_table


@pytest.fixture(scope="module")
def run():
    return fundsvc.simulate("quick", paths=2000, seed=3, chunk_size=500)


def test_equity_summary_carries_error_columns(run):
    """Every percentile has a 95 % interval that contains it; means have standard errors that
    equal s / sqrt(n) recomputed from the path table; P(loss) has its binomial s.e."""
    s = run.equity_summary()
    for m in ("tvpi", "dpi", "irr"):
        for q in ("p5", "p25", "p50", "p75", "p95"):
            assert (s[f"{m}_{q}_lo"] <= s[f"{m}_{q}"]).all() and (s[f"{m}_{q}"] <= s[f"{m}_{q}_hi"]).all()
        assert (s[f"{m}_mean_se"] > 0).all()
    g = run.equity_paths.filter(pl.col("entity") == "guidance")["tvpi"].to_numpy()
    row = s.filter(pl.col("entity") == "guidance").row(0, named=True)
    assert row["tvpi_mean"] == pytest.approx(g.mean(), rel=1e-12)
    assert row["tvpi_mean_se"] == pytest.approx(g.std(ddof=1) / np.sqrt(g.size), rel=1e-12)
    p = row["p_loss"]
    assert row["p_loss_se"] == pytest.approx(np.sqrt(p * (1 - p) / g.size), rel=1e-12)


def test_loss_measures_and_pools_carry_errors(run):
    lm = run.credit_tables["loss_measures"]
    assert {"se", "lo", "hi"} <= set(lm.columns)
    assert (lm["lo"] <= lm["value"]).all() and (lm["value"] <= lm["hi"]).all()
    banks = lm.filter((pl.col("entity") == "banks") & (pl.col("window") == "horizon"))
    el = banks.filter(pl.col("measure") == "el").row(0, named=True)
    x = run.credit_paths.filter(pl.col("entity") == "banks")["loss_horizon"].to_numpy()
    assert el["se"] == pytest.approx(x.std(ddof=1) / np.sqrt(x.size), rel=1e-10)
    ps = run.credit_tables["pool_summary"]
    assert {"payouts_mean_se", "payouts_p95_lo", "payouts_p95_hi", "p_depleted_lo", "p_depleted_hi"} <= set(ps.columns)
    assert "headlines" in run.tables()


def test_streamed_and_in_memory_error_columns_agree(scenarios_dir):
    """The error columns come from the venture side's one summary formula: a streamed run
    (per-path columns memory-mapped from the spool) and an in-memory run give the same values,
    and they agree with the formula applied to the stored path table."""
    from fundsvc.inputs import load_scenario
    from fundsvc.simulation import compile_scenario, run_simulation
    from fundsvc.simulation.registry import SUMMARY_QUANTILE_NAMES, SUMMARY_QUANTILES
    from fundsvc.simulation.sides.venture import irr_with_total_loss
    from fundsvc.simulation.uncertainty import equity_error_frame

    compiled = compile_scenario(load_scenario(scenarios_dir / "quick.toml").scenario)
    a = run_simulation(compiled, paths=1000, seed=5, chunk_size=500, keep_paths_in_memory=True)
    s = run_simulation(compiled, paths=1000, seed=5, chunk_size=500, keep_paths_in_memory=False)
    try:
        b, c = a.equity_summary(), s.equity_summary()
    finally:
        s.discard_spool()
    cols = [col for col in b.columns if col.endswith(("_se", "_lo", "_hi", "_mean"))]
    assert cols and set(cols) <= set(c.columns)
    assert_frame_equal(b.select(cols), c.select(cols), check_exact=True)
    direct = equity_error_frame(irr_with_total_loss(a.equity_paths), SUMMARY_QUANTILES, SUMMARY_QUANTILE_NAMES)
    assert_frame_equal(b.select(cols), direct.select(cols), check_exact=False, rel_tol=1e-12)


def test_engine_intervals_cover_over_independent_path_groups(run):
    """Engine-level coverage: the 2,000 guidance TVPI paths split into 40 independent groups of
    50 (independent chunk seeds); each group's 95 % interval for the median is checked against
    the median of the other 1,950 paths. Measured: 39 of 40 (97.5 %); must be >= 85 % (40
    groups: a coverage of 95 % gives >= 34 hits with probability 0.99)."""
    from fundsvc.metrics.uncertainty import quantile_interval

    g = run.equity_paths.filter(pl.col("entity") == "guidance").sort("path")["tvpi"].to_numpy()
    groups = g.reshape(40, 50)
    hits = 0
    for i, x in enumerate(groups):
        rest = np.delete(groups, i, axis=0).ravel()
        lo, hi = quantile_interval(x, 0.5)
        hits += lo <= np.median(rest) <= hi
    assert hits >= 34, hits


# ---------------------------------------------------------------- --precision
def test_precision_stops_at_the_known_answer():
    """Known answer: the mean of N(1, 0.5²) to ±1 % (95 %) needs n = (1.96·0.5/0.01)² = 9,604
    paths; with chunks of 1,000 the rule must stop at exactly 10,000 (the first chunk boundary
    past 9,604: at 9,000 the half-width is 1.96·0.5/sqrt(9000) = 1.033 % > 1 %)."""
    rng = np.random.default_rng(0)
    data = rng.normal(1.0, 0.5, 50_000)
    chunks = chunk_plan(50_000, 1000)
    done = {"n": 0}
    head = (Headline("mean", "x", "mean"),)

    def measure():
        return headline_table(lambda key: data[: done["n"]], head)

    log = PrecisionLog(0.01, 50_000)
    for batch in sequential_batches(chunks, measure, log, lambda: done["n"]):
        done["n"] += sum(c.size for c in batch)
    assert log.reached
    assert log.paths_used == 10_000
    assert log.checks[-1][2] <= 0.01 < log.checks[-2][2]
    assert 1.96 * 0.5 / np.sqrt(9000) > 0.01 > 1.96 * 0.5 / np.sqrt(10_000)


def test_next_batch_size_rule():
    """(w/target)² growth rounded down to chunks, at least one chunk, at most doubling."""
    assert next_batch_size(1000, 0.02, 0.01, 100) == 10        # would need 4,000: capped at 2,000
    assert next_batch_size(10_000, 0.0101, 0.01, 100) == 2     # 10,000·1.0201 = 10,201: 2 chunks
    assert next_batch_size(1000, 0.0099, 0.01, 100) == 1       # at least one chunk
    assert next_batch_size(1000, float("inf"), 0.01, 100) == 10


def test_simulate_to_precision_matches_a_fixed_run():
    """``fundsvc.simulate(precision=0.2)`` on the quick scenario stops when every headline in the
    stopping rule is within ±20 % (not before), and the result is bit-identical to a fixed run
    with the paths it used."""
    r = fundsvc.simulate("quick", paths=20_000, seed=3, chunk_size=250, precision=0.2)
    log = r.precision
    assert log["reached"][-1] and r.n_paths == log["paths"][-1] < 20_000
    assert log["worst_rel_half_width"][-1] <= 0.2 < log["worst_rel_half_width"][-2]
    stops = r.headlines.filter(pl.col("in_stopping_rule"))
    assert (stops["rel_half_width"] <= 0.2).all()
    fixed = fundsvc.simulate("quick", paths=r.n_paths, seed=3, chunk_size=250)
    assert_frame_equal(fixed.headlines, r.headlines)
    assert_frame_equal(fixed.equity_summary(), r.equity_summary())


def test_headline_interval_is_mean_plus_minus_z_se():
    x = np.array([1.0, 2.0, 3.0, 4.0])
    t = headline_table(lambda k: x, (Headline("m", "x", "mean"),))
    row = t.row(0, named=True)
    se = x.std(ddof=1) / 2
    assert row["lo"] == pytest.approx(2.5 - z_value() * se) and row["hi"] == pytest.approx(2.5 + z_value() * se)
