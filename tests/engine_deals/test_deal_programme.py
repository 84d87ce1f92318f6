"""compile_deals: deal slots, checks, reserves, time axis and stage tables."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import pytest

from fundsvc.engine.venture.deal_programme import compile_deals, preference_stack_fraction
from models.common import Sector

_spec = importlib.util.spec_from_file_location("engine_deals_helpers_prog", Path(__file__).parent / "_helpers.py")
helpers = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(helpers)

SECTORS = tuple(Sector)


def test_checks_and_reserve_use_the_investable_capital():
    fund = helpers.small_fund(n_initial_deals=8, reserve_ratio=0.4)
    prog = compile_deals(fund, helpers.fast_profile(), SECTORS, 60, 5, 1.7e8, steps_per_year=4)
    assert prog.check_cny * prog.n_deals + prog.reserve_cny == pytest.approx(1.7e8, rel=1e-12)
    assert prog.reserve_cny == pytest.approx(0.4 * 1.7e8)
    assert prog.recycling_cap_cny == pytest.approx(fund.recycling_cap * fund.commitment_cny)


def test_entries_spread_over_the_investment_period():
    fund = helpers.small_fund(n_initial_deals=8, investment_period_years=2, life_years=5, extension_years=1)
    prog = compile_deals(fund, helpers.fast_profile(), SECTORS, 60, 5, 1e8, steps_per_year=4)
    np.testing.assert_array_equal(prog.entry_step, [5, 6, 7, 8, 9, 10, 11, 12])
    assert prog.ip_end_step == 5 + 8
    assert prog.end_step == 5 + 24 - 1  # last quarter of life + extension
    assert prog.last_step == prog.end_step + 1


def test_event_probability_matches_years_in_stage():
    """Per quarter 1 - exp(-1 / (4 years)) in a regime with exit multiplier 1."""
    prog = compile_deals(helpers.small_fund(), helpers.fast_profile(), SECTORS, 60, 0, 1e8, steps_per_year=4)
    np.testing.assert_allclose(prog.p_event[3, :5], 1 - np.exp(-1 / (4 * 0.75)))
    assert np.all(prog.p_event[:, 5] == 0)
    # hot regime multiplies the exit rate: more events than normal
    assert np.all(prog.p_event[0, :5] > prog.p_event[1, :5])


def test_preference_stack_fraction_recursion():
    """Capital raised / post-money: the entry round plus earlier rounds at lower prices."""
    c = preference_stack_fraction(helpers.fast_profile())
    assert c[0] == pytest.approx(0.2)
    assert c[1] == pytest.approx(0.2 + 0.2 * 0.8 / 2.0)  # A round sells 20 %, seed step-up 2.0
    assert c[2] == pytest.approx(0.2 + c[1] * 0.8 / 1.8)
    assert np.all((c > 0) & (c < 1))
