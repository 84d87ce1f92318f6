"""Inputs of the vectorised loan pricer as columns over loans (:class:`LoanColumns`).

Built from validated :class:`PricingRequest` objects (:func:`columns_from_requests`, any field)
or straight from flat field dicts already validated field by field, e.g. by the REST API's loan
model (:func:`columns_from_rows`, no model object per loan: building 10,000 requests would cost
more than pricing them). The kernel is :mod:`fundsvc.credit.pricing.batch`.

Shapes: every column is ``(n_loans,)``. Units: amounts CNY, rates per year as decimals, terms in
years; NaN marks an absent optional value.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields
from functools import lru_cache
from typing import Any

import numpy as np

from fundsvc.credit.pricing.loss_sharing import RecoveryTerms, given_lgd_terms, recovery_terms
from fundsvc.credit.pricing.mitigation import CRMMethod, IRBApproach
from fundsvc.credit.pricing.recovery_expectation import LGDMode, SourcedTerms, sourced_terms
from fundsvc.credit.pricing.regulatory_capital import CapitalMethod, firm_size_thresholds
from fundsvc.credit.pricing.request import PricingRequest
from models.credit import Amortisation, IPType

__all__ = ["FLAT_FIELDS", "LoanColumns", "columns_from_requests", "columns_from_rows"]

AMORTISATIONS = tuple(Amortisation)
METHODS = tuple(CapitalMethod)
CRMS = tuple(CRMMethod)
_BULLET, _EQUAL, _ANNUITY = (AMORTISATIONS.index(a) for a in
                             (Amortisation.BULLET, Amortisation.EQUAL_PRINCIPAL, Amortisation.ANNUITY))
_STD, _IRB, _ECON = (METHODS.index(m) for m in
                     (CapitalMethod.STANDARDISED, CapitalMethod.IRB, CapitalMethod.ECONOMIC))
_NONE, _SUBST, _LGDADJ = (CRMS.index(c) for c in
                          (CRMMethod.NONE, CRMMethod.SUBSTITUTION, CRMMethod.LGD_ADJUSTMENT))


@dataclass(frozen=True, slots=True)
class LoanColumns:
    """Validated pricing inputs of ``n`` loans, one array of shape ``(n,)`` per input.

    NaN marks an absent optional value (no quoted rate, no pool cap, no revenue, …). Codes index
    :data:`AMORTISATIONS`, :data:`METHODS` and :data:`CRMS`. ``sourced`` holds the engine-model
    loss terms of loans priced with ``lgd_mode`` other than average (None elsewhere).
    """

    amount: np.ndarray
    term: np.ndarray
    amortisation: np.ndarray
    quoted: np.ndarray
    pd: np.ndarray
    # loss at default, closed form (fundsvc.credit.pricing.loss_sharing.RecoveryTerms)
    p_no_sale: np.ndarray
    alpha: np.ndarray
    beta: np.ndarray
    net_value: np.ndarray
    unsecured: np.ndarray
    # sharing
    guarantee: np.ndarray
    insurance: np.ndarray
    pool: np.ndarray
    pool_cap: np.ndarray
    pool_pay: np.ndarray
    # bank economics
    funding: np.ndarray
    opex: np.ndarray
    tax: np.ndarray
    hurdle: np.ndarray
    capital_return: np.ndarray
    # capital
    method: np.ndarray
    risk_weight: np.ndarray
    capital_ratio: np.ndarray
    sales: np.ndarray
    size_lower: np.ndarray
    size_upper: np.ndarray
    size_unit: np.ndarray
    correlation: np.ndarray
    irb_lgd: np.ndarray
    irb_maturity: np.ndarray
    pd_floor: np.ndarray
    foundation: np.ndarray
    lgd_floor: np.ndarray
    foundation_lgd: np.ndarray
    crm: np.ndarray
    pool_risk_weight: np.ndarray
    economic: np.ndarray
    economic_without_pool: np.ndarray
    sourced: tuple[SourcedTerms | None, ...] | None = None

    @property
    def n(self) -> int:
        return int(self.amount.shape[0])

    def take(self, idx: np.ndarray) -> LoanColumns:
        """The loans at ``idx`` (integer indices), same layout."""
        out = {f.name: getattr(self, f.name)[idx] for f in fields(self) if f.name != "sourced"}
        src = None if self.sourced is None else tuple(self.sourced[i] for i in idx)
        return LoanColumns(**out, sourced=src)


_COLUMN_NAMES = tuple(f.name for f in fields(LoanColumns) if f.name != "sourced")
_INT_COLUMNS = {"amortisation", "method", "crm"}


def _nan(x: float | None) -> float:
    return np.nan if x is None else float(x)


def _request_row(req: PricingRequest) -> tuple[tuple[Any, ...], SourcedTerms | None]:
    """One loan's column values (order of :data:`_COLUMN_NAMES`) and its engine-model terms."""
    pd = req.annual_pd
    sourced = None
    mode = req.effective_lgd_mode
    if mode is not LGDMode.AVERAGE:
        sourced = sourced_terms(req.recovery, req.recovery_sources, appraisal_cny=req.ip_value_cny or 0.0,
                                ip_type=req.ip_type, product=req.product, pd=pd,
                                correlation=req.recovery_correlation, mode=mode, downturn_z=req.downturn_z)
        terms = RecoveryTerms(1.0, 1.0, 1.0, 0.0, sourced.unsecured_recovery)  # only u is read
    elif req.lgd is not None:
        terms = given_lgd_terms(req.lgd)
    elif req.ip_value_cny is None:
        terms = given_lgd_terms(1.0 - req.unsecured_recovery_rate)
    else:
        terms = recovery_terms(req.ip_value_cny, req.ip_type, req.recovery, req.unsecured_recovery_rate)
    g, s, p = req.sharing_shares
    thr = firm_size_thresholds(req.size_thresholds, req.sme_thresholds_cny)
    row = (req.amount_cny, req.term_years, AMORTISATIONS.index(req.amortisation), _nan(req.quoted_rate), pd,
           terms.p_no_sale, terms.alpha, terms.beta, terms.net_value_cny, terms.unsecured_recovery,
           g, s, p, _nan(req.pool_cap), req.pool_pay_probability,
           req.funding_cost_rate, req.operating_cost_rate, req.tax_rate, req.hurdle_rate, req.capital_return,
           METHODS.index(req.capital_method), req.risk_weight, req.capital_ratio, _nan(req.annual_revenue_cny),
           thr.lower, thr.upper, thr.unit_cny, _nan(req.asset_correlation), _nan(req.irb_lgd),
           _nan(req.irb_maturity_years), req.irb_pd_floor, req.irb_approach is IRBApproach.FOUNDATION,
           req.lgd_floor, req.foundation_lgd, CRMS.index(req.effective_crm), req.pool_risk_weight,
           _nan(req.economic_capital_rate), _nan(req.economic_capital_rate_without_pool))
    return row, sourced


