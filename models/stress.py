"""Imposed market conditions: a starting state, a path or a shift of a factor over a window.

A scenario (or a stress applied to one) lists them under ``[[market.imposed]]``. Every factor
can be imposed:

* ``tech_cycle`` and ``sector`` (with ``sector = "..."``) — values in standard deviations of the
  factor (the factors are N(0, 1) at every step);
* ``public_index`` — the index's total return over the window (``-0.40`` is a 40 % fall from the
  window's start to its end);
* ``regime`` — the exit-market state (``value_regime = "cold"``) in every quarter of the window.

Modes (Gaussian factors and the index):

* ``path`` — the factor *equals* ``value`` in every quarter of the window (for the index: every
  quarter of the window has the same log return, the total being ``value``); everything outside
  the window, and every other factor, is simulated *conditionally* on it (exact Gaussian
  conditioning, see :mod:`fundsvc.engine.conditioning`);
* ``mean`` — the window's *average* equals ``value`` (for the index: the total return); the
  path inside the window stays random;
* ``shift`` — the factor is moved by ``value`` in every quarter of the window (for the index:
  the total log return moves by ``log(1 + value)``) by the smallest shift of the underlying
  innovations in the Mahalanobis sense (the Glasserman–Li mean shift); ``value = 0`` is the
  unstressed scenario, so a grid of shifts is a severity grid on common random numbers.

A starting state is an imposition on the first quarter (``start`` = the simulation start,
``quarters = 1``).
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum

from pydantic import Field, model_validator

from models.common import DomainModel, Identifier, Label, Sector
from models.market import Regime


class ImposedFactor(StrEnum):
    """Which market factor an imposition acts on."""

    TECH_CYCLE = "tech_cycle"
    SECTOR = "sector"
    PUBLIC_INDEX = "public_index"
    REGIME = "regime"


class ImposeMode(StrEnum):
    """How the imposed ``value`` applies over the window (see the module docstring)."""

    PATH = "path"
    MEAN = "mean"
    SHIFT = "shift"


class _ImposedValue(DomainModel):
    """Fields shared by :class:`FactorImposition` and :class:`StressImposition` (all but the
    window's start), with their consistency checks."""

    factor: ImposedFactor
    sector: Sector | None = None
    quarters: int = Field(ge=1, le=400)
    mode: ImposeMode = ImposeMode.PATH
    value: float | None = Field(None, allow_inf_nan=False)
    value_regime: Regime | None = None

    @model_validator(mode="after")
    def _check(self) -> _ImposedValue:
        if self.factor is ImposedFactor.SECTOR and self.sector is None:
            raise ValueError("factor 'sector' needs `sector` (which ecosystem)")
        if self.factor is not ImposedFactor.SECTOR and self.sector is not None:
            raise ValueError(f"`sector` is only for factor 'sector', not '{self.factor.value}'")
        if self.factor is ImposedFactor.REGIME:
            if self.value_regime is None:
                raise ValueError("factor 'regime' needs `value_regime` (hot, normal or cold)")
            if self.value is not None:
                raise ValueError("factor 'regime' takes `value_regime`, not `value`")
            if self.mode is not ImposeMode.PATH:
                raise ValueError("the regime can only be imposed as a path (mode 'path')")
        else:
            if self.value is None:
                raise ValueError(f"factor '{self.factor.value}' needs a numeric `value`")
            if self.value_regime is not None:
                raise ValueError("`value_regime` is only for factor 'regime'")
            if self.factor is ImposedFactor.PUBLIC_INDEX and not self.value > -1:
                raise ValueError(f"public_index value is a total return and must be > -1, got {self.value}")
            if self.factor is not ImposedFactor.PUBLIC_INDEX and abs(self.value) > 8:
                raise ValueError(f"value is in standard deviations and must lie in [-8, 8], got {self.value}")
        return self


class FactorImposition(_ImposedValue):
    """One imposed condition on one factor over a window of quarters.

    Parameters
    ----------
    factor : ImposedFactor
    sector : Sector, optional
        Required for ``factor = "sector"``, not allowed otherwise.
    start : date
        First day of the window; the window starts with the simulation quarter containing it.
    quarters : int
        Length of the window in quarters (>= 1).
    mode : ImposeMode
        ``path`` (default), ``mean`` or ``shift``; the regime is always imposed as a path.
    value : float, optional
        Standard deviations for ``tech_cycle`` and ``sector``; total return over the window for
        ``public_index`` (> -1). Required unless ``factor = "regime"``.
    value_regime : Regime, optional
        The exit-market state for ``factor = "regime"``.
    """

    start: dt.date

    def first_step(self, simulation_start: dt.date) -> int:
        """Index of the simulated quarter (from ``simulation_start``) that contains ``start``."""
        months = (self.start.year - simulation_start.year) * 12 + self.start.month - simulation_start.month
        if self.start.day < simulation_start.day:
            months -= 1
        return months // 3

    def steps(self, simulation_start: dt.date) -> range:
        """Quarterly steps of the window, ``range(first, first + quarters)``."""
        first = self.first_step(simulation_start)
        return range(first, first + self.quarters)


class StressImposition(_ImposedValue):
    """A :class:`FactorImposition` whose window starts ``offset_quarters`` after the simulation
    start, so a stress from the library applies to any scenario (fields as there)."""

    offset_quarters: int = Field(0, ge=0, le=400)

    def at(self, simulation_start: dt.date) -> FactorImposition:
        """The imposition with a calendar window for a simulation starting ``simulation_start``."""
        months = simulation_start.month - 1 + 3 * self.offset_quarters
        start = simulation_start.replace(year=simulation_start.year + months // 12, month=months % 12 + 1)
        return FactorImposition(factor=self.factor, sector=self.sector, start=start, quarters=self.quarters,
                                mode=self.mode, value=self.value, value_regime=self.value_regime)


class StressDefinition(DomainModel):
    """A named stress of the library (``scenarios/stresses/*.toml``).

    ``narrative``/``narrative_zh`` say what happens and why, ``sources`` the public data the
    sizes come from (or "assumption"), ``impose`` the factor paths it imposes.
    """

    name: Identifier
    title: Label
    title_zh: str = ""
    narrative: str = ""
    narrative_zh: str = ""
    sources: list[str] = Field(default_factory=list)
    impose: list[StressImposition] = Field(min_length=1)

    def impositions(self, simulation_start: dt.date) -> list[FactorImposition]:
        return [i.at(simulation_start) for i in self.impose]


__all__ = ["FactorImposition", "ImposeMode", "ImposedFactor", "StressDefinition", "StressImposition"]
