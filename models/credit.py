"""Tech loans (成果贷 and siblings), IP collateral, PD master scale, recovery and risk-sharing pools.

Amounts in CNY, rates per year, PDs annual, durations in years.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Any, Literal

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
from models.pool_rule_sets import apply_rule_set


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
    first_loan: bool = Field(False, description="the firm's first bank loan (首贷), for tiered compensation rates")
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
    """Thresholds on the pool's book that stop compensation or new lending (None = no trigger).

    Shorthand for :class:`Trigger` entries: the NPL triggers hold while the ratio is above the
    threshold (reset ``immediate``); the cumulative-loss trigger never resets (``never``). Use
    ``triggers`` on the pool for other reset rules.
    """

    npl_ratio_stop_compensation: Probability | None = None
    npl_ratio_stop_lending: Probability | None = 0.05
    loss_ratio_stop_lending: Probability | None = Field(
        None, description="cumulative payouts ÷ initial balance above which new lending stops"
    )


class Replenishment(DomainModel):
    rule: ReplenishmentRule = ReplenishmentRule.NONE
    amount_cny: AmountCNY = 0.0
    share: Share = 0.0


# ------------------------------------------------------------------ pool rules (components)
# Each rule below is parameter data; its behaviour is one class in fundsvc.credit.pools.rules,
# found by the model's type (a registry there). A new rule = a model here + a class there.


class EnhancedCase(StrEnum):
    """Loans that get the enhanced compensation rate."""

    FIRST_LOAN = "first_loan"  # 首贷: the firm's first bank loan
    IP_PLEDGE = "ip_pledge"  # 知识产权质押贷款
    PURE_CREDIT = "pure_credit"  # 纯信用贷款: no IP, guarantee or insurance


class CompensationRate(DomainModel):
    """The pool's share of each covered loss, by loan (overrides ``shares['pool']``; the bank takes
    the difference). ``enhanced_rate`` applies to loans of any of the ``enhanced_for`` cases."""

    kind: Literal["tiered"] = "tiered"
    base_rate: Share
    enhanced_rate: Share | None = None
    enhanced_for: list[EnhancedCase] = Field(default_factory=list)


class PerLoanCap(DomainModel):
    """The pool pays at most ``amount_cny`` for one loan."""

    kind: Literal["per_loan_amount"] = "per_loan_amount"
    amount_cny: AmountCNY


class NonPerformingShareCap(DomainModel):
    """The pool pays at most ``share`` of the loan's non-performing balance (its exposure at default)."""

    kind: Literal["share_of_non_performing"] = "share_of_non_performing"
    share: Share


class CumulativeLossCap(DomainModel):
    """Cumulative payouts at most ``share`` of the cumulative net loss (exposure − recovery) of the
    pool's defaulted loans — what the lenders actually bore before compensation."""

    kind: Literal["cumulative_share_of_loss"] = "cumulative_share_of_loss"
    share: Share


CoverCap = Annotated[PerLoanCap | NonPerformingShareCap | CumulativeLossCap, Field(discriminator="kind")]


class TriggerMetric(StrEnum):
    NPL_RATIO = "npl_ratio"
    """Principal defaulting in the trailing year ÷ pooled principal at risk in that year."""
    CUMULATIVE_LOSS_RATIO = "cumulative_loss_ratio"
    """Cumulative payouts (since the last reset) ÷ initial balance."""


class Suspends(StrEnum):
    COMPENSATION = "compensation"
    LENDING = "lending"


class ImmediateReset(DomainModel):
    """Paused exactly while the metric is above the threshold."""

    kind: Literal["immediate"] = "immediate"


class HysteresisReset(DomainModel):
    """Once paused, resumes only when the metric falls to ``resume_below`` or less."""

    kind: Literal["hysteresis"] = "hysteresis"
    resume_below: Probability


class NeverReset(DomainModel):
    """Once paused, stays paused for the rest of the horizon."""

    kind: Literal["never"] = "never"


class ReplenishmentReset(DomainModel):
    """Paused until the pool is next replenished; a replenishment also restarts cumulative metrics."""

    kind: Literal["on_replenishment"] = "on_replenishment"


ResetRule = Annotated[ImmediateReset | HysteresisReset | NeverReset | ReplenishmentReset, Field(discriminator="kind")]


