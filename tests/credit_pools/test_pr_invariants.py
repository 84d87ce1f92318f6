"""Invariants of the pool stage under random rule combinations (hypothesis): payouts never exceed
the balance, payout + refused = claims, refusals add up by reason, the balance never goes negative,
running caps are respected."""

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fundsvc.credit.pools.ledger import run_pools

resets = st.sampled_from([{"kind": "immediate"}, {"kind": "never"}, {"kind": "on_replenishment"},
                          {"kind": "hysteresis", "resume_below": 0.01}])
triggers = st.lists(st.fixed_dictionaries({
    "metric": st.sampled_from(["npl_ratio", "cumulative_loss_ratio"]), "threshold": st.floats(0.02, 0.6),
    "suspends": st.sampled_from(["compensation", "lending"]), "reset": resets}), max_size=3)
replenishment = st.sampled_from([{"rule": "none"}, {"rule": "fixed_annual", "amount_cny": 1e6},
                                 {"rule": "top_up_to_initial", "amount_cny": 0.0},
                                 {"rule": "share_of_payouts", "share": 0.5}])


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(trig=triggers, rep=replenishment, cap_share=st.one_of(st.none(), st.floats(0.1, 1.0)),
       seed=st.integers(0, 2**16))
def test_pool_stage_invariants(make_pool_model, make_claims, trig, rep, cap_share, seed):
    """The helper fixtures are stateless factories, so sharing them across examples is safe."""
    pool_model, claim_set = make_pool_model, make_claims
    rng = np.random.default_rng(seed)
    n, s = 8, 5
    caps = [] if cap_share is None else [{"kind": "cumulative_share_of_loss", "share": cap_share}]
    m = pool_model(years=s, interest_rate=0.01, replenishment=rep, caps=caps, triggers=trig)
    claims = rng.exponential(1.5e6, (n, s)) * (rng.random((n, s)) < 0.6)
    net = claims * rng.uniform(0.8, 2.0, (n, s))
    led = run_pools(m, claim_set(claims, npl_principal=rng.uniform(0, 8e6, (n, s)), net_loss=net))
    pay, bal = led.payout[:, 0], led.balance[:, 0]
    assert np.all(pay <= bal[:, :-1] + 1e-6)
    assert np.all(bal >= -1e-6)
    np.testing.assert_allclose(pay + led.refused[:, 0], claims, atol=1e-6)
    np.testing.assert_allclose(led.refused_by[:, 0].sum(axis=2), led.refused[:, 0], atol=1e-6)
    assert np.all(led.refused_by >= -1e-9)
    if cap_share is not None:
        assert np.all(np.cumsum(pay, axis=1) <= cap_share * np.cumsum(net, axis=1) + 1e-6)
