"""The run reports the share of the sub-funds' proceeds from end-of-term secondary sales, with its
standard error (issue 11): one formula (fundsvc.engine.venture.summary.end_sale_share) for the
run's headline table and the stress comparison."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from fundsvc import api
from fundsvc.engine.venture.summary import end_sale_share
from fundsvc.simulation.uncertainty import END_SALE_FIGURE
from fundsvc.stress.headline import path_values

QUICK = Path(__file__).resolve().parents[2] / "scenarios" / "quick.toml"


def test_end_sale_share_hand_worked():
    es = np.array([[10.0, 0.0], [0.0, 0.0], [5.0, 5.0]])
    gross = np.array([[40.0, 60.0], [0.0, 0.0], [5.0, 15.0]])
    np.testing.assert_allclose(end_sale_share(es, gross), [0.1, 0.0, 0.5])


def test_run_headline_is_the_mean_share_with_its_standard_error():
    r = api.simulate(QUICK, paths=300, seed=5, executor="serial")
    row = r.headlines.filter(r.headlines["figure"] == END_SALE_FIGURE).to_dicts()
    assert len(row) == 1 and not row[0]["in_stopping_rule"]
    x = path_values(r)["end_sale_share"]
    assert 0 < x.mean() < 1
    assert abs(row[0]["estimate"] - x.mean()) < 1e-12
    assert abs(row[0]["se"] - x.std(ddof=1) / np.sqrt(x.size)) < 1e-12
