"""Configuration of the whole-fund assessment: scorecard, stage-based tolerance, targets.

The assessment itself is computed in ``fundsvc.assessment``; these models only say what to
measure, with which weights and thresholds.
"""

from __future__ import annotations

from enum import StrEnum

from pydantic import Field, model_validator

from models.common import DomainModel, Identifier, Label, Share
from models.venture import FundStage


class Direction(StrEnum):
    HIGHER_IS_BETTER = "higher_is_better"
    LOWER_IS_BETTER = "lower_is_better"


class ScorecardIndicator(DomainModel):
    """One indicator: full marks at ``target``, zero at ``floor``, linear in between."""

    key: Identifier = Field(description="indicator computed by fundsvc.assessment, e.g. 'leverage'")
    label: Label
    label_zh: str = ""
    weight: float = Field(gt=0, le=100)
    direction: Direction = Direction.HIGHER_IS_BETTER
    target: float
    floor: float

    @model_validator(mode="after")
    def _check(self) -> ScorecardIndicator:
        if self.direction is Direction.HIGHER_IS_BETTER and self.floor >= self.target:
            raise ValueError(f"indicator '{self.key}': floor must be below target when higher is better")
        if self.direction is Direction.LOWER_IS_BETTER and self.floor <= self.target:
            raise ValueError(f"indicator '{self.key}': floor must be above target when lower is better")
        return self


class ScorecardCategory(DomainModel):
    key: Identifier
    label: Label
    label_zh: str = ""
    weight: float = Field(gt=0, le=100, description="points of this category out of the total")
    indicators: list[ScorecardIndicator] = Field(min_length=1)


class RatingBand(DomainModel):
    rating: Label
    min_score: float = Field(ge=0, le=100)


class Scorecard(DomainModel):
    """Weighted scorecard (e.g. 政策效应 / 管理效能 / 经济效益). Category weights sum to 100."""

    name: Label = "default"
    source: str = ""
    categories: list[ScorecardCategory] = Field(min_length=1)
    ratings: list[RatingBand] = Field(
        default_factory=lambda: [
            RatingBand(rating="优秀 Excellent", min_score=90),
            RatingBand(rating="良好 Good", min_score=75),
            RatingBand(rating="合格 Pass", min_score=60),
            RatingBand(rating="不合格 Fail", min_score=0),
        ]
    )

    @model_validator(mode="after")
    def _check(self) -> Scorecard:
        total = sum(c.weight for c in self.categories)
        if abs(total - 100) > 1e-6:
            raise ValueError(f"category weights must sum to 100, got {total:.6g}")
        keys = [c.key for c in self.categories]
        dup = sorted({k for k in keys if keys.count(k) > 1})
        if dup:
            raise ValueError(f"categories listed twice: {dup}")
        return self


class ToleranceConfig(DomainModel):
    """Tolerated loss ratio (容亏率) by sub-fund stage, applied to the whole fund by stage mix."""

    source: str = ""
    tolerated_loss_ratio: dict[FundStage, Share] = Field(
        default_factory=lambda: {
            FundStage.SEED: 0.8,
            FundStage.ANGEL: 0.6,
            FundStage.VENTURE: 0.4,
            FundStage.GROWTH: 0.2,
        }
    )
    review_percentile: Share = Field(
        0.1, description="realised results below this simulated percentile warrant review"
    )

    @model_validator(mode="after")
    def _check(self) -> ToleranceConfig:
        missing = [s.value for s in FundStage if s not in self.tolerated_loss_ratio]
        if missing:
            raise ValueError(f"tolerated_loss_ratio is missing stage(s) {missing}")
        return self


class ProgrammeTarget(DomainModel):
    key: Identifier
    label: Label
    label_zh: str = ""
    target: float
    unit: str = ""
    by_year: int = Field(ge=2000, le=2100)


class AssessmentConfig(DomainModel):
    scorecard: Scorecard | None = None
    tolerance: ToleranceConfig = Field(default_factory=ToleranceConfig)
    targets: list[ProgrammeTarget] = Field(default_factory=list)
