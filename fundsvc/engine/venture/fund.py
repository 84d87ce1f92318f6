"""Fund economics of a deal-level sub-fund: fees, expenses, capital calls, waterfall, GP commitment.

All amounts are CNY per step (quarterly by default), arrays of shape ``(n_paths, n_steps)`` on
the scenario's time axis (step 0 = first quarter after ``simulation.start_date``); the sub-fund
starts at ``start_step``. Rates are per year.

Conventions (per step ``t``, fund quarter ``k = t − start_step``)
-----------------------------------------------------------------
* **Management fee**: ``management_fee_rate / steps_per_year × commitment`` while
  ``k < investment_period``; afterwards ``post_investment_fee_rate / steps_per_year × basis``
  with basis the commitment, the cost of holdings at the previous step end
  (``invested_cost``) or the NAV at the previous step end (``nav``). Fees stop after
  ``life_years`` (extension years are fee-free).
* **Expenses**: ``expense_rate / steps_per_year × commitment`` during ``life_years``.
* **Calls** (LPs and GP together): ``invested − recycled + fees + expenses`` — recycled
  investments are paid from proceeds, not called. With ``fees_from_commitment`` the cumulative
  calls are capped at the commitment; otherwise only investment calls are capped and fees and
  expenses are called on top of the commitment.
* **Recycling**: as in the deal kernel, during the investment period proceeds are retained
  in a recycling reserve up to ``recycling_cap × commitment`` in total; recycled investments
  are paid from it and what is left is released for distribution after the investment period.
* **Cash**: the fund's cash balance moves by ``calls + proceeds − invested − fees − expenses``;
  what exceeds the recycling reserve is distributed at once (``distributable``); a shortfall
  (an investment the commitment cap left unfunded, or recycling beyond the reserve) is carried
  as a deficit — a short-term facility repaid from the next proceeds before anything is
  distributed. Cash is
  conserved: ``Σ calls + Σ proceeds = Σ invested + Σ fees + Σ expenses + Σ distributable − final
  deficit``.
* **GP commitment**: the GP pays ``gp_commitment_share`` of every call and receives the same
  share of ``distributable`` carry-free; the remaining LP share goes through the waterfall of
  :mod:`fundsvc.engine.venture.waterfall` (European, or the American approximation).
* **NAV**: ``gross_nav = nav + cash`` (holdings plus any deficit, floored at 0); the LPs' NAV is
  their share of it *net of accrued carry* — what they would get if it were all distributed
  at the step end through the waterfall.

TA (Takahashi–Alexander) sub-funds do not use this module: their flows are already net to LPs
(see :mod:`fundsvc.engine.venture.ta`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from fundsvc.engine.venture.waterfall import (
    american_waterfall,
    european_waterfall,
    realised_cost_and_age,
)
from fundsvc.errors import InputError, Problem
from models.venture import FeeBasis, SubFund, WaterfallKind


def investable_capital(sub_fund: SubFund) -> float:
    """Capital the fund can invest from LP commitments, CNY.

    With ``fees.fees_from_commitment`` the commitment ``K`` less the planned fees and expenses
    over ``life_years``: investment-period fees ``f₁·K·T_ip``, expenses ``e·K·T_life`` and
    post-investment fees ``f₂·B·(T_life − T_ip)`` where the planned basis ``B`` is ``K`` for a
    commitment basis and, for invested cost or NAV, half the investable capital (holdings
    assumed to run off linearly over the post-investment years). Solving
    ``I = K − fees(I)`` gives ``I = (K − f₁KT_ip − eKT_life − [basis=K] f₂K(T_life−T_ip))
    / (1 + [basis≠K] f₂(T_life−T_ip)/2)``. Without ``fees_from_commitment`` the whole
    commitment is investable. Recycling is not counted (it adds to what can be invested, not
    to what is called).

    Parameters
    ----------
    sub_fund : SubFund

    Returns
    -------
    float
        Investable capital, CNY, in ``(0, commitment]``.
    """
    k = sub_fund.commitment_cny
    fees = sub_fund.fees
    if not fees.fees_from_commitment:
        return float(k)
    t_ip = sub_fund.investment_period_years
    t_post = max(sub_fund.life_years - t_ip, 0.0)
    numer = k - fees.management_fee_rate * k * t_ip - fees.expense_rate * k * sub_fund.life_years
    denom = 1.0
    if fees.post_investment_fee_basis is FeeBasis.COMMITMENT:
        numer -= fees.post_investment_fee_rate * k * t_post
    else:
        denom += fees.post_investment_fee_rate * t_post / 2.0
    out = numer / denom
    if out <= 0:
        raise InputError([Problem(
            "<input>", f"sub_funds[{sub_fund.id}].fees",
            f"planned fees and expenses ({k - out:,.0f} CNY) use up the whole commitment "
            f"({k:,.0f} CNY); lower the fee rates or the fund life")])
    return float(out)


@dataclass(frozen=True)
class FundFlows:
    """Cash flows of one sub-fund, CNY per step, arrays (n_paths, n_steps) unless said.

    Attributes
    ----------
    calls : capital called from LPs and GP together (>= 0).
    lp_calls, gp_calls : the LPs' (whole LP base, guidance fund included) and the GP's parts.
    management_fees, expenses : paid by the fund (>= 0).
    distributable : cash distributed by the fund (>= 0).
    lp_distributions : to the LP base, after carry.
    gp_distributions : to the GP: its commitment share plus carry.
    carry : carried interest paid (part of ``gp_distributions``).
    cash : fund cash balance at step end (<= 0: an unpaid deficit).
    gross_nav : holdings plus cash, floored at 0.
    lp_nav : LP base's share of ``gross_nav`` net of accrued carry.
    gp_nav : the rest of ``gross_nav``.
    """

    calls: np.ndarray
    lp_calls: np.ndarray
    gp_calls: np.ndarray
    management_fees: np.ndarray
    expenses: np.ndarray
    distributable: np.ndarray
    lp_distributions: np.ndarray
    gp_distributions: np.ndarray
    carry: np.ndarray
    cash: np.ndarray
    gross_nav: np.ndarray
    lp_nav: np.ndarray
    gp_nav: np.ndarray

    @property
    def total_carry(self) -> np.ndarray:
        """Carry paid over the horizon, shape (n_paths,)."""
        return self.carry.sum(axis=1)


def fee_schedule(
    sub_fund: SubFund,
    nav: np.ndarray,
    cost_outstanding: np.ndarray,
    start_step: int,
    steps_per_year: int,
) -> tuple[np.ndarray, np.ndarray]:
    """Management fees and expenses per step.

    Parameters
    ----------
    sub_fund : SubFund
    nav, cost_outstanding : ndarray, shape (n_paths, n_steps)
        End-of-step NAV and cost of holdings (CNY); the fee basis is the previous step's value.
    start_step : int
    steps_per_year : int

    Returns
    -------
    fees, expenses : ndarray, shape (n_paths, n_steps)
        CNY per step.
    """
    n_paths, n_steps = nav.shape
    fees = sub_fund.fees
    k = sub_fund.commitment_cny
    local = np.arange(n_steps) - start_step
    ip_steps = round(sub_fund.investment_period_years * steps_per_year)
    life_steps = round(sub_fund.life_years * steps_per_year)
    alive = (local >= 0) & (local < life_steps)
    in_ip = alive & (local < ip_steps)
    post = alive & (local >= ip_steps)
    if fees.post_investment_fee_basis is FeeBasis.COMMITMENT:
        basis = np.full((n_paths, n_steps), k)
    else:
        src = cost_outstanding if fees.post_investment_fee_basis is FeeBasis.INVESTED_COST else nav
        basis = np.zeros((n_paths, n_steps))
        basis[:, 1:] = src[:, :-1]
    fee = np.where(in_ip, fees.management_fee_rate / steps_per_year * k, 0.0) + np.where(
        post, fees.post_investment_fee_rate / steps_per_year * basis, 0.0
    )
    fee = np.broadcast_to(fee, (n_paths, n_steps)).copy()
    expenses = np.broadcast_to(np.where(alive, fees.expense_rate / steps_per_year * k, 0.0),
                               (n_paths, n_steps)).copy()
    return fee, expenses


def _check_shapes(arrays: dict[str, np.ndarray], n_steps: int) -> tuple[int, int]:
    shapes = {name: np.shape(a) for name, a in arrays.items()}
    first = next(iter(shapes.values()))
    bad = [f"{n} {s}" for n, s in shapes.items() if s != first or len(s) != 2 or s[1] != n_steps]
    if bad:
        raise InputError([Problem("<input>", "fund_cash_flows",
                                  f"arrays must all have shape (n_paths, {n_steps}); got {', '.join(bad)}")])
    return first


def fund_cash_flows(
    sub_fund: SubFund,
    invested: np.ndarray,
    proceeds: np.ndarray,
    nav: np.ndarray,
    cost_outstanding: np.ndarray,
    recycled: np.ndarray,
    start_step: int,
    n_steps: int,
    steps_per_year: int,
) -> FundFlows:
    """Calls, distributions and NAV of a deal-level sub-fund (conventions in the module doc).

    Parameters
    ----------
    sub_fund : SubFund
    invested, proceeds, nav, cost_outstanding, recycled : ndarray, shape (n_paths, n_steps)
        Portfolio flows from the deal kernel, CNY (``PortfolioFlows`` fields).
    start_step : int
        First step of the fund on the scenario axis.
    n_steps : int
        Number of steps (must match the arrays).
    steps_per_year : int

    Returns
    -------
    FundFlows
    """
    arrays = {"invested": invested, "proceeds": proceeds, "nav": nav,
              "cost_outstanding": cost_outstanding, "recycled": recycled}
    n_paths, _ = _check_shapes(arrays, n_steps)
    inv = np.asarray(invested, dtype=float)
    pro = np.asarray(proceeds, dtype=float)
    hold = np.asarray(nav, dtype=float)
    cost = np.asarray(cost_outstanding, dtype=float)
    rec = np.minimum(np.asarray(recycled, dtype=float), inv)
    fee, exp = fee_schedule(sub_fund, hold, cost, start_step, steps_per_year)
    k = sub_fund.commitment_cny
    from_commitment = sub_fund.fees.fees_from_commitment

    ip_end = start_step + max(1, round(sub_fund.investment_period_years * steps_per_year))
    cap_recycle = sub_fund.recycling_cap * k
    calls = np.zeros((n_paths, n_steps))
    distributable = np.zeros((n_paths, n_steps))
    cash_end = np.zeros((n_paths, n_steps))
    cum = np.zeros(n_paths)
    cash = np.zeros(n_paths)  # all fund cash, recycling reserve included
    reserve = np.zeros(n_paths)
    retained = np.zeros(n_paths)
    for t in range(n_steps):
        net_inv = inv[:, t] - rec[:, t]
        room = np.maximum(k - cum, 0.0)
        if from_commitment:
            call = np.minimum(net_inv + fee[:, t] + exp[:, t], room)
            cum = cum + call
        else:  # the cap applies to investment calls only; fees are called on top
            inv_call = np.minimum(net_inv, room)
            cum = cum + inv_call
            call = inv_call + fee[:, t] + exp[:, t]
        cash = cash + call + pro[:, t] - inv[:, t] - fee[:, t] - exp[:, t]
        reserve = np.maximum(reserve - rec[:, t], 0.0)
        if start_step <= t < ip_end and cap_recycle > 0:
            keep = np.minimum(pro[:, t], np.maximum(cap_recycle - retained, 0.0))
            retained = retained + keep
            reserve = reserve + keep
        else:
            reserve = np.zeros(n_paths)  # unused recycling reserve is released after the IP
        out = np.maximum(cash - reserve, 0.0)
        cash = cash - out
        calls[:, t] = call
        distributable[:, t] = out
        cash_end[:, t] = cash

    g = sub_fund.waterfall.gp_commitment_share
    wf = sub_fund.waterfall
    gross = np.maximum(hold + cash_end, 0.0)
    lp_share = 1.0 - g
    if wf.kind is WaterfallKind.EUROPEAN:
        res = european_waterfall(
            lp_share * calls, lp_share * distributable, hurdle_rate=wf.hurdle_rate,
            carry=wf.carry, catch_up=wf.catch_up, steps_per_year=steps_per_year,
            value=lp_share * gross,
        )
    else:
        realised, r_age, o_age = realised_cost_and_age(inv, cost, steps_per_year)
        res = american_waterfall(
            lp_share * distributable, lp_share * realised, r_age, hurdle_rate=wf.hurdle_rate,
            carry=wf.carry, catch_up=wf.catch_up, costs=lp_share * (fee + exp),
            steps_per_year=steps_per_year, value=lp_share * gross,
            cost_outstanding=lp_share * cost, outstanding_age=o_age,
        )
    return FundFlows(
        calls=calls,
        lp_calls=lp_share * calls,
        gp_calls=g * calls,
        management_fees=fee,
        expenses=exp,
        distributable=distributable,
        lp_distributions=res.lp,
        gp_distributions=g * distributable + res.carry,
        carry=res.carry,
        cash=cash_end,
        gross_nav=gross,
        lp_nav=res.lp_value,
        gp_nav=g * gross + res.accrued_carry,
    )
