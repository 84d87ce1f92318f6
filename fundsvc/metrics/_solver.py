"""Vectorised root finder for ``NPV(rate) = 0`` over many cash-flow series (private kernel).

The public entry points are :func:`fundsvc.metrics.rates.irr_result` and
:func:`fundsvc.metrics.rates.xirr_result`; this module holds the numerical machinery they share.

Method
------
A series of flows ``c_k`` paid at times ``t_k >= 0`` (periods or years, ``t_0 = 0``) has net
present value ``f(x) = sum_k c_k x**t_k`` in the discount factor ``x = 1 / (1 + r)``.
For every path of a chunk:

1. ``f`` is evaluated on a fixed grid of rates (:data:`GRID_RATES`, -99.99 % to 10**6 per unit
   of time, spacing 0.01 near 0) with one matrix product ``flows @ V``
   (``V[k, g] = x_g**t_k``). The inner grid (``|rate| <= 0.3``) is tried first; only paths
   without a root there are evaluated on the whole grid.
2. On each side of 0 the grid is scanned outwards for the first interval where ``f`` changes
   sign (or a grid point where it is exactly zero); if both sides have one and their distances
   from 0 overlap, both are polished and the nearer root kept. So the root returned is *the root
   nearest to 0* (``numpy_financial.irr``'s choice) whenever the grid separates the roots.
   Two roots inside one grid interval, or a root where NPV only touches zero between grid
   points, are not seen (status ``NO_ROOT_IN_RANGE`` if no other root is found).
3. A starting point inside the bracket comes from inverse quadratic interpolation of
   ``log(PV of positive flows / PV of negative flows)`` against ``log x`` (nearly linear for
   fund-like flows), then a safeguarded Newton iteration (``rtsafe``: Newton steps, replaced by
   bisection whenever they leave the bracket or fail to halve the step) polishes it. Integer
   times use Horner's rule for ``f`` and ``f'``. Typically two evaluations per path suffice.

Loops run over iterations, grid points and flows, never over paths. Rows that converge are
dropped from the working set, so stragglers cost little.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

#: Rates (per unit of time: per period for ``irr``, per year for ``xirr``) at which NPV is
#: evaluated to bracket roots. Dense near 0, where fund returns live; the ends are wide so that
#: extreme paths still get a bracket. Grid points whose discount factors would overflow for the
#: given horizon are dropped (see :func:`grid_for_horizon`).
GRID_RATES: tuple[float, ...] = (
    -0.9999, -0.999, -0.99, -0.95, -0.9, -0.8, -0.7, -0.6, -0.5, -0.4, -0.3, -0.25, -0.2,
    -0.15, -0.1, -0.07, -0.05, -0.03, -0.02, -0.01, 0.0, 0.01, 0.02, 0.03, 0.05, 0.07, 0.1,
    0.15, 0.2, 0.25, 0.3, 0.4, 0.5, 0.7, 1.0, 1.5, 2.0, 3.0, 5.0, 10.0, 30.0, 100.0, 1e3,
    1e4, 1e5, 1e6,
)

#: Relative tolerance on the discount factor ``x`` (equivalently on ``1 + rate``).
X_RTOL = 1e-13
#: Iteration cap of the safeguarded Newton loop (bisection alone needs ~50 from any bracket).
MAX_ITER = 100
#: Largest ``log(x**t)`` allowed on the grid (``e**600`` is about ``1e260``), so NPV sums of
#: realistic amounts stay finite in float64.
_MAX_LOG_SCALE = 600.0


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


def grid_for_horizon(t_max: float) -> tuple[np.ndarray, np.ndarray]:
    """Grid rates usable for flows spanning ``t_max`` units of time, and their discount factors.

    Returns
    -------
    rates, x : ndarray, shape (G,)
        Grid rates (ascending) and ``x = 1 / (1 + rate)`` (descending), keeping only points
        where ``x**t_max`` stays below about ``1e260``.
    """
    rates = np.asarray(GRID_RATES, dtype=np.float64)
    x = 1.0 / (1.0 + rates)
    keep = np.log(x) * max(float(t_max), 1.0) < _MAX_LOG_SCALE
    return rates[keep], x[keep]


def _first_true(mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Index of the first True along axis 1 of an (m, k) mask, and whether there is one."""
    if mask.shape[1] == 0:
        return np.zeros(mask.shape[0], dtype=np.intp), np.zeros(mask.shape[0], dtype=bool)
    j = mask.argmax(axis=1)
    return j, np.take_along_axis(mask, j[:, None], axis=1)[:, 0]


@dataclass(frozen=True, slots=True)
class Brackets:
    """Grid brackets of candidate roots, one or two per path.

    ``left``/``right`` are grid indices (equal when a grid point is itself a root). ``found``
    says a path has a candidate; ``alt`` marks paths with a second candidate on the other side
    of 0 (``alt_left``/``alt_right``) that may be as near to 0 as the first.
    """

    left: np.ndarray
    right: np.ndarray
    found: np.ndarray
    alt_left: np.ndarray
    alt_right: np.ndarray
    alt: np.ndarray


