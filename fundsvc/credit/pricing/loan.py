"""Loan pricing for banks: break-even rate, RAROC at a quoted rate, and the pool's subsidy value.

Everything is per year and in decimals (0.045 is 4.5 % a year), per CNY of outstanding
exposure, analytic and fast (no simulation): :func:`price_loan` takes well under a millisecond.

Formulas
--------
With contract rate ``r``, funding cost ``f``, operating cost ``o``, expected-loss rate ``EL``,
capital rate ``C`` (capital per CNY of exposure), tax rate ``t``, return earned on capital
``b`` (default ``b = f``: capital funds part of the loan, saving its funding cost) and hurdle
``h`` (target RAROC, the cost of equity):

    RAROC(r) = [(r − f − o − EL)·(1 − t) + C·b] / C

and the break-even rate, the ``r`` at which ``RAROC = h``, is

    r* = f + o + EL + C·(h − b) / (1 − t)
       = funding + operating cost + expected loss + capital charge.

Tax treatment (kept, stated): the margin is taxed and ``b`` is the **after-tax** return on
capital, so the whole capital charge ``C·(h − b)`` is grossed up by ``1 / (1 − t)``. This is the
after-tax RAROC of Crouhy, Galai & Mark (*Risk Management*, McGraw-Hill, 2001, RAROC chapter;
as used in the GARP FRM Part II readings), RAROC = (revenues − costs − expected losses − taxes
+ return on economic capital) / economic capital with taxes on everything before them, written
with ``b = b_pre·(1 − t)`` for a pre-tax return ``b_pre``: the two forms are identical (worked
example in ``tests/credit_pricing/test_pricing_formulas.py``). The default ``b = f`` (the funding
cost the capital saves) is used as after-tax — an **assumption** that leaves the funding benefit
untaxed; passing ``capital_return_rate = f·(1 − t)`` taxes it and raises ``r*`` by
``C·f·t/(1 − t)`` (0.7 bp at the defaults). Kept because the bundled loan books' contract rates
are calibrated on this formula (``tests/credit_calibration``).

Multi-year loans (see :mod:`fundsvc.credit.pricing.loan_schedule`): the term is cut into annual
periods; the balance ``E_k`` outstanding in period ``k`` follows the amortisation; defaults
follow the constant annual PD ``p`` (cumulative PD ``1 − (1 − p)^T``, default in period ``k``
with probability ``d_k``). Interest, funding, operating cost and capital accrue on the scheduled
balance, so every rate is per CNY of exposure-years ``W = Σ τ_k·E_k``:

    EL = Σ_k d_k·E_k·LGD_k / W,       C = capital rate on each year's balance.

``LGD_k`` is the bank's loss per CNY of EAD after IP collateral, guarantee, insurance and pool
cover (:mod:`fundsvc.credit.pricing.loss_sharing`; it varies with ``k`` because the pool's per-loan cap
and the IP's cover are fixed in CNY while the balance amortises). A one-year bullet loan has
``W = 1``, ``d_1 = p`` and ``EL = p·LGD`` exactly. An annuity's schedule depends on its
rate: the break-even rate is the fixed point computed on the schedule *at* the break-even rate,
RAROC on the schedule at the quoted rate (so quoting ``r*`` gives RAROC = hurdle exactly).

Capital (:mod:`fundsvc.credit.pricing.regulatory_capital`): standardised ``C = capital_ratio × RW``; IRB
``C = capital_ratio × 12.5·K(PD, LGD_C, M)`` with ``LGD_C = Σ τ_k·E_k·LGD_k / W`` (K is linear in
LGD, so this equals the average of each year's K) or ``irb_lgd`` when given, and ``M`` the
effective maturity of the schedule bounded to [1, 5] years (or ``irb_maturity_years``);
economic ``C = economic_capital_rate``.

Pool subsidy: the same loan priced without the pool's cover (pool share 0, so its share falls on
the bank; guarantor and insurer unchanged) gives ``r*_0``; the subsidy value is
``r*_0 − r*`` (reported in bp and as CNY over the life, ``(r*_0 − r*)·W·amount``). Under IRB the
pool lowers both the expected loss and the capital; under the standardised approach the risk
weight is the one you pass (the pool is not treated as eligible credit-risk mitigation), so the
subsidy is the expected-loss channel only; under economic capital pass
``economic_capital_rate_without_pool`` for the capital channel (default: same capital).

Simplifications: no discounting across years (rates are averages over the life); interest is
assumed paid on the scheduled balance and the loss at default is principal only; the recovery
is through-the-cycle (no downturn LGD).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from fundsvc.credit.pricing.batch import break_even_rate, capital_charge, price_columns, raroc
from fundsvc.credit.pricing.loan_columns import columns_from_requests
from fundsvc.credit.pricing.regulatory_capital import CapitalFigures, CapitalMethod
from fundsvc.credit.pricing.request import PricingRequest, make_request
from models.credit import Amortisation

__all__ = [
    "PricingLeg",
    "PricingResult",
    "RateComponents",
    "break_even_rate",
    "capital_charge",
    "price_loan",
    "raroc",
]


@dataclass(frozen=True, slots=True)
class RateComponents:
    """The break-even rate split into its parts, each per year per CNY of exposure."""

    funding: float
    operating_cost: float
    expected_loss: float
    capital_charge: float

    @property
    def total(self) -> float:
        return self.funding + self.operating_cost + self.expected_loss + self.capital_charge


@dataclass(frozen=True, slots=True)
class PricingLeg:
    """Pricing of the loan under one loss-sharing arrangement (with or without the pool).

    Attributes
    ----------
    lgd_after_sharing : float
        Bank's expected loss per CNY of EAD after collateral and sharing, default-weighted
        over the term (``EL·W / Σ d_k·E_k``).
    expected_loss_rate : float
        ``EL`` per year per CNY of exposure.
    capital : CapitalFigures
        Capital rate, method, risk weight (and IRB correlation, maturity, LGD).
    components : RateComponents
        Funding, operating cost, expected loss and capital charge.
    break_even_rate : float
        ``r*`` (sum of the components).
    raroc : float or None
        RAROC at the quoted rate; None without a quoted rate or with zero capital.
    """

    lgd_after_sharing: float
    expected_loss_rate: float
    capital: CapitalFigures
    components: RateComponents
    break_even_rate: float
    raroc: float | None


@dataclass(frozen=True, slots=True)
class PricingResult:
    """Result of :func:`price_loan`: rates per year, decimals, per CNY of exposure.

    The headline figures (``break_even_rate``, ``raroc``, ``expected_loss_rate``,
    ``capital_rate``, ``components``, ``lgd_after_sharing``) are those *with* the pool's cover;
    ``without_pool`` holds the same loan without it, and ``subsidy_*`` the difference.

    Attributes
    ----------
    amount_cny, term_years, amortisation, quoted_rate, hurdle_rate, tax_rate
        Echo of the request.
    pd_annual, pd_cumulative : float
        Annual PD and the PD over the whole term.
    exposure_years : float
        ``W`` per CNY of the amount (= term for a bullet loan).
    average_exposure : float
        ``W / T``, average balance as a fraction of the amount.
    effective_maturity_years : float
        Effective maturity of the schedule, bounded to [1, 5] years.
    lgd_unsecured : float
        Loss per CNY of EAD without the IP (``1 − unsecured recovery``, or the given LGD).
    lgd_after_collateral : float
        Expected loss per CNY of EAD after the IP recovery, before sharing (default-weighted).
    with_pool, without_pool : PricingLeg
    subsidy_rate : float
        ``r*_0 − r*``: how much the pool's cover lowers the break-even rate, per year.
    subsidy_cny : float
        ``subsidy_rate · W · amount``: the same over the life of the loan, undiscounted CNY.
    """

    amount_cny: float
    term_years: float
    amortisation: Amortisation
    quoted_rate: float | None
    hurdle_rate: float
    tax_rate: float
    pd_annual: float
    pd_cumulative: float
    exposure_years: float
    average_exposure: float
    effective_maturity_years: float
    lgd_unsecured: float
    lgd_after_collateral: float
    with_pool: PricingLeg
    without_pool: PricingLeg
    subsidy_rate: float
    subsidy_cny: float

    # ---- headline figures (with the pool) ---------------------------------------------------
    @property
    def break_even_rate(self) -> float:
        return self.with_pool.break_even_rate

    @property
    def raroc(self) -> float | None:
        return self.with_pool.raroc

    @property
    def expected_loss_rate(self) -> float:
        return self.with_pool.expected_loss_rate

    @property
    def lgd_after_sharing(self) -> float:
        return self.with_pool.lgd_after_sharing

    @property
    def capital_rate(self) -> float:
        return self.with_pool.capital.capital_rate

    @property
    def capital_method(self) -> CapitalMethod:
        return self.with_pool.capital.method

    @property
    def components(self) -> RateComponents:
        return self.with_pool.components

    @property
    def subsidy_bp(self) -> float:
        """Pool subsidy value in basis points per year."""
        return 1e4 * self.subsidy_rate

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready dict (enums as their values, headline figures at the top level)."""
        out = _plain(asdict(self))
        for leg in ("with_pool", "without_pool"):
            comp = out[leg]["components"]
            comp["total"] = sum(comp.values())
        out.update(
            break_even_rate=self.break_even_rate,
            raroc=self.raroc,
            expected_loss_rate=self.expected_loss_rate,
            lgd_after_sharing=self.lgd_after_sharing,
            capital_rate=self.capital_rate,
            capital_method=self.capital_method.value,
            subsidy_bp=self.subsidy_bp,
        )
        return out


