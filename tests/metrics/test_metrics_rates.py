"""IRR/XIRR invariants, agreement with pyxirr and numpy-financial, edge cases and bad input."""

from __future__ import annotations

import datetime as dt

import numpy as np
import numpy_financial as npf
import pytest
import pyxirr
from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st

from fundsvc.errors import InputError
from fundsvc.metrics import IrrStatus, irr, irr_reason, irr_result, npv, xirr, xirr_result, xnpv
from fundsvc.metrics._solver import GRID_RATES

amounts = st.floats(-1e6, 1e6, allow_nan=False, allow_infinity=False).map(lambda v: round(v, 2))
flow_lists = st.lists(amounts, min_size=2, max_size=24)


def _sign_changes(flows) -> int:
    nz = np.sign(np.asarray(flows, dtype=float))
    nz = nz[nz != 0]
    return int(np.count_nonzero(nz[1:] != nz[:-1]))


def _pyxirr(fn, *args) -> float:
    """pyxirr's answer, NaN where it finds none (it raises when flows never change sign)."""
    try:
        out = fn(*args)
    except pyxirr.InvalidPaymentsError:
        return float("nan")
    return float("nan") if out is None else float(out)


def _newton_error(rate: float, flows, times=None) -> float:
    """|NPV / NPV'| at ``rate``: how far ``rate`` is from the root it approximates."""
    c = np.asarray(flows, dtype=float)
    t = np.arange(c.size) if times is None else np.asarray(times, dtype=float)
    disc = (1.0 + rate) ** -t
    return abs(float(c @ disc)) / abs(float((c * t) @ disc) / (1.0 + rate))


def _same_root(ours: float, theirs: float, err: float) -> bool:
    """Equal to 1e-8 (relative above 1), allowing for pyxirr's own error ``err``."""
    return abs(ours - theirs) <= 1e-8 * max(1.0, abs(theirs)) + 2.0 * err


def _grid_blind_spot(rate: float, npv_at) -> bool:
    """``rate`` lies in a grid interval whose ends have NPV of the same sign, so an even number
    of roots (or a touch) hides inside it: the documented blind spot of the bracket search."""
    grid = np.asarray(GRID_RATES)
    i = int(np.searchsorted(grid, rate))
    return 0 < i < grid.size and np.sign(npv_at(grid[i - 1])) == np.sign(npv_at(grid[i]))


def _preferred(ours: float, theirs: float) -> bool:
    """``ours`` is the root numpy-financial's selection rule prefers to ``theirs``: the smallest
    non-negative root, else the negative root nearest to 0."""
    if ours >= 0:
        return theirs < 0 or ours < theirs
    return theirs < 0 and abs(ours) < abs(theirs)


def _relative_npv(rate: float, flows) -> float:
    """|NPV| relative to the sum of |discounted flows| (the size of NPV's rounding noise)."""
    c = np.asarray(flows, dtype=float)
    disc = (1.0 + rate) ** -np.arange(c.size)
    return abs(float(c @ disc)) / float(np.abs(c) @ disc)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.filter_too_much])
@given(flow_lists)
def test_reported_rate_is_a_root(flows):
    """Wherever the status is OK, NPV at the rate is zero to rounding; otherwise NaN.

    "Rounding" includes that of ``1 + r`` itself: near r = −1 the nearest double to the root
    moves ``1 + r`` by up to eps relative to 1, i.e. eps/(1 + r) relative to itself, and the
    discounted flows by about n times that (hypothesis found flows [-484, 28881, -430541, 0.01]
    with root −0.9999999768, where the best double gives 1.00002e-9; main's earlier solver gave the
    same rate). Away from −1 the bound is the 1e-9 it always was."""
    res = irr_result(flows)
    if res.ok:
        rate = float(res.rate)
        bound = max(1e-9, 8 * len(flows) * np.finfo(float).eps / (1.0 + rate))
        assert _relative_npv(rate, flows) < bound
    else:
        assert np.isnan(res.rate)


@settings(max_examples=300, deadline=None)
@given(flow_lists)
def test_agrees_with_pyxirr(flows):
    """Where the IRR is unique (one sign change, Descartes) and pyxirr converges we agree to
    1e-8 (beyond pyxirr's own error, which reaches 1e-7 at rates of 50 and more); where several
    roots exist and pyxirr finds a different one, ours is the one numpy-financial's rule prefers
    (smallest non-negative, else negative nearest 0); where we find none,
    pyxirr's root shares a grid interval with another root (the documented limit)."""
    theirs = _pyxirr(pyxirr.irr, flows)
    assume(np.isfinite(theirs) and -0.99 < theirs < 1e6)
    assume(_relative_npv(theirs, flows) < 1e-7)          # pyxirr really found a root
    res = irr_result(flows)
    ours = float(res.rate)
    if np.isnan(ours):                        # only where two roots share one grid interval
        assert IrrStatus(int(res.status)) is IrrStatus.NO_ROOT_IN_RANGE
        assert _grid_blind_spot(theirs, lambda r: npv(r, flows))
    elif _sign_changes(flows) == 1:
        assert _same_root(ours, theirs, _newton_error(theirs, flows))
    elif not _same_root(ours, theirs, _newton_error(theirs, flows)):
        # pyxirr found another root, one the selection rule ranks lower (or that shares a grid
        # interval with a second root, so the grid cannot see it)
        assert _preferred(ours, theirs) or _grid_blind_spot(theirs, lambda r: npv(r, flows))


