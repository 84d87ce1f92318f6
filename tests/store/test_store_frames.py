"""Summary-table codec: every supported dtype survives JSON exactly; others are refused."""

from __future__ import annotations

import datetime as dt
import json
import math

import hypothesis.strategies as st
import polars as pl
import pytest
from hypothesis import given, settings

from fundsvc.errors import StoreError
from fundsvc.store.frames import decode_frame, encode_frame


def _json_round_trip(frame: pl.DataFrame) -> pl.DataFrame:
    columns, rows = encode_frame(frame, "t")
    text = json.dumps({"columns": columns, "rows": rows}, allow_nan=False)  # portable JSON
    stored = json.loads(text)
    return decode_frame(stored["columns"], stored["rows"])


def every_dtype_frame() -> pl.DataFrame:
    return pl.DataFrame([
        pl.Series("int8", [-128, None, 127], dtype=pl.Int8),
        pl.Series("int64", [-(2**63), 0, 2**63 - 1], dtype=pl.Int64),
        pl.Series("uint64", [0, None, 2**64 - 1], dtype=pl.UInt64),
        pl.Series("f64", [0.1 + 0.2, math.nan, None], dtype=pl.Float64),
        pl.Series("f64_inf", [math.inf, -math.inf, 5e-324], dtype=pl.Float64),
        pl.Series("f32", [0.1, None, math.nan], dtype=pl.Float32),
        pl.Series("text", ["引导基金", None, ""], dtype=pl.String),
        pl.Series("flag", [True, False, None], dtype=pl.Boolean),
        pl.Series("day", [dt.date(2025, 12, 31), None, dt.date(1, 1, 1)], dtype=pl.Date),
        pl.Series("ts_ns_tz", [1, None, 1_700_000_000_123_456_789], dtype=pl.Int64)
        .cast(pl.Datetime("ns", "Asia/Shanghai")),
        pl.Series("ts_us", [dt.datetime(2024, 2, 29, 23, 59, 59, 999_999), None, None]),
        pl.Series("span", [1, -2, None], dtype=pl.Int64).cast(pl.Duration("ms")),
        pl.Series("clock", [dt.time(0, 0), dt.time(23, 59, 59, 1), None]),
        pl.Series("cat", ["a", "b", None], dtype=pl.Categorical),
        pl.Series("enum", ["hot", "cold", None], dtype=pl.Enum(["cold", "normal", "hot"])),
        pl.Series("nothing", [None, None, None], dtype=pl.Null),
    ])


def test_every_supported_dtype_round_trips_exactly() -> None:
    frame = every_dtype_frame()
    back = _json_round_trip(frame)
    assert back.schema == frame.schema
    assert back.columns == frame.columns
    assert back.equals(frame, null_equal=True)
    # NaN and null stay distinct
    assert back["f64"].is_nan().to_list() == [False, True, None]


def test_empty_table_keeps_its_schema() -> None:
    frame = every_dtype_frame().clear()
    back = _json_round_trip(frame)
    assert back.height == 0
    assert back.schema == frame.schema


def test_rows_are_readable_json_objects() -> None:
    columns, rows = encode_frame(pl.DataFrame({"q": [0.5], "day": [dt.date(2030, 6, 30)]}))
    assert columns == [{"name": "q", "dtype": {"type": "Float64"}},
                       {"name": "day", "dtype": {"type": "Date"}}]
    assert rows == [{"q": 0.5, "day": "2030-06-30"}]


@pytest.mark.parametrize("series", [
    pl.Series("nested", [[1, 2], [3]]),
    pl.Series("money", ["1.25"]).cast(pl.Decimal(10, 2)),
    pl.Series("blob", [b"x"]),
])
def test_unsupported_dtypes_are_refused_with_table_and_column(series: pl.Series) -> None:
    with pytest.raises(StoreError, match=rf"table 'quantiles' column '{series.name}'.*Parquet"):
        encode_frame(pl.DataFrame([series]), "quantiles")


def test_non_dataframe_is_refused() -> None:
    with pytest.raises(StoreError, match="polars DataFrame"):
        encode_frame({"a": [1]}, "t")  # type: ignore[arg-type]


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.floats(allow_nan=True, allow_infinity=True) | st.none(),
                          st.integers(-(2**63), 2**63 - 1) | st.none(),
                          st.text() | st.none()), max_size=20))
def test_random_tables_round_trip(rows: list[tuple]) -> None:
    frame = pl.DataFrame(rows, schema={"x": pl.Float64, "n": pl.Int64, "s": pl.String},
                         orient="row")
    back = _json_round_trip(frame)
    assert back.schema == frame.schema
    assert back.equals(frame, null_equal=True)
