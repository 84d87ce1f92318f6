"""Capital held against one loan, per CNY of exposure: standardised, IRB or economic.

The capital rate ``C`` is capital per CNY of outstanding exposure, held each year the loan is
outstanding; :func:`fundsvc.credit.price_loan` charges ``C·(hurdle − capital return)`` for it.

* **Standardised** (Basel III CRE20; China NFRA 《商业银行资本管理办法》, Order No. 4 of 2023,
  权重法): ``C = capital_ratio × RW``. Risk weights (fractions):

  - :data:`RW_REGULATORY_RETAIL` = 0.75 — regulatory retail (Basel CRE20.65–20.66; it covers
    small-business exposures meeting the product, granularity and size criteria);
  - :data:`RW_CORPORATE_SME` = 0.85 — unrated corporate SME, annual sales ≤ EUR 50m (CRE20.47);
  - :data:`RW_CORPORATE` = 1.00 — unrated general corporate (CRE20.42).

  Checked against a published mirror of the Basel 3.1 rule tables (corporate SME 0.85, retail
  0.75, unrated corporate 1.00). China's 2023 rules use the same three figures, as we recall
  them, for qualifying small and micro firms (75 %), other SMEs (85 %) and general corporates
  (100 %); we could not retrieve the NFRA text to verify this, so treat the Chinese mapping as
  unverified and pass the weight your bank actually applies.
* **IRB** (corporate, with the SME firm-size adjustment): ``K`` from
  :func:`fundsvc.credit.analytics.irb.capital_requirement` (Basel II §272–273; CRE31),
  ``RW = 12.5·K`` and ``C = capital_ratio × RW`` (so ``C = K`` at an 8 % ratio). The size
  thresholds come from :class:`fundsvc.credit.analytics.irb.FirmSizeThresholds`
  (RMB 30m / 300m by default, or Basel's EUR 5m / 50m, or custom CNY bounds).
* **Economic**: ``C`` given, e.g. the loan's Euler (expected-shortfall) contribution per CNY of
  exposure from the credit portfolio simulation.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from fundsvc.credit.analytics import irb

__all__ = [
    "RW_CORPORATE",
    "RW_CORPORATE_SME",
    "RW_REGULATORY_RETAIL",
    "CapitalFigures",
    "CapitalMethod",
    "SizeThresholds",
    "economic_capital",
    "firm_size_thresholds",
    "irb_capital",
    "standardised_capital",
]

#: Standardised risk weight of regulatory retail exposures, incl. qualifying small businesses (CRE20.65).
RW_REGULATORY_RETAIL = 0.75
#: Standardised risk weight of unrated corporate SMEs (sales ≤ EUR 50m), Basel III CRE20.47.
RW_CORPORATE_SME = 0.85
#: Standardised risk weight of unrated general corporates, Basel III CRE20.42.
RW_CORPORATE = 1.00


class CapitalMethod(StrEnum):
    """How the loan's capital is set."""

    STANDARDISED = "standardised"  # 权重法
    IRB = "irb"  # 内部评级法 (corporate formula; the bank's LGD unless ``irb_lgd`` is given)
    ECONOMIC = "economic"  # 经济资本 (portfolio simulation contribution)

    @property
    def label_zh(self) -> str:
        return {"standardised": "权重法", "irb": "内部评级法", "economic": "经济资本"}[self.value]


class SizeThresholds(StrEnum):
    """Which sales thresholds the IRB SME firm-size adjustment uses."""

    CN_NFRA_2023 = "cn_nfra_2023"  # RMB 30m – 300m annual revenue
    BASEL_EUR = "basel_eur"  # EUR 5m – 50m at 7.8 CNY/EUR


