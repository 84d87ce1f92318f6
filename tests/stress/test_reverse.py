"""Reverse stress: the path found breaches the target when simulated, a less severe one does not."""

import numpy as np
import pytest

from fundsvc.errors import InputError
from fundsvc.inputs.loader import load_scenario
from fundsvc.stress.reverse import _imposition, parse_target, reverse_stress, shift_path
from fundsvc.stress.runner import run_paths, stressed

PATHS, SEED = 200, 4


@pytest.fixture(scope="module")
def quick():
    return load_scenario("scenarios/quick.toml").scenario


def test_found_path_breaches_and_a_less_severe_one_does_not(quick):
    target = parse_target(quick, "fund-loss", level=0.1)
    res = reverse_stress(quick, target, paths=PATHS, seed=SEED, windows=(12,), iterations=4)
    assert res.shift_sigma is not None and res.shift_sigma < 0
    # simulate the reported path again (independently of the search) and half of it
    hit = target.value(run_paths(stressed(quick, [_imposition(quick, res.shift_sigma, 4, 12)]), paths=PATHS,
                                 seed=SEED))[0]
    half = target.value(run_paths(stressed(quick, [_imposition(quick, res.shift_sigma / 2, 4, 12)]), paths=PATHS,
                                  seed=SEED))[0]
    assert hit >= 0.1 > half
    assert res.checks[0]["breached"] and not res.checks[1]["breached"]
    assert res.checks[1]["value"] < 0.1 <= res.checks[0]["value"]


def test_mahalanobis_norm_of_a_shift_is_closed_form(quick):
    """One quarter shifted by σ: the minimum-norm innovation shift has norm |σ| / ‖a_t‖ with a_t
    the AR(1) weights of that quarter (‖a_t‖ = 1 for a unit-variance factor), so the norm is |σ|;
    the most likely path decays at the per-quarter autocorrelation on both sides."""
    norm, path = shift_path(quick, -2.0, 4, 1)
    assert norm == pytest.approx(2.0, rel=1e-9)
    phi = quick.market.persistence ** 0.25
    assert path[4] == pytest.approx(-2.0)
    assert path[6] == pytest.approx(-2.0 * phi**2)
    assert path[2] == pytest.approx(-2.0 * phi**2)
    assert np.all(path <= 0)


def test_bad_targets_are_named(quick):
    with pytest.raises(InputError, match="bank needs|needs --level"):
        parse_target(quick, "bank:" + min({ln.bank for ln in quick.loans}))
    with pytest.raises(InputError, match="not fund-loss"):
        parse_target(quick, "everything")
