"""A scenario compiled once into the array form the engines need."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from models.scenario import Scenario

FACTOR_STEPS_PER_YEAR = 4
"""The shared factors are always simulated quarterly; the credit side aggregates them to years."""


@dataclass(frozen=True)
class CompiledScenario:
    """The scenario and its compiled engine models (``None`` where the scenario has no such side).

    Attributes
    ----------
    scenario : Scenario
    equity : fundsvc.engine.venture.equity.EquityModel or None
    credit : fundsvc.credit.engine.compile.CreditModel or None
    n_factor_steps : int
        Quarterly factor steps, ``4 * horizon_years``.
    """

    scenario: Scenario
    equity: object | None
    credit: object | None
    n_factor_steps: int

    @property
    def quarter_ends(self) -> np.ndarray:
        """Quarter-end dates of the factor grid, ``datetime64[D]`` shape (n_factor_steps,)."""
        start = np.datetime64(self.scenario.simulation.start_date, "M")
        ends = start + np.arange(1, self.n_factor_steps + 1) * 3
        return ends.astype("datetime64[D]") - np.timedelta64(1, "D")


def compile_scenario(scenario: Scenario) -> CompiledScenario:
    """Compile the equity and credit sides of ``scenario``.

    Raises
    ------
    fundsvc.errors.InputError
        If a part of the scenario cannot be compiled (e.g. inconsistent dates).
    """
    from fundsvc.credit.engine import compile_credit
    from fundsvc.engine.venture.equity import compile_equity

    equity = compile_equity(scenario) if scenario.sub_funds else None
    has_credit = bool(scenario.loans) or any(p.lending_programme is not None for p in scenario.pools)
    credit = compile_credit(scenario) if has_credit else None
    return CompiledScenario(scenario, equity, credit, FACTOR_STEPS_PER_YEAR * scenario.simulation.horizon_years)
