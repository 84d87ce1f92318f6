"""Expected loss after IP collateral and sharing: analytic vs numerical integration; pool effects."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from scipy import integrate, stats

from fundsvc.credit import price_loan
from fundsvc.credit.pricing.loss_sharing import (
    bank_loss_fraction,
    beta_put,
    expected_loss_fraction,
    recovery_terms,
)
from models.credit import IPRecoveryModel, IPType

BASE = {"amount_cny": 1_000_000, "term_years": 1, "pd": 0.02, "lgd": 0.5, "funding_cost_rate": 0.02,
        "operating_cost_rate": 0.01, "tax_rate": 0.0, "hurdle_rate": 0.12, "risk_weight": 1.0, "capital_ratio": 0.08}


def reference_bank_lgd(net_value, ead, u, p_ns, a, b, g, s, p, cap, pi):
    """Obviously-correct slow reference: integrate the bank's loss against the Beta density."""

    def loss(x):
        return max(1.0 - u - net_value * x / ead, 0.0)

    def bank(lv, pays):
        pool = min(p * lv, (np.inf if cap is None else cap / ead)) if pays else 0.0
        return lv * (1.0 - g - s) - pool

    def integrand(x):
        lv = loss(x)
        return (pi * bank(lv, True) + (1 - pi) * bank(lv, False)) * stats.beta.pdf(x, a, b)

    kinks = [min(max((1 - u) * ead / net_value, 0), 1)]
    if p > 0 and cap is not None:
        kinks.append(min(max((1 - u - cap / (p * ead)) * ead / net_value, 0), 1))
    sold, _ = integrate.quad(integrand, 0, 1, points=sorted(set(kinks)), limit=200, epsabs=1e-13, epsrel=1e-12)
    lv = 1.0 - u
    no_sale = pi * bank(lv, True) + (1 - pi) * bank(lv, False)
    return p_ns * no_sale + (1 - p_ns) * sold


@pytest.mark.parametrize(
    ("ead", "value", "u", "g", "s", "p", "cap", "pi"),
    [
        (5e6, 12e6, 0.0, 0.0, 0.0, 0.4, None, 1.0),
        (5e6, 12e6, 0.0, 0.0, 0.0, 0.4, 6e5, 0.9),  # cap binds for part of the distribution
        (3e6, 20e6, 0.1, 0.3, 0.1, 0.4, 1e6, 0.75),
        (2e6, 1e6, 0.05, 0.4, 0.0, 0.4, 2e5, 1.0),  # thin cover, cap binds mostly
        (1e6, 50e6, 0.0, 0.0, 0.0, 0.5, 1e5, 0.5),  # IP covers everything when sold
    ],
)
def test_bank_lgd_matches_numerical_integration(ead, value, u, g, s, p, cap, pi):
    model = IPRecoveryModel(concentration=3.0, p_no_sale=0.25)
    terms = recovery_terms(value, IPType.INVENTION_PATENT, model, u)
    got = bank_loss_fraction(terms, np.array([ead]), guarantee_share=g, insurance_share=s, pool_share=p,
                             pool_cap_cny=cap, pool_pay_probability=pi)[0]
    want = reference_bank_lgd(terms.net_value_cny, ead, u, terms.p_no_sale, terms.alpha, terms.beta, g, s, p, cap, pi)
    assert got == pytest.approx(want, abs=1e-9)
    el = expected_loss_fraction(terms, np.array([ead]))[0]
    want_el = reference_bank_lgd(terms.net_value_cny, ead, u, terms.p_no_sale, terms.alpha, terms.beta,
                                 0, 0, 0, None, 1.0)
    assert el == pytest.approx(want_el, abs=1e-9)


def test_recovery_terms_from_model():
    """κ = (1 − cost)·(1 + r)^−T; α = m·c, β = (1 − m)·c."""
    model = IPRecoveryModel(concentration=4.0, disposal_cost_share=0.1, discount_rate=0.05, mean_disposal_years=2.0)
    t = recovery_terms(1e6, IPType.UTILITY_MODEL, model)
    assert t.net_value_cny == pytest.approx(1e6 * 0.9 / 1.05**2)
    assert (t.alpha, t.beta) == pytest.approx((0.4, 3.6))
    assert t.mean_fraction == pytest.approx(0.1)


def test_beta_put_limits():
    a, b = 2.0, 3.0
    assert beta_put(0.0, 1.0, a, b) == 0.0
    assert beta_put(-1.0, 1.0, a, b) == 0.0
    assert beta_put(0.7, 0.0, a, b) == pytest.approx(0.7)  # no collateral
    assert beta_put(2.0, 1.0, a, b) == pytest.approx(2.0 - 0.4)  # strike above any value: K − a·E[X]


def test_beta_put_by_hand_and_an_infinite_threshold():
    """Uniform X (Beta(1, 1)): E[(0.5 − X)⁺] = ∫₀^½ (½ − x) dx = 1/8; E[(0.5 − 2X)⁺] = 1/16.

    K = −inf (a pool cap far above p·EAD with a subnormal pool share p makes the threshold cap/p
    infinite) pays 0 without a RuntimeWarning (hypothesis found pool_share 5e-324 giving inf·0).
    """
    assert beta_put(0.5, 1.0, 1.0, 1.0) == pytest.approx(0.125, rel=1e-12)
    assert beta_put(0.5, 2.0, 1.0, 1.0) == pytest.approx(0.0625, rel=1e-12)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert beta_put(np.array([-np.inf, 0.5]), 1.0, 1.0, 1.0).tolist() == pytest.approx([0.0, 0.125])


