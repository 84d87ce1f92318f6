"""Internal rates of return and net present values, vectorised over Monte Carlo paths.

Sign convention
---------------
Cash flows are signed **from the investor's view**: contributions (capital calls, loan
disbursements) are negative, distributions and repayments are positive, amounts in CNY. A
terminal NAV is included as a final positive flow (see :func:`fundsvc.metrics.signed_flows`).

Shapes
------
``flows`` is ``(n_flows,)`` for one series or ``(n_paths, n_flows)`` for many. Results have
shape ``()`` (a Python float from :func:`irr` / :func:`xirr`) or ``(n_paths,)``.

Conventions
-----------
* :func:`irr` — regular periods, flow ``k`` at the end of period ``k`` (flow 0 today). The
  per-period rate solves ``sum_k c_k (1 + r)**-k = 0``; with ``periods_per_year = p`` the
  result is annualised by compounding, ``(1 + r)**p - 1`` (quarterly flows: ``p = 4``).
* :func:`xirr` — Excel's XIRR: ``sum_i c_i (1 + R)**(-(d_i - d_0) / 365) = 0`` (ACT/365F,
  ``d_0`` the first date), ``R`` per year.
* Undefined IRRs are NaN, never a made-up number; :func:`irr_result` / :func:`xirr_result`
  also return an :class:`IrrStatus` per path saying why.
* Several roots: the smallest non-negative root, or if there is none the negative root nearest
  to 0 (numpy-financial's default ``selection_logic``), found by bracketing NPV on a fixed grid
  of rates from ``-1 + 1e-12`` to 10**6 per period (per year for XIRR); see
  :mod:`fundsvc.metrics._solver`. Roots closer together than the grid spacing (0.01 near 0)
  or where NPV only touches zero may be missed (status ``NO_ROOT_IN_RANGE``).

``numpy_financial`` is the reference for the regular-period definitions (its ``npv`` and
``irr``, including its selection among several roots, are checked against these functions in
the tests, with cases ported from its and pyxirr's test suites); it is not called here because
it works on one series at a time (``irr`` finds all polynomial roots per series).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum

import numpy as np

from fundsvc.metrics import _solver
from fundsvc.metrics._checks import as_float_array, bad_input, check_positive_scalar

#: Paths solved together: memory is a few times ``chunk * n_flows * 8`` bytes. 16,384 keeps a
#: chunk of 60 quarterly flows (8 MB) in cache and was fastest of 4,096-65,536 on 2 cores.
DEFAULT_CHUNK = 16_384
#: Day-count basis of XIRR/XNPV (ACT/365 fixed, as Excel).
DAYS_PER_YEAR = 365.0


class IrrStatus(IntEnum):
    """Outcome of an IRR calculation for one path (stored as ``int8`` codes)."""

    OK = 0
    ALL_ZERO = 1
    NO_SIGN_CHANGE = 2
    NO_ROOT_IN_RANGE = 3
    NO_CONVERGENCE = 4
    INVALID_INPUT = 5

    @property
    def reason(self) -> str:
        """Plain-language explanation, for a person reading a report."""
        return _REASONS[self]


_REASONS = {
    IrrStatus.OK: "IRR found",
    IrrStatus.ALL_ZERO: "all cash flows are zero, so there is no return to measure",
    IrrStatus.NO_SIGN_CHANGE: (
        "the cash flows never change sign (an IRR needs at least one contribution and one "
        "distribution), so no rate makes their net present value zero"),
    IrrStatus.NO_ROOT_IN_RANGE: (
        "the cash flows change sign but their net present value does not cross zero for any "
        "rate between -99.9999999999% and 1,000,000% per period"),
    IrrStatus.NO_CONVERGENCE: "the root search did not converge",
    IrrStatus.INVALID_INPUT: "the cash flows contain NaN or infinite values",
}


def irr_reason(status: IrrStatus | int) -> str:
    """Human-readable reason for an :class:`IrrStatus` (or its integer code)."""
    return IrrStatus(int(status)).reason


@dataclass(frozen=True, slots=True)
class IrrResult:
    """IRRs of one or many cash-flow series, with a status per series.

    Attributes
    ----------
    rate : ndarray of float64, shape () or (n_paths,)
        Rate per year (per period when ``periods_per_year`` is 1); NaN unless status is OK.
    status : ndarray of int8, shape like ``rate``
        :class:`IrrStatus` codes.
    """

    rate: np.ndarray
    status: np.ndarray

    @property
    def ok(self) -> np.ndarray:
        """Boolean mask of paths with a rate."""
        return self.status == IrrStatus.OK

    def reasons(self) -> np.ndarray:
        """Reason strings, an object array shaped like ``status``."""
        table = np.array([irr_reason(s) for s in IrrStatus], dtype=object)
        return table[self.status]

    def counts(self) -> dict[IrrStatus, int]:
        """Number of paths per status (statuses that occur only)."""
        codes, n = np.unique(self.status, return_counts=True)
        return {IrrStatus(int(c)): int(k) for c, k in zip(codes, n)}


def _screen(rows: np.ndarray) -> np.ndarray:
    """Why paths ``(k, n_flows)`` cannot have an IRR, from max and min; ``OK`` if they change sign."""
    hi = rows.max(axis=1)
    lo = rows.min(axis=1)
    status = np.full(hi.shape, IrrStatus.OK, dtype=np.int8)
    status[~((hi > 0) & (lo < 0))] = IrrStatus.NO_SIGN_CHANGE
    status[(hi == 0) & (lo == 0)] = IrrStatus.ALL_ZERO
    status[~(np.isfinite(hi) & np.isfinite(lo))] = IrrStatus.INVALID_INPUT
    return status


def _as_rows(arr: np.ndarray) -> np.ndarray:
    """Flows as a C-contiguous (n_paths, n_flows) array; at least one flow per path."""
    if arr.shape[-1] == 0:
        raise bad_input("flows", "needs at least one cash flow per path")
    return np.ascontiguousarray(arr.reshape(-1, arr.shape[-1]))


def _solve(flows2d: np.ndarray, make_evaluator, chunk: int):
    """Discount factors and statuses for all rows of ``flows2d``, chunk by chunk.

    Every path goes to the root finder; only paths it could not bracket, or whose flows sum to
    exactly zero (all-zero flows look like a root at 0), are screened for the reason.
    """
    n = flows2d.shape[0]
    x = np.full(n, np.nan)
    status = np.full(n, IrrStatus.OK, dtype=np.int8)
    rates, x_grid = _solver.grid()
    for start in range(0, n, chunk):
        stop = min(start + chunk, n)
        rows = flows2d[start:stop]
        roots = _solver.find_roots(make_evaluator(rows, start, stop), rates, x_grid)
        st = np.where(roots.converged, IrrStatus.OK, IrrStatus.NO_CONVERGENCE).astype(np.int8)
        check = np.flatnonzero(~roots.bracketed | (roots.npv0 == 0))
        if check.size:
            why = _screen(rows[check])
            st[check] = np.where(why != IrrStatus.OK, why,
                                 np.where(roots.bracketed[check], st[check],
                                          IrrStatus.NO_ROOT_IN_RANGE))
        status[start:stop] = st
        x[start:stop] = roots.x
    x[status != IrrStatus.OK] = np.nan
    return x, status


def _result(x: np.ndarray, status: np.ndarray, years_per_unit: float, shape) -> IrrResult:
    """Rate per year from discount factor per unit of time, ``x**(-1/years_per_unit) - 1``."""
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        rate = np.expm1(-np.log(x) / years_per_unit) + 0.0   # + 0.0 turns -0.0 into 0.0
    return IrrResult(rate.reshape(shape), status.reshape(shape))


def irr_result(flows, *, periods_per_year: float = 1, chunk_size: int = DEFAULT_CHUNK) -> IrrResult:
    """IRR of regular-period cash flows, with a status per path.

    Parameters
    ----------
    flows : array_like, shape (n_flows,) or (n_paths, n_flows)
        Signed cash flows in CNY (contributions negative), one per period, the first today.
    periods_per_year : float, default 1
        Periods per year; the rate is annualised by compounding (4 for quarterly flows).
        With 1 the result is the per-period rate, as ``numpy_financial.irr``.
    chunk_size : int
        Paths solved at once (memory bound); results do not depend on it.

    Returns
    -------
    IrrResult
        ``rate`` per year, shape () or (n_paths,), NaN where ``status`` is not OK.
    """
    arr = as_float_array(flows, "flows")
    ppy = check_positive_scalar(periods_per_year, "periods_per_year")
    chunk = int(check_positive_scalar(chunk_size, "chunk_size"))
    flows2d = _as_rows(arr)

    def evaluator(rows, start, stop):
        return _solver.PeriodicFlows(rows)

    x, status = _solve(flows2d, evaluator, chunk)
    return _result(x, status, 1.0 / ppy, arr.shape[:-1])


def irr(flows, *, periods_per_year: float = 1, chunk_size: int = DEFAULT_CHUNK):
    """IRR of regular-period cash flows: a float for one series, an array for many.

    NaN where no IRR exists; :func:`irr_result` says why. Parameters as :func:`irr_result`.

    Examples
    --------
    >>> round(irr([-100, 39, 59, 55, 20]), 5)
    0.28095
    """
    res = irr_result(flows, periods_per_year=periods_per_year, chunk_size=chunk_size)
    return float(res.rate) if res.rate.ndim == 0 else res.rate


def _year_fractions(dates, shape: tuple[int, ...]) -> np.ndarray:
    """ACT/365F year fractions from the first date, shape ``(n_flows,)`` or ``(n_paths, n_flows)``."""
    try:
        days = np.asarray(dates, dtype="datetime64[D]")
    except (TypeError, ValueError) as exc:
        raise bad_input("dates", f"must be dates (datetime64, datetime.date or ISO text): {exc}") from None
    if days.shape != shape[-1:] and days.shape != shape:
        raise bad_input("dates", f"shape {days.shape} does not fit flows of shape {shape}; "
                        f"use {shape[-1:]} (shared by all paths) or {shape}")
    if np.isnat(days).any():
        raise bad_input("dates", "contains missing dates (NaT)")
    elapsed = (days - days[..., :1]).astype(np.float64)
    if (elapsed < 0).any():
        raise bad_input("dates", "a date precedes the first date; as in Excel, the first date "
                        "must be the earliest (it is the date flows are discounted to)")
    return elapsed / DAYS_PER_YEAR


def xirr_result(flows, dates, *, chunk_size: int = DEFAULT_CHUNK) -> IrrResult:
    """Excel-compatible XIRR (ACT/365F) with a status per path.

    Parameters
    ----------
    flows : array_like, shape (n_flows,) or (n_paths, n_flows)
        Signed cash flows in CNY (contributions negative).
    dates : array_like of dates, shape (n_flows,) or (n_paths, n_flows)
        Payment dates (``numpy.datetime64``, ``datetime.date`` or ISO strings); a 1-D array is
        shared by all paths. The first date must be the earliest.
    chunk_size : int
        Paths solved at once.

    Returns
    -------
    IrrResult
        ``rate`` per year, shape () or (n_paths,).
    """
    arr = as_float_array(flows, "flows")
    chunk = int(check_positive_scalar(chunk_size, "chunk_size"))
    flows2d = _as_rows(arr)
    years = _year_fractions(dates, arr.shape)
    shared = years.ndim == 1
    years2d = years if shared else years.reshape(flows2d.shape)

    def evaluator(rows, start, stop):
        return _solver.DatedFlows(rows, years2d if shared else years2d[start:stop])

    x, status = _solve(flows2d, evaluator, chunk)
    return _result(x, status, 1.0, arr.shape[:-1])


def xirr(flows, dates, *, chunk_size: int = DEFAULT_CHUNK):
    """Excel-compatible XIRR: a float for one series, an array for many (NaN where undefined).

    Parameters as :func:`xirr_result`.
    """
    res = xirr_result(flows, dates, chunk_size=chunk_size)
    return float(res.rate) if res.rate.ndim == 0 else res.rate


def npv(rate, flows):
    """Net present value of regular-period flows, first flow undiscounted (``numpy_financial``).

    Parameters
    ----------
    rate : float or array_like, shape () or (n_paths,)
        Discount rate per period.
    flows : array_like, shape (n_flows,) or (n_paths, n_flows)
        Signed cash flows in CNY.

    Returns
    -------
    float or ndarray, shape (n_paths,)
        ``sum_k flows[..., k] / (1 + rate)**k``; NaN where ``rate <= -1``.
    """
    arr = as_float_array(flows, "flows")
    r = as_float_array(rate, "rate", ndims=(0, 1))
    periods = np.arange(arr.shape[-1], dtype=np.float64)
    return _discounted_sum(arr, r, periods)


def _discounted_sum(arr: np.ndarray, r: np.ndarray, times: np.ndarray):
    """``sum_k arr[..., k] * (1 + r)**-times[..., k]``; NaN where ``r <= -1`` (no discount
    factor exists there: numpy-financial's ``npv(-1, ...)`` is NaN too), without warnings."""
    defined = r > -1.0
    growth = np.where(defined, 1.0 + r, 1.0)[..., None]
    out = (arr * np.power(growth, -times)).sum(axis=-1)
    out = np.where(defined, out, np.nan)
    return float(out) if out.ndim == 0 else out


def xnpv(rate, flows, dates):
    """Excel's XNPV: flows discounted to the first date at ``rate`` per year, ACT/365F.

    Parameters
    ----------
    rate : float or array_like, shape () or (n_paths,)
        Discount rate per year.
    flows : array_like, shape (n_flows,) or (n_paths, n_flows)
        Signed cash flows in CNY.
    dates : array_like of dates, shape (n_flows,) or (n_paths, n_flows)
        Payment dates; the first must be the earliest.

    Returns
    -------
    float or ndarray, shape (n_paths,)
    """
    arr = as_float_array(flows, "flows")
    r = as_float_array(rate, "rate", ndims=(0, 1))
    years = _year_fractions(dates, arr.shape)
    return _discounted_sum(arr, r, years)
