"""A table as people read it: the formatting layer's text cells with catalogue headers (API ``display``).

The same cells the dashboards and reports show (:func:`fundsvc.formatting.display_frame`): one money
unit for the whole table (万元 or 亿元, chosen on all its rows, not one page) named in the header or —
in tables of mixed indicators — in the row label; percentages, multiples, counts and dates formatted;
codes translated by the catalogue (:mod:`fundsvc.catalogue`).
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from fundsvc.catalogue import column_label, label
from fundsvc.formatting import display_frame


@dataclass(frozen=True)
class DisplayTable:
    """Headers and text rows of a table in one language; ``unit`` the table's money unit (or None)."""

    lang: str
    unit: str | None
    headers: list[str]
    rows: list[list[str]]


def display_table(frame: pl.DataFrame, lang: str = "zh", *, offset: int = 0, limit: int | None = None) -> DisplayTable:
    """``frame`` formatted for reading in ``lang`` (``zh`` or ``en``), rows ``offset`` … ``offset + limit``.

    The money unit is chosen on every row of ``frame`` so that all pages of one table agree.
    """
    shown = display_frame(frame, lang=lang, translate=label)
    headers = [column_label(c, lang, unit=shown.header_unit(c)) for c in frame.columns]
    page = shown.frame.slice(offset, limit)
    return DisplayTable(lang, shown.unit.value[1] if shown.unit is not None else None, headers,
                        [list(r) for r in page.iter_rows()])


__all__ = ["DisplayTable", "display_table"]
