"""A loan book priced by its own model: per-loan pricing requests, and the book report per grade and product.

Every loan is priced with the kernel of :func:`fundsvc.credit.price_loan` (all loans in one call)
using the scenario's recovery model (the same one the credit engine draws: IP disposal, workout recovery, guarantor credit) and,
for pooled loans, the pool's sharing terms. The loan-book generator
(:mod:`fundsvc.loangen`) sets contract rates from the same requests (break-even + a spread), and
``fundsvc book-report RUN`` shows, per grade and product, exposure-weighted averages of

* ``el_rate`` — expected loss per year per CNY of exposure (bank's, after sharing),
* ``lgd`` — LGD after every recovery, before sharing (default-weighted),
* ``rate`` — contract rate, ``break_even`` — the rate at which RAROC = hurdle,
* ``raroc`` — RAROC at the contract rate,

each with the pool's cover and without it (``*_no_pool``). Rates per year, decimals.
Averages are weighted by loan amount (CNY).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import polars as pl

from fundsvc.credit.pricing.batch import price_requests
from fundsvc.credit.pricing.request import make_request
from models.credit import AchievementLoan, IPRecoveryModel, PDMasterScale, RiskSharingPool
from models.recovery import RecoverySources

__all__ = ["BookPricingContext", "book_report", "loan_request", "price_book"]


@dataclass(frozen=True)
class BookPricingContext:
    """What pricing a book needs besides the loans.

    Attributes
    ----------
    ip_recovery : IPRecoveryModel
    recovery_sources : RecoverySources or None
    pools : dict of str to RiskSharingPool
        Pools by id.
    master_scale : PDMasterScale or None
    economics : dict
        Bank economics passed to every request (funding, opex, tax, hurdle, capital …); the
        request defaults when empty.
    """

    ip_recovery: IPRecoveryModel
    recovery_sources: RecoverySources | None
    pools: dict[str, RiskSharingPool]
    master_scale: PDMasterScale | None = None
    economics: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def of_scenario(cls, scenario, **economics: Any) -> BookPricingContext:
        return cls(scenario.ip_recovery, scenario.recovery_sources, {p.id: p for p in scenario.pools},
                   scenario.pd_master_scale, dict(economics))


def loan_request(ctx: BookPricingContext, *, amount_cny: float, term_years: float, amortisation: str, pd: float,
                 product: str, pool_id: str | None, guarantee_share: float, insurance_share: float,
                 ip_type: str | None, ip_appraisal_cny: float | None, quoted_rate: float | None) -> dict[str, Any]:
    """Fields of the :class:`~fundsvc.credit.pricing.request.PricingRequest` of one loan."""
    req: dict[str, Any] = {
        "amount_cny": float(amount_cny), "term_years": float(term_years), "amortisation": amortisation,
        "pd": float(pd), "product": product, "recovery": ctx.ip_recovery,
        "recovery_sources": ctx.recovery_sources, "quoted_rate": quoted_rate, **ctx.economics,
    }
    if ip_type is not None and ip_appraisal_cny:
        req.update(ip_type=ip_type, ip_appraisal_cny=float(ip_appraisal_cny))
    if pool_id is not None:
        req["pool"] = ctx.pools[pool_id]
    else:
        req.update(guarantee_share=float(guarantee_share), insurance_share=float(insurance_share))
    return req


def _loan_fields(loan: AchievementLoan, pd: float) -> dict[str, Any]:
    return {
        "amount_cny": loan.amount_cny, "term_years": loan.term_years, "amortisation": loan.amortisation.value,
        "pd": pd, "product": loan.product.value, "pool_id": loan.pool_id, "guarantee_share": loan.guarantee_share,
        "insurance_share": loan.insurance_share, "ip_type": loan.ip.ip_type.value if loan.ip else None,
        "ip_appraisal_cny": loan.ip.appraised_value_cny if loan.ip else None,
    }


def price_book(scenario, **economics: Any) -> pl.DataFrame:
    """Price every loan of ``scenario`` at its contract rate; one row per loan.

    Columns: loan_id, grade (rating, or ``pd`` for loans with their own PD), product, pooled,
    amount_cny, pd, rate, lgd, el_rate, break_even, raroc, el_rate_no_pool, break_even_no_pool,
    raroc_no_pool, subsidy_bp.
    """
    ctx = BookPricingContext.of_scenario(scenario, **economics)
    rows = []
    pds = [scenario.loan_pd(loan) for loan in scenario.loans]
    reqs = [make_request(loan_request(ctx, **_loan_fields(loan, pd), quoted_rate=loan.rate))
            for loan, pd in zip(scenario.loans, pds, strict=True)]
    for loan, pd, r in zip(scenario.loans, pds, price_requests(reqs), strict=True):  # one kernel call
        rows.append({
            "loan_id": loan.loan_id, "grade": loan.rating or "pd", "product": loan.product.value,
            "pooled": loan.pool_id is not None, "amount_cny": loan.amount_cny, "pd": pd, "rate": loan.rate,
            "lgd": r.lgd_after_collateral, "el_rate": r.expected_loss_rate, "break_even": r.break_even_rate,
            "raroc": r.raroc, "el_rate_no_pool": r.without_pool.expected_loss_rate,
            "break_even_no_pool": r.without_pool.break_even_rate, "raroc_no_pool": r.without_pool.raroc,
            "subsidy_bp": r.subsidy_bp,
        })
    return pl.DataFrame(rows)


_MEASURES = ("pd", "lgd", "el_rate", "rate", "break_even", "raroc", "el_rate_no_pool", "break_even_no_pool",
             "raroc_no_pool")


def book_report(priced: pl.DataFrame, by: tuple[str, ...] = ("grade", "product")) -> pl.DataFrame:
    """Amount-weighted averages of the priced book per group (and ``n_loans``, ``amount_cny``),
    plus ``below_break_even`` — the amount share of loans priced under their own break-even rate."""
    w = pl.col("amount_cny")
    aggs = [pl.len().alias("n_loans"), w.sum().alias("amount_cny")]
    aggs += [((pl.col(c) * w).sum() / w.sum()).alias(c) for c in _MEASURES]
    aggs.append((((pl.col("rate") < pl.col("break_even")).cast(pl.Float64) * w).sum() / w.sum())
                .alias("below_break_even"))
    return priced.group_by(list(by)).agg(aggs).sort(list(by))


def book_summary(priced: pl.DataFrame) -> dict[str, float]:
    """Whole-book figures: amount-weighted LGD, EL rate before sharing (PD × LGD) and after, RAROC
    quantiles across loans (amount-weighted mean, P10, P50, P90)."""
    a = priced["amount_cny"].to_numpy()
    wavg = lambda c: float(np.dot(priced[c].to_numpy(), a) / a.sum())
    gross = float(np.dot(priced["pd"].to_numpy() * priced["lgd"].to_numpy(), a) / a.sum())
    ra = priced["raroc"].to_numpy()
    return {
        "lgd": wavg("lgd"), "loss_rate_before_sharing": gross, "el_rate": wavg("el_rate"),
        "raroc_mean": wavg("raroc"), "raroc_p10": float(np.quantile(ra, 0.1)),
        "raroc_p50": float(np.quantile(ra, 0.5)), "raroc_p90": float(np.quantile(ra, 0.9)),
    }
