"""Point-in-time stress: the stress moves the factors (``[factor_shift]``, shorthand for
``[[market_conditions]]`` shifts — one mechanism), and the default rate rises by the factor the
one-factor model gives for the imposed path: ``PD_stressed = Φ(Φ⁻¹(PD) − √R·β·Δ)`` (Vasicek 2002;
sector factor s ~ N(β·Δ, 1) in the window, Δ the tech cycle's mean shift on the credit grid)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pytest

from fundsvc.credit.engine import compile_credit, simulate_credit_chunk
from fundsvc.credit.engine.synthetic import homogeneous_scenario
from fundsvc.credit.engine.tail_is import mean_coordinates
from fundsvc.engine.conditioning import conditions_for
from fundsvc.engine.factor_shift import shifted_pd
from fundsvc.engine.factors import simulate_market
from fundsvc.inputs.loader import load_scenario
from models.common import Sector
from models.credit import AssetCorrelationModel
from models.factor_shift import FactorShift
from models.market import MarketModel
from models.stress import FactorImposition, ImposedFactor, ImposeMode

ROOT = Path(__file__).resolve().parents[2]
START = dt.date(2026, 1, 1)


def _shifted_and_plain(market: MarketModel, shift: FactorShift, n_steps: int = 10, seed: int = 0):
    """The same draws simulated with and without the shift (quarterly grid)."""
    sc = homogeneous_scenario(1, 0.01, horizon_years=3).model_copy(update={"market": market, "factor_shift": shift})
    cond = conditions_for(sc, n_steps, 4)
    a = simulate_market(market, 50, n_steps, 4, np.random.default_rng(seed), cond)
    b = simulate_market(market, 50, n_steps, 4, np.random.default_rng(seed))
    return a, b


def test_shift_path_window_and_decay():
    """Quarterly grid, shift −1 in years [1, 2), persistence 0.8 a quarter: −1 in steps 4–7, then
    −0.8, −0.64 … (decay) or 0 (``decay_after = false``); nothing before the window. The difference
    of the shifted and the plain paths on the same draws is this path in every path."""
    mk = MarketModel(persistence=0.8**4)
    a, b = _shifted_and_plain(mk, FactorShift(tech_cycle_shift=-1.0, start_year=1, end_year=2))
    np.testing.assert_allclose(a.tech_cycle - b.tech_cycle, np.broadcast_to(
        [0, 0, 0, 0, -1, -1, -1, -1, -0.8, -0.64], (50, 10)), atol=1e-12)
    a, b = _shifted_and_plain(mk, FactorShift(tech_cycle_shift=-1.0, start_year=1, end_year=2, decay_after=False))
    np.testing.assert_allclose(a.tech_cycle - b.tech_cycle, np.broadcast_to(
        [0, 0, 0, 0, -1, -1, -1, -1, 0, 0], (50, 10)), atol=1e-12)


def test_shift_moves_sectors_by_their_loadings_and_the_index_through_its_correlation():
    loadings = {s: 0.5 for s in Sector} | {Sector.BIOMEDICINE: 0.8}
    mk = MarketModel(tech_cycle_loading=loadings)
    a, b = _shifted_and_plain(mk, FactorShift(tech_cycle_shift=-2.0, start_year=0, end_year=1, decay_after=False))
    j = a.sectors.index(Sector.BIOMEDICINE)
    np.testing.assert_allclose(a.sector[:, :4, j] - b.sector[:, :4, j], -1.6, atol=1e-12)
    np.testing.assert_allclose(a.sector[:, 4:, :], b.sector[:, 4:, :], atol=1e-12)
    np.testing.assert_allclose(a.tech_cycle[:, :4] - b.tech_cycle[:, :4], -2.0, atol=1e-12)
    # the index's log return moves by σ·√dt·ρ times the tech cycle's innovation shift (a bad year hits it too)
    assert (a.index_level[:, 4] < b.index_level[:, 4]).all()


def test_factor_shift_and_market_conditions_are_one_mechanism_bit_identical():
    """``[factor_shift]`` and the same stress spelled as ``[[market_conditions]]`` shifts give
    bit-identical factors on the same seed (one formula, one place)."""
    base = load_scenario(ROOT / "scenarios/tech_downturn.toml").scenario
    spelled = base.model_copy(update={"factor_shift": None, "market_conditions": [
        FactorImposition(factor=ImposedFactor.TECH_CYCLE, start=START, quarters=4, mode=ImposeMode.SHIFT, value=0.0),
        FactorImposition(factor=ImposedFactor.TECH_CYCLE, start=dt.date(2027, 1, 1), quarters=12,
                         mode=ImposeMode.SHIFT, value=-1.0)]})
    n = 4 * base.simulation.horizon_years
    ca, cb = conditions_for(base, n, 4), conditions_for(spelled, n, 4)
    assert np.array_equal(ca.shift, cb.shift)
    a = simulate_market(base.market, 300, n, 4, np.random.default_rng(7), ca)
    b = simulate_market(spelled.market, 300, n, 4, np.random.default_rng(7), cb)
    for f in ("tech_cycle", "sector", "index_level", "regime"):
        assert np.array_equal(getattr(a, f), getattr(b, f)), f


def test_shifts_of_the_same_quarter_add_up():
    """A stress shift on top of ``[factor_shift]`` in the same quarters adds (−1 + −0.5 = −1.5)."""
    mk = MarketModel()
    sc = homogeneous_scenario(1, 0.01, horizon_years=3).model_copy(update={
        "market": mk, "factor_shift": FactorShift(tech_cycle_shift=-1.0, start_year=0, end_year=1, decay_after=False),
        "market_conditions": [FactorImposition(factor=ImposedFactor.TECH_CYCLE, start=START, quarters=4,
                                               mode=ImposeMode.SHIFT, value=-0.5)]})
    m = simulate_market(mk, 20, 12, 4, np.random.default_rng(1), conditions_for(sc, 12, 4))
    p = simulate_market(mk, 20, 12, 4, np.random.default_rng(1))
    np.testing.assert_allclose(m.tech_cycle[:, :4] - p.tech_cycle[:, :4], -1.5, atol=1e-12)
    np.testing.assert_allclose(m.tech_cycle[:, 4:] - p.tech_cycle[:, 4:], 0.0, atol=1e-12)


@pytest.mark.parametrize("delta", [-1.0, -2.0])
def test_default_rate_rises_by_the_vasicek_factor(delta):
    """200 loans, PD 3 %, R 0.12, sector loading 0.6, quarterly shift δ in year 1 (persistence 0.5):
    the annual credit factor moves by Δ = δ / sd(mean of 4 quarters) = 1.107·δ, and the default
    rate = Φ(Φ⁻¹(0.03) − √0.12·0.6·Δ) (δ = −1: 4.94 %; δ = −2: 7.77 %), within 4 SE of the per-path
    default fractions; year 2 (after the window, no decay) stays at 3 %."""
    n, n_paths, pd, r, beta = 200, 3000, 0.03, 0.12, 0.6
    sc = homogeneous_scenario(n, pd, horizon_years=2).model_copy(update={
        "factor_shift": FactorShift(tech_cycle_shift=delta, start_year=0, end_year=1, decay_after=False)})
    phi = 0.5 ** 0.25
    scale = np.sqrt(sum(phi ** abs(i - j) for i in range(4) for j in range(4))) / 4
    mean = mean_coordinates(sc, 2)[:, 0]
    np.testing.assert_allclose(mean, [delta / scale, 0.0], atol=1e-12)  # hand-worked: 1/0.9036 = 1.1067
    m = compile_credit(sc, correlation=AssetCorrelationModel(default=r), steps_per_year=1)
    mk = simulate_market(sc.market, n_paths, 8, 4, np.random.default_rng(5), conditions_for(sc, 8, 4)).annual()
    frac = simulate_credit_chunk(m, mk, 5, 0).n_defaults / n  # (n_paths, 2)
    exact = float(shifted_pd(pd, r, beta, delta / scale))
    y1 = frac[:, 0]
    assert abs(y1.mean() - exact) < 4 * y1.std(ddof=1) / np.sqrt(n_paths)
    surv = frac[:, 1] / (1 - frac[:, 0])  # PD of the survivors in year 2
    assert abs(surv.mean() - pd) < 4 * surv.std(ddof=1) / np.sqrt(n_paths)


def test_bundled_downturn_is_point_in_time_and_raises_book_defaults_in_the_window():
    """tech_downturn vs the same scenario without its factor shift, same random numbers: book
    defaults in 2027 (inside the imposed window) rise by the amount-weighted factor
    Σ a_i·Φ(Φ⁻¹(PD_i) − √R_i·β_i·Δ) / Σ a_i·PD_i over the loans at risk (within 4 SE), Δ the annual
    mean shift of 2027 (quarterly −1σ, persistence 0.7: Δ = −1.055); in 2026 (before the window)
    nothing changes."""
    sc = load_scenario(ROOT / "scenarios/tech_downturn.toml").scenario
    plain_sc = sc.model_copy(update={"factor_shift": None})
    m = compile_credit(sc)
    from fundsvc.engine.sampling import Component, stream
    from fundsvc.simulation.chunk import market_for

    n_paths, n = 400, 4 * sc.simulation.horizon_years

    def defaults(s):
        mk = simulate_market(s.market, n_paths, n, 4, stream(3, 0, Component.FACTORS), conditions_for(s, n, 4))
        return simulate_credit_chunk(m, market_for(mk, m.steps_per_year), 3, 0).n_defaults

    plain, pit = defaults(plain_sc), defaults(sc)
    assert (pit[:, 0] == plain[:, 0]).all()  # 2026: before the window, the same draws
    delta = float(mean_coordinates(sc, 2)[1, 0])
    assert delta == pytest.approx(-1.055, abs=0.001)
    book = m.book
    at_risk = book.hazard_weight[:, 1] > 0
    pd = m.group_pd[book.group][at_risk]
    r = m.group_r[book.group][at_risk]
    beta = np.array([sc.market.tech_cycle_loading[m.sectors[k]] for k in m.group_sector[book.group][at_risk]])
    w = book.hazard_weight[at_risk, 1]
    factor = float(np.sum(w * shifted_pd(pd, r, beta, delta)) / np.sum(w * pd))
    ratio = pit[:, 1].mean() / plain[:, 1].mean()
    # delta-method SE of the ratio of means (paths are paired)
    a, b = pit[:, 1].astype(float), plain[:, 1].astype(float)
    g = a / b.mean() - ratio * b / b.mean()
    se = g.std(ddof=1) / np.sqrt(n_paths)
    assert 1.3 < factor < 2.6
    assert abs(ratio - factor) < 4 * se + 0.02, (ratio, factor, se)
