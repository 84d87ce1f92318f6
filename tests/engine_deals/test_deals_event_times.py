"""Event times of the deal kernel against their closed forms.

The kernel draws a company's event steps by thinning a geometric candidate process (module doc
of :mod:`fundsvc.engine.venture.deals`). With ``p_next_round = 0`` in every stage the first event
ends the deal, so the number of steps from entry to the end is, per deal,

* without a regime: geometric on {1, 2, ...} with the constant per-step probability
  ``p = 1 - exp(-dt (1 - p_exit + m p_exit) / years_in_stage)`` (m = 1), censored by the
  end-of-life sale: ``P(J = j) = p (1 - p)^(j-1)``;
* with a regime: ``P(J > k | regime path) = Π_{u=1..k} (1 - p_event[regime at entry + u, s])``
  (exact conditional survival; the test averages it over the simulated regime paths).

Tolerances: 4.5 standard errors of the empirical frequencies (binomial SE, or the sample SE of
indicator − conditional probability), so a correct kernel fails about once in 10^5 per check.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
from scipy import stats

from fundsvc.engine.sampling import Component, stream
from fundsvc.engine.venture import simulate_deals
from fundsvc.engine.venture.deal_programme import NO_REGIME_ROW
from fundsvc.engine.venture.deals import DealStatus
from models.market import MarketModel
from models.venture import StageProfile

HERE = Path(__file__).parent
_spec = importlib.util.spec_from_file_location("engine_deals_helpers_evt", HERE / "_helpers.py")
helpers = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(helpers)

N_PATHS = 4_000
YEARS = {"seed": 0.75, "series_a": 1.0, "series_b": 1.5, "series_c": 2.0, "later": 1.25}


def _no_round_profile() -> StageProfile:
    """Fast profile without further rounds: the first event is the deal's exit or failure."""
    base = helpers.fast_profile()
    stages = []
    for st in base.stages:
        d = st.model_dump()
        d.update(p_next_round=0.0, years_in_stage=YEARS[st.stage.value])
        stages.append(d)
    return StageProfile(name="no-rounds", stages=stages)


def _run(market_model: MarketModel):
    prog, market = helpers.setup(n_paths=N_PATHS, n_steps=32, start_step=2, seed=11, market=market_model,
                                 profile=_no_round_profile())
    out = simulate_deals(prog, market, stream(5, 0, Component.VENTURE, 1))
    return prog, market, out.deals


def test_constant_hazard_gives_geometric_event_quarter():
    """No regime: steps from entry to exit/failure are geometric with the closed-form p."""
    prog, _market, d = _run(MarketModel(regime=None))
    assert prog.end_step < prog.n_steps
    entry = prog.entry_step[None, :]
    ended = (d.status == DealStatus.EXITED) | (d.status == DealStatus.FAILED)
    assert np.all((d.status == DealStatus.SOLD_AT_NAV) | ended)
    j = np.where(ended, d.end_step - entry, 0)
    checked = 0
    for s in range(4):  # entry stages seed .. series_c
        p = prog.p_event[NO_REGIME_ROW, s]
        years = YEARS[list(YEARS)[s]]
        assert p == 1.0 - np.exp(-0.25 / years)  # closed form, dt = 1/4 year, m = 1
        for k in range(prog.n_deals):
            sel = d.entry_stage[:, k] == s
            n = int(sel.sum())
            if n < 200:
                continue
            horizon = prog.end_step - prog.entry_step[k]
            jj = j[sel, k]
            # pmf for j = 1..horizon, and the censored rest (sold at the end of life)
            pmf = p * (1.0 - p) ** np.arange(horizon)
            probs = np.append(pmf, (1.0 - p) ** horizon)
            counts = np.append(np.bincount(jj[jj > 0], minlength=horizon + 1)[1:], np.sum(jj == 0))
            freq = counts / n
            se = np.sqrt(probs * (1.0 - probs) / n)
            assert np.all(np.abs(freq - probs) <= 4.5 * se + 1e-12), (s, k, freq[:5], probs[:5])
            # and jointly (bins with expected count >= 5; the rest pooled)
            big = probs * n >= 5
            obs = np.append(counts[big], counts[~big].sum())
            exp_ = np.append(probs[big], probs[~big].sum()) * n
            keep = exp_ > 0
            chi2 = float(np.sum((obs[keep] - exp_[keep]) ** 2 / exp_[keep]))
            assert chi2 < stats.chi2.ppf(1 - 1e-5, keep.sum() - 1), (s, k, chi2)
            checked += 1
    assert checked >= 6


def test_regime_hazard_matches_conditional_survival():
    """With the hot/normal/cold regime the per-step event probability follows the regime path:
    the empirical survival after k steps equals the mean exact conditional survival."""
    prog, market, d = _run(MarketModel())
    assert market.regime is not None
    P, D = d.status.shape
    ended = (d.status == DealStatus.EXITED) | (d.status == DealStatus.FAILED)
    j = np.where(ended, d.end_step - prog.entry_step[None, :], np.iinfo(np.int64).max)
    s = d.entry_stage.astype(np.intp)
    regime = market.regime.astype(np.intp)
    for k in range(prog.n_deals):
        e = prog.entry_step[k]
        surv = np.ones(P)
        for u in range(1, prog.end_step - e + 1):
            surv = surv * (1.0 - prog.p_event[regime[:, e + u], s[:, k]])
            if u in (1, 2, 4, 8, 12):
                diff = (j[:, k] > u).astype(float) - surv
                se = diff.std(ddof=1) / np.sqrt(P)
                assert abs(diff.mean()) <= 4.5 * se, (k, u, diff.mean(), se)
    # the regime really moves the hazard (else this test would not test the thinning)
    assert np.ptp(prog.p_event[:NO_REGIME_ROW, :4], axis=0).min() > 0.01
