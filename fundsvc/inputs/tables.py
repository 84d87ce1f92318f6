"""Large tables referenced from a scenario (loan books), read with polars against a declared schema.

Every error names the file, the row (1-based data row; for CSV also the line, counting the
header as line 1) and the column.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any

import polars as pl
from pydantic import TypeAdapter, ValidationError

from fundsvc.errors import InputError, Problem
from fundsvc.inputs.encoding import decode_utf8
from fundsvc.inputs.problems import describe
from models.credit import AchievementLoan

MAX_TABLE_BYTES = 512 * 1024 * 1024


class ColumnKind(StrEnum):
    TEXT = "text"
    NUMBER = "number"
    INTEGER = "integer"
    DATE = "date"


@dataclass(frozen=True, slots=True)
class Column:
    name: str
    kind: ColumnKind
    required: bool
    description: str


LOAN_BOOK_COLUMNS: tuple[Column, ...] = (
    Column("loan_id", ColumnKind.TEXT, True, "unique loan identifier"),
    Column("product", ColumnKind.TEXT, False, "achievement | sci_tech | talent | other (default achievement)"),
    Column("bank", ColumnKind.TEXT, True, "lending bank identifier"),
    Column("borrower", ColumnKind.TEXT, False, "borrower name or code"),
    Column("sector", ColumnKind.TEXT, True, "smart_iot | biomedicine | high_end_equipment | new_materials | green_energy | other"),
    Column("firm_size", ColumnKind.TEXT, False, "micro | small | medium | large"),
    Column("annual_revenue_cny", ColumnKind.NUMBER, False, "borrower annual revenue, CNY"),
    Column("amount_cny", ColumnKind.NUMBER, True, "loan principal, CNY"),
    Column("origination", ColumnKind.DATE, True, "origination date, YYYY-MM-DD"),
    Column("maturity", ColumnKind.DATE, True, "maturity date, YYYY-MM-DD"),
    Column("amortisation", ColumnKind.TEXT, False, "bullet | equal_principal | annuity"),
    Column("rate", ColumnKind.NUMBER, True, "contract rate per year, decimal (0.045 = 4.5 %)"),
    Column("pd", ColumnKind.NUMBER, False, "annual probability of default, decimal in (0, 1)"),
    Column("rating", ColumnKind.TEXT, False, "grade on the scenario's PD master scale"),
    Column("pool_id", ColumnKind.TEXT, False, "risk-sharing pool covering the loan (empty = none)"),
    Column("guarantee_share", ColumnKind.NUMBER, False, "guarantor's share of the loss outside a pool"),
    Column("insurance_share", ColumnKind.NUMBER, False, "insurer's share of the loss outside a pool"),
    Column("ip_type", ColumnKind.TEXT, False, "pledged IP type (empty = no IP pledged)"),
    Column("ip_appraised_value_cny", ColumnKind.NUMBER, False, "appraised value of pledged IP, CNY"),
    Column("ip_items", ColumnKind.INTEGER, False, "number of pledged patents/copyrights"),
)
_IP_COLUMNS = {"ip_type": "ip_type", "ip_appraised_value_cny": "appraised_value_cny", "ip_items": "n_items"}

_LOANS_ADAPTER: TypeAdapter[list[AchievementLoan]] | None = None


def _adapter() -> TypeAdapter[list[AchievementLoan]]:
    global _LOANS_ADAPTER  # built lazily, not at import time
    if _LOANS_ADAPTER is None:
        _LOANS_ADAPTER = TypeAdapter(list[AchievementLoan])
    return _LOANS_ADAPTER


def row_location(path: Path, row_index: int, column: str | None) -> str:
    """Human location of a cell: ``row 18 (line 19), column 'pd'`` (``row_index`` is 0-based)."""
    row = row_index + 1
    text = f"row {row}"
    if path.suffix.lower() == ".csv":
        text += f" (line {row + 1})"
    if column:
        text += f", column '{column}'"
    return text


def _parquet_as_text(df: pl.DataFrame, columns: tuple[Column, ...], display: str) -> pl.DataFrame:
    """Parquet columns as text; a date column must hold dates (DATE, midnight DATETIME or text) --
    one problem per column otherwise, not one per row."""
    dates = {c.name for c in columns if c.kind is ColumnKind.DATE}
    problems, exprs = [], []
    for c in df.columns:
        dtype = df.schema[c]
        if c in dates and dtype == pl.Date:
            exprs.append(pl.col(c).dt.strftime("%Y-%m-%d"))
        elif c in dates and isinstance(dtype, pl.Datetime):
            if df.select((pl.col(c).dt.time() != pl.time(0)).any()).item():
                problems.append(Problem(display, f"column '{c}'", "holds date-times with a time of day; "
                                        "dates must be whole days (Parquet DATE or text YYYY-MM-DD)"))
            exprs.append(pl.col(c).dt.strftime("%Y-%m-%d"))
        elif c in dates and dtype not in (pl.Utf8, pl.Null):
            problems.append(Problem(display, f"column '{c}'", f"holds {dtype} values, not dates; store dates "
                                    "as the Parquet DATE type or as text YYYY-MM-DD (integer day counts "
                                    "are ambiguous)"))
            exprs.append(pl.col(c).cast(pl.Utf8))
        else:
            exprs.append(pl.col(c).cast(pl.Utf8))
    if problems:
        raise InputError(problems)
    return df.with_columns(exprs)


def read_table(path: Path, columns: tuple[Column, ...], display: str) -> pl.DataFrame:
    """Read a CSV or Parquet file as text columns, checking the header against ``columns``.

    Returns a DataFrame of strings (``None`` for empty cells) with only known columns.
    """
    if not path.exists():
        raise InputError.single(display, "", "file not found")
    if not path.is_file():
        raise InputError.single(display, "", "is not a file")
    if path.stat().st_size > MAX_TABLE_BYTES:
        raise InputError.single(display, "", f"file is larger than {MAX_TABLE_BYTES // 2**20} MiB")
    suffix = path.suffix.lower()
    try:
        if suffix == ".csv":
            text = decode_utf8(path.read_bytes(), display)  # BOM accepted; other encodings named
            df = pl.read_csv(io.BytesIO(text.encode("utf-8")), infer_schema=False, truncate_ragged_lines=False)
        elif suffix in (".parquet", ".pq"):
            df = _parquet_as_text(pl.read_parquet(path), columns, display)
        else:
            raise InputError.single(display, "", f"unsupported table format '{suffix}'; use .csv or .parquet")
    except InputError:
        raise
    except (pl.exceptions.PolarsError, OSError, UnicodeDecodeError, ValueError) as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise InputError.single(display, "", f"cannot be read as {suffix[1:].upper()}: {first}") from None
    known = {c.name for c in columns}
    problems = [
        Problem(display, f"column '{c}'", f"unknown column (known columns: {', '.join(sorted(known))})")
        for c in df.columns if c not in known
    ]
    problems += [
        Problem(display, f"column '{c.name}'", f"required column is missing ({c.description})")
        for c in columns if c.required and c.name not in df.columns
    ]
    if problems:
        raise InputError(problems)
    if df.height == 0:
        raise InputError.single(display, "", "the table has a header but no rows")
    text = df.with_columns(
        pl.col(c).str.strip_chars().replace("", None) for c in df.columns
    )
    return text


def _loan_records(df: pl.DataFrame) -> list[dict[str, Any]]:
    records = []
    for rec in df.iter_rows(named=True):
        row = {k: v for k, v in rec.items() if v is not None and k not in _IP_COLUMNS}
        ip = {_IP_COLUMNS[k]: rec[k] for k in _IP_COLUMNS if rec.get(k) is not None}
        if ip:
            row["ip"] = ip
        records.append(row)
    return records


def read_loan_book(path: Path, display: str | None = None) -> list[AchievementLoan]:
    """Read and validate a loan book (CSV or Parquet).

    Parameters
    ----------
    path : Path
        The file.
    display : str, optional
        How to name the file in messages (defaults to ``str(path)``).

    Returns
    -------
    list of AchievementLoan
        One validated loan per row, in file order.

    Raises
    ------
    InputError
        Naming the file, row and column of every problem found.
    """
    display = display or str(path)
    df = read_table(path, LOAN_BOOK_COLUMNS, display)
    if "pd" not in df.columns and "rating" not in df.columns:
        raise InputError.single(display, "", "needs a 'pd' or a 'rating' column")
    records = _loan_records(df)
    try:
        return _adapter().validate_python(records)
    except ValidationError as exc:
        problems = []
        for err in exc.errors(include_url=False):
            loc = err["loc"]
            index = loc[0] if loc and isinstance(loc[0], int) else 0
            field = next((str(p) for p in loc[1:] if isinstance(p, str)), None)
            if field == "ip" and len(loc) > 2:
                inner = str(loc[2])
                field = next((k for k, v in _IP_COLUMNS.items() if v == inner), inner)
            problems.append(Problem(display, row_location(path, index, field), describe(err)))
        raise InputError(problems) from None


def loan_book_frame(loans: list[AchievementLoan]) -> pl.DataFrame:
    """The loan book as a typed polars table (one row per loan, columns of LOAN_BOOK_COLUMNS)."""
    rows = []
    for ln in loans:
        rows.append(
            {
                "loan_id": ln.loan_id, "product": ln.product.value, "bank": ln.bank, "borrower": ln.borrower,
                "sector": ln.sector.value, "firm_size": ln.firm_size.value,
                "annual_revenue_cny": ln.annual_revenue_cny, "amount_cny": ln.amount_cny,
                "origination": ln.origination, "maturity": ln.maturity, "amortisation": ln.amortisation.value,
                "rate": ln.rate, "pd": ln.pd, "rating": ln.rating, "pool_id": ln.pool_id,
                "guarantee_share": ln.guarantee_share, "insurance_share": ln.insurance_share,
                "ip_type": ln.ip.ip_type.value if ln.ip else None,
                "ip_appraised_value_cny": ln.ip.appraised_value_cny if ln.ip else None,
                "ip_items": ln.ip.n_items if ln.ip else None,
            }
        )
    schema = {
        c.name: {ColumnKind.TEXT: pl.Utf8, ColumnKind.NUMBER: pl.Float64, ColumnKind.INTEGER: pl.Int64,
                 ColumnKind.DATE: pl.Date}[c.kind]
        for c in LOAN_BOOK_COLUMNS
    }
    return pl.DataFrame(rows, schema=schema)
