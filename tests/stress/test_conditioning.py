"""Imposed market conditions: exact windows, exact conditional moments, shifts, regime bridge.

Statistical tolerances are ``Z = 4.5`` standard errors of the estimate at the fixed seed, so a
model error fails and Monte Carlo noise does not. The closed forms are those of a stationary
Gaussian AR(1) with per-step coefficient φ (e.g. Hamilton, *Time Series Analysis*, 1994, §3.4):
given ``X_a = x``, ``X_{a+h}`` and — by time reversibility of a stationary Gaussian AR(1) —
``X_{a-h}`` are N(φʰ x, 1 − φ²ʰ).
"""

import datetime as dt

import numpy as np
import pytest

from fundsvc.engine.conditioning import FREE, compile_conditions, simulate_regime_forced
from fundsvc.engine.factors import _simulate_regime, simulate_market
from models import MarketModel, Regime
from models.market import ExitRegimeModel, RegimeTilt
from models.stress import FactorImposition

N = 20_000
Z = 4.5
T = 48
START = dt.date(2026, 1, 1)
MARKET = MarketModel(persistence=0.6)
PHI = 0.6**0.25


def _cond(*imps, market=MARKET):
    return compile_conditions(market, list(imps), START, T)


def _tc(value, start=dt.date(2028, 1, 1), quarters=12, mode="path"):
    return FactorImposition(factor="tech_cycle", start=start, quarters=quarters, value=value, mode=mode)


@pytest.fixture(scope="module")
def conditioned():
    cs = _cond(_tc(-2.0))  # steps 8..19
    return simulate_market(MARKET, N, T, 4, np.random.default_rng(5), cs)


def test_imposed_path_appears_exactly_in_every_path(conditioned):
    assert np.allclose(conditioned.tech_cycle[:, 8:20], -2.0, atol=1e-9)


def test_conditional_moments_after_and_before_the_window(conditioned):
    for h in (1, 4, 8):
        for col in (19 + h, 8 - h):
            x = conditioned.tech_cycle[:, col]
            mean, var = -2.0 * PHI**h, 1 - PHI ** (2 * h)
            assert abs(x.mean() - mean) < Z * np.sqrt(var / N), (col, x.mean(), mean)
            assert abs(x.var() - var) < Z * var * np.sqrt(2 / N), (col, x.var(), var)


def test_sector_factors_follow_the_imposed_cycle(conditioned):
    """Inside the window S_k = b_k·(−2) + sqrt(1 − b_k²)·E_k with E_k still N(0, 1)."""
    b = np.array([MARKET.tech_cycle_loading[s] for s in MARKET.sectors])
    x = conditioned.sector[:, 12, :]
    assert np.all(np.abs(x.mean(axis=0) - (-2.0 * b)) < Z * np.sqrt((1 - b**2) / N))
    assert np.all(np.abs(x.var(axis=0) - (1 - b**2)) < Z * (1 - b**2) * np.sqrt(2 / N))


def test_sector_and_index_paths_are_exact():
    cs = _cond(
        FactorImposition(factor="sector", sector="biomedicine", start=dt.date(2027, 4, 1), quarters=4, value=-1.5),
        FactorImposition(factor="public_index", start=dt.date(2026, 7, 1), quarters=8, value=-0.4),
    )
    p = simulate_market(MARKET, 500, T, 4, np.random.default_rng(2), cs)
    k = MARKET.sectors.index("biomedicine")
    assert np.allclose(p.sector[:, 5:9, k], -1.5, atol=1e-9)
    ratio = p.index_level[:, 3:11] / p.index_level[:, 2:10]  # eight equal quarterly falls
    assert np.allclose(ratio, 0.6 ** (1 / 8), rtol=1e-9)


def test_mean_mode_fixes_the_window_average_only():
    p = simulate_market(MARKET, 2_000, T, 4, np.random.default_rng(3), _cond(_tc(-1.0, mode="mean")))
    assert np.allclose(p.tech_cycle[:, 8:20].mean(axis=1), -1.0, atol=1e-9)
    assert p.tech_cycle[:, 8:20].std(axis=1).mean() > 0.1  # the path inside stays random


def test_shift_moves_the_window_by_exactly_the_shift_on_common_random_numbers():
    base = simulate_market(MARKET, 1_000, T, 4, np.random.default_rng(4))
    zero = simulate_market(MARKET, 1_000, T, 4, np.random.default_rng(4), _cond(_tc(0.0, mode="shift")))
    down = simulate_market(MARKET, 1_000, T, 4, np.random.default_rng(4), _cond(_tc(-2.0, mode="shift")))
    assert np.array_equal(base.tech_cycle, zero.tech_cycle) or np.allclose(base.tech_cycle, zero.tech_cycle, atol=1e-12)
    assert np.allclose(down.tech_cycle[:, 8:20] - base.tech_cycle[:, 8:20], -2.0, atol=1e-9)
    # outside the window the shift decays but every factor value is lower on every path
    assert np.all(down.tech_cycle < base.tech_cycle + 1e-12)
    assert np.all(down.sector < base.sector + 1e-12)
    assert np.all(down.index_level[:, 1:] < base.index_level[:, 1:])


