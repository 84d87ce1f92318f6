"""Economic capital for pricing, from the credit portfolio simulation.

The capital rate of ``capital_method="economic"`` is the loan's Euler contribution to the
expected shortfall of its bank's book, less its expected loss (unexpected-loss capital), per CNY
lent, over the first year — computed by the credit engine
(:func:`fundsvc.credit.engine.risk_contributions.loan_capital`, which adds the loan to the scenario's
book, simulates the shared factors and the book jointly, and allocates ES by Euler). This module
only translates a :class:`PricingRequest` into the engine's loan and calls it twice: with the
pool's cover and, for the subsidy counterfactual, without it (the pool's share then falls on the
bank; guarantor and insurer keep their shares). The pool's depletion is simulated, so
``pool_pay_probability`` does not enter the economic capital (it still enters the analytic EL).

It is a simulation (about a second for 20 000 paths on the small scenario), so it is opt-in:
:func:`fundsvc.credit.price_loan` itself never simulates. With the default 20 000 paths and
α = 99.9 % the ES tail holds 20 paths, so one loan's contribution carries Monte Carlo noise;
use more paths for decisions.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass
from typing import Any

from fundsvc.credit.pricing.regulatory_capital import CapitalMethod
from fundsvc.credit.pricing.request import PricingRequest, make_request
from fundsvc.errors import InputError, Problem
from models.common import Sector
from models.credit import AchievementLoan, IPCollateral, Party
from models.scenario import Scenario

__all__ = ["EconomicCapital", "economic_capital_rates", "engine_loan", "price_loan_simulated"]

SOURCE = "<input>"
PRICED_LOAN_ID = "priced-loan"
_MAX_CONTRACT_RATE = 0.36  # AchievementLoan.rate bound


@dataclass(frozen=True, slots=True)
class EconomicCapital:
    """Economic capital per CNY lent, with and without the pool, and the engine's details.

    Attributes
    ----------
    rate_with_pool, rate_without_pool : float
        Capital per CNY lent (ES contribution − EL, first year), floored at 0.
    with_pool, without_pool : fundsvc.credit.engine.risk_contributions.LoanRisk
        The engine's figures (EL, VaR / ES contributions, portfolio VaR / ES, level, paths).
    with_pool_bank : str
        The lender whose book is the ES portfolio.
    """

    rate_with_pool: float
    rate_without_pool: float
    with_pool: Any
    without_pool: Any
    with_pool_bank: str


def _fail(location: str, message: str) -> InputError:
    return InputError([Problem(SOURCE, location, message)])


def _default_bank(scenario: Scenario) -> str:
    if not scenario.loans:
        return "bank"
    totals: Counter[str] = Counter()
    for loan in scenario.loans:
        totals[loan.bank] += loan.amount_cny
    return totals.most_common(1)[0][0]


def _default_sector(scenario: Scenario, bank: str) -> Sector:
    own = Counter(loan.sector for loan in scenario.loans if loan.bank == bank)
    if own:
        return own.most_common(1)[0][0]
    return Sector.OTHER if Sector.OTHER in scenario.market.sectors else scenario.market.sectors[0]


def engine_loan(
    req: PricingRequest,
    scenario: Scenario,
    *,
    with_pool: bool = True,
    bank: str | None = None,
    sector: Sector | None = None,
) -> AchievementLoan:
    """The request as a loan of the scenario's book, originated at the simulation start.

    Parameters
    ----------
    req : PricingRequest
        Must carry the IP collateral (the simulation models IP recovery, not a given LGD) and,
        if pooled, a pool of the scenario (``req.pool``).
    scenario : Scenario
        Supplies the start date, market sectors, pools and the IP recovery model.
    with_pool : bool, default True
        False gives the counterfactual: not pooled, guarantor and insurer keep the pool's shares.
    bank : str, optional
        Lender (its book is the ES portfolio); default the bank with the largest book.
    sector : Sector, optional
        Borrower's sector; default the bank's most common sector.

    Returns
    -------
    AchievementLoan
    """
    if req.lgd is not None or req.ip_value_cny is None:
        raise _fail("lgd", "economic capital from the simulation models the IP recovery: give the pledged IP "
                           "(ip_appraisal_cny or pledge_rate) instead of lgd")
    if req.unsecured_recovery_rate > 0:
        raise _fail("unsecured_recovery_rate", "the portfolio simulation has no unsecured recovery; set it to 0")
    if req.pool is None and req.pool_share > 0:
        raise _fail("pool_share", "economic capital from the simulation needs the pool as one of the scenario's "
                                  "pools (pool=...), not just a pool share")
    if req.pool is not None and req.pool.id not in {p.id for p in scenario.pools}:
        ids = ", ".join(p.id for p in scenario.pools) or "none"
        raise _fail("pool", f"pool '{req.pool.id}' is not in scenario '{scenario.name}' (its pools: {ids})")
    banks = sorted({loan.bank for loan in scenario.loans})
    if bank is not None and bank not in banks:
        raise _fail("bank", f"bank '{bank}' lends nothing in scenario '{scenario.name}' "
                            f"(its banks: {', '.join(banks) or 'none'})")
    bank = bank or _default_bank(scenario)
    sector = sector or _default_sector(scenario, bank)
    start = scenario.simulation.start_date
    rate = req.quoted_rate if req.quoted_rate is not None else req.funding_cost_rate + req.operating_cost_rate
    if req.pool is not None and with_pool:
        pool_id, g, s = req.pool.id, 0.0, 0.0
    elif req.pool is not None:
        sh = req.pool.shares
        pool_id, g, s = None, sh.get(Party.GUARANTOR, 0.0), sh.get(Party.INSURER, 0.0)
    else:
        pool_id, g, s = None, req.guarantee_share, req.insurance_share
    try:
        return AchievementLoan(
            loan_id=PRICED_LOAN_ID, bank=bank, sector=sector, amount_cny=req.amount_cny, origination=start,
            maturity=start + dt.timedelta(days=max(1, round(365 * req.term_years))),
            amortisation=req.amortisation, rate=min(max(rate, 0.0), _MAX_CONTRACT_RATE), pd=req.annual_pd,
            pool_id=pool_id, guarantee_share=g, insurance_share=s, annual_revenue_cny=req.annual_revenue_cny,
            ip=IPCollateral(ip_type=req.ip_type, appraised_value_cny=req.ip_value_cny),
        )
    except ValueError as exc:  # pydantic ValidationError is a ValueError
        raise _fail("loan", f"cannot express the request as a loan of the scenario: {exc}") from None


def _request(request: PricingRequest | dict[str, Any]) -> PricingRequest:
    """Validate a request whose economic capital rate is still to be simulated."""
    if isinstance(request, PricingRequest):
        return request
    fields = dict(request)
    if fields.get("capital_method") in (CapitalMethod.ECONOMIC, CapitalMethod.ECONOMIC.value):
        # validate everything but the capital rate, which is simulated next; the priced request
        # is rebuilt with CapitalMethod.ECONOMIC and the simulated rates
        fields["capital_method"] = CapitalMethod.STANDARDISED
    return make_request(fields)


def economic_capital_rates(
    request: PricingRequest | dict[str, Any],
    scenario: Scenario,
    *,
    bank: str | None = None,
    sector: Sector | None = None,
    n_paths: int = 20_000,
    seed: int = 0,
    level: float = 0.999,
) -> EconomicCapital:
    """Simulate the loan's economic capital per CNY, with and without the pool (same random numbers).

    Parameters
    ----------
    request : PricingRequest or mapping
        The loan (see :func:`engine_loan` for what it must contain).
    scenario : Scenario
        Book, pools, market and IP recovery model of the simulation.
    bank, sector
        See :func:`engine_loan`.
    n_paths : int, default 20 000
        Simulated paths.
    seed : int, default 0
        Seed; both runs use it, so the difference is not blurred by sampling noise in the factors.
    level : float, default 0.999
        ES confidence level.

    Returns
    -------
    EconomicCapital
    """
    from fundsvc.credit.engine.risk_contributions import (
        loan_capital,  # heavy (polars); only when simulating
    )

    req = _request(request)
    out = []
    loans = [engine_loan(req, scenario, with_pool=w, bank=bank, sector=sector) for w in (True, False)]
    for loan in loans:
        out.append(loan_capital(scenario, loan, n_paths=n_paths, seed=seed, level=level))
    return EconomicCapital(max(out[0].capital_rate, 0.0), max(out[1].capital_rate, 0.0), out[0], out[1],
                           loans[0].bank)


def price_loan_simulated(
    request: PricingRequest | dict[str, Any],
    scenario: Scenario,
    **options: Any,
):
    """:func:`fundsvc.credit.price_loan` with economic capital simulated on ``scenario``.

    ``options`` go to :func:`economic_capital_rates`. Returns ``(PricingResult, EconomicCapital)``.
    """
    from fundsvc.credit.pricing.loan import price_loan

    req = _request(request)
    ec = economic_capital_rates(req, scenario, **options)
    result = price_loan(req.model_dump(exclude_unset=True) | {
        "capital_method": CapitalMethod.ECONOMIC,
        "economic_capital_rate": ec.rate_with_pool,
        "economic_capital_rate_without_pool": ec.rate_without_pool,
    })
    return result, ec
