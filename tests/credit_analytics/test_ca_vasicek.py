"""Tests for fundsvc.credit.analytics.vasicek."""

import numpy as np
import pytest
from numpy.polynomial.hermite_e import hermegauss
from scipy.integrate import quad
from scipy.stats import multivariate_normal, norm

from fundsvc.credit.analytics import (
    capital_requirement,
    conditional_pd,
    corporate_correlation,
    default_correlation,
    default_rate_variance,
    expected_loss,
    loss_quantile,
    loss_standard_deviation,
    unexpected_loss,
    vasicek_cdf,
    vasicek_pdf,
    vasicek_quantile,
)
from fundsvc.errors import InputError


def _gauss_expectation(f, n=200):
    """E[f(Z)], Z ~ N(0,1), by probabilists' Gauss–Hermite quadrature."""
    x, w = hermegauss(n)
    return np.sum(w * f(x)) / np.sqrt(2 * np.pi)


@pytest.mark.parametrize(
    ("pd", "rho", "alpha", "expected"),
    [(0.01, 0.12, 0.99, 0.052527), (0.03, 0.10, 0.999, 0.170434)],
)
def test_vasicek_quantile_reference_values(pd, rho, alpha, expected):
    """Source: shared/REFERENCE_VALUES.md, "Credit": q_α = Φ((Φ⁻¹(p) + √R·Φ⁻¹(α))/√(1−R));
    p = 1 %, R = 0.12 → q99 = 5.2527 %; p = 3 %, R = 0.10 → q99.9 = 17.0434 %."""
    assert vasicek_quantile(pd, rho, alpha) == pytest.approx(expected, abs=5e-7)


def test_quantile_and_cdf_are_inverse():
    alphas = np.array([0.01, 0.25, 0.5, 0.9, 0.99, 0.999])
    for pd, rho in [(0.001, 0.24), (0.02, 0.12), (0.2, 0.5)]:
        q = vasicek_quantile(pd, rho, alphas)
        np.testing.assert_allclose(vasicek_cdf(q, pd, rho), alphas, rtol=1e-10)


def test_pdf_integrates_to_one_and_is_derivative_of_cdf():
    for pd, rho in [(0.01, 0.12), (0.05, 0.3), (0.3, 0.05)]:
        total, _ = quad(
            lambda x, pd=pd, rho=rho: vasicek_pdf(x, pd, rho), 0, 1, limit=200, points=[pd]
        )
        assert total == pytest.approx(1.0, abs=1e-8)
        x = np.array([0.5 * pd, pd, 2 * pd])
        h = 1e-7
        numeric = (vasicek_cdf(x + h, pd, rho) - vasicek_cdf(x - h, pd, rho)) / (2 * h)
        np.testing.assert_allclose(vasicek_pdf(x, pd, rho), numeric, rtol=1e-5)


def test_pdf_mean_is_pd():
    pd, rho = 0.04, 0.2
    mean, _ = quad(lambda x: x * vasicek_pdf(x, pd, rho), 0, 1, limit=200, points=[pd])
    assert mean == pytest.approx(pd, rel=1e-8)


def test_cdf_with_zero_correlation_is_a_step_at_pd():
    np.testing.assert_array_equal(vasicek_cdf([0.0, 0.0099, 0.01, 0.5], 0.01, 0.0), [0, 0, 1, 1])


def test_conditional_pd_averages_to_pd_over_the_factor():
    """E[p(Z)] = PD exactly for Z ~ N(0,1): the identity a simulation's factor must respect."""
    for pd, rho in [(0.001, 0.3), (0.02, 0.12), (0.3, 0.6)]:
        assert _gauss_expectation(
            lambda z, pd=pd, rho=rho: conditional_pd(pd, rho, z)
        ) == pytest.approx(pd, rel=1e-10)


def test_conditional_pd_shapes_and_sign_convention():
    z = np.linspace(-3, 3, 12).reshape(4, 3)  # (n_paths, n_steps)
    p = conditional_pd(0.02, 0.2, z)
    assert p.shape == (4, 3)
    assert np.all(np.diff(p.ravel()) < 0), "high z must be a good state (lower PD)"
    per_loan = conditional_pd(np.array([0.01, 0.05])[None, :], 0.2, np.zeros(5)[:, None])
    assert per_loan.shape == (5, 2)
    assert (
        np.isscalar(conditional_pd(0.02, 0.2, 0.0)) or np.ndim(conditional_pd(0.02, 0.2, 0.0)) == 0
    )
    # rho = 0: the factor has no effect
    np.testing.assert_allclose(conditional_pd(0.02, 0.0, z), 0.02)


