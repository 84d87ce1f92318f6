"""Tech loans (成果贷 and siblings), IP collateral, PD master scale, recovery and risk-sharing pools.

Amounts in CNY, rates per year, PDs annual, durations in years.
"""

from __future__ import annotations

from enum import StrEnum

from pydantic import Field, model_validator

from models.common import (
    MAX_AMOUNT_CNY,
    AmountCNY,
    DomainModel,
    Identifier,
    Label,
    NonNegativeRate,
    OpenProbability,
    PositiveAmountCNY,
    Probability,
    SaneDate,
    Sector,
    Share,
    Years,
    check_weights,
)


class LoanProduct(StrEnum):
    ACHIEVEMENT = "achievement"  # 成果贷
    SCI_TECH = "sci_tech"  # 科创贷
    TALENT = "talent"  # 人才贷
    OTHER = "other"

    @property
    def label_zh(self) -> str:
        return {"achievement": "成果贷", "sci_tech": "科创贷", "talent": "人才贷", "other": "其他"}[self.value]


class Amortisation(StrEnum):
    BULLET = "bullet"
    EQUAL_PRINCIPAL = "equal_principal"
    ANNUITY = "annuity"


class FirmSize(StrEnum):
    MICRO = "micro"
    SMALL = "small"
    MEDIUM = "medium"
    LARGE = "large"


class IPType(StrEnum):
    INVENTION_PATENT = "invention_patent"  # 发明专利
    UTILITY_MODEL = "utility_model"  # 实用新型
    DESIGN_PATENT = "design_patent"  # 外观设计
    SOFTWARE_COPYRIGHT = "software_copyright"  # 软件著作权
    TRADEMARK = "trademark"  # 商标


class Party(StrEnum):
    """Who bears a share of a defaulted loan's loss."""

    POOL = "pool"  # government risk-compensation pool (风险补偿资金池)
    GUARANTOR = "guarantor"  # 政策性融资担保
    BANK = "bank"
    INSURER = "insurer"  # 保证保险


class SharingRule(StrEnum):
    PRO_RATA = "pro_rata"
    """Each party bears its share of the net loss at once."""
    POOL_FIRST = "pool_first"
    """The pool pays its share (up to the caps) first; what it cannot pay falls on the bank."""


class LossBasis(StrEnum):
    PRINCIPAL = "principal"
    PRINCIPAL_AND_INTEREST = "principal_and_interest"


class ReplenishmentRule(StrEnum):
    NONE = "none"
    FIXED_ANNUAL = "fixed_annual"  # add amount_cny every year
    TOP_UP_TO_INITIAL = "top_up_to_initial"  # restore the initial balance, at most amount_cny a year
    SHARE_OF_PAYOUTS = "share_of_payouts"  # replace `share` of last year's payouts


class CorrelationMethod(StrEnum):
    """How the asset correlation R of a loan is set when no override applies."""

    FIXED = "fixed"
    """``default`` for every loan."""
    BASEL_CORPORATE = "basel_corporate"
    """Basel IRB corporate formula in the loan's PD (with the SME firm-size adjustment when
    ``sme_firm_size_adjustment`` is on and the loan has ``annual_revenue_cny``)."""
    BASEL_OTHER_RETAIL = "basel_other_retail"
    """Basel IRB other-retail formula in the loan's PD."""


class AssetCorrelationModel(DomainModel):
    """Asset correlation R of each loan with its sector factor (one-factor Gaussian copula).

    Precedence: the loan's own ``asset_correlation``; else ``by_product``; else ``by_sector``;
    else ``method`` (``default`` for FIXED, the Basel formula otherwise). The conditional PD
    given the sector factor z is ``Φ((Φ⁻¹(PD) − √R·z)/√(1−R))``.
    """

    method: CorrelationMethod = CorrelationMethod.FIXED
    default: float = Field(0.12, ge=0, lt=1, description="R when method is fixed")
    by_product: dict[LoanProduct, float] = Field(default_factory=dict)
    by_sector: dict[Sector, float] = Field(default_factory=dict)
    sme_firm_size_adjustment: bool = Field(
        True, description="apply the Basel SME firm-size adjustment (needs annual_revenue_cny)"
    )

    @model_validator(mode="after")
    def _check(self) -> AssetCorrelationModel:
        for name in ("by_product", "by_sector"):
            bad = {str(k): v for k, v in getattr(self, name).items() if not 0 <= v < 1}
            if bad:
                raise ValueError(f"{name} correlations must lie in [0, 1), got {bad}")
        return self


class IPCollateral(DomainModel):
    """Pledged intellectual property (知识产权质押)."""

    ip_type: IPType = IPType.INVENTION_PATENT
    appraised_value_cny: PositiveAmountCNY
    n_items: int = Field(1, ge=1, le=10_000, description="number of patents/copyrights pledged")


