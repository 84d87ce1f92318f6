"""Credit side of fundsvc, in one package.

* :mod:`~fundsvc.credit.engine` — the credit portfolio Monte Carlo (defaults, recoveries, sharing,
  lending programmes, outputs, importance sampling);
* :mod:`~fundsvc.credit.pools` — risk-sharing pools: the pool stage and pool sizing;
* :mod:`~fundsvc.credit.pricing` — pricing of a single loan (break-even rate, RAROC, subsidy value);
* :mod:`~fundsvc.credit.analytics` — analytic credit-risk formulas (Vasicek, IRB, CreditRisk+ …).

Public API, imported lazily so that ``import fundsvc.credit.analytics`` stays light:

* :func:`price_loan` — break-even rate, RAROC at a quoted rate and the pool's subsidy value;
* :class:`PricingRequest`, :class:`PricingResult`, :class:`PricingLeg`, :class:`RateComponents`;
* :class:`CapitalMethod`, :class:`SizeThresholds`;
* :func:`raroc`, :func:`break_even_rate` (vectorised formulas);
* :func:`economic_capital_rates`, :func:`price_loan_simulated` — economic capital per CNY from the
  credit portfolio simulation (the loan's Euler ES contribution, via the credit engine).
"""

from __future__ import annotations

from models.lazy import lazy_exports

_EXPORTS = {
    "price_loan": "fundsvc.credit.pricing.loan",
    "PricingResult": "fundsvc.credit.pricing.loan",
    "PricingLeg": "fundsvc.credit.pricing.loan",
    "RateComponents": "fundsvc.credit.pricing.loan",
    "raroc": "fundsvc.credit.pricing.loan",
    "break_even_rate": "fundsvc.credit.pricing.loan",
    "PricingRequest": "fundsvc.credit.pricing.request",
    "make_request": "fundsvc.credit.pricing.request",
    "CapitalMethod": "fundsvc.credit.pricing.regulatory_capital",
    "SizeThresholds": "fundsvc.credit.pricing.regulatory_capital",
    "CapitalFigures": "fundsvc.credit.pricing.regulatory_capital",
    "EconomicCapital": "fundsvc.credit.pricing.economic_capital",
    "economic_capital_rates": "fundsvc.credit.pricing.economic_capital",
    "price_loan_simulated": "fundsvc.credit.pricing.economic_capital",
}

__all__ = [
    "CapitalFigures", "CapitalMethod", "EconomicCapital", "PricingLeg", "PricingRequest", "PricingResult",
    "RateComponents", "SizeThresholds", "break_even_rate", "economic_capital_rates", "make_request", "price_loan",
    "price_loan_simulated", "raroc",
]


__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
