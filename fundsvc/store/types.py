"""Column types that behave the same on SQLite and PostgreSQL.

* :class:`UTCDateTime` -- timezone-aware UTC datetimes in and out. PostgreSQL stores
  ``timestamp with time zone``; SQLite, which has no time zones, stores naive UTC text.
* :class:`DecimalInteger` -- arbitrary-size non-negative integers stored as decimal text, for
  Monte Carlo seeds (``numpy.random.SeedSequence`` entropy is 128 bits; ``BIGINT`` stops at
  2**63 - 1 and SQLite cannot bind larger integers at all).
"""

from __future__ import annotations

import datetime as dt
import operator
from typing import Any

import sqlalchemy as sa
from sqlalchemy.types import TypeDecorator

UTC = dt.UTC


def utcnow() -> dt.datetime:
    """Current time as an aware UTC datetime."""
    return dt.datetime.now(UTC)


class UTCDateTime(TypeDecorator[dt.datetime]):
    """Aware UTC datetimes; naive input is rejected (ambiguous)."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: sa.Dialect) -> Any:
        if value is None:
            return None
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError(f"naive datetime {value!r}: pass an aware datetime (UTC)")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: Any, dialect: sa.Dialect) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


class DecimalInteger(TypeDecorator[int]):
    """Non-negative integers of any size, stored as decimal text (``VARCHAR(40)``)."""

    impl = sa.String(40)
    cache_ok = True

    def process_bind_param(self, value: int | None, dialect: sa.Dialect) -> str | None:
        if value is None:
            return None
        try:
            number = operator.index(value)  # accepts numpy integers, rejects floats
        except TypeError:
            raise ValueError(f"expected a non-negative integer, got {value!r}") from None
        if isinstance(value, bool) or number < 0:
            raise ValueError(f"expected a non-negative integer, got {value!r}")
        text = str(number)
        if len(text) > 40:
            raise ValueError(f"integer {value} has more than 40 digits")
        return text

    def process_result_value(self, value: str | None, dialect: sa.Dialect) -> int | None:
        return None if value is None else int(value)