positive = st.floats(0.01, 1e6).map(lambda v: round(v, 2))


@settings(max_examples=200, deadline=None)
@given(st.lists(positive, min_size=1, max_size=4), st.lists(positive, min_size=1, max_size=8))
def test_agrees_with_numpy_financial(outflows, inflows):
    """numpy_financial.irr (eigenvalues, root nearest 0) agrees on flows with one sign change
    (calls, then distributions), whose IRR is unique."""
    flows = [-v for v in outflows] + inflows
    theirs = npf.irr(np.array(flows, dtype=float))
    assume(np.isfinite(theirs) and -0.99 < theirs < 1e5)
    assert irr(flows) == pytest.approx(theirs, rel=1e-8, abs=1e-8)


@settings(max_examples=200, deadline=None)
@given(st.floats(-0.9, 3.0), st.lists(st.floats(0.0, 1e4), min_size=1, max_size=40))
def test_recovers_constructed_rate(rate, later):
    """Flows built to have NPV 0 at ``rate`` (one outflow, then inflows) return that rate."""
    later = np.asarray(later)
    assume(later.sum() > 1e-3)
    flows = np.concatenate([[-(later / (1 + rate) ** np.arange(1, later.size + 1)).sum()], later])
    assert irr(flows) == pytest.approx(rate, abs=1e-10)


@settings(max_examples=100, deadline=None)
@given(
    st.lists(st.tuples(amounts, st.integers(1, 400)), min_size=1, max_size=15),
    st.floats(-1e6, -1.0),
)
@example(later=[(0.0, 238), (353619.0, 220), (0.0, 15), (-95909.0, 238)], first=-602038.0)
def test_xirr_agrees_with_pyxirr(later, first):
    """Random dated flows: where pyxirr's XIRR is a root, ours agrees to 1e-8 (beyond pyxirr's
    own error), unless several roots exist and ours is the one the selection rule prefers, or pyxirr's root
    shares a grid interval with another root (NaN, NO_ROOT_IN_RANGE: the documented limit)."""
    days = np.cumsum([0] + [gap for _, gap in later])
    dates = np.datetime64("2020-01-01") + days.astype("m8[D]")
    flows = [first] + [a for a, _ in later]
    theirs = _pyxirr(pyxirr.xirr, [d.astype(dt.date) for d in dates], flows)
    # a day's gap turns modest ratios into astronomical annual rates; we search up to 10**6
    assume(np.isfinite(theirs) and -0.99 < theirs < 1e6)
    assume(abs(xnpv(theirs, flows, dates)) < 1e-6 * np.abs(flows).sum())
    res = xirr_result(flows, dates)
    ours = float(res.rate)
    years = (dates - dates[0]).astype(float) / 365.0
    if np.isnan(ours):                        # only where two roots share one grid interval
        assert IrrStatus(int(res.status)) is IrrStatus.NO_ROOT_IN_RANGE
        assert _grid_blind_spot(theirs, lambda r: xnpv(r, flows, dates))
    elif not _same_root(ours, theirs, _newton_error(theirs, flows, years)):
        assert _sign_changes(flows) > 1
        assert _preferred(ours, theirs) or _grid_blind_spot(theirs, lambda r: xnpv(r, flows, dates))


