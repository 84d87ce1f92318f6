"""Compile a scenario's loan book, pools and lending programmes into arrays for the credit kernel.

Time axis: step ``t`` covers ``[t·dt, (t+1)·dt)`` years from ``simulation.start_date``
(``dt = 1`` annual, ``0.25`` quarterly). A book loan is *at risk* from ``max(origination, 0)`` to
``min(maturity, horizon)``; loans that matured before the start or start after the horizon are
dropped. Loans originated before the start are taken as performing at the start.

Defaults are driven by *groups* of loans with the same (step PD, sector, asset correlation R):
the kernel computes the conditional hazard once per (path, group, step). The book is sorted by
*key* = (group, at-risk window) so a whole key shares one window default probability, and a
group's loans are contiguous (see :mod:`fundsvc.credit.engine.defaults`).
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field

import numpy as np
from scipy.special import ndtri

from fundsvc.credit.engine.defaults import DefaultSampler
from fundsvc.credit.engine.recovery import RecoveryTables, build_recovery_tables
from fundsvc.credit.engine.recovery_sources import PRODUCTS, SourceTables, build_source_tables
from fundsvc.credit.engine.schedule import (
    AmortCode,
    accrued_interest,
    outstanding_principal,
    schedule_matrix,
)
from fundsvc.credit.pools.rules import PerLoanAmount, PoolRules, pool_rules
from fundsvc.engine.grid import TimeGrid
from fundsvc.errors import InputError, Problem
from models.common import Sector
from models.credit import (
    AchievementLoan,
    AssetCorrelationModel,
    CorrelationMethod,
    IPType,
    LoanProduct,
    LossBasis,
    Party,
    RiskSharingPool,
)
from models.scenario import Scenario

IP_TYPES: tuple[IPType, ...] = tuple(IPType)
SHARE_ORDER: tuple[Party, ...] = (Party.POOL, Party.GUARANTOR, Party.BANK, Party.INSURER)


@dataclass(frozen=True)
class CreditSettings:
    """Engine settings that are not part of the scenario.

    Attributes
    ----------
    payments_per_year : int
        Instalments (and interest payments) per year of book and new loans (default 1: accrued
        interest at default is interest for the part of the year since the last anniversary).
    cohort_slots : int or None
        Loan slots per lending-programme cohort (None: the expected number of loans a year at
        full quota, clipped to [16, 256]).
    unpooled_loss_basis : LossBasis
        Loss basis of loans outside a pool (the bank's claim on the borrower).
    block_elements : int
        Loans × paths processed at once by the default kernel (memory bound; part of the draw
        order, so of a result's identity).
    default_sampler : DefaultSampler
        How defaults are drawn (:mod:`fundsvc.credit.engine.defaults`): DENSE (one uniform per
        loan and path, inverted through the conditional cumulative survival; default) or SKIP
        (geometric skipping step by step, fewer random numbers than loans; pays when window
        PDs are small). Same law, other draws: part of a result's identity.
    """

    payments_per_year: int = 1
    cohort_slots: int | None = None
    unpooled_loss_basis: LossBasis = LossBasis.PRINCIPAL
    block_elements: int = 1 << 22
    default_sampler: DefaultSampler = DefaultSampler.DENSE


@dataclass(frozen=True)
class LoanBook:
    """The book as arrays, sorted by key; shape (n_loans,) unless said. Amounts CNY, times in
    years from the simulation start."""

    loan_ids: tuple[str, ...]
    bank: np.ndarray  # int, index into CreditModel.banks
    pool: np.ndarray  # int, index into CreditModel.pools, n_pools = not pooled
    group: np.ndarray  # int, index into the group arrays
    amount: np.ndarray
    rate: np.ndarray
    amort: np.ndarray  # AmortCode
    term: np.ndarray  # years
    orig: np.ndarray  # origination (may be < 0)
    start: np.ndarray  # at-risk start = max(orig, 0)
    end: np.ndarray  # at-risk end = min(maturity, horizon)
    last_step: np.ndarray  # int, last at-risk step
    appraisal: np.ndarray  # pledged IP appraisal, 0 without IP
    ip_type: np.ndarray  # int index into IP_TYPES
    guarantee_share: np.ndarray
    insurance_share: np.ndarray
    hazard_weight: np.ndarray  # (n_loans, n_steps) share of each step at risk
    schedule: np.ndarray  # (n_loans, n_steps) outstanding principal at step ends
    ead_principal: np.ndarray  # (n_loans, n_steps) principal outstanding at the default time of each step
    ead_interest: np.ndarray  # (n_loans, n_steps) interest accrued at the default time of each step
    key_counts: np.ndarray  # (n_keys,) loans per key (loans sorted by key)
    key_group: np.ndarray  # (n_keys,)
    key_weight: np.ndarray  # (n_keys, n_steps)
    first_loan: np.ndarray | None = None  # bool, the firm's first loan (tiered compensation)
    product: np.ndarray | None = None  # int index into recovery_sources.PRODUCTS

    @property
    def n_loans(self) -> int:
        return len(self.loan_ids)


@dataclass(frozen=True)
class PoolSpec:
    """One pool's rules as plain numbers (amounts CNY, rates per year)."""

    id: str
    initial_balance: float
    shares: np.ndarray  # (4,) in SHARE_ORDER: pool, guarantor, bank, insurer
    loss_basis: LossBasis
    interest_rate: float
    leverage: float
    programme: CohortTemplate | None
    rules: PoolRules  # sharing, compensation, caps, replenishment, triggers (fundsvc.credit.pools.rules)

    @property
    def cap(self) -> float:
        """The smallest per-loan amount cap (CNY; inf = none)."""
        return min((c.amount for c in self.rules.claim_caps if isinstance(c, PerLoanAmount)), default=math.inf)


@dataclass(frozen=True)
class CohortTemplate:
    """A lending programme's representative cohort: ``n_slots`` loan slots, each a fixed share
    ``weight`` of the year's new lending (weights sum to 1). Shape (n_slots,)."""

    years: int
    utilisation: float
    group: np.ndarray
    bank: np.ndarray
    weight: np.ndarray
    rate: float
    amort: int
    term: float
    unit_appraisal: np.ndarray  # appraisal per CNY lent (1 / pledge rate)
    ip_type: np.ndarray
    product: np.ndarray | None = None  # int index into recovery_sources.PRODUCTS

    @property
    def n_slots(self) -> int:
        return self.weight.size


@dataclass(frozen=True)
class CreditModel:
    """Everything the credit kernel needs, as arrays.

    Attributes
    ----------
    steps_per_year, n_steps : int
    sectors : tuple of Sector
        Sector order of the market factors.
    banks : tuple of str
    group_pd : ndarray (n_groups,)
        Annual PD of each group.
    group_threshold : ndarray (n_groups,)
        ``Φ⁻¹(step PD)``, step PD ``1 − (1 − PD)^dt``.
    group_sector : ndarray of int (n_groups,)
    group_r : ndarray (n_groups,)
        Asset correlation R.
    book : LoanBook
    pools : tuple of PoolSpec
    recovery : RecoveryTables
    discount_rate : float
        Risk-free rate per year (for present values of fiscal cost).
    settings : CreditSettings
    """

    steps_per_year: int
    n_steps: int
    start_date: dt.date
    sectors: tuple[Sector, ...]
    banks: tuple[str, ...]
    group_pd: np.ndarray
    group_threshold: np.ndarray
    group_sector: np.ndarray
    group_r: np.ndarray
    book: LoanBook
    pools: tuple[PoolSpec, ...]
    recovery: RecoveryTables
    discount_rate: float
    settings: CreditSettings = field(default_factory=CreditSettings)
    sources: SourceTables | None = None  # recoveries beyond the IP (None: IP only)

    @property
    def dt(self) -> float:
        return 1.0 / self.steps_per_year

    @property
    def grid(self) -> TimeGrid:
        """The credit side's time grid."""
        return TimeGrid(self.start_date, self.steps_per_year, self.n_steps)

    @property
    def n_pools(self) -> int:
        return len(self.pools)

    @property
    def n_banks(self) -> int:
        return len(self.banks)

    @property
    def pool_ids(self) -> tuple[str, ...]:
        return tuple(p.id for p in self.pools)


def years_between(d0: dt.date, d1: dt.date) -> float:
    """Calendar years from ``d0`` to ``d1`` (whole months exact, days / 365.25)."""
    return (d1.year - d0.year) + (d1.month - d0.month) / 12.0 + (d1.day - d0.day) / 365.25


def _correlation(loan_pd: float, product, sector, revenue, override, model: AssetCorrelationModel) -> float:
    if override is not None:
        return float(override)
    if product in model.by_product:
        return float(model.by_product[product])
    if sector in model.by_sector:
        return float(model.by_sector[sector])
    if model.method is CorrelationMethod.FIXED:
        return float(model.default)
    from fundsvc.credit.analytics.irb import IrbAssetClass, asset_correlation

    if model.method is CorrelationMethod.BASEL_OTHER_RETAIL:
        return float(asset_correlation(loan_pd, IrbAssetClass.OTHER_RETAIL))
    sales = revenue if (model.sme_firm_size_adjustment and revenue is not None) else None
    return float(asset_correlation(loan_pd, IrbAssetClass.CORPORATE, sales_cny=sales))


class _Groups:
    """Interning of (annual PD, sector position, R) groups."""

    def __init__(self) -> None:
        self.index: dict[tuple[float, int, float], int] = {}

    def __call__(self, pd: float, sector: int, r: float) -> int:
        key = (round(float(pd), 12), int(sector), round(float(r), 12))
        return self.index.setdefault(key, len(self.index))

    def arrays(self, dt_: float):
        keys = list(self.index)
        pd = np.array([k[0] for k in keys], float)
        sec = np.array([k[1] for k in keys], np.int64)
        r = np.array([k[2] for k in keys], float)
        step_pd = -np.expm1(dt_ * np.log1p(-pd))
        return pd, ndtri(step_pd), sec, r


def hazard_weights(start, end, n_steps: int, dt_: float) -> np.ndarray:
    """Share of each step during which an item is at risk, shape (n_items, n_steps).

    ``start``/``end`` in years from the simulation start; rounded to 1/12 of a step (a month
    for annual steps) so that loans with nearly equal windows share a key.
    """
    edges = np.arange(n_steps + 1) * dt_
    lo = np.maximum(np.asarray(start, float)[:, None], edges[None, :-1])
    hi = np.minimum(np.asarray(end, float)[:, None], edges[None, 1:])
    w = np.clip(hi - lo, 0.0, None) / dt_
    return np.round(w * 12.0) / 12.0


def _pool_spec(pool: RiskSharingPool, programme: CohortTemplate | None) -> PoolSpec:
    return PoolSpec(
        id=pool.id,
        initial_balance=pool.initial_balance_cny,
        shares=np.array([pool.shares.get(p, 0.0) for p in SHARE_ORDER], float),
        loss_basis=pool.loss_basis,
        interest_rate=pool.interest_rate,
        leverage=pool.leverage_multiplier,
        programme=programme,
        rules=pool_rules(pool),
    )


def _stratified(weights: dict, n: int, rng: np.random.Generator) -> list:
    """``n`` categories allocated by the largest-remainder rule to match ``weights``, shuffled."""
    keys = list(weights)
    w = np.array([weights[k] for k in keys], float)
    exact = w / w.sum() * n
    counts = np.floor(exact).astype(int)
    rest = n - counts.sum()
    if rest > 0:
        counts[np.argsort(-(exact - counts), kind="stable")[:rest]] += 1
    out = [k for k, c in zip(keys, counts) for _ in range(c)]
    rng.shuffle(out)
    return out


def _cohort_template(pool: RiskSharingPool, scenario: Scenario, groups: _Groups, banks: dict,
                     sector_pos: dict, corr: AssetCorrelationModel, settings: CreditSettings) -> CohortTemplate | None:
    prog = pool.lending_programme
    if prog is None or prog.years == 0:
        return None
    prof = prog.profile
    mean_amount = prof.median_amount_cny * math.exp(0.5 * prof.amount_sigma**2)
    n = settings.cohort_slots
    if n is None:
        expected = prog.quota_utilisation * pool.leverage_multiplier * pool.initial_balance_cny / mean_amount
        n = int(np.clip(math.ceil(expected), 16, 256))
    # deterministic representative cohort (no draw from the chunk streams): stratified mixes
    from fundsvc.engine.sampling import sub_key

    rng = np.random.default_rng(sub_key(pool.id))
    ratings = _stratified(prof.rating_mix, n, rng)
    sectors = _stratified(prof.sector_weights, n, rng)
    products = _stratified(prof.product_mix, n, rng)
    bank_ids = _stratified(prog.banks, n, rng)
    from scipy.special import ndtri as _ndtri

    q = _ndtri((np.arange(n) + 0.5) / n)
    rng.shuffle(q)
    w = np.exp(prof.amount_sigma * q)
    w = w / w.sum()
    grp = []
    for rating, sector, product in zip(ratings, sectors, products):
        pd = scenario.pd_master_scale.pd_of(rating)
        r = _correlation(pd, product, sector, None, None, corr)
        grp.append(groups(pd, sector_pos[sector], r))
    for b in bank_ids:
        banks.setdefault(b, len(banks))
    return CohortTemplate(
        years=prog.years,
        utilisation=prog.quota_utilisation,
        group=np.array(grp, np.int64),
        bank=np.array([banks[b] for b in bank_ids], np.int64),
        weight=w,
        rate=prof.rate,
        amort=int(AmortCode.of(prof.amortisation)),
        term=float(prof.term_years),
        unit_appraisal=np.full(n, 1.0 / prof.pledge_rate),
        ip_type=np.full(n, IP_TYPES.index(prof.ip_type), np.int64),
        product=np.array([PRODUCTS.index(LoanProduct(p)) for p in products], np.int64),
    )


def compile_credit(
    scenario: Scenario,
    *,
    correlation: AssetCorrelationModel | None = None,
    settings: CreditSettings | None = None,
    steps_per_year: int | None = None,
    grid: TimeGrid | None = None,
) -> CreditModel:
    """Compile the scenario's loans, pools and lending programmes.

    Parameters
    ----------
    scenario : Scenario
    correlation : AssetCorrelationModel, optional
        Asset correlation model; default ``scenario.asset_correlation`` when the scenario has
        such a field, else :class:`AssetCorrelationModel` ``()`` (R = 0.12).
    settings : CreditSettings, optional
    steps_per_year : int, optional
        1 (annual) or 4 (quarterly); default from ``grid``, else ``scenario.simulation.credit_time_step``.
    grid : TimeGrid, optional
        The credit side's grid (:meth:`TimeGrid.credit_grid`); its ``steps_per_year`` is used.

    Returns
    -------
    CreditModel
    """
    settings = settings or CreditSettings()
    corr = correlation or getattr(scenario, "asset_correlation", None) or AssetCorrelationModel()
    spy = steps_per_year or (grid or TimeGrid.credit_grid(scenario)).steps_per_year
    if spy not in (1, 4):
        raise InputError([Problem("<input>", "steps_per_year", f"must be 1 or 4, got {spy}")])
    dt_ = 1.0 / spy
    horizon = float(scenario.simulation.horizon_years)
    n_steps = round(horizon * spy)
    start = scenario.simulation.start_date
    sectors = tuple(scenario.market.sectors)
    sector_pos = {s: i for i, s in enumerate(sectors)}
    pool_index = {p.id: i for i, p in enumerate(scenario.pools)}
    n_pools = len(scenario.pools)
    groups = _Groups()
    banks: dict[str, int] = {}

    rows = []
    for loan in scenario.loans:
        orig = years_between(start, loan.origination)
        mat = years_between(start, loan.maturity)
        s, e = max(orig, 0.0), min(mat, horizon)
        if e <= s + 1e-9:
            continue
        pd = scenario.loan_pd(loan)
        r = _correlation(pd, loan.product, loan.sector, loan.annual_revenue_cny, loan.asset_correlation, corr)
        g = groups(pd, sector_pos[loan.sector], r)
        b = banks.setdefault(loan.bank, len(banks))
        rows.append((loan, orig, mat, s, e, g, b))

    # drop loans whose at-risk window rounds to nothing (less than 1/24 of a step)
    rows = [r for r in rows if hazard_weights(np.array([r[3]]), np.array([r[4]]), n_steps, dt_).sum() > 0]
    book = _book(rows, settings, n_steps, dt_, pool_index, n_pools)
    pools = tuple(
        _pool_spec(p, _cohort_template(p, scenario, groups, banks, sector_pos, corr, settings))
        for p in scenario.pools
    )
    g_pd, g_thr, g_sec, g_r = groups.arrays(dt_)
    return CreditModel(
        steps_per_year=spy,
        n_steps=n_steps,
        start_date=start,
        sectors=sectors,
        banks=tuple(banks),
        group_pd=g_pd,
        group_threshold=g_thr,
        group_sector=g_sec,
        group_r=g_r,
        book=book,
        pools=pools,
        recovery=build_recovery_tables(scenario.ip_recovery),
        discount_rate=scenario.market.risk_free_rate,
        settings=settings,
        sources=(build_source_tables(scenario.ip_recovery, scenario.recovery_sources)
                 if scenario.recovery_sources is not None else None),
    )


def _book(rows, settings: CreditSettings, n_steps: int, dt_: float, pool_index: dict, n_pools: int) -> LoanBook:
    loans: list[AchievementLoan] = [r[0] for r in rows]
    n = len(loans)
    f = lambda vals, dtype=float: np.array(vals, dtype=dtype).reshape(n)
    orig = f([r[1] for r in rows])
    start, end = f([r[3] for r in rows]), f([r[4] for r in rows])
    group = f([r[5] for r in rows], np.int64)
    amount = f([ln.amount_cny for ln in loans])
    rate = f([ln.rate for ln in loans])
    amort = f([int(AmortCode.of(ln.amortisation)) for ln in loans], np.int64)
    term = f([r[2] - r[1] for r in rows])
    weight = hazard_weights(start, end, n_steps, dt_) if n else np.zeros((0, n_steps))
    # key = (group, window weights); sort the book by key
    if n:
        key_rows = np.concatenate([group[:, None].astype(float), weight], axis=1)
        uniq, inverse, counts = np.unique(key_rows, axis=0, return_inverse=True, return_counts=True)
        inverse = inverse.reshape(-1)
        order = np.argsort(inverse, kind="stable")
    else:
        uniq, counts, order = np.zeros((0, n_steps + 1)), np.zeros(0, np.int64), np.zeros(0, np.int64)
    step_ends = (np.arange(n_steps) + 1) * dt_
    sched = schedule_matrix(amount, rate, term, amort, orig, step_ends, settings.payments_per_year) if n else np.zeros((0, n_steps))
    # default time in step t: middle of the at-risk part of the step (see defaults.default_time)
    edges = np.arange(n_steps + 1) * dt_
    lo = np.maximum(start[:, None], edges[None, :-1])
    hi = np.minimum(end[:, None], edges[None, 1:])
    el = 0.5 * (lo + hi) - orig[:, None]
    args = (amount[:, None], rate[:, None], term[:, None], amort[:, None], el, settings.payments_per_year)
    ead_p = np.where(weight > 0, outstanding_principal(*args), 0.0) if n else np.zeros((0, n_steps))
    ead_i = np.where(weight > 0, accrued_interest(*args), 0.0) if n else np.zeros((0, n_steps))
    ends_step = np.where(weight > 0, np.arange(n_steps)[None, :], -1).max(axis=1) if n else np.zeros(0, np.int64)
    o = order
    return LoanBook(
        loan_ids=tuple(loans[i].loan_id for i in o),
        bank=f([r[6] for r in rows], np.int64)[o],
        pool=f([pool_index[ln.pool_id] if ln.pool_id is not None else n_pools for ln in loans], np.int64)[o],
        group=group[o],
        amount=amount[o],
        rate=rate[o],
        amort=amort[o],
        term=term[o],
        orig=orig[o],
        start=start[o],
        end=end[o],
        last_step=ends_step[o].astype(np.int64),
        appraisal=f([ln.ip.appraised_value_cny if ln.ip else 0.0 for ln in loans])[o],
        ip_type=f([IP_TYPES.index(ln.ip.ip_type) if ln.ip else 0 for ln in loans], np.int64)[o],
        guarantee_share=f([ln.guarantee_share for ln in loans])[o],
        insurance_share=f([ln.insurance_share for ln in loans])[o],
        hazard_weight=weight[o],
        schedule=sched[o],
        ead_principal=ead_p[o],
        ead_interest=ead_i[o],
        key_counts=counts.astype(np.int64),
        key_group=uniq[:, 0].astype(np.int64),
        key_weight=np.ascontiguousarray(uniq[:, 1:]),
        first_loan=np.array([ln.first_loan for ln in loans], bool)[o] if n else np.zeros(0, bool),
        product=f([PRODUCTS.index(LoanProduct(ln.product)) for ln in loans], np.int64)[o],
    )
