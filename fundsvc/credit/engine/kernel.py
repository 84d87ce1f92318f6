"""The credit chunk kernel: claims (defaults, recoveries, shares) then the pool stage.

``simulate_credit_chunk(model, market, seed, chunk_index)`` uses the chunk's shared market
factors (the sector factor of each loan's sector is its systematic factor), draws book defaults
from ``stream(seed, chunk_index, Component.CREDIT)`` and programme cohorts from
``stream(seed, chunk_index, Component.LENDING, sub_key(pool.id))``, and runs the pools jointly
with the banks, guarantors and insurers path by path in time order.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np

from fundsvc.credit.engine.claims import ClaimSet, generate_claims
from fundsvc.credit.engine.compile import CreditModel
from fundsvc.credit.pools.ledger import PoolLedger, run_pools
from fundsvc.engine.factors import MarketPaths
from fundsvc.errors import InputError, Problem


@dataclass(frozen=True)
class DefaultTable:
    """One row per default after the pool stage (flat arrays (n_def,), amounts CNY).

    ``source`` 0 = book loan (``item`` indexes ``model.book``), 1 = programme slot (``item`` is
    the slot, ``year`` the cohort). ``pool`` is the paid amount; ``bank`` includes cap excess
    and unpaid pool claims. ``bank + pool + guarantor + insurer + recovery = exposure``.
    """

    path: np.ndarray
    step: np.ndarray
    source: np.ndarray
    item: np.ndarray
    year: np.ndarray
    pool_index: np.ndarray
    bank_index: np.ndarray
    exposure: np.ndarray
    recovery: np.ndarray
    claim: np.ndarray
    pool: np.ndarray
    bank: np.ndarray
    guarantor: np.ndarray
    insurer: np.ndarray


@dataclass(frozen=True)
class CreditChunk:
    """Credit results of one chunk of paths. Amounts CNY per step.

    Attributes
    ----------
    steps_per_year : int
    bank_ids, pool_ids : tuple of str
    bank_loss : ndarray (n_paths, n_banks, n_steps)
        Losses borne by each bank (own shares, cap excess, unpaid pool claims).
    guarantor_loss, insurer_loss, exposure, recovery : ndarray (n_paths, n_steps)
    n_defaults : ndarray of int32 (n_paths, n_steps)
        Book defaults.
    pool_claims, pool_payout, pool_refused, pool_interest, pool_replenishment,
    pool_new_lending, pool_outstanding, pool_npl_ratio : ndarray (n_paths, n_pools, n_steps)
    pool_balance : ndarray (n_paths, n_pools, n_steps + 1)
    pool_depleted : ndarray of bool (n_paths, n_pools, n_steps)
    pool_initial : ndarray (n_pools,)
        Initial balances used.
    discount_rate : float
    pool_book_outstanding0 : ndarray (n_pools,)
        Pooled book principal outstanding at the start.
    defaults : DefaultTable or None
    """

    steps_per_year: int
    bank_ids: tuple[str, ...]
    pool_ids: tuple[str, ...]
    bank_loss: np.ndarray
    guarantor_loss: np.ndarray
    insurer_loss: np.ndarray
    exposure: np.ndarray
    recovery: np.ndarray
    n_defaults: np.ndarray
    pool_claims: np.ndarray
    pool_payout: np.ndarray
    pool_refused: np.ndarray
    pool_interest: np.ndarray
    pool_replenishment: np.ndarray
    pool_new_lending: np.ndarray
    pool_outstanding: np.ndarray
    pool_npl_ratio: np.ndarray
    pool_balance: np.ndarray
    pool_depleted: np.ndarray
    pool_initial: np.ndarray
    discount_rate: float
    pool_book_outstanding0: np.ndarray | None = None
    defaults: DefaultTable | None = None

    @property
    def n_paths(self) -> int:
        return self.exposure.shape[0]

    @property
    def n_steps(self) -> int:
        return self.exposure.shape[1]

    @property
    def total_loss(self) -> np.ndarray:
        """Net loss of all parties (exposure − recovery), (n_paths, n_steps)."""
        return (self.bank_loss.sum(axis=1) + self.pool_payout.sum(axis=1)
                + self.guarantor_loss + self.insurer_loss)


def credit_sector_factors(model: CreditModel, market: MarketPaths) -> np.ndarray:
    """Sector factors on the credit grid, in the model's sector order, (n_paths, n_steps, n_sectors)."""
    if market.steps_per_year == model.steps_per_year:
        m = market
    elif model.steps_per_year == 1:
        m = market.annual()
    else:
        raise InputError([Problem("<input>", "market", f"the credit model has {model.steps_per_year} steps a year "
                                  f"but the market paths only {market.steps_per_year}")])
    if m.n_steps < model.n_steps:
        raise InputError([Problem("<input>", "market", f"market paths have {m.n_steps} credit steps, "
                                  f"the credit model needs {model.n_steps}")])
    missing = [s.value for s in model.sectors if s not in m.sectors]
    if missing:
        raise InputError([Problem("<input>", "market.sectors", f"no factor for sector(s) {missing}")])
    pos = [m.sectors.index(s) for s in model.sectors]
    return m.sector[:, : model.n_steps, pos]


