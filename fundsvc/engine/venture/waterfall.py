"""Distribution waterfalls between a sub-fund's LPs and its GP, vectorised over paths.

Amounts are CNY per step, arrays of shape ``(n_paths, n_steps)``; rates are per year. The
functions here see only the *carry-bearing* LP capital: the GP's own commitment is split off
pro rata by :mod:`fundsvc.engine.venture.fund` before the waterfall (it pays no carry).

European (whole-fund) waterfall — :func:`european_waterfall`
    State per path: contributed capital ``C``, LP distributions ``D``, carry paid ``K`` and the
    *hurdle account* ``H`` (capital plus preferred return not yet paid back). Each step

    1. ``H ← H·(1+q) + c`` with ``q = (1 + hurdle_rate)**(1/steps_per_year) − 1``: the preferred
       return compounds quarterly on the outstanding balance at the effective annual rate
       ``hurdle_rate`` (contributions are dated at the quarter end and start accruing the
       next quarter);
    2. tier 1+2 (return of contributed capital, then preferred return): the LPs get
       ``a = min(d, H)``; ``H ← H − a``;
    3. tier 3 (GP catch-up): the GP gets the share ``catch_up`` of each yuan until its carry
       equals ``carry`` × profit, profit ``Π = D + K − C`` (all distributions less all
       contributions). The yuan needed is ``(carry·Π − K) / (catch_up − carry)``. With
       ``catch_up <= carry`` there is no catch-up tier (``catch_up = 0`` means none);
    4. tier 4: the rest is split ``carry`` to the GP, ``1 − carry`` to the LPs.

    Once caught up, ``K = carry·Π`` holds exactly and every later yuan keeps it so. Carry once
    paid is kept: no clawback is modelled (it matters only when capital is called after carry
    started, e.g. late fee calls; the LP NAV below already nets any excess).

American (deal-by-deal) waterfall — :func:`american_waterfall`
    Approximation on aggregated realisations (the deal kernel returns per-step totals, not per
    deal): each step's realisations are treated as one deal. As in the usual American
    structure, before carry on a realisation the LPs get back the cost of the holdings
    realised in the step (``realised_cost``, grown at the hurdle rate over its average holding
    period), plus the cost of earlier realisations not yet returned (write-offs: the *loss
    carry-forward*, which keeps accruing the hurdle) and the fees and expenses paid so far
    (``costs``); then the catch-up (on the preferred return paid in that step) and the carry
    split apply to the step alone. A loss realised *after* a gain does not claw the carry back
    (no clawback), so the GP is paid earlier and usually more than under the European waterfall
    when winners exit before losers are written off — the point of the option. The catch-up is
    computed per step (on that step's preferred return), not across steps.

NAV net of accrued carry: both functions optionally take the end-of-step value ``value`` of
what is left (holdings plus cash) and return the LPs' part of it as if it were distributed at
that step end (a hypothetical liquidation through the same tiers, state unchanged).

:func:`reference_waterfall` is a plain-Python, per-path version of the European waterfall used to
check the vectorised one.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class WaterfallResult:
    """LP and GP shares of the carry-bearing distributions.

    Attributes
    ----------
    lp : ndarray, shape (n_paths, n_steps)
        Distributions to the LPs (CNY per step).
    carry : ndarray, shape (n_paths, n_steps)
        Carried interest paid to the GP (CNY per step); ``lp + carry == distributable``.
    lp_value : ndarray, shape (n_paths, n_steps)
        LPs' part of ``value`` at each step end (NAV net of accrued carry); zeros if no
        value was given.
    accrued_carry : ndarray, shape (n_paths, n_steps)
        The GP's part of ``value``; ``lp_value + accrued_carry == value``.
    """

    lp: np.ndarray
    carry: np.ndarray
    lp_value: np.ndarray
    accrued_carry: np.ndarray


def allocate(d, owed, profit, carried, carry: float, catch_up: float):
    """Split cash ``d`` through the tiers, given the state before it.

    Parameters
    ----------
    d : ndarray, shape (n_paths,)
        Cash to distribute (CNY, >= 0).
    owed : ndarray, shape (n_paths,)
        What the LPs get first (capital plus preferred return outstanding, CNY, >= 0).
    profit : ndarray, shape (n_paths,)
        Distributions so far (LP and carry) less contributions, CNY.
    carried : ndarray, shape (n_paths,)
        Carry paid so far, CNY.
    carry, catch_up : float
        Carry share and GP share in the catch-up tier.

    Returns
    -------
    lp, gp, first : ndarray, shape (n_paths,)
        LP part, GP part and the tier-1/2 amount ``min(d, owed)``.
    """
    first = np.minimum(d, owed)
    rest = d - first
    lp = first.copy()
    gp = np.zeros_like(d)
    if catch_up > carry:
        gap = np.maximum(carry * (profit + first) - carried, 0.0)
        y = np.minimum(rest, gap / (catch_up - carry))
        gp += catch_up * y
        lp += (1.0 - catch_up) * y
        rest = rest - y
    gp += carry * rest
    lp += (1.0 - carry) * rest
    return lp, gp, first


def _per_step(rate: float, steps_per_year: int) -> float:
    return (1.0 + rate) ** (1.0 / steps_per_year) - 1.0


def european_waterfall(
    contributions: np.ndarray,
    distributable: np.ndarray,
    *,
    hurdle_rate: float,
    carry: float,
    catch_up: float,
    steps_per_year: int,
    value: np.ndarray | None = None,
) -> WaterfallResult:
    """Whole-fund waterfall with compounding preferred return, catch-up and carry.

    Parameters
    ----------
    contributions : ndarray, shape (n_paths, n_steps)
        Capital contributed by the carry-bearing LPs in each step (CNY, >= 0).
    distributable : ndarray, shape (n_paths, n_steps)
        Cash available to them and the GP in each step (CNY, >= 0).
    hurdle_rate : float
        Preferred return per year (effective annual, compounded each step).
    carry, catch_up : float
        Carry share of profit; GP share in the catch-up tier (1 full, 0 none).
    steps_per_year : int
    value : ndarray, shape (n_paths, n_steps), optional
        Value left at each step end (CNY, >= 0) for the NAV net of accrued carry.

    Returns
    -------
    WaterfallResult
    """
    c = np.asarray(contributions, dtype=float)
    dist = np.asarray(distributable, dtype=float)
    n_paths, n_steps = dist.shape
    q = _per_step(hurdle_rate, steps_per_year)
    lp = np.zeros_like(dist)
    gp = np.zeros_like(dist)
    lp_val = np.zeros_like(dist)
    acc = np.zeros_like(dist)
    h = np.zeros(n_paths)
    paid_lp = np.zeros(n_paths)
    paid_k = np.zeros(n_paths)
    contributed = np.zeros(n_paths)
    for t in range(n_steps):
        h = h * (1.0 + q) + c[:, t]
        contributed = contributed + c[:, t]
        profit = paid_lp + paid_k - contributed
        lp_t, gp_t, first = allocate(dist[:, t], h, profit, paid_k, carry, catch_up)
        h = h - first
        paid_lp = paid_lp + lp_t
        paid_k = paid_k + gp_t
        lp[:, t] = lp_t
        gp[:, t] = gp_t
        if value is not None:
            v = value[:, t]
            lv, gv, _ = allocate(v, h, paid_lp + paid_k - contributed, paid_k, carry, catch_up)
            lp_val[:, t] = lv
            acc[:, t] = gv
    return WaterfallResult(lp, gp, lp_val, acc)


def realised_cost_and_age(
    invested: np.ndarray, cost_outstanding: np.ndarray, steps_per_year: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Cost of holdings realised in each step and the average age of cost (years).

    ``realised = cost_outstanding[t-1] + invested[t] − cost_outstanding[t]`` (clipped at 0). Cost
    is assumed to leave the portfolio in proportion to its age mix, so realised cost has the
    cost-weighted average age of the holdings at the start of the step plus one step; new
    investments enter at age 0.

    Parameters
    ----------
    invested, cost_outstanding : ndarray, shape (n_paths, n_steps)
        CNY.

    Returns
    -------
    realised_cost : ndarray, shape (n_paths, n_steps)
        CNY.
    realised_age : ndarray, shape (n_paths, n_steps)
        Average holding period of the realised cost, years.
    outstanding_age : ndarray, shape (n_paths, n_steps)
        Cost-weighted average age of the cost outstanding at step end, years.
    """
    inv = np.asarray(invested, dtype=float)
    cost = np.asarray(cost_outstanding, dtype=float)
    n_paths, n_steps = inv.shape
    dt = 1.0 / steps_per_year
    realised = np.zeros_like(inv)
    r_age = np.zeros_like(inv)
    o_age = np.zeros_like(inv)
    prev_cost = np.zeros(n_paths)
    prev_age = np.zeros(n_paths)
    for t in range(n_steps):
        r = np.maximum(prev_cost + inv[:, t] - cost[:, t], 0.0)
        aged = prev_age + dt
        old_left = np.clip(prev_cost - r, 0.0, None)
        with np.errstate(invalid="ignore", divide="ignore"):
            age = np.where(cost[:, t] > 0, aged * np.minimum(old_left, cost[:, t]) / cost[:, t], 0.0)
        realised[:, t] = r
        r_age[:, t] = np.where(prev_cost > 0, aged, 0.0)
        o_age[:, t] = age
        prev_cost = cost[:, t]
        prev_age = age
    return realised, r_age, o_age


