"""Tests for fundsvc.credit.analytics.creditrisk_plus (Panjer recursion)."""

import numpy as np
import pytest
from scipy.special import roots_genlaguerre
from scipy.stats import nbinom, poisson

from fundsvc.credit.analytics import (
    band_exposures,
    creditrisk_plus_loss_distribution,
    creditrisk_plus_moments,
    creditrisk_plus_multisector_moments,
    creditrisk_plus_multisector_pmf,
    creditrisk_plus_pmf,
)
from fundsvc.errors import InputError

TINY_PD = np.array([0.10, 0.05, 0.20, 0.02])
TINY_NU = np.array([1, 2, 3, 5])


def _compound_poisson_by_convolution(intensity, nu, max_units):
    """Independent reference: each obligor's loss ν_i·N_i, N_i ~ Poisson(μ_i), convolved."""
    out = np.zeros(max_units + 1)
    out[0] = 1.0
    for mu, v in zip(intensity, nu):
        g = np.zeros(max_units + 1)
        counts = np.arange(max_units // v + 1)
        g[counts * v] = poisson.pmf(counts, mu)
        out = np.convolve(out, g)[: max_units + 1]
    return out


def _gamma_mixture_by_quadrature(intensity, nu, sigma2, max_units, n_nodes=120):
    """Independent reference for σ² > 0: ∫ compound-Poisson(S·μ) dGamma(S) with generalised
    Gauss–Laguerre quadrature (shape α = 1/σ², scale σ², so E[S] = 1, Var[S] = σ²)."""
    alpha = 1.0 / sigma2
    x, w = roots_genlaguerre(n_nodes, alpha - 1.0)
    w = w / w.sum()  # normalises by Γ(α)
    s = x * sigma2
    return sum(
        wi * _compound_poisson_by_convolution(si * intensity, nu, max_units) for si, wi in zip(s, w)
    )


def test_poisson_limit_equals_direct_convolution():
    """σ² = 0: CreditRisk+ is a compound Poisson; Panjer must reproduce the direct convolution."""
    got = creditrisk_plus_pmf(TINY_PD, TINY_NU, 0.0, max_units=40)
    ref = _compound_poisson_by_convolution(TINY_PD, TINY_NU, 40)
    np.testing.assert_allclose(got, ref, rtol=1e-12, atol=1e-300)


@pytest.mark.parametrize("sigma2", [1e-9, 1e-300, 5e-324])
def test_small_sigma2_approaches_poisson_limit(sigma2):
    """σ² → 0 is continuous, down to denormal σ² where σ²μ underflows (found by hypothesis)."""
    poisson_case = creditrisk_plus_pmf(TINY_PD, TINY_NU, 0.0, max_units=40)
    near = creditrisk_plus_pmf(TINY_PD, TINY_NU, sigma2, max_units=40)
    np.testing.assert_allclose(near, poisson_case, rtol=1e-7, atol=1e-20)


@pytest.mark.parametrize("sigma2", [0.2, 1.0, 3.0])
def test_gamma_mixing_equals_mixture_of_compound_poissons(sigma2):
    got = creditrisk_plus_pmf(TINY_PD, TINY_NU, sigma2, max_units=30)
    ref = _gamma_mixture_by_quadrature(TINY_PD, TINY_NU, sigma2, 30)
    np.testing.assert_allclose(got, ref, rtol=1e-8, atol=1e-14)


@pytest.mark.parametrize("sigma2", [0.0, 0.5, 2.0])
def test_unit_exposures_give_poisson_or_negative_binomial(sigma2):
    """All ν = 1: the loss is the default count, Poisson(μ) for σ² = 0 and negative binomial
    NB(r = 1/σ², p = 1/(1 + σ²μ)) for σ² > 0 (the gamma–Poisson mixture)."""
    intensity = np.full(30, 0.04)
    mu = intensity.sum()
    got = creditrisk_plus_pmf(intensity, np.ones(30, dtype=int), sigma2)
    k = np.arange(got.size)
    ref = poisson.pmf(k, mu) if sigma2 == 0 else nbinom.pmf(k, 1 / sigma2, 1 / (1 + sigma2 * mu))
    np.testing.assert_allclose(got, ref, rtol=1e-10, atol=1e-300)


@pytest.mark.parametrize("sigma2", [0.0, 0.3, 1.5])
def test_moments_equal_closed_forms(sigma2):
    """E[L] = Σ μ_i ν_i and Var[L] = Σ μ_i ν_i² + σ²(Σ μ_i ν_i)² (CSFB 1997, Appendix A)."""
    rng = np.random.default_rng(7)
    intensity = rng.uniform(0.001, 0.05, 500)
    nu = rng.integers(1, 40, 500)
    pmf = creditrisk_plus_pmf(intensity, nu, sigma2)
    x = np.arange(pmf.size)
    assert pmf.sum() == pytest.approx(1.0, abs=1e-11)
    mean, var = creditrisk_plus_moments(intensity, nu, sigma2)
    assert mean == pytest.approx(float(intensity @ nu))
    assert pmf @ x == pytest.approx(mean, rel=1e-9)
    assert pmf @ (x - mean) ** 2 == pytest.approx(var, rel=1e-8)


def test_large_expected_default_count_does_not_underflow():
    """μ = 1500 makes g_0 = e^{−1500} underflow in double precision; the rescaled recursion must
    still give a proper distribution."""
    intensity = np.full(3000, 0.5)
    nu = np.ones(3000, dtype=int)
    for sigma2 in (0.0, 0.01):
        pmf = creditrisk_plus_pmf(intensity, nu, sigma2)
        x = np.arange(pmf.size)
        mean, var = creditrisk_plus_moments(intensity, nu, sigma2)
        assert pmf.sum() == pytest.approx(1.0, abs=1e-11)
        assert pmf @ x == pytest.approx(mean, rel=1e-10)
        assert pmf @ (x - mean) ** 2 == pytest.approx(var, rel=1e-8)


def test_truncated_support_is_a_prefix_of_the_full_one():
    full = creditrisk_plus_pmf(TINY_PD, TINY_NU, 0.7)
    short = creditrisk_plus_pmf(TINY_PD, TINY_NU, 0.7, max_units=7)
    assert short.size == 8
    np.testing.assert_allclose(short, full[:8], rtol=1e-14)


def test_multisector_reduces_to_single_sector_and_to_convolution():
    w_all = np.ones((TINY_PD.size, 1))
    np.testing.assert_allclose(
        creditrisk_plus_multisector_pmf(TINY_PD, TINY_NU, w_all, [0.8], max_units=30),
        creditrisk_plus_pmf(TINY_PD, TINY_NU, 0.8, max_units=30),
        rtol=1e-12,
    )
    # obligors 0–1 in sector A (σ² = 0.5), 2–3 in sector B (σ² = 2): independent → convolution
    w = np.array([[1, 0], [1, 0], [0, 1], [0, 1]], dtype=float)
    got = creditrisk_plus_multisector_pmf(TINY_PD, TINY_NU, w, [0.5, 2.0], max_units=30)
    a = creditrisk_plus_pmf(TINY_PD[:2], TINY_NU[:2], 0.5, max_units=30)
    b = creditrisk_plus_pmf(TINY_PD[2:], TINY_NU[2:], 2.0, max_units=30)
    np.testing.assert_allclose(got, np.convolve(a, b)[:31], rtol=1e-12)
    # zero weights → everything idiosyncratic → Poisson limit
    np.testing.assert_allclose(
        creditrisk_plus_multisector_pmf(
            TINY_PD, TINY_NU, np.zeros((4, 2)), [0.5, 2.0], max_units=30
        ),
        creditrisk_plus_pmf(TINY_PD, TINY_NU, 0.0, max_units=30),
        rtol=1e-12,
    )


def test_multisector_moments_with_partial_weights():
    """Var[L] = Σ μ_i ν_i² + Σ_k σ_k² (Σ_i θ_ik μ_i ν_i)² (Gundlach & Lehrbass 2004)."""
    rng = np.random.default_rng(11)
    n = 200
    intensity = rng.uniform(0.002, 0.04, n)
    nu = rng.integers(1, 20, n)
    raw = rng.uniform(0, 1, (n, 3))
    w = 0.8 * raw / raw.sum(axis=1, keepdims=True)  # 20 % idiosyncratic
    s2 = np.array([0.3, 1.0, 2.5])
    pmf = creditrisk_plus_multisector_pmf(intensity, nu, w, s2)
    x = np.arange(pmf.size)
    mean, var = creditrisk_plus_multisector_moments(intensity, nu, w, s2)
    assert pmf.sum() == pytest.approx(1.0, abs=1e-11)
    assert pmf @ x == pytest.approx(mean, rel=1e-9)
    assert pmf @ (x - mean) ** 2 == pytest.approx(var, rel=1e-8)


def test_band_exposures_preserves_expected_loss():
    loss = np.array([0.3e6, 1.2e6, 2.6e6, 10.0e6])  # CNY
    pd = np.array([0.02, 0.01, 0.03, 0.005])
    nu, intensity = band_exposures(loss, pd, 1e6)
    np.testing.assert_array_equal(nu, [1, 1, 3, 10])
    assert float(intensity @ nu) * 1e6 == pytest.approx(float(pd @ loss))
    _, raw = band_exposures(loss, pd, 1e6, preserve_expected_loss=False)
    np.testing.assert_array_equal(raw, pd)
    dist = creditrisk_plus_loss_distribution(loss, pd, 1e6, 0.5)
    assert dist.mean() == pytest.approx(float(pd @ loss), rel=1e-9)
    assert dist.losses[1] == 1e6


@pytest.mark.parametrize(
    ("call", "location"),
    [
        (lambda: creditrisk_plus_pmf([0.1], [0]), "nu"),
        (lambda: creditrisk_plus_pmf([0.1], [1.5]), "nu"),
        (lambda: creditrisk_plus_pmf([0.1, 0.2], [1]), "nu"),
        (lambda: creditrisk_plus_pmf([0.1], [1], -0.1), "sigma2"),
        (lambda: creditrisk_plus_pmf([1.1], [1]), "pd"),
        (lambda: creditrisk_plus_pmf([0.1], [1], max_units=-1), "max_units"),
        (
            lambda: creditrisk_plus_multisector_pmf([0.1], [1], [[0.7, 0.6]], [1, 1]),
            "sector_weights",
        ),
        (lambda: band_exposures([0.0], [0.1], 1e6), "loss_cny"),
    ],
)
def test_bad_input(call, location):
    with pytest.raises(InputError) as info:
        call()
    assert info.value.problems[0].location == location