def test_given_lgd_sharing_by_hand():
    """LGD 0.5; guarantee 0.3 + pool 0.4 → bank 0.15; pool cap 100k on a 500k loss → bank 0.4."""
    r = price_loan(**BASE, guarantee_share=0.3, pool_share=0.4)
    assert r.lgd_after_sharing == pytest.approx(0.15)
    assert r.expected_loss_rate == pytest.approx(0.02 * 0.15)
    r = price_loan(**BASE, pool_share=0.4, pool_cap_cny=100_000)
    assert r.lgd_after_sharing == pytest.approx(0.4)
    r = price_loan(**BASE, pool_share=0.4, pool_cap_cny=100_000, pool_pay_probability=0.5)
    assert r.lgd_after_sharing == pytest.approx(0.45)
    assert r.without_pool.lgd_after_sharing == pytest.approx(0.5)


def test_subsidy_is_difference_of_break_evens_by_hand():
    """No tax, standardised: the pool (40 %, no cap) lowers EL by 0.02·0.5·0.4 = 40 bp; capital unchanged."""
    r = price_loan(**BASE, pool_share=0.4)
    assert r.break_even_rate == pytest.approx(0.044, abs=1e-14)
    assert r.without_pool.break_even_rate == pytest.approx(0.048, abs=1e-14)
    assert r.subsidy_bp == pytest.approx(40.0, abs=1e-9)
    assert r.subsidy_cny == pytest.approx(0.004 * 1e6)
    # the counterfactual leg equals pricing the loan with no pool at all
    alone = price_loan(**BASE)
    assert r.without_pool.break_even_rate == pytest.approx(alone.break_even_rate, abs=1e-15)
    assert alone.subsidy_rate == 0.0


@pytest.mark.parametrize("method", ["standardised", "irb"])
@pytest.mark.parametrize("cap", [None, 8e5])
def test_pool_lowers_break_even_monotonically(method, cap):
    shares = np.linspace(0.0, 0.8, 9)
    req = {"amount_cny": 5e6, "term_years": 3, "pd": 0.03, "ip_appraisal_cny": 1.2e7, "guarantee_share": 0.2,
           "pool_cap_cny": cap, "capital_method": method, "annual_revenue_cny": 4e7}
    results = [price_loan(**req, pool_share=float(p)) for p in shares]
    be = np.array([r.break_even_rate for r in results])
    assert np.all(np.diff(be) < 0)
    for p, r in zip(shares, results):
        assert r.subsidy_rate == pytest.approx(r.without_pool.break_even_rate - r.break_even_rate, abs=1e-15)
        assert r.without_pool.break_even_rate == pytest.approx(be[0], abs=1e-14)
        assert r.subsidy_rate >= 0.0 if p > 0 else r.subsidy_rate == 0.0


def test_pool_pay_probability_scales_subsidy_without_cap():
    """Without a cap the pool's expected payment is linear in the pay probability, and so is the subsidy."""
    req = {**BASE, "lgd": None, "ip_appraisal_cny": 2e6, "pool_share": 0.4}
    full = price_loan(**req)
    half = price_loan(**req, pool_pay_probability=0.5)
    none = price_loan(**req, pool_pay_probability=0.0)
    assert half.subsidy_rate == pytest.approx(0.5 * full.subsidy_rate, rel=1e-12)
    assert none.subsidy_rate == pytest.approx(0.0, abs=1e-15)


def test_pledge_rate_equals_appraisal():
    a = price_loan(amount_cny=5e6, term_years=2, pd=0.02, pledge_rate=0.4, quoted_rate=0.05)
    b = price_loan(amount_cny=5e6, term_years=2, pd=0.02, ip_appraisal_cny=12.5e6, quoted_rate=0.05)
    assert a.break_even_rate == b.break_even_rate and a.raroc == b.raroc


def test_more_collateral_less_loss():
    lgds = [price_loan(amount_cny=5e6, term_years=2, pd=0.02, pledge_rate=pr).lgd_after_collateral
            for pr in (2.0, 1.0, 0.5, 0.25, 0.1)]
    assert np.all(np.diff(lgds) < 0)
    # floor: even unlimited IP leaves the no-sale probability (default model: p_no_sale 0.3)
    assert lgds[-1] > 0.3


def test_amortising_loan_lgd_varies_with_cap():
    """A CNY cap binds less as the balance amortises, so the bank's LGD falls over the term."""
    r = price_loan(amount_cny=5e6, term_years=4, pd=0.03, lgd=0.6, pool_share=0.5, pool_cap_cny=5e5,
                   amortisation="equal_principal")
    # period LGDs: min(0.3·E, 5e5/5e6)/E on balances 1, .75, .5, .25 → bank 0.6 − min(0.3, 0.1/E)
    e = np.array([1, 0.75, 0.5, 0.25])
    d = 0.97 ** np.arange(4) - 0.97 ** np.arange(1, 5)
    lgd = 0.6 - np.minimum(0.3, 0.1 / e)
    assert r.expected_loss_rate == pytest.approx(np.dot(d * e, lgd) / e.sum(), rel=1e-12)
