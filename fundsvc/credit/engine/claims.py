"""Claim generation: defaults, exposures, recoveries and loss shares before the pool stage.

Everything here is independent of the pools' balances, so the pool stage
(:mod:`fundsvc.credit.pools.ledger`) can be rerun on the same claims (common random numbers)
for sizing. Book loans give CNY amounts aggregated per (path, step, pool, bank); lending-
programme cohorts give sparse per-slot values *per CNY of the cohort's lending*, scaled by the
amount actually lent once the pool stage knows it (:mod:`fundsvc.credit.engine.lending`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from fundsvc.credit.engine.allocation import allocate_by_pool, loan_shares, loss_terms
from fundsvc.credit.engine.compile import CreditModel
from fundsvc.credit.engine.defaults import (
    DefaultSampler,
    StepSkipper,
    WindowDraws,
    conditional_hazard,
    cumulative_hazard,
    default_steps,
    window_probability,
)
from fundsvc.credit.engine.lending import CohortDefaults, cohort_defaults, sourced_losses
from fundsvc.credit.engine.recovery import recovery_draws
from fundsvc.credit.engine.schedule import outstanding_principal
from fundsvc.engine.sampling import Component, stream, sub_key

STEP_KEY = sub_key("default-step")
"""Sub-key of the book's per-step default streams ``stream(seed, chunk, Component.CREDIT, STEP_KEY, t)``
(:attr:`~fundsvc.credit.engine.defaults.DefaultSampler.SKIP`); recoveries keep the CREDIT stream."""


@dataclass(frozen=True)
class BookRecords:
    """One row per book default (flat arrays, shape (n_def,)); amounts CNY before balance limits."""

    path: np.ndarray
    step: np.ndarray
    loan: np.ndarray  # index into model.book
    exposure: np.ndarray
    recovery: np.ndarray
    claim: np.ndarray
    bank: np.ndarray
    guarantor: np.ndarray
    insurer: np.ndarray


@dataclass(frozen=True)
class ClaimSet:
    """Claims of one chunk. Amounts CNY; shapes as stated.

    Attributes
    ----------
    claim : ndarray (n_paths, n_steps, n_pools, n_banks)
        Book claims on each pool after per-loan caps.
    bank_direct : ndarray (n_paths, n_steps, n_banks)
        Book losses borne by banks directly (own share, cap excess), before pool shortfalls.
    guarantor, insurer, exposure, recovery : ndarray (n_paths, n_steps)
    n_defaults : ndarray of int32 (n_paths, n_steps)
        Book defaults.
    npl_principal : ndarray (n_paths, n_steps, n_pools)
        Principal of pooled book loans defaulting in the step.
    outstanding : ndarray (n_paths, n_steps, n_pools)
        Performing pooled book principal at step ends.
    outstanding0 : ndarray (n_pools,)
        Pooled book principal outstanding at the start.
    cohorts : tuple (per pool) of tuple (per programme year) of CohortDefaults
    records : BookRecords or None
    net_loss : ndarray (n_paths, n_steps, n_pools) or None
        Net loss (exposure − recovery) of pooled book defaults, for cumulative caps (None: zeros).
    """

    claim: np.ndarray
    bank_direct: np.ndarray
    guarantor: np.ndarray
    insurer: np.ndarray
    exposure: np.ndarray
    recovery: np.ndarray
    n_defaults: np.ndarray
    npl_principal: np.ndarray
    outstanding: np.ndarray
    outstanding0: np.ndarray
    cohorts: tuple
    records: BookRecords | None
    net_loss: np.ndarray | None = None

    @property
    def n_paths(self) -> int:
        return self.exposure.shape[0]


def generate_claims(model: CreditModel, sector: np.ndarray, seed: int, chunk_index: int,
                    *, record_defaults: bool = False) -> ClaimSet:
    """Draw defaults and losses of the book and the lending cohorts for one chunk.

    Parameters
    ----------
    model : CreditModel
    sector : ndarray (n_paths, n_steps, n_sectors)
        Sector factors on the credit time grid.
    seed, chunk_index : int
        Book draws come from ``stream(seed, chunk_index, Component.CREDIT)``, cohort draws from
        ``stream(seed, chunk_index, Component.LENDING, sub_key(pool.id))``; with the SKIP sampler
        the book's default steps of step ``t`` from ``stream(seed, chunk_index, Component.CREDIT,
        STEP_KEY, t)``.
    record_defaults : bool
        Keep one row per book default (for tests and risk contributions).
    """
    n_paths, n_steps = sector.shape[0], model.n_steps
    nb, nk, npl = model.n_banks, model.book.n_loans, model.n_pools
    book = model.book
    rng = stream(seed, chunk_index, Component.CREDIT)
    lend_rngs = [stream(seed, chunk_index, Component.LENDING, sub_key(p.id)) for p in model.pools]

    claim = np.zeros((n_paths, n_steps, npl, nb))
    bank_direct = np.zeros((n_paths, n_steps, nb))
    guar, ins, expo, rec = (np.zeros((n_paths, n_steps)) for _ in range(4))
    count = np.zeros((n_paths, n_steps), np.int32)
    npl_pr = np.zeros((n_paths, n_steps, npl))
    removed = np.zeros((n_paths, n_steps, npl))
    with_int, _ = loss_terms(model, book.pool)
    pooled = book.pool < npl
    shares = loan_shares(model)
    net_pool = np.zeros((n_paths, n_steps, npl))
    recs: list[tuple] = []
    cohort_parts: list[list[list[CohortDefaults]]] = [[[] for _ in range(p.programme.years if p.programme else 0)]
                                                      for p in model.pools]

    rows_per_block = max(1, model.settings.block_elements // max(nk, 1))
    sched_t = np.ascontiguousarray(book.schedule.T)
    weight_t = np.ascontiguousarray(book.hazard_weight.T)
    dense = model.settings.default_sampler is DefaultSampler.DENSE
    if not nk:
        draws = None
    elif dense:
        draws = WindowDraws(np.repeat(np.arange(book.key_counts.size), book.key_counts), min(rows_per_block, n_paths))
    else:
        draws = StepSkipper(book.key_counts, book.key_group, book.key_weight)
        step_rngs = [stream(seed, chunk_index, Component.CREDIT, STEP_KEY, t) for t in range(n_steps)]
    for p0 in range(0, n_paths, rows_per_block):
        p1 = min(n_paths, p0 + rows_per_block)
        z = sector[p0:p1, :n_steps, :]
        hz = conditional_hazard(z, model.group_threshold, model.group_sector, model.group_r)
        cum = cumulative_hazard(hz)
        if nk:
            if dense:
                prob = window_probability(hz, book.key_group, book.key_weight, cum)
                r, c, u = draws.draw(prob, rng)
                g = book.group[c]
                t = default_steps(u, hz, r, g, weight_t, c, book.last_step[c])
            else:
                r, c, t = draws.draw(hz, step_rngs)
                g = book.group[c]
            zd = z[r, t, model.group_sector[g]]
            principal = book.ead_principal[c, t]
            exposure = principal + np.where(with_int[c], book.ead_interest[c, t], 0.0)
            pool_c, shares_c = book.pool[c], shares[c]
            if model.sources is None:
                recovery = np.minimum(exposure, book.appraisal[c] * recovery_draws(model.recovery, book.ip_type[c], zd, rng))
                al = allocate_by_pool(model, pool_c, exposure - recovery, exposure, shares_c)
            else:
                recovery, al = sourced_losses(
                    model, exposure, book.appraisal[c], book.ip_type[c], book.product[c], zd,
                    lambda net, ex, pc=pool_c, sc=shares_c: allocate_by_pool(model, pc, net, ex, sc), rng)
            rg = r + p0
            nr = p1 - p0
            cell = r * n_steps + t
            m = nr * n_steps
            blk = slice(p0, p1)
            for arr, w in ((guar, al.guarantor), (ins, al.insurer), (expo, exposure), (rec, recovery)):
                arr[blk] += np.bincount(cell, w, minlength=m).reshape(nr, n_steps)
            count[blk] += np.bincount(cell, minlength=m).reshape(nr, n_steps).astype(np.int32)
            bank_direct[blk] += np.bincount(cell * nb + book.bank[c], al.bank, minlength=m * nb).reshape(nr, n_steps, nb)
            pc = pooled[c]
            if npl and pc.any():
                cp, pp = cell[pc], book.pool[c][pc]
                claim[blk] += np.bincount((cp * npl + pp) * nb + book.bank[c][pc], al.claim[pc],
                                          minlength=m * npl * nb).reshape(nr, n_steps, npl, nb)
                npl_pr[blk] += np.bincount(cp * npl + pp, principal[pc], minlength=m * npl).reshape(nr, n_steps, npl)
                net_pool[blk] += np.bincount(cp * npl + pp, (exposure - recovery)[pc],
                                             minlength=m * npl).reshape(nr, n_steps, npl)
                rp, tp, lp = r[pc], t[pc], c[pc]
                idx = (rp * npl + pp) * n_steps + tp  # (path, pool, default step)
                for s in range(n_steps):
                    # principal that would have been outstanding at the end of s, by default step
                    by_t = np.bincount(idx, sched_t[s][lp], minlength=nr * npl * n_steps).reshape(nr, npl, n_steps)
                    removed[blk, s, :] += by_t[:, :, : s + 1].sum(axis=2)
            if record_defaults:
                recs.append((rg, t, c, exposure, recovery, al.claim, al.bank, al.guarantor, al.insurer))
        for i, pool in enumerate(model.pools):
            if pool.programme is not None:
                for y, part in enumerate(cohort_defaults(model, i, hz, z, p0, lend_rngs[i], cum)):
                    cohort_parts[i][y].append(part)

    sched_pool = np.zeros((n_steps, npl))
    out0 = np.zeros(npl)
    if nk and npl:
        for j in range(npl):
            sel = book.pool == j
            sched_pool[:, j] = book.schedule[sel].sum(axis=0)
            out0[j] = outstanding_principal(book.amount[sel], book.rate[sel], book.term[sel], book.amort[sel],
                                            -book.orig[sel], model.settings.payments_per_year).sum()
    outstanding = np.maximum(sched_pool[None, :, :] - removed, 0.0)
    records = None
    if record_defaults:
        empty = [[np.zeros(0, np.int64)]] * 3 + [[np.zeros(0)]] * 6
        cols = list(zip(*recs)) if recs else empty
        cat = [np.concatenate(x) for x in cols]
        records = BookRecords(*cat)
    cohorts = tuple(tuple(CohortDefaults.concat(parts) for parts in per_pool) for per_pool in cohort_parts)
    return ClaimSet(claim, bank_direct, guar, ins, expo, rec, count, npl_pr, outstanding, out0, cohorts, records,
                    net_pool)
