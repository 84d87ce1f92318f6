"""The pool's three capital treatments side by side (:mod:`fundsvc.credit.pricing.mitigation`).

:func:`compare_mitigation` prices the same loan under every credit-risk-mitigation choice that
applies to its capital method (standardised: none, substitution; IRB: all three; economic: none
— its capital comes from the simulation) and returns one row per choice: capital per CNY, risk
weight, the LGD entering the IRB formula, break-even rate, RAROC at the quoted rate and the pool
subsidy (bp a year). Rates per year, decimals.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from fundsvc.credit.pricing.loan import price_loan
from fundsvc.credit.pricing.mitigation import CRMMethod
from fundsvc.credit.pricing.regulatory_capital import CapitalMethod
from fundsvc.credit.pricing.request import PricingRequest, make_request

__all__ = ["applicable_methods", "compare_mitigation"]


def applicable_methods(method: CapitalMethod) -> tuple[CRMMethod, ...]:
    if method is CapitalMethod.IRB:
        return (CRMMethod.NONE, CRMMethod.SUBSTITUTION, CRMMethod.LGD_ADJUSTMENT)
    if method is CapitalMethod.STANDARDISED:
        return (CRMMethod.NONE, CRMMethod.SUBSTITUTION)
    return ()


def compare_mitigation(request: PricingRequest | Mapping[str, Any]) -> list[dict[str, Any]]:
    """One row per applicable CRM choice (empty without a pool share or under economic capital)."""
    req = make_request(request)
    if req.sharing_shares[2] <= 0:
        return []
    rows = []
    for crm in applicable_methods(req.capital_method):
        r = price_loan(req.model_copy(update={"crm": crm}))
        cap = r.with_pool.capital
        rows.append({
            "crm": crm.value, "crm_zh": crm.label_zh, "chosen": crm is req.effective_crm,
            "capital_rate": cap.capital_rate, "risk_weight": cap.risk_weight, "irb_lgd": cap.lgd,
            "break_even_rate": r.break_even_rate, "raroc": r.raroc, "subsidy_bp": r.subsidy_bp,
        })
    return rows
