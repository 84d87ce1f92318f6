"""Equity–credit link: rank correlation and joint tail, checked on constructed samples."""

import numpy as np
import pytest

from fundsvc.stress.link import joint_tail, spearman


def test_spearman_of_a_monotone_transform_is_one_and_of_independent_samples_near_zero():
    rng = np.random.default_rng(1)
    x = rng.standard_normal(4_000)
    assert spearman(x, np.exp(x))[0] == pytest.approx(1.0)
    rho, se = spearman(x, rng.standard_normal(4_000))
    assert abs(rho) < 4.5 * se


def test_spearman_of_a_gaussian_pair_matches_the_closed_form():
    """Bivariate normal with correlation r: ρ_S = (6/π)·arcsin(r/2) (Pearson 1907; Kruskal 1958)."""
    rng = np.random.default_rng(2)
    r, n = 0.6, 20_000
    x = rng.standard_normal(n)
    y = r * x + np.sqrt(1 - r**2) * rng.standard_normal(n)
    rho, se = spearman(x, y)
    assert abs(rho - 6 / np.pi * np.arcsin(r / 2)) < 4.5 * se


def test_joint_tail_independent_is_five_percent_and_comonotone_is_one():
    rng = np.random.default_rng(3)
    eq, cr = rng.standard_normal(40_000), rng.standard_normal(40_000)
    p, se = joint_tail(eq, cr)
    assert abs(p - 0.05) < 4.5 * se
    assert joint_tail(eq, -eq)[0] == pytest.approx(1.0)  # worst equity = highest credit loss
    assert joint_tail(eq, eq)[0] == 0.0