def _fund_like(n_paths: int, n_steps: int, seed: int) -> np.ndarray:
    """Calls early, fees throughout, lognormal proceeds later: many paths change sign often."""
    rng = np.random.default_rng(seed)
    q = np.arange(n_steps)
    calls = np.where(q < n_steps // 3, rng.uniform(1, 10, (n_paths, n_steps)), 0.5)
    proceeds = rng.lognormal(0, 1.2, (n_paths, n_steps)) * (q > n_steps // 4)
    return proceeds * rng.lognormal(0, 0.8, (n_paths, 1)) - calls


def test_fund_like_paths_agree_with_pyxirr_loop():
    """3 000 fund-like quarterly paths (40 steps, frequent sign changes): where pyxirr converges
    we agree to 1e-8, except where several roots exist and ours is the one the selection rule
    prefers (numpy-financial's: smallest non-negative, else negative nearest 0)."""
    flows = _fund_like(3000, 40, seed=7)
    res = irr_result(flows)
    theirs = np.array([_pyxirr(pyxirr.irr, row) for row in flows])
    both = np.isfinite(theirs) & res.ok
    assert both.sum() > 2500
    diff = np.abs(res.rate - theirs)
    unique = np.array([_sign_changes(row) == 1 for row in flows])
    assert np.all(diff[both & unique] <= 1e-8)
    other = both & ~unique & (diff > 1e-8)
    assert all(_preferred(a, b) for a, b in zip(res.rate[other], theirs[other]))
    assert (diff[both] <= 1e-8).mean() > 0.99
    for i in np.flatnonzero(np.isfinite(theirs) & ~res.ok):
        assert _grid_blind_spot(theirs[i], lambda r, row=flows[i]: npv(r, row))


def test_periods_per_year_annualises():
    """Quarterly flows: 100 in, 110 back four quarters later is exactly 10 % a year."""
    flows = [-100.0, 0.0, 0.0, 0.0, 110.0]
    assert irr(flows, periods_per_year=4) == pytest.approx(0.10, abs=1e-13)
    assert irr(flows) == pytest.approx(1.1 ** 0.25 - 1, abs=1e-13)


def test_one_d_and_two_d_agree_and_chunking_does_not_matter():
    flows = _fund_like(500, 24, seed=3)
    many = irr_result(flows)
    singles = np.array([irr(row) for row in flows])
    np.testing.assert_allclose(many.rate, singles, rtol=1e-12, atol=1e-14, equal_nan=True)
    chunked = irr_result(flows, chunk_size=37)
    np.testing.assert_allclose(chunked.rate, many.rate, rtol=1e-12, atol=1e-14, equal_nan=True)
    np.testing.assert_array_equal(chunked.status, many.status)


def test_edge_cases_have_statuses():
    flows = np.array([
        [0.0, 0.0, 0.0, 0.0],          # all zero
        [-100.0, 0.0, 0.0, 0.0],       # single flow
        [np.nan, -1.0, 2.0, 0.0],      # NaN input
        [np.inf, -1.0, 0.0, 0.0],      # infinite input
        [-100.0, 250.0, -160.0, 0.0],  # changes sign, NPV never crosses zero (no real root)
        [-100.0, 110.0, 0.0, 0.0],     # trailing zeros are fine
        [0.0, -100.0, 110.0, 0.0],     # so are leading zeros
        [-100.0, 50.0, 50.0, 0.0],     # exact root at 0
    ])
    res = irr_result(flows)
    expected = [IrrStatus.ALL_ZERO, IrrStatus.NO_SIGN_CHANGE, IrrStatus.INVALID_INPUT,
                IrrStatus.INVALID_INPUT, IrrStatus.NO_ROOT_IN_RANGE, IrrStatus.OK, IrrStatus.OK,
                IrrStatus.OK]
    assert [IrrStatus(int(s)) for s in res.status] == expected
    np.testing.assert_allclose(res.rate[5:], [0.10, 0.10, 0.0], atol=1e-13)
    assert np.isnan(res.rate[:5]).all()
    assert res.counts() == {IrrStatus.OK: 3, IrrStatus.ALL_ZERO: 1, IrrStatus.NO_SIGN_CHANGE: 1,
                            IrrStatus.NO_ROOT_IN_RANGE: 1, IrrStatus.INVALID_INPUT: 2}
    assert list(res.reasons()[:3]) == [irr_reason(s) for s in expected[:3]]
    assert "NaN or infinite" in IrrStatus.INVALID_INPUT.reason


def test_extreme_rates_inside_and_outside_the_grid():
    assert irr([-1.0, 1000.0]) == pytest.approx(999.0, rel=1e-12)
    assert irr([-100.0, 0.05]) == pytest.approx(-0.9995, rel=1e-12)
    assert IrrStatus(int(irr_result([-1.0, 1e9]).status)) is IrrStatus.NO_ROOT_IN_RANGE


def test_long_monthly_series_does_not_overflow():
    """600 monthly flows: NPV at negative grid rates is scaled, so nothing overflows."""
    flows = np.r_[-1000.0, np.full(599, 9.0)]
    rate = irr(flows)
    assert np.isfinite(rate) and abs(npv(rate, flows)) < 1e-8


def test_empty_batch():
    res = irr_result(np.empty((0, 5)))
    assert res.rate.shape == (0,) and res.status.shape == (0,)


def test_npv_vectorised_over_paths_and_rates():
    flows = _fund_like(20, 10, seed=1)
    rates = np.linspace(-0.05, 0.2, 20)
    expected = [npf.npv(r, row) for r, row in zip(rates, flows)]
    np.testing.assert_allclose(npv(rates, flows), expected, rtol=1e-12)
    np.testing.assert_allclose(npv(0.03, flows), [npf.npv(0.03, row) for row in flows], rtol=1e-12)


def test_xirr_equals_irr_on_yearly_dates_of_365_days():
    """With every gap exactly 365 days, XIRR (ACT/365F) is the annual IRR."""
    flows = [-100.0, 20.0, 30.0, 70.0]
    dates = np.datetime64("2021-01-01") + np.array([0, 365, 730, 1095]).astype("m8[D]")
    assert xirr(flows, dates) == pytest.approx(irr(flows), abs=1e-13)


def test_bad_input_messages():
    with pytest.raises(InputError, match="dimension"):
        irr(np.zeros((2, 2, 2)))
    with pytest.raises(InputError, match="must be numbers"):
        irr(["a", "b"])
    with pytest.raises(InputError, match="at least one cash flow"):
        xirr(np.empty((3, 0)), np.empty(0, "M8[D]"))
    with pytest.raises(InputError, match="at least one cash flow"):
        irr(np.empty((3, 0)))
    with pytest.raises(InputError, match="periods_per_year"):
        irr([-1.0, 2.0], periods_per_year=0)
    with pytest.raises(InputError, match="precedes the first date"):
        xirr([-1.0, 2.0], ["2020-02-01", "2020-01-01"])
    with pytest.raises(InputError, match="does not fit flows"):
        xirr([-1.0, 2.0, 3.0], ["2020-01-01", "2020-02-01"])
    with pytest.raises(InputError, match="must be dates"):
        xirr([-1.0, 2.0], ["2020-01-01", "not a date"])


def test_iteration_cap_reports_no_convergence(monkeypatch):
    """With a single polish iteration allowed, nothing can be confirmed converged: NaN with
    NO_CONVERGENCE and its reason, not a half-polished number."""
    from fundsvc.metrics import _solver

    monkeypatch.setattr(_solver, "MAX_ITER", 1)
    res = irr_result(_fund_like(50, 20, seed=2))
    assert (res.status[~np.isnan(res.rate)] == IrrStatus.OK).all()
    stuck = res.status == IrrStatus.NO_CONVERGENCE
    assert stuck.sum() > 40 and np.isnan(res.rate[stuck]).all()
    assert set(res.reasons()[stuck]) == {"the root search did not converge"}


def test_staged_grid_search_finds_the_same_root_as_the_whole_grid():
    """The bracket search runs on the inner grid, then above it, then on the whole grid; and
    polishes negative rates in ``x`` down to -50 %, in ``1/x`` below. Closed-form roots of
    ``c0 + c1 x + c2 x**2`` (``x = 1/(1+r)``) and of two-flow paths, each row reaching another
    stage, in one batch (the stages only run on the rows that need them):

    * roots at -10 % and +50 %: the non-negative one, found only above the inner grid;
    * roots at -10 % and +20 %: both inside the inner grid;
    * one root at -40 % (whole grid, polished in ``x``) and at -60 % (whole grid, in ``1/x``);
    * one root at +5 %, padded to 60 periods (polished directly at a high degree).
    """
    def quadratic(r1, r2):
        x1, x2 = 1 / (1 + r1), 1 / (1 + r2)
        return [x1 * x2, -(x1 + x2), 1.0]

    rows = [quadratic(-0.1, 0.5), quadratic(-0.1, 0.2), [-1.0, 0.6, 0.0], [-1.0, 0.4, 0.0]]
    flows = np.zeros((5, 60))
    flows[:4, :3] = rows
    flows[4, 0], flows[4, 59] = -1.0, 1.05 ** 59
    res = irr_result(flows)
    assert res.ok.all()
    np.testing.assert_allclose(res.rate, [0.5, 0.2, -0.4, -0.6, 0.05], rtol=0, atol=1e-12)
    for row, rate in zip(flows, res.rate):            # each alone gives the same root
        assert irr(row) == pytest.approx(rate, abs=1e-13)


def test_root_next_to_minus_one_is_the_best_double():
    """The case hypothesis found: the reported rate is a root to the rounding of ``1 + r`` (and its
    neighbouring doubles do no better by more than that rounding)."""
    flows = [-484.0, 28881.0, -430541.0, 0.01]
    res = irr_result(flows)
    assert res.ok
    rate = float(res.rate)
    here = _relative_npv(rate, flows)
    assert here < 8 * len(flows) * np.finfo(float).eps / (1.0 + rate)
    for other in (np.nextafter(rate, 0.0), np.nextafter(rate, -1.0)):
        assert here <= _relative_npv(float(other), flows) + 1e-9
