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


    def distinct(self) -> tuple[LoanColumns, np.ndarray]:
        """The distinct loans (rows equal bit for bit; loans with engine-model terms all kept) and the
        inverse index: ``self`` is ``distinct.take(inverse)`` row for row."""
        if self.sourced is not None or self.n < 2:
            return self, np.arange(self.n)
        table = np.ascontiguousarray(np.stack([getattr(self, k).astype(float) for k in _COLUMN_NAMES], axis=1))
        keys = table.view(np.dtype((np.void, table.dtype.itemsize * table.shape[1]))).ravel()
        _, first, inverse = np.unique(keys, return_index=True, return_inverse=True)
        return self.take(first), inverse.ravel()


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
def _flat_defaults() -> tuple[PricingRequest, dict[IPType, RecoveryTerms], tuple[Any, ...]]:
    """A template request holding every default, the default recovery terms per IP type (of 1 CNY)
    and the template's column values."""
    template = PricingRequest.model_validate({"amount_cny": 1.0, "term_years": 1.0, "pd": 0.5})
    model = template.recovery
    terms = {t: recovery_terms(1.0, t, model, template.unsecured_recovery_rate) for t in IPType}
    return template, terms, _request_row(template)[0]


def _column(rows: Sequence[Mapping[str, Any]], name: str, default: Any) -> list[Any]:
    return [default if (v := r.get(name)) is None else v for r in rows]


def columns_from_rows(rows: Sequence[Mapping[str, Any]]) -> tuple[LoanColumns, list[int]]:
    """Columns of flat loans whose fields are each already valid (e.g. validated by the API's model).

    Only the fields in :data:`FLAT_FIELDS` are read (a None value counts as absent); every other
    input takes the default of :class:`PricingRequest` (the default recovery model, standardised
    or IRB capital without overrides). Rows the fast path does not take — another field, a missing
    PD, or a combination the request's cross-field checks refuse (pledge rate with appraisal, LGD
    with collateral, shares above 1) — are returned by position for the caller to build as
    :class:`PricingRequest` (which prices them or raises the request's own error).

    Returns
    -------
    (LoanColumns, list of int)
        Columns of the rows taken, in order, and the positions of the rows not taken.
    """
    template, by_type, base = _flat_defaults()
    take = [i for i, r in enumerate(rows) if FLAT_FIELDS.issuperset(r) and r.get("pd") is not None]
    sub = [rows[i] for i in take] if len(take) < len(rows) else rows
    f = lambda name, default=np.nan: np.array(_column(sub, name, default), dtype=float)
    amount, appraisal, pledge, lgd = f("amount_cny"), f("ip_appraisal_cny"), f("pledge_rate"), f("lgd")
    g, s, p = f("guarantee_share", 0.0), f("insurance_share", 0.0), f("pool_share", 0.0)
    bad = ((~np.isnan(appraisal) & ~np.isnan(pledge)) | (~np.isnan(lgd) & ~(np.isnan(appraisal) & np.isnan(pledge)))
           | (g + s + p > 1 + 1e-9))
    if bad.any():  # the request's cross-field checks name the problem: leave these rows to it
        keep = np.flatnonzero(~bad)
        slow = sorted(set(range(len(rows))) - {take[i] for i in keep})
        cols, _ = columns_from_rows([sub[i] for i in keep])
        return cols, slow
    slow = sorted(set(range(len(rows))) - set(take))
    n = len(sub)
    out = {name: np.full(n, v, dtype=np.int64 if name in _INT_COLUMNS else (bool if name == "foundation" else float))
           for name, v in zip(_COLUMN_NAMES, base, strict=True)}
    out.update(amount=amount, term=f("term_years"), pd=f("pd"), quoted=f("quoted_rate"),
               guarantee=g, insurance=s, pool=p, pool_cap=f("pool_cap_cny"),
               pool_pay=f("pool_pay_probability", template.pool_pay_probability),
               funding=f("funding_cost_rate", template.funding_cost_rate),
               opex=f("operating_cost_rate", template.operating_cost_rate),
               tax=f("tax_rate", template.tax_rate), hurdle=f("hurdle_rate", template.hurdle_rate))
    out["capital_return"] = out["funding"]  # PricingRequest.capital_return: default the funding cost it saves
    amort = _column(sub, "amortisation", template.amortisation)
    out["amortisation"] = np.array([AMORTISATIONS.index(Amortisation(a)) for a in amort], dtype=np.int64)
    methods = [CapitalMethod(m) for m in _column(sub, "capital_method", template.capital_method)]
    out["method"] = np.array([METHODS.index(m) for m in methods], dtype=np.int64)
    out["crm"] = np.array([CRMS.index(_template_with(m).effective_crm) for m in methods], dtype=np.int64)
    # loss terms, the three cases of _request_row (average mode): given LGD, no collateral, pledged IP
    with np.errstate(invalid="ignore"):
        value = np.where(np.isnan(appraisal), amount / pledge, appraisal)  # PricingRequest.ip_value_cny
    given = ~np.isnan(lgd) | np.isnan(value)
    ip = [IPType(t) for t in _column(sub, "ip_type", template.ip_type)]
    per_type = np.array([[(t := by_type[x]).p_no_sale, t.alpha, t.beta, t.net_value_cny, t.unsecured_recovery]
                         for x in ip]).reshape(n, 5)
    none = given_lgd_terms(1.0 - template.unsecured_recovery_rate)
    out["p_no_sale"] = np.where(given, none.p_no_sale, per_type[:, 0])
    out["alpha"] = np.where(given, none.alpha, per_type[:, 1])
    out["beta"] = np.where(given, none.beta, per_type[:, 2])
    out["net_value"] = np.where(given, none.net_value_cny, per_type[:, 3] * np.where(given, 1.0, value))
    out["unsecured"] = np.where(~np.isnan(lgd), 1.0 - lgd,
                                np.where(given, none.unsecured_recovery, per_type[:, 4]))
    return LoanColumns(**out), slow


@lru_cache(maxsize=8)
def _template_with(method: CapitalMethod) -> PricingRequest:
    return _flat_defaults()[0].model_copy(update={"capital_method": method})

