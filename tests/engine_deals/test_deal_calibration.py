"""The default stage profile reproduces its published calibration targets.

Sources (also in ``scenarios/profiles/stages_default.toml``):

* Correlation Ventures, distribution of exit multiples of 21,640 US venture financings
  2004–2013: <1× 65 %, 1–5× 25 %, 5–10× 6 %, 10–20× 2.5 %, 20–50× 1 %, ≥50× 0.5 %.
* CB Insights, "The Venture Capital Funnel" (2017): of 1,098 US tech companies with a seed
  round in 2008–2010, 46 % raised a second round and 14 % a fourth round (about Series C).
"""

from __future__ import annotations

import tomllib
from pathlib import Path

import numpy as np
import pytest

from fundsvc.engine.venture.deal_calibration import (
    CORRELATION_VENTURES_TARGET,
    MULTIPLE_LABELS,
    funnel,
    graduation_rates,
    multiple_buckets,
    simulate_calibration,
)
from fundsvc.engine.venture.deals import DealStatus, deal_multiples
from models.venture import STAGE_ORDER, StageProfile

PROFILE = Path(__file__).parents[2] / "scenarios" / "profiles" / "stages_default.toml"
N_PATHS = 4000  # x 40 deals = 160,000 positions, about 160,000 of them ended


@pytest.fixture(scope="module")
def profile() -> StageProfile:
    with open(PROFILE, "rb") as fh:
        return StageProfile.model_validate(tomllib.load(fh))


@pytest.fixture(scope="module")
def outcomes(profile):
    return simulate_calibration(profile, n_paths=N_PATHS, seed=20240601)


def test_exit_multiple_buckets_match_correlation_ventures(outcomes):
    """Per-position exit multiples within ±2 percentage points of Correlation Ventures.

    Monte Carlo error: the standard error of each bucket share is estimated from 20 batches
    of paths (which keeps the within-path correlation of deals) and asserted to be below
    0.3 pp, so a 2 pp miss cannot be noise.
    """
    mult = deal_multiples(outcomes)
    assert mult.size > 0.95 * outcomes.status.size  # nearly every position has ended
    sim = multiple_buckets(mult)
    target = np.asarray(CORRELATION_VENTURES_TARGET)
    batches = np.array_split(np.arange(outcomes.status.shape[0]), 20)
    per_batch = []
    for b in batches:
        sub = outcomes.__class__(**{k: getattr(outcomes, k)[b] for k in outcomes.__dataclass_fields__})
        per_batch.append(multiple_buckets(deal_multiples(sub)))
    se = np.std(per_batch, axis=0, ddof=1) / np.sqrt(len(batches))
    assert np.all(se < 0.003), se
    diff = sim - target
    report = {k: f"{100 * s:.2f}% vs {100 * t:.2f}%" for k, s, t in zip(MULTIPLE_LABELS, sim, target)}
    assert np.all(np.abs(diff) <= 0.02), report


def test_seed_funnel_matches_cb_insights(outcomes):
    """Seed cohort: 46 % reach Series A and 14 % Series C (CB Insights 2017), within 2 pp."""
    f = funnel(outcomes)
    assert abs(f["seed->series_a"] - 0.46) <= 0.02, f
    assert abs(f["seed->series_c"] - 0.14) <= 0.02, f


def test_graduation_rates_follow_the_profile(outcomes, profile):
    """Simulated graduation per stage is close to p_next_round (the factor effect averages
    out to within a few points), and the last stage never graduates."""
    rates = graduation_rates(outcomes)
    target = np.array([profile.transition(s).p_next_round for s in STAGE_ORDER])
    assert np.all(np.abs(rates[:4] - target[:4]) <= 0.03), (rates, target)
    assert rates[4] == 0.0


def test_some_positions_are_big_winners(outcomes):
    """The heavy right tail exists: the best position in 1,000 returns more than 50x."""
    mult = deal_multiples(outcomes)
    assert np.quantile(mult, 0.999) > 50
    assert (outcomes.status == DealStatus.EXITED).any()
