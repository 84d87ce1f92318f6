"""Fund and risk metrics (IRR/XIRR, multiples, PME family, VaR/ES), vectorised over paths."""

from fundsvc.metrics.rates import (
    IrrResult,
    IrrStatus,
    irr,
    irr_reason,
    irr_result,
    npv,
    xirr,
    xirr_result,
    xnpv,
)

__all__ = [
    "IrrResult",
    "IrrStatus",
    "irr",
    "irr_reason",
    "irr_result",
    "npv",
    "xirr",
    "xirr_result",
    "xnpv",
]
