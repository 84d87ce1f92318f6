"""The lending programme: new loans each year against the pool's free quota.

Representation (documented choice). Each programme year ``y`` the pool's banks lend
``A = quota_utilisation · max(0, balance · leverage − pooled principal outstanding)`` at the
start of the year (0 while lending is suspended), known only in the pool stage. The new loans
are a *cohort* of ``n_slots`` loan slots with fixed attributes (compiled by
:func:`fundsvc.credit.engine.compile._cohort_template`): ratings, sectors, products and banks
allocated to the slots in the proportions of the :class:`~models.credit.LoanProfile` (largest
remainder, deterministic), and amount shares ``w_k`` at the stratified quantiles of the
lognormal amount distribution. Slot ``k`` lends ``A·w_k``.

Given the factors each slot defaults with its conditional PD exactly as a book loan does (one
uniform per slot and path from the pool's LENDING stream, with either default sampler: a cohort
has at most a few hundred slots in many small groups, too few for geometric skipping to pay),
so the systematic part of the cohort's loss is exact. The idiosyncratic part has the granularity of ``n_slots`` loans of the
stratified sizes, which is the expected number of loans at full quota (compile default) — when a
path lends much less or much more than that, the number of loans is not rescaled, so the
idiosyncratic variance of that cohort is that of the expected-size portfolio. Everything but the
per-loan cap is linear in ``A``, so per-slot values are generated here *per CNY lent* and scaled
in the pool stage; caps are applied there on the CNY amounts.
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace

import numpy as np

from fundsvc.credit.engine.allocation import allocate, compensated_shares, loss_terms
from fundsvc.credit.engine.compile import CreditModel, hazard_weights
from fundsvc.credit.engine.defaults import (
    default_steps,
    default_time,
    draw_window_defaults,
    window_probability,
)
from fundsvc.credit.engine.recovery import recovery_draws
from fundsvc.credit.engine.recovery_sources import draw_recovery, guarantor_shortfall
from fundsvc.credit.engine.schedule import accrued_interest, outstanding_principal


@dataclass(frozen=True)
class CohortDefaults:
    """Defaulting slots of one cohort, flat arrays (n_def,). Money values per CNY of the
    cohort's lending ``A`` (already multiplied by the slot's share ``weight``)."""

    path: np.ndarray
    step: np.ndarray
    slot: np.ndarray
    bank: np.ndarray
    weight: np.ndarray
    exposure: np.ndarray
    principal: np.ndarray
    recovery: np.ndarray
    want: np.ndarray  # pool claim before the per-loan cap
    guarantor: np.ndarray
    insurer: np.ndarray
    bank_loss: np.ndarray

    @classmethod
    def concat(cls, parts: list[CohortDefaults]) -> CohortDefaults:
        if not parts:
            ints = {"path", "step", "slot", "bank"}
            return cls(*[np.zeros(0, np.int64 if f.name in ints else float) for f in fields(cls)])
        return cls(*[np.concatenate([getattr(p, f.name) for p in parts]) for f in fields(cls)])


def unit_schedule(model: CreditModel, pool_index: int, year: int) -> np.ndarray:
    """Outstanding principal per CNY lent at each step end for the cohort of ``year``, (n_steps,)."""
    tm = model.pools[pool_index].programme
    ends = (np.arange(model.n_steps) + 1) * model.dt
    out = outstanding_principal(1.0, tm.rate, tm.term, tm.amort, ends - year, model.settings.payments_per_year)
    return np.where(ends > year + 1e-9, out, 0.0)  # not outstanding at step ends before it is lent


def cohort_defaults(model: CreditModel, pool_index: int, hazard: np.ndarray, z: np.ndarray, p0: int,
                    rng: np.random.Generator, cum: np.ndarray | None = None) -> list[CohortDefaults]:
    """Defaulting slots of every programme cohort of one pool, for a block of paths.

    Parameters
    ----------
    hazard : ndarray (n_block, n_groups, n_steps)
    z : ndarray (n_block, n_steps, n_sectors)
    p0 : int
        Chunk row of the block's first path.
    rng : numpy.random.Generator
        The pool's LENDING stream.
    cum : ndarray, optional
        :func:`~fundsvc.credit.engine.defaults.cumulative_hazard` of ``hazard``.

    Returns
    -------
    list of CohortDefaults, one per programme year (empty for years past the horizon).
    """
    spec = model.pools[pool_index]
    tm = spec.programme
    n_steps, dt_ = model.n_steps, model.dt
    horizon = n_steps * dt_
    k = tm.n_slots
    with_int, table = loss_terms(model, np.array([pool_index]))
    rules = spec.rules
    pledged = tm.unit_appraisal > 0
    slot_shares = compensated_shares(np.broadcast_to(table[0], (tm.n_slots, 4)), rules,
                                     np.zeros(tm.n_slots, bool), pledged, ~pledged)
    out = []
    for y in range(tm.years):
        if y * model.steps_per_year >= n_steps:
            out.append(CohortDefaults.concat([]))
            continue
        start, end = float(y), min(y + tm.term, horizon)
        w = hazard_weights(np.array([start]), np.array([end]), n_steps, dt_)[0]
        last = int(np.nonzero(w > 0)[0].max())
        prob = window_probability(hazard, tm.group, np.broadcast_to(w, (k, n_steps)), cum)
        r, c, u = draw_window_defaults(prob, np.ones(k, np.int64), rng)
        g = tm.group[c]
        t = default_steps(u, hazard, r, g, np.ascontiguousarray(np.broadcast_to(w[:, None], (n_steps, k))), c, np.full(c.size, last))
        tau = default_time(t, np.full(c.size, start), np.full(c.size, end), dt_)
        zd = z[r, t, model.group_sector[g]]
        cohort_rules = replace(rules, claim_caps=())  # caps apply to CNY amounts in the pool stage
        if model.sources is None:
            principal, exposure, recovery = default_losses(
                model, 1.0, tm.rate, tm.term, tm.amort, tau - y, with_int[0], tm.unit_appraisal[c], tm.ip_type[c], zd, rng)
            al = allocate(exposure - recovery, exposure, slot_shares[c], cohort_rules)
        else:
            principal, exposure = default_exposure(model, 1.0, tm.rate, tm.term, tm.amort, tau - y, with_int[0])
            sc = slot_shares[c]
            recovery, al = sourced_losses(model, exposure, tm.unit_appraisal[c], tm.ip_type[c], tm.product[c], zd,
                                          lambda net, ex, sc=sc: allocate(net, ex, sc, cohort_rules), rng)
        wk = tm.weight[c]
        out.append(CohortDefaults(
            path=r + p0, step=t, slot=c, bank=tm.bank[c], weight=wk,
            exposure=exposure * wk, principal=principal * wk, recovery=recovery * wk,
            want=al.claim * wk, guarantor=al.guarantor * wk, insurer=al.insurer * wk, bank_loss=al.bank * wk,
        ))
    return out


def default_exposure(model: CreditModel, amount, rate, term, amort, elapsed, with_interest):
    """Principal and exposure at default (CNY, or per CNY when ``amount`` is 1)."""
    ppy = model.settings.payments_per_year
    principal = outstanding_principal(amount, rate, term, amort, elapsed, ppy)
    interest = accrued_interest(amount, rate, term, amort, elapsed, ppy)
    return principal, principal + np.where(with_interest, interest, 0.0)


def sourced_losses(model: CreditModel, exposure, appraisal, ip_type, product, z, split,
                   rng: np.random.Generator):
    """Recovery from every source (:mod:`~fundsvc.credit.engine.recovery_sources`) and the loss
    split, with the guarantor's unpaid share moved to the bank. Four uniforms per default.

    ``split(net_loss, exposure) -> Allocation`` shares the net loss under the pool's rules
    (:func:`~fundsvc.credit.engine.allocation.allocate` / ``allocate_by_pool``).
    Returns ``(recovery, allocation)``; amounts CNY (or per CNY), shape (n_def,).
    """
    d = draw_recovery(model.sources, exposure, appraisal, ip_type, product, z, rng)
    al = split(exposure - d.recovery, exposure)
    short = guarantor_shortfall(model.sources.guarantor, al.guarantor, d.guarantor_fails)
    return d.recovery, replace(al, guarantor=al.guarantor - short, bank=al.bank + short)


def default_losses(model: CreditModel, amount, rate, term, amort, elapsed, with_interest,
                   appraisal, ip_type, z, rng: np.random.Generator):
    """Principal, exposure and recovery of defaults (CNY, or per CNY when ``amount`` is 1).

    Draws two uniforms per default from ``rng`` for the recovery (sale, disposal time).
    """
    principal, exposure = default_exposure(model, amount, rate, term, amort, elapsed, with_interest)
    recovery = np.minimum(exposure, appraisal * recovery_draws(model.recovery, ip_type, z, rng))
    return principal, exposure, recovery
