"""Who bears a defaulted loan's loss: recovery, pool, guarantor, insurer, bank.

For each default (all amounts CNY):

* ``exposure`` = outstanding principal at default, plus accrued interest when the loss basis is
  principal-and-interest; ``recovery`` = PV of the net IP sale proceeds, at most the exposure;
  ``net loss`` NL = exposure − recovery.
* Loans in a pool, shares ``(s_pool, s_guarantor, s_bank, s_insurer)`` of the pool:

  - ``PRO_RATA``: the pool's claim is ``s_pool · NL``; guarantor ``s_g · NL``; insurer
    ``s_i · NL``; the bank the rest;
  - ``POOL_FIRST`` (first-loss cover): the pool's claim is ``min(NL, s_pool · exposure)`` —
    the pool takes the first loss up to its share of the exposure — and the remaining
    ``NL − claim`` is split between guarantor, bank and insurer in proportion to their shares
    (all to the bank when they are all 0).

  (the rules are components, :mod:`fundsvc.credit.pools.rules`; the pool's share of a loan can
  be set per loan by the pool's compensation rule). The claim is then limited by the pool's
  claim caps (per-loan amount, share of the non-performing balance); the excess falls on the
  bank. Later the pool
  stage limits what is *paid* by the pool's balance and its suspension triggers; what is not
  paid falls on the bank in the same step (:mod:`fundsvc.credit.pools.ledger`).
* Loans outside a pool: guarantor ``guarantee_share · NL``, insurer ``insurance_share · NL``,
  bank the rest.

So for every default ``bank + pool + guarantor + insurer + recovery = exposure`` (the bank takes
every residual, so the identity holds to rounding).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from fundsvc.credit.pools.rules import PoolRules, ProRata, SharesTable
from models.credit import LossBasis

if TYPE_CHECKING:
    from fundsvc.credit.engine.compile import CreditModel


@dataclass(frozen=True)
class Allocation:
    """Loss split of each default, CNY, shape (n_defaults,).

    ``claim`` is the pool's claim after the per-loan cap (before balance limits); ``bank``
    includes the cap excess but not any balance shortfall.
    """

    claim: np.ndarray
    bank: np.ndarray
    guarantor: np.ndarray
    insurer: np.ndarray


def allocate(net_loss: np.ndarray, exposure: np.ndarray, shares: np.ndarray, rules: PoolRules) -> Allocation:
    """Split the net loss of each default under one pool's rules.

    Parameters
    ----------
    net_loss, exposure : ndarray (n,)
        CNY, ``0 <= net_loss <= exposure``.
    shares : ndarray (n, 4)
        Shares (pool, guarantor, bank, insurer) of each default's loss; for unpooled loans
        ``(0, guarantee_share, 1 − g − i, insurance_share)``.
    rules : PoolRules
        Sharing rule and per-loan caps (:mod:`fundsvc.credit.pools.rules`); unpooled loans use
        :data:`UNPOOLED`.
    """
    want, guarantor, insurer = rules.sharing.split(net_loss, exposure, shares)
    claim = rules.limit_claim(want, exposure)
    bank = (net_loss - want - guarantor - insurer) + (want - claim)
    return Allocation(claim=claim, bank=bank, guarantor=guarantor, insurer=insurer)


def allocate_by_pool(model: CreditModel, pool: np.ndarray, net_loss: np.ndarray, exposure: np.ndarray,
                     shares: np.ndarray) -> Allocation:
    """:func:`allocate` for defaults of several pools; ``pool`` (n,) indexes ``model.pools``
    (``n_pools`` = unpooled)."""
    rules = [p.rules for p in model.pools] + [UNPOOLED]
    present = np.flatnonzero(np.bincount(pool, minlength=len(rules)))
    if present.size == 1:
        return allocate(net_loss, exposure, shares, rules[present[0]])
    out = {k: np.zeros(np.shape(net_loss)) for k in ("claim", "bank", "guarantor", "insurer")}
    for j in present:
        sel = np.flatnonzero(pool == j)
        al = allocate(net_loss[sel], exposure[sel], shares[sel], rules[j])
        for k, arr in out.items():
            arr[sel] = getattr(al, k)
    return Allocation(**out)


def loss_terms(model: CreditModel, pool: np.ndarray):
    """Per-item loss terms from pool indices (n_pools = unpooled): with_interest and the pool's
    share table (n, 4) (unpooled rows are zeros)."""
    n_pools = model.n_pools
    with_int = np.array([p.loss_basis is LossBasis.PRINCIPAL_AND_INTEREST for p in model.pools]
                        + [model.settings.unpooled_loss_basis is LossBasis.PRINCIPAL_AND_INTEREST])
    shares = np.vstack([p.shares for p in model.pools] + [np.zeros(4)]) if n_pools else np.zeros((1, 4))
    return with_int[pool], shares[pool]


def loan_shares(model: CreditModel) -> np.ndarray:
    """Loss shares (pool, guarantor, bank, insurer) of each book loan, (n_loans, 4).

    Pooled loans: the pool's table with the pool's share set by its compensation rule for the loan
    (first loan, IP pledge, pure credit); the bank's share takes the difference. Unpooled loans:
    ``(0, guarantee_share, 1 − g − i, insurance_share)``.
    """
    book = model.book
    nk = book.n_loans
    _, table = loss_terms(model, book.pool)
    out = np.stack([np.zeros(nk), book.guarantee_share, 1.0 - book.guarantee_share - book.insurance_share,
                    book.insurance_share], axis=1)
    first = book.first_loan if book.first_loan is not None else np.zeros(nk, bool)
    ip = book.appraisal > 0
    pure = ~ip & (book.guarantee_share == 0) & (book.insurance_share == 0)
    for j, spec in enumerate(model.pools):
        sel = book.pool == j
        if sel.any():
            out[sel] = compensated_shares(table[sel], spec.rules, first[sel], ip[sel], pure[sel])
    return out


def compensated_shares(table: np.ndarray, rules: PoolRules, first_loan, ip_pledge, pure_credit) -> np.ndarray:
    """The pool's share table (n, 4) with the pool's share set by ``rules.compensation`` per loan;
    the bank's share takes the difference."""
    s = np.array(table, float)
    share = rules.compensation.pool_share(s[:, 0], first_loan, ip_pledge, pure_credit)
    s[:, 2] += s[:, 0] - share
    s[:, 0] = share
    return s


UNPOOLED = PoolRules(sharing=ProRata(), compensation=SharesTable())
"""Loans outside a pool: guarantor and insurer shares pro rata, the bank the rest."""