def american_waterfall(
    distributable: np.ndarray,
    realised_cost: np.ndarray,
    realised_age: np.ndarray,
    *,
    hurdle_rate: float,
    carry: float,
    catch_up: float,
    costs: np.ndarray | None = None,
    steps_per_year: int,
    value: np.ndarray | None = None,
    cost_outstanding: np.ndarray | None = None,
    outstanding_age: np.ndarray | None = None,
) -> WaterfallResult:
    """Deal-by-deal waterfall, each step's realisations treated as one deal (see module doc).

    Parameters
    ----------
    distributable : ndarray, shape (n_paths, n_steps)
        Carry-bearing cash available in each step (CNY).
    realised_cost, realised_age : ndarray, shape (n_paths, n_steps)
        Cost of the holdings realised in the step (CNY, carry-bearing share) and its average
        holding period (years), e.g. from :func:`realised_cost_and_age`.
    hurdle_rate, carry, catch_up : float
    costs : ndarray, shape (n_paths, n_steps), optional
        Fees and expenses paid by the carry-bearing LPs in each step (CNY), returned to them
        before carry.
    steps_per_year : int
    value, cost_outstanding, outstanding_age : ndarray, shape (n_paths, n_steps), optional
        Value left at step end, its cost and average age, for the NAV net of accrued carry.

    Returns
    -------
    WaterfallResult
    """
    dist = np.asarray(distributable, dtype=float)
    cost = np.asarray(realised_cost, dtype=float)
    grown = cost * (1.0 + hurdle_rate) ** np.asarray(realised_age, dtype=float)
    extra = np.zeros_like(dist) if costs is None else np.asarray(costs, dtype=float)
    n_paths, n_steps = dist.shape
    q = _per_step(hurdle_rate, steps_per_year)
    lp = np.zeros_like(dist)
    gp = np.zeros_like(dist)
    lp_val = np.zeros_like(dist)
    acc = np.zeros_like(dist)
    principal = np.zeros(n_paths)  # realised cost and costs not yet returned
    owed = np.zeros(n_paths)  # the same with the hurdle accrued
    zero = np.zeros(n_paths)
    for t in range(n_steps):
        principal = principal + cost[:, t] + extra[:, t]
        owed = owed * (1.0 + q) + grown[:, t] + extra[:, t]
        lp_t, gp_t, first = allocate(dist[:, t], owed, -principal, zero, carry, catch_up)
        principal = np.maximum(principal - first, 0.0)
        owed = owed - first
        lp[:, t] = lp_t
        gp[:, t] = gp_t
        if value is not None:
            assert cost_outstanding is not None and outstanding_age is not None
            oc = np.asarray(cost_outstanding[:, t], dtype=float)
            lv, gv, _ = allocate(np.asarray(value[:, t], dtype=float),
                                 owed + oc * (1.0 + hurdle_rate) ** outstanding_age[:, t],
                                 -(principal + oc), zero, carry, catch_up)
            lp_val[:, t] = lv
            acc[:, t] = gv
    return WaterfallResult(lp, gp, lp_val, acc)


