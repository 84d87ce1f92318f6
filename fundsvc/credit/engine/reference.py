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
from models.credit import ReplenishmentRule


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
                          outstanding: np.ndarray | None = None) -> dict[str, np.ndarray]:
    """Pool 0's ledger from single claims (CNY after caps), looping over paths and steps.

    ``npl_principal``/``outstanding`` (n_paths, n_steps) feed the NPL-ratio triggers (zeros
    when omitted). Returns payout, balance (n_paths, n_steps + 1), shortfall (unpaid claims),
    depleted.
    """
    spec = model.pools[0]
    s_n, spy = model.n_steps, model.steps_per_year
    npl_principal = np.zeros((n_paths, s_n)) if npl_principal is None else npl_principal
    outstanding = np.zeros((n_paths, s_n)) if outstanding is None else outstanding
    payout = np.zeros((n_paths, s_n))
    shortfall = np.zeros((n_paths, s_n))
    balance = np.zeros((n_paths, s_n + 1))
    depleted = np.zeros((n_paths, s_n), bool)
    growth = (1.0 + spec.interest_rate) ** model.dt - 1.0
    b0 = spec.initial_balance
    for p in range(n_paths):
        mine = paths == p
        bal = b0
        balance[p, 0] = bal
        npl_prev, year_pay = 0.0, 0.0
        out_start = [model_out0(model)] + list(outstanding[p, :-1])
        for t in range(s_n):
            these = claims[mine & (steps == t)]
            total = float(sum(these))
            suspended = npl_prev > spec.npl_stop_compensation
            available = 0.0 if suspended else bal
            paid = 0.0
            unpaid = 0.0
            for c in these:  # pro rata: every claim gets the same share
                share = min(1.0, available / total) if total > 0 else 1.0
                paid += c * share
                unpaid += c * (1.0 - share)
            payout[p, t], shortfall[p, t] = paid, unpaid
            after = bal - paid
            depleted[p, t] = ((not suspended) and unpaid > 1e-9 * total + 1e-6) or after <= max(1.0, 1e-9 * b0)
            end = after + bal * growth
            year_pay += paid
            if (t + 1) % spy == 0:
                if spec.replenishment is ReplenishmentRule.FIXED_ANNUAL:
                    end += spec.replenishment_amount
                elif spec.replenishment is ReplenishmentRule.TOP_UP_TO_INITIAL:
                    cap = spec.replenishment_amount if spec.replenishment_amount > 0 else np.inf
                    end += min(cap, max(0.0, b0 - end))
                elif spec.replenishment is ReplenishmentRule.SHARE_OF_PAYOUTS:
                    end += spec.replenishment_share * year_pay
                year_pay = 0.0
            bal = end
            balance[p, t + 1] = bal
            lo = max(0, t - spy + 1)
            trailing = npl_principal[p, lo : t + 1].sum()
            denom = out_start[lo]
            npl_prev = trailing / denom if denom > 0 else 0.0
    return {"payout": payout, "balance": balance, "shortfall": shortfall, "depleted": depleted}


def model_out0(model: CreditModel) -> float:
    """Pooled book principal of pool 0 outstanding at the start (CNY)."""
    from fundsvc.credit.engine.schedule import outstanding_principal

    b = model.book
    sel = b.pool == 0
    return float(outstanding_principal(b.amount[sel], b.rate[sel], b.term[sel], b.amort[sel], -b.orig[sel],
                                       model.settings.payments_per_year).sum())
