"""Summary tables (polars DataFrames) <-> JSON rows plus a column schema.

A summary table is stored as ``columns`` (ordered list of ``{"name", "dtype"}``) and ``rows``
(list of ``{column: value}``), so it is readable in the database and reads back with the same
columns, order and dtypes. Values are encoded so JSON stays portable (PostgreSQL rejects NaN):

============================  =================================================
dtype                         JSON value
============================  =================================================
Boolean, integers, String     as is
Float32 / Float64             number; NaN / inf as ``"NaN"``, ``"Infinity"``, ``"-Infinity"``
Date                          ISO text ``"2025-12-31"``
Datetime, Duration, Time      integer in the dtype's unit (time zone kept in the dtype)
Categorical, Enum             text (Enum categories kept in the dtype)
Null                          ``null``
============================  =================================================

Nested types (List, Struct, Array), Decimal, Binary and Object are refused with a
:class:`StoreError`: store such data as an array (Parquet) instead.
"""

from __future__ import annotations

import math
from typing import Any

import polars as pl

from fundsvc.errors import StoreError

_SIMPLE: dict[str, pl.DataType] = {
    name: getattr(pl, name)()
    for name in ("Boolean", "Int8", "Int16", "Int32", "Int64", "UInt8", "UInt16", "UInt32",
                 "UInt64", "Float32", "Float64", "String", "Date", "Time", "Categorical", "Null")
}
_FLOAT_SPECIALS = {"NaN": math.nan, "Infinity": math.inf, "-Infinity": -math.inf}


def dtype_to_json(dtype: pl.DataType, where: str = "") -> dict[str, Any]:
    """JSON description of a supported polars dtype; :class:`StoreError` otherwise."""
    if isinstance(dtype, pl.Datetime):
        return {"type": "Datetime", "time_unit": dtype.time_unit, "time_zone": dtype.time_zone}
    if isinstance(dtype, pl.Duration):
        return {"type": "Duration", "time_unit": dtype.time_unit}
    if isinstance(dtype, pl.Enum):
        return {"type": "Enum", "categories": dtype.categories.to_list()}
    for name, simple in _SIMPLE.items():
        if dtype == simple:
            return {"type": name}
    raise StoreError(f"{where}dtype {dtype} cannot be stored in a summary table; "
                     "store it as an array (Parquet) instead")


def dtype_from_json(spec: dict[str, Any]) -> pl.DataType:
    """Inverse of :func:`dtype_to_json`."""
    kind = spec["type"]
    if kind == "Datetime":
        return pl.Datetime(spec["time_unit"], spec["time_zone"])
    if kind == "Duration":
        return pl.Duration(spec["time_unit"])
    if kind == "Enum":
        return pl.Enum(spec["categories"])
    if kind in _SIMPLE:
        return _SIMPLE[kind]
    raise StoreError(f"stored summary table has unknown dtype {spec!r}")


def _encode_float(value: float | None) -> float | str | None:
    if value is None or math.isfinite(value):
        return value
    if math.isnan(value):
        return "NaN"
    return "Infinity" if value > 0 else "-Infinity"


def _encode_column(series: pl.Series) -> list[Any]:
    dtype = series.dtype
    if dtype.is_float():
        if series.is_finite().all():  # the common case: numbers as they are (nulls stay None)
            return series.to_list()
        return [_encode_float(v) for v in series.to_list()]
    if dtype == pl.Date:
        return [None if v is None else v.isoformat() for v in series.to_list()]
    if dtype.is_temporal():  # Datetime, Duration, Time: integer in the dtype's unit
        return series.to_physical().to_list()
    if isinstance(dtype, (pl.Categorical, pl.Enum)):
        return series.cast(pl.String).to_list()
    return series.to_list()


def encode_frame(frame: pl.DataFrame, name: str = "table") -> tuple[list[dict], list[dict]]:
    """Encode a DataFrame as ``(columns, rows)`` for JSON columns.

    Parameters
    ----------
    frame : polars.DataFrame
        Summary table, shape (n_rows, n_columns); meant for small tables (thousands of rows).
    name : str
        Table name, used in error messages.

    Returns
    -------
    columns : list of dict
        ``[{"name": ..., "dtype": {...}}, ...]`` in column order.
    rows : list of dict
        One ``{column: value}`` per row.

    Raises
    ------
    StoreError
        A column has a dtype summary tables do not support.
    """
    if not isinstance(frame, pl.DataFrame):
        raise StoreError(f"table {name!r} must be a polars DataFrame, got {type(frame).__name__}")
    columns = [{"name": col, "dtype": dtype_to_json(dtype, f"table {name!r} column {col!r}: ")}
               for col, dtype in frame.schema.items()]
    encoded = [_encode_column(frame.get_column(col)) for col in frame.columns]
    rows = [dict(zip(frame.columns, values)) for values in zip(*encoded)] if encoded else []
    return columns, rows


def _decode_column(name: str, dtype: pl.DataType, values: list[Any]) -> pl.Series:
    if dtype.is_float():
        floats = [_FLOAT_SPECIALS[v] if isinstance(v, str) else v for v in values]
        return pl.Series(name, floats, dtype=dtype)
    if dtype == pl.Date:
        return pl.Series(name, values, dtype=pl.String).str.strptime(pl.Date, "%Y-%m-%d")
    if dtype.is_temporal():
        physical = pl.Int32 if dtype == pl.Date else pl.Int64
        return pl.Series(name, values, dtype=physical).cast(dtype)
    if isinstance(dtype, (pl.Categorical, pl.Enum)):
        return pl.Series(name, values, dtype=pl.String).cast(dtype)
    return pl.Series(name, values, dtype=dtype)


def decode_frame(columns: list[dict], rows: list[dict]) -> pl.DataFrame:
    """Inverse of :func:`encode_frame`: same columns, order and dtypes."""
    series = []
    for column in columns:
        name = column["name"]
        dtype = dtype_from_json(column["dtype"])
        series.append(_decode_column(name, dtype, [row.get(name) for row in rows]))
    return pl.DataFrame(series)
