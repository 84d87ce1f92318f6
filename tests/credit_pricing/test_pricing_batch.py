"""The vectorised pricer (fundsvc.credit.pricing.batch) against the one-loan reference it replaced.

* ``price_loan`` (the kernel on one loan) equals ``price_loan_reference`` (the previous one-loan
  implementation, fundsvc.credit.pricing.reference) field by field to 1e-12 relative, on a wide
  hypothesis-generated set of requests (every capital method, CRM choice, amortisation, LGD mode,
  collateral form, cap, rating-free PD down to 1e-9);
* a batch is bit-identical to its loans priced one by one (padding and the per-loan annuity
  fixed point do not leak between loans);
* the API's flat rows give exactly the columns of the validated requests, and the rows the fast
  path leaves are exactly those the request refuses or needs a model for.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fundsvc.credit import price_loan
from fundsvc.credit.pricing.batch import price_columns, price_requests
from fundsvc.credit.pricing.loan_columns import (
    _COLUMN_NAMES,
    columns_from_requests,
    columns_from_rows,
)
from fundsvc.credit.pricing.reference import price_loan_reference
from fundsvc.credit.pricing.request import make_request
from fundsvc.errors import InputError
from fundsvc.service.pricing import OUTPUT_FIELDS, price_batch

RATE = st.floats(0.0, 0.3)
SHARE = st.floats(0.0, 1.0)


@st.composite
def requests(draw, flat: bool = False):
    """Valid pricing requests (dicts); ``flat`` keeps to the API's fields."""
    f = {"amount_cny": draw(st.floats(1.0, 1e10)), "term_years": draw(st.floats(1 / 12, 30)),
         "amortisation": draw(st.sampled_from(["bullet", "equal_principal", "annuity"])),
         "pd": draw(st.one_of(st.floats(1e-9, 0.6), st.sampled_from([1e-6, 0.0004, 0.02, 0.3])))}
    if draw(st.booleans()):
        f["quoted_rate"] = draw(RATE)
    coll = draw(st.sampled_from(["lgd", "appraisal", "pledge", "none"]))
    if coll == "lgd":
        f["lgd"] = draw(SHARE)
    elif coll == "appraisal":
        f["ip_appraisal_cny"] = draw(st.floats(1.0, 1e11))
    elif coll == "pledge":
        f["pledge_rate"] = draw(st.floats(1e-3, 10))
    f["ip_type"] = draw(st.sampled_from(["invention_patent", "utility_model", "design_patent",
                                         "software_copyright", "trademark"]))
    g = draw(st.floats(0, 0.5))
    s = draw(st.floats(0, 0.5 - g)) if draw(st.booleans()) else 0.0
    p = draw(st.sampled_from([0.0, draw(st.floats(0, 1 - g - s))]))
    f.update(guarantee_share=g, insurance_share=s, pool_share=p, pool_pay_probability=draw(SHARE))
    if draw(st.booleans()):
        f["pool_cap_cny"] = draw(st.floats(0, 1e9))
    f.update(funding_cost_rate=draw(st.floats(-0.05, 0.1)), operating_cost_rate=draw(st.floats(0, 0.05)),
             tax_rate=draw(st.floats(0, 0.5)), hurdle_rate=draw(st.floats(-0.1, 0.3)))
    method = draw(st.sampled_from(["standardised", "irb"] + ([] if flat else ["economic"])))
    f["capital_method"] = method
    if flat:
        return f
    if draw(st.booleans()):
        f["capital_return_rate"] = draw(st.floats(-0.05, 0.1))
    f["risk_weight"] = draw(st.floats(0, 2))
    f["capital_ratio"] = draw(st.floats(0.01, 0.2))
    if coll != "lgd" and draw(st.integers(0, 3)) == 0:
        f["lgd_mode"] = draw(st.sampled_from(["default_weighted", "downturn"]))
    elif coll != "lgd" and draw(st.booleans()):
        f["unsecured_recovery_rate"] = draw(st.floats(0, 0.5))
    if method == "economic":
        f["economic_capital_rate"] = draw(st.floats(0, 0.3))
        if draw(st.booleans()):
            f["economic_capital_rate_without_pool"] = draw(st.floats(0, 0.3))
        return f
    f["crm"] = draw(st.sampled_from([None, "none", "substitution"] + (["lgd_adjustment"] if method == "irb" else [])))
    f["pool_risk_weight"] = draw(st.floats(0, 1.5))
    if method == "irb":
        size = draw(st.sampled_from(["revenue", "correlation", "none"]))
        if size == "revenue":
            f["annual_revenue_cny"] = draw(st.floats(0, 1e9))
            f["size_thresholds"] = draw(st.sampled_from(["cn_nfra_2023", "basel_eur"]))
        elif size == "correlation":
            f["asset_correlation"] = draw(st.floats(0.01, 0.5))
        if draw(st.booleans()):
            f["irb_lgd"] = draw(SHARE)
        if draw(st.booleans()):
            f["irb_maturity_years"] = draw(st.floats(0.1, 10))
        f["irb_pd_floor"] = draw(st.sampled_from([0.0003, 0.0005]))
        f["irb_approach"] = draw(st.sampled_from(["advanced", "foundation"]))
        f["lgd_floor"] = draw(st.floats(0, 0.5))
    return {k: v for k, v in f.items() if v is not None}


