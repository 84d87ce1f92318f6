"""VaR / ES / quantiles: hand-computed discrete cases, normal closed forms with tolerances from
the standard error, importance-sampling weights, and weighted-equals-unweighted."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from scipy import stats

from fundsvc.errors import InputError
from fundsvc.metrics import (
    QuantileMethod,
    WeightNormalization,
    expected_shortfall,
    quantiles,
    value_at_risk,
    weighted_es,
    weighted_quantile,
    weighted_var,
)


def test_discrete_losses_by_hand():
    """Losses 1..10, equally likely. VaR_0.9 = 9 (P(L <= 9) = 0.9); ES_0.9 = 10 (the worst
    10 % is the loss 10). At 0.85 the worst 15 % is half of the 9 and all of the 10:
    ES = (0.05 * 9 + 0.10 * 10) / 0.15 = 9.667."""
    losses = np.arange(1.0, 11.0)
    assert value_at_risk(losses, 0.9) == 9.0
    assert expected_shortfall(losses, 0.9) == pytest.approx(10.0)
    assert value_at_risk(losses, 0.85) == 9.0
    assert expected_shortfall(losses, 0.85) == pytest.approx((0.05 * 9 + 0.10 * 10) / 0.15)


def test_atom_at_zero_by_hand():
    """95 paths lose nothing, 5 lose 100 (a loan book's typical shape). VaR_0.9 = 0 but the
    worst 10 % is half losses of 100: ES_0.9 = 50; at 0.99 both are 100."""
    losses = np.r_[np.zeros(95), np.full(5, 100.0)]
    assert value_at_risk(losses, 0.9) == 0.0
    assert expected_shortfall(losses, 0.9) == pytest.approx(50.0)
    assert value_at_risk(losses, 0.99) == 100.0
    assert expected_shortfall(losses, 0.99) == pytest.approx(100.0)


def _normal_tail(level: float):
    q = stats.norm.ppf(level)
    es = stats.norm.pdf(q) / (1 - level)
    return q, es


@pytest.mark.parametrize("level", [0.95, 0.99])
def test_normal_sample_against_closed_form(level):
    """N(0,1) losses: VaR = z_a, ES = phi(z_a) / (1 - a). Tolerance: 4 standard errors of the
    estimators, sqrt(a(1-a)/n) / phi(z_a) for the quantile and
    sqrt((Var(L | L > VaR) + a (ES - VaR)^2) / (n (1 - a))) for ES."""
    n = 400_000
    losses = np.random.default_rng(11).standard_normal(n)
    q, es = _normal_tail(level)
    se_var = np.sqrt(level * (1 - level) / n) / stats.norm.pdf(q)
    tail_var = 1 + q * es - es ** 2                    # variance of N(0,1) truncated at q
    se_es = np.sqrt((tail_var + level * (es - q) ** 2) / (n * (1 - level)))
    assert abs(value_at_risk(losses, level) - q) < 4 * se_var
    assert abs(expected_shortfall(losses, level) - es) < 4 * se_es


def test_importance_sampling_weights_recover_the_tail():
    """Draw from N(mu, 1) centred in the tail and weight by the likelihood ratio
    phi(x) / phi(x - mu) = exp(-mu x + mu^2 / 2): weighted VaR/ES (unbiased tail estimator,
    Glasserman, Heidelberger & Shahabuddin 2000) estimate those of N(0,1). Tolerance: 4 standard
    errors of the IS tail-probability estimator at the true quantile,
    sqrt((e^{mu^2} Phi_bar(q + mu) - p^2) / n), turned into a quantile error by 1 / phi(q); the
    same margin (times 3) for ES."""
    level, mu, n = 0.999, 3.0, 100_000
    x = np.random.default_rng(5).normal(mu, 1.0, n)
    w = np.exp(-mu * x + mu ** 2 / 2)
    q, es = _normal_tail(level)
    p = 1 - level
    se_p = np.sqrt((np.exp(mu ** 2) * stats.norm.sf(q + mu) - p ** 2) / n)
    se_q = se_p / stats.norm.pdf(q)
    assert abs(weighted_var(x, level, w) - q) < 4 * se_q
    assert abs(weighted_es(x, level, w) - es) < 12 * se_q
    # plain VaR of the same sample is nowhere near: the weights are doing the work
    assert value_at_risk(x, level) > q + 1.0


@settings(max_examples=100, deadline=None)
@given(
    hnp.arrays(np.float64, st.tuples(st.integers(1, 60), st.integers(1, 3)),
               elements=st.floats(-1e6, 1e6)),
    st.lists(st.floats(0.01, 0.99), min_size=1, max_size=3),
)
def test_unit_weights_equal_unweighted(losses, levels):
    """Weighted VaR/ES/quantile with unit weights equal the unweighted ones exactly, under both
    normalisations; self-normalised results do not change when all weights are scaled."""
    lv = np.array(levels)
    ones = np.ones(losses.shape[0])
    for norm in WeightNormalization:
        np.testing.assert_array_equal(
            weighted_var(losses, lv, ones, normalization=norm), value_at_risk(losses, lv))
        np.testing.assert_allclose(weighted_es(losses, lv, ones, normalization=norm),
                                   expected_shortfall(losses, lv), rtol=1e-12, atol=1e-6)
    np.testing.assert_array_equal(
        weighted_quantile(losses, lv, 3.5 * ones),
        quantiles(losses, lv, method=QuantileMethod.INVERTED_CDF))
    np.testing.assert_allclose(
        weighted_es(losses, lv, 3.5 * ones, normalization=WeightNormalization.SELF),
        expected_shortfall(losses, lv), rtol=1e-12, atol=1e-6)


def test_weighted_quantile_matches_numpy_weighted_quantile():
    """numpy >= 2 has weighted inverted-cdf quantiles; ours (SELF) gives the same values."""
    rng = np.random.default_rng(8)
    x, w = rng.normal(size=(500, 3)), rng.uniform(0, 3, 500)
    q = np.array([0.1, 0.5, 0.9, 0.99])
    np.testing.assert_array_equal(
        weighted_quantile(x, q, w),
        np.quantile(x, q, axis=0, weights=w, method="inverted_cdf"))


@settings(max_examples=100, deadline=None)
@given(hnp.arrays(np.float64, st.integers(2, 80), elements=st.floats(-1e3, 1e3)),
       st.floats(0.5, 0.995))
def test_es_is_at_least_var_and_at_most_the_worst_loss(losses, level):
    var = value_at_risk(losses, level)
    es = expected_shortfall(losses, level)
    assert var - 1e-9 <= es <= losses.max() + 1e-9 * max(1.0, abs(losses.max()))


def test_axis_and_level_shapes():
    rng = np.random.default_rng(2)
    losses = rng.normal(size=(1000, 3))
    by_row = expected_shortfall(losses.T, [0.9, 0.99], axis=1)
    by_col = expected_shortfall(losses, [0.9, 0.99], axis=0)
    assert by_col.shape == (2, 3)
    np.testing.assert_allclose(by_row, by_col)
    w = rng.uniform(0.5, 2.0, 1000)
    full = np.broadcast_to(w[:, None], losses.shape)
    np.testing.assert_allclose(weighted_es(losses, 0.95, w), weighted_es(losses, 0.95, full))
    fan = quantiles(losses, [0.05, 0.5, 0.95])
    np.testing.assert_allclose(fan, np.quantile(losses, [0.05, 0.5, 0.95], axis=0))


def test_bad_input_messages():
    x = np.arange(10.0)
    with pytest.raises(InputError, match="strictly between 0 and 1"):
        value_at_risk(x, 1.0)
    with pytest.raises(InputError, match="non-negative"):
        weighted_var(x, 0.9, -np.ones(10))
    with pytest.raises(InputError, match="has 9 entries"):
        weighted_es(x, 0.9, np.ones(9))
    with pytest.raises(InputError, match="sum to zero"):
        weighted_quantile(x, 0.5, np.zeros(10))
    with pytest.raises(InputError, match="axis"):
        expected_shortfall(x, 0.9, axis=1)
