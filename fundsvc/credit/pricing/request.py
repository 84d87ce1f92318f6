"""The inputs of a loan-pricing request, validated with messages a credit officer can act on.

Units: amounts in CNY, rates per year as decimals (0.045 is 4.5 % a year), shares and
probabilities as decimals, the term in years. Defaults for the bank's cost figures are
illustrative round numbers, not market data; pass your own.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic import Field, ValidationError, model_validator

from fundsvc.credit.pricing.mitigation import (
    AIRB_LGD_FLOOR_UNSECURED,
    FIRB_LGD_SENIOR_UNSECURED,
    RW_POOL_DEFAULT,
    CRMMethod,
    IRBApproach,
)
from fundsvc.credit.pricing.recovery_expectation import DOWNTURN_Z, LGDMode
from fundsvc.credit.pricing.regulatory_capital import (
    RW_REGULATORY_RETAIL,
    CapitalMethod,
    SizeThresholds,
)
from fundsvc.errors import InputError, Problem
from models.common import AmountCNY, DomainModel, OpenProbability, PositiveAmountCNY, Share
from models.credit import (
    Amortisation,
    IPRecoveryModel,
    IPType,
    LoanProduct,
    Party,
    PDMasterScale,
    RiskSharingPool,
)
from models.recovery import RecoverySources

__all__ = ["PricingRequest", "make_request"]

SOURCE = "<input>"


class PricingRequest(DomainModel):
    """One loan to price (see :func:`fundsvc.credit.price_loan` for the formulas).

    Give the annual PD either directly (``pd``) or as a ``rating`` on ``master_scale``. Give the
    loss either as ``lgd`` (after collateral, before sharing) or through pledged IP
    (``ip_appraisal_cny`` or ``pledge_rate``, with ``ip_type`` and the ``recovery`` model). Give
    the pool's cover either as a :class:`RiskSharingPool` (``pool``; its ``shares`` then also set
    the guarantor's and insurer's shares, and its ``per_loan_cap_cny`` the cap) or as
    ``pool_share`` with an optional ``pool_cap_cny``. ``pool_pay_probability`` is the chance the
    pool actually pays when the loan defaults (e.g. 1 − its depletion probability).
    """

    # loan
    amount_cny: PositiveAmountCNY = Field(description="loan amount, CNY")
    term_years: float = Field(gt=0, le=30, allow_inf_nan=False, description="term in years")
    amortisation: Amortisation = Amortisation.BULLET
    quoted_rate: float | None = Field(None, ge=0, le=1, allow_inf_nan=False,
                                      description="contract rate offered, per year")
    # default probability
    pd: OpenProbability | None = Field(None, description="annual PD")
    rating: str | None = Field(None, min_length=1, max_length=64)
    master_scale: PDMasterScale | None = None
    # loss given default
    lgd: Share | None = Field(None, description="LGD after collateral, before sharing (instead of IP inputs)")
    ip_appraisal_cny: PositiveAmountCNY | None = None
    pledge_rate: float | None = Field(None, ge=1e-3, le=10, allow_inf_nan=False,
                                      description="loan amount ÷ IP appraisal (质押率), 0.001 to 10")
    ip_type: IPType = IPType.INVENTION_PATENT
    recovery: IPRecoveryModel = Field(default_factory=IPRecoveryModel)
    unsecured_recovery_rate: Share = Field(0.0, description="share of EAD recovered from other sources")
    product: LoanProduct = LoanProduct.ACHIEVEMENT
    recovery_sources: RecoverySources | None = Field(
        None, description="workout recovery and guarantor credit of the engine (a scenario's recovery_sources)")
    lgd_mode: LGDMode | None = Field(
        None, description="average (closed form), default_weighted or downturn (engine model); "
                          "default: default_weighted with recovery_sources, else average")
    downturn_z: float = Field(DOWNTURN_Z, ge=-6, le=0, allow_inf_nan=False,
                              description="sector factor of the downturn LGD (default Φ⁻¹(0.05))")
    recovery_correlation: float = Field(0.12, ge=0, lt=1, allow_inf_nan=False,
                                        description="asset correlation weighting recoveries by default states")
    # sharing
    guarantee_share: Share = 0.0
    insurance_share: Share = 0.0
    pool: RiskSharingPool | None = None
    pool_share: Share = 0.0
    pool_cap_cny: AmountCNY | None = None
    pool_pay_probability: Share = 1.0
    # bank economics
    funding_cost_rate: float = Field(0.02, ge=-0.05, le=1, allow_inf_nan=False)
    operating_cost_rate: float = Field(0.01, ge=0, le=1, allow_inf_nan=False)
    tax_rate: float = Field(0.25, ge=0, lt=1, allow_inf_nan=False)
    hurdle_rate: float = Field(0.10, ge=-0.5, le=2, allow_inf_nan=False, description="target RAROC")
    capital_return_rate: float | None = Field(
        None, ge=-0.05, le=1, allow_inf_nan=False,
        description="return earned on the capital (default: the funding cost rate it saves)")
    # capital
    capital_method: CapitalMethod = CapitalMethod.STANDARDISED
    risk_weight: float = Field(RW_REGULATORY_RETAIL, ge=0, le=12.5, allow_inf_nan=False,
                               description="standardised risk weight (0.75 = 75 %)")
    capital_ratio: float = Field(0.105, gt=0, le=1, allow_inf_nan=False,
                                 description="capital per CNY of risk-weighted assets")
    annual_revenue_cny: float | None = Field(None, ge=0, allow_inf_nan=False,
                                             description="borrower's annual revenue for the SME adjustment")
    size_thresholds: SizeThresholds = SizeThresholds.CN_NFRA_2023
    sme_thresholds_cny: tuple[float, float] | None = Field(None, description="custom (lower, upper) sales, CNY")
    asset_correlation: float | None = Field(None, gt=0, lt=1, allow_inf_nan=False)
    irb_lgd: Share | None = Field(None, description="LGD for the IRB formula (e.g. 0.45 foundation)")
    irb_maturity_years: float | None = Field(None, gt=0, le=30, allow_inf_nan=False)
    irb_pd_floor: Share = 0.0005
    irb_approach: IRBApproach = Field(IRBApproach.ADVANCED, description="advanced (own LGD, floored) or foundation")
    lgd_floor: Share = Field(AIRB_LGD_FLOOR_UNSECURED, description="A-IRB LGD floor (25 % unsecured, CRE32.16)")
    foundation_lgd: Share = Field(FIRB_LGD_SENIOR_UNSECURED, description="F-IRB supervisory LGD")
    crm: CRMMethod | None = Field(
        None, description="how the pool counts for capital: none, substitution or lgd_adjustment "
                          "(default: lgd_adjustment under IRB, none otherwise)")
    pool_risk_weight: float = Field(RW_POOL_DEFAULT, ge=0, le=12.5, allow_inf_nan=False,
                                    description="risk weight of the pool as protection provider (substitution)")
    economic_capital_rate: float | None = Field(None, ge=0, le=1, allow_inf_nan=False)
    economic_capital_rate_without_pool: float | None = Field(None, ge=0, le=1, allow_inf_nan=False)

    @model_validator(mode="after")
    def _check(self) -> PricingRequest:
        problems: list[tuple[tuple[Any, ...], str]] = []
        add = lambda field, msg: problems.append(((field,), msg))

        if self.pd is None and self.rating is None:
            add("pd", "give the annual PD (pd) or a rating on a master scale")
        elif self.pd is not None and self.rating is not None:
            add("rating", "give either pd or rating, not both")
        elif self.rating is not None:
            if self.master_scale is None:
                add("rating", f"rating '{self.rating}' needs a master scale (e.g. a scenario's pd_master_scale)")
            elif self.rating not in {g.grade for g in self.master_scale.grades}:
                grades = ", ".join(g.grade for g in self.master_scale.grades)
                add("rating", f"unknown rating '{self.rating}': master scale '{self.master_scale.name}' "
                              f"has grades {grades}")

        if self.ip_appraisal_cny is not None and self.pledge_rate is not None:
            add("pledge_rate", "give either ip_appraisal_cny or pledge_rate, not both")
        if self.lgd is not None and (self.ip_appraisal_cny is not None or self.pledge_rate is not None):
            add("lgd", "give either lgd or the IP collateral (ip_appraisal_cny / pledge_rate), not both")

        if self.pool is not None:
            if self.pool_share or self.pool_cap_cny is not None:
                add("pool_share", "pool_share and pool_cap_cny come from the pool; do not give them as well")
            if self.guarantee_share or self.insurance_share:
                add("guarantee_share", "inside a pool the pool's shares set the guarantor's and insurer's "
                                       "shares; do not give guarantee_share / insurance_share as well")
        g, s, p = self.sharing_shares
        if g + s + p > 1 + 1e-9:
            add("pool_share", f"guarantee + insurance + pool shares = {g + s + p:.4g} exceed 1")

        if self.effective_lgd_mode is not LGDMode.AVERAGE:
            if self.lgd is not None:
                add("lgd_mode", f"lgd_mode '{self.effective_lgd_mode.value}' uses the recovery model; "
                                "a given lgd has no factor dependence (use lgd_mode average or drop lgd)")
            if self.unsecured_recovery_rate:
                add("unsecured_recovery_rate", "with the engine's recovery model the workout model "
                                               "(recovery_sources.workout) replaces unsecured_recovery_rate; give 0")
        if self.crm is CRMMethod.LGD_ADJUSTMENT and self.capital_method is not CapitalMethod.IRB:
            add("crm", f"lgd_adjustment needs the IRB capital method (the {self.capital_method.value} "
                       "method has no LGD); use none or substitution")
        if self.crm is not None and self.capital_method is CapitalMethod.ECONOMIC:
            add("crm", "economic capital comes from the simulation (pass economic_capital_rate_without_pool "
                       "for the pool's capital effect); do not give crm")
        if self.sme_thresholds_cny is not None:
            lo, hi = self.sme_thresholds_cny
            if not (0 <= lo < hi):
                add("sme_thresholds_cny", f"need 0 ≤ lower < upper (CNY); got ({lo:g}, {hi:g})")
        if self.asset_correlation is not None and self.annual_revenue_cny is not None:
            add("asset_correlation", "an asset correlation override replaces the firm-size adjustment; "
                                     "give asset_correlation or annual_revenue_cny, not both")
        if self.capital_method is CapitalMethod.ECONOMIC and self.economic_capital_rate is None:
            add("economic_capital_rate", "the economic capital method needs economic_capital_rate "
                                         "(capital per CNY of exposure, e.g. the loan's ES contribution)")
        if problems:
            from models.scenario import CrossReferenceError  # here: the scenario models load only on error

            raise CrossReferenceError(problems)
        return self

    # ---- derived inputs -------------------------------------------------------------------
    @property
    def effective_crm(self) -> CRMMethod:
        """``crm``, defaulting to LGD adjustment under IRB and to no recognition otherwise."""
        if self.crm is not None:
            return self.crm
        return CRMMethod.LGD_ADJUSTMENT if self.capital_method is CapitalMethod.IRB else CRMMethod.NONE

    @property
    def effective_lgd_mode(self) -> LGDMode:
        """``lgd_mode``, defaulting to default-weighted with recovery sources, else average."""
        if self.lgd_mode is not None:
            return self.lgd_mode
        return LGDMode.DEFAULT_WEIGHTED if self.recovery_sources is not None else LGDMode.AVERAGE

    @property
    def annual_pd(self) -> float:
        """Annual PD, from ``pd`` or the rating's grade on the master scale."""
        if self.pd is not None:
            return self.pd
        assert self.master_scale is not None and self.rating is not None
        return self.master_scale.pd_of(self.rating)

    @property
    def ip_value_cny(self) -> float | None:
        """IP appraisal in CNY (``amount / pledge_rate`` when a pledge rate is given), or None."""
        if self.ip_appraisal_cny is not None:
            return self.ip_appraisal_cny
        if self.pledge_rate is not None:
            return self.amount_cny / self.pledge_rate
        return None

    @property
    def sharing_shares(self) -> tuple[float, float, float]:
        """``(guarantee, insurance, pool)`` shares of the net loss."""
        if self.pool is not None:
            sh = self.pool.shares
            return (sh.get(Party.GUARANTOR, 0.0), sh.get(Party.INSURER, 0.0), sh.get(Party.POOL, 0.0))
        return (self.guarantee_share, self.insurance_share, self.pool_share)

    @property
    def pool_cap(self) -> float | None:
        """Per-loan cap on the pool's payment, CNY, or None."""
        return self.pool.per_loan_cap_cny if self.pool is not None else self.pool_cap_cny

    @property
    def capital_return(self) -> float:
        """Return on capital: ``capital_return_rate``, default the funding cost rate."""
        return self.funding_cost_rate if self.capital_return_rate is None else self.capital_return_rate


def _dotted(loc: tuple[Any, ...]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else ("." if out else "") + str(part)
    return out


def make_request(request: PricingRequest | Mapping[str, Any] | None = None, **fields: Any) -> PricingRequest:
    """Build (or pass through) a :class:`PricingRequest`, raising :class:`InputError` on bad input.

    Parameters
    ----------
    request : PricingRequest or mapping, optional
        A ready request, or its fields as a mapping (updated by ``fields``).
    **fields
        Request fields by name.

    Raises
    ------
    InputError
        Every problem found, each with the field it concerns.
    """
    if isinstance(request, PricingRequest) and not fields:
        return request
    data: dict[str, Any] = {}
    if isinstance(request, PricingRequest):
        data.update(request.model_dump(exclude_unset=True))
    elif request is not None:
        data.update(request)
    data.update(fields)
    try:
        return PricingRequest.model_validate(data)
    except ValidationError as exc:
        raise InputError(_problems(exc)) from None


def _problems(exc: ValidationError) -> list[Problem]:
    # local import keeps fundsvc.inputs (polars, TOML) off the import path of the pricing core
    from fundsvc.inputs.problems import problems_from_validation

    return problems_from_validation(exc, lambda loc: (SOURCE, _dotted(loc)))