def test_conditional_pd_closed_form_value():
    """p(z) = Φ((Φ⁻¹(PD) − √R·z)/√(1−R)) evaluated independently with scipy.stats.norm."""
    pd, rho, z = 0.03, 0.15, -1.7
    expected = norm.cdf((norm.ppf(pd) - np.sqrt(rho) * z) / np.sqrt(1 - rho))
    assert conditional_pd(pd, rho, z) == pytest.approx(expected, rel=1e-14)


def test_default_rate_variance_matches_bivariate_normal_and_quadrature():
    for pd, rho in [(0.005, 0.24), (0.02, 0.12), (0.3, 0.5)]:
        h = norm.ppf(pd)
        joint = multivariate_normal(mean=[0, 0], cov=[[1, rho], [rho, 1]]).cdf([h, h])
        assert default_rate_variance(pd, rho) == pytest.approx(joint - pd**2, rel=1e-5)
        by_quadrature = (
            _gauss_expectation(lambda z, pd=pd, rho=rho: conditional_pd(pd, rho, z) ** 2) - pd**2
        )
        assert default_rate_variance(pd, rho) == pytest.approx(by_quadrature, rel=1e-8)
    assert default_rate_variance(0.02, 0.0) == pytest.approx(0.0, abs=1e-15)
    assert default_correlation(0.02, 0.0) == pytest.approx(0.0, abs=1e-12)


def test_loss_helpers_scale_with_ead_and_lgd():
    pd, rho, lgd, ead = 0.02, 0.15, 0.45, 1e8  # CNY
    assert expected_loss(pd, lgd, ead) == pytest.approx(0.02 * 0.45 * 1e8)
    assert loss_quantile(pd, rho, 0.999, lgd, ead) == pytest.approx(
        ead * lgd * vasicek_quantile(pd, rho, 0.999)
    )
    assert unexpected_loss(pd, rho, 0.999, lgd, ead) == pytest.approx(
        loss_quantile(pd, rho, 0.999, lgd, ead) - expected_loss(pd, lgd, ead)
    )
    assert loss_standard_deviation(pd, rho, lgd, ead) == pytest.approx(
        ead * lgd * np.sqrt(default_rate_variance(pd, rho))
    )


def test_unexpected_loss_equals_irb_capital_at_one_year_maturity():
    """Cross-module check: at M = 1 the IRB maturity adjustment is 1, so IRB K equals the Vasicek
    unexpected loss at 99.9 % with the supervisory correlation (BCBS 2005, "An Explanatory Note on
    the Basel II IRB Risk Weight Functions": K is the 99.9 % UL scaled by the maturity adjustment)."""
    pd = np.array([0.001, 0.01, 0.05])
    k = capital_requirement(pd, 0.45, maturity=1.0)
    ul = unexpected_loss(pd, corporate_correlation(pd), 0.999, 0.45)
    np.testing.assert_allclose(k, ul, rtol=1e-12)


@pytest.mark.parametrize(
    ("call", "location"),
    [
        (lambda: vasicek_quantile(1.2, 0.1, 0.99), "pd"),
        (lambda: vasicek_quantile(0.01, 1.0, 0.99), "rho"),
        (lambda: vasicek_quantile(0.01, 0.1, 1.0), "alpha"),
        (lambda: conditional_pd(0.01, -0.1, 0.0), "rho"),
        (lambda: conditional_pd(0.01, 0.1, np.nan), "z"),
        (lambda: vasicek_pdf(0.01, 0.01, 0.0), "rho"),
        (lambda: expected_loss(0.01, 0.45, -5.0), "ead"),
        (lambda: vasicek_cdf([0.1, np.nan], 0.01, 0.1), "x"),
    ],
)
def test_bad_input_raises_input_error_naming_the_argument(call, location):
    with pytest.raises(InputError) as info:
        call()
    assert info.value.problems[0].location == location
