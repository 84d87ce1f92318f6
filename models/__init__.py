"""Domain models of fundsvc (pydantic v2): pure data and validation, no IO, no engines.

Amounts in CNY, rates per year as decimals, durations in years.
"""

from models.assessment import (
    AssessmentConfig, Direction, ProgrammeTarget, RatingBand, Scorecard, ScorecardCategory,
    ScorecardIndicator, ToleranceConfig,
)
from models.common import PRIORITY_SECTORS, WAN, YI, DomainModel, Sector, TimeStep
from models.credit import (
    AchievementLoan, Amortisation, FirmSize, IPCollateral, IPRecoveryModel, IPType, LendingProgramme,
    LoanProduct, LoanProfile, LossBasis, Party, PDGrade, PDMasterScale, Replenishment,
    ReplenishmentRule, RiskSharingPool, SharingRule, SuspensionTriggers,
)
from models.market import REGIME_ORDER, ExitRegimeModel, MarketModel, PublicIndex, Regime
from models.scenario import CrossReferenceError, Scenario, SimulationSettings
from models.venture import (
    DEFAULT_ENTRY_MIX, STAGE_ORDER, BuyoutExercise, BuyoutOption, FeeBasis, FeeTerms, FundStage,
    GuidanceFund, ProfitConcession, Stage, StageProfile, StageTransition, SubFund, SubFundMode,
    TakahashiAlexanderParams, WaterfallKind, WaterfallTerms,
)

__all__ = [
    "AchievementLoan", "Amortisation", "AssessmentConfig", "BuyoutExercise", "BuyoutOption",
    "CrossReferenceError", "DEFAULT_ENTRY_MIX", "Direction", "DomainModel", "ExitRegimeModel",
    "FeeBasis", "FeeTerms", "FirmSize", "FundStage", "GuidanceFund", "IPCollateral",
    "IPRecoveryModel", "IPType", "LendingProgramme", "LoanProduct", "LoanProfile", "LossBasis",
    "MarketModel", "PDGrade", "PDMasterScale", "PRIORITY_SECTORS", "Party", "ProfitConcession",
    "ProgrammeTarget", "PublicIndex", "REGIME_ORDER", "RatingBand", "Regime", "Replenishment",
    "ReplenishmentRule", "RiskSharingPool", "STAGE_ORDER", "Scenario", "Scorecard",
    "ScorecardCategory", "ScorecardIndicator", "Sector", "SharingRule", "SimulationSettings",
    "Stage", "StageProfile", "StageTransition", "SubFund", "SubFundMode", "SuspensionTriggers",
    "TakahashiAlexanderParams", "TimeStep", "ToleranceConfig", "WAN", "WaterfallKind",
    "WaterfallTerms", "YI",
]
