"""Vectorised root finder for ``NPV(rate) = 0`` over many cash-flow series (private kernel).

The public entry points are :func:`fundsvc.metrics.rates.irr_result` and
:func:`fundsvc.metrics.rates.xirr_result`; this module holds the numerical machinery they share.

Method
------
A series of flows ``c_k`` paid at times ``t_k >= 0`` (periods or years, ``t_0 = 0``) has net
present value ``f(x) = sum_k c_k x**t_k`` in the discount factor ``x = 1 / (1 + r)``.
For every path of a chunk:

1. ``f`` is evaluated on a fixed grid of rates (:data:`GRID_RATES`, from ``-1 + 1e-12`` to
   10**6 per unit of time, spacing 0.01 near 0) with one matrix product ``flows @ V``. At
   negative rates (``x > 1``) the product gives ``f(x) * x**-T`` (``T`` the last flow's time),
   which has the sign of ``f`` and never overflows, so rates down to ``-1 + 1e-12`` are usable
   for any horizon. The inner grid (``|rate| <= 0.3``) is tried first; only paths without a
   non-negative root there are evaluated on the whole grid.
2. Root choice (numpy-financial >= 1.0's default ``selection_logic``,
   ``_irr_default_selection``, github.com/numpy/numpy-financial ``_financial.py``): **the
   smallest non-negative root; if there is none, the negative root nearest to 0**. The grid is
   scanned upwards from 0 for the first interval where ``f`` changes sign (or a grid point where
   it is exactly zero), and only if there is none, downwards from 0. (A rule "root nearest to
   0" was used before: for numpy-financial gh-44, ``[-1678.87, 771.96, 1814.05, 3520.30,
   3552.95, 3584.99, 4789.91, -1]``, it returned -99.979 % where numpy-financial and pyxirr
   give +100.43 %; with positive total profit the positive root is the meaningful one.)
   Two roots inside one grid interval, or a root where NPV only touches zero between grid
   points, are not seen (status ``NO_ROOT_IN_RANGE`` if no other root is found).
3. A starting point inside the bracket comes from inverse quadratic interpolation of
   ``log(PV of positive flows / PV of negative flows)`` against ``log x`` (nearly linear for
   fund-like flows), then a safeguarded Newton iteration (``rtsafe``: Newton steps, replaced by
   bisection whenever they leave the bracket or fail to halve the step) polishes it. Integer
   times use Horner's rule for ``f`` and ``f'``. Typically two evaluations per path suffice.
   Roots at negative rates are polished in ``g = 1 + r = 1 / x`` on the mirrored polynomial
   ``h(g) = sum_k c_k g**(T - t_k)`` (same roots, no overflow as ``g -> 0``).

Loops run over iterations, grid points and flows, never over paths. Rows that converge are
dropped from the working set, so stragglers cost little.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

#: Rates (per unit of time: per period for ``irr``, per year for ``xirr``) at which NPV is
#: evaluated to bracket roots. Dense near 0, where fund returns live; the ends are wide so that
#: extreme paths still get a bracket (roots down to ``-1 + 1e-12``: numpy-financial's gh-15 test
#: has one at ``-0.99999999906``).
GRID_RATES: tuple[float, ...] = (
    -0.999999999999, -0.99999999999, -0.9999999999, -0.999999999, -0.99999999, -0.9999999,
    -0.999999, -0.99999, -0.9999, -0.999, -0.99, -0.95, -0.9, -0.8, -0.7, -0.6, -0.5, -0.4, -0.3, -0.25, -0.2,
    -0.15, -0.1, -0.07, -0.05, -0.03, -0.02, -0.01, 0.0, 0.01, 0.02, 0.03, 0.05, 0.07, 0.1,
    0.15, 0.2, 0.25, 0.3, 0.4, 0.5, 0.7, 1.0, 1.5, 2.0, 3.0, 5.0, 10.0, 30.0, 100.0, 1e3,
    1e4, 1e5, 1e6,
)

#: Relative tolerance on the discount factor ``x`` (equivalently on ``1 + rate``).
X_RTOL = 1e-13
#: Iteration cap of the safeguarded Newton loop (bisection alone needs ~50 from any bracket).
MAX_ITER = 100

@dataclass(frozen=True, slots=True)
class Roots:
    """Discount factors found for one chunk.

    Attributes
    ----------
    x : ndarray, shape (m,)
        Discount factor ``1 / (1 + rate)`` at the root; NaN where none was found.
    bracketed : ndarray of bool, shape (m,)
        A sign change (or exact zero) of NPV was found on the grid.
    converged : ndarray of bool, shape (m,)
        The Newton/bisection polish met the tolerance within :data:`MAX_ITER` iterations.
    npv0 : ndarray, shape (m,)
        NPV at a rate of 0 (the sum of the flows); non-finite exactly when an input is.
    """

    x: np.ndarray
    bracketed: np.ndarray
    converged: np.ndarray
    npv0: np.ndarray


def grid() -> tuple[np.ndarray, np.ndarray]:
    """Grid rates (ascending) and their discount factors ``x = 1 / (1 + rate)`` (descending),
    both shape (G,)."""
    rates = np.asarray(GRID_RATES, dtype=np.float64)
    return rates, 1.0 / (1.0 + rates)


def _first_true(mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Index of the first True along axis 1 of an (m, k) mask, and whether there is one."""
    if mask.shape[1] == 0:
        return np.zeros(mask.shape[0], dtype=np.intp), np.zeros(mask.shape[0], dtype=bool)
    j = mask.argmax(axis=1)
    return j, np.take_along_axis(mask, j[:, None], axis=1)[:, 0]


