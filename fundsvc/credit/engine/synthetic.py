"""Synthetic scenarios for tests and benchmarks: a tech-loan book of any size with one or more pools.

Illustrative numbers only (amounts lognormal around 300万元, ratings on the bundled tech-SME
master scale, IP pledged at 40 %), built with a seeded generator.
"""

from __future__ import annotations

import datetime as dt

import numpy as np

from models.common import Sector
from models.credit import (
    AchievementLoan,
    Amortisation,
    IPCollateral,
    LendingProgramme,
    LoanProfile,
    PDGrade,
    PDMasterScale,
    RiskSharingPool,
)
from models.scenario import Scenario, SimulationSettings

MASTER_SCALE = PDMasterScale(
    name="tech_sme",
    grades=[PDGrade(grade=g, pd=p) for g, p in
            [("A1", 0.003), ("A2", 0.006), ("B1", 0.012), ("B2", 0.02), ("B3", 0.035),
             ("C1", 0.06), ("C2", 0.10), ("C3", 0.18)]],
)
RATING_MIX = {"A1": 0.05, "A2": 0.1, "B1": 0.2, "B2": 0.25, "B3": 0.2, "C1": 0.12, "C2": 0.06, "C3": 0.02}


def synthetic_loans(n_loans: int, rng: np.random.Generator, *, start: dt.date, pool_id: str | None = "pool",
                    pooled_share: float = 0.7, banks: tuple[str, ...] = ("bank_a", "bank_b", "bank_c"),
                    term_years: tuple[int, ...] = (1, 2, 3)) -> list[AchievementLoan]:
    """``n_loans`` loans originated in the year before ``start`` (all still outstanding at start)."""
    grades = list(RATING_MIX)
    ratings = rng.choice(grades, size=n_loans, p=np.array(list(RATING_MIX.values())))
    sectors = rng.choice(list(Sector), size=n_loans)
    amounts = np.round(np.exp(rng.normal(np.log(3e6), 0.6, n_loans)), -4).clip(3e5, 3e7)
    terms = rng.choice(term_years, size=n_loans)
    back = rng.integers(1, 300, n_loans)
    amort = rng.choice(list(Amortisation), size=n_loans)
    pooled = rng.random(n_loans) < pooled_share
    bank = rng.choice(banks, size=n_loans)
    out = []
    for i in range(n_loans):
        orig = start - dt.timedelta(days=int(back[i]))
        mat = orig.replace(year=orig.year + int(terms[i])) if not (orig.month == 2 and orig.day == 29) else orig + dt.timedelta(days=365 * int(terms[i]))
        out.append(AchievementLoan(
            loan_id=f"L{i:06d}", bank=str(bank[i]), sector=Sector(sectors[i]), amount_cny=float(amounts[i]),
            origination=orig, maturity=mat, amortisation=Amortisation(amort[i]), rate=0.045,
            rating=str(ratings[i]), pool_id=pool_id if (pooled[i] and pool_id) else None,
            guarantee_share=0.0 if pooled[i] else 0.3,
            ip=IPCollateral(appraised_value_cny=float(amounts[i]) / 0.4),
        ))
    return out


def synthetic_scenario(n_loans: int = 1000, *, seed: int = 1, horizon_years: int = 5, pool_balance: float | None = None,
                       programme: bool = True, pool_kwargs: dict | None = None, **loan_kwargs) -> Scenario:
    """A scenario with ``n_loans`` book loans, one pool ``pool`` (4:4:2) and an optional lending programme.

    The pool's balance defaults to 1/10 of the pooled book (leverage 10).
    """
    rng = np.random.default_rng(seed)
    start = dt.date(2026, 1, 1)
    loans = synthetic_loans(n_loans, rng, start=start, **loan_kwargs)
    pooled_amount = sum(ln.amount_cny for ln in loans if ln.pool_id)
    bal = pool_balance if pool_balance is not None else max(pooled_amount / 10.0, 1e6)
    prog = None
    if programme:
        prog = LendingProgramme(
            years=3, quota_utilisation=0.5, banks={"bank_a": 0.5, "bank_b": 0.5},
            profile=LoanProfile(rating_mix=RATING_MIX, sector_weights={s: 1 / 6 for s in Sector}),
        )
    kw = {"id": "pool", "name": "Synthetic pool", "funders": {"finance": bal},
              "shares": {"pool": 0.4, "guarantor": 0.4, "bank": 0.2}, "per_loan_cap_cny": 2e6, "lending_programme": prog}
    kw.update(pool_kwargs or {})
    pool = RiskSharingPool(**kw)
    return Scenario(
        name="synthetic", title="Synthetic credit scenario",
        simulation=SimulationSettings(start_date=start, horizon_years=horizon_years, paths=1000, seed=1),
        pd_master_scale=MASTER_SCALE, pools=[pool], loans=loans,
    )


def homogeneous_scenario(n_loans: int, pd: float, *, horizon_years: int = 1, term_years: int = 10,
                         sector: Sector = Sector.SMART_IOT, amount: float = 1e6, pooled: bool = False,
                         pool_kwargs: dict | None = None, loan_kwargs: dict | None = None) -> Scenario:
    """``n_loans`` identical bullet loans (same PD, sector, amount), originated at the start and
    outstanding for the whole horizon; optionally all in one pool ``pool`` (4:4:2, no cap)."""
    start = dt.date(2026, 1, 1)
    mat = start.replace(year=start.year + term_years)
    kw = dict(loan_kwargs or {})
    loans = [
        AchievementLoan(loan_id=f"H{i:05d}", bank="bank_a", sector=sector, amount_cny=amount,
                        origination=start, maturity=mat, rate=0.05, pd=pd,
                        pool_id="pool" if pooled else None, **kw)
        for i in range(n_loans)
    ]
    pools = []
    if pooled:
        pk = {"id": "pool", "name": "Test pool", "funders": {"finance": 1e7},
              "shares": {"pool": 0.4, "guarantor": 0.4, "bank": 0.2}}
        pk.update(pool_kwargs or {})
        pools = [RiskSharingPool(**pk)]
    return Scenario(
        name="homogeneous", title="Homogeneous portfolio",
        simulation=SimulationSettings(start_date=start, horizon_years=horizon_years, paths=1000, seed=1),
        pools=pools, loans=loans,
    )


def iid_market(n_paths: int, n_steps: int, rng: np.random.Generator, *, steps_per_year: int = 1,
               sectors: tuple[Sector, ...] = tuple(Sector), correlation: float = 0.0):
    """Market paths with N(0, 1) sector factors, independent over time, equicorrelated across
    sectors (``correlation``), for statistical tests of the credit engine."""
    from fundsvc.engine.factors import MarketPaths

    k = len(sectors)
    common = rng.standard_normal((n_paths, n_steps, 1))
    own = rng.standard_normal((n_paths, n_steps, k))
    sec = np.sqrt(correlation) * common + np.sqrt(1.0 - correlation) * own
    return MarketPaths(steps_per_year, tuple(sectors), common[:, :, 0], sec, None,
                       np.full((n_paths, n_steps + 1), 100.0), 0.0)
