"""Edge cases: no pools, no book (programme only), no defaults, quarterly steps with a programme."""

import numpy as np

from fundsvc.credit.engine import (
    compile_credit,
    depletion_by_year,
    loss_measures,
    pool_fans,
    pool_summary,
    simulate_credit_chunk,
    summarise_credit,
)
from fundsvc.credit.engine.synthetic import homogeneous_scenario, iid_market, synthetic_scenario


def _all_outputs(ch):
    for f in (loss_measures, pool_fans, depletion_by_year, pool_summary, summarise_credit):
        f(ch)


def test_book_without_pools():
    sc = homogeneous_scenario(20, 0.05, horizon_years=3)
    m = compile_credit(sc)
    ch = simulate_credit_chunk(m, iid_market(100, 3, np.random.default_rng(0)), 1, 0, record_defaults=True)
    assert ch.pool_payout.shape == (100, 0, 3)
    np.testing.assert_allclose(ch.bank_loss.sum(axis=1), ch.exposure - ch.recovery, atol=1e-6)
    _all_outputs(ch)


def test_programme_without_book():
    sc = synthetic_scenario(5, seed=1, horizon_years=4, pool_balance=1e7)
    sc = sc.model_copy(update={"loans": []})
    m = compile_credit(sc)
    assert m.book.n_loans == 0
    ch = simulate_credit_chunk(m, iid_market(200, 4, np.random.default_rng(0)), 1, 0, record_defaults=True)
    assert ch.pool_new_lending[:, 0, 0].min() > 0
    assert ch.exposure.sum() > 0
    d = ch.defaults
    assert np.all(d.source == 1)
    np.testing.assert_allclose(d.bank + d.pool + d.guarantor + d.insurer + d.recovery, d.exposure, atol=1e-6)
    _all_outputs(ch)


def test_tiny_pd_gives_no_defaults():
    sc = homogeneous_scenario(10, 1e-9, horizon_years=2, pooled=True)
    m = compile_credit(sc)
    ch = simulate_credit_chunk(m, iid_market(50, 2, np.random.default_rng(0)), 1, 0, record_defaults=True)
    assert ch.n_defaults.sum() == 0 and ch.defaults.path.size == 0
    _all_outputs(ch)


def test_quarterly_programme_lends_at_year_starts_and_tops_up_at_year_ends():
    sc = synthetic_scenario(40, seed=2, horizon_years=3, pool_balance=2e8)
    m = compile_credit(sc, steps_per_year=4)
    ch = simulate_credit_chunk(m, iid_market(100, 12, np.random.default_rng(0), steps_per_year=4), 1, 0,
                               record_defaults=True)
    lent_steps = np.nonzero(ch.pool_new_lending.sum(axis=(0, 1)))[0]
    assert set(lent_steps) <= {0, 4, 8}
    d = ch.defaults
    np.testing.assert_allclose(d.bank + d.pool + d.guarantor + d.insurer + d.recovery, d.exposure, atol=1e-6)
