"""Loan pricing vectorised over loans: the one pricing kernel behind :func:`fundsvc.credit.price_loan`.

The formulas are those of :mod:`fundsvc.credit.pricing.loan` (its module docstring); this module
evaluates them with numpy over a loans axis. Every loan's annual schedule
(:mod:`fundsvc.credit.pricing.loan_schedule` conventions) is padded to a common grid of
``K = max ceil(term)`` periods; padded periods have length 0, exposure 0 and repayment 0 and add
exact zeros to every sum. Sums over periods are sequential (``np.add.accumulate``) and the
annuity fixed point stops each loan at its own convergence, so a loan's figures do not depend on
which other loans share its batch: a batch is bit-identical to its loans priced one by one.

Shapes: inputs and outputs are columns ``(n_loans,)`` (:class:`LoanColumns`,
:class:`PricedColumns`); per-period arrays are ``(n_loans, K)``. Units: amounts CNY, rates per
year as decimals, terms in years. The one-loan implementation this replaced is kept as
:mod:`fundsvc.credit.pricing.reference`; the tests hold the two equal.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from fundsvc.credit.analytics import irb
from fundsvc.credit.pricing.loan_columns import (
    _ANNUITY,
    _BULLET,
    _ECON,
    _EQUAL,
    _IRB,
    _LGDADJ,
    _NONE,
    _STD,
    _SUBST,
    AMORTISATIONS,
    METHODS,
    LoanColumns,
    columns_from_requests,
)
from fundsvc.credit.pricing.loan_schedule import (
    MATURITY_CAP_YEARS,
    MATURITY_FLOOR_YEARS,
    period_default_probabilities,
    period_default_timing,
)
from fundsvc.credit.pricing.loss_sharing import (
    RecoveryTerms,
    bank_loss_fraction,
    expected_loss_fraction,
)
from fundsvc.credit.pricing.mitigation import covered_share, floored_lgd, substituted_risk_weight
from fundsvc.credit.pricing.recovery_expectation import loss_moments
from fundsvc.credit.pricing.request import PricingRequest

__all__ = ["ANNUITY_MAX_ITER", "ANNUITY_TOL", "PricedColumns", "break_even_rate", "capital_charge", "price_columns",
           "price_requests", "raroc", "schedules"]

#: Fixed-point tolerance and iteration limit for the annuity break-even rate.
ANNUITY_TOL = 1e-13
ANNUITY_MAX_ITER = 50


def _rowsum(x: np.ndarray) -> np.ndarray:
    """Sequential sum over the last (period) axis: independent of trailing zero padding."""
    return np.add.accumulate(x, axis=-1)[..., -1]


def schedules(term: np.ndarray, amortisation: np.ndarray, rate: np.ndarray) -> dict[str, np.ndarray]:
    """Padded annual schedules of 1 CNY loans: ``t_start, t_end, tau, exposure, repaid`` (n, K) and
    ``mask`` (n, K) of real periods, ``last`` (n,) end of the last period (years).

    ``rate`` (n,) fixes the annuity instalment (ignored for the other schedules).
    """
    n = term.shape[0]
    n_per = np.maximum(1, np.ceil(term - 1e-9)).astype(np.int64)
    k = np.arange(1, int(n_per.max(initial=1)) + 1, dtype=float)
    mask = k[None, :] <= n_per[:, None]
    t_end = np.minimum(k[None, :], term[:, None])
    last = t_end[np.arange(n), n_per - 1]
    t_end = np.where(mask, t_end, last[:, None])
    t_start = np.concatenate((np.zeros((n, 1)), t_end[:, :-1]), axis=1)
    tau = t_end - t_start
    repaid = np.zeros_like(tau)
    bullet = amortisation == _BULLET
    repaid[np.flatnonzero(bullet), n_per[bullet] - 1] = 1.0
    equal = amortisation == _EQUAL
    repaid[equal] = tau[equal] / term[equal, None]
    ann = np.flatnonzero(amortisation == _ANNUITY)
    if ann.size:
        growth = (1.0 + rate[ann, None]) ** tau[ann]  # padded periods: 1
        # B_n = Π g_k − A·Σ_k Π_{j>k} g_j = 0  →  A = Π g / Σ_k Π_{j>k} g_j (real periods k)
        rev = np.multiply.accumulate(growth[:, ::-1], axis=1)[:, ::-1]
        tail = np.concatenate((rev[:, 1:], np.ones((ann.size, 1))), axis=1)
        instalment = rev[:, 0] / _rowsum(np.where(mask[ann], tail, 0.0))
        b = np.ones(ann.size)
        bal = np.empty_like(growth)
        for j in range(growth.shape[1]):  # loop over periods (a handful), not loans
            b_next = b * growth[:, j] - instalment
            bal[:, j] = b - np.maximum(b_next, 0.0)
            b = b_next
        repaid[ann] = np.where(mask[ann], bal, 0.0)
    exposure = 1.0 - np.concatenate((np.zeros((n, 1)), np.cumsum(repaid, axis=1)[:, :-1]), axis=1)
    exposure = np.where(mask, exposure, 0.0)
    return {"t_start": t_start, "t_end": t_end, "tau": tau, "exposure": exposure, "repaid": repaid,
            "mask": mask, "last": last}


def _losses(c: LoanColumns, ead: np.ndarray, mask: np.ndarray, with_pool: bool, need_no_pool: np.ndarray,
            el_closed: np.ndarray):
    """Per-period ``E[L]``, the bank's loss and (where ``need_no_pool``) the bank's loss without the
    pool, per CNY of EAD, each (n, K); zero on padded periods. ``el_closed`` is the closed-form
    ``E[L]`` on ``ead`` (:func:`_profile`)."""
    col = lambda a: a[:, None]
    pool = col(c.pool) if with_pool else 0.0
    terms = RecoveryTerms(col(c.p_no_sale), col(c.alpha), col(c.beta), col(c.net_value), col(c.unsecured))
    el = el_closed.copy()  # engine-model rows are overwritten below
    share = {"guarantee_share": col(c.guarantee), "insurance_share": col(c.insurance),
                 "pool_cap_cny": col(c.pool_cap), "pool_pay_probability": col(c.pool_pay)}
    bank = bank_loss_fraction(terms, ead, pool_share=pool, expected=el, **share)
    bank0 = bank_loss_fraction(terms, ead, pool_share=0.0, expected=el, **share) if need_no_pool.any() else bank
    if c.sourced is not None:
        for i, t in enumerate(c.sourced):
            if t is None:
                continue
            e = ead[i, mask[i]]
            sh = {"guarantee_share": c.guarantee[i], "insurance_share": c.insurance[i],
                  "pool_cap_cny": None if np.isnan(c.pool_cap[i]) else c.pool_cap[i],
                  "pool_pay_probability": c.pool_pay[i]}
            el_i, bank_i = loss_moments(t, e, pool_share=c.pool[i] if with_pool else 0.0, **sh)
            el[i, mask[i]], bank[i, mask[i]] = el_i, bank_i
            if need_no_pool[i]:
                bank0[i, mask[i]] = loss_moments(t, e, pool_share=0.0, **sh)[1]
    zero = lambda a: np.where(mask, a, 0.0)
    return zero(el), zero(bank), zero(bank0)


def _capital(c: LoanColumns, m: dict[str, np.ndarray], with_pool: bool) -> None:
    """Capital rate and figures of one leg into ``m`` (NaN where a figure does not apply)."""
    n = c.n
    crm = c.crm if with_pool else np.full(n, _NONE)
    subst = crm == _SUBST
    rw = np.full(n, np.nan)
    rate = np.full(n, np.nan)
    corr, mat, lgd = np.full(n, np.nan), np.full(n, np.nan), np.full(n, np.nan)
    std = c.method == _STD
    rw_std = np.where(subst, substituted_risk_weight(c.risk_weight, m["covered"], c.pool_risk_weight), c.risk_weight)
    rw[std] = rw_std[std]
    rate[std] = (c.capital_ratio * rw_std)[std]
    econ = c.method == _ECON
    econ_rate = c.economic if with_pool else np.where(np.isnan(c.economic_without_pool), c.economic,
                                                      c.economic_without_pool)
    rate[econ] = econ_rate[econ]
    irb_rows = np.flatnonzero(c.method == _IRB)
    if irb_rows.size:
        own = np.where(m["has_no_pool"], m["lgd_capital_no_pool"], m["lgd_capital"])
        lgd_in = floored_lgd(np.where(np.isnan(c.irb_lgd), own, c.irb_lgd), c.foundation, c.lgd_floor,
                             c.foundation_lgd)
        maturity = np.where(np.isnan(c.irb_maturity), m["maturity"], c.irb_maturity)
        keys = np.stack((c.pd_floor, c.size_lower, c.size_upper, c.size_unit), axis=1)[irb_rows]
        one = (keys == keys[0]).all()
        for key in (keys[:1] if one else np.unique(keys, axis=0)):  # per PD floor and size thresholds (usually one)
            rows = irb_rows if one else irb_rows[(keys == key).all(axis=1)]
            floor = float(key[0])
            thresholds = irb.FirmSizeThresholds(lower=float(key[1]), upper=float(key[2]), unit_cny=float(key[3]))
            r = c.correlation[rows].copy()
            for sized in (False, True):
                sel = np.isnan(r) & (np.isnan(c.sales[rows]) != sized)
                if sel.any():
                    r[sel] = irb.asset_correlation(c.pd[rows][sel], irb.IrbAssetClass.CORPORATE,
                                                   sales_cny=c.sales[rows][sel] if sized else None,
                                                   firm_size=thresholds, pd_floor=floor)
            k = np.asarray(irb.capital_requirement(c.pd[rows], lgd_in[rows], irb.IrbAssetClass.CORPORATE,
                                                   maturity=maturity[rows], pd_floor=floor, correlation=r))
            rw_irb = 12.5 * k
            rw_irb = np.where(subst[rows], substituted_risk_weight(rw_irb, m["covered"][rows],
                                                                   c.pool_risk_weight[rows]), rw_irb)
            rw[rows], rate[rows] = rw_irb, c.capital_ratio[rows] * rw_irb
            corr[rows], mat[rows], lgd[rows] = r, maturity[rows], lgd_in[rows]
    m.update(capital_rate=rate, risk_weight=rw, correlation=corr, maturity_years=mat, capital_lgd=lgd)


def _profile(c: LoanColumns, rate: np.ndarray) -> dict[str, np.ndarray]:
    """What both legs share on the schedule at ``rate``: schedule, default probabilities and timing,
    EAD and the closed-form ``E[L]`` per period, (n, K)."""
    s = schedules(c.term, c.amortisation, rate)
    mask, tau, e = s["mask"], s["tau"], s["exposure"]
    w = _rowsum(tau * e)
    maturity = np.clip(_rowsum(s["t_end"] * s["repaid"]) / _rowsum(s["repaid"]), MATURITY_FLOOR_YEARS,
                       MATURITY_CAP_YEARS)
    pd = np.asarray(c.pd)[:, None]
    d = period_default_probabilities(pd, s["t_start"], s["t_end"])
    timing = period_default_timing(pd, s["t_start"], s["t_end"])
    ead = c.amount[:, None] * np.where(mask, e, 1.0)  # padded periods: any positive EAD, losses masked
    terms = RecoveryTerms(*(a[:, None] for a in (c.p_no_sale, c.alpha, c.beta, c.net_value, c.unsecured)))
    return {"s": s, "w": w, "maturity": maturity, "d": d, "timing": timing, "ead": ead,
            "el_closed": expected_loss_fraction(terms, ead)}


def _measures(c: LoanColumns, rate: np.ndarray, with_pool: bool,
              prof: dict[str, np.ndarray] | None = None) -> dict[str, np.ndarray]:
    """EL rate, default-weighted LGDs, capital and break-even rate of one leg on the schedule at ``rate``
    (``prof``: :func:`_profile` of the same loans and rate, when the other leg computed it)."""
    prof = _profile(c, rate) if prof is None else prof
    s, w, maturity, d, timing, ead = (prof[k] for k in ("s", "w", "maturity", "d", "timing", "ead"))
    mask, tau, e = s["mask"], s["tau"], s["exposure"]
    p = c.pool if with_pool else np.zeros(c.n)
    has_no_pool = (with_pool & (p > 0) & (c.method == _IRB) & (c.crm != _LGDADJ))
    el_k, bank, bank0 = _losses(c, ead, mask, with_pool, has_no_pool, prof["el_closed"])
    wl = timing * e
    wsum = _rowsum(wl)
    m = {
        "exposure_years": w, "last": s["last"], "maturity": maturity,
        "el": _rowsum(d * e * bank) / w,
        "lgd_default": _rowsum(wl * bank) / wsum,
        "lgd_collateral": _rowsum(wl * el_k) / wsum,
        "lgd_capital": _rowsum(tau * e * bank) / w,
        "lgd_capital_no_pool": _rowsum(tau * e * bank0) / w,
        "has_no_pool": has_no_pool,
    }
    use_cover = with_pool & (p > 0) & (c.method != _ECON) & (c.crm == _SUBST)
    m["covered"] = np.where(use_cover, covered_share(p[:, None], c.pool_cap[:, None], ead, tau * e), 0.0)
    _capital(c, m, with_pool)
    m["charge"] = capital_charge(m["capital_rate"], c.tax, c.hurdle, c.capital_return)
    m["break_even"] = break_even_rate(c.funding, c.opex, m["el"], m["capital_rate"], c.tax, c.hurdle,
                                      c.capital_return)
    m["_profile"] = prof
    return m


def capital_charge(capital, tax, hurdle, capital_return):
    """Rate the loan must earn for its capital: ``C·(h − b) / (1 − t)`` per year per CNY
    (the hurdle less the after-tax return the capital itself earns, grossed up for tax)."""
    return capital * (hurdle - capital_return) / (1.0 - tax)


def raroc(rate, funding, opex, expected_loss, capital, tax, capital_return):
    """Risk-adjusted return on capital at contract rate ``rate`` (vectorised).

    ``RAROC = [(rate − funding − opex − EL)·(1 − tax) + capital·capital_return] / capital``
    (``capital_return`` after tax; see :mod:`fundsvc.credit.pricing.loan`). Rates per year per
    CNY of exposure; ``capital`` > 0; any broadcastable shapes.
    """
    return ((rate - funding - opex - expected_loss) * (1.0 - tax) + capital * capital_return) / capital


def break_even_rate(funding, opex, expected_loss, capital, tax, hurdle, capital_return):
    """Contract rate at which RAROC equals ``hurdle`` (vectorised).

    ``r* = funding + opex + EL + capital·(hurdle − capital_return) / (1 − tax)``.
    """
    return funding + opex + expected_loss + capital_charge(capital, tax, hurdle, capital_return)


def _scatter(dst: dict[str, np.ndarray], idx: np.ndarray, src: dict[str, np.ndarray]) -> None:
    for k, v in src.items():
        dst[k][idx] = v


def _leg(c: LoanColumns, with_pool: bool, prof: dict | None = None) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    """Measures at the break-even rate (the annuity fixed point) and at the quoted rate, of one leg.

    For an annuity the schedule depends on the contract rate: ``r* = g(r*)`` with ``g(r)`` the
    break-even on the schedule at ``r``, solved by the secant method per loan (``h = g − r`` has
    slope close to −1; three or four evaluations). Loans stop at their own convergence.
    """
    start = np.where(np.isnan(c.quoted), c.funding, c.quoted)
    m0 = _measures(c, start, with_pool, prof)
    r_prev, h_prev = start.copy(), m0["break_even"] - start
    active = (c.amortisation == _ANNUITY) & ~(np.abs(h_prev) < ANNUITY_TOL)
    if not active.any():
        return m0, m0
    m = {k: v.copy() for k, v in m0.items() if k != "_profile"}
    r = m0["break_even"].copy()
    for _ in range(ANNUITY_MAX_ITER):
        idx = np.flatnonzero(active)
        if not idx.size:
            break
        sub = _measures(c.take(idx), r[idx], with_pool)
        del sub["_profile"]
        _scatter(m, idx, sub)
        g = sub["break_even"]
        h = g - r[idx]
        done = np.abs(h) < ANNUITY_TOL
        ri, rp = r[idx], r_prev[idx]
        with np.errstate(divide="ignore", invalid="ignore"):
            slope = np.where(ri != rp, (h - h_prev[idx]) / (ri - rp), -1.0)
            step = np.where(slope != 0.0, ri - h / slope, g)
        r_prev[idx], h_prev[idx] = ri, h
        r[idx] = np.where(done, ri, step)
        active[idx[done]] = False
    return m, m0


@dataclass(frozen=True, slots=True)
class PricedColumns:
    """Pricing of ``n`` loans, columns ``(n,)``; ``legs[True]`` with the pool, ``legs[False]`` without.

    Each leg maps ``el`` (EL rate), ``lgd_default`` (bank LGD after sharing, default-weighted),
    ``capital_rate``, ``risk_weight``, ``correlation``, ``maturity_years``, ``capital_lgd`` (NaN
    where the capital method has no such figure), ``charge`` (capital charge), ``break_even`` and
    ``raroc`` (NaN without a quoted rate or with zero capital) to arrays. Rates per year per CNY.
    """

    columns: LoanColumns
    legs: dict[bool, dict[str, np.ndarray]]
    pd_cumulative: np.ndarray
    exposure_years: np.ndarray
    average_exposure: np.ndarray
    effective_maturity: np.ndarray
    lgd_unsecured: np.ndarray
    lgd_after_collateral: np.ndarray
    subsidy_rate: np.ndarray
    subsidy_cny: np.ndarray

    def result(self, i: int):
        """Loan ``i`` as a :class:`fundsvc.credit.pricing.loan.PricingResult`."""
        from fundsvc.credit.pricing.loan import PricingLeg, PricingResult, RateComponents
        from fundsvc.credit.pricing.regulatory_capital import CapitalFigures

        c = self.columns
        opt = lambda x: None if np.isnan(x) else float(x)
        method = METHODS[int(c.method[i])]

        def leg(d: dict[str, np.ndarray]) -> PricingLeg:
            cap = CapitalFigures(method, float(d["capital_rate"][i]), opt(d["risk_weight"][i]),
                                 opt(d["correlation"][i]), opt(d["maturity_years"][i]), opt(d["capital_lgd"][i]))
            comp = RateComponents(float(c.funding[i]), float(c.opex[i]), float(d["el"][i]), float(d["charge"][i]))
            return PricingLeg(float(d["lgd_default"][i]), float(d["el"][i]), cap, comp, float(d["break_even"][i]),
                              opt(d["raroc"][i]))

        with_pool = leg(self.legs[True])
        same = self.legs[False] is self.legs[True] or bool(self.legs[False]["same"][i])
        return PricingResult(
            amount_cny=float(c.amount[i]), term_years=float(c.term[i]),
            amortisation=AMORTISATIONS[int(c.amortisation[i])], quoted_rate=opt(c.quoted[i]),
            hurdle_rate=float(c.hurdle[i]), tax_rate=float(c.tax[i]), pd_annual=float(c.pd[i]),
            pd_cumulative=float(self.pd_cumulative[i]), exposure_years=float(self.exposure_years[i]),
            average_exposure=float(self.average_exposure[i]),
            effective_maturity_years=float(self.effective_maturity[i]), lgd_unsecured=float(self.lgd_unsecured[i]),
            lgd_after_collateral=float(self.lgd_after_collateral[i]), with_pool=with_pool,
            without_pool=with_pool if same else leg(self.legs[False]),
            subsidy_rate=float(self.subsidy_rate[i]), subsidy_cny=float(self.subsidy_cny[i]))


def _finish(c: LoanColumns, m: dict[str, np.ndarray], m_quoted: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    q = m_quoted["capital_rate"]
    ok = ~np.isnan(c.quoted) & (q > 0)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        m["raroc"] = np.where(ok, raroc(c.quoted, c.funding, c.opex, m_quoted["el"], q, c.tax, c.capital_return),
                              np.nan)
    return m


def price_columns(c: LoanColumns) -> PricedColumns:
    """Price every loan of ``c``: break-even rate, RAROC at the quoted rate, the pool's subsidy value."""
    pooled, quoted = _leg(c, True)
    start_profile = quoted.pop("_profile")  # the schedule at the start rate: the same for both legs
    pooled.pop("_profile", None)
    with_pool = _finish(c, pooled, quoted)
    same = (c.pool == 0.0) & np.isnan(c.economic_without_pool)  # no pool: the legs coincide
    if same.all():
        without = with_pool
    elif not same.any():
        without = _finish(c, *_leg(c, False, start_profile))
        without.pop("_profile", None)
    else:
        rest = np.flatnonzero(~same)
        part = c.take(rest)
        sub = _finish(part, *_leg(part, False))
        sub.pop("_profile", None)
        without = {k: v.copy() for k, v in with_pool.items()}
        _scatter(without, rest, sub)
    without["same"] = same
    subsidy = without["break_even"] - with_pool["break_even"]
    w = with_pool["exposure_years"]
    return PricedColumns(
        columns=c, legs={True: with_pool, False: without},
        pd_cumulative=-np.expm1(c.term * np.log1p(-c.pd)), exposure_years=w, average_exposure=w / with_pool["last"],
        effective_maturity=with_pool["maturity"], lgd_unsecured=1.0 - c.unsecured,
        lgd_after_collateral=with_pool["lgd_collateral"], subsidy_rate=subsidy, subsidy_cny=subsidy * w * c.amount)


def price_requests(requests: Sequence[PricingRequest]) -> list:
    """:class:`~fundsvc.credit.pricing.loan.PricingResult` of each validated request, in order."""
    priced = price_columns(columns_from_requests(requests))
    return [priced.result(i) for i in range(len(requests))]
