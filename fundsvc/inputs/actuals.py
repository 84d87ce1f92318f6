"""Actual quarterly results per sub-fund (CSV or Parquet), validated like every other input.

One row per sub-fund and quarter. The amounts are **the guidance fund's own** flows with the
sub-fund (what it paid in on capital calls, what it received, the value of its stake) — the
finance bureau's books — in CNY:

=====================  ========  ==============================================================
column                 required  meaning
=====================  ========  ==============================================================
sub_fund_id            yes       id of a sub-fund of the scenario
period_end             yes       calendar quarter end (YYYY-03-31, -06-30, -09-30, -12-31)
calls_cny              yes       paid in during the quarter (>= 0)
distributions_cny      yes       received during the quarter (>= 0)
nav_cny                yes       value of the stake at the quarter end (>= 0)
invested_local_cny     no        invested by the sub-fund in local firms in the quarter (返投)
invested_early_cny     no        invested in seed / Series A firms in the quarter
invested_priority_cny  no        invested in the five priority ecosystems in the quarter
projects               no        new portfolio companies in the quarter (count)
patents                no        patents industrialised in the quarter (count)
tech_contract_cny      no        technology-contract turnover of portfolio firms in the quarter
public_index           no        level of the public equity index at the quarter end, on the
                                 scenario's scale (``market.public_index.initial_level`` at the
                                 start date); the same for every sub-fund of a quarter. The fair
                                 verdict conditions on it (:mod:`fundsvc.assessment.conditional`)
=====================  ========  ==============================================================

Samples: ``scenarios/data/quick_actuals.csv`` (hand-written, 6 quarters of the quick scenario)
and ``scenarios/data/hangzhou_actuals.csv`` (illustrative: 2026–2027 built from the baseline's
simulated mean pacing × the guidance fund's share, with noise; not real data).

Checks (all reported together, each with file, row and column): unknown sub-fund, a date that
is not a quarter end, rows of a sub-fund not in date order, a quarter listed twice for a
sub-fund, negative amounts or NAV, missing values in required columns.
"""

from __future__ import annotations

import datetime as dt
import math
from pathlib import Path

import polars as pl

from fundsvc.errors import InputError, Problem
from fundsvc.inputs.tables import Column, ColumnKind, read_table, row_location
from models.common import MAX_AMOUNT_CNY

ACTUALS_COLUMNS: tuple[Column, ...] = (
    Column("sub_fund_id", ColumnKind.TEXT, True, "id of a sub-fund of the scenario"),
    Column("period_end", ColumnKind.DATE, True, "calendar quarter end, YYYY-MM-DD"),
    Column("calls_cny", ColumnKind.NUMBER, True, "guidance fund's capital paid in during the quarter, CNY"),
    Column("distributions_cny", ColumnKind.NUMBER, True, "distributions received during the quarter, CNY"),
    Column("nav_cny", ColumnKind.NUMBER, True, "value of the guidance fund's stake at the quarter end, CNY"),
    Column("invested_local_cny", ColumnKind.NUMBER, False, "invested in local firms in the quarter, CNY"),
    Column("invested_early_cny", ColumnKind.NUMBER, False, "invested in seed/Series A firms in the quarter, CNY"),
    Column("invested_priority_cny", ColumnKind.NUMBER, False, "invested in the five priority ecosystems, CNY"),
    Column("projects", ColumnKind.INTEGER, False, "new portfolio companies in the quarter"),
    Column("patents", ColumnKind.INTEGER, False, "patents industrialised in the quarter"),
    Column("tech_contract_cny", ColumnKind.NUMBER, False, "technology-contract turnover in the quarter, CNY"),
    Column("public_index", ColumnKind.NUMBER, False, "public index level at the quarter end (scenario's scale)"),
)
REQUIRED = tuple(c.name for c in ACTUALS_COLUMNS if c.required)
OPTIONAL = tuple(c.name for c in ACTUALS_COLUMNS if not c.required)
_DTYPE = {ColumnKind.TEXT: pl.Utf8, ColumnKind.NUMBER: pl.Float64, ColumnKind.INTEGER: pl.Int64,
          ColumnKind.DATE: pl.Date}
