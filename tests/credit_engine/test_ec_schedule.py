"""Amortisation schedules against hand-computed numbers."""

import numpy as np
import pytest

from fundsvc.credit.engine.schedule import (
    AmortCode,
    accrued_interest,
    annuity_instalment,
    outstanding_principal,
    schedule_matrix,
)


def test_annuity_against_hand_computed_values():
    """1,000,000 CNY at 6 % over 3 years, annual instalments: the level payment is
    P·r/(1 − (1+r)^−n) = 374,109.81; balances 685,890.19 and 352,933.79 after one and two
    payments (balance·1.06 − payment each year)."""
    pay = annuity_instalment(1e6, 0.06, 3.0)
    assert pay == pytest.approx(374_109.81, abs=0.01)
    out = outstanding_principal(1e6, 0.06, 3.0, AmortCode.ANNUITY, np.array([0.5, 1.0, 1.5, 2.0, 2.5, 3.0]))
    b1 = 1e6 * 1.06 - pay
    b2 = b1 * 1.06 - pay
    np.testing.assert_allclose(out, [1e6, b1, b1, b2, b2, 0.0], atol=1e-6)
    assert b1 == pytest.approx(685_890.19, abs=0.01)
    assert b2 == pytest.approx(352_933.79, abs=0.01)
    # accrued interest half a year after the first instalment
    assert accrued_interest(1e6, 0.06, 3.0, AmortCode.ANNUITY, 1.5) == pytest.approx(b1 * 0.06 * 0.5)


def test_equal_principal_and_bullet():
    t = np.array([-0.1, 0.0, 0.99, 1.0, 2.5, 4.0, 5.0])
    ep = outstanding_principal(1e6, 0.05, 4.0, AmortCode.EQUAL_PRINCIPAL, t)
    np.testing.assert_allclose(ep, [0.0, 1e6, 1e6, 750_000, 500_000, 0.0, 0.0])
    bl = outstanding_principal(1e6, 0.05, 4.0, AmortCode.BULLET, t)
    np.testing.assert_allclose(bl, [0.0, 1e6, 1e6, 1e6, 1e6, 0.0, 0.0])
    # interest accrued on a bullet loan 0.25 years after an anniversary
    assert accrued_interest(1e6, 0.05, 4.0, AmortCode.BULLET, 2.25) == pytest.approx(12_500.0)


def test_monthly_annuity_and_fractional_term():
    """Monthly 等额本息: 120,000 at 12 % over 12 months pays 10,661.85 a month; after 6 payments
    the balance is the PV of the remaining 6 payments at 1 % a month = 61,790.53."""
    pay = annuity_instalment(120_000, 0.12, 1.0, payments_per_year=12)
    assert pay == pytest.approx(10_661.85, abs=0.01)
    out = outstanding_principal(120_000, 0.12, 1.0, AmortCode.ANNUITY, 0.5, payments_per_year=12)
    assert out == pytest.approx(pay * (1 - 1.01**-6) / 0.01, rel=1e-12)
    assert out == pytest.approx(61_790.53, abs=0.01)
    # a 1.5-year loan with annual instalments has 2 instalments, the last at maturity
    ep = outstanding_principal(1e6, 0.0, 1.5, AmortCode.EQUAL_PRINCIPAL, np.array([1.2, 1.5]))
    np.testing.assert_allclose(ep, [5e5, 0.0])


def test_schedule_matrix_shape_and_values():
    m = schedule_matrix([1e6, 2e6], [0.05, 0.05], [2.0, 3.0], [AmortCode.BULLET, AmortCode.EQUAL_PRINCIPAL],
                        [-0.5, 0.0], np.array([1.0, 2.0, 3.0]))
    assert m.shape == (2, 3)
    np.testing.assert_allclose(m, [[1e6, 0.0, 0.0], [2e6 * 2 / 3, 2e6 / 3, 0.0]])
