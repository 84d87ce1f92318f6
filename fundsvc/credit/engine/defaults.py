"""Correlated defaults: conditional hazards per (path, group, step) and default times per loan.

Model. Given the sector factor ``z`` of a loan in step ``t`` (N(0, 1); negative = bad year), the
loan's probability of defaulting in a full step while outstanding is the Vasicek conditional PD

    p_t(z) = Φ((Φ⁻¹(PD_step) − √R·z) / √(1 − R)),     PD_step = 1 − (1 − PD_annual)^dt,

independently across loans given the factors. We write it as a hazard ``h_t = −log(1 − p_t)``;
a step the loan is at risk for only a share ``w`` (origination or maturity inside the step) has
hazard ``w·h_t``. A loan defaults at most once, in the first step ``T`` with
``E < Σ_{s ≤ T} w_s h_s`` where ``E = −log(1 − U)`` for one uniform ``U`` per loan and path: this
is exactly "default in step t with probability p_t given survival so far".

Speed. The hazard is computed per (path, group, step) only (a group shares PD, sector and R),
then the window default probability ``1 − exp(−Σ_t w_t h_t)`` per (path, key) (a key is a group
with one at-risk window). Loans are sorted by key, so ``np.repeat`` spreads the key thresholds
over the loans and one float32 comparison per loan and path decides whether the loan defaults
within the horizon. Only for the (sparse) defaults is the step found, from their gathered
cumulative hazards. Cost: one float32 uniform per loan and path (not per loan-year).

Fewer random numbers than loans (:attr:`DefaultSampler.SKIP`, an option; :class:`StepSkipper`).
Step by step, every loan still performing and at risk defaults with its step probability
``p = 1 − exp(−w_t h_t)`` — the step-by-step law of :mod:`~fundsvc.credit.engine.reference`.
Loans of one group at risk in the step are contiguous runs of the sorted book (*segments*); on
each path a segment's largest ``p`` is ``q``. *Candidates* are drawn as a Bernoulli(``q``)
process over the segment by geometric skipping (gaps ``G`` with ``P(G > g) = (1 − q)^g``, one
uniform per gap) and each is kept with probability ``p_i / q`` (thinning, one more uniform) if
the loan is still performing (:func:`skip_window_defaults`). Cost: about two uniforms per
candidate (a few per default) plus a few per (path, segment, step), instead of one per loan
and path. Step ``t`` draws from its own stream, so the defaults of steps before a change of the
factors (a stress from 2027) stay the same draws (common random numbers), as with the dense
draw. :attr:`DefaultSampler.DENSE` (the default) is the one-uniform-per-loan draw above. Measured
(bench/bench_credit.py, 10,000 loans × 10,000 paths × 5 years, ≈ 4.8 % of loans defaulting per
path) SKIP is not faster than DENSE: a candidate costs ~20 array passes against ~4 for a dense
uniform, so skipping pays only when a step's default probability is well below ~5 %, and most
of the kernel's time is in the per-default work (recoveries, loss sharing, aggregation) anyway.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

import numpy as np
from scipy.special import ndtr

MAX_HAZARD = 50.0
"""Cap of the step hazard (a conditional PD of 1 − e^−50): keeps 0 · h finite."""


def conditional_hazard(z: np.ndarray, threshold: np.ndarray, sector: np.ndarray, r: np.ndarray) -> np.ndarray:
    """Conditional hazard ``−log(1 − p_t(z))`` per path, group and step.

    Parameters
    ----------
    z : ndarray (n_paths, n_steps, n_sectors)
        Sector factors.
    threshold : ndarray (n_groups,)
        ``Φ⁻¹(PD_step)``.
    sector : ndarray of int (n_groups,)
        Sector position of each group.
    r : ndarray (n_groups,)
        Asset correlation R in [0, 1).

    Returns
    -------
    ndarray (n_paths, n_groups, n_steps), float32, C-contiguous
        Computed in float32 (relative error ~1e-6, far below the Monte Carlo error).
    """
    zg = np.transpose(z[:, :, sector], (0, 2, 1)).astype(np.float32)  # (n_paths, n_groups, n_steps)
    a = (threshold / np.sqrt(1.0 - r)).astype(np.float32)[None, :, None]
    b = (np.sqrt(r) / np.sqrt(1.0 - r)).astype(np.float32)[None, :, None]
    h = ndtr(a - b * zg)  # conditional PD, float32 (compared with float32 uniforms)
    np.negative(h, out=h)
    np.log1p(h, out=h)
    np.negative(h, out=h)
    np.minimum(h, MAX_HAZARD, out=h)
    return np.ascontiguousarray(h)


def conditional_pd(hazard: np.ndarray) -> np.ndarray:
    """Step default probability from the hazard: ``1 − exp(−h)``."""
    return -np.expm1(-hazard)


def cumulative_hazard(hazard: np.ndarray) -> np.ndarray:
    """``H[:, g, s] = Σ_{t < s} h[:, g, t]``, shape (n_paths, n_groups, n_steps + 1), float32."""
    n, n_groups, n_steps = hazard.shape
    cum = np.zeros((n, n_groups, n_steps + 1), np.float32)
    np.cumsum(hazard, axis=2, out=cum[:, :, 1:])
    return cum


def window_probability(hazard: np.ndarray, key_group: np.ndarray, key_weight: np.ndarray,
                       cum: np.ndarray | None = None) -> np.ndarray:
    """Probability of default within each key's window, shape (n_paths, n_keys), float32.

    ``key_weight`` (n_keys, n_steps) is the share of each step at risk: a window is a run of
    steps ``a … b`` with weight 1 strictly inside and ``w_a``, ``w_b`` at its ends, so its
    cumulative hazard is ``w_a h_a + (H_b − H_{a+1}) + w_b h_b`` with ``H`` the cumulative hazard
    of the key's group — four gathers per key instead of a sum over steps. Pass ``cum``
    (:func:`cumulative_hazard`) when calling several times on the same hazards.
    """
    n, n_groups, n_steps = hazard.shape
    on = key_weight > 0
    first = on.argmax(axis=1)
    last = n_steps - 1 - on[:, ::-1].argmax(axis=1)
    k = np.arange(key_group.size)
    w_a = key_weight[k, first].astype(np.float32)
    w_b = np.where(last > first, key_weight[k, last], 0.0).astype(np.float32)
    if cum is None:
        cum = cumulative_hazard(hazard)
    h2 = hazard.reshape(n, n_groups * n_steps)
    c2 = cum.reshape(n, n_groups * (n_steps + 1))
    g_h = key_group * n_steps
    g_c = key_group * (n_steps + 1)
    out = np.take(h2, g_h + first, axis=1)
    out *= w_a
    out += np.take(h2, g_h + last, axis=1) * w_b
    inner = last > first + 1
    if inner.any():
        out[:, inner] += np.take(c2, (g_c + last)[inner], axis=1) - np.take(c2, (g_c + first + 1)[inner], axis=1)
    empty = ~on.any(axis=1)
    if empty.any():
        out[:, empty] = 0.0
    np.negative(out, out=out)
    np.expm1(out, out=out)
    np.negative(out, out=out)
    return out


def default_steps(u: np.ndarray, hazard: np.ndarray, rows: np.ndarray, groups: np.ndarray,
                  weight_t: np.ndarray, items: np.ndarray, last_step: np.ndarray) -> np.ndarray:
    """Step of default of items known to default within their window.

    Parameters
    ----------
    u : ndarray (n_def,)
        The item's uniform (below its window default probability).
    hazard : ndarray (n_block, n_groups, n_steps)
        Conditional hazards of the block.
    rows, groups, items : ndarray of int (n_def,)
        Path row in the block, group and item (row of ``weight_t``'s columns) of each default.
    weight_t : ndarray (n_steps, n_items)
        At-risk shares, step-major.
    last_step : ndarray of int (n_def,)
        Last at-risk step (guards against float32 rounding at the window edge).

    Returns
    -------
    ndarray of int64 (n_def,)
        First step ``T`` with ``−log(1 − u) < Σ_{s ≤ T} w_s h_s``.
    """
    n_steps = hazard.shape[2]
    e = -np.log1p(-u.astype(np.float64))
    flat = hazard.reshape(-1)
    base = (rows * hazard.shape[1] + groups) * n_steps
    acc = np.zeros(u.size)
    t = np.zeros(u.size, np.int64)
    for s in range(int(last_step.max()) + 1 if u.size else 0):
        acc += flat[base + s] * weight_t[s][items]
        t += acc <= e
    return np.minimum(t, last_step)


def default_time(step: np.ndarray, start: np.ndarray, end: np.ndarray, dt: float) -> np.ndarray:
    """Default time in years from the simulation start: the middle of the at-risk part of the step."""
    lo = np.maximum(start, step * dt)
    hi = np.minimum(end, (step + 1) * dt)
    return 0.5 * (lo + hi)


class WindowDraws:
    """Reusable buffers for :func:`draw_window_defaults` (avoids page faults on every block).

    ``key_of_item`` (n_items,) maps each item to its key column; ``max_rows`` is the block size.
    """

    def __init__(self, key_of_item: np.ndarray, max_rows: int):
        n = key_of_item.size
        self.key_of_item = key_of_item
        self.uni = np.empty((max_rows, n), np.float32)
        self.thr = np.empty((max_rows, n), np.float32)
        self.mask = np.empty((max_rows, n), bool)

    def draw(self, prob: np.ndarray, rng: np.random.Generator):
        """Which items default within their window.

        Parameters
        ----------
        prob : ndarray (n_rows, n_keys), float32
            Window default probability per key.
        rng : numpy.random.Generator
            One float32 uniform per item and row is drawn.

        Returns
        -------
        rows, cols : ndarray of int64 (n_def,)
            Row of ``prob`` and item of each default.
        u : ndarray float32 (n_def,)
            Their uniforms.
        """
        nr, n = prob.shape[0], self.key_of_item.size
        uni, thr, mask = self.uni[:nr], self.thr[:nr], self.mask[:nr]
        rng.random(out=uni, dtype=np.float32)
        np.take(prob, self.key_of_item, axis=1, out=thr)
        np.less(uni, thr, out=mask)
        flat = np.flatnonzero(mask)
        rows = flat // n
        return rows, flat - rows * n, uni.reshape(-1)[flat]


def draw_window_defaults(prob: np.ndarray, counts: np.ndarray, rng: np.random.Generator):
    """One-off form of :meth:`WindowDraws.draw` for items sorted by key with ``counts`` per key."""
    key_of_item = np.repeat(np.arange(counts.size), counts)
    return WindowDraws(key_of_item, prob.shape[0]).draw(prob, rng)


class DefaultSampler(Enum):
    """How the kernel draws default steps (same law, other draws)."""

    DENSE = "dense"
    """One float32 uniform per item and path (:class:`WindowDraws`), inverted through the
    conditional cumulative hazard (:func:`default_steps`): the default."""
    SKIP = "skip"
    """Step by step, geometric skipping with thinning over the loans at risk (:class:`StepSkipper`)."""


@dataclass(frozen=True)
class Segments:
    """Items sorted by key, keys cut into segments of consecutive keys (a group's keys).

    Attributes
    ----------
    key_of_item : ndarray of int (n_items,)
    seg_first_key : ndarray of int (n_seg,)
        First key of each segment (for ``np.maximum.reduceat`` over the key axis).
    seg_first_item, seg_size : ndarray of int (n_seg,)
        First item and number of items of each segment.
    """

    key_of_item: np.ndarray
    seg_first_key: np.ndarray
    seg_first_item: np.ndarray
    seg_size: np.ndarray

    @classmethod
    def of(cls, key_counts: np.ndarray, key_segment: np.ndarray) -> Segments:
        """From the items per key (n_keys,) and a non-decreasing segment label per key (n_keys,)."""
        key_counts = np.asarray(key_counts, np.int64)
        key_segment = np.asarray(key_segment)
        first_key = np.flatnonzero(np.r_[True, key_segment[1:] != key_segment[:-1]]) if key_segment.size else np.zeros(0, np.int64)
        key_first_item = np.r_[0, np.cumsum(key_counts)]
        first_item = key_first_item[first_key]
        size = np.diff(np.r_[first_item, key_first_item[-1]])
        return cls(np.repeat(np.arange(key_counts.size), key_counts), first_key, first_item, size)


SKIP_MARGIN = 1.0
"""Gaps drawn per segment and round: expected candidates + SKIP_MARGIN·√(that) + 2 (a segment
not yet past its last item gets another round; the margin only trades rounds for spare draws)."""


def skip_candidates(q: np.ndarray, seg: Segments, rng: np.random.Generator):
    """Bernoulli(``q``) candidates over each segment's items by geometric skipping.

    Parameters
    ----------
    q : ndarray (n_rows, n_seg)
        Candidate probability of each segment's items (same for all items of a segment).
    seg : Segments
    rng : numpy.random.Generator
        One float64 uniform per gap (a few more than the candidates).

    Returns
    -------
    rows, cols, s : ndarray of int64 (n_cand,)
        Row, item and flat segment index ``row·n_seg + segment`` of each candidate (by segment
        and round, not sorted); each (row, item) at most once.
    """
    nr, n_seg = q.shape
    q = np.asarray(q, np.float64).reshape(-1)
    size = np.tile(seg.seg_size, nr)
    with np.errstate(divide="ignore"):
        inv_lq = 1.0 / np.log1p(-np.minimum(q, 1.0))  # inf where q = 0 (never active), -0 where q = 1
    far = float(seg.seg_size.max()) + 1.0 if n_seg else 1.0
    pos = np.full(q.size, -1, np.int64)  # last candidate position of each segment so far
    active = np.flatnonzero((q > 0) & (size > 0))
    found_seg, found_pos = [np.zeros(0, np.int64)], [np.zeros(0, np.int64)]
    while active.size:
        lam = (size[active] - 1 - pos[active]) * q[active]
        k = np.ceil(lam + SKIP_MARGIN * np.sqrt(lam) + 2.0).astype(np.int64)
        seg_rep = np.repeat(active, k)
        gap = rng.random(seg_rep.size)
        np.negative(gap, out=gap)
        np.log1p(gap, out=gap)
        gap *= np.repeat(inv_lq[active], k)
        np.minimum(gap, far, out=gap)  # inf (q tiny) -> past the end
        gap = gap.astype(np.int64)
        gap += 1  # geometric on {1, 2, ...}: P(G > g) = (1 − q)^g
        at = np.cumsum(gap)
        last = np.cumsum(k) - 1
        first = last - k + 1
        before = at[first] - gap[first] - pos[active]  # cumulative gap before each run, less the start
        at -= np.repeat(before, k)
        keep = np.flatnonzero(at < np.repeat(size[active], k))
        found_seg.append(seg_rep[keep])
        found_pos.append(at[keep])
        end = at[last]
        pos[active] = end
        active = active[end < size[active] - 1]
    s = np.concatenate(found_seg)
    rows = s // max(n_seg, 1)
    cols = seg.seg_first_item[s - rows * n_seg] + np.concatenate(found_pos) if s.size else s
    return rows, cols, s


def skip_window_defaults(prob: np.ndarray, seg: Segments, rng: np.random.Generator):
    """Which items default within their window, by geometric skipping and thinning.

    Parameters
    ----------
    prob : ndarray (n_rows, n_keys), float32
        Window default probability per key.
    seg : Segments
    rng : numpy.random.Generator
        Draws one float64 uniform per geometric gap, then one per candidate.

    Returns
    -------
    rows, cols : ndarray of int64 (n_def,)
        Row of ``prob`` and item of each default (by segment and round, not sorted).
    u : ndarray float64 (n_def,)
        A uniform on ``[0, p)`` for each default (``p`` its window probability), independent of
        which items default, for :func:`default_steps`.
    """
    if prob.shape[0] == 0 or seg.seg_first_key.size == 0:
        e = np.zeros(0, np.int64)
        return e, e, np.zeros(0)
    q = np.maximum.reduceat(prob, seg.seg_first_key, axis=1)
    rows, cols, s = skip_candidates(q, seg, rng)
    p = np.take(prob.reshape(-1), rows * prob.shape[1] + seg.key_of_item[cols])
    v = rng.random(rows.size)
    v *= q.reshape(-1)[s]
    ok = np.flatnonzero(v < p)
    return rows[ok], cols[ok], v[ok]


class StepSkipper:
    """Default steps by geometric skipping, step by step (:attr:`DefaultSampler.SKIP`).

    Parameters
    ----------
    key_counts : ndarray of int (n_keys,)
        Items per key; items are sorted by key.
    key_group : ndarray of int (n_keys,)
        Group of each key (non-decreasing).
    key_weight : ndarray (n_keys, n_steps)
        Share of each step the key's items are at risk.

    A step's segments are the runs of keys of one group at risk in the step; a segment's
    candidate probability is ``q = 1 − exp(−w_max h)`` with ``w_max`` its largest weight and
    ``h`` its group's hazard, and an item's own ``p = 1 − exp(−w h)``.
    """

    def __init__(self, key_counts: np.ndarray, key_group: np.ndarray, key_weight: np.ndarray):
        key_counts = np.asarray(key_counts, np.int64)
        key_group = np.asarray(key_group, np.int64)
        key_weight = np.asarray(key_weight, np.float64)
        self.n_items = int(key_counts.sum())
        item_group = np.repeat(key_group, key_counts)
        self.steps = []  # (t, segments, group of each segment, w_max of each segment, weight of each item)
        for t in range(key_weight.shape[1]):
            on = key_weight[:, t] > 0
            if not on.any():
                continue
            cut = np.r_[True, (key_group[1:] != key_group[:-1]) | (on[1:] != on[:-1])]
            seg = Segments.of(key_counts, np.cumsum(cut))
            w_max = np.maximum.reduceat(key_weight[:, t], seg.seg_first_key)
            live = w_max > 0
            seg = Segments(seg.key_of_item, seg.seg_first_key[live], seg.seg_first_item[live], seg.seg_size[live])
            self.steps.append((t, seg, key_group[seg.seg_first_key], w_max[live], np.repeat(key_weight[:, t], key_counts)))
        self.item_group = item_group

    def draw(self, hazard: np.ndarray, rngs) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Defaults of a block of paths.

        Parameters
        ----------
        hazard : ndarray (n_rows, n_groups, n_steps), float32
            :func:`conditional_hazard`.
        rngs : sequence of numpy.random.Generator (n_steps,)
            Step ``t`` draws from ``rngs[t]`` only: first the gaps, then one uniform per candidate.

        Returns
        -------
        rows, items, steps : ndarray of int64 (n_def,)
            Each (row, item) at most once.
        """
        nr, n_groups, n_steps = hazard.shape
        alive = np.ones((nr, self.n_items), bool)
        out_r, out_c, out_t = [], [], []
        flat = hazard.reshape(-1)
        for t, seg, seg_group, w_max, w_item in self.steps:
            h = np.take(hazard[:, :, t], seg_group, axis=1) * w_max  # (nr, n_seg), float64
            np.negative(h, out=h)
            q = -np.expm1(h)  # p <= q exactly: same formula, w <= w_max
            r, c, s = skip_candidates(q, seg, rngs[t])
            p = -np.expm1(-(np.take(flat, (r * n_groups + self.item_group[c]) * n_steps + t) * w_item[c]))
            v = rngs[t].random(r.size)
            v *= q.reshape(-1)[s]
            ok = np.flatnonzero((v < p) & alive[r, c])
            r, c = r[ok], c[ok]
            alive[r, c] = False
            out_r.append(r)
            out_c.append(c)
            out_t.append(np.full(r.size, t, np.int64))
        if not out_r:
            e = np.zeros(0, np.int64)
            return e, e, e
        return np.concatenate(out_r), np.concatenate(out_c), np.concatenate(out_t)
