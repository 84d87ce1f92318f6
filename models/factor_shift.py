"""A point-in-time stress as a shift of the tech-cycle factor over a window: shorthand for
``[[market_conditions]]`` impositions of mode ``shift`` (one mechanism, see
:mod:`fundsvc.engine.conditioning`).

The quarterly tech-cycle factor ``C`` (N(0, 1) at each step) is moved by ``tech_cycle_shift``
standard deviations at every quarter whose middle lies in ``[start_year, end_year)`` (years from
the simulation start), by the smallest shift of the innovations (Glasserman–Li), so each sector
factor ``s_k = β_k·C + √(1 − β_k²)·e_k`` moves by ``β_k`` times that and the public index and the
exit regime respond as to any bad tech year. Before the window the factors are not moved (a
``shift`` of 0 is imposed there); after it the shift decays with the factors' persistence
(``φ^k`` after ``k`` quarters), or is 0 with ``decay_after = false``.
"""

from __future__ import annotations

import datetime as dt

from pydantic import Field, model_validator

from models.common import DomainModel
from models.stress import FactorImposition, ImposedFactor, ImposeMode, StressImposition


class FactorShift(DomainModel):
    """Shift of the tech-cycle factor over a window, σ units (negative = downturn)."""

    tech_cycle_shift: float = Field(ge=-5, le=5, allow_inf_nan=False, description="σ units added to the tech cycle")
    start_year: float = Field(0.0, ge=0, le=100, allow_inf_nan=False)
    end_year: float = Field(gt=0, le=100, allow_inf_nan=False)
    decay_after: bool = Field(True, description="let the shift decay with the factors' persistence after the window")

    @model_validator(mode="after")
    def _check(self) -> FactorShift:
        if self.end_year <= self.start_year:
            raise ValueError(f"end_year {self.end_year:g} must be after start_year {self.start_year:g}")
        return self

    def window_steps(self, n_steps: int, steps_per_year: int = 4) -> range:
        """Steps of the window on a grid of ``n_steps`` (step ``t`` is in when its middle
        ``(t + 0.5)/steps_per_year`` lies in ``[start_year, end_year)``); may be empty."""
        first = max(0, min(n_steps, int(-(-(self.start_year * steps_per_year - 0.5) // 1))))
        stop = max(first, min(n_steps, int(-(-(self.end_year * steps_per_year - 0.5) // 1))))
        return range(first, stop)

    def impositions(self, simulation_start: dt.date, n_steps: int) -> list[FactorImposition]:
        """The equivalent ``[[market_conditions]]`` on a quarterly grid of ``n_steps`` quarters:
        ``shift`` 0 before the window, ``tech_cycle_shift`` in it, 0 after it unless
        ``decay_after``. Empty when the shift is 0 or the window holds no quarter."""
        w = self.window_steps(n_steps, 4)
        if self.tech_cycle_shift == 0 or not w:
            return []
        parts = [(0, w.start, 0.0), (w.start, w.stop, self.tech_cycle_shift)]
        if not self.decay_after:
            parts.append((w.stop, n_steps, 0.0))
        return [StressImposition(factor=ImposedFactor.TECH_CYCLE, offset_quarters=a, quarters=b - a,
                                 mode=ImposeMode.SHIFT, value=v).at(simulation_start)
                for a, b, v in parts if b > a]


__all__ = ["FactorShift"]