class Trigger(DomainModel):
    """Pause of new compensation or new lending when a metric of the pool's book passes ``threshold``
    (checked on the metric at the end of the previous step), with its reset rule."""

    metric: TriggerMetric
    threshold: float = Field(ge=0, allow_inf_nan=False)
    suspends: Suspends
    reset: ResetRule = Field(default_factory=ImmediateReset)

    @model_validator(mode="after")
    def _check(self) -> Trigger:
        if isinstance(self.reset, HysteresisReset) and self.reset.resume_below > self.threshold:
            raise ValueError(f"reset.resume_below {self.reset.resume_below} is above the threshold {self.threshold}")
        return self


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
    rule_set: str | None = Field(None, description="bundled rule set (models.pool_rule_sets) filling unset rule fields")
    funders: dict[Identifier, PositiveAmountCNY]
    size_cny: PositiveAmountCNY | None = Field(None, description="pool size, split by funding_shares when funders is not given")
    funding_shares: dict[Identifier, Share] | None = Field(None, description="each funder's share of the pool")
    shares: dict[Party, Share]
    sharing_rule: SharingRule = SharingRule.PRO_RATA
    per_loan_cap_cny: AmountCNY | None = Field(None, description="most the pool pays for one loan")
    loss_basis: LossBasis = LossBasis.PRINCIPAL
    interest_rate: NonNegativeRate = Field(0.015, le=1.0, description="interest earned on the balance per year")
    replenishment: Replenishment = Field(default_factory=Replenishment)
    suspension: SuspensionTriggers = Field(default_factory=SuspensionTriggers)
    compensation: CompensationRate | None = Field(None, description="per-loan pool share (default: shares['pool'])")
    caps: list[CoverCap] = Field(default_factory=list, description="limits on what the pool pays")
    triggers: list[Trigger] = Field(default_factory=list, description="pauses with explicit reset rules")
    leverage_multiplier: float = Field(10.0, gt=0, le=50, description="loan quota = balance × multiplier")
    lending_programme: LendingProgramme | None = None

    @model_validator(mode="before")
    @classmethod
    def _fill(cls, data: Any) -> Any:
        data = apply_rule_set(data)
        if isinstance(data, dict) and "funders" not in data and data.get("funding_shares") and data.get("size_cny"):
            size = float(data["size_cny"])
            data = {**data, "funders": {k: size * float(v) for k, v in data["funding_shares"].items() if float(v) > 0}}
        return data

    @model_validator(mode="after")
    def _check(self) -> RiskSharingPool:
        check_weights(self.shares, "shares")
        if self.funding_shares is not None:
            check_weights(self.funding_shares, "funding_shares")
            total = self.initial_balance_cny
            for k, v in self.funding_shares.items():
                got = self.funders.get(k, 0.0) / total
                if abs(got - v) > 1e-6:
                    raise ValueError(f"funders['{k}'] is {got:.4g} of the pool but funding_shares says {v:.4g}")
            extra = sorted(set(self.funders) - set(self.funding_shares))
            if extra:
                raise ValueError(f"funders {extra} have no funding_shares entry")
        if self.size_cny is not None and abs(self.size_cny - self.initial_balance_cny) > 1e-6 * self.size_cny:
            raise ValueError(f"size_cny {self.size_cny:.6g} differs from the funders' sum {self.initial_balance_cny:.6g}")
        return self

    @property
    def initial_balance_cny(self) -> float:
        return float(sum(self.funders.values()))

    def all_caps(self) -> list:
        """``caps`` plus ``per_loan_cap_cny`` as a :class:`PerLoanCap`."""
        extra = [] if self.per_loan_cap_cny is None else [PerLoanCap(amount_cny=self.per_loan_cap_cny)]
        return extra + list(self.caps)

    def all_triggers(self) -> list[Trigger]:
        """``triggers`` plus the ``suspension`` shorthand (its defaults are ignored when the pool
        lists ``triggers`` and does not set ``suspension`` itself)."""
        out = list(self.triggers)
        if self.triggers and "suspension" not in self.model_fields_set:
            return out
        s = self.suspension
        for value, metric, what, reset in (
            (s.npl_ratio_stop_compensation, TriggerMetric.NPL_RATIO, Suspends.COMPENSATION, ImmediateReset()),
            (s.npl_ratio_stop_lending, TriggerMetric.NPL_RATIO, Suspends.LENDING, ImmediateReset()),
            (s.loss_ratio_stop_lending, TriggerMetric.CUMULATIVE_LOSS_RATIO, Suspends.LENDING, NeverReset()),
        ):
            if value is not None:
                out.append(Trigger(metric=metric, threshold=value, suspends=what, reset=reset))
        return out


__all__ = [
    "AchievementLoan",
    "Amortisation",
    "AssetCorrelationModel",
    "CompensationRate",
    "CorrelationMethod",
    "CoverCap",
    "CumulativeLossCap",
    "EnhancedCase",
    "FirmSize",
    "HysteresisReset",
    "IPCollateral",
    "IPRecoveryModel",
    "IPType",
    "ImmediateReset",
    "LendingProgramme",
    "LoanProduct",
    "LoanProfile",
    "LossBasis",
    "NeverReset",
    "NonPerformingShareCap",
    "PDGrade",
    "PDMasterScale",
    "Party",
    "PerLoanCap",
    "Replenishment",
    "ReplenishmentReset",
    "ReplenishmentRule",
    "ResetRule",
    "RiskSharingPool",
    "SharingRule",
    "Suspends",
    "SuspensionTriggers",
    "Trigger",
    "TriggerMetric",
]
