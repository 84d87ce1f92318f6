"""Takahashi–Alexander model: published reference values, IRR = G, quarterly and stochastic variants."""

from __future__ import annotations

import numpy as np
import pytest

from fundsvc.engine.venture.ta import (
    fund_factor,
    ta_deterministic,
    ta_fund_paths,
    ta_growth_paths,
    ta_rates,
    ta_recursion,
)
from fundsvc.metrics import irr
from models.common import Sector
from models.venture import TakahashiAlexanderParams

BASE = TakahashiAlexanderParams(contribution_rates=[0.25, 0.333, 0.5], growth=0.13, bow=2.5,
                                yield_rate=0.0, life_years=12)


def test_ta_venture_base_case_reference_values():
    """Takahashi & Alexander (2002), "Illiquid Alternative Asset Fund Modeling", JPM 28(2):
    venture base case (commitment 100, G 13 %, L 12, B 2.5, Y 0, RC 25 % / 33.3 % / 50 %),
    as listed in shared/REFERENCE_VALUES.md."""
    f = ta_deterministic(BASE, 100.0)
    assert len(f.contributions) == 12
    np.testing.assert_allclose(np.round(f.contributions[:5], 2), [25.00, 24.98, 25.01, 12.51, 6.25])
    assert int(np.argmax(f.nav)) + 1 == 5
    assert round(float(f.nav.max()), 2) == 106.79
    assert int(np.argmax(f.distributions)) + 1 == 8
    assert round(float(f.distributions.max()), 2) == 35.78
    assert round(float(f.distributed), 2) == 187.99
    assert round(float(f.paid_in), 2) == 99.95
    assert round(float(f.tvpi), 3) == 1.881


def _signed(c, d, nav):
    flows = np.concatenate([[0.0], d - c])
    flows[-1] += nav[-1]
    return flows


@pytest.mark.parametrize("ppy", [1, 4])
@pytest.mark.parametrize("growth", [0.13, 0.05, -0.03])
def test_ta_irr_equals_growth(ppy, growth):
    """IRR of the TA flows plus terminal NAV equals G exactly (annual and quarterly variant);
    also evaluated at a horizon shorter than the life (terminal NAV large)."""
    p = BASE.model_copy(update={"growth": growth})
    for n in (None, 7 * ppy):
        f = ta_deterministic(p, 100.0, n_periods=n, periods_per_year=ppy)
        r = irr(_signed(f.contributions, f.distributions, f.nav), periods_per_year=ppy)
        assert r == pytest.approx(growth, abs=1e-9)


def test_quarterly_rates_match_annual_over_a_year():
    """Four quarterly contribution rates call the same share of the uncalled commitment as the
    annual rate; growth compounds to G; the distribution rate reaches 1 at the fund life."""
    rc, rd, g = ta_rates(BASE, 48, 4)
    assert (1 + g) ** 4 == pytest.approx(1.13)
    assert 1 - np.prod(1 - rc[:4]) == pytest.approx(0.25)
    assert 1 - np.prod(1 - rc[4:8]) == pytest.approx(0.333)
    assert rd[-1] == pytest.approx(1.0)
    f = ta_deterministic(BASE, 100.0, periods_per_year=4)
    assert f.contributions.sum() <= 100.0
    assert f.nav[-1] < 1.0  # fully distributed at the life except the last quarter's call


def test_yield_floor_on_distribution_rate():
    """RD = max(Y, (t/L)^B) (Takahashi & Alexander 2002): early years distribute Y of NAV."""
    p = BASE.model_copy(update={"yield_rate": 0.05})
    _, rd, _ = ta_rates(p, 12, 1)
    assert rd[0] == pytest.approx(0.05)
    assert rd[-1] == pytest.approx(1.0)
    assert rd[6] == pytest.approx((7 / 12) ** 2.5)


def test_zero_volatility_stochastic_equals_deterministic():
    p = BASE.model_copy(update={"growth_volatility": 0.0})
    rng = np.random.default_rng(1)
    factor = rng.standard_normal((5, 40))
    flows = ta_fund_paths(p, 100.0, factor, np.random.default_rng(2), start_step=8, periods_per_year=4)
    det = ta_deterministic(p, 100.0, n_periods=32, periods_per_year=4)
    assert np.all(flows.contributions[:, :8] == 0)
    np.testing.assert_allclose(flows.contributions[:, 8:], np.broadcast_to(det.contributions, (5, 32)))
    np.testing.assert_allclose(flows.nav[:, 8:], np.broadcast_to(det.nav, (5, 32)))


def test_stochastic_growth_loads_on_the_factor():
    """corr(growth, factor) = loading; sd = σ/2 per quarter; mean = quarterly G.
    n = 200 000 draws: standard errors ≈ 0.002 (corr) and 0.0002 (mean)."""
    p = BASE.model_copy(update={"growth_volatility": 0.2, "growth_factor_loading": 0.6})
    factor = np.random.default_rng(3).standard_normal((2000, 100))
    g = ta_growth_paths(p, factor, np.random.default_rng(4), 4)
    assert np.corrcoef(g.ravel(), factor.ravel())[0, 1] == pytest.approx(0.6, abs=0.01)
    assert g.std() == pytest.approx(0.1, rel=0.01)
    assert g.mean() == pytest.approx(1.13 ** 0.25 - 1, abs=0.001)


def test_fund_factor_has_unit_variance():
    """A two-sector fund's factor is the weighted mix rescaled with the model correlation."""
    sectors = (Sector.SMART_IOT, Sector.BIOMEDICINE, Sector.OTHER)
    corr = np.array([[1.0, 0.3, 0.2], [0.3, 1.0, 0.1], [0.2, 0.1, 1.0]])
    z = np.random.default_rng(5).standard_normal((200_000, 3)) @ np.linalg.cholesky(corr).T
    f = fund_factor({Sector.SMART_IOT: 0.5, Sector.BIOMEDICINE: 0.5}, sectors, corr, z[:, None, :])
    assert f.std() == pytest.approx(1.0, abs=0.01)


def test_recursion_vectorised_matches_one_path():
    rc, rd, _ = ta_rates(BASE, 12, 1)
    g = np.random.default_rng(6).normal(0.1, 0.2, (3, 12))
    many = ta_recursion(100.0, rc, rd, g)
    for i in range(3):
        one = ta_recursion(100.0, rc, rd, g[i])
        np.testing.assert_allclose(many.nav[i], one.nav)
        np.testing.assert_allclose(many.distributions[i], one.distributions)


def test_growth_volatility_is_within_year_sd_with_persistent_factor():
    """With an AR(1) factor (φ = 0.5^(1/4) per quarter) the sum of a year's four growth shocks
    has standard deviation σ. 100 000 path-years: s.e. of the sd ≈ 0.2 %."""
    p = BASE.model_copy(update={"growth_volatility": 0.2, "growth_factor_loading": 0.8})
    phi = 0.5 ** 0.25
    rng = np.random.default_rng(8)
    e = rng.standard_normal((100_000, 4))
    f = np.empty_like(e)
    f[:, 0] = e[:, 0]
    for t in range(1, 4):
        f[:, t] = phi * f[:, t - 1] + np.sqrt(1 - phi**2) * e[:, t]
    g = ta_growth_paths(p, f, np.random.default_rng(9), 4, autocorrelation=phi)
    annual = (g - (1.13 ** 0.25 - 1)).sum(axis=1)
    assert annual.std() == pytest.approx(0.2, rel=0.01)
