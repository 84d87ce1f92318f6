"""Loss sharing per default: hand cases and the conservation identity."""

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from fundsvc.credit.engine.allocation import allocate


def _one(nl, exposure, shares, first, cap=np.inf):
    a = allocate(np.array([nl]), np.array([exposure]), np.array([shares], float), np.array([first]), np.array([cap]))
    return {k: float(getattr(a, k)[0]) for k in ("claim", "bank", "guarantor", "insurer")}


def test_pro_rata_hand_case():
    """4:4:2 pro rata: a net loss of 1,000,000 is split 400k pool, 400k guarantor, 200k bank."""
    a = _one(1e6, 2e6, (0.4, 0.4, 0.2, 0.0), False)
    assert a == {"claim": 4e5, "bank": 2e5, "guarantor": 4e5, "insurer": 0.0}


def test_pool_first_hand_case():
    """Pool first (first-loss cover up to its share of the exposure): exposure 2,000,000,
    net loss 1,000,000, pool share 0.4 → the pool takes min(1.0m, 0.8m) = 800k; the remaining
    200k is split guarantor:bank = 0.4:0.2 → 133,333.33 and 66,666.67."""
    a = _one(1e6, 2e6, (0.4, 0.4, 0.2, 0.0), True)
    assert a["claim"] == 8e5
    np.testing.assert_allclose([a["guarantor"], a["bank"]], [2e5 * 2 / 3, 2e5 / 3])
    # a small loss is borne by the pool alone
    b = _one(3e5, 2e6, (0.4, 0.4, 0.2, 0.0), True)
    assert b == {"claim": 3e5, "bank": 0.0, "guarantor": 0.0, "insurer": 0.0}


def test_cap_excess_falls_on_bank():
    a = _one(1e7, 1e7, (0.4, 0.4, 0.2, 0.0), False, cap=2e6)
    assert a["claim"] == 2e6
    assert a["bank"] == 2e6 + 2e6  # own 20 % plus the 2m above the cap
    assert a["guarantor"] == 4e6


shares_st = st.lists(st.floats(0, 1), min_size=4, max_size=4).filter(lambda s: sum(s) > 0).map(
    lambda s: tuple(np.array(s) / sum(s)))


@settings(max_examples=200, deadline=None)
@given(exposure=st.floats(1, 1e8), frac=st.floats(0, 1), shares=shares_st, first=st.booleans(),
       cap=st.one_of(st.just(np.inf), st.floats(0, 1e8)))
def test_allocation_conserves_net_loss_and_respects_cap(exposure, frac, shares, first, cap):
    nl = exposure * frac
    a = _one(nl, exposure, shares, first, cap)
    total = a["claim"] + a["bank"] + a["guarantor"] + a["insurer"]
    assert abs(total - nl) <= 1e-6 * max(1.0, nl) + 1e-9
    assert a["claim"] <= cap + 1e-9
    assert min(a.values()) >= -1e-6