SCHEMA: dict[str, pl.DataType] = {c.name: _DTYPE[c.kind] for c in ACTUALS_COLUMNS}
_QUARTER_ENDS = {(3, 31), (6, 30), (9, 30), (12, 31)}


def is_quarter_end(d: dt.date) -> bool:
    """True for 31 March, 30 June, 30 September and 31 December."""
    return (d.month, d.day) in _QUARTER_ENDS


def _parse(text: pl.DataFrame, path: Path, display: str) -> tuple[pl.DataFrame, list[Problem]]:
    """Cast the text columns to their kinds, one problem per unreadable cell."""
    problems: list[Problem] = []
    casts = []
    for col in ACTUALS_COLUMNS:
        if col.name not in text.columns:
            casts.append(pl.lit(None, dtype=_DTYPE[col.kind]).alias(col.name))
            continue
        if col.kind is ColumnKind.DATE:
            expr = pl.col(col.name).str.strptime(pl.Date, "%Y-%m-%d", strict=False)
        elif col.kind is ColumnKind.TEXT:
            expr = pl.col(col.name)
        else:
            expr = pl.col(col.name).cast(_DTYPE[col.kind], strict=False)
        casts.append(expr.alias(col.name))
    typed = text.select(casts)
    for col in ACTUALS_COLUMNS:
        if col.name not in text.columns:
            continue
        raw, val = text[col.name], typed[col.name]
        for i in range(text.height):
            if raw[i] is None:
                if col.required:
                    problems.append(Problem(display, row_location(path, i, col.name), "value is missing"))
            elif val[i] is None:
                what = {"date": "a date YYYY-MM-DD", "number": "a number", "integer": "a whole number"}
                problems.append(Problem(display, row_location(path, i, col.name),
                                        f"'{raw[i]}' is not {what.get(col.kind.value, 'valid')}"))
    return typed, problems


def validate_actuals(frame: pl.DataFrame, sub_fund_ids: set[str] | None, *, path: Path | None = None,
                     display: str = "<actuals>",
                     period_range: tuple[dt.date, dt.date] | None = None) -> list[Problem]:
    """Problems with typed actuals (columns of :data:`SCHEMA`), in row order.

    Parameters
    ----------
    frame : polars.DataFrame
        Typed rows in file order.
    sub_fund_ids : set of str or None
        Sub-funds of the scenario (``None``: do not check).
    path : Path, optional
        The file, for CSV line numbers in locations.
    display : str
        How to name the source.
    period_range : (date, date), optional
        Period ends must lie in this closed range (the simulated horizon).
    """
    p = path or Path("actuals.csv")
    problems: list[Problem] = []
    last: dict[str, tuple[dt.date, int]] = {}
    seen: dict[tuple[str, dt.date], int] = {}
    amount_cols = [c for c in ("calls_cny", "distributions_cny", "nav_cny", *OPTIONAL) if c in frame.columns]
    for i, row in enumerate(frame.iter_rows(named=True)):
        fid, d = row["sub_fund_id"], row["period_end"]
        if fid is not None and sub_fund_ids is not None and fid not in sub_fund_ids:
            problems.append(Problem(display, row_location(p, i, "sub_fund_id"),
                                    f"unknown sub-fund '{fid}' (the scenario has: {', '.join(sorted(sub_fund_ids))})"))
        if d is not None and period_range is not None and not period_range[0] <= d <= period_range[1]:
            problems.append(Problem(display, row_location(p, i, "period_end"),
                                    f"{d.isoformat()} lies outside the simulated horizon "
                                    f"{period_range[0].isoformat()} to {period_range[1].isoformat()}"))
        if d is not None and not is_quarter_end(d):
            problems.append(Problem(display, row_location(p, i, "period_end"),
                                    f"{d.isoformat()} is not a quarter end (use 03-31, 06-30, 09-30 or 12-31)"))
        if fid is not None and d is not None:
            if (fid, d) in seen:
                problems.append(Problem(display, row_location(p, i, "period_end"),
                                        f"duplicate quarter {d.isoformat()} for sub-fund '{fid}' "
                                        f"(already in row {seen[(fid, d)] + 1})"))
            else:
                seen[(fid, d)] = i
                if fid in last and d < last[fid][0]:
                    problems.append(Problem(display, row_location(p, i, "period_end"),
                                            f"dates out of order for sub-fund '{fid}': {d.isoformat()} comes after "
                                            f"{last[fid][0].isoformat()} (row {last[fid][1] + 1})"))
                if fid not in last or d > last[fid][0]:
                    last[fid] = (d, i)
        for c in amount_cols:
            v = row[c]
            if v is not None and not math.isfinite(v):
                problems.append(Problem(display, row_location(p, i, c), f"{v} is not a finite number"))
                continue
            if v is not None and v > MAX_AMOUNT_CNY:
                problems.append(Problem(display, row_location(p, i, c), f"{v:.3g} CNY is above the largest "
                                        f"accepted amount {MAX_AMOUNT_CNY:.0e} CNY"))
            if v is not None and v < 0:
                what = "NAV" if c == "nav_cny" else "amount"
                problems.append(Problem(display, row_location(p, i, c), f"negative {what} {v:,.2f}; must be >= 0"))
    return problems


