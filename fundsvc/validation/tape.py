"""Read and check a loan tape with outcomes for ``fundsvc backtest`` (clear errors, row by row)."""

from __future__ import annotations

import math
from pathlib import Path

import polars as pl

from fundsvc.errors import InputError, Problem
from fundsvc.inputs.tables import Column, ColumnKind, read_table, row_location

TAPE_COLUMNS: tuple[Column, ...] = (
    Column("loan_id", ColumnKind.TEXT, False, "loan identifier"),
    Column("grade", ColumnKind.TEXT, True, "rating grade at the start of the year"),
    Column("pd", ColumnKind.NUMBER, True, "predicted one-year PD, decimal in [0, 1]"),
    Column("defaulted", ColumnKind.INTEGER, True, "1 if the loan defaulted within the year, else 0"),
    Column("lgd_predicted", ColumnKind.NUMBER, False, "predicted LGD, decimal in [0, 1]"),
    Column("lgd_realised", ColumnKind.NUMBER, False, "realised LGD of a defaulted loan, decimal in [0, 1]"),
    Column("exposure_cny", ColumnKind.NUMBER, False, "exposure at default, CNY (> 0)"),
)


def read_tape(path: str | Path, display: str | None = None) -> pl.DataFrame:
    """The tape typed (``pd`` etc. float, ``defaulted`` int); every bad cell reported together."""
    path = Path(path)
    display = display or str(path)
    text = read_table(path, TAPE_COLUMNS, display)
    problems: list[Problem] = []
    out: dict[str, list] = {}
    for col in TAPE_COLUMNS:
        if col.name not in text.columns:
            continue
        vals = []
        for i, raw in enumerate(text[col.name].to_list()):
            where = row_location(path, i, col.name)
            if raw is None:
                if col.required:
                    problems.append(Problem(display, where, "value is missing"))
                vals.append(None)
                continue
            if col.kind is ColumnKind.TEXT:
                vals.append(raw)
                continue
            try:
                v = float(raw)
            except ValueError:
                problems.append(Problem(display, where, f"'{raw}' is not a number"))
                vals.append(None)
                continue
            if col.name == "defaulted" and v not in (0.0, 1.0):
                problems.append(Problem(display, where, f"must be 0 or 1, got {raw}"))
            elif col.name in ("pd", "lgd_predicted", "lgd_realised") and not (0.0 <= v <= 1.0):
                problems.append(Problem(display, where, f"must lie in [0, 1], got {raw}"))
            elif col.name == "exposure_cny" and not (v > 0 and math.isfinite(v)):
                problems.append(Problem(display, where, f"must be a positive amount, got {raw}"))
            vals.append(int(v) if col.kind is ColumnKind.INTEGER else v)
        out[col.name] = vals
    if problems:
        raise InputError(problems)
    schema = {c.name: (pl.Utf8 if c.kind is ColumnKind.TEXT else pl.Int64 if c.kind is ColumnKind.INTEGER
                       else pl.Float64) for c in TAPE_COLUMNS if c.name in out}
    return pl.DataFrame(out, schema=schema)
