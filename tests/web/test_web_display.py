"""``GET /api/v1/runs/{id}/tables/{name}?display=zh|en``: the rows as people read them (issue 16)."""

from __future__ import annotations

import re

import polars as pl

from fundsvc.formatting import Kind, column_kind, money_unit


def test_display_fields_use_the_formatting_layer(served):
    c = served.api("bureau1")
    r = c.get(f"/api/v1/runs/{served.run_id}/tables/credit_pool_summary", params={"display": "zh"})
    assert r.status_code == 200, r.text
    body = r.json()
    raw, shown = body["rows"], body["display"]
    assert shown["lang"] == "zh" and len(shown["rows"]) == len(raw) and len(shown["headers"]) == len(body["columns"])
    money = [c for c in body["columns"] if column_kind(c) is Kind.MONEY]
    assert "initial_balance" in money and "payouts_mean" in money
    unit = money_unit([row[c] for row in raw for c in money])
    assert shown["unit"] == unit.value[1]
    j = body["columns"].index("initial_balance")
    assert shown["headers"][j] == f"初始余额({unit.value[1]})"
    assert shown["rows"][0][j] == f"{raw[0]['initial_balance'] / unit.divisor:,.2f}"
    k = body["columns"].index("p_depleted")
    assert shown["rows"][0][k].endswith("%")
    # no raw floats with long decimals anywhere in the display rows
    assert not any(re.search(r"\d\.\d{4,}", cell) for row in shown["rows"] for cell in row)
    en = c.get(f"/api/v1/runs/{served.run_id}/tables/credit_pool_summary", params={"display": "en"}).json()
    assert en["display"]["headers"][k] == "P(depleted)"
    plain = c.get(f"/api/v1/runs/{served.run_id}/tables/credit_pool_summary").json()
    assert plain["display"] is None and plain["rows"] == raw


def test_display_unit_is_the_whole_tables_not_the_pages(served):
    """Paging does not change the unit: it is chosen on every row the caller may see."""
    c = served.api("bureau1")
    whole = c.get(f"/api/v1/runs/{served.run_id}/tables/credit_loss_measures", params={"display": "en"}).json()
    first = c.get(f"/api/v1/runs/{served.run_id}/tables/credit_loss_measures",
                  params={"display": "en", "limit": 1}).json()
    assert first["display"]["unit"] == whole["display"]["unit"]
    assert first["display"]["rows"] == whole["display"]["rows"][:1]
    assert c.get(f"/api/v1/runs/{served.run_id}/tables/credit_loss_measures",
                 params={"display": "fr"}).status_code == 422
    assert isinstance(pl.DataFrame(whole["rows"]), pl.DataFrame)
