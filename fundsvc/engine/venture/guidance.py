"""The guidance fund's view of its sub-funds: its share, 让利, buy-out, own costs and 返投.

Amounts are CNY per step, arrays of shape ``(n_paths, n_steps)`` on the scenario's time axis
(quarterly by default); rates per year.

* **Share**: the LP base of a sub-fund is ``commitment × (1 − gp_commitment_share)``; the guidance
  fund holds ``guidance_share / (1 − gp_commitment_share)`` of it, so it receives that fraction
  of the LP calls, distributions and NAV (:func:`guidance_share_of_lp`).
* **让利 (profit concession)**, :func:`apply_profit_concession`: the guidance fund's *threshold
  account* grows at ``threshold_rate`` (effective annual, compounded per step) on its paid-in
  not yet returned: ``A ← A·(1+q) + calls``. A distribution first reduces ``A``; of what exceeds
  it, ``concession_share`` goes to the private LPs. The stake's NAV is reduced by the
  concession it would owe if the NAV were distributed now.
* **Buy-out**, :func:`apply_buyout`: the buy-out price at a step end is the guidance fund's
  paid-in plus simple interest at ``interest_rate`` on each call from its date, less (by
  default, ``deduct_distributions``) what it has received so far, floored at 0. The option is
  exercised at the first step whose end lies in the window ``[window_start_years,
  window_end_years]`` after the sub-fund's start where the stake's NAV exceeds the price
  (``when_in_the_money``), or at the first step of the window (``at_window_start``). At that
  step the guidance fund receives the price (on top of the step's ordinary flows), its NAV
  drops to 0 and all its later flows are 0: the buyers take over the stake and the uncalled
  commitment.
* **Own management cost**, :func:`management_cost`: ``management_cost_rate / steps_per_year`` ×
  the guidance commitments to sub-funds that have started, during the guidance fund's term.
* **Cash yield** (optional), :func:`cash_yield`: interest on the guidance fund's idle cash
  (size − paid-in + received, floored at 0) at ``cash_yield_rate``.
* **返投**: :func:`local_reinvestment_ratio` — a sub-fund's investment in local firms divided by
  the guidance commitment, to compare with ``local_reinvestment_multiple``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from models.venture import BuyoutExercise, BuyoutOption, GuidanceFund, ProfitConcession, SubFund


def guidance_share_of_lp(sub_fund: SubFund) -> float:
    """Fraction of a sub-fund's LP-base flows that belongs to the guidance fund."""
    return sub_fund.guidance_share / (1.0 - sub_fund.waterfall.gp_commitment_share)


@dataclass(frozen=True)
class GuidanceStake:
    """The guidance fund's flows from one sub-fund, CNY per step.

    Attributes
    ----------
    calls, distributions, nav : ndarray, shape (n_paths, n_steps)
        After 让利 and buy-out.
    conceded : ndarray, shape (n_paths, n_steps)
        Profit given up to private LPs in each step (让利).
    buyout_step : ndarray of int, shape (n_paths,)
        Step at which the stake was bought out, −1 if not.
    buyout_price : ndarray, shape (n_paths,)
        Price received (CNY), 0 if not bought out.
    """

    calls: np.ndarray
    distributions: np.ndarray
    nav: np.ndarray
    conceded: np.ndarray
    buyout_step: np.ndarray
    buyout_price: np.ndarray