def chunk_claims(model: CreditModel, market: MarketPaths, seed: int, chunk_index: int) -> ClaimSet:
    """The claims of one chunk (the expensive, balance-independent stage)."""
    return generate_claims(model, credit_sector_factors(model, market), seed, chunk_index)


def assemble_chunk(model: CreditModel, claims: ClaimSet, ledger: PoolLedger, initial: np.ndarray) -> CreditChunk:
    """Combine claims and the pool ledger into a :class:`CreditChunk`."""
    bank = claims.bank_direct + ledger.cohort_bank + ledger.bank_shortfall  # (p, s, b)
    table = _default_table(model, claims, ledger) if claims.records is not None else None
    return CreditChunk(
        steps_per_year=model.steps_per_year,
        bank_ids=model.banks,
        pool_ids=model.pool_ids,
        bank_loss=np.ascontiguousarray(bank.transpose(0, 2, 1)),
        guarantor_loss=claims.guarantor + ledger.cohort_guarantor,
        insurer_loss=claims.insurer + ledger.cohort_insurer,
        exposure=claims.exposure + ledger.cohort_exposure,
        recovery=claims.recovery + ledger.cohort_recovery,
        n_defaults=claims.n_defaults,
        pool_claims=ledger.claims,
        pool_payout=ledger.payout,
        pool_refused=ledger.refused,
        pool_interest=ledger.interest,
        pool_replenishment=ledger.replenishment,
        pool_new_lending=ledger.new_lending,
        pool_outstanding=ledger.outstanding,
        pool_npl_ratio=ledger.npl_ratio,
        pool_balance=ledger.balance,
        pool_depleted=ledger.depleted,
        pool_initial=np.asarray(initial, float),
        discount_rate=model.discount_rate,
        pool_book_outstanding0=np.asarray(claims.outstanding0, float),
        defaults=table,
    )


