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
2. Among the grid intervals where ``f`` changes sign, and the grid points where it is exactly
   zero, the one *nearest to a rate of 0* is kept: ranked by the distance of its nearer end from
   0; a grid point that is itself a root wins a tie, then the interval whose far end is nearer,
   then the lower rate. So the root returned is the root nearest to 0 up to one grid interval
   (roots on opposite sides of 0 in mirror-image intervals go to the negative one), which is
   ``numpy_financial.irr``'s choice (root closest to zero) whenever the grid separates them.
   Two roots inside one grid interval, or a root where NPV only touches zero between grid
   points, are not seen.
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


def _candidate_ranks(rates: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Rank of each grid point and each grid interval by distance from a rate of 0.

    Distance is that of the nearer end; ties go to a point (an exact root), then to the
    interval whose far end is nearer. Returns int8 ranks of shapes (G,) and (G-1,).
    """
    near = np.minimum(np.abs(rates[:-1]), np.abs(rates[1:]))
    far = np.maximum(np.abs(rates[:-1]), np.abs(rates[1:]))
    keys = [(abs(r), 0, abs(r), i) for i, r in enumerate(rates)]
    keys += [(near[i], 1, far[i], rates.size + i) for i in range(rates.size - 1)]
    rank = np.empty(len(keys), dtype=np.int8)
    rank[[k[3] for k in sorted(keys)]] = np.arange(len(keys))
    return rank[: rates.size], rank[rates.size:]


def nearest_bracket(f_grid: np.ndarray, rates: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Pick, per path, the sign change (or exact zero) of NPV nearest to a rate of 0.

    Parameters
    ----------
    f_grid : ndarray, shape (m, G)
        NPV of each path at each grid rate.
    rates : ndarray, shape (G,)
        The grid rates, ascending (at most 64 of them).

    Returns
    -------
    left, right : ndarray of intp, shape (m,)
        Grid indices of the chosen bracket (equal when the root is a grid point); 0 where none.
    found : ndarray of bool, shape (m,)
    """
    g = rates.size
    rank_point, rank_interval = _candidate_ranks(rates)
    none = np.int8(2 * g)
    pos = f_grid > 0
    zero = f_grid == 0
    if zero.any():
        neg = f_grid < 0
        change = (pos[:, :-1] & neg[:, 1:]) | (neg[:, :-1] & pos[:, 1:])
        key = np.minimum(np.where(change, rank_interval, none).min(axis=1),
                         np.where(zero, rank_point, none).min(axis=1))
    else:
        # no exact zeros: a sign change is a change of "positive" (NaN rows never change);
        # the first change in rank order is found with argmax over reordered columns
        change = pos[:, :-1] != pos[:, 1:]
        by_rank = np.argsort(rank_interval)
        first = change[:, by_rank].argmax(axis=1)
        hit = np.take_along_axis(change, by_rank[first][:, None], axis=1)[:, 0]
        key = np.where(hit, rank_interval[by_rank[first]], none)
    found = key < none
    # invert the ranking: candidate rank -> (left, right) grid indices
    left_of = np.zeros(2 * g + 1, dtype=np.intp)
    right_of = np.zeros(2 * g + 1, dtype=np.intp)
    left_of[rank_point], right_of[rank_point] = np.arange(g), np.arange(g)
    left_of[rank_interval], right_of[rank_interval] = np.arange(g - 1), np.arange(1, g)
    return left_of[key], right_of[key], found


_TRANSPOSE_BLOCK = 1024


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
        return self.rows @ np.power(x_grid[None, :], times[:, None])

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

    def take(self, cols: np.ndarray) -> "PeriodicFlows":
        """The evaluator for a subset of paths."""
        by_time = None if self._by_time is None else self._by_time[:, cols]
        return PeriodicFlows(self.rows[cols], by_time)

    def positive_part(self) -> "PeriodicFlows":
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
            return self.rows @ np.exp(self.times[:, None] * log_x[None, :])
        return np.stack([(self.rows * np.exp(lx * self.times)).sum(axis=1) for lx in log_x], axis=1)

    def value_and_slope(self, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """``f(x)`` and ``f'(x)`` for each path, shapes (m,)."""
        terms = self.rows * np.exp(self.times * np.log(x)[:, None])
        return terms.sum(axis=1), (terms * self.times).sum(axis=1) / x

    def take(self, cols: np.ndarray) -> "DatedFlows":
        """The evaluator for a subset of paths."""
        times = self.times[cols] if self.times.ndim == 2 else self.times
        return DatedFlows(self.rows[cols], times)

    def positive_part(self) -> "DatedFlows":
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
    """Nearest-to-0 bracket on ``rates`` and a starting point inside it, for every path of ``ev``.

    Returns ``found`` and ``npv0`` (NPV at rate 0), both (m,), and for the found paths only
    ``lo, hi, f_lo, x0`` in discount factors (``lo <= hi``; ``f_lo`` is NPV at ``lo``).

    The starting point interpolates ``log(P / N)`` against ``log x``, where ``P`` and ``N`` are
    the present values of the positive and negative flows: for fund-like flows (calls, then
    distributions) this is close to linear, so the start is typically within 1e-6 of the root
    (interpolating NPV itself, a high-degree polynomial, is ~100 times worse). Paths where that
    fails fall back to inverse quadratic interpolation of NPV in ``x``.
    """
    f_grid = ev.on_grid(x_grid)
    left, right, found = nearest_bracket(f_grid, rates)
    npv0 = f_grid[:, np.searchsorted(rates, 0.0)]
    found &= np.isfinite(npv0)
    cols = np.flatnonzero(found)
    left, right = left[cols], right[cols]
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
    return found, npv0, b, a, f3[1], x0


def find_roots(ev: PeriodicFlows | DatedFlows, rates: np.ndarray, x_grid: np.ndarray) -> Roots:
    """Bracket on the grid, then polish with safeguarded Newton; see the module docstring."""
    m = ev.rows.shape[0]
    inner = np.abs(rates) <= INNER_RATE
    found, npv0, lo, hi, f_lo, x0 = _bracket(ev, rates[inner], x_grid[inner])
    idx = np.flatnonzero(found)
    rest = np.flatnonzero(~found)
    if rest.size and inner.sum() < rates.size:
        found_r, _, *more = _bracket(ev.take(rest), rates, x_grid)
        idx = np.concatenate([idx, rest[found_r]])
        lo, hi, f_lo, x0 = (np.concatenate(pair) for pair in zip((lo, hi, f_lo, x0), more))
        found[rest] = found_r
    x_out = np.full(m, np.nan)
    converged = np.zeros(m, dtype=bool)
    if idx.size:
        order = np.argsort(idx, kind="stable")
        idx, lo, hi, f_lo, x0 = idx[order], lo[order], hi[order], f_lo[order], x0[order]
        x_found, ok = _polish(ev if idx.size == m else ev.take(idx), lo, hi, f_lo, x0)
        x_out[idx] = x_found
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
