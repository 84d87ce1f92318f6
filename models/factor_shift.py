"""A point-in-time stress as a shift of the market factors (minimal seam until the stress engine's
imposed factor paths land; see fundsvc/engine/factor_shift.py).

The tech-cycle factor ``C`` (N(0, 1) at each step) is shifted by ``tech_cycle_shift`` standard
deviations at every step from ``start_year`` to ``end_year`` (years from the simulation start) on
each engine's time grid; each sector factor ``s_k = β_k·C + √(1 − β_k²)·e_k`` moves by ``β_k`` times
that. After the window the shift decays with the factors' persistence (AR(1) mean reversion).
"""

from __future__ import annotations

from pydantic import Field, model_validator

from models.common import DomainModel


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


__all__ = ["FactorShift"]
