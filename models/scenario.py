"""The scenario: everything one simulation needs, validated as a whole.

Cross-references are checked here (a loan whose pool does not exist, a rating not on the
master scale, a sub-fund naming an unknown stage profile, commitments above the guidance
fund's size). Such problems are raised together as a :class:`CrossReferenceError`, which keeps
the location of each (e.g. ``("loans", 17, "pool_id")``) so a loader can point at the row.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import Field, model_validator

from models.assessment import AssessmentConfig
from models.common import DomainModel, Identifier, Label, SaneDate, Sector, TimeStep
from models.credit import (
    AchievementLoan,
    AssetCorrelationModel,
    IPRecoveryModel,
    PDMasterScale,
    RiskSharingPool,
)
from models.factor_shift import FactorShift
from models.market import MarketModel
from models.recovery import RecoverySources
from models.venture import GuidanceFund, StageProfile, SubFund


class CrossReferenceError(ValueError):
    """Several located problems found while checking a whole scenario.

    ``problems`` is a list of ``(location, message)`` with ``location`` a tuple of field
    names and indices, as in pydantic's error locations.
    """

    def __init__(self, problems: list[tuple[tuple[Any, ...], str]]):
        self.problems = problems
        super().__init__("; ".join(f"{'.'.join(map(str, loc))}: {msg}" for loc, msg in problems))


MAX_PATHS = 100_000_000
"""Most Monte Carlo paths one run may ask for (scenario files, the CLI and the run queue)."""
MAX_SEED = 2**63
"""Seeds lie in ``[0, MAX_SEED)``."""


class SimulationSettings(DomainModel):
    """How to simulate: dates, horizon, steps, number of paths and the seed."""

    start_date: SaneDate
    horizon_years: int = Field(12, ge=1, le=40, strict=True)
    time_step: TimeStep = Field(TimeStep.QUARTER, description="venture side step")
    credit_time_step: TimeStep = Field(TimeStep.YEAR, description="credit side step")
    paths: int = Field(10_000, ge=1, le=MAX_PATHS, strict=True)  # strict: `true` is not 1 path
    seed: int | None = Field(20261126, ge=0, lt=MAX_SEED, strict=True)

    @property
    def end_date(self) -> dt.date:
        return self.start_date.replace(year=self.start_date.year + self.horizon_years)


class Scenario(DomainModel):
    """A complete, validated scenario."""

    name: Identifier
    title: Label
    title_zh: str = ""
    description: str = ""
    simulation: SimulationSettings
    market: MarketModel = Field(default_factory=MarketModel)
    guidance_fund: GuidanceFund | None = None
    sub_funds: list[SubFund] = Field(default_factory=list)
    stage_profiles: list[StageProfile] = Field(default_factory=list)
    pd_master_scale: PDMasterScale | None = None
    ip_recovery: IPRecoveryModel = Field(default_factory=IPRecoveryModel)
    recovery_sources: RecoverySources | None = Field(
        None, description="workout recovery from the borrower and the guarantor's credit (None: IP only)")
    asset_correlation: AssetCorrelationModel = Field(
        default_factory=AssetCorrelationModel,
        description="asset correlation R of loans with their sector factor (fixed, per product/sector, or Basel)",
    )
    factor_shift: FactorShift | None = Field(
        None, description="point-in-time stress: shift of the tech-cycle factor over a window (σ units)")
    pools: list[RiskSharingPool] = Field(default_factory=list)
    loans: list[AchievementLoan] = Field(default_factory=list)
    assessment: AssessmentConfig = Field(default_factory=AssessmentConfig)

    @model_validator(mode="after")
    def _cross_references(self) -> Scenario:
        problems: list[tuple[tuple[Any, ...], str]] = []
        sectors = set(self.market.sectors)

        def unique(items: list, attr: str, field: str) -> set:
            seen: set = set()
            for i, item in enumerate(items):
                key = getattr(item, attr)
                if key in seen:
                    problems.append(((field, i, attr), f"duplicate {attr} '{key}'"))
                seen.add(key)
            return seen

        fund_ids = unique(self.sub_funds, "id", "sub_funds")
        del fund_ids
        profile_names = unique(self.stage_profiles, "name", "stage_profiles")
        pool_ids = unique(self.pools, "id", "pools")
        unique(self.loans, "loan_id", "loans")

        if self.sub_funds and self.guidance_fund is None:
            problems.append((("guidance_fund",), "sub-funds are listed but [guidance_fund] is missing"))
        if self.guidance_fund is not None and self.sub_funds:
            total = sum(f.guidance_commitment_cny for f in self.sub_funds)
            if total > self.guidance_fund.size_cny * (1 + 1e-9):
                problems.append(
                    (
                        ("guidance_fund", "size_cny"),
                        f"commitments to sub-funds total {total / 1e8:,.2f}亿元, more than the "
                        f"guidance fund's size {self.guidance_fund.size_cny / 1e8:,.2f}亿元",
                    )
                )
        for i, f in enumerate(self.sub_funds):
            if f.mode.value == "deal_level" and f.stage_profile not in profile_names:
                problems.append(
                    (("sub_funds", i, "stage_profile"),
                     f"stage profile '{f.stage_profile}' is not defined (known: {sorted(profile_names) or 'none'})")
                )
            for s in f.sector_weights:
                if s not in sectors:
                    problems.append(
                        (("sub_funds", i, "sector_weights"), f"sector '{s.value}' has no factor in [market].sectors")
                    )
            if f.vintage < self.simulation.start_date:
                problems.append(
                    (("sub_funds", i, "vintage"),
                     f"vintage {f.vintage} is before the simulation start {self.simulation.start_date}; "
                     "simulate from the earliest vintage (funds already running are assessed with actuals)")
                )
            if f.vintage >= self.simulation.end_date:
                problems.append(
                    (("sub_funds", i, "vintage"),
                     f"vintage {f.vintage} is not before the end of the simulation horizon "
                     f"{self.simulation.end_date}; it would never invest (lengthen horizon_years or drop the fund)")
                )
            if self.guidance_fund is not None and f.vintage < self.guidance_fund.inception:
                problems.append(
                    (("sub_funds", i, "vintage"),
                     f"vintage {f.vintage} is before the guidance fund's inception {self.guidance_fund.inception}")
                )
        scale = self.pd_master_scale
        grades = {g.grade for g in scale.grades} if scale else set()
        for i, loan in enumerate(self.loans):
            if loan.pool_id is not None and loan.pool_id not in pool_ids:
                problems.append(
                    (("loans", i, "pool_id"),
                     f"pool '{loan.pool_id}' does not exist (known: {sorted(pool_ids) or 'none'})")
                )
            if loan.rating is not None and loan.rating not in grades:
                problems.append(
                    (("loans", i, "rating"),
                     f"rating '{loan.rating}' is not on the PD master scale"
                     + ("" if scale else " (the scenario has no pd_master_scale)"))
                )
            if loan.sector not in sectors:
                problems.append((("loans", i, "sector"), f"sector '{loan.sector.value}' has no factor in [market].sectors"))
        for i, pool in enumerate(self.pools):
            prog = pool.lending_programme
            if prog is None:
                continue
            for g in prog.profile.rating_mix:
                if g not in grades:
                    problems.append(
                        (("pools", i, "lending_programme", "profile", "rating_mix"),
                         f"rating '{g}' is not on the PD master scale")
                    )
            for s in prog.profile.sector_weights:
                if s not in sectors:
                    problems.append(
                        (("pools", i, "lending_programme", "profile", "sector_weights"),
                         f"sector '{s.value}' has no factor in [market].sectors")
                    )
        if problems:
            raise CrossReferenceError(problems)
        return self

    # -- convenience -------------------------------------------------------------------
    def stage_profile(self, name: str) -> StageProfile:
        return next(p for p in self.stage_profiles if p.name == name)

    def pool(self, pool_id: str) -> RiskSharingPool:
        return next(p for p in self.pools if p.id == pool_id)

    def loan_pd(self, loan: AchievementLoan) -> float:
        """Annual PD of a loan: its own ``pd``, else its rating's PD on the master scale."""
        if loan.pd is not None:
            return loan.pd
        assert self.pd_master_scale is not None and loan.rating is not None
        return self.pd_master_scale.pd_of(loan.rating)

    @property
    def used_sectors(self) -> set[Sector]:
        out = {s for f in self.sub_funds for s in f.sector_weights}
        out |= {loan.sector for loan in self.loans}
        return out
