"""Shared vocabulary of the domain models: enums, base class and constrained number types.

Units used throughout ``models``:

* amounts are in CNY (fields end in ``_cny``); 万元 = 1e4 CNY, 亿元 = 1e8 CNY;
* rates are per year as decimals (``0.02`` is 2 % a year) unless a field says otherwise;
* shares and probabilities are decimals in [0, 1];
* durations are in years (fields end in ``_years``).
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

WAN = 1e4
"""One 万元 in CNY."""
YI = 1e8
"""One 亿元 in CNY."""


class DomainModel(BaseModel):
    """Base of every domain model: immutable, unknown keys rejected, values validated on build."""

    model_config = ConfigDict(
        extra="forbid",
        frozen=True,
        validate_default=True,
        str_strip_whitespace=True,
        use_enum_values=False,
    )


MAX_AMOUNT_CNY = 1e13
"""Largest amount any field accepts: 10 万亿 (10 trillion) CNY. An assumption, chosen as a sanity
bound far above any one city programme (China's whole 2023 GDP was about 1.26e14 CNY, NBS), so a
typo such as ``1e300`` is refused instead of overflowing to ``inf`` in the simulation."""
EARLIEST_DATE = dt.date(1950, 1, 1)
LATEST_DATE = dt.date(2200, 12, 31)
"""Dates of a scenario (start, vintages, loan dates) must lie in [EARLIEST_DATE, LATEST_DATE]
(an assumption: wide enough for any real programme, narrow enough that a simulation's end date
plus a 40-year horizon still fits Python's calendar)."""


def _sane_date(value: dt.date) -> dt.date:
    if not EARLIEST_DATE <= value <= LATEST_DATE:
        raise ValueError(f"date {value.isoformat()} is outside the supported range "
                         f"{EARLIEST_DATE.isoformat()} to {LATEST_DATE.isoformat()}")
    return value


SaneDate = Annotated[dt.date, AfterValidator(_sane_date)]
"""A date in [EARLIEST_DATE, LATEST_DATE]."""

AmountCNY = Annotated[float, Field(ge=0, le=MAX_AMOUNT_CNY, allow_inf_nan=False, description="amount in CNY, >= 0")]
PositiveAmountCNY = Annotated[float, Field(gt=0, le=MAX_AMOUNT_CNY, allow_inf_nan=False,
                                           description="amount in CNY, > 0")]
Share = Annotated[float, Field(ge=0, le=1, allow_inf_nan=False, description="decimal share in [0, 1]")]
Probability = Share
OpenProbability = Annotated[
    float, Field(gt=0, lt=1, allow_inf_nan=False, description="probability strictly between 0 and 1")
]
RatePerYear = Annotated[
    float, Field(ge=-0.5, le=5.0, allow_inf_nan=False, description="rate per year, decimal")
]
NonNegativeRate = Annotated[float, Field(ge=0, allow_inf_nan=False, description="rate per year >= 0")]
"""A rate per year >= 0. Fields give their own upper bound with ``Field(le=...)`` (an upper
bound inside this alias would override theirs)."""
Years = Annotated[float, Field(gt=0, le=100, allow_inf_nan=False, description="duration in years, > 0")]
Identifier = Annotated[
    str,
    Field(
        min_length=1,
        max_length=64,
        pattern=r"^[A-Za-z0-9][A-Za-z0-9_.\-]*$",
        description="identifier: letters, digits, '_', '-', '.'",
    ),
]
Label = Annotated[str, Field(min_length=1, max_length=200)]


class Sector(StrEnum):
    """Industry ecosystems of the city's policy (五大产业生态圈), plus ``other``."""

    SMART_IOT = "smart_iot"
    BIOMEDICINE = "biomedicine"
    HIGH_END_EQUIPMENT = "high_end_equipment"
    NEW_MATERIALS = "new_materials"
    GREEN_ENERGY = "green_energy"
    OTHER = "other"

    @property
    def label_zh(self) -> str:
        return _SECTOR_ZH[self]

    @property
    def is_priority(self) -> bool:
        """True for the five priority ecosystems named in the policy."""
        return self is not Sector.OTHER


_SECTOR_ZH = {
    Sector.SMART_IOT: "智能物联",
    Sector.BIOMEDICINE: "生物医药",
    Sector.HIGH_END_EQUIPMENT: "高端装备",
    Sector.NEW_MATERIALS: "新材料",
    Sector.GREEN_ENERGY: "绿色能源",
    Sector.OTHER: "其他",
}

PRIORITY_SECTORS: tuple[Sector, ...] = tuple(s for s in Sector if s.is_priority)


class TimeStep(StrEnum):
    """Simulation time step."""

    QUARTER = "quarter"
    YEAR = "year"

    @property
    def per_year(self) -> int:
        return 4 if self is TimeStep.QUARTER else 1


def check_weights(weights: dict, what: str, *, tol: float = 1e-6) -> None:
    """Raise ``ValueError`` unless ``weights`` are non-negative and sum to 1 within ``tol``."""
    if not weights:
        raise ValueError(f"{what} must not be empty")
    bad = {str(k): v for k, v in weights.items() if v < 0}
    if bad:
        raise ValueError(f"{what} must be >= 0, got {bad}")
    total = sum(weights.values())
    if abs(total - 1.0) > tol:
        raise ValueError(f"{what} must sum to 1, got {total:.6g}")
