"""Deal-level simulation of a venture sub-fund (vectorised over paths and deals).

Model, per path and deal slot (``n_deals = sub_fund.n_initial_deals``):

* **Entry.** Deal k is made in step ``entry_step[k]`` (spread evenly over the investment
  period), at a stage drawn from the sub-fund's entry mix and in a sector drawn from its
  sector weights. The fund pays ``check`` for ``check / post`` of the company, where ``post``
  is the stage's entry post-money, raised so the stake is at most ``max_entry_ownership``.
* **Stage progression.** From the step after entry, a company at stage s has an event in a
  step with probability ``p_event[regime, s]`` (exponential time in stage, mean
  ``years_in_stage``; the regime multiplies the exit rate). The event is a new round, an
  exit or a failure with probabilities ∝ ``Φ(Φ⁻¹(p_next) + κ f)``, ``m · Φ(Φ⁻¹(p_exit) + κ f)``
  and the rest, where ``f`` is the company's sector factor in that step, ``κ`` the profile's
  ``factor_sensitivity`` and ``m`` the regime's exit-rate multiplier (if the first two sum to
  more than 1 they are scaled down to sum to 1, and failure has probability 0).
* **Rounds.** The next round's pre-money is the post-money times a log-normal step-up; the
  round sells ``round_dilution`` of the company. Up to ``follow_on_through`` the fund asks to
  keep its stake (pro rata: ``ownership × dilution × new post``), paid from the per-path
  reserve, then (during the investment period) from recyclable proceeds, first come first
  served in time order (within a step, by deal slot); a request the pool cannot meet in full
  is paid in part. What is not paid dilutes the stake.
* **Exit.** Exit value = last post-money × multiple × ``exp(λ f)`` × regime value multiplier,
  the multiple log-normal with probability ``1 - tail_p`` and Pareto (scale, index alpha)
  otherwise, capped at ``exit_multiple_cap``. All investors hold 1× non-participating
  preferred, pari passu: the company's preference stack ``S`` is the capital it raised (at
  entry ``max(stack_frac[stage] × post, check)``, see
  :func:`~fundsvc.engine.venture.deal_programme.preference_stack_fraction`, plus every later
  round), and the fund receives
  ``max(min(invested, exit value × invested / S), ownership × exit value)`` — its pro-rata share
  of the exit value while the value is below the stack, its money back above it, or its
  converted stake. *Simplifications*: all preferred ranks pari passu (no seniority between
  series), every holder is assumed to take the better of preference and conversion on its
  own (no waterfall between classes), common and option holders take the rest; no ratchets,
  participation or secondary sales.
* **Failure.** The stake is written down to zero; ``failure_recovery × invested`` is
  received as proceeds in the step.
* **End of life.** Holdings still alive in ``end_step`` (life + extension) are sold on the
  secondary market in that step at ``secondary_price[regime]`` × their marked value
  (``proceeds``; the part is also reported as ``end_sale``). With cold-market extensions
  (``prog.n_extensions`` > 0) a path whose regime is cold in that step waits
  ``prog.extension_steps`` and checks again, at most ``n_extensions`` times (the last
  opportunity sells whatever the regime); its companies go on exiting and failing meanwhile.
  If the horizon ends first they stay at their marked NAV.
* **NAV (mark to model, :class:`models.market.MarkingPolicy`).** Each holding is marked at the
  last round, ownership × last post-money, times the market adjustment an exit would get in the
  step, ``exp(λ f) × regime value multiplier``, times ``exp(−w · steps since the last round)``
  (stale rounds written down, ``w = prog.stale_writedown``); 0 after exit, failure or sale.
  Kept exactly with per (path, sector) running sums of ``ownership × post × e^{w·τ}`` (τ the
  step of the last round). ``cost_outstanding`` is the cost of the holdings still held.
* **Recycling.** Proceeds received during the investment period, up to
  ``recycling_cap × commitment`` in total, become available for follow-ons (after the
  reserve) from the next step until the investment period ends; what is used is reported in
  ``recycled``. Initial checks are always ``(1 - reserve_ratio) × investable / n_deals``.
* **Order within a step.** Events of held companies (using the pools as they stood at the
  start of the step), then the end-of-life sale, then recycling of the step's proceeds, then
  the step's new deals; NAV is taken at the end.

All random numbers come from ``rng`` in a fixed order (:mod:`deal_draws`); the kernel loops over
steps only; events are processed on the (few) slots that have one in the step.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import IntEnum

import numpy as np
from scipy.special import ndtr

from fundsvc.engine.factors import MarketPaths
from fundsvc.engine.venture.deal_draws import N_ROUNDS, DealDraws, draw_deal_randoms
from fundsvc.engine.venture.deal_programme import (
    COLD_ROW,
    INACTIVE,
    N_STAGES,
    NO_REGIME_ROW,
    DealProgramme,
)

_NEVER = 2**31 - 1
"""Next-candidate step of a slot that is not held."""


class DealStatus(IntEnum):
    """State of a deal slot (``DealOutcomes.status``)."""

    PENDING = 0
    """Not yet invested (entry after the horizon)."""
    ACTIVE = 1
    EXITED = 2
    FAILED = 3
    SOLD_AT_NAV = 4
    """Still held at the end of the fund's life and sold on the secondary market (at a regime
    dependent price × the marked NAV)."""


@dataclass(frozen=True)
class DealOutcomes:
    """Per-deal results at the end of the horizon, shapes (n_paths, n_deals).

    Attributes
    ----------
    invested, proceeds : ndarray
        Total paid into / received from the company (CNY).
    ownership : ndarray
        Final stake (at the last round while held; kept after the deal ends).
    status : ndarray of int8
        :class:`DealStatus`.
    entry_stage, stage : ndarray of int8
        Stage code at entry and of the last round raised (0 seed .. 4 later).
    end_step : ndarray of int
        Step in which the deal ended (-1 while held or never entered).
    sector : ndarray of int
        Position of the company's sector on the market's sector axis.
    local : ndarray of bool
    """

    invested: np.ndarray
    proceeds: np.ndarray
    ownership: np.ndarray
    status: np.ndarray
    entry_stage: np.ndarray
    stage: np.ndarray
    end_step: np.ndarray
    sector: np.ndarray
    local: np.ndarray


@dataclass(frozen=True)
class PortfolioFlows:
    """Cash flows and values of one deal-level sub-fund's portfolio (CNY).

    The (n_paths, n_steps) arrays are transposed views of time-major buffers (Fortran order:
    each path's time series is strided); use ``np.ascontiguousarray`` if C order matters.

    Attributes
    ----------
    invested : ndarray, shape (n_paths, n_steps)
        Paid into companies in the step (initial + follow-on), >= 0.
    proceeds : ndarray, shape (n_paths, n_steps)
        Received from exits, failure recoveries and end-of-life sales in the step, >= 0.
    nav : ndarray, shape (n_paths, n_steps)
        Value of holdings at the step end (marked to model, module doc), >= 0.
    end_sale : ndarray, shape (n_paths,)
        Part of ``proceeds`` from the end-of-term secondary sale (CNY).
    cost_outstanding : ndarray, shape (n_paths, n_steps)
        Cost of the holdings still held at the step end.
    recycled : ndarray, shape (n_paths, n_steps)
        Part of ``invested`` paid from proceeds rather than called, >= 0.
    invested_by_sector : ndarray, shape (n_paths, n_sectors)
        Total invested by market sector.
    invested_early : ndarray, shape (n_paths,)
        Total invested in seed and Series A rounds.
    invested_local : ndarray, shape (n_paths,)
        Total invested in local firms.
    n_companies : ndarray of int, shape (n_paths,)
        Companies invested in.
    deals : DealOutcomes
        Per-deal results (for calibration and checks).
    """

    invested: np.ndarray
    proceeds: np.ndarray
    nav: np.ndarray
    cost_outstanding: np.ndarray
    recycled: np.ndarray
    invested_by_sector: np.ndarray
    invested_early: np.ndarray
    invested_local: np.ndarray
    n_companies: np.ndarray
    deals: DealOutcomes
    end_sale: np.ndarray | None = None


def simulate_deals(prog: DealProgramme, market: MarketPaths, rng: np.random.Generator) -> PortfolioFlows:
    """Simulate one deal-level sub-fund over a chunk of paths.

    Parameters
    ----------
    prog : DealProgramme
        From :func:`~fundsvc.engine.venture.deal_programme.compile_deals`.
    market : MarketPaths
        Quarterly market paths of the chunk, ``n_steps == prog.n_steps``.
    rng : numpy.random.Generator
        The sub-fund's stream, e.g. ``stream(seed, chunk.index, Component.VENTURE,
        sub_key(sub_fund.id))``.

    Returns
    -------
    PortfolioFlows
        Arrays of shape (n_paths, n_steps) and per-path indicators.
    """
    _check_market(prog, market)
    n_paths = market.n_paths
    draws = draw_deal_randoms(prog, n_paths, rng)
    return run_deal_kernel(prog, market, draws, rng.random)


def _check_market(prog: DealProgramme, market: MarketPaths) -> None:
    if market.n_steps != prog.n_steps:
        raise ValueError(f"market has {market.n_steps} steps, the deal programme {prog.n_steps}")
    if market.steps_per_year != prog.steps_per_year:
        raise ValueError(
            f"market has {market.steps_per_year} steps per year, the deal programme {prog.steps_per_year}"
        )
    if market.sector.shape[2] != prog.n_market_sectors:
        raise ValueError("market sectors differ from those the deal programme was compiled with")


def preferred_proceeds(invested, ownership, exit_value, stack):
    """What a 1× non-participating preferred holder receives in an exit (CNY, elementwise).

    ``max(min(invested, exit_value × invested / stack), ownership × exit_value)``: below the
    preference stack ``stack`` (all preferred capital, pari passu, ``stack >= invested``) the
    exit value is shared pro rata to preference; above it the holder gets its money back, or
    converts to common when ``ownership × exit_value`` is more.
    """
    pref = np.minimum(invested, exit_value * invested / stack)
    return np.maximum(pref, ownership * exit_value)


def first_come_first_served(path: np.ndarray, request: np.ndarray, available: np.ndarray) -> np.ndarray:
    """Pay requests from per-path pools in order, partly when the pool runs out.

    Parameters
    ----------
    path : ndarray of int, shape (n,)
        Path of each request, non-decreasing (requests of a path are contiguous, in order).
    request : ndarray, shape (n,)
        Amounts asked for (>= 0).
    available : ndarray, shape (n,)
        The pool of the request's path before any of this batch is paid (>= 0).

    Returns
    -------
    ndarray, shape (n,)
        Amount paid: ``clip(available - earlier requests of the same path, 0, request)``.
    """
    n = path.shape[0]
    if n == 0:
        return request.copy()
    cum = np.cumsum(request)
    first = np.ones(n, dtype=bool)
    first[1:] = path[1:] != path[:-1]
    start = np.maximum.accumulate(np.where(first, np.arange(n), 0))
    before = cum - request
    earlier = before - before[start]
    return np.clip(available - earlier, 0.0, request)


def run_deal_kernel(
    prog: DealProgramme,
    market: MarketPaths,
    draws: DealDraws,
    uniform: Callable[[int | tuple[int, ...]], np.ndarray],
) -> PortfolioFlows:
    """Deterministic deal kernel given the per-deal draws and a source of uniforms.

    ``uniform(shape)`` returns uniforms in [0, 1) (``rng.random``); the kernel calls it in a
    fixed order that depends only on the state: in each step ``t`` from ``prog.start_step`` to
    ``prog.last_step - 1``, first ``uniform(n)`` twice for the ``n`` candidate slots of the
    step (``w`` then ``g``, slots in flat (path, deal) order), then ``uniform((n_paths, k))``
    for the ``k`` deals entering in the step (skipped when none enter).

    Event times (exact, not an approximation): a company at stage s has an event in a step
    with probability ``p_event[regime, s]``. The kernel draws the steps at which a Bernoulli
    process with the largest of these probabilities over regimes, ``pmax[s]``, fires
    (geometric gaps ``1 + floor(log(1 - g) / log(1 - pmax))``) — the *candidate* steps — and
    accepts a candidate as an event with probability ``p_event / pmax`` (``w < p_event /
    pmax``); thinning a Bernoulli(pmax) process this way gives Bernoulli(p_event) steps
    independently, as if one uniform per slot and step were compared with ``p_event``. The
    accepted ``w`` rescaled, ``v = w pmax / p_event``, is uniform and picks the event. So
    the kernel only touches the slots that have a candidate in the step.

    NAV and cost outstanding are kept per path and updated by the changes of the slots that
    move (set to exactly 0 when a path holds nothing).
    """
    P, D, T = draws.n_paths, prog.n_deals, prog.n_steps
    N = P * D
    n_sec = prog.n_market_sectors

    # -- per-deal attributes fixed at entry, shape (P, D)
    entry_stage = np.minimum(np.searchsorted(prog.entry_cum, draws.u_entry, side="right"), N_STAGES - 1)
    sec_idx = np.minimum(np.searchsorted(prog.sector_cum, draws.u_sector, side="right"), prog.sector_cum.size - 1)
    sector = prog.sector_pos[sec_idx]
    local = draws.u_local < prog.local_share
    entry_post = np.maximum(prog.entry_post[entry_stage], prog.check_cny / prog.max_entry_ownership)
    factors = np.ascontiguousarray(market.sector).reshape(-1)  # (P * T * n_sec,)
    fidx = (np.arange(N) // D) * (T * n_sec) + sector.reshape(-1)  # slot -> its factor at step 0
    regimes = None if market.regime is None else np.ascontiguousarray(market.regime).reshape(-1)
    w_st = prog.stale_writedown if prog.nav_market_adjusted else 0.0
    own_sec = np.unique(prog.sector_pos)  # the fund's sectors on the market axis, ascending
    n_own = own_sec.size
    sec_loc = np.searchsorted(own_sec, sector)  # (P, D): the slot's sector among own_sec
    sec_flat = sec_loc.reshape(-1)
    # Σ ownership × post × e^{w τ} of held slots per (path, fund sector), shape (P * n_own,)
    navw = np.zeros(P * n_own)
    mark = np.zeros(N)  # step of each slot's last round
    end_sale = np.zeros(P)

    # -- slot state, flat (N,)
    scode = np.full(N, INACTIVE, dtype=np.intp)
    nround = np.zeros(N, dtype=np.intp)
    status = np.zeros(N, dtype=np.int8)
    end_step = np.full(N, -1, dtype=np.intp)
    post = np.zeros(N)
    own = np.zeros(N)
    inv = np.zeros(N)
    proc = np.zeros(N)
    stack = np.zeros(N)  # company's liquidation-preference stack (capital raised)
    nxt = np.full(N, _NEVER, dtype=np.int32)  # next candidate step of each slot
    z_round = draws.z_round.reshape(-1)
    z_exit = draws.z_exit.reshape(-1)
    u_tail = draws.u_tail.reshape(-1)
    s2 = {name: a.reshape(P, D) for name, a in {"scode": scode, "status": status, "post": post, "own": own, "inv": inv, "nxt": nxt, "stack": stack}.items()}

    has_regime = regimes is not None
    pmax = (prog.p_event[:NO_REGIME_ROW] if has_regime else prog.p_event[NO_REGIME_ROW:]).max(axis=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        accept = np.where(pmax > 0, prog.p_event / pmax, 0.0).reshape(-1)  # (4 * 6,)
        log_q = np.log1p(-pmax)  # (6,), log of the per-step no-candidate probability

    # -- per-path state
    reserve = np.full(P, prog.reserve_cny)
    recyc_left = np.zeros(P)
    recyc_added = np.zeros(P)
    inv_early = np.zeros(P)
    n_active = np.zeros(P, dtype=np.intp)
    nav_run = np.zeros(P)
    cost_run = np.zeros(P)

    # time-major buffers (each step writes one contiguous row); returned transposed
    invested = np.zeros((T, P))
    proceeds = np.zeros((T, P))
    nav = np.zeros((T, P))
    cost_out = np.zeros((T, P))
    recycled = np.zeros((T, P))

    kappa = prog.factor_sensitivity
    navw2 = navw.reshape(P, n_own)
    rows_t = np.arange(P) * T  # flat regime index of (path, step 0)
    for t in range(prog.start_step, prog.last_step):
        in_ip = t < prog.ip_end_step
        cand = np.flatnonzero(nxt == t)
        if cand.size:
            w = uniform(cand.size)
            g = uniform(cand.size)
            p = cand // D
            s = scode.take(cand)
            if has_regime:
                rg = regimes.take(p * T + t).astype(np.intp)
                a = accept.take(rg * (N_STAGES + 1) + s)
                rmult = prog.exit_rate_mult.take(rg)
            else:
                a = accept.take(NO_REGIME_ROW * (N_STAGES + 1) + s)
                rmult = prog.exit_rate_mult[NO_REGIME_ROW]
            v = w / a
            f = factors.take(fidx.take(cand) + t * n_sec)
            kf = kappa * f
            qn = ndtr(prog.z_next.take(s) + kf)
            qx = ndtr(prog.z_exit.take(s) + kf)
            tot = qn + qx
            over = tot > 1.0
            if over.any():
                qn = np.where(over, qn / tot, qn)
                qx = np.where(over, qx / tot, qx)
            wx = qx * rmult
            vw = v * (qn + wx + np.maximum(1.0 - qn - qx, 0.0))
            # next round if vw < qn; else exit if vw < qn + wx; else failure if v < 1; else no
            # event (a rejected candidate, only with a regime)
            grad = vw < qn
            held = (grad | (v >= 1.0)) if has_regime else grad
            ig = np.flatnonzero(grad)
            if ig.size:
                e_g = cand.take(ig)
                old_w = own.take(e_g) * post.take(e_g) * np.exp(w_st * mark.take(e_g))
                _graduate(prog, ig, cand, p, s, post, own, inv, stack, scode, nround, z_round,
                          reserve, recyc_left, in_ip, nav_run, cost_run, inv_early,
                          invested[t], recycled[t])
                key = p.take(ig) * n_own + sec_flat.take(e_g)
                navw += np.bincount(key, weights=own.take(e_g) * post.take(e_g) * np.exp(w_st * t) - old_w,
                                    minlength=navw.size)
                mark[e_g] = t
            # next candidate step of the slots still held (new stage after a round)
            stay = np.flatnonzero(held) if has_regime else ig
            if stay.size:
                e_stay = cand.take(stay)
                nxt[e_stay] = t + _gap(g.take(stay), log_q.take(scode.take(e_stay)))
            iend = np.flatnonzero(~held)
            if iend.size:
                e = cand.take(iend)
                pend = p.take(iend)
                iv = inv.take(e)
                ow = own.take(e)
                po = post.take(e)
                pay = prog.recovery.take(s.take(iend)) * iv
                is_exit = vw.take(iend) < qn.take(iend) + wx.take(iend)
                ix = np.flatnonzero(is_exit)
                if ix.size:
                    i_c = iend.take(ix)
                    mult = _exit_multiple(prog, s.take(i_c), z_exit.take(e.take(ix)), u_tail.take(e.take(ix)))
                    adj = market_adjustment(prog, f.take(i_c), rg.take(i_c) if has_regime else None)
                    xval = po.take(ix) * mult * adj
                    pay[ix] = preferred_proceeds(iv.take(ix), ow.take(ix), xval, stack.take(e.take(ix)))
                code = np.where(is_exit, np.int8(DealStatus.EXITED), np.int8(DealStatus.FAILED))
                navw -= np.bincount(pend * n_own + sec_flat.take(e), weights=ow * po * np.exp(w_st * mark.take(e)),
                                    minlength=navw.size)
                _close(e, pend, code, pay, ow * po, iv, t, P, proc, scode, nxt, status, end_step,
                       proceeds[t], nav_run, cost_run, n_active)

        k_sale = prog.sale_round(t)
        if k_sale >= 0:  # sell what is left on the secondary market
            left = np.flatnonzero(scode != INACTIVE)
            if has_regime and k_sale < prog.n_extensions and left.size:  # cold markets wait a year
                left = left[regimes.take((left // D) * T + t) != COLD_ROW]
            if left.size:
                pl_ = left // D
                val = own.take(left) * post.take(left)
                rg_l = regimes.take(pl_ * T + t).astype(np.intp) if has_regime else None
                marked = val * np.exp(-w_st * (t - mark.take(left)))
                if prog.nav_market_adjusted:
                    marked = marked * market_adjustment(prog, factors.take(fidx.take(left) + t * n_sec), rg_l)
                pay = marked * prog.secondary_price.take(rg_l if has_regime else NO_REGIME_ROW)
                navw -= np.bincount(pl_ * n_own + sec_flat.take(left), weights=val * np.exp(w_st * mark.take(left)),
                                    minlength=navw.size)
                end_sale += np.bincount(pl_, weights=pay, minlength=P)
                _close(left, pl_, np.int8(DealStatus.SOLD_AT_NAV), pay, val, inv.take(left), t, P,
                       proc, scode, nxt, status, end_step, proceeds[t], nav_run, cost_run, n_active)

        if in_ip and prog.recycling_cap_cny > 0:
            add = np.minimum(proceeds[t], prog.recycling_cap_cny - recyc_added)
            recyc_added += add
            recyc_left += add

        cols = np.flatnonzero(prog.entry_step == t)
        if cols.size:
            st = entry_stage[:, cols]
            pm = entry_post[:, cols]
            ow = prog.check_cny / pm
            s2["post"][:, cols] = pm
            s2["own"][:, cols] = ow
            s2["inv"][:, cols] = prog.check_cny
            s2["scode"][:, cols] = st
            s2["status"][:, cols] = DealStatus.ACTIVE
            s2["nxt"][:, cols] = t + _gap(uniform(st.shape), log_q.take(st))
            s2["stack"][:, cols] = np.maximum(prog.stack_frac.take(st) * pm, prog.check_cny)
            mark.reshape(P, D)[:, cols] = t
            key = (np.arange(P)[:, None] * n_own + sec_loc[:, cols]).ravel()
            navw += np.bincount(key, weights=(ow * pm).ravel() * np.exp(w_st * t), minlength=navw.size)
            nav_run += (ow * pm).sum(axis=1)
            cost_run += prog.check_cny * cols.size
            n_active += cols.size
            invested[t] += prog.check_cny * cols.size
            inv_early += prog.check_cny * prog.early.take(st).sum(axis=1)

        idle = n_active == 0  # nothing held: exactly zero (no rounding residue)
        nav_run[idle] = 0.0
        cost_run[idle] = 0.0
        navw2[idle] = 0.0
        if prog.nav_market_adjusted:
            # only the fund's sectors carry value: navw holds just those columns, in ascending
            # market order, so the sum adds the same non-zero terms in the same order as a sum
            # over all market sectors would (numpy adds the columns of a row left to right)
            rg_t = regimes.take(rows_t + t).astype(np.intp)[:, None] if has_regime else None
            adj = market_adjustment(prog, market.sector[:, t, :].take(own_sec, axis=1), rg_t)
            np.maximum((navw2 * adj).sum(axis=1) * np.exp(-w_st * t), 0.0, out=nav[t])
        else:
            np.maximum(nav_run, 0.0, out=nav[t])
        np.maximum(cost_run, 0.0, out=cost_out[t])

    inv2 = inv.reshape(P, D)
    by_sector = np.zeros((P, n_sec))
    for pos in prog.sector_pos:
        by_sector[:, pos] = np.where(sector == pos, inv2, 0.0).sum(axis=1)
    status2 = status.reshape(P, D)
    outcomes = DealOutcomes(
        invested=inv2, proceeds=proc.reshape(P, D), ownership=own.reshape(P, D), status=status2,
        entry_stage=entry_stage.astype(np.int8),
        stage=(entry_stage + nround.reshape(P, D)).astype(np.int8),
        end_step=end_step.reshape(P, D), sector=sector, local=local,
    )
    return PortfolioFlows(
        invested=invested.T, proceeds=proceeds.T, nav=nav.T, cost_outstanding=cost_out.T, recycled=recycled.T,
        invested_by_sector=by_sector, invested_early=inv_early,
        invested_local=np.where(local, inv2, 0.0).sum(axis=1),
        n_companies=(status2 != DealStatus.PENDING).sum(axis=1), deals=outcomes, end_sale=end_sale,
    )


def market_adjustment(prog: DealProgramme, f: np.ndarray, regime: np.ndarray | None) -> np.ndarray:
    """Market factor of a company's value now: ``exp(λ f) × exit value multiplier[regime]``.

    Used for exit values, marks and the end-of-term sale (one formula). ``f`` sector factors,
    ``regime`` regime rows broadcastable to ``f`` (None: no regime, multiplier 1).
    """
    vm = prog.exit_value_mult[NO_REGIME_ROW] if regime is None else prog.exit_value_mult.take(regime)
    return np.exp(prog.exit_value_loading * f) * vm


def _gap(g: np.ndarray, log_q: np.ndarray) -> np.ndarray:
    """Geometric number of steps (>= 1) to the next candidate: ``1 + floor(log(1 - g) / log_q)``.

    ``log_q = log(1 - pmax)`` < 0; capped at :data:`_NEVER` (int32).
    """
    k = np.floor(np.log1p(-g) / log_q)
    return (1 + np.minimum(k, _NEVER - 10**6)).astype(np.int32)


def _exit_multiple(prog: DealProgramme, s: np.ndarray, z: np.ndarray, u: np.ndarray) -> np.ndarray:
    """Exit value ÷ last post-money: log-normal body, Pareto tail, capped; shapes (n,)."""
    mult = np.exp(prog.exit_mu.take(s) + prog.exit_sigma.take(s) * z)
    tp = prog.tail_p.take(s)
    tail = np.flatnonzero(u < tp)
    if tail.size:
        st = s.take(tail)
        mult[tail] = prog.tail_scale.take(st) * (u.take(tail) / tp.take(tail)) ** (-1.0 / prog.tail_alpha.take(st))
    return np.minimum(mult, prog.exit_multiple_cap)


def _graduate(prog, ig, cand, p, s, post, own, inv, stack, scode, nround, z_round,
              reserve, recyc_left, in_ip, nav_run, cost_run, inv_early, invested_t, recycled_t) -> None:
    """New round for candidates ``ig`` (slots ``cand[ig]``, ascending): update state in place."""
    P = reserve.shape[0]
    e = cand.take(ig)
    pg = p.take(ig)
    sg = s.take(ig)
    k = nround.take(e)
    step_up = np.exp(prog.step_mu.take(sg) + prog.step_sigma.take(sg) * z_round.take(e * N_ROUNDS + k))
    dil = prog.dilution.take(sg)
    post_old = post.take(e)
    post_new = post_old * step_up / (1.0 - dil)
    s_new = sg + 1
    own_old = own.take(e)
    request = np.where(s_new <= prog.follow_on_through, own_old * dil * post_new, 0.0)
    pool = reserve + recyc_left if in_ip else reserve
    paid = first_come_first_served(pg, request, pool.take(pg))
    own_new = own_old * (1.0 - dil) + paid / post_new
    post[e] = post_new
    own[e] = own_new
    inv[e] = inv.take(e) + paid
    stack[e] = stack.take(e) + dil * post_new
    scode[e] = s_new
    nround[e] = k + 1
    nav_run += np.bincount(pg, weights=own_new * post_new - own_old * post_old, minlength=P)
    if paid.any():
        total = np.bincount(pg, weights=paid, minlength=P)
        invested_t += total
        cost_run += total
        inv_early += np.bincount(pg, weights=paid * prog.early.take(s_new), minlength=P)
        from_reserve = np.minimum(total, reserve)
        reserve -= from_reserve
        if in_ip:
            from_recycled = np.minimum(total - from_reserve, recyc_left)
            recyc_left -= from_recycled
            recycled_t += from_recycled


def _close(e, p, code, pay, value, cost, t, P, proc, scode, nxt, status, end_step,
           proceeds_t, nav_run, cost_run, n_active) -> None:
    """End slots ``e`` (paths ``p``): record proceeds ``pay``, remove ``value`` and ``cost``."""
    proc[e] = proc.take(e) + pay
    scode[e] = INACTIVE
    nxt[e] = _NEVER
    status[e] = code
    end_step[e] = t
    proceeds_t += np.bincount(p, weights=pay, minlength=P)
    nav_run -= np.bincount(p, weights=value, minlength=P)
    cost_run -= np.bincount(p, weights=cost, minlength=P)
    n_active -= np.bincount(p, minlength=P)


def deal_multiples(outcomes: DealOutcomes, *, include_sold: bool = False) -> np.ndarray:
    """Gross multiple (proceeds ÷ invested) of every deal that has ended, shape (n_ended,).

    Exited and failed deals count; deals sold at NAV at the end of the fund's life only with
    ``include_sold``; deals still held or never entered never.
    """
    ended = (outcomes.status == DealStatus.EXITED) | (outcomes.status == DealStatus.FAILED)
    if include_sold:
        ended |= outcomes.status == DealStatus.SOLD_AT_NAV
    return outcomes.proceeds[ended] / outcomes.invested[ended]
