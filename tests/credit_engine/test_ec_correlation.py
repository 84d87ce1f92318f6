"""Asset correlation R per loan: fixed, per product / sector, Basel formulas with the SME
firm-size adjustment, per-loan override."""

import numpy as np
import pytest

from fundsvc.credit.analytics.irb import IrbAssetClass, asset_correlation
from fundsvc.credit.engine import compile_credit
from fundsvc.credit.engine.synthetic import homogeneous_scenario
from models.common import Sector
from models.credit import AssetCorrelationModel, CorrelationMethod, LoanProduct


def _r(sc, corr):
    m = compile_credit(sc, correlation=corr)
    return m.group_r[m.book.group]


def test_basel_corporate_with_and_without_firm_size_adjustment():
    """Basel II §272–273: R = 0.12·w + 0.24·(1 − w), w = (1 − e^{−50 PD})/(1 − e^{−50}); the SME
    adjustment −0.04·(1 − (S − 5)/45) for sales S in EUR m (our CNY thresholds, see irb)."""
    sc = homogeneous_scenario(3, 0.02, loan_kwargs={"annual_revenue_cny": 2e7})
    plain = _r(sc, AssetCorrelationModel(method=CorrelationMethod.BASEL_CORPORATE, sme_firm_size_adjustment=False))
    np.testing.assert_allclose(plain, asset_correlation(0.02))
    w = (1 - np.exp(-50 * 0.02)) / (1 - np.exp(-50))
    assert plain[0] == pytest.approx(0.12 * w + 0.24 * (1 - w))
    sme = _r(sc, AssetCorrelationModel(method=CorrelationMethod.BASEL_CORPORATE))
    np.testing.assert_allclose(sme, asset_correlation(0.02, sales_cny=2e7))
    assert np.all(sme < plain)
    retail = _r(sc, AssetCorrelationModel(method=CorrelationMethod.BASEL_OTHER_RETAIL))
    np.testing.assert_allclose(retail, asset_correlation(0.02, IrbAssetClass.OTHER_RETAIL))


def test_precedence_loan_then_product_then_sector_then_default():
    sc = homogeneous_scenario(2, 0.02, sector=Sector.BIOMEDICINE)
    loans = [sc.loans[0].model_copy(update={"asset_correlation": 0.33}), sc.loans[1]]
    sc = sc.model_copy(update={"loans": loans})
    corr = AssetCorrelationModel(default=0.1, by_product={LoanProduct.ACHIEVEMENT: 0.2},
                                 by_sector={Sector.BIOMEDICINE: 0.25})
    np.testing.assert_allclose(sorted(_r(sc, corr)), [0.2, 0.33])
    np.testing.assert_allclose(sorted(_r(sc, AssetCorrelationModel(default=0.1, by_sector={Sector.BIOMEDICINE: 0.25}))),
                               [0.25, 0.33])
    np.testing.assert_allclose(sorted(_r(sc, AssetCorrelationModel(default=0.1))), [0.1, 0.33])


def test_bad_correlation_is_rejected_with_a_clear_message():
    with pytest.raises(ValueError, match="by_sector correlations must lie in"):
        AssetCorrelationModel(by_sector={Sector.OTHER: 1.2})
