"""IRB effective maturity is bounded to [1, 5] years (Basel II, June 2006, ¶320)."""

from __future__ import annotations

import numpy as np
import pytest

from fundsvc.credit.analytics.irb import MATURITY_BOUNDS_YEARS, maturity_adjustment, risk_weight


def test_maturity_beyond_five_years_gets_the_five_year_weight():
    """Basel II ¶320: M "will be no greater than 5 years". PD 1 %, LGD 45 %, M = 100 used to
    give 1,330 %; bounded it equals M = 5, hand-computed from the ¶272 formula:
    b = (0.11852 − 0.05478 ln 0.01)² and RW(M) = RW(2.5) · (1 + (M − 2.5) b) with RW(2.5)
    = 92.32 % (Annex 5) over the M = 2.5 adjustment 1/(1 − 1.5 b)."""
    b = (0.11852 - 0.05478 * np.log(0.01)) ** 2
    rw5 = float(risk_weight(0.01, 0.45, maturity=2.5)) * (1 + 2.5 * b)
    assert MATURITY_BOUNDS_YEARS == (1.0, 5.0)
    assert float(risk_weight(0.01, 0.45, maturity=100.0)) == pytest.approx(rw5, rel=1e-12)
    assert float(risk_weight(0.01, 0.45, maturity=5.0)) == pytest.approx(rw5, rel=1e-12)
    assert float(risk_weight(0.01, 0.45, maturity=100.0)) == pytest.approx(1.2405, abs=1e-4)


def test_maturity_below_one_year_gets_the_one_year_weight():
    """Basel II ¶320: M is no less than one year; at M = 1 the adjustment is (1 − 1.5 b)/(1 − 1.5 b) = 1."""
    one = float(risk_weight(0.01, 0.45, maturity=1.0))
    assert float(risk_weight(0.01, 0.45, maturity=0.25)) == one
    assert maturity_adjustment(0.01, 1.0) == pytest.approx(1.0, rel=1e-14)
    # within the bounds the weight still rises with maturity (direction)
    ms = np.array([1.0, 2.0, 3.0, 4.0, 5.0])
    assert np.all(np.diff(risk_weight(0.01, 0.45, maturity=ms)) > 0)


def test_maturity_must_be_positive():
    with pytest.raises(Exception, match="maturity"):
        risk_weight(0.01, 0.45, maturity=0.0)
