"""Multiples (DPI/RVPI/TVPI/PIC) and the PME family: invariants, loop references, bad input."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from fundsvc.errors import InputError
from fundsvc.metrics import (
    direct_alpha,
    dpi,
    dpi_path,
    irr,
    ks_pme,
    ln_pme,
    pic,
    pic_path,
    pme_plus,
    rvpi,
    rvpi_path,
    signed_flows,
    tvpi,
    tvpi_path,
)


def _random_fund(n_paths: int, n_steps: int, seed: int):
    rng = np.random.default_rng(seed)
    t = np.arange(n_steps)
    calls = np.where(t < n_steps // 2, rng.uniform(0, 20, (n_paths, n_steps)), 0.0)
    dists = np.where(t >= n_steps // 3, rng.lognormal(1, 1, (n_paths, n_steps)), 0.0)
    nav = rng.uniform(0, 80, n_paths)
    index = 100 * np.exp(np.cumsum(rng.normal(0.02, 0.08, (n_paths, n_steps)), axis=1))
    return calls, dists, nav, index


def test_multiples_by_hand():
    """Calls 60 + 40, distributions 30 + 90, NAV 50 on a commitment of 200."""
    c, d = [60.0, 40.0, 0.0, 0.0], [0.0, 0.0, 30.0, 90.0]
    assert dpi(c, d) == pytest.approx(1.2)
    assert rvpi(c, 50.0) == pytest.approx(0.5)
    assert tvpi(c, d, 50.0) == pytest.approx(1.7)
    assert pic(c, 200.0) == pytest.approx(0.5)
    np.testing.assert_allclose(dpi_path(c, d), [0.0, 0.0, 0.3, 1.2])
    np.testing.assert_allclose(pic_path(c, 200.0), [0.3, 0.5, 0.5, 0.5])
    nav_series = [60.0, 100.0, 80.0, 50.0]
    np.testing.assert_allclose(rvpi_path(c, nav_series), [1.0, 1.0, 0.8, 0.5])
    np.testing.assert_allclose(tvpi_path(c, d, nav_series), [1.0, 1.0, 1.1, 1.7])
    # a NAV series may stand in for the terminal NAV: its last value is used
    assert tvpi(c, d, nav_series) == pytest.approx(1.7)
    np.testing.assert_allclose(signed_flows(c, d, 50.0), [-60.0, -40.0, 30.0, 140.0])


def test_nothing_paid_in_gives_nan_not_inf():
    c = np.array([[0.0, 0.0], [10.0, 0.0]])
    d = np.array([[5.0, 0.0], [0.0, 20.0]])
    np.testing.assert_array_equal(np.isnan(dpi(c, d)), [True, False])
    assert np.isnan(dpi_path(c, d)[0]).all()
    assert np.isnan(pic(c[1], 0.0))


@settings(max_examples=100, deadline=None)
@given(st.integers(1, 6), st.integers(1, 12), st.integers(0, 2**31))
def test_multiples_invariants_and_1d_2d_agreement(n_paths, n_steps, seed):
    """TVPI = DPI + RVPI; the last point of each path equals the total; rows match 1-D calls."""
    c, d, nav, _ = _random_fund(n_paths, n_steps, seed)
    c[:, 0] += 1.0                                   # something is always paid in
    nav_series = np.cumsum(c, axis=1) * 0.5
    nav_series[:, -1] = nav
    np.testing.assert_allclose(tvpi(c, d, nav), dpi(c, d) + rvpi(c, nav), rtol=1e-12)
    np.testing.assert_allclose(dpi_path(c, d)[:, -1], dpi(c, d), rtol=1e-12)
    np.testing.assert_allclose(tvpi_path(c, d, nav_series)[:, -1], tvpi(c, d, nav), rtol=1e-12)
    np.testing.assert_allclose(rvpi_path(c, nav_series)[:, -1], rvpi(c, nav), rtol=1e-12)
    np.testing.assert_allclose(pic_path(c, 500.0)[:, -1], pic(c, 500.0), rtol=1e-12)
    rows = [tvpi(c[i], d[i], nav[i]) for i in range(n_paths)]
    np.testing.assert_allclose(tvpi(c, d, nav), rows, rtol=1e-12)


def test_multiples_reject_negative_amounts_and_bad_shapes():
    with pytest.raises(InputError, match=r"contributions\[1\].*non-negative"):
        dpi([10.0, -5.0], [0.0, 20.0])
    with pytest.raises(InputError, match="does not match contributions"):
        dpi([10.0, 5.0], [0.0, 20.0, 3.0])
    with pytest.raises(InputError, match="fits neither"):
        tvpi(np.ones((3, 4)), np.ones((3, 4)), np.ones(5))


def _ln_pme_loop(c, d, index):
    """Long-Nickels as described in the Wikipedia article: buy index units with each call,
    sell units for each distribution, value the holding at each step (a loop over time)."""
    value = 0.0
    for t in range(len(c)):
        if t:
            value *= index[t] / index[t - 1]
        value += c[t] - d[t]
    return value


def _pme_plus_loop_end_value(c, d, index, scale):
    """Same recursion with distributions scaled by PME+'s lambda."""
    return _ln_pme_loop(np.asarray(c), scale * np.asarray(d), index)


