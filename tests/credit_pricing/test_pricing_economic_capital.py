"""Euler ES contributions: full allocation, hand cases, and use as the economic capital rate."""

from __future__ import annotations

import numpy as np
import pytest

from fundsvc.credit import price_loan
from fundsvc.credit.economic_capital import capital_rate_from_contributions, es_contributions
from fundsvc.errors import InputError


def test_contributions_add_up_to_expected_shortfall():
    """Σ_i C_i = ES_α (mean of the worst ceil((1 − α)·n) portfolio losses)."""
    rng = np.random.default_rng(11)
    z = rng.standard_normal((20_000, 1))
    losses = np.maximum(0, rng.standard_normal((20_000, 5)) + 1.5 * z) * np.array([1, 2, 3, 4, 5])
    total = losses.sum(axis=1)
    es = np.sort(total)[-20:].mean()  # alpha 0.999 of 20 000 paths → 20 worst
    c = es_contributions(losses, 0.999, unexpected=False)
    assert c.sum() == pytest.approx(es, rel=1e-12)
    uc = es_contributions(losses, 0.999)
    assert uc.sum() == pytest.approx(es - total.mean(), rel=1e-12)


def test_hand_case():
    """Four paths, α = 0.5 → tail = the two worst paths (totals 9 and 7)."""
    losses = np.array([[0, 1], [5, 4], [2, 5], [1, 0]], dtype=float)
    np.testing.assert_allclose(es_contributions(losses, 0.5, unexpected=False), [3.5, 4.5])
    np.testing.assert_allclose(es_contributions(losses, 0.5), [3.5 - 2.0, 4.5 - 2.5])


def test_capital_rate_feeds_price_loan():
    rate = capital_rate_from_contributions(np.array([3e5, -1e3]), np.array([5e6, 1e6]))
    np.testing.assert_allclose(rate, [0.06, 0.0])
    r = price_loan(amount_cny=5e6, term_years=1, pd=0.02, lgd=0.5, capital_method="economic",
                   economic_capital_rate=float(rate[0]), tax_rate=0.0, hurdle_rate=0.12)
    assert r.capital_rate == 0.06
    assert r.components.capital_charge == pytest.approx(0.06 * (0.12 - 0.02))


def test_bad_inputs():
    with pytest.raises(InputError, match="shape"):
        es_contributions(np.ones(5))
    with pytest.raises(InputError, match=r"\(0, 1\)"):
        es_contributions(np.ones((5, 2)), 1.0)
    with pytest.raises(InputError, match="positive"):
        capital_rate_from_contributions([1.0], [0.0])