def read_actuals(path: str | Path, sub_fund_ids: set[str] | None = None, display: str | None = None,
                 period_range: tuple[dt.date, dt.date] | None = None) -> pl.DataFrame:
    """Read and validate an actuals file.

    Parameters
    ----------
    path : str or Path
        CSV or Parquet file.
    sub_fund_ids : set of str, optional
        Sub-fund ids of the scenario the actuals belong to (unknown ids are rejected).
    display : str, optional
        How to name the file in messages (default ``str(path)``).
    period_range : (date, date), optional
        First and last date a ``period_end`` may take (the run's simulated horizon).

    Returns
    -------
    polars.DataFrame
        Columns of :data:`SCHEMA` (optional columns null when absent), sorted by sub-fund and
        period end; amounts in CNY.

    Raises
    ------
    InputError
        Every problem found, each with the row (and CSV line) and column.
    """
    path = Path(path)
    display = display or str(path)
    text = read_table(path, ACTUALS_COLUMNS, display)
    typed, problems = _parse(text, path, display)
    problems += validate_actuals(typed, sub_fund_ids, path=path, display=display, period_range=period_range)
    if problems:
        raise InputError(problems)
    return typed.sort("sub_fund_id", "period_end")


def check_actuals_frame(frame: pl.DataFrame, sub_fund_ids: set[str] | None = None,
                        display: str = "<actuals>") -> pl.DataFrame:
    """Validate actuals given as a DataFrame (API / dashboard uploads); returns it typed and sorted."""
    missing = [c for c in REQUIRED if c not in frame.columns]
    unknown = [c for c in frame.columns if c not in SCHEMA]
    problems = [Problem(display, f"column '{c}'", "required column is missing") for c in missing]
    problems += [Problem(display, f"column '{c}'", f"unknown column (known: {', '.join(SCHEMA)})") for c in unknown]
    if problems:
        raise InputError(problems)
    try:
        typed = frame.select(
            (pl.col(c) if c in frame.columns else pl.lit(None)).cast(t, strict=True).alias(c) for c, t in SCHEMA.items()
        )
    except pl.exceptions.PolarsError as exc:
        raise InputError.single(display, "", f"a column has the wrong type: {str(exc).splitlines()[0]}") from None
    problems = [Problem(display, row_location(Path("x.parquet"), i, c), "value is missing")
                for c in REQUIRED for i in typed[c].is_null().arg_true().to_list()]
    problems += validate_actuals(typed, sub_fund_ids, path=Path("x.parquet"), display=display)
    if problems:
        raise InputError(problems)
    return typed.sort("sub_fund_id", "period_end")
