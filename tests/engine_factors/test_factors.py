"""Shared market factors: marginals, correlation, persistence, regime, index, aggregation.

Statistical tolerances are set from the standard error of each estimate (n paths, z = 4.5),
so the checks fail on a real model error but not on Monte Carlo noise with this fixed seed.
"""

import numpy as np
import pytest

from fundsvc.engine.factors import simulate_market
from fundsvc.engine.sampling import Component, stream
from models import MarketModel
from models.market import ExitRegimeModel, PublicIndex

N = 40_000
Z = 4.5


@pytest.fixture(scope="module")
def paths():
    market = MarketModel(
        tech_cycle_loading={s: b for s, b in zip(MarketModel().sectors, (0.3, 0.5, 0.6, 0.7, 0.8, 0.4))},
        persistence=0.6,
    )
    return market, simulate_market(market, N, 40, 4, np.random.default_rng(11))


def test_shapes(paths):
    market, p = paths
    assert p.tech_cycle.shape == (N, 40)
    assert p.sector.shape == (N, 40, len(market.sectors))
    assert p.regime.shape == (N, 40) and p.regime.dtype == np.int8
    assert p.index_level.shape == (N, 41)
    assert np.all(p.index_level[:, 0] == market.public_index.initial_level)


def test_marginals_standard_normal(paths):
    _, p = paths
    for t in (0, 17, 39):
        x = p.sector[:, t, :]
        assert np.all(np.abs(x.mean(axis=0)) < Z / np.sqrt(N))
        # sd of the sample variance of N(0,1) is sqrt(2/N)
        assert np.all(np.abs(x.var(axis=0) - 1) < Z * np.sqrt(2 / N))


def test_sector_correlation_matches_model(paths):
    market, p = paths
    target = market.sector_correlation()
    est = np.corrcoef(p.sector[:, 23, :].T)
    # sd of a sample correlation ~ (1 - rho^2) / sqrt(N)
    tol = Z * (1 - target**2 + 1e-3) / np.sqrt(N)
    assert np.all(np.abs(est - target) < tol)


def test_persistence_is_annual_autocorrelation(paths):
    market, p = paths
    # four quarterly steps apart = one year: autocorrelation equals `persistence`
    r = np.corrcoef(p.tech_cycle[:, 10], p.tech_cycle[:, 14])[0, 1]
    assert abs(r - market.persistence) < Z * (1 - market.persistence**2) / np.sqrt(N)
    assert p.autocorrelation == pytest.approx(market.persistence**0.25)


def test_annual_aggregation_keeps_unit_variance(paths):
    _, p = paths
    a = p.annual()
    assert a.tech_cycle.shape == (N, 10) and a.sector.shape[1] == 10
    assert abs(a.tech_cycle[:, 4].var() - 1) < Z * np.sqrt(2 / N)
    assert abs(a.sector[:, 6, 2].var() - 1) < Z * np.sqrt(2 / N)
    assert np.array_equal(a.index_level, p.index_level[:, ::4])
    assert np.array_equal(a.regime, p.regime[:, 3::4])
    # aggregation is linear: the annual factor is the standardised mean of its quarters
    q = p.tech_cycle[:, 8:12].mean(axis=1)
    assert np.allclose(a.tech_cycle[:, 2] / q, a.tech_cycle[0, 2] / q[0])


def test_index_drift_and_volatility():
    market = MarketModel(public_index=PublicIndex(drift=0.08, volatility=0.25, tech_cycle_correlation=0.6), regime=None)
    p = simulate_market(market, N, 48, 4, np.random.default_rng(3))
    log_ret = np.log(p.index_level[:, -1] / p.index_level[:, 0])
    years = 12
    mean_target = (0.08 - 0.5 * 0.25**2) * years
    sd_target = 0.25 * np.sqrt(years)
    assert abs(log_ret.mean() - mean_target) < Z * sd_target / np.sqrt(N)
    assert abs(log_ret.std() - sd_target) < Z * sd_target / np.sqrt(2 * N)
    assert p.regime is None


def test_index_correlated_with_tech_cycle_innovation():
    market = MarketModel(persistence=0.0, public_index=PublicIndex(tech_cycle_correlation=0.7), regime=None)
    p = simulate_market(market, N, 8, 4, np.random.default_rng(5))
    ret = np.diff(np.log(p.index_level), axis=1)
    # with persistence 0 the tech cycle equals its innovation
    r = np.corrcoef(ret[:, 3], p.tech_cycle[:, 3])[0, 1]
    assert abs(r - 0.7) < Z * (1 - 0.49) / np.sqrt(N)


def test_regime_stationary_without_tech_link():
    cfg = ExitRegimeModel(tech_cycle_link=0.0)
    p = simulate_market(MarketModel(regime=cfg), N, 30, 4, np.random.default_rng(9))
    trans = np.array(cfg.transition)
    p0 = np.array([cfg.initial[r] for r in ("hot", "normal", "cold")])
    expected = p0 @ np.linalg.matrix_power(trans, 30)
    got = np.bincount(p.regime[:, -1], minlength=3) / N
    assert np.all(np.abs(got - expected) < Z * np.sqrt(expected * (1 - expected) / N))


def test_bad_tech_years_push_towards_cold():
    p = simulate_market(MarketModel(regime=ExitRegimeModel(tech_cycle_link=1.5)), N, 20, 4, np.random.default_rng(2))
    low = p.tech_cycle[:, 19] < -1
    high = p.tech_cycle[:, 19] > 1
    cold_low = np.mean(p.regime[low, 19] == 2)
    cold_high = np.mean(p.regime[high, 19] == 2)
    assert cold_low > cold_high + 0.1


def test_same_stream_same_paths_and_streams_independent():
    m = MarketModel()
    a = simulate_market(m, 500, 12, 4, stream(42, 3, Component.FACTORS))
    b = simulate_market(m, 500, 12, 4, stream(42, 3, Component.FACTORS))
    c = simulate_market(m, 500, 12, 4, stream(42, 4, Component.FACTORS))
    assert np.array_equal(a.sector, b.sector) and np.array_equal(a.regime, b.regime)
    assert not np.array_equal(a.sector, c.sector)
    assert abs(np.corrcoef(a.tech_cycle.ravel(), c.tech_cycle.ravel())[0, 1]) < 0.05


def test_residual_correlation_used():
    m0 = MarketModel(tech_cycle_loading={s: 0.0 for s in MarketModel().sectors})
    n = len(m0.sectors)
    r = np.eye(n)
    r[0, 1] = r[1, 0] = 0.8
    m = m0.model_copy(update={"residual_correlation": r.tolist()})
    p = simulate_market(MarketModel.model_validate(m.model_dump()), N, 4, 4, np.random.default_rng(1))
    est = np.corrcoef(p.sector[:, 2, 0], p.sector[:, 2, 1])[0, 1]
    assert abs(est - 0.8) < Z * (1 - 0.64) / np.sqrt(N)
