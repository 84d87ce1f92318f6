"""Helpers for the pool tests: a one-path (or few-path) ClaimSet fed straight to the pool stage."""

import dataclasses

import numpy as np
import pytest

from fundsvc.credit.engine import compile_credit
from fundsvc.credit.engine.claims import ClaimSet
from fundsvc.credit.engine.synthetic import homogeneous_scenario


def pool_model(years=4, **pool_kwargs):
    """One pool, balance 5m, no interest unless given, two banks; annual steps."""
    kw = {"funders": {"finance": 5e6}, "interest_rate": 0.0}
    kw.update(pool_kwargs)
    sc = homogeneous_scenario(2, 0.01, horizon_years=years, pooled=True, pool_kwargs=kw)
    return dataclasses.replace(compile_credit(sc), banks=("bank_a", "bank_b"))


def claim_set(claims, npl_principal=None, outstanding=1e8, net_loss=None):
    """``claims`` (n_paths, n_steps) all on bank_a; NPL principal and net loss (n_paths, n_steps)."""
    c = np.asarray(claims, float)
    c = c[None, :] if c.ndim == 1 else c
    n, s = c.shape
    cl = np.zeros((n, s, 1, 2))
    cl[:, :, 0, 0] = c
    z = np.zeros((n, s))
    shape = lambda a: None if a is None else np.broadcast_to(np.asarray(a, float), (n, s)).reshape(n, s, 1).copy()
    return ClaimSet(
        claim=cl, bank_direct=np.zeros((n, s, 2)), guarantor=z, insurer=z, exposure=z, recovery=z,
        n_defaults=np.zeros((n, s), np.int32),
        npl_principal=np.zeros((n, s, 1)) if npl_principal is None else shape(npl_principal),
        outstanding=np.full((n, s, 1), outstanding), outstanding0=np.array([outstanding]),
        cohorts=((),), records=None, net_loss=shape(net_loss))


@pytest.fixture
def make_pool_model():
    return pool_model


@pytest.fixture
def make_claims():
    return claim_set
