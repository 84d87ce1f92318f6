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

  The claim is then limited by the per-loan cap; the excess falls on the bank. Later the pool
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

from models.credit import LossBasis, SharingRule

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


def allocate(net_loss: np.ndarray, exposure: np.ndarray, shares: np.ndarray,
             first_loss: np.ndarray, cap: np.ndarray) -> Allocation:
    """Split the net loss of each default.

    Parameters
    ----------
    net_loss, exposure : ndarray (n,)
        CNY, ``0 <= net_loss <= exposure``.
    shares : ndarray (n, 4)
        Shares (pool, guarantor, bank, insurer) of each default's loss; for unpooled loans
        ``(0, guarantee_share, 1 − g − i, insurance_share)``.
    first_loss : ndarray of bool (n,)
        True where the pool's rule is POOL_FIRST.
    cap : ndarray (n,)
        Per-loan cap of the pool's claim (``inf`` for none).
    """
    s_p, s_g, s_b, s_i = shares[:, 0], shares[:, 1], shares[:, 2], shares[:, 3]
    want_pr = s_p * net_loss
    want_fl = np.minimum(net_loss, s_p * exposure)
    want = np.where(first_loss, want_fl, want_pr)
    rest = net_loss - want
    # pro rata: s · NL; pool first: the rest split by s / (s_g + s_b + s_i)
    others = s_g + s_b + s_i
    zero = np.zeros_like(others)
    r_g = np.divide(s_g, others, out=zero.copy(), where=others > 0)
    r_i = np.divide(s_i, others, out=zero.copy(), where=others > 0)
    guarantor = np.where(first_loss, rest * r_g, s_g * net_loss)
    insurer = np.where(first_loss, rest * r_i, s_i * net_loss)
    claim = np.minimum(want, cap)
    bank = (rest - guarantor - insurer) + (want - claim)
    return Allocation(claim=claim, bank=bank, guarantor=guarantor, insurer=insurer)


def loss_terms(model: CreditModel, pool: np.ndarray):
    """Per-item sharing terms from pool indices (n_pools = unpooled): with_interest, first_loss,
    cap, pool shares (n, 4) for pooled items (unpooled rows are zeros)."""
    n_pools = model.n_pools
    with_int = np.array([p.loss_basis is LossBasis.PRINCIPAL_AND_INTEREST for p in model.pools]
                        + [model.settings.unpooled_loss_basis is LossBasis.PRINCIPAL_AND_INTEREST])
    first = np.array([p.rule is SharingRule.POOL_FIRST for p in model.pools] + [False])
    cap = np.array([p.cap for p in model.pools] + [np.inf])
    shares = np.vstack([p.shares for p in model.pools] + [np.zeros(4)]) if n_pools else np.zeros((1, 4))
    return with_int[pool], first[pool], cap[pool], shares[pool]