def reference_waterfall(
    contributions, distributable, *, hurdle_rate: float, carry: float, catch_up: float,
    steps_per_year: int,
) -> tuple[np.ndarray, np.ndarray]:
    """Slow per-path European waterfall written tier by tier (for tests).

    Same conventions as :func:`european_waterfall`; returns ``(lp, carry)`` arrays of shape
    (n_paths, n_steps). The catch-up is paid yuan-fraction by yuan-fraction logic solved in
    closed form for each step: while the GP holds less than ``carry`` of all profit, it gets
    ``catch_up`` of each yuan.
    """
    contributions = np.atleast_2d(np.asarray(contributions, dtype=float))
    distributable = np.atleast_2d(np.asarray(distributable, dtype=float))
    n_paths, n_steps = distributable.shape
    growth = (1.0 + hurdle_rate) ** (1.0 / steps_per_year)
    out_lp = np.zeros((n_paths, n_steps))
    out_gp = np.zeros((n_paths, n_steps))
    for p in range(n_paths):
        called = 0.0
        to_lp = 0.0
        to_gp = 0.0
        capital_and_pref_due = 0.0
        for t in range(n_steps):
            capital_and_pref_due = capital_and_pref_due * growth + float(contributions[p, t])
            called += float(contributions[p, t])
            cash = float(distributable[p, t])
            lp_now = 0.0
            gp_now = 0.0
            # tiers 1 and 2: everything to the LPs until capital and preferred return are back
            pay = min(capital_and_pref_due, cash)
            lp_now += pay
            capital_and_pref_due -= pay
            cash -= pay
            # tier 3: catch-up, GP gets `catch_up` of each yuan until it has `carry` of profit
            if cash > 0 and catch_up > carry:
                profit_so_far = (to_lp + lp_now) + to_gp - called
                shortfall = carry * profit_so_far - to_gp
                if shortfall > 0:
                    # after y more yuan: to_gp + catch_up*y == carry*(profit_so_far + y)
                    y_full = shortfall / (catch_up - carry)
                    y = min(y_full, cash)
                    gp_now += catch_up * y
                    lp_now += (1.0 - catch_up) * y
                    cash -= y
            # tier 4: split
            if cash > 0:
                gp_now += carry * cash
                lp_now += (1.0 - carry) * cash
            to_lp += lp_now
            to_gp += gp_now
            out_lp[p, t] = lp_now
            out_gp[p, t] = gp_now
    return out_lp, out_gp