def _stack(rows: Sequence[Sequence[Any]], sourced: Sequence[SourcedTerms | None] | None) -> LoanColumns:
    cols = list(zip(*rows, strict=True)) if rows else [()] * len(_COLUMN_NAMES)
    out = {}
    for name, col in zip(_COLUMN_NAMES, cols, strict=True):
        dtype = np.int64 if name in _INT_COLUMNS else (bool if name == "foundation" else float)
        out[name] = np.array(col, dtype=dtype)
    src = None if sourced is None or all(t is None for t in sourced) else tuple(sourced)
    return LoanColumns(**out, sourced=src)


def columns_from_requests(requests: Sequence[PricingRequest]) -> LoanColumns:
    """Columns of validated requests (any fields of :class:`PricingRequest`)."""
    rows, sourced = zip(*(_request_row(r) for r in requests), strict=True) if requests else ((), ())
    return _stack(rows, sourced)


#: Fields :func:`columns_from_rows` reads without building a :class:`PricingRequest` (the API's loan).
FLAT_FIELDS = frozenset({
    "amount_cny", "term_years", "amortisation", "quoted_rate", "pd", "lgd", "ip_appraisal_cny", "pledge_rate",
    "ip_type", "guarantee_share", "insurance_share", "pool_share", "pool_cap_cny", "pool_pay_probability",
    "funding_cost_rate", "operating_cost_rate", "tax_rate", "hurdle_rate", "capital_method",
})


