"""A scenario compiled once into the array form the engines need, on one time grid."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from fundsvc.engine.grid import FACTOR_STEPS_PER_YEAR, TimeGrid
from fundsvc.simulation.registry import Side
from models.scenario import Scenario

__all__ = ["FACTOR_STEPS_PER_YEAR", "CompiledScenario", "compile_scenario"]


@dataclass(frozen=True)
class CompiledScenario:
    """The scenario, its factor grid and each side's compiled model.

    Attributes
    ----------
    scenario : Scenario
    grid : TimeGrid
        The factor grid (quarterly over the horizon); each side's model holds its own grid
        derived from it (``model.grid``).
    models : dict of Side to model
        Only the sides the scenario has.
    """

    scenario: Scenario
    grid: TimeGrid
    models: dict = field(default_factory=dict)

    @property
    def equity(self):
        """The venture side's ``EquityModel`` or None."""
        return self.models.get(Side.VENTURE)

    @property
    def credit(self):
        """The credit side's ``CreditModel`` or None."""
        return self.models.get(Side.CREDIT)

    @property
    def n_factor_steps(self) -> int:
        return self.grid.n_steps

    @property
    def quarter_ends(self) -> np.ndarray:
        """Step-end dates of the factor grid, ``datetime64[D]`` shape (n_factor_steps,)."""
        return self.grid.dates()


def compile_scenario(scenario: Scenario) -> CompiledScenario:
    """Compile every side of ``scenario`` on its factor grid.

    Raises
    ------
    fundsvc.errors.InputError
        If a part of the scenario cannot be compiled (e.g. inconsistent dates).
    """
    from fundsvc.simulation.sides import SIDES

    grid = TimeGrid.factor_grid(scenario)
    models = {}
    for name, side in SIDES.items():
        m = side.compile(scenario, grid)
        if m is not None:
            models[name] = m
    return CompiledScenario(scenario, grid, models)
