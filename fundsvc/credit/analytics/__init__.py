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

Names load on first use (``from fundsvc.credit.analytics import irb`` imports only ``irb``):
loan pricing needs the IRB formulas, not CreditRisk+ or the default-count distributions.

Nothing here draws random numbers; all functions are pure and vectorised.
"""

from __future__ import annotations

from models.lazy import lazy_exports

#: Public name -> submodule that defines it.
_WHERE: dict[str, str] = {
    "band_exposures": "fundsvc.credit.analytics.creditrisk_plus",
    "creditrisk_plus_loss_distribution": "fundsvc.credit.analytics.creditrisk_plus",
    "creditrisk_plus_moments": "fundsvc.credit.analytics.creditrisk_plus",
    "creditrisk_plus_multisector_moments": "fundsvc.credit.analytics.creditrisk_plus",
    "creditrisk_plus_multisector_pmf": "fundsvc.credit.analytics.creditrisk_plus",
    "creditrisk_plus_pmf": "fundsvc.credit.analytics.creditrisk_plus",
    "default_count_pmf": "fundsvc.credit.analytics.default_count",
    "homogeneous_loss_distribution": "fundsvc.credit.analytics.default_count",
    "homogeneous_loss_on_grid": "fundsvc.credit.analytics.default_count",
    "BASEL_III_PD_FLOOR": "fundsvc.credit.analytics.irb",
    "BASEL_II_PD_FLOOR": "fundsvc.credit.analytics.irb",
    "FirmSizeThresholds": "fundsvc.credit.analytics.irb",
    "IRB_CONFIDENCE": "fundsvc.credit.analytics.irb",
    "IrbAssetClass": "fundsvc.credit.analytics.irb",
    "asset_correlation": "fundsvc.credit.analytics.irb",
    "capital_requirement": "fundsvc.credit.analytics.irb",
    "corporate_correlation": "fundsvc.credit.analytics.irb",
    "firm_size_adjustment": "fundsvc.credit.analytics.irb",
    "maturity_adjustment": "fundsvc.credit.analytics.irb",
    "maturity_slope": "fundsvc.credit.analytics.irb",
    "other_retail_correlation": "fundsvc.credit.analytics.irb",
    "risk_weight": "fundsvc.credit.analytics.irb",
    "LossDistribution": "fundsvc.credit.analytics.loss_distribution",
    "discretise_to_grid": "fundsvc.credit.analytics.loss_distribution",
    "conditional_pd": "fundsvc.credit.analytics.vasicek",
    "default_correlation": "fundsvc.credit.analytics.vasicek",
    "default_rate_variance": "fundsvc.credit.analytics.vasicek",
    "expected_loss": "fundsvc.credit.analytics.vasicek",
    "loss_quantile": "fundsvc.credit.analytics.vasicek",
    "loss_standard_deviation": "fundsvc.credit.analytics.vasicek",
    "unexpected_loss": "fundsvc.credit.analytics.vasicek",
    "vasicek_cdf": "fundsvc.credit.analytics.vasicek",
    "vasicek_pdf": "fundsvc.credit.analytics.vasicek",
    "vasicek_quantile": "fundsvc.credit.analytics.vasicek",
}

__all__ = sorted(_WHERE)


__getattr__, __dir__ = lazy_exports(__name__, _WHERE)
