"""Domain models of fundsvc (pydantic v2): pure data and validation, no IO, no engines.

Amounts in CNY, rates per year as decimals, durations in years.

Names load on first use (``from models import Scenario`` imports ``models.scenario`` only
then): the command line and the pricing path need a few of the models, not all of them.
"""

from __future__ import annotations

import importlib
from typing import Any

#: Public name -> submodule that defines it.
_WHERE: dict[str, str] = {
    "DEFAULT_ENTRY_MIX": "models.venture",
    "STAGE_ORDER": "models.venture",
    "BuyoutExercise": "models.venture",
    "BuyoutOption": "models.venture",
    "FeeBasis": "models.venture",
    "FeeTerms": "models.venture",
    "FundStage": "models.venture",
    "GuidanceFund": "models.venture",
    "ProfitConcession": "models.venture",
    "Stage": "models.venture",
    "StageProfile": "models.venture",
    "StageTransition": "models.venture",
    "SubFund": "models.venture",
    "SubFundMode": "models.venture",
    "TakahashiAlexanderParams": "models.venture",
    "WaterfallKind": "models.venture",
    "WaterfallTerms": "models.venture",
    "PRIORITY_SECTORS": "models.common",
    "WAN": "models.common",
    "YI": "models.common",
    "DomainModel": "models.common",
    "Sector": "models.common",
    "TimeStep": "models.common",
    "REGIME_ORDER": "models.market",
    "ExitRegimeModel": "models.market",
    "MarketModel": "models.market",
    "PublicIndex": "models.market",
    "Regime": "models.market",
    "AchievementLoan": "models.credit",
    "Amortisation": "models.credit",
    "FirmSize": "models.credit",
    "IPCollateral": "models.credit",
    "IPRecoveryModel": "models.credit",
    "IPType": "models.credit",
    "LendingProgramme": "models.credit",
    "LoanProduct": "models.credit",
    "LoanProfile": "models.credit",
    "LossBasis": "models.credit",
    "PDGrade": "models.credit",
    "PDMasterScale": "models.credit",
    "Party": "models.credit",
    "Replenishment": "models.credit",
    "ReplenishmentRule": "models.credit",
    "RiskSharingPool": "models.credit",
    "SharingRule": "models.credit",
    "SuspensionTriggers": "models.credit",
    "AssessmentConfig": "models.assessment",
    "Direction": "models.assessment",
    "ProgrammeTarget": "models.assessment",
    "RatingBand": "models.assessment",
    "Scorecard": "models.assessment",
    "ScorecardCategory": "models.assessment",
    "ScorecardIndicator": "models.assessment",
    "ToleranceConfig": "models.assessment",
    "CrossReferenceError": "models.scenario",
    "Scenario": "models.scenario",
    "SimulationSettings": "models.scenario",
}

__all__ = [
    "DEFAULT_ENTRY_MIX",
    "PRIORITY_SECTORS",
    "REGIME_ORDER",
    "STAGE_ORDER",
    "WAN",
    "YI",
    "AchievementLoan",
    "Amortisation",
    "AssessmentConfig",
    "BuyoutExercise",
    "BuyoutOption",
    "CrossReferenceError",
    "Direction",
    "DomainModel",
    "ExitRegimeModel",
    "FeeBasis",
    "FeeTerms",
    "FirmSize",
    "FundStage",
    "GuidanceFund",
    "IPCollateral",
    "IPRecoveryModel",
    "IPType",
    "LendingProgramme",
    "LoanProduct",
    "LoanProfile",
    "LossBasis",
    "MarketModel",
    "PDGrade",
    "PDMasterScale",
    "Party",
    "ProfitConcession",
    "ProgrammeTarget",
    "PublicIndex",
    "RatingBand",
    "Regime",
    "Replenishment",
    "ReplenishmentRule",
    "RiskSharingPool",
    "Scenario",
    "Scorecard",
    "ScorecardCategory",
    "ScorecardIndicator",
    "Sector",
    "SharingRule",
    "SimulationSettings",
    "Stage",
    "StageProfile",
    "StageTransition",
    "SubFund",
    "SubFundMode",
    "SuspensionTriggers",
    "TakahashiAlexanderParams",
    "TimeStep",
    "ToleranceConfig",
    "WaterfallKind",
    "WaterfallTerms",
]


def __getattr__(name: str) -> Any:
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module 'models' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
