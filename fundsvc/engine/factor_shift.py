"""Point-in-time stress: move the market factors instead of swapping in a stressed PD scale.

There is one shift mechanism: a scenario's ``[factor_shift]`` is shorthand for
``[[market_conditions]]`` impositions of mode ``shift``
(:meth:`models.factor_shift.FactorShift.impositions`), compiled with every other imposition by
:func:`fundsvc.engine.conditioning.conditions_for` and applied to the innovations when the
shared factors are simulated (:func:`fundsvc.engine.factors.simulate_market`) — so a bad tech
year hits equity, credit, the public index and the exit regime alike.

Effect on a loan (one-factor Vasicek, asset correlation R, sector loading β): with the sector
factor of a step ``s ~ N(β·Δ, 1)`` (``Δ`` the tech cycle's mean shift *on that side's grid*; an
annual credit step averages four quarterly values and rescales to unit variance, so a constant
quarterly shift ``δ`` over the whole year is ``Δ = δ / sd(mean of the 4 quarters)``, e.g.
×1.107 at persistence 0.5), the unconditional step PD becomes ``Φ(Φ⁻¹(PD) − √R·β·Δ)`` —
e.g. PD 3 %, R 0.12, β 0.6, Δ = −1.5: 5.8 %, ×1.94.
"""

from __future__ import annotations

import numpy as np
from scipy.special import ndtr, ndtri

__all__ = ["shifted_pd"]


def shifted_pd(pd, r, beta: float, delta: float):
    """Unconditional PD of a step whose sector factor has mean ``β·Δ``: ``Φ(Φ⁻¹(PD) − √R·β·Δ)``."""
    return ndtr(ndtri(np.asarray(pd, dtype=float)) - np.sqrt(r) * beta * delta)