def test_no_conditions_gives_the_unconditioned_draws():
    a = simulate_market(MARKET, 300, T, 4, np.random.default_rng(9))
    b = simulate_market(MARKET, 300, T, 4, np.random.default_rng(9), None)
    assert np.array_equal(a.tech_cycle, b.tech_cycle) and np.array_equal(a.regime, b.regime)


def test_overlapping_paths_are_refused():
    with pytest.raises(ValueError, match="overlap"):
        _cond(_tc(-2.0), _tc(-1.0, start=dt.date(2028, 4, 1), quarters=2))


# -- regime ---------------------------------------------------------------------------------


def test_forced_regime_appears_exactly_and_free_bridge_equals_the_free_chain():
    rng = np.random.default_rng(6)
    tc = rng.standard_normal((2_000, T))
    u0, u = rng.random(2_000), rng.random((2_000, T))
    free = _simulate_regime(MARKET, tc, u0, u, 4)
    same = _simulate_regime(MARKET, tc, u0, u, 4, np.full(T, FREE, dtype=np.int8))
    assert np.array_equal(free, same)
    forced = np.full(T, FREE, dtype=np.int8)
    forced[10:18] = 2
    reg = _simulate_regime(MARKET, tc, u0, u, 4, forced)
    assert np.all(reg[:, 10:18] == 2)
    assert np.array_equal(reg[:, :0], free[:, :0])


def test_regime_bridge_matches_bayes_rule():
    """With no factor link, P(R_{a-1} = j | R_a = cold) = π_{a-1}(j) T(j, cold) / π_a(cold)."""
    cfg = ExitRegimeModel(tech_cycle_link=0.0)
    market = MarketModel(regime=cfg)
    trans = np.array(cfg.transition)
    p0 = np.array([cfg.initial[r] for r in (Regime.HOT, Regime.NORMAL, Regime.COLD)])
    a, n = 6, 40_000
    pi_prev = p0 @ np.linalg.matrix_power(trans, a)  # law of R_{a-1} (R_{-1} ~ p0)
    expect = pi_prev * trans[:, 2] / (pi_prev @ trans[:, 2])

    def kernel(t):
        return np.broadcast_to(trans, (n, 3, 3))

    forced = np.full(12, FREE, dtype=np.int8)
    forced[a] = 2
    rng = np.random.default_rng(8)
    reg = simulate_regime_forced(kernel, p0, forced, rng.random(n), rng.random((n, 12)))
    got = np.bincount(reg[:, a - 1], minlength=3) / n
    assert np.all(np.abs(got - expect) < Z * np.sqrt(expect * (1 - expect) / n))
    del market


def test_one_sided_tilt_ignores_a_good_cycle_and_penalises_a_bad_one():
    n = 20_000
    rng = np.random.default_rng(12)
    u0, u = rng.random(n), rng.random((n, 8))
    one = MarketModel(regime=ExitRegimeModel(tech_cycle_link=1.0))
    sym = MarketModel(regime=ExitRegimeModel(tech_cycle_link=1.0, tilt=RegimeTilt.SYMMETRIC))
    flat = MarketModel(regime=ExitRegimeModel(tech_cycle_link=0.0))
    good, bad = np.full((n, 8), 1.5), np.full((n, 8), -1.5)
    assert np.array_equal(_simulate_regime(one, good, u0, u, 4), _simulate_regime(flat, good, u0, u, 4))
    hot_sym = (_simulate_regime(sym, good, u0, u, 4) == 0).mean()
    hot_flat = (_simulate_regime(flat, good, u0, u, 4) == 0).mean()
    assert hot_sym > hot_flat + 0.05  # the old symmetric tilt pushes towards hot markets
    cold_bad = (_simulate_regime(one, bad, u0, u, 4) == 2).mean()
    hot_bad = (_simulate_regime(one, bad, u0, u, 4) == 0).mean()
    assert cold_bad > (_simulate_regime(flat, bad, u0, u, 4) == 2).mean() + 0.05
    assert hot_bad < (_simulate_regime(flat, bad, u0, u, 4) == 0).mean() - 0.02


def test_bad_impositions_name_the_field():
    from pydantic import ValidationError

    from fundsvc.inputs.loader import load_scenario
    from models.scenario import CrossReferenceError
    from models.stress import StressImposition

    with pytest.raises(ValidationError, match="needs `value_regime`"):
        FactorImposition(factor="regime", start=START, quarters=2)
    with pytest.raises(ValidationError, match="must be > -1"):
        StressImposition(factor="public_index", quarters=2, value=-1.5)
    quick = load_scenario("scenarios/quick.toml").scenario
    data = quick.model_dump()
    data["market_conditions"] = [_tc(-1.0, start=dt.date(2090, 1, 1)).model_dump()]
    with pytest.raises((CrossReferenceError, ValidationError),
                       match=r"market_conditions\.0\.start: 2090-01-01 is outside the simulated period"):
        type(quick).model_validate(data)
