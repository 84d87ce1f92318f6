"""The merge stage's summary tables computed once give the numbers of the reference ways, bit for bit.

* ``equity_fans`` read off the per-step quantile table (:func:`fundsvc.simulation.quantiles.fans_from_quantiles`)
  equals :func:`fundsvc.engine.venture.summary.equity_fans` (``np.quantile`` on the same paths);
* the venture side's summary tables are the same whether the fans are read off or recomputed.
"""

from __future__ import annotations

import numpy as np
import pytest

from fundsvc.engine.venture.summary import equity_fans
from fundsvc.simulation.quantiles import fans_from_quantiles, metric_quantiles
from fundsvc.simulation.registry import SUMMARY_QUANTILE_NAMES, SUMMARY_QUANTILES
from fundsvc.simulation.sides.venture import FanSample, _with_dates


def _sample(seed: int, n: int = 1500, n_funds: int = 3, n_steps: int = 24) -> FanSample:
    """Fund-like flows (CNY): calls early, distributions late, NAV in between; ties (zeros,
    rounded amounts) and paths that never call."""
    rng = np.random.default_rng(seed)
    t = np.arange(n_steps)
    early = (t < n_steps // 3).astype(float)
    late = (t >= n_steps // 2).astype(float)
    fc = np.round(rng.gamma(2.0, 5.0, (n, n_funds, n_steps)) * early)
    fd = np.round(rng.gamma(1.0, 8.0, (n, n_funds, n_steps)) * late * (rng.random((n, n_funds, n_steps)) < 0.5))
    fc[: n // 20] = 0.0  # never called: NaN multiples
    fv = np.maximum(np.cumsum(fc, axis=-1) * rng.lognormal(0.0, 0.5, (n, n_funds, 1)) - np.cumsum(fd, axis=-1), 0.0)
    return FanSample(tuple(f"f{i}" for i in range(n_funds)), fc.sum(1), fd.sum(1), fv.sum(1), fc, fd, fv)


@pytest.mark.parametrize("seed", range(3))
def test_fans_from_quantiles_equal_equity_fans(seed):
    eq = _sample(seed)
    dates = np.arange("2025-03", "2031-03", 3, dtype="datetime64[M]").astype("datetime64[D]")[:24]
    table = metric_quantiles(eq, dates, periods_per_year=4)
    ref = _with_dates(equity_fans(eq, SUMMARY_QUANTILES), dates)
    fast = fans_from_quantiles(table, eq, SUMMARY_QUANTILES, SUMMARY_QUANTILE_NAMES)
    assert fast.schema == ref.schema
    assert fast.equals(ref)  # bit for bit, NaN where NaN


def test_fans_from_quantiles_declines_nan_flows_and_off_grid_levels():
    eq = _sample(0)
    dates = np.arange(24).astype("datetime64[D]")
    table = metric_quantiles(eq, dates, periods_per_year=4)
    assert fans_from_quantiles(table, eq, (0.05, 0.333), ("p5", "p33.3")) is None
    eq.fund_nav[0, 0, 3] = np.nan  # np.quantile would give NaN, the quantile table skips it
    assert fans_from_quantiles(table, eq, SUMMARY_QUANTILES, SUMMARY_QUANTILE_NAMES) is None


def test_irr_to_date_is_the_per_step_irr_and_hand_worked():
    """``irr_to_date`` at step t is ``irr`` of (0, net flows to t, NAV_t added at t), bit for bit
    (a faster, e.g. warm-started, solver must keep this), and a hand-worked path: 100 called at
    step 0, NAV 110 one quarter later gives 10 % per quarter, 1.1**4 - 1 per year."""
    from fundsvc.metrics.rates import irr
    from fundsvc.simulation.quantiles import irr_to_date

    eq = _sample(1, n=400, n_funds=2, n_steps=12)
    c, d, v = eq.guidance_calls, eq.guidance_distributions, eq.guidance_nav
    got = irr_to_date(c, d, v, 4)
    net = d - c
    for t in range(c.shape[1]):
        flows = np.concatenate([np.zeros((c.shape[0], 1)), net[:, : t + 1]], axis=1)
        flows[:, -1] += v[:, t]
        with np.errstate(invalid="ignore", divide="ignore"):
            assert np.array_equal(got[:, t], irr(flows, periods_per_year=4), equal_nan=True)
    one = irr_to_date(np.array([[100.0, 0.0]]), np.zeros((1, 2)), np.array([[100.0, 110.0]]), 4)
    assert np.isnan(one[0, 0])  # flows (0, 0): no IRR yet
    assert one[0, 1] == pytest.approx(1.1 ** 4 - 1, rel=1e-12)