def apply_profit_concession(
    calls: np.ndarray,
    distributions: np.ndarray,
    nav: np.ndarray,
    concession: ProfitConcession | None,
    steps_per_year: int,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """让利: give ``concession_share`` of distributions above the threshold to private LPs.

    Parameters
    ----------
    calls, distributions, nav : ndarray, shape (n_paths, n_steps)
        The guidance fund's share before 让利 (CNY).
    concession : ProfitConcession or None
        None returns the inputs unchanged (and zero concession).
    steps_per_year : int

    Returns
    -------
    distributions, nav, conceded : ndarray, shape (n_paths, n_steps)
    """
    d = np.asarray(distributions, dtype=float)
    if concession is None or concession.concession_share == 0:
        return d, np.asarray(nav, dtype=float), np.zeros_like(d)
    c = np.asarray(calls, dtype=float)
    v = np.asarray(nav, dtype=float)
    q = (1.0 + concession.threshold_rate) ** (1.0 / steps_per_year) - 1.0
    s = concession.concession_share
    n_paths, n_steps = d.shape
    kept = np.empty_like(d)
    nav_out = np.empty_like(v)
    conceded = np.empty_like(d)
    account = np.zeros(n_paths)
    for t in range(n_steps):
        account = account * (1.0 + q) + c[:, t]
        first = np.minimum(d[:, t], account)
        account = account - first
        give = s * (d[:, t] - first)
        conceded[:, t] = give
        kept[:, t] = d[:, t] - give
        nav_out[:, t] = v[:, t] - s * np.maximum(v[:, t] - account, 0.0)
    return kept, nav_out, conceded


def buyout_price(
    calls: np.ndarray, distributions: np.ndarray, option: BuyoutOption, steps_per_year: int
) -> np.ndarray:
    """Buy-out price at each step end (module doc), CNY, shape (n_paths, n_steps)."""
    c = np.asarray(calls, dtype=float)
    n_steps = c.shape[1]
    t = np.arange(n_steps)
    principal = np.cumsum(c, axis=1)
    # Σ_{i<=t} c_i (t - i) = t·Σc_i − Σ i·c_i
    interest = option.interest_rate / steps_per_year * (t * principal - np.cumsum(c * t, axis=1))
    price = principal + interest
    if option.deduct_distributions:
        price = price - np.cumsum(np.asarray(distributions, dtype=float), axis=1)
    return np.maximum(price, 0.0)


def apply_buyout(
    calls: np.ndarray,
    distributions: np.ndarray,
    nav: np.ndarray,
    option: BuyoutOption,
    start_step: int,
    steps_per_year: int,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Exercise the buy-out option where it applies (module doc).

    Parameters
    ----------
    calls, distributions, nav : ndarray, shape (n_paths, n_steps)
        The guidance stake's flows (after 让利), CNY.
    option : BuyoutOption
    start_step : int
        The sub-fund's first step; the window is measured from it.
    steps_per_year : int

    Returns
    -------
    calls, distributions, nav : ndarray, shape (n_paths, n_steps)
    step : ndarray of int, shape (n_paths,)
        Exercise step, −1 where not exercised.
    price : ndarray, shape (n_paths,)
        Price paid, 0 where not exercised.
    """
    c = np.asarray(calls, dtype=float)
    d = np.asarray(distributions, dtype=float)
    v = np.asarray(nav, dtype=float)
    n_paths, n_steps = c.shape
    none = np.full(n_paths, -1), np.zeros(n_paths)
    if option.exercise is BuyoutExercise.NEVER:
        return c, d, v, *none
    age_end = (np.arange(n_steps) - start_step + 1) / steps_per_year
    eps = 1e-9
    window = (age_end >= option.window_start_years - eps) & (age_end <= option.window_end_years + eps)
    if not window.any():
        return c, d, v, *none
    price = buyout_price(c, d, option, steps_per_year)
    if option.exercise is BuyoutExercise.AT_WINDOW_START:
        eligible = np.broadcast_to(window & (np.arange(n_steps) == np.argmax(window)), (n_paths, n_steps))
        eligible = eligible & (np.cumsum(c, axis=1) > 0)
    else:
        eligible = window & (v > price) & (np.cumsum(c, axis=1) > 0)
    hit = eligible.any(axis=1)
    step = np.where(hit, np.argmax(eligible, axis=1), -1)
    rows = np.flatnonzero(hit)
    paid = np.zeros(n_paths)
    paid[rows] = price[rows, step[rows]]
    idx = np.arange(n_steps)
    after = hit[:, None] & (idx[None, :] > step[:, None])
    at = hit[:, None] & (idx[None, :] == step[:, None])
    c_out = np.where(after, 0.0, c)
    d_out = np.where(after, 0.0, d) + np.where(at, paid[:, None], 0.0)
    v_out = np.where(after | at, 0.0, v)
    return c_out, d_out, v_out, step, paid


def guidance_stake(
    sub_fund: SubFund,
    lp_calls: np.ndarray,
    lp_distributions: np.ndarray,
    lp_nav: np.ndarray,
    start_step: int,
    steps_per_year: int,
) -> GuidanceStake:
    """The guidance fund's flows from one sub-fund: share, then 让利, then buy-out.

    Parameters
    ----------
    sub_fund : SubFund
    lp_calls, lp_distributions, lp_nav : ndarray, shape (n_paths, n_steps)
        Flows of the whole LP base of the sub-fund (CNY).
    start_step : int
    steps_per_year : int

    Returns
    -------
    GuidanceStake
    """
    share = guidance_share_of_lp(sub_fund)
    c = share * np.asarray(lp_calls, dtype=float)
    d = share * np.asarray(lp_distributions, dtype=float)
    v = share * np.asarray(lp_nav, dtype=float)
    d, v, conceded = apply_profit_concession(c, d, v, sub_fund.profit_concession, steps_per_year)
    c2, d2, v2, step, paid = apply_buyout(c, d, v, sub_fund.buyout, start_step, steps_per_year)
    hit = step >= 0
    if hit.any():
        conceded = np.where(hit[:, None] & (np.arange(c.shape[1])[None, :] > step[:, None]), 0.0, conceded)
    return GuidanceStake(c2, d2, v2, conceded, step, paid)


def step_of(date, start_date, steps_per_year: int) -> int:
    """Steps between ``start_date`` and ``date`` (whole steps, rounded down; may be negative):
    :meth:`fundsvc.engine.grid.TimeGrid.step_of`."""
    from fundsvc.engine.grid import TimeGrid

    return TimeGrid(start_date, steps_per_year, 0).step_of(date)


def management_cost(
    guidance: GuidanceFund,
    commitments: np.ndarray,
    start_steps: np.ndarray,
    inception_step: int,
    n_steps: int,
    steps_per_year: int,
) -> np.ndarray:
    """The guidance fund's own management cost per step, CNY, shape (n_steps,).

    Parameters
    ----------
    guidance : GuidanceFund
    commitments : ndarray, shape (n_funds,)
        Guidance commitments to the sub-funds (CNY).
    start_steps : ndarray of int, shape (n_funds,)
    inception_step : int
        Step of the guidance fund's inception; the cost runs for ``term_years`` from it.
    n_steps, steps_per_year : int
    """
    t = np.arange(n_steps)
    end = inception_step + round(guidance.term_years * steps_per_year)
    committed = (np.asarray(commitments, dtype=float)[:, None]
                 * (t[None, :] >= np.asarray(start_steps)[:, None])).sum(axis=0)
    live = (t >= inception_step) & (t < end)
    return np.where(live, guidance.management_cost_rate / steps_per_year * committed, 0.0)


def cash_yield(
    guidance: GuidanceFund, calls: np.ndarray, distributions: np.ndarray, steps_per_year: int
) -> np.ndarray:
    """Interest on idle cash, CNY per step, shape (n_paths, n_steps).

    Idle cash at a step end is ``size − cumulative calls + cumulative distributions`` (floored
    at 0; ``calls`` should include the guidance fund's own costs); the step's interest is
    ``cash_yield_rate / steps_per_year`` × the previous step's idle cash (not reinvested).
    """
    idle = np.maximum(guidance.size_cny - np.cumsum(calls, axis=1) + np.cumsum(distributions, axis=1), 0.0)
    out = np.empty_like(idle)
    out[:, 0] = guidance.size_cny
    out[:, 1:] = idle[:, :-1]
    return guidance.cash_yield_rate / steps_per_year * out


def local_reinvestment_ratio(invested_local: np.ndarray, sub_fund: SubFund) -> np.ndarray:
    """返投 achieved: local investment / guidance commitment, shape like ``invested_local``.

    Compare with ``sub_fund.local_reinvestment_multiple`` (e.g. 1.5).
    """
    return np.asarray(invested_local, dtype=float) / sub_fund.guidance_commitment_cny
