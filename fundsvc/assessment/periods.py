"""Reporting periods: 月监测 (monthly ``2026-09``), 季分析 (quarterly ``2026-Q3``), 年通报 (annual ``2026``).

Actuals are quarterly, so a period's valuation date (``as_of``) is the last quarter end on or
before the period's end: ``2026-08`` → 2026-06-30, ``2026-09`` → 2026-09-30.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from enum import StrEnum

from fundsvc.errors import InputError


class PeriodKind(StrEnum):
    MONTH = "month"
    QUARTER = "quarter"
    YEAR = "year"


KIND_TITLES = {PeriodKind.MONTH: ("月度监测", "Monthly monitoring"),
               PeriodKind.QUARTER: ("季度分析", "Quarterly analysis"),
               PeriodKind.YEAR: ("年度通报", "Annual report")}


@dataclass(frozen=True)
class Period:
    label: str
    kind: PeriodKind
    end: dt.date

    @property
    def as_of(self) -> dt.date:
        """Last calendar quarter end on or before :attr:`end`."""
        q_month = (self.end.month // 3) * 3
        if q_month == 0:
            return dt.date(self.end.year - 1, 12, 31)
        nxt = dt.date(self.end.year + (q_month == 12), q_month % 12 + 1, 1)
        return nxt - dt.timedelta(days=1)

    @property
    def title_zh(self) -> str:
        return KIND_TITLES[self.kind][0]

    @property
    def title_en(self) -> str:
        return KIND_TITLES[self.kind][1]


def _month_end(year: int, month: int) -> dt.date:
    return dt.date(year + (month == 12), month % 12 + 1, 1) - dt.timedelta(days=1)


def parse_period(text: str) -> Period:
    """Parse ``2026-Q3``, ``2026-09`` or ``2026``.

    Raises
    ------
    InputError
        Anything else (with the accepted forms in the message).
    """
    t = text.strip().upper()
    if m := re.fullmatch(r"(\d{4})-?Q([1-4])", t):
        y, q = int(m[1]), int(m[2])
        return Period(f"{y}-Q{q}", PeriodKind.QUARTER, _month_end(y, 3 * q))
    if m := re.fullmatch(r"(\d{4})-(\d{2})", t):
        y, mo = int(m[1]), int(m[2])
        if 1 <= mo <= 12:
            return Period(f"{y}-{mo:02d}", PeriodKind.MONTH, _month_end(y, mo))
    if m := re.fullmatch(r"(\d{4})", t):
        return Period(t, PeriodKind.YEAR, dt.date(int(t), 12, 31))
    raise InputError.single("command line", "--period",
                            f"'{text}' is not a period; use 2026-Q3 (quarter), 2026-09 (month) or 2026 (year)")
