"""The simulation's time grid: one value, made once from the scenario and passed down.

A :class:`TimeGrid` is the start date, the number of steps per year and the number of steps.
Everything that needs calendar time reads it from here: step-end dates, step-end times in
years (``year_fractions``), the step a date falls in, the per-step rate of an annual rate, and
the annualisation of a per-step rate (IRR, direct alpha). No function below the scenario
defaults a step length; the engines receive the grid (or its ``steps_per_year``) explicitly.

Conventions:

* step ``t`` (0-based) covers ``[start + t·Δ, start + (t+1)·Δ)`` with ``Δ = 12 / steps_per_year``
  months; its flows are dated at the step end, ``dates[t]`` (the day before the next step starts);
* ``year_fractions[t] = (t + 1) / steps_per_year`` — the step end in years from the start;
* the shared market factors run on the scenario's *factor grid* (quarterly,
  :data:`FACTOR_STEPS_PER_YEAR`); a side on a coarser grid (``time_step = "year"``) gets
  ``grid.at(1)`` and the factors aggregated to it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np

FACTOR_STEPS_PER_YEAR = 4
"""The shared factors are always simulated quarterly; coarser sides aggregate them."""


@dataclass(frozen=True)
class TimeGrid:
    """A regular time grid from ``start_date``.

    Attributes
    ----------
    start_date : datetime.date
    steps_per_year : int
        1, 2, 4 or 12 (a whole number of months per step).
    n_steps : int
    """

    start_date: dt.date
    steps_per_year: int
    n_steps: int

    def __post_init__(self) -> None:
        if self.steps_per_year not in (1, 2, 3, 4, 6, 12):
            raise ValueError(f"steps_per_year must divide 12, got {self.steps_per_year}")
        if self.n_steps < 0:
            raise ValueError(f"n_steps must be >= 0, got {self.n_steps}")

    # ---------------------------------------------------------------- construction
    @classmethod
    def for_horizon(cls, start_date: dt.date, steps_per_year: int, horizon_years: int) -> TimeGrid:
        """``horizon_years`` whole years of ``steps_per_year`` steps from ``start_date``."""
        return cls(start_date, int(steps_per_year), int(steps_per_year) * int(horizon_years))

    @classmethod
    def factor_grid(cls, scenario) -> TimeGrid:
        """The scenario's factor grid (quarterly over ``simulation.horizon_years``)."""
        sim = scenario.simulation
        return cls.for_horizon(sim.start_date, FACTOR_STEPS_PER_YEAR, sim.horizon_years)

    @classmethod
    def venture_grid(cls, scenario) -> TimeGrid:
        """The venture side's grid (``simulation.time_step``)."""
        return cls.factor_grid(scenario).at(scenario.simulation.time_step.per_year)

    @classmethod
    def credit_grid(cls, scenario) -> TimeGrid:
        """The credit side's grid (``simulation.credit_time_step``)."""
        return cls.factor_grid(scenario).at(scenario.simulation.credit_time_step.per_year)

    def at(self, steps_per_year: int) -> TimeGrid:
        """The same start and horizon with ``steps_per_year`` steps a year."""
        if steps_per_year == self.steps_per_year:
            return self
        if (self.n_steps * steps_per_year) % self.steps_per_year:
            raise ValueError(f"a grid of {self.n_steps} steps at {self.steps_per_year}/year has no "
                             f"whole number of steps at {steps_per_year}/year")
        return TimeGrid(self.start_date, steps_per_year, self.n_steps * steps_per_year // self.steps_per_year)

    # ---------------------------------------------------------------- reading
    @property
    def months_per_step(self) -> int:
        return 12 // self.steps_per_year

    @property
    def step_name(self) -> str:
        """English plural name of the steps (``quarters``, ``years``, ``months`` …)."""
        return {1: "years", 2: "half-years", 4: "quarters", 12: "months"}.get(self.steps_per_year, "steps")

    @property
    def step_years(self) -> float:
        """Length of one step in years."""
        return 1.0 / self.steps_per_year

    @property
    def horizon_years(self) -> float:
        return self.n_steps / self.steps_per_year

    @property
    def n_years(self) -> int:
        """Whole years covered by the grid."""
        return self.n_steps // self.steps_per_year

    def dates(self) -> np.ndarray:
        """Step-end dates, ``datetime64[D]`` shape (n_steps,)."""
        start_m = np.datetime64(self.start_date, "M")
        ends = start_m + np.arange(1, self.n_steps + 1) * self.months_per_step
        day_shift = np.datetime64(self.start_date, "D") - start_m.astype("datetime64[D]")
        return ends.astype("datetime64[D]") + day_shift - np.timedelta64(1, "D")

    def year_fractions(self) -> np.ndarray:
        """Step ends in years from the start, ``(t + 1) / steps_per_year``, shape (n_steps,)."""
        return (np.arange(self.n_steps) + 1) / self.steps_per_year

    def step_of(self, date: dt.date) -> int:
        """The step ``date`` falls in (whole steps from the start, rounded down; may be negative)."""
        months = (date.year - self.start_date.year) * 12 + (date.month - self.start_date.month)
        if date.day < self.start_date.day:
            months -= 1
        return months // self.months_per_step

    def steps(self, years: float) -> int:
        """A duration in years as a whole number of steps (rounded)."""
        return round(years * self.steps_per_year)

    def per_step_rate(self, annual_rate: float) -> float:
        """The per-step rate compounding to ``annual_rate`` over a year."""
        return (1.0 + annual_rate) ** (1.0 / self.steps_per_year) - 1.0

    def annualise(self, per_step_rate):
        """A per-step rate as an effective annual rate, ``(1 + r)^steps_per_year − 1``."""
        return (1.0 + np.asarray(per_step_rate, dtype=float)) ** self.steps_per_year - 1.0

    def to_dict(self) -> dict:
        """JSON-ready form (stored with a run's facts)."""
        return {"start_date": self.start_date.isoformat(), "steps_per_year": self.steps_per_year,
                "n_steps": self.n_steps}

    @classmethod
    def from_dict(cls, d: dict) -> TimeGrid:
        return cls(dt.date.fromisoformat(d["start_date"]), int(d["steps_per_year"]), int(d["n_steps"]))


def market_on(market, grid: TimeGrid):
    """The factor paths (``MarketPaths``, on the factor grid) on ``grid``: as simulated, or
    aggregated to years (``MarketPaths.annual``)."""
    return market_at(market, grid.steps_per_year)


def market_at(market, steps_per_year: int):
    """The factor paths with ``steps_per_year`` steps a year (see :func:`market_on`)."""
    if steps_per_year == market.steps_per_year:
        return market
    if steps_per_year == 1:
        return market.annual()
    raise ValueError(f"no aggregation from {market.steps_per_year} to {steps_per_year} steps a year")