@lru_cache(maxsize=1)
def _flat_defaults() -> tuple[PricingRequest, dict[IPType, RecoveryTerms]]:
    """A template request holding every default, and the default recovery terms per IP type (of 1 CNY)."""
    template = PricingRequest.model_validate({"amount_cny": 1.0, "term_years": 1.0, "pd": 0.5})
    model = template.recovery
    return template, {t: recovery_terms(1.0, t, model, template.unsecured_recovery_rate) for t in IPType}


def columns_from_rows(rows: Sequence[Mapping[str, Any]]) -> tuple[LoanColumns, list[int]]:
    """Columns of flat loans whose fields are each already valid (e.g. validated by the API's model).

    Only the fields in :data:`FLAT_FIELDS` are read; every other input takes the default of
    :class:`PricingRequest` (the default recovery model, standardised or IRB capital without
    overrides). A row the fast path cannot take — another field, a combination the request's
    cross-field checks could refuse (pledge rate with appraisal, LGD with collateral, shares
    above 1), or a missing PD — is built with :class:`PricingRequest` instead, which prices it or
    raises the request's own error; those rows come back in the second value (their positions in
    ``rows``) and are priced but may raise when built, so the caller builds them itself.

    Returns
    -------
    (LoanColumns, list of int)
        Columns of the rows priced on the fast path, in order, and the indices of the other rows.
    """
    template, by_type = _flat_defaults()
    base, _ = _request_row(template)
    idx = {n: i for i, n in enumerate(_COLUMN_NAMES)}
    out_rows, slow = [], []
    for i, r in enumerate(rows):
        if not FLAT_FIELDS.issuperset(r) or r.get("pd") is None:
            slow.append(i)
            continue
        appraisal, pledge, lgd = r.get("ip_appraisal_cny"), r.get("pledge_rate"), r.get("lgd")
        g, s, p = r.get("guarantee_share", 0.0), r.get("insurance_share", 0.0), r.get("pool_share", 0.0)
        if (appraisal is not None and pledge is not None) or (lgd is not None and (appraisal, pledge) != (None, None)) \
                or g + s + p > 1 + 1e-9:
            slow.append(i)
            continue
        row = list(base)
        amount = float(r["amount_cny"])
        row[0], row[1], row[4] = amount, float(r["term_years"]), float(r["pd"])
        if "amortisation" in r:
            row[2] = AMORTISATIONS.index(Amortisation(r["amortisation"]))
        row[3] = _nan(r.get("quoted_rate"))
        # loss terms: the same three cases as _request_row (average mode)
        value = appraisal if appraisal is not None else (amount / pledge if pledge is not None else None)
        if lgd is not None or value is None:
            t = given_lgd_terms(lgd if lgd is not None else 1.0 - template.unsecured_recovery_rate)
            net = t.net_value_cny
        else:
            t = by_type[IPType(r.get("ip_type", template.ip_type))]
            net = t.net_value_cny * value  # κ·V with V = 1 in the cached terms
        row[5:10] = (t.p_no_sale, t.alpha, t.beta, net, t.unsecured_recovery)
        row[10:13] = (g, s, p)
        row[13] = _nan(r.get("pool_cap_cny"))
        row[14] = r.get("pool_pay_probability", template.pool_pay_probability)
        for name, col in (("funding_cost_rate", "funding"), ("operating_cost_rate", "opex"),
                          ("tax_rate", "tax"), ("hurdle_rate", "hurdle")):
            if name in r:
                row[idx[col]] = r[name]
        row[idx["capital_return"]] = row[idx["funding"]]  # default: the funding cost the capital saves
        if "capital_method" in r:
            method = CapitalMethod(r["capital_method"])
            row[idx["method"]] = METHODS.index(method)
            row[idx["crm"]] = CRMS.index(_template_with(method).effective_crm)
        out_rows.append(row)
    return _stack(out_rows, None), slow


@lru_cache(maxsize=8)
def _template_with(method: CapitalMethod) -> PricingRequest:
    return _flat_defaults()[0].model_copy(update={"capital_method": method})