def _plain(x: Any) -> Any:
    if isinstance(x, dict):
        return {k: _plain(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [_plain(v) for v in x]
    if hasattr(x, "value") and isinstance(x.value, str):
        return x.value
    if isinstance(x, (np.floating, np.integer)):
        return x.item()
    return x


def price_loan(request: PricingRequest | Mapping[str, Any] | None = None, /, **fields: Any) -> PricingResult:
    """Price one loan: break-even rate, RAROC at the quoted rate and the pool's subsidy value.

    Pure and analytic (no simulation); formulas and conventions are in the module docstring of
    :mod:`fundsvc.credit.pricing.loan`.

    Parameters
    ----------
    request : PricingRequest or mapping, optional
        The loan and the bank's economics (see :class:`PricingRequest` for every field).
    **fields
        Request fields by name, e.g. ``price_loan(amount_cny=5e6, term_years=3, pd=0.02,
        ip_appraisal_cny=12e6, pool_share=0.4, quoted_rate=0.045)``.

    Returns
    -------
    PricingResult
        Break-even rate and its components, RAROC at the quoted rate, EL, LGDs, capital, and the
        same without the pool, with the subsidy value (``subsidy_rate``, ``subsidy_bp``,
        ``subsidy_cny``).

    Raises
    ------
    fundsvc.errors.InputError
        For invalid inputs, naming each field and what is wrong.

    Examples
    --------
    >>> r = price_loan(amount_cny=1e6, term_years=1, pd=0.02, lgd=0.5, funding_cost_rate=0.02,
    ...                operating_cost_rate=0.01, tax_rate=0.0, hurdle_rate=0.12, risk_weight=1.0,
    ...                capital_ratio=0.08)
    >>> round(r.break_even_rate, 6)  # 0.02 + 0.01 + 0.02·0.5 + 0.08·(0.12 − 0.02)
    0.048
    """
    req = make_request(request, **fields)
    return price_columns(columns_from_requests([req])).result(0)
