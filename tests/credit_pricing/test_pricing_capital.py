"""Capital: standardised, IRB through fundsvc.credit.analytics.irb, and economic capital."""

from __future__ import annotations

import math

import pytest

from fundsvc.credit import CapitalMethod, price_loan
from fundsvc.credit.analytics import irb
from fundsvc.credit.pricing.regulatory_capital import (
    RW_CORPORATE,
    RW_CORPORATE_SME,
    RW_REGULATORY_RETAIL,
    firm_size_thresholds,
    irb_capital,
)

BASE = {"amount_cny": 1_000_000, "term_years": 1, "pd": 0.01, "lgd": 0.45, "funding_cost_rate": 0.02,
        "operating_cost_rate": 0.01, "tax_rate": 0.0, "hurdle_rate": 0.12}


def test_irb_reproduces_basel_annex5_risk_weight():
    """Basel II Annex 5 (BCBS June 2006), corporate, PD 1 %, LGD 45 %, M 2.5, no size adjustment:
    RW 92.32 %, K = 0.073853 (see shared/REFERENCE_VALUES.md). At an 8 % capital ratio the
    capital per CNY equals K."""
    r = price_loan(**BASE, capital_method="irb", irb_lgd=0.45, irb_maturity_years=2.5, capital_ratio=0.08)
    cap = r.with_pool.capital
    assert cap.method is CapitalMethod.IRB
    assert cap.risk_weight == pytest.approx(0.9232, abs=5e-5)
    assert cap.capital_rate == pytest.approx(0.073853, abs=5e-7)
    assert cap.correlation == pytest.approx(0.19278, abs=5e-6)
    assert r.components.capital_charge == pytest.approx(cap.capital_rate * (0.12 - 0.02), rel=1e-12)


def test_irb_uses_the_analytics_module():
    """Pricing's IRB capital is the analytics module's K (same inputs), scaled by ratio / 8 %."""
    r = price_loan(**{**BASE, "term_years": 3}, capital_method="irb", capital_ratio=0.105, annual_revenue_cny=8e7)
    k = irb.capital_requirement(0.01, 0.45, maturity=3.0, sales_cny=8e7,
                                firm_size=irb.FirmSizeThresholds.cn_nfra_2023(), pd_floor=0.0005)
    assert r.capital_rate == pytest.approx(0.105 * 12.5 * float(k), rel=1e-12)
    assert r.effective_maturity_years == 3.0


def test_sme_adjustment_rmb_thresholds_by_hand():
    """Revenue at or below RMB 30m gets the full −0.04; RMB 165m (midway to 300m) gets −0.02;
    RMB 300m and above none. R_corp(PD 1 %) = 0.12·w + 0.24·(1 − w), w = (1 − e^−0.5)/(1 − e^−50)."""
    w = (1 - math.exp(-0.5)) / (1 - math.exp(-50))
    r_corp = 0.12 * w + 0.24 * (1 - w)
    for revenue, adj in ((1e7, -0.04), (3e7, -0.04), (1.65e8, -0.02), (3e8, 0.0), (5e9, 0.0)):
        r = price_loan(**BASE, capital_method="irb", annual_revenue_cny=revenue)
        assert r.with_pool.capital.correlation == pytest.approx(r_corp + adj, abs=1e-12), revenue
    small = price_loan(**BASE, capital_method="irb", annual_revenue_cny=1e7)
    large = price_loan(**BASE, capital_method="irb")
    assert small.capital_rate < large.capital_rate


def test_custom_and_basel_thresholds():
    """Custom CNY bounds (10m, 100m): 55m is midway → −0.02. Basel EUR 5m/50m at 7.8: 39m/390m."""
    w = (1 - math.exp(-0.5)) / (1 - math.exp(-50))
    r_corp = 0.12 * w + 0.24 * (1 - w)
    r = price_loan(**BASE, capital_method="irb", annual_revenue_cny=5.5e7, sme_thresholds_cny=(1e7, 1e8))
    assert r.with_pool.capital.correlation == pytest.approx(r_corp - 0.02, abs=1e-12)
    r = price_loan(**BASE, capital_method="irb", annual_revenue_cny=3.9e7, size_thresholds="basel_eur")
    assert r.with_pool.capital.correlation == pytest.approx(r_corp - 0.04, abs=1e-12)
    t = firm_size_thresholds(custom_cny=(1e7, 1e8))
    assert (t.lower * t.unit_cny, t.upper * t.unit_cny) == pytest.approx((1e7, 1e8))


def test_correlation_override():
    r = price_loan(**BASE, capital_method="irb", asset_correlation=0.15, irb_maturity_years=2.5, capital_ratio=0.08)
    k = irb.capital_requirement(0.01, 0.45, maturity=2.5, correlation=0.15, pd_floor=0.0005)
    assert r.capital_rate == pytest.approx(float(k), rel=1e-12)


def test_irb_capital_falls_with_pool_cover():
    """IRB uses the bank's LGD after sharing: a 40 % pool cuts K by 40 % (K is linear in LGD)."""
    r = price_loan(**BASE, capital_method="irb", pool_share=0.4)
    assert r.with_pool.capital.lgd == pytest.approx(0.27)
    assert r.capital_rate == pytest.approx(0.6 * r.without_pool.capital.capital_rate, rel=1e-12)
    # so the IRB subsidy exceeds the standardised one, whose capital ignores the pool
    std = price_loan(**BASE, pool_share=0.4)
    assert r.subsidy_rate > std.subsidy_rate
    assert std.subsidy_rate == pytest.approx(0.01 * 0.45 * 0.4, rel=1e-12)


def test_irb_pd_floor():
    a = price_loan(**{**BASE, "pd": 0.0001}, capital_method="irb")
    b = price_loan(**{**BASE, "pd": 0.0005}, capital_method="irb")
    assert a.capital_rate == pytest.approx(b.capital_rate, rel=1e-12)


def test_standardised_defaults_and_constants():
    """Default RW 75 % (regulatory retail), default capital ratio 10.5 %."""
    assert (RW_REGULATORY_RETAIL, RW_CORPORATE_SME, RW_CORPORATE) == (0.75, 0.85, 1.0)
    r = price_loan(**BASE)
    assert r.with_pool.capital.risk_weight == 0.75
    assert r.capital_rate == pytest.approx(0.75 * 0.105)


def test_economic_capital_rate_and_counterfactual():
    """C given; without-pool capital given → the subsidy has an EL and a capital part."""
    r = price_loan(**{**BASE, "tax_rate": 0.25}, capital_method="economic", economic_capital_rate=0.06,
                   economic_capital_rate_without_pool=0.09, pool_share=0.5)
    assert r.capital_rate == 0.06 and r.with_pool.capital.risk_weight is None
    assert r.without_pool.capital.capital_rate == 0.09
    el_part = 0.01 * 0.45 * 0.5
    cap_part = (0.09 - 0.06) * (0.12 - 0.02) / 0.75
    assert r.subsidy_rate == pytest.approx(el_part + cap_part, rel=1e-12)
    same = price_loan(**BASE, capital_method="economic", economic_capital_rate=0.06, pool_share=0.5)
    assert same.without_pool.capital.capital_rate == 0.06


def test_irb_capital_function_direct():
    c = irb_capital(0.01, 0.45, 2.5, 0.08, pd_floor=0.0003)
    assert c.risk_weight == pytest.approx(0.9232, abs=5e-5)