class PDGrade(DomainModel):
    grade: Identifier
    pd: OpenProbability


class PDMasterScale(DomainModel):
    """Rating master scale: grade → annual PD. Grades must be listed from best to worst."""

    name: Identifier
    sources: list[str] = Field(default_factory=list)
    grades: list[PDGrade]

    @model_validator(mode="after")
    def _check(self) -> PDMasterScale:
        names = [g.grade for g in self.grades]
        dup = sorted({n for n in names if names.count(n) > 1})
        if dup:
            raise ValueError(f"grades listed twice: {dup}")
        pds = [g.pd for g in self.grades]
        if any(b <= a for a, b in zip(pds, pds[1:])):
            raise ValueError("grade PDs must increase strictly from the best to the worst grade")
        return self

    def pd_of(self, grade: str) -> float:
        for g in self.grades:
            if g.grade == grade:
                return g.pd
        raise KeyError(grade)


class IPRecoveryModel(DomainModel):
    """What selling pledged IP (质物处置) realises, how late and at what cost.

    Realised value / appraised value ~ Beta with mean ``mean_fraction`` and concentration
    ``concentration`` (alpha + beta), shifted down in downturns by ``factor_loading`` (probit
    shift per unit of the borrower's sector factor). Disposal takes a Gamma-distributed time
    with mean ``mean_disposal_years`` and coefficient of variation ``disposal_years_cv``;
    ``disposal_cost_share`` of the proceeds goes on costs; proceeds are discounted at
    ``discount_rate`` per year. ``p_no_sale`` is the chance the IP cannot be sold at all.
    """

    name: Identifier = "default"
    sources: list[str] = Field(default_factory=list)
    mean_fraction: dict[IPType, Probability] = Field(
        default_factory=lambda: {
            IPType.INVENTION_PATENT: 0.2,
            IPType.UTILITY_MODEL: 0.1,
            IPType.DESIGN_PATENT: 0.08,
            IPType.SOFTWARE_COPYRIGHT: 0.1,
            IPType.TRADEMARK: 0.15,
        }
    )
    concentration: float = Field(4.0, gt=0, le=1000)
    p_no_sale: Probability = 0.3
    factor_loading: float = Field(0.3, ge=0, le=3)
    mean_disposal_years: Years = 1.5
    disposal_years_cv: float = Field(0.5, gt=0, le=5)
    disposal_cost_share: Share = 0.1
    discount_rate: NonNegativeRate = Field(0.05, le=1.0)

    @model_validator(mode="after")
    def _check(self) -> IPRecoveryModel:
        missing = [t.value for t in IPType if t not in self.mean_fraction]
        if missing:
            raise ValueError(f"mean_fraction is missing IP type(s) {missing}")
        bad = {t.value: v for t, v in self.mean_fraction.items() if not 0 < v < 1}
        if bad:
            raise ValueError(f"mean_fraction must lie strictly between 0 and 1, got {bad}")
        return self


class AchievementLoan(DomainModel):
    """One tech loan (成果贷 / 科创贷 / 人才贷 …): one row of a loan book.

    Either ``pd`` (annual) or ``rating`` (a grade of the scenario's master scale) is given.
    ``guarantee_share`` and ``insurance_share`` are the guarantor's and insurer's shares of
    the loss when the loan is *not* in a pool; inside a pool the pool's sharing rule applies.
    """

    loan_id: Identifier
    product: LoanProduct = LoanProduct.ACHIEVEMENT
    bank: Identifier
    borrower: str = ""
    sector: Sector
    firm_size: FirmSize = FirmSize.SMALL
    annual_revenue_cny: float | None = Field(None, ge=0, le=MAX_AMOUNT_CNY, allow_inf_nan=False, description="for the Basel SME firm-size adjustment")
    amount_cny: PositiveAmountCNY
    origination: SaneDate
    maturity: SaneDate
    amortisation: Amortisation = Amortisation.BULLET
    rate: NonNegativeRate = Field(le=0.36, description="contract interest rate per year")
    pd: OpenProbability | None = None
    rating: Identifier | None = None
    pool_id: Identifier | None = None
    guarantee_share: Share = 0.0
    insurance_share: Share = 0.0
    ip: IPCollateral | None = None
    asset_correlation: float | None = Field(
        None, ge=0, lt=1, description="asset correlation R of this loan (overrides the scenario's model)"
    )

    @model_validator(mode="after")
    def _check(self) -> AchievementLoan:
        if self.maturity <= self.origination:
            raise ValueError(
                f"maturity {self.maturity.isoformat()} is not after origination {self.origination.isoformat()}"
            )
        if self.pd is None and self.rating is None:
            raise ValueError("either pd or rating is required")
        if self.guarantee_share + self.insurance_share > 1 + 1e-9:
            raise ValueError(
                f"guarantee_share + insurance_share = {self.guarantee_share + self.insurance_share:.4g} exceeds 1"
            )
        return self

    @property
    def term_years(self) -> float:
        return (self.maturity - self.origination).days / 365.0

    @property
    def pledge_rate(self) -> float | None:
        """Loan amount ÷ appraised IP value (质押率), or None without IP."""
        return None if self.ip is None else self.amount_cny / self.ip.appraised_value_cny


