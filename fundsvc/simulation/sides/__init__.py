"""The engine sides of the joint simulation, each implementing :mod:`fundsvc.simulation.contract`.

Adding a side: a module here with a class like :class:`VentureSide`, its tables in
:mod:`fundsvc.simulation.registry`, and an entry in :data:`SIDES`.
"""

from __future__ import annotations

from fundsvc.simulation.registry import Side
from fundsvc.simulation.sides.credit import CreditSide
from fundsvc.simulation.sides.venture import VentureSide

SIDES: dict[Side, object] = {Side.VENTURE: VentureSide(), Side.CREDIT: CreditSide()}
"""Every side, in simulation order (venture, then credit, on the same market paths)."""


def side_for(name: Side):
    """The side object of ``name``."""
    return SIDES[Side(name)]


__all__ = ["SIDES", "CreditSide", "VentureSide", "side_for"]