def _flat(d, prefix=""):
    for k, v in d.items():
        if isinstance(v, dict):
            yield from _flat(v, f"{prefix}{k}.")
        else:
            yield f"{prefix}{k}", v


def _assert_close(new: dict, ref: dict) -> None:
    """1e-12 relative; the subsidy is a difference of two break-even rates, so 1e-12 of those rates
    (in its own unit: per year, bp, CNY over the life)."""
    a, b = dict(_flat(new)), dict(_flat(ref))
    assert a.keys() == b.keys()
    rates = max(abs(b["break_even_rate"]), abs(b["without_pool.break_even_rate"]))
    unit = {"subsidy_rate": 1.0, "subsidy_bp": 1e4, "subsidy_cny": b["exposure_years"] * b["amount_cny"]}
    for k, x in a.items():
        y = b[k]
        if isinstance(y, float) and isinstance(x, float):
            if math.isnan(y) or math.isinf(y):  # e.g. RAROC on a capital of 1e-300
                assert x == y or (math.isnan(x) and math.isnan(y)), k
            else:
                tol = 1e-12 * max(abs(y), rates * unit.get(k, 0.0)) + 1e-300
                assert abs(x - y) <= tol, (k, x, y)
        else:
            assert x == y, (k, x, y)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(requests())
def test_kernel_equals_the_one_loan_reference(fields):
    """Every output field of price_loan (vectorised kernel, one loan) equals the previous implementation."""
    _assert_close(price_loan(**fields).to_dict(), price_loan_reference(**fields).to_dict())


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(requests(), min_size=2, max_size=12))
def test_batch_is_bit_identical_to_one_by_one(many):
    reqs = [make_request(f) for f in many]
    together = price_requests(reqs)
    for req, got in zip(reqs, together, strict=True):
        assert got == price_loan(req)  # dataclass equality: every float bit for bit


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(requests(flat=True), min_size=1, max_size=20), st.lists(st.integers(0, 19), max_size=4))
def test_flat_rows_give_the_requests_columns_and_leave_the_rest(rows, spoil):
    rows = [dict(r) for r in rows]
    for j in spoil:  # cross-field combinations the request refuses, and a field the fast path does not read
        if j < len(rows):
            rows[j].update([({"lgd": 0.3, "pledge_rate": 0.5}), ({"pool_share": 0.9, "guarantee_share": 0.5}),
                            ({"ip_appraisal_cny": 1e6, "pledge_rate": 0.5}), ({"crm": "none"})][j % 4])
    cols, slow = columns_from_rows(rows)
    valid, refused = [], []
    for i, r in enumerate(rows):
        try:
            valid.append((i, make_request(r)))
        except InputError:
            refused.append(i)
    assert set(refused) <= set(slow)
    fast = [i for i in range(len(rows)) if i not in slow]
    ref = columns_from_requests([q for i, q in valid if i in fast])
    for name in _COLUMN_NAMES:
        assert np.array_equal(getattr(cols, name), getattr(ref, name), equal_nan=True), name
    out = price_batch(rows)
    for i, r in enumerate(rows):
        if i in refused:
            assert isinstance(out[i], InputError)
            continue
        d = price_loan(**r).to_dict()
        want = {k: d[k] for k in OUTPUT_FIELDS if k in d} | {
            "break_even_rate_without_pool": d["without_pool"]["break_even_rate"]}
        assert out[i] == {k: (v if v is None or math.isfinite(v) else None) for k, v in want.items()}


def test_hand_worked_one_year_bullet_in_a_batch():
    """0.02 + 0.01 + 0.02·0.5 + 0.08·(0.12 − 0.02) = 0.048 (the loan module's worked example), next
    to a 7-year annuity and a 0.5-year loan that pad the grid around it."""
    base = {"pd": 0.02, "lgd": 0.5, "funding_cost_rate": 0.02, "operating_cost_rate": 0.01, "tax_rate": 0.0,
            "hurdle_rate": 0.12, "risk_weight": 1.0, "capital_ratio": 0.08}
    reqs = [make_request(amount_cny=1e6, term_years=7, amortisation="annuity", **base),
            make_request(amount_cny=1e6, term_years=1, **base),
            make_request(amount_cny=1e6, term_years=0.5, **base)]
    priced = price_columns(columns_from_requests(reqs))
    assert priced.legs[True]["break_even"][1] == pytest.approx(0.048, abs=1e-15)
    assert priced.exposure_years[2] == 0.5 and priced.exposure_years[1] == 1.0
    assert priced.legs[True]["el"][1] == pytest.approx(0.01, abs=1e-16)


def test_more_collateral_and_more_pool_lower_the_break_even_rate():
    rows = [{"amount_cny": 5e6, "term_years": 3, "pd": 0.02, "ip_appraisal_cny": v, "pool_share": p}
            for v in (2e6, 8e6, 20e6) for p in (0.0, 0.3, 0.6)]
    be = np.array([r["break_even_rate"] for r in price_batch(rows)]).reshape(3, 3)
    assert (np.diff(be, axis=0) < 0).all() and (np.diff(be, axis=1) < 0).all()
