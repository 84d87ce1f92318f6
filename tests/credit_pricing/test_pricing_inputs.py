"""Bad inputs give InputError with the field and a message a credit officer understands."""

from __future__ import annotations

import pytest

from fundsvc.credit import PricingRequest, make_request, price_loan
from fundsvc.errors import InputError
from models.credit import PDGrade, PDMasterScale, RiskSharingPool

OK = {"amount_cny": 5e6, "term_years": 3, "pd": 0.02}
SCALE = PDMasterScale(name="tech_sme", grades=[PDGrade(grade="A1", pd=0.003), PDGrade(grade="B2", pd=0.02)])


def problems(**fields) -> dict[str, str]:
    with pytest.raises(InputError) as info:
        price_loan(**fields)
    assert all(p.source == "<input>" for p in info.value.problems)
    return {p.location: p.message for p in info.value.problems}


def test_negative_amount():
    got = problems(**{**OK, "amount_cny": -5e6})
    assert "greater than 0" in got["amount_cny"] and "-5000000" in got["amount_cny"]


@pytest.mark.parametrize("pd", [1.0, 1.5])
def test_pd_at_or_above_one(pd):
    got = problems(**{**OK, "pd": pd})
    assert "less than 1" in got["pd"]


def test_zero_pd_rejected():
    assert "greater than 0" in problems(**{**OK, "pd": 0.0})["pd"]


def test_unknown_rating_lists_grades():
    got = problems(amount_cny=5e6, term_years=3, rating="Z9", master_scale=SCALE)
    assert got["rating"] == "unknown rating 'Z9': master scale 'tech_sme' has grades A1, B2"


def test_rating_needs_master_scale_and_not_both():
    assert "needs a master scale" in problems(amount_cny=5e6, term_years=3, rating="B2")["rating"]
    assert "not both" in problems(**OK, rating="B2", master_scale=SCALE)["rating"]
    assert "give the annual PD" in problems(amount_cny=5e6, term_years=3)["pd"]


def test_rating_on_master_scale_works():
    a = price_loan(amount_cny=5e6, term_years=3, rating="B2", master_scale=SCALE)
    b = price_loan(**OK)
    assert a.break_even_rate == b.break_even_rate and a.pd_annual == 0.02


@pytest.mark.parametrize("rate", [0.0, -0.4])
def test_pledge_rate_must_be_positive(rate):
    got = problems(**OK, pledge_rate=rate)
    assert "greater than or equal to 0.001" in got["pledge_rate"]


def test_conflicting_collateral_inputs():
    got = problems(**OK, pledge_rate=0.4, ip_appraisal_cny=1e7, lgd=0.5)
    assert "not both" in got["pledge_rate"] and "not both" in got["lgd"]


def test_shares_exceeding_one():
    got = problems(**OK, guarantee_share=0.5, insurance_share=0.2, pool_share=0.4)
    assert "exceed 1" in got["pool_share"]


def test_pool_object_conflicts():
    pool = RiskSharingPool(id="p", name="Pool", funders={"city": 2e7}, shares={"pool": 0.4, "guarantor": 0.4, "bank": 0.2})
    got = problems(**OK, pool=pool, pool_share=0.3, guarantee_share=0.1)
    assert "come from the pool" in got["pool_share"] and "pool's shares" in got["guarantee_share"]
    r = price_loan(**OK, pool=pool, lgd=0.5)
    assert r.lgd_after_sharing == pytest.approx(0.1)
    assert r.without_pool.lgd_after_sharing == pytest.approx(0.3)


def test_economic_needs_rate():
    got = problems(**OK, capital_method="economic")
    assert "needs economic_capital_rate" in got["economic_capital_rate"]


def test_unknown_enum_and_field():
    got = problems(**OK, capital_method="advanced", colour="red")
    assert "standardised" in got["capital_method"]
    assert got["colour"] == "unknown field (check the spelling)"


def test_several_problems_reported_together():
    got = problems(amount_cny=-1, term_years=0, pd=2, tax_rate=1.0)
    assert set(got) == {"amount_cny", "term_years", "pd", "tax_rate"}


def test_correlation_and_revenue_not_both():
    got = problems(**OK, capital_method="irb", asset_correlation=0.2, annual_revenue_cny=5e7)
    assert "not both" in got["asset_correlation"]


def test_bad_custom_thresholds():
    got = problems(**OK, sme_thresholds_cny=(3e8, 3e7))
    assert "lower < upper" in got["sme_thresholds_cny"]


def test_make_request_passthrough_and_update():
    req = make_request(**OK)
    assert isinstance(req, PricingRequest)
    assert make_request(req) is req
    assert make_request(req, pd=0.05).pd == 0.05
    assert make_request(dict(OK), term_years=2).term_years == 2
    assert price_loan(req).break_even_rate == price_loan(**OK).break_even_rate
