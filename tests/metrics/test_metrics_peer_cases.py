"""Cases ported from the peers' own test suites, run against ``fundsvc.metrics``.

Sources (fetched from GitHub, test files named per case):

* numpy-financial, ``numpy_financial/tests/test_financial.py`` (``TestIrr``, ``TestNpv``),
  github.com/numpy/numpy-financial at f47e8af;
* pyxirr, ``tests/test_periodic.rs`` (``test_irr_works``, ``test_irr_special_cases``,
  ``test_irr_equal_payments``, ``test_gh_46``) and ``tests/test_scheduled.rs``
  (``test_xirr_samples``, samples ``tests/samples/minus_0_*.csv``), github.com/Anexen/pyxirr at
  5f31a85 (v0.10.8).

Where several roots exist both peers' answers follow numpy-financial's default selection (the
smallest non-negative root, else the negative root nearest 0), as ours does.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from fundsvc.metrics import irr, npv, xirr, xnpv

GH_15 = [
    -3000.0, 2.3926932267015667e-07, 4.1672087103345505e-16, 5.3965110036378706e-25,
    5.1962551071806174e-34, 3.7202955645436402e-43, 1.9804961711632469e-52,
    7.8393517651814181e-62, 2.3072565113911438e-71, 5.0491839233308912e-81,
    8.2159177668499263e-91, 9.9403244366963527e-101, 8.942410813633967e-111,
    5.9816122646481191e-121, 2.9750309031844241e-131, 1.1002067043497954e-141,
    3.0252876563518021e-152, 6.1854121948207909e-163, 9.4032980015353301e-174,
    1.0629218520017728e-184, 8.9337141847171845e-196, 5.5830607698467935e-207,
    2.5943122036622652e-218, 8.9635842466507006e-230, 2.3027710094332358e-241,
    4.3987510596745562e-253, 6.2476630372575209e-265, 6.598046841695288e-277,
    5.1811095266842017e-289, 3.0250999925830644e-301, 1.3133070599585015e-313,
]

GH_39 = [
    -217500.0, -217500.0, 108466.80462450592, 101129.96439328062, 93793.12416205535,
    86456.28393083003, 79119.44369960476, 71782.60346837944, 64445.76323715414,
    57108.92300592884, 49772.08277470355, 42435.24254347826, 35098.40231225296,
    27761.56208102766, 20424.721849802358, 13087.88161857707, 5751.041387351768,
    -1585.7988438735192, -8922.639075098821, -16259.479306324123, -23596.31953754941,
    -30933.159768774713, -38270.0, -45606.8402312253, -52943.680462450604,
    -60280.520693675906, -67617.36092490121,
]


def test_numpy_financial_gh_15_root_below_minus_99_99_percent():
    """numpy-financial ``test_gh_15``: the root at -0.9999999990596069 (rtol 1e-9 there)."""
    assert irr(GH_15) == pytest.approx(-0.9999999990596069, rel=1e-9)


def test_numpy_financial_gh_44_positive_root_when_profitable():
    """numpy-financial ``test_gh_44`` (1.00426, "as calculated by Google sheets") and pyxirr
    ``test_irr_special_cases`` (1.0042698487205577): two roots, -99.979 % and +100.43 %; the
    selection rule takes the non-negative one."""
    cf = [-1678.87, 771.96, 1814.05, 3520.30, 3552.95, 3584.99, 4789.91, -1]
    assert irr(cf) == pytest.approx(1.0042698487205577, rel=1e-10)
    assert irr(cf[:6] + [-1]) == pytest.approx(0.9688775470209261, rel=1e-10)


def test_numpy_financial_gh_39():
    """numpy-financial ``test_gh_39`` and pyxirr: 0.12 (assert_allclose's rtol 1e-7)."""
    assert irr(GH_39) == pytest.approx(0.12, rel=1e-7)


@pytest.mark.parametrize("flows, expected", [
    ([-100.0, 39.0, 59.0, 55.0, 20.0], 0.28094842116),
    ([-100.0, 0.0, 0.0, 74.0], -0.09549583034),
    ([-100.0, 100.0, 0.0, -7.0], -0.08329966618),
    ([-161445.03, 2113.73, 7626.73, 8619.84, 8612.92], -0.43658134635),
    ([-150000.0, 15000.0, 25000.0, 35000.0, 45000.0, 60000.0], 0.05243288885),
    ([-100.0, 100.0, 0.0, 7.0], 0.06205848562),
    ([-5.0, 10.5, 1.0, -8.0, 1.0], 0.08859833852),
    ([-5.0, 10.5, 1.0, -8.0, 1.0, 0.0, 0.0, 0.0], 0.08859833852),
    ([-40000.0, 5000.0, 8000.0, 12000.0, 30000.0], 0.10582259840),
    ([-10.0, 2.0, 2.0, 2.0, 2.0], -0.08364541746615073),
    ([-50.0, -100.0, 600.0, 300.0, -100.0], 1.8544178284461061),   # numpy-financial gh-28
    ([0.0, -54163.55222425675, -15411.724067521238, 11824.611799779348, 13831.220768857136,
      24713.445277451923, 42399.405170720645, 32779.24733697434, 29832.522397937253,
      21750.50072725094, 20140.886499523196, 18357.799360554745, 10074.662845544659],
     0.235461374465902),                                            # pyxirr gh-56
    ([87.17] * 5 + [-86.43], -0.49367042606),
    ([-87.17] * 180 + [5809.3], -0.01352676905),
    ([-172545.848122807] + [787.735232517999] * 480, 0.0038401048),
    ([-1.44852555e+08, 1.28859998e+06, 1.27305118e+06, 1.25407349e+06, 1.24199669e+06,
      1.22647792e+06, 1.21095552e+06, 1.19206955e+06, 1.17989821e+06, 1.16436524e+06,
      1.14883185e+06, 1.12945217e+06, 1.11780102e+06, 1.10228427e+06, 1.08671783e+06,
      1.06755759e+06, 1.05502327e+06, 1.03885451e+06, 1.02247003e+06, 1.00227444e+06,
      9.88024873e+05], -0.138541274008),                           # pyxirr gh-46
])
def test_pyxirr_periodic_cases(flows, expected):
    """pyxirr ``test_periodic.rs`` cases (``assert_almost_eq!``: 1e-10 absolute there; the
    printed expectations have 11 decimals, hence 1e-9 here)."""
    assert irr(flows) == pytest.approx(expected, abs=1e-9)


@pytest.mark.parametrize("flows", [(1, 2, 3), (-1, -2, -3)])
def test_numpy_gh_6744_no_solution_is_nan(flows):
    """numpy-financial ``test_numpy_gh_6744``: flows of one sign have no IRR (NaN)."""
    assert np.isnan(irr(flows))


@pytest.mark.parametrize("rate", [-1, -1.0])
def test_npv_rate_of_minus_one_is_nan_without_warning(rate):
    """numpy-financial ``TestNpv.test_rate_of_negative_one_returns_nan``; no RuntimeWarning."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert np.isnan(npv(rate, np.arange(5)))
        assert np.isnan(xnpv(rate, [1.0, 2.0], ["2020-01-01", "2021-01-01"]))


def test_npv_reference_value():
    """numpy-financial ``TestNpv.test_npv``: 122.89 (rtol 1e-2 there; exact to the cent here)."""
    assert npv(0.05, [-15000.0, 1500.0, 2500.0, 3500.0, 4500.0, 6000.0]) == pytest.approx(122.8948, abs=1e-4)


@pytest.mark.parametrize("dates, flows, expected", [
    (["2020-03-05", "2020-03-16"], [-18480.0, 13120.0], -0.9999884228170087),   # minus_0_99999
    (["2021-06-09", "2021-08-11"], [-134.09, 40.86], -0.9989769231734277),      # minus_0_99
    (["2021-06-08", "2022-06-29", "2023-06-08", "2023-06-30"],
     [-1000000.0, 5000.0, -3.0, 0.0], -0.993785049929284),                     # minus_0_993
])
def test_pyxirr_xirr_samples_near_minus_one(dates, flows, expected):
    """pyxirr ``test_xirr_samples`` (``close_to_minus_0_*``): roots just above -100 % a year."""
    assert xirr(flows, dates) == pytest.approx(expected, abs=1e-10)
