"""Fund and risk metrics, vectorised over Monte Carlo paths.

* :mod:`~fundsvc.metrics.rates` — IRR (regular periods, annualised), Excel-compatible XIRR,
  NPV/XNPV; NaN plus an :class:`IrrStatus` reason where no IRR exists.
* :mod:`~fundsvc.metrics.multiples` — DPI, RVPI, TVPI, PIC and their paths over time.
* :mod:`~fundsvc.metrics.pme` — KS-PME, LN-PME, PME+, direct alpha.
* :mod:`~fundsvc.metrics.risk` — quantiles, VaR and expected shortfall, plain or
  importance-weighted.

Sign conventions: IRR/XIRR/NPV take flows signed from the investor's view (contributions
negative); multiples and PMEs take contributions and distributions as positive amounts.
"""

from fundsvc.metrics.multiples import (
    dpi,
    dpi_path,
    pic,
    pic_path,
    rvpi,
    rvpi_path,
    signed_flows,
    tvpi,
    tvpi_path,
)
from fundsvc.metrics.pme import (
    DirectAlphaResult,
    LnPmeResult,
    PmePlusResult,
    direct_alpha,
    ks_pme,
    ln_pme,
    pme_plus,
)
from fundsvc.metrics.rates import (
    IrrResult,
    IrrStatus,
    irr,
    irr_reason,
    irr_result,
    npv,
    xirr,
    xirr_result,
    xnpv,
)
from fundsvc.metrics.risk import (
    QuantileMethod,
    WeightNormalization,
    expected_shortfall,
    quantiles,
    value_at_risk,
    weighted_es,
    weighted_quantile,
    weighted_var,
)

__all__ = [
    "DirectAlphaResult",
    "IrrResult",
    "IrrStatus",
    "LnPmeResult",
    "PmePlusResult",
    "QuantileMethod",
    "WeightNormalization",
    "direct_alpha",
    "dpi",
    "dpi_path",
    "expected_shortfall",
    "irr",
    "irr_reason",
    "irr_result",
    "ks_pme",
    "ln_pme",
    "npv",
    "pic",
    "pic_path",
    "pme_plus",
    "quantiles",
    "rvpi",
    "rvpi_path",
    "signed_flows",
    "tvpi",
    "tvpi_path",
    "value_at_risk",
    "weighted_es",
    "weighted_quantile",
    "weighted_var",
    "xirr",
    "xirr_result",
    "xnpv",
]
