"""The time grid (issue 10): one value from the scenario; time conventions pinned by hand cases."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest

from fundsvc.engine.grid import TimeGrid
from fundsvc.engine.venture.equity import EquityChunk
from fundsvc.simulation.sides.venture import VentureChunk, VentureSide

ROOT = Path(__file__).resolve().parents[2]


def test_grid_dates_fractions_and_steps():
    """Quarter ends and year ends from 2026-01-01; step ends in years; a date's step."""
    q = TimeGrid.for_horizon(dt.date(2026, 1, 1), 4, 2)
    assert q.n_steps == 8 and q.n_years == 2
    assert q.dates()[:2].tolist() == [dt.date(2026, 3, 31), dt.date(2026, 6, 30)]
    np.testing.assert_allclose(q.year_fractions(), np.arange(1, 9) / 4)
    assert q.step_of(dt.date(2027, 6, 30)) == 5 and q.step_of(dt.date(2025, 12, 31)) == -1
    y = q.at(1)
    assert (y.n_steps, y.steps_per_year) == (2, 1)
    assert y.dates().tolist() == [dt.date(2026, 12, 31), dt.date(2027, 12, 31)]
    assert y.step_of(dt.date(2027, 6, 30)) == 1
    assert q.per_step_rate(0.1) == pytest.approx(1.1 ** 0.25 - 1)
    assert float(q.annualise(q.per_step_rate(0.1))) == pytest.approx(0.1)
    assert TimeGrid.from_dict(q.to_dict()) == q
    with pytest.raises(ValueError, match="divide 12"):
        TimeGrid(dt.date(2026, 1, 1), 5, 10)


def test_no_default_step_length_in_the_service():
    """No signature in fundsvc defaults a step length (``steps_per_year``/``periods_per_year``
    ``= 4``): the grid is passed down from the scenario."""
    pat = re.compile(r"(steps|periods)_per_year\s*:\s*int\s*=\s*4\b")
    hits = [f"{p.relative_to(ROOT)}:{i + 1}" for p in (ROOT / "fundsvc").rglob("*.py")
            for i, line in enumerate(p.read_text(encoding="utf-8").splitlines()) if pat.search(line)]
    assert hits == []


def _chunk(calls: np.ndarray, dists: np.ndarray, nav: np.ndarray) -> EquityChunk:
    """A guidance fund with no sub-funds and the given flows, shape (1, n_steps)."""
    p, t = calls.shape
    z2 = np.zeros((p, 0))
    z3 = np.zeros((p, 0, t))
    return EquityChunk(fund_ids=(), guidance_calls=calls, guidance_distributions=dists, guidance_nav=nav,
                       fund_calls=z3, fund_distributions=z3, fund_nav=z3, guidance_fund_calls=z3,
                       guidance_fund_distributions=z3, guidance_fund_nav=z3, gp_carry=z2, invested_local=z2,
                       invested_early=z2, n_companies=z2, invested_by_sector=np.zeros((p, 6)),
                       guidance_conceded=z2, buyout_step=z2.astype(np.int64), local_reinvestment_ratio=z2,
                       local_reinvestment_required=np.zeros(0), guidance_management_cost=np.zeros(t),
                       guidance_cash_yield=np.zeros((p, t)))


@pytest.mark.parametrize("steps_per_year", [4, 1])
def test_deterministic_pattern_annualises_to_the_same_rate_on_both_grids(steps_per_year):
    """The pattern −100 at the end of year 1, +55 at the end of year 2, NAV 60.5 at the end of
    year 3 has an IRR of exactly 10 % a year (−100 + 55/1.1 + 60.5/1.1² = 0). The venture side's
    production columns give 10 % on the quarterly and on the annual grid (annualising annual
    steps as quarters, the bug of issue 10, gives 1.1⁴ − 1 ≈ 46 %)."""
    grid = TimeGrid.for_horizon(dt.date(2026, 1, 1), steps_per_year, 3)
    n = grid.n_steps
    c, d, v = np.zeros((1, n)), np.zeros((1, n)), np.zeros((1, n))
    c[0, grid.step_of(dt.date(2026, 12, 31))] = 100.0
    d[0, grid.step_of(dt.date(2027, 12, 31))] = 55.0
    v[0, -1] = 60.5
    cols = VentureSide().columns(SimpleNamespace(grid=grid), VentureChunk(_chunk(c, d, v), np.ones((1, n + 1))))
    assert cols["irr"][0, 0] == pytest.approx(0.10, abs=1e-9)
    assert cols["tvpi"][0, 0] == pytest.approx(1.155)
