"""Credit side of fundsvc: loan pricing (here) and analytic credit-risk formulas (``analytics``).

Public API, imported lazily so that ``import fundsvc.credit.analytics`` stays light:

* :func:`price_loan` — break-even rate, RAROC at a quoted rate and the pool's subsidy value;
* :class:`PricingRequest`, :class:`PricingResult`, :class:`PricingLeg`, :class:`RateComponents`;
* :class:`CapitalMethod`, :class:`SizeThresholds`;
* :func:`raroc`, :func:`break_even_rate` (vectorised formulas);
* :func:`economic_capital_rates`, :func:`price_loan_simulated` — economic capital per CNY from the
  credit portfolio simulation (the loan's Euler ES contribution, via the credit engine).
"""

from __future__ import annotations

import importlib
from typing import Any

_EXPORTS = {
    "price_loan": "fundsvc.credit.pricing",
    "PricingResult": "fundsvc.credit.pricing",
    "PricingLeg": "fundsvc.credit.pricing",
    "RateComponents": "fundsvc.credit.pricing",
    "raroc": "fundsvc.credit.pricing",
    "break_even_rate": "fundsvc.credit.pricing",
    "PricingRequest": "fundsvc.credit.pricing_request",
    "make_request": "fundsvc.credit.pricing_request",
    "CapitalMethod": "fundsvc.credit.capital",
    "SizeThresholds": "fundsvc.credit.capital",
    "CapitalFigures": "fundsvc.credit.capital",
    "EconomicCapital": "fundsvc.credit.economic_capital",
    "economic_capital_rates": "fundsvc.credit.economic_capital",
    "price_loan_simulated": "fundsvc.credit.economic_capital",
}

__all__ = [
    "CapitalFigures", "CapitalMethod", "EconomicCapital", "PricingLeg", "PricingRequest", "PricingResult",
    "RateComponents", "SizeThresholds", "break_even_rate", "economic_capital_rates", "make_request", "price_loan",
    "price_loan_simulated", "raroc",
]


def __getattr__(name: str) -> Any:
    try:
        module = _EXPORTS[name]
    except KeyError:
        raise AttributeError(f"module 'fundsvc.credit' has no attribute {name!r}") from None
    return getattr(importlib.import_module(module), name)


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_EXPORTS))