def nearest_bracket(f_grid: np.ndarray, rates: np.ndarray) -> Brackets:
    """Grid brackets of the root of NPV nearest to a rate of 0, per path.

    On each side of 0 the grid is scanned outwards for the first interval where NPV changes
    sign or reaches zero at its far end (a grid point that is a root gives a bracket of width
    0). If both sides have one, the one whose range of distances from 0 lies entirely nearer
    wins; if the two ranges overlap, both are kept (``alt``) and the caller keeps the root that
    turns out nearer, so the choice is exact.

    Parameters
    ----------
    f_grid : ndarray, shape (m, G)
        NPV of each path at each grid rate.
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
        has_down &= ~at0
        up_l, up_r = np.where(at0, i0, up_l), np.where(at0, i0, up_r)
        has_up |= at0
    up_near, up_far = rates[up_l], rates[up_r]
    dn_near, dn_far = -rates[dn_r], -rates[dn_l]
    both = has_up & has_down
    use_up = has_up & (~has_down | (up_far <= dn_near))
    use_dn = has_down & ~use_up & (~has_up | (dn_far <= up_near))
    alt = both & ~use_up & ~use_dn                   # distance ranges overlap: try both
    left = np.where(use_dn, dn_l, up_l)
    right = np.where(use_dn, dn_r, up_r)
    return Brackets(left, right, has_up | has_down, dn_l, dn_r, alt)


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


class PeriodicFlows:
    """NPV evaluator for flows at integer times ``0, 1, ..., N-1`` (Horner's rule).

    Parameters
    ----------
    rows : ndarray, shape (m, N)
        Flows of ``m`` paths, C-contiguous.
    """

    def __init__(self, rows: np.ndarray, by_time: np.ndarray | None = None):
        self.rows = rows
        self._by_time = by_time

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
        """NPV at each grid discount factor, shape (m, G)."""
        times = np.arange(self.rows.shape[1], dtype=np.float64)
        return _grid_product(self.rows, np.power(x_grid[None, :], times[:, None]))

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
        """The evaluator for a subset of paths."""
        by_time = None if self._by_time is None else self._by_time[:, cols]
        return PeriodicFlows(self.rows[cols], by_time)

    def positive_part(self) -> PeriodicFlows:
        """The evaluator of the positive flows only."""
        return PeriodicFlows(np.maximum(self.rows, 0.0))


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

    def on_grid(self, x_grid: np.ndarray) -> np.ndarray:
        """NPV at each grid discount factor, shape (m, G)."""
        log_x = np.log(x_grid)
        if self.times.ndim == 1:
            return _grid_product(self.rows, np.exp(self.times[:, None] * log_x[None, :]))
        return np.stack([(self.rows * np.exp(lx * self.times)).sum(axis=1) for lx in log_x], axis=1)

    def value_and_slope(self, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """``f(x)`` and ``f'(x)`` for each path, shapes (m,)."""
        terms = self.rows * np.exp(self.times * np.log(x)[:, None])
        return terms.sum(axis=1), (terms * self.times).sum(axis=1) / x

    def take(self, cols: np.ndarray) -> DatedFlows:
        """The evaluator for a subset of paths."""
        times = self.times[cols] if self.times.ndim == 2 else self.times
        return DatedFlows(self.rows[cols], times)

    def positive_part(self) -> DatedFlows:
        """The evaluator of the positive flows only."""
        return DatedFlows(np.maximum(self.rows, 0.0), self.times)


#: Inner part of the grid searched first: an event found there is the nearest to 0 overall,
#: because every grid point or interval outside it is at least as far from 0.
INNER_RATE = 0.3


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


def _bracket(ev, rates, x_grid):
    """Nearest-to-0 brackets on ``rates`` and starting points inside them, for the paths of ``ev``.

    Returns ``found`` and ``npv0`` (NPV at rate 0), both (m,), and the candidate entries
    ``cols, lo, hi, f_lo, x0`` (one per found path, plus one per path with a second candidate):
    ``cols`` indexes the paths, the rest are discount factors (``lo <= hi``; ``f_lo`` is NPV at
    ``lo``) and the starting point.

    The starting point interpolates ``log(P / N)`` against ``log x``, where ``P`` and ``N`` are
    the present values of the positive and negative flows: for fund-like flows (calls, then
    distributions) this is close to linear, so the start is typically within 1e-6 of the root
    (interpolating NPV itself, a high-degree polynomial, is ~100 times worse). Paths where that
    fails fall back to inverse quadratic interpolation of NPV in ``x``.
    """
    f_grid = ev.on_grid(x_grid)
    npv0 = f_grid[:, np.searchsorted(rates, 0.0)]
    br = nearest_bracket(f_grid, rates)
    found = br.found & np.isfinite(npv0)
    alt = br.alt & found
    first, second = np.flatnonzero(found), np.flatnonzero(alt)
    cols = np.concatenate([first, second])
    left = np.concatenate([br.left[first], br.alt_left[second]])
    right = np.concatenate([br.right[first], br.alt_right[second]])
    third = np.where(right + 1 < rates.size, right + 1, np.maximum(left - 1, 0))
    f3 = np.stack([f_grid[cols, k] for k in (left, right, third)])
    p_grid = ev.positive_part().on_grid(x_grid)
    p3 = np.stack([p_grid[cols, k] for k in (left, right, third)])
    with np.errstate(divide="ignore", invalid="ignore"):
        log_ratio = np.log(p3) - np.log(p3 - f3)
    x0 = np.exp(_start_point(np.log(x_grid), log_ratio, left, right, third))
    a, b = x_grid[left], x_grid[right]   # x_grid is descending: a >= b
    bad = np.flatnonzero(~np.isfinite(x0))
    if bad.size:
        fallback = _start_point(x_grid, f3[:, bad], left[bad], right[bad], third[bad])
        x0[bad] = np.where(np.isfinite(fallback), fallback, a[bad])
    return found, npv0, (cols, b, a, f3[1], x0)


def find_roots(ev: PeriodicFlows | DatedFlows, rates: np.ndarray, x_grid: np.ndarray) -> Roots:
    """Bracket on the grid, then polish with safeguarded Newton; see the module docstring."""
    m = ev.rows.shape[0]
    inner = np.abs(rates) <= INNER_RATE
    with np.errstate(invalid="ignore", over="ignore"):      # rows with NaN/inf are screened out
        found, npv0, entries = _bracket(ev, rates[inner], x_grid[inner])
    rest = np.flatnonzero(~found)
    if rest.size and inner.sum() < rates.size:
        with np.errstate(invalid="ignore", over="ignore"):
            found_r, _, more = _bracket(ev.take(rest), rates, x_grid)
        found[rest] = found_r
        entries = tuple(np.concatenate([a, b]) for a, b in
                        zip(entries, (rest[more[0]],) + more[1:]))
    cols, lo, hi, f_lo, x0 = entries
    x_out = np.full(m, np.nan)
    converged = np.zeros(m, dtype=bool)
    if cols.size == 0:
        return Roots(x_out, found, converged, npv0)
    simple = cols.size == m and bool(np.all(cols[1:] > cols[:-1]))   # one entry per path, in order
    if not simple:
        order = np.argsort(cols, kind="stable")
        cols, lo, hi, f_lo, x0 = (v[order] for v in (cols, lo, hi, f_lo, x0))
    x, ok = _polish(ev if simple else ev.take(cols), lo, hi, f_lo, x0)
    if not simple:
        # two candidates for some paths: keep the converged root nearest to a rate of 0
        distance = np.where(ok, np.abs(1.0 / x - 1.0), np.inf)
        pick = np.lexsort((distance, cols))
        cols, x, ok = cols[pick], x[pick], ok[pick]
        keep = np.r_[True, cols[1:] != cols[:-1]]
        cols, x, ok = cols[keep], x[keep], ok[keep]
    x_out[cols] = x
    converged[cols] = ok
    return Roots(x_out, found, converged, npv0)


#: A Newton step at most this fraction of the previous one signals quadratic convergence, where
#: the error left after the step is about ``step**3 / previous_step**2``.
_QUADRATIC_RATIO = 1e-2


def _polish(ev, lo, hi, f_lo, x):
    """Vectorised ``rtsafe``: Newton inside ``[lo, hi]`` with bisection as the safeguard.

    A path is done when NPV is exactly zero, when the bracket or a Newton step is below
    :data:`X_RTOL` (relative to ``x``), or when convergence is quadratic and the predicted error
    after the step, ``step**3 / previous_step**2``, is below :data:`X_RTOL`. Finished paths are
    dropped from the working set once fewer than half remain.
    """
    n = x.size
    out = np.full(n, np.nan)
    ok = np.zeros(n, dtype=bool)
    alive = np.ones(n, dtype=bool)
    where = np.arange(n)             # position in the caller's arrays of each working row
    dx_old = hi - lo
    dx = dx_old.copy()
    prev = np.full(n, np.nan)        # previous Newton step size (NaN after a bisection)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        for _ in range(MAX_ITER):
            f, df = ev.value_and_slope(x)
            step = f / df
            x_new = x - step
            size = np.abs(step)
            same = (f > 0) == (f_lo > 0)
            lo = np.where(same, x, lo)
            f_lo = np.where(same, f, f_lo)
            hi = np.where(same, hi, x)
            ratio = size / prev
            tiny = (size <= X_RTOL * x) | (
                (ratio <= _QUADRATIC_RATIO) & (ratio * ratio * size <= X_RTOL * x))
            # accept a converged Newton step even if rounding puts it on the bracket's edge;
            # otherwise bisect when Newton leaves the bracket or fails to halve the step
            bisect = ~tiny & (~((x_new >= lo) & (x_new <= hi))
                              | (np.abs(2.0 * f) > np.abs(dx_old * df)))
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
            done = alive & (root | tiny | (hi - lo <= X_RTOL * x))
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
