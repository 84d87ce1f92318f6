"""Analytic credit-risk functions used to check a credit simulation.

* :mod:`~fundsvc.credit.analytics.vasicek` — one-factor Gaussian conditional PD, large-portfolio
  default-rate distribution (quantile, CDF, density), EL / UL helpers.
* :mod:`~fundsvc.credit.analytics.irb` — Basel II/III IRB correlations, maturity adjustment,
  capital K and risk weights, SME firm-size thresholds in CNY.
* :mod:`~fundsvc.credit.analytics.default_count` — exact default-count and loss distribution of a
  finite homogeneous one-factor portfolio.
* :mod:`~fundsvc.credit.analytics.creditrisk_plus` — CreditRisk+ loss distribution by Panjer
  recursion (single and multiple gamma sectors).
* :mod:`~fundsvc.credit.analytics.loss_distribution` — :class:`LossDistribution` (mean, VaR, ES).

Nothing here draws random numbers; all functions are pure and vectorised.
"""

from fundsvc.credit.analytics.creditrisk_plus import (
    band_exposures,
    creditrisk_plus_loss_distribution,
    creditrisk_plus_moments,
    creditrisk_plus_multisector_moments,
    creditrisk_plus_multisector_pmf,
    creditrisk_plus_pmf,
)
from fundsvc.credit.analytics.default_count import (
    default_count_pmf,
    homogeneous_loss_distribution,
    homogeneous_loss_on_grid,
)
from fundsvc.credit.analytics.irb import (
    BASEL_II_PD_FLOOR,
    BASEL_III_PD_FLOOR,
    IRB_CONFIDENCE,
    FirmSizeThresholds,
    IrbAssetClass,
    asset_correlation,
    capital_requirement,
    corporate_correlation,
    firm_size_adjustment,
    maturity_adjustment,
    maturity_slope,
    other_retail_correlation,
    risk_weight,
)
from fundsvc.credit.analytics.loss_distribution import LossDistribution, discretise_to_grid
from fundsvc.credit.analytics.vasicek import (
    conditional_pd,
    default_correlation,
    default_rate_variance,
    expected_loss,
    loss_quantile,
    loss_standard_deviation,
    unexpected_loss,
    vasicek_cdf,
    vasicek_pdf,
    vasicek_quantile,
)

__all__ = [
    "BASEL_III_PD_FLOOR",
    "BASEL_II_PD_FLOOR",
    "IRB_CONFIDENCE",
    "FirmSizeThresholds",
    # irb
    "IrbAssetClass",
    # loss distribution
    "LossDistribution",
    "asset_correlation",
    # CreditRisk+
    "band_exposures",
    "capital_requirement",
    # vasicek
    "conditional_pd",
    "corporate_correlation",
    "creditrisk_plus_loss_distribution",
    "creditrisk_plus_moments",
    "creditrisk_plus_multisector_moments",
    "creditrisk_plus_multisector_pmf",
    "creditrisk_plus_pmf",
    "default_correlation",
    # default count
    "default_count_pmf",
    "default_rate_variance",
    "discretise_to_grid",
    "expected_loss",
    "firm_size_adjustment",
    "homogeneous_loss_distribution",
    "homogeneous_loss_on_grid",
    "loss_quantile",
    "loss_standard_deviation",
    "maturity_adjustment",
    "maturity_slope",
    "other_retail_correlation",
    "risk_weight",
    "unexpected_loss",
    "vasicek_cdf",
    "vasicek_pdf",
    "vasicek_quantile",
]
