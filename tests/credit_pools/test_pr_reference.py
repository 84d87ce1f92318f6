"""The vectorised pool stage against the path-by-path reference (fundsvc.credit.engine.reference)
with every kind of rule at once: cumulative cap, NPL pause with hysteresis, cumulative-loss pauses
(latched, and reset by replenishment), top-up."""

import numpy as np

from fundsvc.credit.engine.reference import reference_pool_ledger
from fundsvc.credit.pools.ledger import run_pools


def test_ledger_matches_reference_with_all_rule_kinds(make_pool_model, make_claims):
    rng = np.random.default_rng(11)
    n, s = 200, 6
    m = make_pool_model(
        years=s, interest_rate=0.02,
        replenishment={"rule": "top_up_to_initial", "amount_cny": 1.5e6},
        caps=[{"kind": "cumulative_share_of_loss", "share": 0.8}],
        triggers=[
            {"metric": "npl_ratio", "threshold": 0.06, "suspends": "compensation",
             "reset": {"kind": "hysteresis", "resume_below": 0.03}},
            {"metric": "cumulative_loss_ratio", "threshold": 0.4, "suspends": "compensation",
             "reset": {"kind": "never"}},
            {"metric": "cumulative_loss_ratio", "threshold": 0.2, "suspends": "lending",
             "reset": {"kind": "on_replenishment"}},
            {"metric": "npl_ratio", "threshold": 0.05, "suspends": "lending"},
        ])
    # two claims per (path, step) so the reference's per-claim pro rata is exercised
    c1 = rng.exponential(1.2e6, (n, s)) * (rng.random((n, s)) < 0.7)
    c2 = rng.exponential(0.5e6, (n, s)) * (rng.random((n, s)) < 0.5)
    net = (c1 + c2) * rng.uniform(0.9, 1.6, (n, s))
    npl = rng.uniform(0, 7e6, (n, s))
    led = run_pools(m, make_claims(c1 + c2, npl_principal=npl, net_loss=net))
    paths = np.concatenate([np.repeat(np.arange(n), s), np.repeat(np.arange(n), s)])
    steps = np.concatenate([np.tile(np.arange(s), n), np.tile(np.arange(s), n)])
    ref = reference_pool_ledger(m, paths, steps, np.concatenate([c1.ravel(), c2.ravel()]), n,
                                npl_principal=npl, outstanding=np.full((n, s), 1e8), net_loss=net, outstanding0=1e8)
    np.testing.assert_allclose(led.payout[:, 0], ref["payout"], atol=1e-6)
    np.testing.assert_allclose(led.balance[:, 0], ref["balance"], atol=1e-6)
    np.testing.assert_allclose(led.refused_by[:, 0], ref["refused_by"], atol=1e-6)
    np.testing.assert_array_equal(led.depleted[:, 0], ref["depleted"])
    # every reason occurs in this sample, so the comparison is not vacuous
    assert (led.refused_by[:, 0] > 1).any(axis=(0, 1)).all()
