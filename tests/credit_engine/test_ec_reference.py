"""The fast kernel against slow, obviously-correct reference implementations
(fundsvc.credit.engine.reference)."""

import datetime as dt

import numpy as np
import pytest

from fundsvc.credit.engine import compile_credit, simulate_credit_chunk
from fundsvc.credit.engine.compile import CreditSettings
from fundsvc.credit.engine.defaults import DefaultSampler
from fundsvc.credit.engine.kernel import credit_sector_factors
from fundsvc.credit.engine.reference import reference_default_steps, reference_pool_ledger
from fundsvc.credit.engine.synthetic import iid_market, synthetic_scenario
from models.credit import Replenishment, ReplenishmentRule, SuspensionTriggers


@pytest.mark.parametrize("sampler", list(DefaultSampler))
def test_default_steps_match_the_step_by_step_reference(sampler):
    """Per-step default counts (mean over paths) of the kernel (one uniform per loan, or
    geometric skipping) and of the step-by-step Bernoulli reference agree within 4 standard
    errors, including loans that start or mature inside a step."""
    sc = synthetic_scenario(80, seed=6, horizon_years=4, programme=False)
    loans = [ln.model_copy(update={"rating": None, "pd": 0.08}) for ln in sc.loans]
    late = [ln.model_copy(update={"loan_id": f"F{i}", "origination": dt.date(2027, 5, 1),
                                  "maturity": dt.date(2029, 3, 1)}) for i, ln in enumerate(loans[:30])]
    m = compile_credit(sc.model_copy(update={"loans": loans + late}), settings=CreditSettings(default_sampler=sampler))
    n = 6000
    mk = iid_market(n, m.n_steps, np.random.default_rng(1), correlation=0.4)
    ch = simulate_credit_chunk(m, mk, 3, 0)
    fast = ch.n_defaults.astype(float)
    ref_steps = reference_default_steps(m, credit_sector_factors(m, mk), np.random.default_rng(2))
    ref = np.stack([(ref_steps == t).sum(axis=1) for t in range(m.n_steps)], axis=1).astype(float)
    se = np.sqrt(fast.var(axis=0) / n + ref.var(axis=0) / n)
    assert np.all(np.abs(fast.mean(axis=0) - ref.mean(axis=0)) < 4 * se), (fast.mean(0), ref.mean(0), se)
    # and the late loans only default inside their window (2027-05 .. 2029-03)
    late_cols = np.array([i.startswith("F") for i in m.book.loan_ids])
    sub = ref_steps[:, late_cols]
    assert np.all(sub[sub >= 0] >= 1) and np.all(sub <= 3)
    d = simulate_credit_chunk(m, mk, 3, 0, record_defaults=True).defaults
    fast_late = late_cols[d.item]
    assert np.all((d.step[fast_late] >= 1) & (d.step[fast_late] <= 3))


def test_pool_stage_matches_the_loop_reference():
    sc = synthetic_scenario(60, seed=12, horizon_years=5, programme=False, pool_balance=4e6, pooled_share=0.8,
                            pool_kwargs={
                                "interest_rate": 0.02,
                                "replenishment": Replenishment(rule=ReplenishmentRule.TOP_UP_TO_INITIAL, amount_cny=1e6),
                                "suspension": SuspensionTriggers(npl_ratio_stop_compensation=0.12),
                            })
    loans = [ln.model_copy(update={"rating": None, "pd": 0.06}) for ln in sc.loans]
    m = compile_credit(sc.model_copy(update={"loans": loans}))
    n = 300
    ch = simulate_credit_chunk(m, iid_market(n, 5, np.random.default_rng(4), correlation=0.5), 8, 0,
                               record_defaults=True)
    d = ch.defaults
    pooled = d.pool_index == 0
    npl = np.bincount(d.path[pooled] * 5 + d.step[pooled], d.exposure[pooled], minlength=n * 5).reshape(n, 5)
    ref = reference_pool_ledger(m, d.path[pooled], d.step[pooled], d.claim[pooled], n,
                                npl_principal=npl, outstanding=ch.pool_outstanding[:, 0, :])
    np.testing.assert_allclose(ch.pool_payout[:, 0, :], ref["payout"], atol=1e-6)
    np.testing.assert_allclose(ch.pool_balance[:, 0, :], ref["balance"], atol=1e-6)
    np.testing.assert_array_equal(ch.pool_depleted[:, 0, :], ref["depleted"])
    unpaid = np.bincount(d.path * 5 + d.step, d.claim - d.pool, minlength=n * 5).reshape(n, 5)
    np.testing.assert_allclose(unpaid, ref["shortfall"], atol=1e-6)
    assert ref["depleted"].any() and (ref["shortfall"] > 0).any()
