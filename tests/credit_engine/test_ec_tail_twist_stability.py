"""The Glasserman–Li exponential twist stays finite and silent at high loss levels."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from fundsvc.credit.engine.compile import compile_credit
from fundsvc.credit.engine.synthetic import synthetic_scenario
from fundsvc.credit.engine.tail import _psi_terms, importance_sample, one_period_portfolio


@pytest.fixture(scope="module")
def port():
    sc = synthetic_scenario(120, seed=5, horizon_years=3, programme=False)
    return one_period_portfolio(compile_credit(sc), sc.market)


@pytest.mark.parametrize("fraction", [0.6, 0.9])
def test_no_overflow_warnings_far_in_the_tail(port, fraction):
    """Loss levels of 60 % and 90 % of the largest loss need twists θc well beyond float32's
    exp range (≈ 88); the sampler used to leak 'overflow encountered in exp' warnings there."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        losses, lr, _ = importance_sample(port, fraction * port.loss.sum(), 1000, np.random.default_rng(1))
    assert np.isfinite(losses).all() and np.isfinite(lr).all() and (lr >= 0).all()


def test_log_odds_form_equals_the_direct_formula():
    """ψ(θ) = Σ log(1 + p(e^{θc} − 1)) and q = p e^{θc}/(1 + p(e^{θc} − 1)), computed directly
    where e^{θc} is small, agree with the log-odds form to rounding."""
    rng = np.random.default_rng(0)
    p = rng.uniform(0.001, 0.2, (4, 30))
    c = rng.uniform(0.1, 1.0, 30)
    theta = np.array([0.0, 0.5, 2.0, 5.0])
    psi, d1, _, q = _psi_terms(theta, p, c)
    e = np.exp(np.outer(theta, c))
    np.testing.assert_allclose(psi, np.log1p(p * (e - 1)).sum(axis=1), rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(q, p * e / (1 + p * (e - 1)), rtol=1e-12)
    np.testing.assert_allclose(d1, (p * e / (1 + p * (e - 1))) @ c, rtol=1e-12)
