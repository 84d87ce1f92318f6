"""Tests for fundsvc.credit.analytics.loss_distribution."""

import numpy as np
import pytest

from fundsvc.credit.analytics import LossDistribution, discretise_to_grid
from fundsvc.errors import InputError


def test_quantile_and_expected_shortfall_by_hand():
    """Hand example: losses 0,1,2,3 (CNY m) with probabilities .5,.3,.15,.05.
    VaR_0.9 = 2 (cumulative .5,.8,.95,1). ES_0.9 (Acerbi & Tasche 2002)
    = (3·0.05 + 2·(0.95 − 0.9)) / 0.1 = 2.5."""
    d = LossDistribution(np.array([0.0, 1.0, 2.0, 3.0]), np.array([0.5, 0.3, 0.15, 0.05]))
    assert d.quantile(0.9) == 2.0
    assert d.quantile(0.5) == 0.0
    assert d.quantile(0.96) == 3.0
    assert d.expected_shortfall(0.9) == pytest.approx(2.5)
    assert d.expected_shortfall(0.5) == pytest.approx((1 * 0.3 + 2 * 0.15 + 3 * 0.05) / 0.5)
    assert d.mean() == pytest.approx(0.3 + 0.3 + 0.15)
    assert d.cdf(1.5) == pytest.approx(0.8)
    np.testing.assert_allclose(d.cdf([-1.0, 0.0, 3.0]), [0.0, 0.5, 1.0])


def test_truncated_distribution_reports_tail_mass_and_refuses_es():
    d = LossDistribution(np.array([0.0, 1.0]), np.array([0.9, 0.09]))
    assert d.tail_mass == pytest.approx(0.01)
    with pytest.raises(InputError):
        d.expected_shortfall(0.95)
    with pytest.raises(InputError):
        d.quantile(0.995)


def test_discretise_to_grid_preserves_mass_and_mean():
    rng = np.random.default_rng(3)
    losses = np.sort(rng.uniform(0, 10, 50))
    pmf = rng.dirichlet(np.ones(50))
    g = discretise_to_grid(losses, pmf, 0.7)
    assert g.pmf.sum() == pytest.approx(1.0, abs=1e-14)
    assert g.mean() == pytest.approx(float(losses @ pmf), rel=1e-12)
    np.testing.assert_allclose(np.diff(g.losses), 0.7)


def test_discretise_exact_multiples_stay_put():
    g = discretise_to_grid(np.array([0.0, 0.3, 0.6]), np.array([0.2, 0.3, 0.5]), 0.1)
    np.testing.assert_allclose(g.pmf, [0.2, 0, 0, 0.3, 0, 0, 0.5], atol=1e-15)


@pytest.mark.parametrize(
    ("losses", "pmf"),
    [([0.0, 0.0], [0.5, 0.5]), ([0.0, 1.0], [0.7, 0.7]), ([0.0, 1.0], [1.0]), ([0.0], [-0.1])],
)
def test_bad_distributions_rejected(losses, pmf):
    with pytest.raises(InputError):
        LossDistribution(np.array(losses), np.array(pmf))