class LoanProfile(DomainModel):
    """How the lending programme's new loans look (drawn by the engine each year).

    Amounts lognormal (median ``median_amount_cny``, log-sd ``amount_sigma``); ratings drawn
    from ``rating_mix`` (grades of the master scale); sectors from ``sector_weights``;
    IP appraisal = amount ÷ ``pledge_rate``.
    """

    product_mix: dict[LoanProduct, Share] = Field(
        default_factory=lambda: {LoanProduct.ACHIEVEMENT: 0.5, LoanProduct.SCI_TECH: 0.35, LoanProduct.TALENT: 0.15}
    )
    median_amount_cny: PositiveAmountCNY = 3_000_000
    amount_sigma: float = Field(0.6, ge=0, le=3)
    term_years: Years = 2
    amortisation: Amortisation = Amortisation.BULLET
    rate: NonNegativeRate = Field(0.04, le=0.36)
    rating_mix: dict[str, Share]
    sector_weights: dict[Sector, Share]
    pledge_rate: float = Field(0.4, gt=0, le=5, description="loan amount / IP appraisal")
    ip_type: IPType = IPType.INVENTION_PATENT

    @model_validator(mode="after")
    def _check(self) -> LoanProfile:
        check_weights(self.product_mix, "product_mix")
        check_weights(self.rating_mix, "rating_mix")
        check_weights(self.sector_weights, "sector_weights")
        return self


class LendingProgramme(DomainModel):
    """New lending each year against the pool's quota (balance × leverage multiplier)."""

    years: int = Field(5, ge=0, le=50, description="number of years new loans are originated")
    quota_utilisation: Share = Field(0.8, description="share of the free quota lent each year")
    banks: dict[Identifier, Share] = Field(description="share of new lending by bank")
    profile: LoanProfile

    @model_validator(mode="after")
    def _check(self) -> LendingProgramme:
        check_weights(self.banks, "banks")
        return self


class SuspensionTriggers(DomainModel):
    """Thresholds on the pool's book that stop compensation or new lending (None = no trigger)."""

    npl_ratio_stop_compensation: Probability | None = None
    npl_ratio_stop_lending: Probability | None = 0.05
    loss_ratio_stop_lending: Probability | None = Field(
        None, description="cumulative payouts ÷ initial balance above which new lending stops"
    )


class Replenishment(DomainModel):
    rule: ReplenishmentRule = ReplenishmentRule.NONE
    amount_cny: AmountCNY = 0.0
    share: Share = 0.0


class RiskSharingPool(DomainModel):
    """A government risk-compensation pool (风险补偿资金池).

    ``funders`` maps each funding party (e.g. ``municipal_finance``) to its contribution (CNY);
    the initial balance is their sum. ``shares`` splits each covered loss between the pool,
    the guarantor, the bank and the insurer and must sum to 1 (e.g. 4:4:2 → 0.4, 0.4, 0.2).
    """

    id: Identifier
    name: Label
    name_zh: str = ""
    level: str = Field("city", description="city / district / province")
    funders: dict[Identifier, PositiveAmountCNY]
    shares: dict[Party, Share]
    sharing_rule: SharingRule = SharingRule.PRO_RATA
    per_loan_cap_cny: AmountCNY | None = Field(None, description="most the pool pays for one loan")
    loss_basis: LossBasis = LossBasis.PRINCIPAL
    interest_rate: NonNegativeRate = Field(0.015, le=1.0, description="interest earned on the balance per year")
    replenishment: Replenishment = Field(default_factory=Replenishment)
    suspension: SuspensionTriggers = Field(default_factory=SuspensionTriggers)
    leverage_multiplier: float = Field(10.0, gt=0, le=50, description="loan quota = balance × multiplier")
    lending_programme: LendingProgramme | None = None

    @model_validator(mode="after")
    def _check(self) -> RiskSharingPool:
        check_weights(self.shares, "shares")
        return self

    @property
    def initial_balance_cny(self) -> float:
        return float(sum(self.funders.values()))


__all__ = [
    "AchievementLoan",
    "Amortisation",
    "AssetCorrelationModel",
    "CorrelationMethod",
    "FirmSize",
    "IPCollateral",
    "IPRecoveryModel",
    "IPType",
    "LendingProgramme",
    "LoanProduct",
    "LoanProfile",
    "LossBasis",
    "PDGrade",
    "PDMasterScale",
    "Party",
    "Replenishment",
    "ReplenishmentRule",
    "RiskSharingPool",
    "SharingRule",
    "SuspensionTriggers",
]
