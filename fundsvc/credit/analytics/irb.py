"""Basel II/III IRB (internal ratings-based) risk-weight functions.

Implements the supervisory formulas of Basel II (BCBS, *International Convergence of Capital
Measurement and Capital Standards — Comprehensive Version*, June 2006, §§272–273 and §§328–330;
illustrative values in Annex 5), unchanged in substance in the consolidated Basel Framework
(CRE31.5–31.15), and explained in BCBS (2005), *An Explanatory Note on the Basel II IRB Risk
Weight Functions*:

* corporate / sovereign / bank correlation
  ``R = 0.12·w + 0.24·(1 − w)``, ``w = (1 − e^{−50·PD}) / (1 − e^{−50})``;
* SME firm-size adjustment ``−0.04·(1 − (S − S_lo)/(S_hi − S_lo))`` with ``S`` the annual sales
  clamped to ``[S_lo, S_hi]`` (Basel: EUR 5m and 50m), see :class:`FirmSizeThresholds`;
* maturity slope ``b = (0.11852 − 0.05478·ln PD)²`` and adjustment
  ``MA = (1 + (M − 2.5)·b) / (1 − 1.5·b)``;
* capital ``K = [LGD·Φ((Φ⁻¹(PD) + √R·Φ⁻¹(0.999)) / √(1 − R)) − PD·LGD] · MA``;
* risk weight ``RW = 12.5·K`` (RWA = RW · EAD);
* retail: residential mortgages ``R = 0.15``, qualifying revolving ``R = 0.04``, other retail
  ``R = 0.03·w + 0.16·(1 − w)`` with ``w = (1 − e^{−35·PD}) / (1 − e^{−35})``; no maturity
  adjustment.

PD is floored before use (Basel II: 0.03 %, :data:`BASEL_II_PD_FLOOR`; Basel III final reform,
CRE32: 0.05 % for corporates and most retail, :data:`BASEL_III_PD_FLOOR`; QRR revolvers 0.1 %).
Rates are fractions; PD is one-year; maturity M is in years; sales are in CNY.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

import numpy as np

from fundsvc.credit.analytics._checks import as_float_array, check_probability, check_range, fail

__all__ = [
    "BASEL_III_PD_FLOOR",
    "BASEL_II_PD_FLOOR",
    "IRB_CONFIDENCE",
    "MATURITY_BOUNDS_YEARS",
    "FirmSizeThresholds",
    "IrbAssetClass",
    "asset_correlation",
    "capital_requirement",
    "corporate_correlation",
    "firm_size_adjustment",
    "maturity_adjustment",
    "maturity_slope",
    "other_retail_correlation",
    "risk_weight",
]

#: Basel II PD floor for corporate, bank and retail exposures (June 2006 framework, §285, §331).
BASEL_II_PD_FLOOR = 0.0003
#: Basel III (2017 final reform, CRE32) PD floor for corporates and most retail exposures.
BASEL_III_PD_FLOOR = 0.0005
#: Confidence level of the IRB capital formula.
IRB_CONFIDENCE = 0.999
#: Bounds of the effective maturity M in years: "M will be no greater than 5 years" and "no
#: less than one year" (Basel II, June 2006 framework, ¶320; CRE32.47 in the consolidated
#: framework). :func:`capital_requirement` and :func:`risk_weight` apply them.
MATURITY_BOUNDS_YEARS = (1.0, 5.0)


class IrbAssetClass(Enum):
    """IRB asset classes with distinct risk-weight functions.

    ``CORPORATE`` also covers sovereign and bank exposures (same formula; the firm-size
    adjustment applies only when sales are given). Retail classes have no maturity adjustment.
    """

    CORPORATE = "corporate"
    RESIDENTIAL_MORTGAGE = "residential_mortgage"
    QUALIFYING_REVOLVING_RETAIL = "qualifying_revolving_retail"
    OTHER_RETAIL = "other_retail"


#: EUR→CNY rate used by the default :class:`FirmSizeThresholds` (CNY per EUR). A round figure
#: close to the 2024 average of the PBoC EUR/CNY central parity (about 7.8). Basel prescribes no
#: conversion; supply your own with :meth:`FirmSizeThresholds.basel_eur`.
DEFAULT_EUR_CNY = 7.8


@dataclass(frozen=True, slots=True)
class FirmSizeThresholds:
    """Sales thresholds of the SME firm-size adjustment, in a stated currency unit.

    The adjustment to the corporate correlation is
    ``−0.04 · (1 − (S − lower) / (upper − lower))`` with ``S = sales_cny / unit_cny`` clamped to
    ``[lower, upper]``; firms with ``S ≥ upper`` get no adjustment, firms at or below ``lower``
    get the full −0.04.

    Parameters
    ----------
    lower : float, default 5.0
        Sales level (in units) at or below which the full adjustment applies.
    upper : float, default 50.0
        Sales level (in units) from which no adjustment applies (the SME ceiling).
    unit_cny : float, default 7.8e6
        Value of one unit in CNY. The default is Basel's EUR 5m / EUR 50m (Basel II §273–274;
        CRE31.9) with one unit = EUR 1 million converted at :data:`DEFAULT_EUR_CNY` = 7.8 CNY per
        EUR, i.e. CNY 39m / 390m. The rate is our stated assumption, not a regulatory figure.

    See Also
    --------
    FirmSizeThresholds.basel_eur : Basel thresholds at a chosen EUR/CNY rate.
    FirmSizeThresholds.cn_nfra_2023 : Chinese thresholds in RMB (see its caveat).
    """

    lower: float = 5.0
    upper: float = 50.0
    unit_cny: float = 1e6 * DEFAULT_EUR_CNY

    def __post_init__(self):
        values = (self.lower, self.upper, self.unit_cny)
        if not all(np.isfinite(v) for v in values) or self.unit_cny <= 0 or self.lower < 0:
            raise fail(
                "firm_size", "lower, upper and unit_cny must be finite, lower ≥ 0, unit_cny > 0"
            )
        if not self.upper > self.lower:
            raise fail("firm_size", f"upper ({self.upper}) must exceed lower ({self.lower})")

    @classmethod
    def basel_eur(cls, eur_cny: float = DEFAULT_EUR_CNY) -> FirmSizeThresholds:
        """Basel's EUR 5m / EUR 50m thresholds, one unit = EUR 1m at ``eur_cny`` CNY per EUR.

        Parameters
        ----------
        eur_cny : float, default 7.8
            Exchange rate in CNY per EUR.
        """
        if not (np.isfinite(eur_cny) and eur_cny > 0):
            raise fail(
                "eur_cny", f"must be a positive exchange rate (CNY per EUR); got {eur_cny!r}"
            )
        return cls(lower=5.0, upper=50.0, unit_cny=1e6 * float(eur_cny))

    @classmethod
    def cn_nfra_2023(cls) -> FirmSizeThresholds:
        """Thresholds in RMB for China's capital rules: RMB 30m to RMB 300m.

        One unit = RMB 10 million (千万元), ``lower = 3``, ``upper = 30``, giving the
        adjustment ``−0.04 · (1 − (S − 3)/27)``; the SME ceiling is annual operating revenue
        (年营业收入) of RMB 300 million (3亿元), below RMB 30 million treated as 30 million.

        **Unverified.** We could not retrieve the regulation text with the tools available to
        us. The form above is our recollection of CBRC 《商业银行资本管理办法(试行)》 (2012,
        Annex 3, corporate SME correlation) and is believed to be carried over into NFRA
        《商业银行资本管理办法》 (Order No. 4 of 2023, in force 1 January 2024), whose SME
        definition uses annual revenue ≤ 3亿元. Check the official annex before regulatory use,
        or construct :class:`FirmSizeThresholds` directly with the verified figures.
        """
        return cls(lower=3.0, upper=30.0, unit_cny=1e7)

    def adjustment(self, sales_cny):
        """Correlation adjustment (≤ 0) for annual sales in CNY; shape of ``sales_cny``."""
        return firm_size_adjustment(sales_cny, self)


def _floored_pd(pd, pd_floor: float) -> np.ndarray:
    pd = check_probability("pd", pd)
    floor = float(check_probability("pd_floor", pd_floor))
    return np.maximum(pd, floor)


def _weight(pd: np.ndarray, k: float) -> np.ndarray:
    return -np.expm1(-k * pd) / -np.expm1(-k)


def corporate_correlation(pd):
    """Basel corporate/sovereign/bank asset correlation (no firm-size adjustment, no floor).

    ``R = 0.12·w + 0.24·(1 − w)``, ``w = (1 − e^{−50·PD}) / (1 − e^{−50})``.

    Parameters
    ----------
    pd : float or array_like
        One-year PD, fraction in [0, 1] (apply the PD floor first if required).

    Returns
    -------
    float or numpy.ndarray
        Asset correlation in [0.12, 0.24], shape of ``pd``.
    """
    pd = check_probability("pd", pd)
    w = _weight(pd, 50.0)
    return _out(0.12 * w + 0.24 * (1.0 - w))


def other_retail_correlation(pd):
    """Basel "other retail" asset correlation (no floor applied).

    ``R = 0.03·w + 0.16·(1 − w)``, ``w = (1 − e^{−35·PD}) / (1 − e^{−35})``.

    Parameters
    ----------
    pd : float or array_like
        One-year PD, fraction in [0, 1].

    Returns
    -------
    float or numpy.ndarray
        Asset correlation in [0.03, 0.16], shape of ``pd``.
    """
    pd = check_probability("pd", pd)
    w = _weight(pd, 35.0)
    return _out(0.03 * w + 0.16 * (1.0 - w))


def firm_size_adjustment(sales_cny, thresholds: FirmSizeThresholds = FirmSizeThresholds()):
    """SME firm-size adjustment to the corporate correlation.

    ``−0.04 · (1 − (S − lower)/(upper − lower))`` with ``S = sales_cny / unit_cny`` clamped to
    ``[lower, upper]``. Zero for firms at or above the SME ceiling.

    Parameters
    ----------
    sales_cny : float or array_like
        Annual sales (turnover / operating revenue) of the consolidated group, CNY, ≥ 0.
        ``numpy.inf`` means "large firm" (no adjustment).
    thresholds : FirmSizeThresholds, optional
        Thresholds and currency unit; default Basel EUR 5m/50m at 7.8 CNY/EUR.

    Returns
    -------
    float or numpy.ndarray
        Adjustment in [−0.04, 0], shape of ``sales_cny``.
    """
    sales = as_float_array("sales_cny", sales_cny)
    if np.any(np.isnan(sales) | (sales < 0)):
        raise fail("sales_cny", "annual sales must be non-negative amounts in CNY")
    s = np.clip(sales / thresholds.unit_cny, thresholds.lower, thresholds.upper)
    return _out(-0.04 * (1.0 - (s - thresholds.lower) / (thresholds.upper - thresholds.lower)))


def asset_correlation(
    pd,
    asset_class: IrbAssetClass = IrbAssetClass.CORPORATE,
    *,
    sales_cny=None,
    firm_size: FirmSizeThresholds = FirmSizeThresholds(),
    pd_floor: float = BASEL_II_PD_FLOOR,
):
    """Supervisory asset correlation R for an IRB asset class.

    Parameters
    ----------
    pd : float or array_like
        One-year PD, fraction in [0, 1]; floored at ``pd_floor``.
    asset_class : IrbAssetClass, default CORPORATE
        Which risk-weight function.
    sales_cny : float or array_like, optional
        Annual sales in CNY for the SME firm-size adjustment (corporate class only). ``None``
        means no adjustment.
    firm_size : FirmSizeThresholds, optional
        Thresholds of the firm-size adjustment.
    pd_floor : float, default 0.0003
        PD floor (Basel II 0.03 %; use :data:`BASEL_III_PD_FLOOR` for 0.05 %).

    Returns
    -------
    float or numpy.ndarray
        Asset correlation, broadcast shape of ``pd`` and ``sales_cny``.
    """
    asset_class = _check_class(asset_class)
    pd = _floored_pd(pd, pd_floor)
    if sales_cny is not None and asset_class is not IrbAssetClass.CORPORATE:
        raise fail("sales_cny", "the firm-size adjustment applies to the corporate class only")
    if asset_class is IrbAssetClass.CORPORATE:
        r = np.asarray(corporate_correlation(pd))
        if sales_cny is not None:
            r = r + np.asarray(firm_size_adjustment(sales_cny, firm_size))
    elif asset_class is IrbAssetClass.OTHER_RETAIL:
        r = np.asarray(other_retail_correlation(pd))
    elif asset_class is IrbAssetClass.RESIDENTIAL_MORTGAGE:
        r = np.full(pd.shape, 0.15)
    else:  # QUALIFYING_REVOLVING_RETAIL
        r = np.full(pd.shape, 0.04)
    return _out(r)


def maturity_slope(pd):
    """Maturity-adjustment slope ``b = (0.11852 − 0.05478·ln PD)²`` (no floor applied).

    Parameters
    ----------
    pd : float or array_like
        One-year PD, fraction in (0, 1].

    Returns
    -------
    float or numpy.ndarray
        Slope b (dimensionless), shape of ``pd``.
    """
    pd = check_probability("pd", pd, open_low=True)
    return _out((0.11852 - 0.05478 * np.log(pd)) ** 2)


def maturity_adjustment(pd, maturity=2.5):
    """Maturity adjustment ``MA = (1 + (M − 2.5)·b) / (1 − 1.5·b)`` (no floor applied).

    Note the denominator is ``1 − 1.5·b`` (Basel II §272); a form with ``(M − 1.5)`` in the
    numerator, seen in some public code, is wrong.

    Parameters
    ----------
    pd : float or array_like
        One-year PD, fraction in (0, 1].
    maturity : float or array_like, default 2.5
        Effective maturity M in years, > 0, used as given (this is the raw formula);
        :func:`capital_requirement` first bounds M to [1, 5] years (Basel II ¶320).

    Returns
    -------
    float or numpy.ndarray
        Maturity adjustment (dimensionless), broadcast shape of the inputs; 1 at M = 1.
    """
    m = check_range("maturity", maturity, 0.0, np.inf, low_open=True, high_open=True)
    b = np.asarray(maturity_slope(pd))
    return _out((1.0 + (m - 2.5) * b) / (1.0 - 1.5 * b))


def capital_requirement(
    pd,
    lgd,
    asset_class: IrbAssetClass = IrbAssetClass.CORPORATE,
    *,
    maturity=2.5,
    sales_cny=None,
    firm_size: FirmSizeThresholds = FirmSizeThresholds(),
    pd_floor: float = BASEL_II_PD_FLOOR,
    correlation=None,
):
    """IRB capital requirement K per unit of EAD for non-defaulted exposures.

    ``K = [LGD·Φ((Φ⁻¹(PD) + √R·Φ⁻¹(0.999)) / √(1 − R)) − PD·LGD] · MA``, with ``MA = 1`` for
    retail classes.

    Parameters
    ----------
    pd : float or array_like
        One-year PD, fraction in [0, 1]; floored at ``pd_floor``.
    lgd : float or array_like
        Loss given default, fraction in [0, 1].
    asset_class : IrbAssetClass, default CORPORATE
        Which risk-weight function.
    maturity : float or array_like, default 2.5
        Effective maturity in years, > 0 (corporate class only; ignored for retail). Bounded to
        :data:`MATURITY_BOUNDS_YEARS`, [1, 5] years, as Basel II ¶320 requires (a PD 1 %
        loan with LGD 45 % and M = 100 gets the 5-year weight, 124.0 %, not 1,330 %).
    sales_cny : float or array_like, optional
        Annual sales in CNY for the SME firm-size adjustment (corporate only).
    firm_size : FirmSizeThresholds, optional
        Thresholds for the firm-size adjustment.
    pd_floor : float, default 0.0003
        PD floor; :data:`BASEL_III_PD_FLOOR` = 0.0005 for Basel III.
    correlation : float or array_like, optional
        Override the supervisory correlation (e.g. the 1.25 multiplier for large financial
        institutions, CRE31.6). When given, ``asset_class`` still decides the maturity
        adjustment and ``sales_cny`` must be None.

    Returns
    -------
    float or numpy.ndarray
        Capital K as a fraction of EAD, broadcast shape of the inputs (≥ 0 for PD < 1).
    """
    asset_class = _check_class(asset_class)
    pdf = _floored_pd(pd, pd_floor)
    lgd = check_probability("lgd", lgd)
    if correlation is None:
        r = np.asarray(
            asset_correlation(
                pdf, asset_class, sales_cny=sales_cny, firm_size=firm_size, pd_floor=0.0
            )
        )
    else:
        if sales_cny is not None:
            raise fail("sales_cny", "give either correlation or sales_cny, not both")
        r = check_range("correlation", correlation, 0.0, 1.0, high_open=True)
    from scipy.special import ndtr, ndtri  # on first use: pricing by other methods does not load scipy.special

    with np.errstate(divide="ignore", invalid="ignore"):
        tail = ndtr((ndtri(pdf) + np.sqrt(r) * ndtri(IRB_CONFIDENCE)) / np.sqrt(1.0 - r))
    k = lgd * tail - pdf * lgd
    if asset_class is IrbAssetClass.CORPORATE:
        m = check_range("maturity", maturity, 0.0, np.inf, low_open=True, high_open=True)
        k = k * np.asarray(maturity_adjustment(pdf, np.clip(m, *MATURITY_BOUNDS_YEARS)))
    return _out(k)


def risk_weight(
    pd,
    lgd,
    asset_class: IrbAssetClass = IrbAssetClass.CORPORATE,
    *,
    maturity=2.5,
    sales_cny=None,
    firm_size: FirmSizeThresholds = FirmSizeThresholds(),
    pd_floor: float = BASEL_II_PD_FLOOR,
    correlation=None,
):
    """IRB risk weight ``RW = 12.5 · K`` (fraction; 0.9232 means 92.32 %).

    Multiply by EAD (CNY) for risk-weighted assets. Parameters as in
    :func:`capital_requirement`.

    Returns
    -------
    float or numpy.ndarray
        Risk weight as a fraction of EAD, broadcast shape of the inputs.

    Examples
    --------
    >>> round(float(risk_weight(0.01, 0.45)), 4)  # Basel II Annex 5: 92.32 %
    0.9232
    """
    k = capital_requirement(
        pd,
        lgd,
        asset_class,
        maturity=maturity,
        sales_cny=sales_cny,
        firm_size=firm_size,
        pd_floor=pd_floor,
        correlation=correlation,
    )
    return _out(12.5 * np.asarray(k))


def _check_class(asset_class) -> IrbAssetClass:
    if not isinstance(asset_class, IrbAssetClass):
        names = ", ".join(c.name for c in IrbAssetClass)
        raise fail("asset_class", f"must be an IrbAssetClass ({names}); got {asset_class!r}")
    return asset_class


def _out(x):
    x = np.asarray(x, dtype=float)
    return x[()] if x.ndim == 0 else x
