"""Invariants of the joint credit simulation (hypothesis): conservation per default, pool
payouts within the balance, per-loan caps, totals equal the sum of the default records."""

import datetime as dt

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fundsvc.credit.engine import compile_credit, simulate_credit_chunk
from fundsvc.credit.engine.synthetic import iid_market, synthetic_scenario
from models.credit import IPCollateral, LossBasis, SharingRule, SuspensionTriggers


@st.composite
def scenarios(draw):
    n = draw(st.integers(1, 25))
    shares = np.array(draw(st.lists(st.floats(0.0, 1.0), min_size=4, max_size=4)))
    if shares.sum() == 0:
        shares[0] = 1.0
    shares = shares / shares.sum()
    pool_kwargs = {
        "shares": {"pool": float(shares[0]), "guarantor": float(shares[1]), "bank": float(shares[2]),
                   "insurer": max(0.0, float(1.0 - shares[:3].sum()))},
        "sharing_rule": draw(st.sampled_from(list(SharingRule))),
        "per_loan_cap_cny": draw(st.one_of(st.none(), st.floats(1e4, 5e6))),
        "loss_basis": draw(st.sampled_from(list(LossBasis))),
        "interest_rate": draw(st.floats(0.0, 0.05)),
        "suspension": SuspensionTriggers(npl_ratio_stop_compensation=draw(st.one_of(st.none(), st.floats(0.01, 0.5))),
                                         npl_ratio_stop_lending=draw(st.one_of(st.none(), st.floats(0.01, 0.5)))),
    }
    sc = synthetic_scenario(n, seed=draw(st.integers(0, 10_000)), horizon_years=draw(st.integers(1, 4)),
                            pool_balance=draw(st.floats(1e4, 3e7)), programme=draw(st.booleans()),
                            pool_kwargs=pool_kwargs, pooled_share=draw(st.floats(0.0, 1.0)))
    # high PDs so that there are defaults to check
    loans = [ln.model_copy(update={"rating": None, "pd": draw(st.floats(0.02, 0.6))}) for ln in sc.loans]
    if draw(st.booleans()):
        loans = [ln.model_copy(update={"ip": None}) if i % 2 else ln for i, ln in enumerate(loans)]
    return sc.model_copy(update={"loans": loans}), None


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=scenarios(), seed=st.integers(0, 2**31))
def test_conservation_caps_and_balances(case, seed):
    scenario, _ = case
    model = compile_credit(scenario)
    n_paths = 40
    market = iid_market(n_paths, model.n_steps, np.random.default_rng(seed), correlation=0.3)
    ch = simulate_credit_chunk(model, market, seed, 0, record_defaults=True)
    d = ch.defaults
    # every default: bank + pool + guarantor + insurer + recovery = exposure (to 1e-6 CNY)
    resid = d.bank + d.pool + d.guarantor + d.insurer + d.recovery - d.exposure
    assert np.all(np.abs(resid) <= 1e-6)
    for part in (d.bank, d.pool, d.guarantor, d.insurer, d.recovery):
        assert np.all(part >= -1e-9)
    assert np.all(d.recovery <= d.exposure + 1e-9)
    # per-loan cap on pool claims and payouts
    cap = model.pools[0].cap
    assert np.all(d.claim <= cap + 1e-6)
    assert np.all(d.pool <= d.claim + 1e-9)
    # pool payouts never exceed the balance available at the start of the step
    assert np.all(ch.pool_payout <= ch.pool_balance[:, :, :-1] + 1e-6)
    assert np.all(ch.pool_balance >= -1e-6)
    # aggregates equal the sums over the default records
    n, s = ch.n_paths, ch.n_steps
    agg = lambda v: np.bincount(d.path * s + d.step, v, minlength=n * s).reshape(n, s)
    np.testing.assert_allclose(ch.pool_payout.sum(axis=1), agg(d.pool), atol=1e-6)
    np.testing.assert_allclose(ch.bank_loss.sum(axis=1), agg(d.bank), atol=1e-6)
    np.testing.assert_allclose(ch.exposure, agg(d.exposure), atol=1e-6)
    np.testing.assert_allclose(ch.total_loss, ch.exposure - ch.recovery, atol=1e-5)
    # pool balance identity
    bal = ch.pool_balance
    np.testing.assert_allclose(bal[:, :, 1:] - bal[:, :, :-1],
                               ch.pool_interest + ch.pool_replenishment - ch.pool_payout, atol=1e-5)


def test_determinism_and_stream_separation():
    sc = synthetic_scenario(60, seed=2, horizon_years=3)
    m = compile_credit(sc)
    mk = iid_market(200, 3, np.random.default_rng(0))
    a = simulate_credit_chunk(m, mk, 5, 0)
    b = simulate_credit_chunk(m, mk, 5, 0)
    c = simulate_credit_chunk(m, mk, 5, 1)
    np.testing.assert_array_equal(a.bank_loss, b.bank_loss)
    assert not np.array_equal(a.bank_loss, c.bank_loss)


def test_loans_outside_horizon_are_dropped_and_book_defaults_respect_windows():
    sc = synthetic_scenario(30, seed=4, horizon_years=2)
    late = sc.loans[0].model_copy(update={"loan_id": "LATE", "origination": dt.date(2030, 1, 1),
                                          "maturity": dt.date(2031, 1, 1)})
    old = sc.loans[0].model_copy(update={"loan_id": "OLD", "origination": dt.date(2020, 1, 1),
                                         "maturity": dt.date(2021, 1, 1)})
    m = compile_credit(sc.model_copy(update={"loans": [*sc.loans, late, old]}))
    assert "LATE" not in m.book.loan_ids and "OLD" not in m.book.loan_ids
    mk = iid_market(300, 2, np.random.default_rng(0))
    ch = simulate_credit_chunk(m, mk, 1, 0, record_defaults=True)
    d = ch.defaults
    book = d.source == 0
    assert np.all(d.step[book] <= m.book.last_step[d.item[book]])
    assert np.all(m.book.hazard_weight[d.item[book], d.step[book]] > 0)
    # a loan defaults at most once per path
    key = d.path[book] * m.book.n_loans + d.item[book]
    assert np.unique(key).size == key.size


def test_ip_collateral_raises_recovery():
    sc = synthetic_scenario(200, seed=9, horizon_years=2, programme=False)
    no_ip = sc.model_copy(update={"loans": [ln.model_copy(update={"ip": None}) for ln in sc.loans]})
    rich = sc.model_copy(update={"loans": [ln.model_copy(update={"ip": IPCollateral(appraised_value_cny=ln.amount_cny * 10)})
                                           for ln in sc.loans]})
    mk = iid_market(300, 2, np.random.default_rng(0))
    r0 = simulate_credit_chunk(compile_credit(no_ip), mk, 1, 0).recovery.sum()
    r1 = simulate_credit_chunk(compile_credit(sc), mk, 1, 0).recovery.sum()
    r2 = simulate_credit_chunk(compile_credit(rich), mk, 1, 0).recovery.sum()
    assert r0 == 0 and 0 < r1 < r2
