"""Venture engine: deal-level kernel, fund economics, Takahashi–Alexander, guidance view."""

from fundsvc.engine.venture.deal_programme import DealProgramme, compile_deals
from fundsvc.engine.venture.deals import (
    DealOutcomes,
    DealStatus,
    PortfolioFlows,
    deal_multiples,
    simulate_deals,
)

__all__ = [
    "DealOutcomes",
    "DealProgramme",
    "DealStatus",
    "PortfolioFlows",
    "compile_deals",
    "deal_multiples",
    "simulate_deals",
]