@dataclass(frozen=True, slots=True)
class Brackets:
    """Grid bracket of the selected root, one per path.

    ``left``/``right`` are grid indices (equal when a grid point is itself a root). ``found``
    says a path has one; ``up`` that it lies at a rate of 0 or above.
    """

    left: np.ndarray
    right: np.ndarray
    found: np.ndarray
    up: np.ndarray


def select_bracket(f_grid: np.ndarray, rates: np.ndarray) -> Brackets:
    """Grid bracket of the smallest non-negative root, else of the negative root nearest 0.

    The grid is scanned upwards from 0 for the first interval where NPV changes sign or
    reaches zero at its far end (a grid point that is a root gives a bracket of width 0); only
    paths without one are scanned downwards from 0 (numpy-financial's default selection).

    Parameters
    ----------
    f_grid : ndarray, shape (m, G)
        NPV of each path at each grid rate (or any positive multiple of it per grid point).
    rates : ndarray, shape (G,)
        The grid rates, ascending, including 0.
    """
    m = f_grid.shape[0]
    rows = np.arange(m)
    last = rates.size - 1
    i0 = int(np.searchsorted(rates, 0.0))
    pos = f_grid > 0
    neg = f_grid < 0
    zero = f_grid == 0
    change = (pos[:, :-1] & neg[:, 1:]) | (neg[:, :-1] & pos[:, 1:])     # interval (i, i+1)
    any_zero = bool(zero.any())
    # upwards from 0: intervals i0, i0+1, ...; a zero at the far end i+1 counts
    j, has_up = _first_true(change[:, i0:] | zero[:, i0 + 1:] if any_zero else change[:, i0:])
    up_l = i0 + j
    up_r = np.minimum(up_l + 1, last)
    # downwards from 0: intervals i0-1, i0-2, ...; a zero at the far end i counts
    down = change[:, :i0] | zero[:, :i0] if any_zero else change[:, :i0]
    j, has_down = _first_true(down[:, ::-1])
    dn_r = i0 - j
    dn_l = np.maximum(dn_r - 1, 0)
    if any_zero:                                     # exact roots at grid points
        up_l = np.where(zero[rows, up_r], up_r, up_l)
        dn_r = np.where(zero[rows, dn_l], dn_l, dn_r)
        at0 = zero[:, i0]                            # a root at 0 beats everything
        up_l, up_r = np.where(at0, i0, up_l), np.where(at0, i0, up_r)
        has_up |= at0
    left = np.where(has_up, up_l, dn_l)
    right = np.where(has_up, up_r, dn_r)
    return Brackets(left, right, has_up | has_down, has_up)


