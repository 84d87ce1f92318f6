"""Euler risk contributions of loans (economic capital for pricing)."""

import numpy as np
import polars as pl
import pytest

from fundsvc.credit.engine import compile_credit, simulate_credit_chunk
from fundsvc.credit.engine.risk_contributions import (
    ContributionBasis,
    LossWindow,
    loan_capital,
    loss_contributions,
)
from fundsvc.credit.engine.synthetic import iid_market, synthetic_scenario


def test_es_contributions_add_up_to_portfolio_es():
    sc = synthetic_scenario(120, seed=8, horizon_years=2, programme=False)
    m = compile_credit(sc)
    ch = simulate_credit_chunk(m, iid_market(4000, 2, np.random.default_rng(1), correlation=0.3), 1, 0,
                               record_defaults=True)
    tab = loss_contributions(m, ch, level=0.99, basis=ContributionBasis.TOTAL, window=LossWindow.HORIZON)
    total = ch.total_loss.sum(axis=1)
    k = int(np.ceil(0.01 * total.size))
    es_top = np.sort(total)[::-1][:k].mean()
    assert tab["es_contribution"].sum() == pytest.approx(es_top, rel=1e-9)
    assert tab["expected_loss"].sum() == pytest.approx(total.mean(), rel=1e-9)
    assert tab["capital"].sum() == pytest.approx(es_top - total.mean(), rel=1e-9)
    lender = loss_contributions(m, ch, level=0.99)
    for b in m.banks:
        sub = lender.filter(pl.col("bank") == b)
        bank_total = ch.bank_loss[:, m.banks.index(b), :1].sum(axis=1)
        # year-1 window, book loans only (no programme here): the bank's EL splits over its loans
        assert sub["expected_loss"].sum() == pytest.approx(bank_total.mean(), rel=1e-9)


def test_loan_capital_of_a_new_loan():
    sc = synthetic_scenario(80, seed=2, horizon_years=2, programme=False)
    risky = sc.loans[0].model_copy(update={"loan_id": "NEW", "rating": "C2", "pool_id": None, "guarantee_share": 0.0})
    safe = risky.model_copy(update={"rating": "A1"})
    r_risky = loan_capital(sc, risky, n_paths=3000, seed=1, level=0.99)
    r_safe = loan_capital(sc, safe, n_paths=3000, seed=1, level=0.99)
    assert r_risky.expected_loss > r_safe.expected_loss
    assert r_risky.es_contribution > r_safe.es_contribution
    assert r_risky.capital_rate == pytest.approx(r_risky.capital / risky.amount_cny)