@dataclass(frozen=True, slots=True)
class CapitalFigures:
    """Capital of one loan.

    Attributes
    ----------
    method : CapitalMethod
    capital_rate : float
        Capital per CNY of outstanding exposure (fraction), held each year.
    risk_weight : float or None
        Risk weight (fraction; 0.9232 is 92.32 %); None for economic capital.
    correlation : float or None
        IRB asset correlation used (after the firm-size adjustment); None otherwise.
    maturity_years : float or None
        IRB effective maturity M used; None otherwise.
    lgd : float or None
        LGD entering the IRB formula; None otherwise.
    """

    method: CapitalMethod
    capital_rate: float
    risk_weight: float | None = None
    correlation: float | None = None
    maturity_years: float | None = None
    lgd: float | None = None


def firm_size_thresholds(
    choice: SizeThresholds = SizeThresholds.CN_NFRA_2023,
    custom_cny: tuple[float, float] | None = None,
) -> irb.FirmSizeThresholds:
    """Thresholds of the SME firm-size adjustment.

    Parameters
    ----------
    choice : SizeThresholds
        ``CN_NFRA_2023`` (RMB 30m / 300m, see the caveat in
        :meth:`FirmSizeThresholds.cn_nfra_2023`) or ``BASEL_EUR`` (EUR 5m / 50m).
    custom_cny : (float, float), optional
        ``(lower, upper)`` annual sales in CNY; overrides ``choice``.

    Returns
    -------
    fundsvc.credit.analytics.irb.FirmSizeThresholds
    """
    if custom_cny is not None:
        lo, hi = custom_cny
        return irb.FirmSizeThresholds(lower=lo / 1e6, upper=hi / 1e6, unit_cny=1e6)
    if choice is SizeThresholds.BASEL_EUR:
        return irb.FirmSizeThresholds.basel_eur()
    return irb.FirmSizeThresholds.cn_nfra_2023()


def standardised_capital(risk_weight: float, capital_ratio: float) -> CapitalFigures:
    """``C = capital_ratio × RW`` (fractions)."""
    return CapitalFigures(CapitalMethod.STANDARDISED, capital_ratio * risk_weight, risk_weight=risk_weight)


def irb_capital(
    pd: float,
    lgd: float,
    maturity_years: float,
    capital_ratio: float,
    *,
    sales_cny: float | None = None,
    thresholds: irb.FirmSizeThresholds | None = None,
    correlation: float | None = None,
    pd_floor: float = irb.BASEL_III_PD_FLOOR,
) -> CapitalFigures:
    """Corporate IRB capital: ``K`` from the analytics module, ``RW = 12.5·K``, ``C = ratio·RW``.

    Parameters
    ----------
    pd : float
        One-year PD (floored at ``pd_floor``).
    lgd : float
        LGD in the formula, fraction in [0, 1].
    maturity_years : float
        Effective maturity M, years.
    capital_ratio : float
        Capital per unit of risk-weighted assets (0.08 gives ``C = K``).
    sales_cny : float, optional
        Annual revenue for the SME firm-size adjustment; None for no adjustment.
    thresholds : FirmSizeThresholds, optional
        Size thresholds (default RMB 30m / 300m).
    correlation : float, optional
        Asset correlation override (replaces the supervisory formula and the size adjustment).
    pd_floor : float, default 0.0005
        Basel III / NFRA 2023 corporate PD floor.

    Returns
    -------
    CapitalFigures
    """
    thresholds = thresholds or irb.FirmSizeThresholds.cn_nfra_2023()
    if correlation is None:
        r = float(irb.asset_correlation(pd, irb.IrbAssetClass.CORPORATE, sales_cny=sales_cny,
                                        firm_size=thresholds, pd_floor=pd_floor))
    else:
        r = float(correlation)
    k = float(irb.capital_requirement(pd, lgd, irb.IrbAssetClass.CORPORATE, maturity=maturity_years,
                                      pd_floor=pd_floor, correlation=r))
    rw = 12.5 * k
    return CapitalFigures(CapitalMethod.IRB, capital_ratio * rw, risk_weight=rw, correlation=r,
                          maturity_years=maturity_years, lgd=lgd)


def economic_capital(rate: float) -> CapitalFigures:
    """Economic capital given as a rate per CNY of exposure (e.g. an ES contribution)."""
    return CapitalFigures(CapitalMethod.ECONOMIC, rate)
