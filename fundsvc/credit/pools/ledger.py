"""Pool accounting, in time order per path and vectorised over paths.

Per pool and step ``t`` (amounts CNY, ``B`` the balance at the start of the step):

1. *New lending* (programme years, first step of each year): ``A = utilisation · max(0,
   leverage · B − pooled principal outstanding)``, 0 while lending is suspended (NPL ratio at
   the end of the previous step above ``npl_ratio_stop_lending``, or cumulative payouts ÷
   initial balance above ``loss_ratio_stop_lending``). The cohort's claims are added to the
   claims of later steps (:mod:`fundsvc.credit.engine.lending`).
2. *Compensation*: claims ``C`` of the step (after per-loan caps). While compensation is
   suspended (NPL ratio at the end of the previous step above ``npl_ratio_stop_compensation``)
   nothing is paid. Otherwise the pool pays ``min(C, B)``; if it cannot pay all, every claim is
   paid in the same proportion (pro rata to the claims). Whatever is not paid falls on the
   claimant's bank *in the same step* (refused claims are not carried forward).
3. *Depletion*: the step counts as a depletion event when a claim is refused for lack of
   balance, or the balance after payouts is at most ``max(1 CNY, 1e-9 · initial)``.
4. *Interest* on the start balance ``B·((1 + i)^dt − 1)`` and, at year ends, *replenishment*:
   FIXED_ANNUAL adds ``amount``; TOP_UP_TO_INITIAL restores the initial balance, at most
   ``amount`` a year (``amount = 0`` means no limit); SHARE_OF_PAYOUTS adds ``share`` of the
   year's payouts.

NPL ratio at the end of step ``t``: principal of pooled loans defaulting in the trailing year
(steps ``t − spy + 1 … t``) ÷ pooled principal at risk in that year (performing principal at
the start of the window plus new lending during it).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from fundsvc.credit.engine.claims import ClaimSet
from fundsvc.credit.engine.compile import CreditModel
from fundsvc.credit.engine.lending import unit_schedule
from models.credit import ReplenishmentRule


@dataclass(frozen=True)
class PoolLedger:
    """Result of the pool stage. Amounts CNY. Per-pool arrays have shape (n_paths, n_pools, n_steps)
    unless said.

    Attributes
    ----------
    claims, payout, refused, interest, replenishment, new_lending, outstanding, npl_ratio, paid_ratio
    balance : ndarray (n_paths, n_pools, n_steps + 1)
        Balance at the start (column 0) and end of each step.
    depleted : ndarray of bool
        Depletion event in the step.
    suspended_compensation, suspended_lending : ndarray of bool
    bank_shortfall : ndarray (n_paths, n_steps, n_banks)
        Unpaid pool claims falling on each bank (all pools).
    cohort_bank : ndarray (n_paths, n_steps, n_banks)
        Programme loans' losses borne by banks directly (own share and cap excess).
    cohort_guarantor, cohort_insurer, cohort_exposure, cohort_recovery : ndarray (n_paths, n_steps)
    cohort_defaulted : ndarray (n_paths, n_pools, n_steps)
        Defaulted programme principal (CNY).
    cohort_records : list
        Per pool and programme year, (CohortDefaults, lent amount per default (n_def,),
        claim after cap (n_def,), cap excess (n_def,)) when recording was requested.
    """

    claims: np.ndarray
    payout: np.ndarray
    refused: np.ndarray
    interest: np.ndarray
    replenishment: np.ndarray
    new_lending: np.ndarray
    outstanding: np.ndarray
    npl_ratio: np.ndarray
    paid_ratio: np.ndarray
    balance: np.ndarray
    depleted: np.ndarray
    suspended_compensation: np.ndarray
    suspended_lending: np.ndarray
    bank_shortfall: np.ndarray
    cohort_bank: np.ndarray
    cohort_guarantor: np.ndarray
    cohort_insurer: np.ndarray
    cohort_exposure: np.ndarray
    cohort_recovery: np.ndarray
    cohort_defaulted: np.ndarray
    cohort_records: list


def _as_vector(value, n: int, default: np.ndarray) -> np.ndarray:
    if value is None:
        return default
    if isinstance(value, dict):
        raise TypeError("pass overrides as a sequence in pool order or a scalar")
    v = np.broadcast_to(np.asarray(value, float), (n,)).copy()
    return np.where(np.isnan(v), default, v)


def run_pools(model: CreditModel, claims: ClaimSet, *, initial_balance=None, annual_top_up=None,
              record: bool = False) -> PoolLedger:
    """Run the pool stage on a chunk's claims.

    Parameters
    ----------
    model : CreditModel
    claims : ClaimSet
    initial_balance : float or sequence of float (n_pools,), optional
        Override of each pool's initial balance (NaN keeps the scenario's), CNY.
    annual_top_up : float or sequence of float (n_pools,), optional
        Override of the replenishment: a FIXED_ANNUAL top-up of this many CNY a year (NaN keeps
        the scenario's rule).
    record : bool
        Keep the cohort defaults with their amounts (for per-default records).
    """
    n_paths, n_steps = claims.exposure.shape
    npl, nb, spy = model.n_pools, model.n_banks, model.steps_per_year
    b0 = _as_vector(initial_balance, npl, np.array([p.initial_balance for p in model.pools]))
    top = _as_vector(annual_top_up, npl, np.full(npl, np.nan)) if annual_top_up is not None else np.full(npl, np.nan)
    shape = (n_paths, npl, n_steps)
    z = lambda: np.zeros(shape)
    claims_o, payout, refused, interest, repl, lent, outst, nplr, ratio, cdef = (z() for _ in range(10))
    balance = np.zeros((n_paths, npl, n_steps + 1))
    depleted = np.zeros(shape, bool)
    susp_c = np.zeros(shape, bool)
    susp_l = np.zeros(shape, bool)
    shortfall = np.zeros((n_paths, n_steps, nb))
    c_bank = np.zeros((n_paths, n_steps, nb))
    c_guar, c_ins, c_exp, c_rec = (np.zeros((n_paths, n_steps)) for _ in range(4))
    m = n_paths * n_steps
    records: list = []

    for j, spec in enumerate(model.pools):
        clm = claims.claim[:, :, j, :].copy()
        npl_pr = claims.npl_principal[:, :, j].copy()
        out = claims.outstanding[:, :, j].copy()
        rule = ReplenishmentRule.FIXED_ANNUAL if not np.isnan(top[j]) else spec.replenishment
        amount = top[j] if not np.isnan(top[j]) else spec.replenishment_amount
        growth = (1.0 + spec.interest_rate) ** model.dt - 1.0
        bal = np.full(n_paths, b0[j])
        balance[:, j, 0] = bal
        cum_pay = np.zeros(n_paths)
        year_pay = np.zeros(n_paths)
        npl_prev = np.zeros(n_paths)
        out_prev = np.full(n_paths, claims.outstanding0[j])
        at_risk = np.zeros((n_paths, n_steps))  # performing principal at step start + lending in it
        tiny = max(1.0, 1e-9 * b0[j])
        tm = spec.programme
        pool_records = []
        for t in range(n_steps):
            if tm is not None and t % spy == 0 and t // spy < tm.years:
                y = t // spy
                loss_limit = np.inf if np.isinf(spec.loss_ratio_stop_lending) else spec.loss_ratio_stop_lending * b0[j]
                stop = (npl_prev > spec.npl_stop_lending) | (cum_pay > loss_limit)
                susp_l[:, j, t] = stop
                a = np.where(stop, 0.0, tm.utilisation * np.maximum(0.0, spec.leverage * bal - out_prev))
                lent[:, j, t] = a
                cd = claims.cohorts[j][y]
                amt = a[cd.path]
                want = amt * cd.want
                cc = np.minimum(want, spec.cap)
                excess = want - cc
                cell = cd.path * n_steps + cd.step
                clm += np.bincount(cell * nb + cd.bank, cc, minlength=m * nb).reshape(n_paths, n_steps, nb)
                c_bank += np.bincount(cell * nb + cd.bank, amt * cd.bank_loss + excess, minlength=m * nb).reshape(n_paths, n_steps, nb)
                for arr, w in ((c_guar, cd.guarantor), (c_ins, cd.insurer), (c_exp, cd.exposure), (c_rec, cd.recovery)):
                    arr += np.bincount(cell, amt * w, minlength=m).reshape(n_paths, n_steps)
                dp = np.bincount(cell, amt * cd.principal, minlength=m).reshape(n_paths, n_steps)
                npl_pr += dp
                cdef[:, j, :] += dp
                gone = np.cumsum(np.bincount(cell, cd.weight, minlength=m).reshape(n_paths, n_steps), axis=1)
                out += a[:, None] * unit_schedule(model, j, y)[None, :] * np.clip(1.0 - gone, 0.0, None)
                if record:
                    pool_records.append((y, cd, amt, cc, excess))
            at_risk[:, t] = out_prev + lent[:, j, t]
            c_b = clm[:, t, :]
            c = c_b.sum(axis=1)
            susp = npl_prev > spec.npl_stop_compensation
            avail = np.where(susp, 0.0, bal)
            paid = np.minimum(c, avail)
            r = np.divide(paid, c, out=np.ones(n_paths), where=c > 0)
            shortfall[:, t, :] += c_b * (1.0 - r)[:, None]
            after = bal - paid
            refused_t = c - paid
            depleted[:, j, t] = ((~susp) & (refused_t > 1e-9 * c + 1e-6)) | (after <= tiny)
            gain = bal * growth
            end = after + gain
            year_pay += paid
            if (t + 1) % spy == 0:
                if rule is ReplenishmentRule.FIXED_ANNUAL:
                    add = np.full(n_paths, amount)
                elif rule is ReplenishmentRule.TOP_UP_TO_INITIAL:
                    add = np.minimum(np.maximum(b0[j] - end, 0.0), amount if amount > 0 else np.inf)
                elif rule is ReplenishmentRule.SHARE_OF_PAYOUTS:
                    add = spec.replenishment_share * year_pay
                else:
                    add = np.zeros(n_paths)
                repl[:, j, t] = add
                end = end + add
                year_pay = np.zeros(n_paths)
            claims_o[:, j, t], payout[:, j, t], refused[:, j, t] = c, paid, refused_t
            interest[:, j, t], ratio[:, j, t], susp_c[:, j, t] = gain, r, susp
            bal = end
            balance[:, j, t + 1] = bal
            cum_pay += paid
            lo = max(0, t - spy + 1)
            trailing = npl_pr[:, lo : t + 1].sum(axis=1)
            denom = at_risk[:, lo] + lent[:, j, lo + 1 : t + 1].sum(axis=1)
            npl_prev = np.divide(trailing, denom, out=np.zeros(n_paths), where=denom > 0)
            nplr[:, j, t] = npl_prev
            out_prev = out[:, t]
        outst[:, j, :] = out
        records.append(pool_records)
    return PoolLedger(claims_o, payout, refused, interest, repl, lent, outst, nplr, ratio, balance, depleted,
                      susp_c, susp_l, shortfall, c_bank, c_guar, c_ins, c_exp, c_rec, cdef, records)