@settings(max_examples=100, deadline=None)
@given(st.integers(2, 16), st.integers(0, 2**31))
def test_pme_closed_forms_match_time_loops(n_steps, seed):
    """LN-PME NAV equals the step-by-step index investment; PME+'s lambda makes that investment
    end exactly at the fund's NAV; KS-PME is the ratio of index-compounded sums."""
    c, d, nav, index = (a[0] for a in _random_fund(1, n_steps, seed))
    c[0] += 1.0
    ln = ln_pme(c, d, nav, index)
    assert float(ln.nav) == pytest.approx(_ln_pme_loop(c, d, index), rel=1e-12, abs=1e-9)
    plus = pme_plus(c, d, nav, index)
    if d.sum() > 0:
        end = _pme_plus_loop_end_value(c, d, index, float(plus.scale))
        assert end == pytest.approx(nav, rel=1e-10, abs=1e-8)
    growth = index[-1] / index
    expected_ks = ((d * growth).sum() + nav) / (c * growth).sum()
    assert ks_pme(c, d, nav, index) == pytest.approx(expected_ks, rel=1e-12)


def test_fund_that_tracks_the_index_has_no_alpha():
    """Invest 100 when the index is 100, take out 60 when it is 130, NAV = the rest at 150:
    the fund is the index, so KS-PME = 1, direct alpha = 0, LN-PME reproduces the fund and
    PME+ needs no scaling."""
    index = [100.0, 110.0, 130.0, 120.0, 150.0]
    c = [100.0, 0.0, 0.0, 0.0, 0.0]
    d = [0.0, 0.0, 60.0, 0.0, 0.0]
    nav = (100.0 * 1.3 - 60.0) * 150.0 / 130.0
    assert ks_pme(c, d, nav, index) == pytest.approx(1.0, rel=1e-13)
    assert float(direct_alpha(c, d, nav, index).discrete) == pytest.approx(0.0, abs=1e-12)
    ln = ln_pme(c, d, nav, index)
    assert float(ln.nav) == pytest.approx(nav, rel=1e-13)
    assert float(ln.irr.rate) == pytest.approx(irr(signed_flows(c, d, nav)), abs=1e-12)
    assert float(pme_plus(c, d, nav, index).scale) == pytest.approx(1.0, rel=1e-13)


def test_pme_vectorised_over_paths_and_shared_index():
    """(n_paths, n_steps) results equal per-path calls; a shared (n_steps,) index broadcasts."""
    c, d, nav, index = _random_fund(40, 12, seed=5)
    c[:, 0] += 1.0
    shared = index[0]
    ks = ks_pme(c, d, nav, shared)
    ln = ln_pme(c, d, nav, index, periods_per_year=4)
    da = direct_alpha(c, d, nav, index, periods_per_year=4)
    plus = pme_plus(c, d, nav, index, periods_per_year=4)
    for i in range(40):
        assert ks[i] == pytest.approx(ks_pme(c[i], d[i], nav[i], shared), rel=1e-12)
        one = ln_pme(c[i], d[i], nav[i], index[i], periods_per_year=4)
        assert ln.nav[i] == pytest.approx(float(one.nav), rel=1e-12)
        np.testing.assert_allclose(ln.irr.rate[i], one.irr.rate, rtol=1e-10, equal_nan=True)
        one_da = direct_alpha(c[i], d[i], nav[i], index[i], periods_per_year=4)
        np.testing.assert_allclose(da.discrete[i], one_da.discrete, rtol=1e-10, equal_nan=True)
        one_plus = pme_plus(c[i], d[i], nav[i], index[i], periods_per_year=4)
        np.testing.assert_allclose(plus.irr.rate[i], one_plus.irr.rate, rtol=1e-10, equal_nan=True)
    np.testing.assert_allclose(da.continuous, np.log1p(da.discrete), rtol=1e-13)


@settings(max_examples=50, deadline=None)
@given(hnp.arrays(np.float64, 6, elements=st.floats(0.5, 2.0)))
def test_direct_alpha_is_invariant_to_a_constant_index_scale(levels):
    """Only index ratios matter: scaling the index by 7 changes nothing."""
    index = 100 * np.cumprod(levels)
    c, d, nav = [50.0, 20.0, 0.0, 0.0, 0.0, 0.0], [0.0, 0.0, 10.0, 30.0, 0.0, 40.0], 25.0
    a = direct_alpha(c, d, nav, index)
    b = direct_alpha(c, d, nav, 7 * index)
    np.testing.assert_allclose(a.discrete, b.discrete, rtol=1e-10, equal_nan=True)


def test_pme_rejects_bad_index():
    c, d = [100.0, 0.0, 0.0], [0.0, 50.0, 70.0]
    with pytest.raises(InputError, match="positive and finite"):
        ks_pme(c, d, 0.0, [100.0, 0.0, 110.0])
    with pytest.raises(InputError, match="one index level per step"):
        ks_pme(c, d, 0.0, [100.0, 110.0])
