"""Pool sizing on spooled claims (fundsvc.credit.pools.claim_spool) equals sizing on the claims in
memory exactly; all pools solved in lockstep equal each pool solved alone; pinned and direction
checks of the size itself."""

import dataclasses

import numpy as np
import polars as pl
import pytest

from fundsvc.credit.engine import compile_credit
from fundsvc.credit.engine.kernel import chunk_claims
from fundsvc.credit.engine.synthetic import iid_market, synthetic_scenario
from fundsvc.credit.pools.claim_spool import ClaimSpool, SparseArray, compact_claims
from fundsvc.credit.pools.ledger import run_pools
from fundsvc.credit.pools.sizing import (
    SizingVariable,
    depletion_probability,
    required_pool_size,
    size_pools,
)


def today_required_pool_size(model, claims, target, pool_index, variable, rel_tol=1e-3, max_iter=80):
    """Reference: the bisection exactly as it was before streaming (commit 9f2bdc7), one full pass
    over the in-memory claims per trial value. Returns (value, probability, se, attained, iterations)."""
    steps = model.n_steps
    n = sum(c.n_paths for c in claims)
    prob = lambda v: depletion_probability(model, claims, pool_index, v, variable, steps)
    se = lambda p: float(np.sqrt(p * (1 - p) / n))
    lo = 0.0
    p_lo = prob(lo)
    it = 1
    if p_lo <= target:
        return 0.0, p_lo, se(p_lo), True, it
    scale = max(model.pools[pool_index].initial_balance, 1.0)
    hi, p_hi = scale, prob(scale)
    it += 1
    while p_hi > target and it < 40:
        lo, hi = hi, hi * 2.0
        p_hi = prob(hi)
        it += 1
    if p_hi > target:
        return float("nan"), p_hi, se(p_hi), False, it
    while hi - lo > rel_tol * hi and it < max_iter:
        mid = 0.5 * (lo + hi)
        p_mid = prob(mid)
        it += 1
        if p_mid <= target:
            hi, p_hi = mid, p_mid
        else:
            lo = mid
    return float(hi), p_hi, se(p_hi), True, it


@pytest.fixture(scope="module")
def programme_case():
    """Two pools (the synthetic pool and a copy with half its balance), book loans and a lending
    programme (cohorts), three chunks of 150 paths on quarterly steps."""
    sc = synthetic_scenario(120, seed=4, horizon_years=3, programme=True)
    p2 = sc.pools[0].model_copy(update={"id": "pool_b", "name": "second pool",
                                        "funders": {k: v / 2 for k, v in sc.pools[0].funders.items()}})
    sc = sc.model_copy(update={"pools": [sc.pools[0], p2]})
    m = compile_credit(sc)
    claims = [chunk_claims(m, iid_market(150, m.n_steps, np.random.default_rng(i), steps_per_year=m.steps_per_year,
                                         correlation=0.3), 17, i) for i in range(3)]
    return m, claims


@pytest.fixture(scope="module")
def quick_compiled():
    from fundsvc.inputs.bundled import resolve_scenario
    from fundsvc.inputs.loader import load_scenario
    from fundsvc.simulation import compile_scenario

    return compile_scenario(load_scenario(resolve_scenario("quick")).scenario)


def test_compact_claims_give_the_pool_stage_the_same_ledger(programme_case, tmp_path):
    """Every pool output that depends on the pools' own inputs is bit-identical after the round
    trip through the compact form and the on-disk spool."""
    m, claims = programme_case
    assert m.n_pools == 2 and all(len(per_pool) for per_pool in claims[0].cohorts)  # cohorts exercised
    spool = ClaimSpool(tmp_path / "claims")
    for cs in claims:
        spool.append(cs)
    assert len(spool) == 3 and spool.n_paths == 450
    for cs, back in zip(claims, spool, strict=True):
        for kw in ({}, {"initial_balance": [3e6, np.nan]}, {"annual_top_up": [np.nan, 1e6]}):
            a, b = run_pools(m, cs, **kw), run_pools(m, back, **kw)
            for f in ("claims", "payout", "refused", "balance", "depleted", "new_lending", "outstanding",
                      "npl_ratio", "suspended_compensation", "refused_by", "bank_shortfall"):
                np.testing.assert_array_equal(getattr(a, f), getattr(b, f), err_msg=f)
    spool.discard()
    assert not (tmp_path / "claims").exists()


def test_sparse_array_keeps_bit_patterns():
    a = np.array([[0.0, -0.0, 1.5], [np.inf, 0.0, -2.25e-300]])
    b = SparseArray.of(a).dense()
    assert b.shape == a.shape
    np.testing.assert_array_equal(b.view(np.int64), a.view(np.int64))


