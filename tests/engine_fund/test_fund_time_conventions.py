"""Time conventions of the fund economics pinned by non-degenerate hand cases (issue 10)."""

from __future__ import annotations

import numpy as np

from fundsvc.engine.venture.fund import fee_schedule


def test_fees_use_the_previous_steps_basis(make_sub_fund):
    """Hand case with changing cost and NAV (commitment 100, investment period 1 year, life 2
    years, start step 0, quarterly): steps 0–3 pay 2 %/4 × 100 = 0.5; from step 4 the fee is
    1.5 %/4 × the *previous* step's cost: cost = 10, 20, 30, 40, 50, 40, 30, 20 gives
    0.15, 0.1875, 0.15, 0.1125 in steps 4–7 (this step's cost would give 0.1875, 0.15, 0.1125,
    0.075; fees one quarter early would charge 1.5 %/4 × 20 = 0.075 in step 3). On NAV:
    nav = 12, 25, 33, 48, 61, 47, 35, 22 gives 1.5 %/4 × (48, 61, 47, 35)."""
    sf = make_sub_fund()
    cost = np.array([[10, 20, 30, 40, 50, 40, 30, 20, 0, 0]], float)
    nav = np.array([[12, 25, 33, 48, 61, 47, 35, 22, 0, 0]], float)
    fee, _ = fee_schedule(sf, nav, cost, 0, 4)
    np.testing.assert_allclose(fee[0], [.5, .5, .5, .5, .15, .1875, .15, .1125, 0, 0], rtol=1e-12)
    sf_nav = make_sub_fund(fees={"post_investment_fee_basis": "nav"})
    fee_nav, _ = fee_schedule(sf_nav, nav, cost, 0, 4)
    np.testing.assert_allclose(fee_nav[0, 4:8], 0.015 / 4 * np.array([48, 61, 47, 35]), rtol=1e-12)
    np.testing.assert_allclose(fee_nav[0, :4], 0.5, rtol=1e-12)
