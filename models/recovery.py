"""Recoveries beyond the pledged IP: the borrower's own assets in a workout, and the guarantor's credit.

Amounts are fractions of the exposure at default (EAD), rates per year, durations in years.

* :class:`WorkoutRecoveryModel` — what the bank recovers from the defaulted borrower itself
  (cash, receivables, equipment) per product, as a fraction of EAD: Beta-distributed with the
  mean given per product and asset kind, shifted down in bad sector years (probit loading),
  net of workout costs and discounted for the workout time.
* :class:`GuarantorCreditModel` — the guarantor (政策性融资担保) is itself a credit: it fails to
  pay its share with a probability that rises in the same bad years (one-factor Vasicek on the
  borrower's sector factor), and then pays only ``recovery_on_failure`` of what it owes.
* Insurers (保证保险) are assumed always to pay their share (regulated solvency; assumption).

The two sit together in :class:`RecoverySources` (a scenario's ``recovery_sources`` profile).
"""

from __future__ import annotations

from enum import StrEnum

from pydantic import Field, model_validator

from models.common import DomainModel, Identifier, NonNegativeRate, Probability, Share, Years
from models.credit import LoanProduct


class AssetKind(StrEnum):
    """What a workout recovers from the borrower."""

    CASH = "cash"
    RECEIVABLES = "receivables"
    EQUIPMENT = "equipment"


class WorkoutRecoveryModel(DomainModel):
    """Recovery from the defaulted borrower's own assets, per product (fraction of EAD).

    Gross recovery ``W ~ Beta`` with mean ``Σ_kind mean_by_asset[product][kind]`` and concentration
    ``concentration``, probit-shifted by ``factor_loading × z`` (z = the borrower's sector factor in
    the default step; z < 0 lowers it). The net present value is ``W × (1 − cost_share) ×
    (1 + discount_rate)^−workout_years``.
    """

    name: Identifier = "workout"
    sources: list[str] = Field(default_factory=list)
    mean_by_asset: dict[LoanProduct, dict[AssetKind, Share]]
    concentration: float = Field(2.0, gt=0, le=1000)
    factor_loading: float = Field(0.3, ge=0, le=3)
    workout_years: Years = 1.5
    cost_share: Share = 0.1
    discount_rate: NonNegativeRate = Field(0.05, le=1.0)

    @model_validator(mode="after")
    def _check(self) -> WorkoutRecoveryModel:
        missing = [p.value for p in LoanProduct if p not in self.mean_by_asset]
        if missing:
            raise ValueError(f"mean_by_asset is missing product(s) {missing}")
        bad = {p.value: round(self.mean_fraction(p), 6) for p in LoanProduct if not 0 < self.mean_fraction(p) < 1}
        if bad:
            raise ValueError(f"the asset means of each product must add up to strictly between 0 and 1, got {bad}")
        return self

    def mean_fraction(self, product: LoanProduct) -> float:
        """Mean gross recovery (z = 0, before cost and discounting) of ``product``, fraction of EAD."""
        return float(sum(self.mean_by_asset[LoanProduct(product)].values()))

    @property
    def net_factor(self) -> float:
        """``(1 − cost_share)·(1 + discount_rate)^−workout_years``."""
        return (1.0 - self.cost_share) * (1.0 + self.discount_rate) ** (-self.workout_years)


class GuarantorCreditModel(DomainModel):
    """The guarantor as a correlated credit.

    Conditional on the borrower's sector factor ``z`` in the default step, the guarantor fails to
    pay with probability ``Φ((Φ⁻¹(pd) − √R·z)/√(1 − R))`` and then pays ``recovery_on_failure`` of
    its share.
    """

    pd: Probability = Field(0.02, description="annual probability the guarantor fails to pay a called guarantee")
    asset_correlation: float = Field(0.24, ge=0, lt=1)
    recovery_on_failure: Share = 0.3


class RecoverySources(DomainModel):
    """Recoveries other than the pledged IP (the IP model stays :class:`models.credit.IPRecoveryModel`)."""

    name: Identifier = "recovery_sources"
    sources: list[str] = Field(default_factory=list)
    workout: WorkoutRecoveryModel | None = None
    guarantor: GuarantorCreditModel | None = None


__all__ = ["AssetKind", "GuarantorCreditModel", "RecoverySources", "WorkoutRecoveryModel"]
