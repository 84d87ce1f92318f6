"""The one-loan pricing implementation that :mod:`fundsvc.credit.pricing.batch` replaced, kept as reference.

:func:`price_loan_reference` prices one loan with small per-period numpy arrays (formulas in
:mod:`fundsvc.credit.pricing.loan`); :func:`fundsvc.credit.price_loan` now runs the kernel
vectorised over loans. The tests (``tests/credit_pricing/test_pricing_batch.py``) hold the two
equal on hypothesis-generated loans, field by field. Not used by the application.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from fundsvc.credit.pricing.batch import break_even_rate, capital_charge, raroc
from fundsvc.credit.pricing.loan import PricingLeg, PricingResult, RateComponents
from fundsvc.credit.pricing.loan_schedule import (
    LoanSchedule,
    default_probabilities,
    default_timing_weights,
    effective_maturity,
    loan_schedule,
)
from fundsvc.credit.pricing.loss_sharing import (
    RecoveryTerms,
    bank_loss_fraction,
    expected_loss_fraction,
    given_lgd_terms,
    recovery_terms,
)
from fundsvc.credit.pricing.mitigation import (
    CRMMethod,
    covered_share,
    floored_lgd,
    substituted_risk_weight,
)
from fundsvc.credit.pricing.recovery_expectation import (
    LGDMode,
    SourcedTerms,
    loss_moments,
    sourced_terms,
)
from fundsvc.credit.pricing.regulatory_capital import (
    CapitalFigures,
    CapitalMethod,
    economic_capital,
    firm_size_thresholds,
    irb_capital,
    standardised_capital,
)
from fundsvc.credit.pricing.request import PricingRequest, make_request
from models.credit import Amortisation

__all__ = ["price_loan_reference"]


def _recovery(req: PricingRequest) -> RecoveryTerms | SourcedTerms:
    mode = req.effective_lgd_mode
    if mode is not LGDMode.AVERAGE:
        return sourced_terms(req.recovery, req.recovery_sources, appraisal_cny=req.ip_value_cny or 0.0,
                             ip_type=req.ip_type, product=req.product, pd=req.annual_pd,
                             correlation=req.recovery_correlation, mode=mode, downturn_z=req.downturn_z)
    if req.lgd is not None:
        return given_lgd_terms(req.lgd)
    value = req.ip_value_cny
    if value is None:
        return given_lgd_terms(1.0 - req.unsecured_recovery_rate)
    return recovery_terms(value, req.ip_type, req.recovery, req.unsecured_recovery_rate)


def _capital(req: PricingRequest, pd: float, lgd_capital: float, maturity: float, *, with_pool: bool,
             lgd_capital_no_pool: float | None = None, covered: float = 0.0) -> CapitalFigures:
    """Capital of one leg; the pool counts as :mod:`fundsvc.credit.pricing.mitigation` says (with_pool only)."""
    method = req.capital_method
    crm = req.effective_crm if with_pool else CRMMethod.NONE
    if method is CapitalMethod.STANDARDISED:
        rw = req.risk_weight
        if crm is CRMMethod.SUBSTITUTION:
            rw = substituted_risk_weight(rw, covered, req.pool_risk_weight)
        return standardised_capital(rw, req.capital_ratio)
    if method is CapitalMethod.ECONOMIC:
        rate = req.economic_capital_rate
        if not with_pool and req.economic_capital_rate_without_pool is not None:
            rate = req.economic_capital_rate_without_pool
        assert rate is not None  # checked by the request
        return economic_capital(rate)
    thresholds = firm_size_thresholds(req.size_thresholds, req.sme_thresholds_cny)
    own = lgd_capital if crm is CRMMethod.LGD_ADJUSTMENT or lgd_capital_no_pool is None else lgd_capital_no_pool
    lgd = floored_lgd(req.irb_lgd if req.irb_lgd is not None else own, req.irb_approach, req.lgd_floor,
                      req.foundation_lgd)
    fig = irb_capital(
        pd,
        lgd,
        req.irb_maturity_years if req.irb_maturity_years is not None else maturity,
        req.capital_ratio,
        sales_cny=req.annual_revenue_cny,
        thresholds=thresholds,
        correlation=req.asset_correlation,
        pd_floor=req.irb_pd_floor,
    )
    if crm is CRMMethod.SUBSTITUTION:
        rw = substituted_risk_weight(fig.risk_weight, covered, req.pool_risk_weight)
        fig = replace(fig, risk_weight=rw, capital_rate=req.capital_ratio * rw)
    return fig


@dataclass(frozen=True, slots=True)
class _Measures:
    """Loss and capital of one leg on one schedule (internal)."""

    sched: LoanSchedule
    maturity: float
    el: float
    lgd_default: float
    lgd_collateral: float
    capital: CapitalFigures


def _measures(req: PricingRequest, terms: RecoveryTerms | SourcedTerms, sched: LoanSchedule, pd: float, *, with_pool: bool) -> _Measures:
    """EL rate, default-weighted LGDs and capital of one leg on ``sched``."""
    d = default_probabilities(pd, sched)
    maturity = effective_maturity(sched)
    ead_cny = req.amount_cny * sched.exposure
    g, s, p = req.sharing_shares
    share = {"guarantee_share": g, "insurance_share": s, "pool_share": p if with_pool else 0.0,
             "pool_cap_cny": req.pool_cap, "pool_pay_probability": req.pool_pay_probability}
    if isinstance(terms, SourcedTerms):
        lgd_coll_k, lgd_bank = loss_moments(terms, ead_cny, **share)
    else:
        lgd_bank = bank_loss_fraction(terms, ead_cny, **share)
        lgd_coll_k = expected_loss_fraction(terms, ead_cny)
    w = sched.exposure_years
    wd = d * sched.exposure
    el = float(np.dot(wd, lgd_bank)) / w
    # LGD given default weights the periods by when default happens (exact for a tiny PD too)
    wl = default_timing_weights(pd, sched) * sched.exposure
    lgd_default = float(np.dot(wl, lgd_bank) / wl.sum())
    lgd_collateral = float(np.dot(wl, lgd_coll_k) / wl.sum())
    lgd_capital = float(np.dot(sched.tau * sched.exposure, lgd_bank)) / w
    extra: dict[str, float] = {}
    crm = req.effective_crm
    if with_pool and p > 0 and req.capital_method is not CapitalMethod.ECONOMIC and crm is not CRMMethod.LGD_ADJUSTMENT:
        if req.capital_method is CapitalMethod.IRB:
            no_pool = share | {"pool_share": 0.0}
            lgd0 = (loss_moments(terms, ead_cny, **no_pool)[1] if isinstance(terms, SourcedTerms)
                    else bank_loss_fraction(terms, ead_cny, **no_pool))
            extra["lgd_capital_no_pool"] = float(np.dot(sched.tau * sched.exposure, lgd0)) / w
        if crm is CRMMethod.SUBSTITUTION:
            extra["covered"] = covered_share(p, req.pool_cap, ead_cny,
                                             sched.tau * sched.exposure)
    cap = _capital(req, pd, lgd_capital, maturity, with_pool=with_pool, **extra)
    return _Measures(sched, maturity, el, lgd_default, lgd_collateral, cap)


def _break_even(req: PricingRequest, m: _Measures) -> float:
    return float(break_even_rate(req.funding_cost_rate, req.operating_cost_rate, m.el, m.capital.capital_rate,
                                 req.tax_rate, req.hurdle_rate, req.capital_return))


#: Fixed-point tolerance and iteration limit for the annuity break-even rate.
_ANNUITY_TOL = 1e-13
_ANNUITY_MAX_ITER = 50


def _annuity_fixed_point(
    req: PricingRequest, terms: RecoveryTerms, pd: float, r0: float, m0: _Measures, g0: float, *, with_pool: bool
) -> tuple[_Measures, float]:
    """Solve ``r = g(r)``, ``g(r)`` = break-even on the annuity schedule at ``r``, by the secant method.

    ``g`` is nearly flat (the schedule moves EL and capital only slightly), so ``h(r) = g(r) − r``
    has slope close to −1 and the secant steps converge in three or four evaluations.
    """
    r_prev, h_prev = r0, g0 - r0
    m, g = m0, g0
    if abs(h_prev) < _ANNUITY_TOL:
        return m, g
    r = g0
    for _ in range(_ANNUITY_MAX_ITER):
        m = _measures(req, terms, loan_schedule(req.term_years, req.amortisation, r), pd, with_pool=with_pool)
        g = _break_even(req, m)
        h = g - r
        if abs(h) < _ANNUITY_TOL:
            break
        slope = (h - h_prev) / (r - r_prev) if r != r_prev else -1.0
        r_prev, h_prev = r, h
        r = r - h / slope if slope != 0.0 else g
    return m, g


def _leg(req: PricingRequest, terms: RecoveryTerms | SourcedTerms, pd: float, *, with_pool: bool) -> tuple[PricingLeg, _Measures]:
    """Break-even (and RAROC at the quoted rate) of one leg.

    For an annuity the schedule depends on the contract rate, so the break-even rate is the
    fixed point ``r* = r*(schedule at r*)`` (:func:`_annuity_fixed_point`), and the RAROC at
    the quoted rate uses the schedule at the quoted rate.
    """
    start = req.quoted_rate if req.quoted_rate is not None else req.funding_cost_rate
    m = _measures(req, terms, loan_schedule(req.term_years, req.amortisation, start), pd, with_pool=with_pool)
    m_quoted = m
    r_star = _break_even(req, m)
    if req.amortisation is Amortisation.ANNUITY:
        m, r_star = _annuity_fixed_point(req, terms, pd, start, m, r_star, with_pool=with_pool)
    b, t, h = req.capital_return, req.tax_rate, req.hurdle_rate
    charge = capital_charge(m.capital.capital_rate, t, h, b)
    comp = RateComponents(req.funding_cost_rate, req.operating_cost_rate, m.el, charge)
    rar = None
    if req.quoted_rate is not None and m_quoted.capital.capital_rate > 0:
        rar = float(raroc(req.quoted_rate, req.funding_cost_rate, req.operating_cost_rate, m_quoted.el,
                          m_quoted.capital.capital_rate, t, b))
    return PricingLeg(m.lgd_default, m.el, m.capital, comp, comp.total, rar), m


def price_loan_reference(request: PricingRequest | Mapping[str, Any] | None = None, /, **fields: Any) -> PricingResult:
    """:func:`fundsvc.credit.price_loan` as it was computed one loan at a time (same arguments and
    result); the reference the vectorised kernel is tested against."""
    req = make_request(request, **fields)
    pd = req.annual_pd
    terms = _recovery(req)
    with_pool, m = _leg(req, terms, pd, with_pool=True)
    same = req.sharing_shares[2] == 0.0 and req.economic_capital_rate_without_pool is None
    without = with_pool if same else _leg(req, terms, pd, with_pool=False)[0]  # no pool: the legs coincide
    sched = m.sched
    subsidy = without.break_even_rate - with_pool.break_even_rate
    return PricingResult(
        amount_cny=req.amount_cny,
        term_years=req.term_years,
        amortisation=req.amortisation,
        quoted_rate=req.quoted_rate,
        hurdle_rate=req.hurdle_rate,
        tax_rate=req.tax_rate,
        pd_annual=pd,
        pd_cumulative=-math.expm1(req.term_years * math.log1p(-pd)),  # 1 − (1 − p)^T without cancellation
        exposure_years=sched.exposure_years,
        average_exposure=sched.average_exposure,
        effective_maturity_years=m.maturity,
        lgd_unsecured=1.0 - terms.unsecured_recovery,
        lgd_after_collateral=m.lgd_collateral,
        with_pool=with_pool,
        without_pool=without,
        subsidy_rate=subsidy,
        subsidy_cny=subsidy * sched.exposure_years * req.amount_cny,
    )