_TRANSPOSE_BLOCK = 1024
#: OpenBLAS runs a GEMM on one thread when M*N*K <= 4 * 65536 (interface/gemm.c). Grid products
#: are split into batches that small: on two shared cores the threaded call (its worker thread
#: spin-waits between calls) made the whole IRR solve about twice as slow under other load.
_SINGLE_THREAD_GEMM = 4 * 65536


def _grid_product(rows: np.ndarray, powers: np.ndarray) -> np.ndarray:
    """``rows @ powers`` ((m, N) @ (N, G)) as a batched product of single-threaded GEMMs."""
    m, n = rows.shape
    block = max(8, _SINGLE_THREAD_GEMM // max(1, n * powers.shape[1]))
    full = m - m % block
    out = np.empty((m, powers.shape[1]))
    if full:
        out[:full] = (rows[:full].reshape(-1, block, n) @ powers).reshape(full, -1)
    if full < m:
        out[full:] = rows[full:] @ powers
    return out


def _positive(rows: np.ndarray, dtype) -> np.ndarray:
    """``max(rows, 0)`` as ``dtype`` (converted first: a casting ufunc loop is slower)."""
    out = rows.astype(dtype)
    return np.maximum(out, 0.0, out=out)


class PeriodicFlows:
    """NPV evaluator for flows at integer times ``0, 1, ..., N-1`` (Horner's rule).

    Parameters
    ----------
    rows : ndarray, shape (m, N), or None
        Flows of ``m`` paths, C-contiguous (for the grid products). None when only ``by_time``
        is kept (the Newton polish reads one time at a time and needs no rows).
    by_time : ndarray, shape (N, m), optional
        The same flows transposed, if already made.
    """

    def __init__(self, rows: np.ndarray | None, by_time: np.ndarray | None = None):
        if rows is None and by_time is None:
            raise ValueError("PeriodicFlows needs rows or by_time")
        self._rows = rows
        self._by_time = by_time

    @property
    def rows(self) -> np.ndarray:
        """The flows as (m, N) rows (made from ``by_time`` when only that is kept)."""
        if self._rows is None:
            self._rows = np.ascontiguousarray(self._by_time.T)
        return self._rows

    @property
    def n_paths(self) -> int:
        return (self._rows.shape[0] if self._rows is not None else self._by_time.shape[1])

    @property
    def by_time(self) -> np.ndarray:
        """The flows transposed to (N, m), made on first use (Horner reads one time at a time)."""
        if self._by_time is None:
            m, n = self.rows.shape
            self._by_time = np.empty((n, m))
            for s in range(0, m, _TRANSPOSE_BLOCK):   # blocks that stay in cache: ~25 % faster
                self._by_time[:, s:s + _TRANSPOSE_BLOCK] = self.rows[s:s + _TRANSPOSE_BLOCK].T
        return self._by_time

    def on_grid(self, x_grid: np.ndarray) -> np.ndarray:
        """NPV at each grid discount factor, times ``x**-T`` where ``x > 1``, shape (m, G)."""
        times = np.arange(self.rows.shape[1], dtype=np.float64)
        shift = np.where(x_grid > 1.0, times[-1], 0.0)
        powers = np.power(x_grid[None, :], times[:, None] - shift[None, :])
        return _grid_product(self.rows, powers.astype(self.rows.dtype, copy=False))

    def value_and_slope(self, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """``f(x)`` and ``f'(x)`` for each path, shapes (m,)."""
        c = self.by_time
        p = c[-1].copy()
        dp = np.zeros_like(p)
        for k in range(c.shape[0] - 2, -1, -1):
            np.multiply(dp, x, out=dp)
            np.add(dp, p, out=dp)
            np.multiply(p, x, out=p)
            np.add(p, c[k], out=p)
        return p, dp

    def take(self, cols: np.ndarray) -> PeriodicFlows:
        """The evaluator for a subset of paths (only the transposed flows once those exist)."""
        if self._by_time is not None:
            return PeriodicFlows(None, self._by_time[:, cols])
        return PeriodicFlows(self.rows[cols])

    def positive_part(self, dtype=np.float64) -> PeriodicFlows:
        """The evaluator of the positive flows only, held as ``dtype``."""
        return PeriodicFlows(_positive(self.rows, dtype))

    def mirrored(self) -> PeriodicFlows:
        """The evaluator of ``h(g) = f(1/g) * g**T`` (flows reversed): same roots, in ``g = 1/x``."""
        if self._by_time is not None:
            return PeriodicFlows(None, self._by_time[::-1])
        return PeriodicFlows(np.ascontiguousarray(self.rows[:, ::-1]))


class DatedFlows:
    """NPV evaluator for flows at real times (years), shared ``(N,)`` or per path ``(m, N)``.

    Parameters
    ----------
    rows : ndarray, shape (m, N)
        Flows of ``m`` paths.
    times : ndarray, shape (N,) or (m, N)
        Years from the first date; non-negative.
    """

    def __init__(self, rows: np.ndarray, times: np.ndarray):
        self.rows = rows
        self.times = times

    def _last(self) -> np.ndarray:
        """Time of the last flow: shape () for shared times, (m, 1) per path."""
        return self.times.max(axis=-1, keepdims=self.times.ndim == 2)

    def on_grid(self, x_grid: np.ndarray) -> np.ndarray:
        """NPV at each grid discount factor, times ``x**-T`` where ``x > 1``, shape (m, G)."""
        log_x = np.log(x_grid)
        last = self._last()
        if self.times.ndim == 1:
            shifted = self.times[:, None] - np.where(log_x > 0, last, 0.0)[None, :]
            return _grid_product(self.rows, np.exp(shifted * log_x[None, :]).astype(self.rows.dtype, copy=False))
        return np.stack([(self.rows * np.exp(lx * (self.times - last * (lx > 0)))).sum(axis=1)
                         for lx in log_x], axis=1)

    def value_and_slope(self, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """``f(x)`` and ``f'(x)`` for each path, shapes (m,)."""
        terms = self.rows * np.exp(self.times * np.log(x)[:, None])
        return terms.sum(axis=1), (terms * self.times).sum(axis=1) / x

    def take(self, cols: np.ndarray) -> DatedFlows:
        """The evaluator for a subset of paths."""
        times = self.times[cols] if self.times.ndim == 2 else self.times
        return DatedFlows(self.rows[cols], times)

    def positive_part(self, dtype=np.float64) -> DatedFlows:
        """The evaluator of the positive flows only, held as ``dtype``."""
        return DatedFlows(_positive(self.rows, dtype), self.times)

    def mirrored(self) -> DatedFlows:
        """The evaluator of ``h(g) = f(1/g) * g**T``: same roots, in ``g = 1/x``."""
        return DatedFlows(self.rows, self._last() - self.times)


#: Inner part of the grid searched first: a non-negative root found there is the smallest one
#: overall; paths without one are searched again above it (and on the whole grid if need be).
INNER_RATE = 0.3
#: Brackets reaching discount factors above this (rates below -50 %) are polished in ``g = 1/x``
#: on the mirrored flows, where ``x**T`` could overflow; others directly in ``x``.
MIRROR_ABOVE = 2.0
#: Share of a chunk's paths above which the Newton polish runs on the whole chunk.
_POLISH_ALL = 0.75


def _start_point(u, g, left, right, third):
    """Root of ``g(u)`` from three grid points: inverse quadratic interpolation, else secant.

    ``u`` has shape (G,), ``g`` (3, k) holds the values at ``left, right, third`` (each (k,)).
    The result lies strictly inside ``(u[right], u[left])`` or is NaN.
    """
    a, b, c = u[left], u[right], u[third]
    ga, gb, gc = g
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        iqi = (a * gb * gc / ((ga - gb) * (ga - gc)) + b * ga * gc / ((gb - ga) * (gb - gc))
               + c * ga * gb / ((gc - ga) * (gc - gb)))
        secant = a - ga * (b - a) / (gb - ga)
    inside = (iqi > b) & (iqi < a)
    return np.where(inside, iqi, np.where((secant > b) & (secant < a), secant, np.nan))


def _positive_at(ev, x_grid: np.ndarray, cols: np.ndarray, index: np.ndarray) -> np.ndarray:
    """Present value of the positive flows of path ``cols[i]`` at grid point ``index[j, i]``,
    scaled as :meth:`PeriodicFlows.on_grid`; shape (k, n) for ``index`` (k, n).

    Only a starting point is made from it, so it is computed in float32 (relative error ~1e-6,
    which moves the start by ~1e-8 in ``log x``, far less than the interpolation error; the
    Newton polish is in float64 and bracketed, so the root does not depend on it). The grid
    product runs over the grid points that occur only.
    """
    if index.size == 0:
        return np.empty(index.shape)
    used = np.flatnonzero(np.bincount(index.ravel(), minlength=x_grid.size))
    column = np.zeros(x_grid.size, dtype=np.intp)
    column[used] = np.arange(used.size)
    p = ev.positive_part(np.float32).on_grid(x_grid[used])
    return _gather(p, cols, column[index]).astype(np.float64)


def _gather(values: np.ndarray, cols: np.ndarray, index: np.ndarray) -> np.ndarray:
    """``values[cols[i], index[j, i]]`` for (m, G) ``values``, shape (k, n) like ``index``."""
    return values.ravel()[cols * values.shape[1] + index]


def _entries(ev, f_grid, br, found, rates, x_grid):
    """Bracket ends and starting points of the ``found`` paths, from their grid values.

    Returns ``cols, lo, hi, f_lo, f_hi, x0`` (one per found path): ``cols`` indexes the paths,
    the rest are discount factors (``lo <= hi``), the signs of NPV at ``lo`` and ``hi`` (scaled
    values, see :meth:`PeriodicFlows.on_grid`) and the starting point.

    The starting point interpolates ``log(P / N)`` against ``log x``, where ``P`` and ``N`` are
    the present values of the positive and negative flows (their ratio is unchanged by the
    scaling): for fund-like flows (calls, then distributions) this is close to linear, so the
    start is typically within 1e-6 of the root (interpolating NPV itself, a high-degree
    polynomial, is ~100 times worse). Paths where that fails fall back to inverse quadratic
    interpolation of NPV in ``x``.
    """
    cols = np.flatnonzero(found)
    left, right = br.left[cols], br.right[cols]
    third = np.where(right + 1 < rates.size, right + 1, np.maximum(left - 1, 0))
    at = np.stack([left, right, third])
    f3 = _gather(f_grid, cols, at)
    p3 = _positive_at(ev, x_grid, cols, at)
    with np.errstate(divide="ignore", invalid="ignore"):
        log_ratio = np.log(p3) - np.log(p3 - f3)
    x0 = np.exp(_start_point(np.log(x_grid), log_ratio, left, right, third))
    a, b = x_grid[left], x_grid[right]   # x_grid is descending: a >= b
    bad = np.flatnonzero(~np.isfinite(x0))
    if bad.size:
        fallback = _start_point(x_grid, f3[:, bad], left[bad], right[bad], third[bad])
        x0[bad] = np.where(np.isfinite(fallback), fallback, a[bad])
    return cols, b, a, f3[1], f3[0], x0


def _bracket(ev, rates, x_grid):
    """Brackets of the selected root on ``rates`` and starting points inside them.

    Returns ``up``, ``found`` and ``npv0`` (NPV at rate 0), all (m,), the entries of
    :func:`_entries`, and the grid values ``f_grid`` (m, G).
    """
    f_grid = ev.on_grid(x_grid)
    npv0 = f_grid[:, np.searchsorted(rates, 0.0)]
    br = select_bracket(f_grid, rates)
    found = br.found & np.isfinite(npv0)
    return br.up & found, found, npv0, _entries(ev, f_grid, br, found, rates, x_grid), f_grid


def _merge(entries, keep, more, rows):
    """``entries`` of the paths where ``keep`` (bool per entry), then ``more`` with their
    path indices mapped through ``rows``."""
    return tuple(np.concatenate([a[keep], b]) for a, b in zip(entries, (rows[more[0]],) + tuple(more[1:])))


def find_roots(ev: PeriodicFlows | DatedFlows, rates: np.ndarray, x_grid: np.ndarray) -> Roots:
    """Bracket on the grid, then polish with safeguarded Newton; see the module docstring.

    The grid is searched in three stages that give the bracket a search of the whole grid
    gives: the inner grid (``|rate| <= INNER_RATE``) for every path; for paths without a
    non-negative root there, the grid above it (a non-negative root there comes first; else the
    inner negative root nearest 0 stands); the whole grid only for paths with no root in
    ``[-INNER_RATE, max rate]``.
    """
    m = ev.rows.shape[0]
    inner = np.abs(rates) <= INNER_RATE
    upper = rates > INNER_RATE
    with np.errstate(invalid="ignore", over="ignore"):      # rows with NaN/inf are screened out
        up, found, npv0, entries, f_in = _bracket(ev, rates[inner], x_grid[inner])
    rest = np.flatnonzero(~up & np.isfinite(npv0))  # a non-negative root may lie beyond the inner grid
    if rest.size and upper.any():
        sub = ev.take(rest)
        r_mid, x_mid = np.concatenate([rates[inner], rates[upper]]), np.concatenate([x_grid[inner], x_grid[upper]])
        with np.errstate(invalid="ignore", over="ignore"):
            f_mid = np.concatenate([f_in[rest], sub.on_grid(x_grid[upper])], axis=1)
        br = select_bracket(f_mid, r_mid)
        late = br.up                                 # a non-negative root above the inner grid
        if late.any():
            more = _entries(sub, f_mid, br, late, r_mid, x_mid)
            entries = _merge(entries, ~np.isin(entries[0], rest[late]), more, rest)
        lost = ~br.found                             # no root in [-INNER_RATE, max]: whole grid
        if lost.any() and inner.sum() + upper.sum() < rates.size:
            far = rest[lost]
            with np.errstate(invalid="ignore", over="ignore"):
                _, found_far, _, more, _ = _bracket(ev.take(far), rates, x_grid)
            found[far] = found_far
            entries = _merge(entries, np.ones(entries[0].size, dtype=bool), more, far)
        found[rest[late]] = True
    cols, lo, hi, f_lo, f_hi, x0 = entries
    x_out = np.full(m, np.nan)
    converged = np.zeros(m, dtype=bool)
    negative = hi > MIRROR_ABOVE            # bracket far into negative rates: polish in g = 1 / x
    for part, mirror in ((np.flatnonzero(~negative), False), (np.flatnonzero(negative), True)):
        if part.size == 0:
            continue
        idx = cols[part]
        if not mirror and idx.size >= _POLISH_ALL * m:
            # nearly every path: polish them all (the others are given an empty bracket at
            # x = 1 and stop at once), cheaper than copying the subset's flows
            full = [np.ones(m) for _ in range(4)]
            for arr, val in zip(full, (lo, hi, f_lo, x0)):
                arr[idx] = val[part]
            x, ok = _polish(ev, *full)
            x_out[idx], converged[idx] = x[idx], ok[idx]
            continue
        sub = ev.take(idx)
        if mirror:
            with np.errstate(divide="ignore"):
                g, ok = _polish(sub.mirrored(), 1.0 / hi[part], 1.0 / lo[part], f_hi[part],
                                1.0 / x0[part])
                x = 1.0 / g
        else:
            x, ok = _polish(sub, lo[part], hi[part], f_lo[part], x0[part])
        x_out[idx] = x
        converged[idx] = ok
    return Roots(x_out, found, converged, npv0)


#: A Newton step at most this fraction of the previous one signals quadratic convergence, where
#: the error left after the step is about ``step**3 / previous_step**2``.
_QUADRATIC_RATIO = 1e-2


def _polish(ev, lo, hi, f_lo, x):
    """Vectorised ``rtsafe``: Newton inside ``[lo, hi]`` with bisection as the safeguard.

    A path is done when NPV is exactly zero, when the bracket or a Newton step is below
    :data:`X_RTOL` (relative to ``x``), or when convergence is quadratic and the predicted error
    after the step, ``step**3 / previous_step**2``, is below :data:`X_RTOL`. Finished paths are
    dropped from the working set once fewer than half remain. The bracket is updated in place
    (``copyto`` with a mask) to keep passes over the working arrays few.
    """
    n = x.size
    out = np.full(n, np.nan)
    ok = np.zeros(n, dtype=bool)
    alive = np.ones(n, dtype=bool)
    where = np.arange(n)             # position in the caller's arrays of each working row
    lo, hi, f_lo = lo.copy(), hi.copy(), f_lo.copy()   # updated in place below
    dx_old = hi - lo
    dx = dx_old.copy()
    prev = np.full(n, np.nan)        # previous Newton step size (NaN after a bisection)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        for _ in range(MAX_ITER):
            f, df = ev.value_and_slope(x)
            step = f / df
            x_new = x - step
            size = np.abs(step)
            tol = X_RTOL * x
            same = (f > 0) == (f_lo > 0)
            np.copyto(lo, x, where=same)
            np.copyto(f_lo, f, where=same)
            np.copyto(hi, x, where=~same)
            ratio = size / prev
            tiny = (size <= tol) | ((ratio <= _QUADRATIC_RATIO) & (ratio * ratio * size <= tol))
            # accept a converged Newton step even if rounding puts it on the bracket's edge;
            # otherwise bisect when Newton leaves the bracket or fails to halve the step
            bisect = (x_new < lo) | (x_new > hi) | np.isnan(x_new) | (np.abs(2.0 * f) > np.abs(dx_old * df))
            bisect &= ~tiny
            dx_old = dx
            if bisect.any():
                dx = np.where(bisect, 0.5 * (hi - lo), step)
                prev = np.where(bisect, np.nan, size)
                x_new = np.where(bisect, 0.5 * (lo + hi), x_new)
            else:
                dx, prev = step, size
            root = f == 0
            if root.any():
                x_new = np.where(root, x, x_new)
            done = root | tiny | (hi - lo <= tol)
            done &= alive
            x = x_new
            if done.any():
                out[where[done]] = x[done]
                ok[where[done]] = True
                alive &= ~done
                n_alive = int(alive.sum())
                if n_alive == 0:
                    break
                if n_alive <= alive.size // 2:
                    keep = np.flatnonzero(alive)
                    where, x, lo, hi, f_lo, dx, dx_old, prev = (
                        v[keep] for v in (where, x, lo, hi, f_lo, dx, dx_old, prev))
                    alive = np.ones(keep.size, dtype=bool)
                    ev = ev.take(keep)
    return out, ok