def simulate_credit_chunk(model: CreditModel, market: MarketPaths, seed: int, chunk_index: int, *,
                          pool_initial_override=None, annual_top_up_override=None,
                          record_defaults: bool = False) -> CreditChunk:
    """Simulate the loan book, lending programmes and pools for one chunk of paths.

    Parameters
    ----------
    model : CreditModel
        From :func:`fundsvc.credit.engine.compile_credit`.
    market : MarketPaths
        The chunk's shared factors, quarterly (aggregated with ``.annual()`` for an annual
        model) or already on the model's grid.
    seed, chunk_index : int
    pool_initial_override : float or sequence (n_pools,), optional
        Initial pool balances to use instead of the scenario's (CNY; NaN keeps one).
    annual_top_up_override : float or sequence (n_pools,), optional
        Replace the replenishment rule by a fixed annual top-up (CNY a year).
    record_defaults : bool
        Attach a :class:`DefaultTable` with one row per default.

    Returns
    -------
    CreditChunk
    """
    sector = credit_sector_factors(model, market)
    claims = generate_claims(model, sector, seed, chunk_index, record_defaults=record_defaults)
    ledger = run_pools(model, claims, initial_balance=pool_initial_override,
                       annual_top_up=annual_top_up_override, record=record_defaults)
    initial = ledger.balance[0, :, 0] if model.n_pools else np.zeros(0)
    return assemble_chunk(model, claims, ledger, initial)


def _default_table(model: CreditModel, claims: ClaimSet, ledger: PoolLedger) -> DefaultTable:
    npl = model.n_pools
    rec = claims.records
    book = model.book
    pool_idx = book.pool[rec.loan]
    pooled = pool_idx < npl
    ratio = np.ones(rec.path.size)
    if npl:
        ratio[pooled] = ledger.paid_ratio[rec.path[pooled], pool_idx[pooled], rec.step[pooled]]
    paid = rec.claim * ratio
    parts = [{
        "path": rec.path, "step": rec.step, "source": np.zeros(rec.path.size, np.int64), "item": rec.loan,
        "year": np.full(rec.path.size, -1), "pool_index": pool_idx, "bank_index": book.bank[rec.loan],
        "exposure": rec.exposure, "recovery": rec.recovery, "claim": rec.claim, "pool": paid,
        "bank": rec.bank + rec.claim - paid, "guarantor": rec.guarantor, "insurer": rec.insurer}]
    for j, per_pool in enumerate(ledger.cohort_records):
        for y, cd, amt, cc, excess in per_pool:
            keep = amt > 0
            a = amt[keep]
            n = int(keep.sum())
            r = ledger.paid_ratio[cd.path[keep], j, cd.step[keep]]
            p = cc[keep] * r
            parts.append({
                "path": cd.path[keep], "step": cd.step[keep], "source": np.ones(n, np.int64), "item": cd.slot[keep],
                "year": np.full(n, y), "pool_index": np.full(n, j), "bank_index": cd.bank[keep],
                "exposure": a * cd.exposure[keep], "recovery": a * cd.recovery[keep], "claim": cc[keep], "pool": p,
                "bank": a * cd.bank_loss[keep] + excess[keep] + cc[keep] - p,
                "guarantor": a * cd.guarantor[keep], "insurer": a * cd.insurer[keep]})
    return DefaultTable(**{f.name: np.concatenate([np.asarray(pt[f.name]) for pt in parts]) for f in fields(DefaultTable)})


def concat_chunks(chunks: list[CreditChunk]) -> CreditChunk:
    """Stack chunks along the path axis (default tables are dropped unless all have one; their
    ``path`` is then offset to the stacked index)."""
    first = chunks[0]
    out = {}
    for f in fields(CreditChunk):
        v = getattr(first, f.name)
        if isinstance(v, np.ndarray) and f.name not in ("pool_initial", "pool_book_outstanding0"):
            out[f.name] = np.concatenate([getattr(c, f.name) for c in chunks], axis=0)
        else:
            out[f.name] = v
    if all(c.defaults is not None for c in chunks):
        offs = np.cumsum([0] + [c.n_paths for c in chunks[:-1]])
        tabs = []
        for off, c in zip(offs, chunks):
            d = c.defaults
            tabs.append({f.name: (getattr(d, f.name) + off if f.name == "path" else getattr(d, f.name))
                         for f in fields(DefaultTable)})
        out["defaults"] = DefaultTable(**{k: np.concatenate([t[k] for t in tabs]) for k in tabs[0]})
    else:
        out["defaults"] = None
    return CreditChunk(**out)
