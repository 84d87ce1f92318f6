"""Slow, obviously-correct reference implementations for testing the fast credit kernel.

* :func:`reference_default_steps` — defaults simulated step by step: in each step every loan still
  performing and at risk defaults with probability ``1 − (1 − p_t(z))^{w_t}`` (its conditional
  PD for the share ``w_t`` of the step it is at risk), one Bernoulli draw per loan and step.
  Same law as the fast one-uniform-per-loan method, different draws: compared statistically.
* :func:`reference_pool_ledger` — the pool stage in plain Python loops over paths, steps and
  single claims, from per-default claims (book loans only, no lending programme). Compared
  exactly with :func:`fundsvc.credit.pools.ledger.run_pools`.
"""

from __future__ import annotations

import numpy as np
from scipy.special import ndtr

from fundsvc.credit.engine.compile import CreditModel
from fundsvc.credit.pools.ledger import loss_ratio
from models.credit import Suspends, TriggerMetric


def reference_default_steps(model: CreditModel, sector: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Default step of each (path, book loan), −1 if none, shape (n_paths, n_loans)."""
    book = model.book
    n_paths = sector.shape[0]
    out = np.full((n_paths, book.n_loans), -1)
    alive = np.ones((n_paths, book.n_loans), bool)
    g = book.group
    thr, r, sec = model.group_threshold[g], model.group_r[g], model.group_sector[g]
    for t in range(model.n_steps):
        z = sector[:, t, :][:, sec]  # (n_paths, n_loans)
        p = ndtr((thr - np.sqrt(r) * z) / np.sqrt(1.0 - r))
        w = book.hazard_weight[:, t]
        p_step = 1.0 - (1.0 - p) ** w
        hit = alive & (rng.random(p.shape) < p_step) & (w > 0)
        out[hit] = t
        alive &= ~hit
    return out


def reference_pool_ledger(model: CreditModel, paths: np.ndarray, steps: np.ndarray, claims: np.ndarray,
                          n_paths: int, npl_principal: np.ndarray | None = None,
                          outstanding: np.ndarray | None = None, net_loss: np.ndarray | None = None,
                          outstanding0: float | None = None) -> dict[str, np.ndarray]:
    """Pool 0's ledger from single claims (CNY after claim caps), looping over paths, steps and claims.

    The pool's rule components (:mod:`fundsvc.credit.pools.rules`) are called one path at a time
    on scalars. ``npl_principal``/``outstanding``/``net_loss`` (n_paths, n_steps) feed the NPL
    triggers and the cumulative caps (zeros when omitted); ``outstanding0`` the pooled principal at
    the start (default: the model's pooled book). Returns payout, balance
    (n_paths, n_steps + 1), shortfall (unpaid claims), depleted, refused_by (n_paths, n_steps, 4:
    depletion, NPL pause, loss pause, cap).
    """
    spec = model.pools[0]
    rules = spec.rules
    s_n, spy = model.n_steps, model.steps_per_year
    zeros = np.zeros((n_paths, s_n))
    npl_principal = zeros if npl_principal is None else npl_principal
    outstanding = zeros if outstanding is None else outstanding
    net_loss = zeros if net_loss is None else net_loss
    payout = np.zeros((n_paths, s_n))
    shortfall = np.zeros((n_paths, s_n))
    balance = np.zeros((n_paths, s_n + 1))
    depleted = np.zeros((n_paths, s_n), bool)
    refused_by = np.zeros((n_paths, s_n, 4))
    growth = (1.0 + spec.interest_rate) ** model.dt - 1.0
    b0 = spec.initial_balance
    out0 = model_out0(model) if outstanding0 is None else outstanding0
    for p in range(n_paths):
        mine = paths == p
        bal = b0
        balance[p, 0] = bal
        npl_prev, year_pay, cum_pay, cum_net = 0.0, 0.0, 0.0, 0.0
        paused = [False] * len(rules.triggers)
        base = [0.0] * len(rules.triggers)
        out_start = [out0] + list(outstanding[p, :-1])
        for t in range(s_n):
            paused = [bool(tr.update(paused[k], npl_prev, loss_ratio(cum_pay - base[k], b0))) for k, tr in enumerate(rules.triggers)]
            comp = [k for k, tr in enumerate(rules.triggers) if tr.suspends is Suspends.COMPENSATION and paused[k]]
            suspended = bool(comp)
            by_npl = any(rules.triggers[k].metric is TriggerMetric.NPL_RATIO for k in comp)
            these = claims[mine & (steps == t)]
            total = float(sum(these))
            cum_net += net_loss[p, t]
            allowed = min(total, float(rules.cap_room(cum_pay, cum_net)))
            available = 0.0 if suspended else min(bal, allowed)
            paid = 0.0
            unpaid = 0.0
            for c in these:  # pro rata: every claim gets the same share
                share = min(1.0, available / total) if total > 0 else 1.0
                paid += c * share
                unpaid += c * (1.0 - share)
            payout[p, t], shortfall[p, t] = paid, unpaid
            if suspended:
                refused_by[p, t, 1 if by_npl else 2] = total
            else:
                refused_by[p, t, 3] = total - allowed
                refused_by[p, t, 0] = allowed - paid
            after = bal - paid
            lack = 0.0 if suspended else allowed - paid
            depleted[p, t] = lack > 1e-9 * total + 1e-6 or after <= max(1.0, 1e-9 * b0)
            end = after + bal * growth
            year_pay += paid
            cum_pay += paid
            if (t + 1) % spy == 0:
                add = float(rules.replenishment.amount(end, b0, year_pay))
                end += add
                year_pay = 0.0
                for k, tr in enumerate(rules.triggers):
                    paused[k] = bool(tr.reset.after_replenishment(paused[k], add > 0))
                    if tr.restarts_cumulative and add > 0:
                        base[k] = cum_pay
            bal = end
            balance[p, t + 1] = bal
            lo = max(0, t - spy + 1)
            trailing = npl_principal[p, lo : t + 1].sum()
            denom = out_start[lo]
            npl_prev = trailing / denom if denom > 0 else 0.0
    return {"payout": payout, "balance": balance, "shortfall": shortfall, "depleted": depleted,
            "refused_by": refused_by}


def model_out0(model: CreditModel) -> float:
    """Pooled book principal of pool 0 outstanding at the start (CNY)."""
    from fundsvc.credit.engine.schedule import outstanding_principal

    b = model.book
    sel = b.pool == 0
    return float(outstanding_principal(b.amount[sel], b.rate[sel], b.term[sel], b.amort[sel], -b.orig[sel],
                                       model.settings.payments_per_year).sum())
