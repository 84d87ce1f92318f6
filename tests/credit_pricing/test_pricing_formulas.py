"""Break-even rate and RAROC: hand-computed cases, the RAROC/break-even identity, schedules."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fundsvc.credit import CapitalMethod, break_even_rate, price_loan, raroc
from fundsvc.credit.pricing.loan_schedule import (
    default_probabilities,
    default_timing_weights,
    effective_maturity,
    loan_schedule,
)
from models.credit import Amortisation

# A 1-year bullet loan with a known LGD and simple economics (no tax), used by several tests.
BASE = {"amount_cny": 1_000_000, "term_years": 1, "pd": 0.02, "lgd": 0.5, "funding_cost_rate": 0.02,
        "operating_cost_rate": 0.01, "tax_rate": 0.0, "hurdle_rate": 0.12, "risk_weight": 1.0, "capital_ratio": 0.08}


def test_one_year_bullet_break_even_is_sum_of_components():
    """r* = funding + opex + PD·LGD + C·(h − f) = 0.02 + 0.01 + 0.01 + 0.08·0.10 = 0.048 exactly."""
    r = price_loan(**BASE)
    assert r.expected_loss_rate == pytest.approx(0.02 * 0.5, abs=1e-15)
    assert r.capital_rate == pytest.approx(0.08, abs=1e-15)
    c = r.components
    assert (c.funding, c.operating_cost) == (0.02, 0.01)
    assert c.capital_charge == pytest.approx(0.008, abs=1e-15)
    assert r.break_even_rate == pytest.approx(0.048, abs=1e-14)
    assert r.break_even_rate == pytest.approx(c.funding + c.operating_cost + c.expected_loss + c.capital_charge, abs=1e-15)
    assert r.capital_method is CapitalMethod.STANDARDISED
    assert r.pd_cumulative == pytest.approx(0.02)
    assert r.exposure_years == 1.0


def test_tax_grosses_up_only_the_capital_charge():
    """With tax 25 %: capital charge 0.008 / 0.75; r* = 0.04 + 0.0106667."""
    r = price_loan(**{**BASE, "tax_rate": 0.25})
    assert r.components.capital_charge == pytest.approx(0.008 / 0.75, rel=1e-12)
    assert r.break_even_rate == pytest.approx(0.04 + 0.008 / 0.75, rel=1e-12)


def test_after_tax_raroc_worked_example():
    """Hand-worked after-tax RAROC in the Crouhy–Galai–Mark form of the GARP FRM Part II readings:
    a 1-year loan fully funded by deposits at 0.4 %, rate 3.2 %, EL 2 %, operating cost 0.5 %,
    economic capital 10 % earning 1.4 % pre-tax, tax 38 %:
    (3.2 − 0.4 − 2.0 − 0.5 + 10 × 1.4 %) % × 0.62 / 10 % = 2.728 %. Our form takes the return on
    capital after tax, b = 1.4 % × 0.62, and gives the same number (the forms are identical)."""
    b_after = 0.014 * (1 - 0.38)
    assert raroc(0.032, 0.004, 0.005, 0.02, 0.10, 0.38, b_after) == pytest.approx(0.02728, rel=1e-12)
    assert break_even_rate(0.004, 0.005, 0.02, 0.10, 0.38, 0.02728, b_after) == pytest.approx(0.032, rel=1e-12)


def test_capital_return_rate_overrides_funding_benefit():
    """Capital earning 1.5 % instead of the 2 % funding rate: charge 0.08·(0.12 − 0.015) = 0.0084."""
    r = price_loan(**{**BASE, "capital_return_rate": 0.015})
    assert r.components.capital_charge == pytest.approx(0.0084, rel=1e-12)


def test_raroc_at_quoted_rate_by_hand():
    """Quoted 6 %, tax 25 %: RAROC = ((0.06 − 0.02 − 0.01 − 0.01)·0.75 + 0.08·0.02) / 0.08 = 0.2075."""
    r = price_loan(**{**BASE, "tax_rate": 0.25, "quoted_rate": 0.06})
    assert r.raroc == pytest.approx((0.02 * 0.75 + 0.08 * 0.02) / 0.08, rel=1e-12)
    assert r.quoted_rate == 0.06


def test_raroc_none_without_quote_or_capital():
    assert price_loan(**BASE).raroc is None
    r = price_loan(**{**BASE, "quoted_rate": 0.05, "risk_weight": 0.0})
    assert r.raroc is None
    assert r.break_even_rate == pytest.approx(0.04)


@pytest.mark.parametrize("method", [CapitalMethod.STANDARDISED, CapitalMethod.IRB, CapitalMethod.ECONOMIC])
@pytest.mark.parametrize("amortisation", list(Amortisation))
def test_raroc_at_break_even_equals_hurdle(method, amortisation):
    """Price, quote the break-even rate, price again: RAROC equals the hurdle (with and without pool)."""
    req = {"amount_cny": 5e6, "term_years": 3.5, "pd": 0.03, "ip_appraisal_cny": 12e6, "pool_share": 0.4,
           "pool_cap_cny": 1e6, "pool_pay_probability": 0.9, "capital_method": method, "amortisation": amortisation,
           "economic_capital_rate": 0.07, "annual_revenue_cny": 5e7, "tax_rate": 0.25, "hurdle_rate": 0.11}
    first = price_loan(**req, quoted_rate=0.05)
    again = price_loan(**req, quoted_rate=first.break_even_rate)
    assert again.raroc == pytest.approx(0.11, abs=1e-12)
    # the break-even rate does not depend on the quote (for an annuity it is the fixed point r = r*(schedule at r))
    assert again.break_even_rate == pytest.approx(first.break_even_rate, abs=1e-12)
    # the identity for the counterfactual leg, at its own break-even
    n = again.without_pool
    assert raroc(n.break_even_rate, 0.02, 0.01, n.expected_loss_rate, n.capital.capital_rate, 0.25, 0.02) == \
        pytest.approx(0.11, abs=1e-12)


@settings(max_examples=60, deadline=None)
@given(
    f=st.floats(0.0, 0.08), o=st.floats(0.0, 0.05), el=st.floats(0.0, 0.2), c=st.floats(0.005, 0.5),
    t=st.floats(0.0, 0.5), h=st.floats(-0.05, 0.4), b=st.floats(0.0, 0.08),
)
def test_formula_identity(f, o, el, c, t, h, b):
    """RAROC(break_even_rate(...)) == hurdle for any inputs; RAROC rises with the rate."""
    r_star = break_even_rate(f, o, el, c, t, h, b)
    assert raroc(r_star, f, o, el, c, t, b) == pytest.approx(h, abs=1e-9)
    assert raroc(r_star + 0.01, f, o, el, c, t, b) > raroc(r_star, f, o, el, c, t, b)


def test_formulas_vectorise_over_rates():
    rates = np.linspace(0.03, 0.08, 6)
    out = raroc(rates, 0.02, 0.01, 0.01, 0.08, 0.25, 0.02)
    assert out.shape == (6,) and np.all(np.diff(out) > 0)


# ---- multi-year conventions ----------------------------------------------------------------

def test_two_year_equal_principal_expected_loss_by_hand():
    """E = [1, 0.5], W = 1.5, d = [0.1, 0.09]: EL = (0.1·1·0.5 + 0.09·0.5·0.5) / 1.5."""
    r = price_loan(**{**BASE, "pd": 0.1, "term_years": 2, "amortisation": "equal_principal"})
    assert r.exposure_years == pytest.approx(1.5)
    assert r.average_exposure == pytest.approx(0.75)
    assert r.expected_loss_rate == pytest.approx((0.05 + 0.0225) / 1.5, rel=1e-12)
    assert r.pd_cumulative == pytest.approx(0.19)
    # default-weighted LGD is the given LGD (no cap, no pool)
    assert r.lgd_after_sharing == pytest.approx(0.5)


def test_schedules_by_hand():
    s = loan_schedule(3, Amortisation.BULLET)
    np.testing.assert_allclose(s.exposure, [1, 1, 1])
    s = loan_schedule(4, Amortisation.EQUAL_PRINCIPAL)
    np.testing.assert_allclose(s.exposure, [1, 0.75, 0.5, 0.25])
    s = loan_schedule(2, Amortisation.ANNUITY, 0.10)
    a = 1 / (1 / 1.1 + 1 / 1.21)  # level instalment
    np.testing.assert_allclose(s.exposure, [1, 1.1 - a], rtol=1e-12)
    np.testing.assert_allclose(s.principal_repaid.sum(), 1.0)
    s = loan_schedule(2, Amortisation.ANNUITY, 0.0)  # zero rate: equal principal
    np.testing.assert_allclose(s.exposure, [1, 0.5])
    s = loan_schedule(1.5, Amortisation.BULLET)
    np.testing.assert_allclose(s.tau, [1, 0.5])
    assert s.exposure_years == pytest.approx(1.5)


def test_default_probabilities_sum_to_cumulative_pd():
    s = loan_schedule(2.5, Amortisation.EQUAL_PRINCIPAL)
    d = default_probabilities(0.04, s)
    assert d.sum() == pytest.approx(1 - 0.96**2.5, rel=1e-12)
    assert d[2] == pytest.approx(0.96**2 - 0.96**2.5, rel=1e-12)


def test_effective_maturity():
    assert effective_maturity(loan_schedule(3, Amortisation.BULLET)) == 3.0
    assert effective_maturity(loan_schedule(2, Amortisation.EQUAL_PRINCIPAL)) == pytest.approx(1.5)
    assert effective_maturity(loan_schedule(0.5, Amortisation.BULLET)) == 1.0  # Basel floor
    assert effective_maturity(loan_schedule(10, Amortisation.BULLET)) == 5.0  # Basel cap
    assert effective_maturity(loan_schedule(10, Amortisation.BULLET), bounded=False) == 10.0


def test_longer_bullet_same_annual_el_with_constant_pd():
    """Constant annual PD and LGD on a bullet loan: EL per year = (1 − (1 − p)^T)·LGD / T."""
    for term in (1, 3, 5):
        r = price_loan(**{**BASE, "term_years": term})
        assert r.expected_loss_rate == pytest.approx((1 - 0.98**term) * 0.5 / term, rel=1e-12)
        assert r.expected_loss_rate <= 0.01 + 1e-15
    assert not math.isnan(price_loan(**{**BASE, "term_years": 30}).break_even_rate)


def test_default_timing_weights_are_default_probabilities_over_the_hazard():
    s = loan_schedule(2.5, Amortisation.EQUAL_PRINCIPAL)
    rate = -np.log(0.96)
    np.testing.assert_allclose(default_timing_weights(0.04, s) * rate, default_probabilities(0.04, s), rtol=1e-12)
    # the small-PD limit is the period lengths, in years (1, 1, 0.5), with no subnormal noise
    np.testing.assert_array_equal(default_timing_weights(5e-324, s), [1.0, 1.0, 0.5])
    np.testing.assert_allclose(default_timing_weights(1e-12, s), [1.0, 1.0, 0.5], rtol=1e-11)


def test_lgd_of_a_vanishing_pd_is_the_small_pd_limit():
    """A PD of 5e-324 (found by schemathesis) once gave NaN or LGD 1.0; it is the p → 0 limit."""
    from fundsvc.credit import price_loan

    kw = {"amount_cny": 5e6, "term_years": 3, "pledge_rate": 0.4, "amortisation": "equal_principal"}
    tiny = price_loan(pd=5e-324, **kw)
    small = price_loan(pd=1e-12, **kw)
    assert tiny.lgd_after_collateral == pytest.approx(small.lgd_after_collateral, rel=1e-12)
    assert 0 < tiny.lgd_after_collateral < 1
