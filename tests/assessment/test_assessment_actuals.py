"""Actuals: the sample file reads; bad rows are rejected with the row (line) and the reason."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import polars as pl
import pytest

from fundsvc.errors import InputError
from fundsvc.inputs.actuals import check_actuals_frame, read_actuals

ROOT = Path(__file__).resolve().parents[2]
IDS = {"seed-iot", "vc-bio", "ta-green"}
HEADER = "sub_fund_id,period_end,calls_cny,distributions_cny,nav_cny\n"


def _write(tmp_path: Path, body: str, header: str = HEADER) -> Path:
    p = tmp_path / "actuals.csv"
    p.write_text(header + body, encoding="utf-8")
    return p


def _messages(exc: InputError) -> list[str]:
    return [p.render() for p in exc.problems]


def test_sample_actuals_read():
    df = read_actuals(ROOT / "scenarios/data/quick_actuals.csv", IDS)
    assert df.height == 12
    assert df["period_end"].dtype == pl.Date
    assert df.filter(pl.col("sub_fund_id") == "seed-iot")["projects"].sum() == 15
    assert df["patents"].null_count() == 2


def test_hangzhou_sample_actuals_match_the_baseline():
    from fundsvc.inputs.loader import load_scenario

    scen = load_scenario(ROOT / "scenarios/hangzhou_baseline.toml").scenario
    df = read_actuals(ROOT / "scenarios/data/hangzhou_actuals.csv", {f.id for f in scen.sub_funds})
    assert df.height > 0 and df["period_end"].max() == dt.date(2027, 12, 31)


@pytest.mark.parametrize("body, expected", [
    ("nope,2026-03-31,1,0,1\n", "row 1 (line 2), column 'sub_fund_id': unknown sub-fund 'nope'"),
    ("seed-iot,2026-03-30,1,0,1\n", "row 1 (line 2), column 'period_end': 2026-03-30 is not a quarter end"),
    ("seed-iot,2026-06-30,1,0,1\nseed-iot,2026-03-31,1,0,1\n",
     "row 2 (line 3), column 'period_end': dates out of order for sub-fund 'seed-iot': 2026-03-31 comes after 2026-06-30 (row 1)"),
    ("seed-iot,2026-03-31,1,0,-5\n", "row 1 (line 2), column 'nav_cny': negative NAV -5.00; must be >= 0"),
    ("seed-iot,2026-03-31,-1,0,5\n", "row 1 (line 2), column 'calls_cny': negative amount -1.00"),
    ("seed-iot,2026-03-31,1,0,1\nvc-bio,2026-03-31,1,0,1\nseed-iot,2026-03-31,2,0,1\n",
     "row 3 (line 4), column 'period_end': duplicate quarter 2026-03-31 for sub-fund 'seed-iot' (already in row 1)"),
    ("seed-iot,31/03/2026,1,0,1\n", "row 1 (line 2), column 'period_end': '31/03/2026' is not a date YYYY-MM-DD"),
    ("seed-iot,2026-03-31,abc,0,1\n", "row 1 (line 2), column 'calls_cny': 'abc' is not a number"),
    ("seed-iot,2026-03-31,,0,1\n", "row 1 (line 2), column 'calls_cny': value is missing"),
])
def test_bad_actuals_rejected_with_row_and_reason(tmp_path, body, expected):
    with pytest.raises(InputError) as err:
        read_actuals(_write(tmp_path, body), IDS)
    assert any(expected in m for m in _messages(err.value)), _messages(err.value)
    assert all(m.startswith(str(tmp_path / "actuals.csv")) for m in _messages(err.value))


def test_all_problems_reported_together(tmp_path):
    body = "nope,2026-03-31,1,0,1\nseed-iot,2026-05-31,1,0,-1\n"
    with pytest.raises(InputError) as err:
        read_actuals(_write(tmp_path, body), IDS)
    assert len(err.value.problems) == 3


def test_unknown_and_missing_columns(tmp_path):
    with pytest.raises(InputError) as err:
        read_actuals(_write(tmp_path, "seed-iot,2026-03-31,1,0\n", "sub_fund_id,period_end,calls_cny,distributions_cny\n"), IDS)
    assert any("column 'nav_cny': required column is missing" in m for m in _messages(err.value))
    with pytest.raises(InputError) as err:
        read_actuals(_write(tmp_path, "seed-iot,2026-03-31,1,0,1,9\n", HEADER.strip() + ",irr\n"), IDS)
    assert any("column 'irr': unknown column" in m for m in _messages(err.value))


def test_frame_validation_for_api_callers():
    good = pl.DataFrame({"sub_fund_id": ["vc-bio", "seed-iot"], "period_end": [dt.date(2026, 9, 30), dt.date(2026, 3, 31)],
                         "calls_cny": [1.0, 2.0], "distributions_cny": [0.0, 0.0], "nav_cny": [1.0, 2.0]})
    out = check_actuals_frame(good, IDS)
    assert out["sub_fund_id"].to_list() == ["seed-iot", "vc-bio"] and "projects" in out.columns
    with pytest.raises(InputError, match="unknown sub-fund 'x'"):
        check_actuals_frame(good.with_columns(pl.lit("x").alias("sub_fund_id")), IDS)
    with pytest.raises(InputError, match="required column is missing"):
        check_actuals_frame(good.drop("nav_cny"), IDS)
