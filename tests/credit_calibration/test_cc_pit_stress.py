"""Point-in-time stress: the stress moves the factors (models/factor_shift.py), and the default rate
rises by the factor the one-factor model gives for the imposed path:
``PD_stressed = Φ(Φ⁻¹(PD) − √R·β·Δ)`` (Vasicek 2002; sector factor s ~ N(β·Δ, 1) in the window)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from fundsvc.credit.engine import compile_credit, simulate_credit_chunk
from fundsvc.credit.engine.synthetic import homogeneous_scenario, iid_market
from fundsvc.engine.factor_shift import apply_factor_shift, shift_path, shifted_pd
from fundsvc.inputs.loader import load_scenario
from models.common import Sector
from models.credit import AssetCorrelationModel
from models.factor_shift import FactorShift

ROOT = Path(__file__).resolve().parents[2]


def test_shift_path_window_and_decay():
    """Quarterly grid, shift −1 in years [1, 2), persistence 0.8 a step: −1 in steps 4–7, then −0.8, −0.64 …"""
    d = shift_path(FactorShift(tech_cycle_shift=-1.0, start_year=1, end_year=2), 10, 4, 0.8)
    np.testing.assert_allclose(d, [0, 0, 0, 0, -1, -1, -1, -1, -0.8, -0.64])
    flat = shift_path(FactorShift(tech_cycle_shift=-1.0, start_year=1, end_year=2, decay_after=False), 10, 4, 0.8)
    np.testing.assert_allclose(flat, [0, 0, 0, 0, -1, -1, -1, -1, 0, 0])


def test_shift_moves_sectors_by_their_loadings():
    mk = iid_market(5, 3, np.random.default_rng(0))
    loadings = {s: 0.5 for s in Sector} | {Sector.BIOMEDICINE: 0.8}
    out = apply_factor_shift(mk, FactorShift(tech_cycle_shift=-2.0, start_year=0, end_year=1, decay_after=False), loadings)
    j = mk.sectors.index(Sector.BIOMEDICINE)
    np.testing.assert_allclose(out.sector[:, 0, j] - mk.sector[:, 0, j], -1.6)
    np.testing.assert_allclose(out.sector[:, 1:, :], mk.sector[:, 1:, :])
    np.testing.assert_allclose(out.tech_cycle[:, 0] - mk.tech_cycle[:, 0], -2.0)
    assert apply_factor_shift(mk, None, loadings) is mk


@pytest.mark.parametrize("delta", [-1.0, -2.0])
def test_default_rate_rises_by_the_vasicek_factor(delta):
    """200 loans, PD 3 %, R 0.12, sector loading 0.6, shift Δ in year 1: default rate =
    Φ(Φ⁻¹(0.03) − √0.12·0.6·Δ) (Δ = −1: 4.71 %, ×1.57; Δ = −2: 7.17 %, ×2.39), within 4 SE of the
    per-path default fractions; year 2 (after the window, no decay) stays at 3 %."""
    n, n_paths, pd, r, beta = 200, 3000, 0.03, 0.12, 0.6
    sc = homogeneous_scenario(n, pd, horizon_years=2)
    m = compile_credit(sc, correlation=AssetCorrelationModel(default=r), steps_per_year=1)
    mk = iid_market(n_paths, 2, np.random.default_rng(5))
    shift = FactorShift(tech_cycle_shift=delta, start_year=0, end_year=1, decay_after=False)
    stressed = apply_factor_shift(mk, shift, {s: beta for s in Sector})
    frac = simulate_credit_chunk(m, stressed, 5, 0).n_defaults / n  # (n_paths, 2)
    exact = float(shifted_pd(pd, r, beta, delta))
    y1 = frac[:, 0]
    assert abs(y1.mean() - exact) < 4 * y1.std(ddof=1) / np.sqrt(n_paths)
    surv = frac[:, 1] / (1 - frac[:, 0])  # PD of the survivors in year 2
    assert abs(surv.mean() - pd) < 4 * surv.std(ddof=1) / np.sqrt(n_paths)


def test_bundled_downturn_is_point_in_time_and_raises_book_defaults_in_the_window():
    """tech_downturn vs the same scenario without its factor shift, same random numbers: book
    defaults in 2027 (inside the imposed window) rise by the amount-weighted factor
    Σ a_i·Φ(Φ⁻¹(PD_i) − √R_i·β_i·Δ) / Σ a_i·PD_i over the loans at risk (within 4 SE); in 2026
    (before the window) nothing changes."""
    sc = load_scenario(ROOT / "scenarios/tech_downturn.toml").scenario
    m = compile_credit(sc)
    from fundsvc.engine.factors import simulate_market
    from fundsvc.engine.sampling import Component, stream
    from fundsvc.simulation.chunk import market_for

    n_paths = 400
    mk = market_for(simulate_market(sc.market, n_paths, 4 * sc.simulation.horizon_years, 4,
                                    stream(3, 0, Component.FACTORS)), m.steps_per_year)
    plain = simulate_credit_chunk(m, mk, 3, 0).n_defaults
    pit = simulate_credit_chunk(m, apply_factor_shift(mk, sc.factor_shift, sc.market.tech_cycle_loading), 3, 0).n_defaults
    assert (pit[:, 0] == plain[:, 0]).all()  # 2026: before the window, the same draws
    # analytic factor for 2027 over the loans at risk that year (hazard weight of step 1)
    book = m.book
    at_risk = book.hazard_weight[:, 1] > 0
    pd = m.group_pd[book.group][at_risk]
    r = m.group_r[book.group][at_risk]
    beta = np.array([sc.market.tech_cycle_loading[m.sectors[k]] for k in m.group_sector[book.group][at_risk]])
    w = book.hazard_weight[at_risk, 1]
    factor = float(np.sum(w * shifted_pd(pd, r, beta, -1.0)) / np.sum(w * pd))
    ratio = pit[:, 1].mean() / plain[:, 1].mean()
    # delta-method SE of the ratio of means (paths are paired)
    a, b = pit[:, 1].astype(float), plain[:, 1].astype(float)
    g = a / b.mean() - ratio * b / b.mean()
    se = g.std(ddof=1) / np.sqrt(n_paths)
    assert 1.3 < factor < 2.5
    assert abs(ratio - factor) < 4 * se + 0.02, (ratio, factor, se)