def test_streamed_sizing_equals_in_memory_sizing_exactly(programme_case, tmp_path):
    """Sizing read from the spool (one chunk at a time, all pools in lockstep) equals today's
    in-memory bisection, pool by pool, for both variables: value, probability, standard error,
    attained and iterations identical."""
    m, claims = programme_case
    spool = ClaimSpool(tmp_path / "claims")
    for cs in claims:
        spool.append(compact_claims(cs))
    target = 0.1
    streamed = size_pools(m, spool, target)
    assert [(r.pool_id, r.variable) for r in streamed] == [
        (p, v) for p in m.pool_ids for v in SizingVariable]
    solved_some = False
    for r in streamed:
        j = m.pool_ids.index(r.pool_id)
        ref = today_required_pool_size(m, claims, target, j, r.variable)
        got = (r.value, r.probability, r.se, r.attained, r.iterations)
        np.testing.assert_array_equal(np.array(got[:3]), np.array(ref[:3]))  # NaN == NaN for unattained
        assert got[3:] == ref[3:], (r, ref)
        single = required_pool_size(m, claims, target, pool_id=r.pool_id, variable=r.variable)
        assert dataclasses.astuple(single)[2:] == pytest.approx(dataclasses.astuple(r)[2:], rel=0, abs=0, nan_ok=True)
        solved_some |= r.attained and r.value > 0 and r.iterations > 5
    assert solved_some  # a real bisection was compared, not only the trivial 0 answer


def test_run_sizing_equals_in_memory_sizing_and_does_not_keep_claims(quick_compiled):
    """A run's credit_pool_sizing table (claims spooled by the reducer) equals today's in-memory
    sizing on the same chunks' claims, and the spooled claims are deleted afterwards."""
    from fundsvc.engine.sampling import chunk_plan
    from fundsvc.simulation import run_simulation
    from fundsvc.simulation.chunk import run_chunk

    r = run_simulation(quick_compiled, paths=600, seed=3, chunk_size=200, depletion_target=0.1,
                       keep_paths_in_memory=False)
    try:
        table = r.credit_tables["pool_sizing"]
        assert not (r.spool_dir / "claims").exists()
    finally:
        r.discard_spool()
    m = quick_compiled.credit
    claims = [run_chunk(quick_compiled, 3, c, 0, keep_claims=True).credit_claims.to_claim_set()
              for c in chunk_plan(600, 200)]
    rows = []
    for j, pid in enumerate(m.pool_ids):
        for v in SizingVariable:
            value, p, se, attained, _ = today_required_pool_size(m, claims, 0.1, j, v)
            rows.append({"pool": pid, "variable": v.value, "value": value, "probability": p, "se": se,
                         "target": 0.1, "attained": attained})
    from polars.testing import assert_frame_equal

    assert_frame_equal(table, pl.DataFrame(rows), check_exact=True)


def test_lower_depletion_target_needs_a_larger_pool(tmp_path):
    """Direction: without a lending programme a bigger pool never depletes more often, so a lower
    target needs a pool at least as large — strictly larger for these well-separated targets."""
    sc = synthetic_scenario(150, seed=3, horizon_years=3, programme=False, pool_balance=5e6)
    m = compile_credit(sc)
    spool = ClaimSpool(tmp_path / "c")
    for i in range(2):
        spool.append(chunk_claims(m, iid_market(400, 3, np.random.default_rng(i), correlation=0.3), 9, i))
    vals = [size_pools(m, spool, t, variables=[SizingVariable.INITIAL_BALANCE])[0] for t in (0.3, 0.1, 0.02)]
    assert all(r.attained for r in vals)
    assert vals[0].value < vals[1].value < vals[2].value
    for r, t in zip(vals, (0.3, 0.1, 0.02), strict=True):
        assert r.probability <= t and r.se == pytest.approx(np.sqrt(r.probability * (1 - r.probability) / 800))


def test_size_is_the_order_statistic_of_cumulative_claims(make_pool_model, make_claims, tmp_path):
    """Hand-worked: no interest, no replenishment, no caps, no triggers — a path depletes iff its
    total claims reach the initial balance B (balance after payouts ≤ 1 CNY), so the smallest B with
    P(depletion) ≤ 1/4 over 4 paths is just above the 3rd-smallest total claim (9m here); the
    bisection brackets it within rel_tol = 1e-3. P at the answer is 1/4, SE √(¼·¾/4)."""
    m = make_pool_model(years=3)
    totals = [[1e6, 2e6, 3e6], [4e6, 0.0, 5e6], [2e6, 2e6, 2e6], [8e6, 4e6, 0.0]]  # 6m, 9m, 6m, 12m
    spool = ClaimSpool(tmp_path / "c")
    spool.append(make_claims(totals[:2]))
    spool.append(make_claims(totals[2:]))
    (r,) = size_pools(m, spool, 0.25, variables=[SizingVariable.INITIAL_BALANCE])
    assert r.attained and 9e6 < r.value <= 9e6 * (1 + 1e-3) + 2
    assert r.probability == 0.25 and r.se == pytest.approx(np.sqrt(0.25 * 0.75 / 4))


def test_one_shot_iterator_of_claims_is_refused(make_pool_model, make_claims):
    """Every bisection round reads all chunks again: a generator would be empty after round one."""
    m = make_pool_model(years=3)
    with pytest.raises(TypeError, match="re-iterable"):
        size_pools(m, (c for c in [make_claims([[1e6, 0.0, 0.0]])]), 0.25)
