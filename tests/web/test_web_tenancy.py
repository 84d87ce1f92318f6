"""Tenancy break-in attempts: a bank must not obtain another bank's loan rows or losses, and a fund
manager another sub-fund's detail — through the API, callbacks, exports, reports or error messages."""

from __future__ import annotations

import io

import polars as pl

from tests.web.test_web_matrix import _callback_body


def _bank_b_secrets(served) -> list[str]:
    """Strings that would betray bank_b's data: its loan ids and its loss figures (as printed)."""
    loans = served.store.loan_books.load(served.store.runs.get(served.run_id).loan_book_id)
    ids = loans.filter(pl.col("bank") == "bank_b")["loan_id"].to_list()
    lm = served.store.runs.load_table(served.run_id, "credit_loss_measures")
    values = lm.filter(pl.col("entity") == "bank:bank_b")["value"].to_list()
    assert ids and values
    return ids[:10] + [repr(v) for v in values[:10] if v]


def test_bank_api_tables_exports_and_errors(served):
    bank = served.api("bank_a_user")
    secrets = _bank_b_secrets(served)
    for name in ("credit_loss_measures", "credit_paths", "loan_book"):
        r = bank.get(f"/api/v1/runs/{served.run_id}/tables/{name}", params={"limit": 5000})
        assert r.status_code == 200
        page = r.json()
        assert page["total"] > 0
        col = "bank" if name == "loan_book" else "entity"
        seen = {row[col] for row in page["rows"]}
        assert seen <= ({"bank_a"} if name == "loan_book" else {"bank:bank_a", "pool:city-ip"}), seen
        for fmt in ("csv", "parquet"):
            r = bank.get(f"/api/v1/runs/{served.run_id}/tables/{name}", params={"format": fmt, "limit": 5000})
            assert r.status_code == 200
            frame = pl.read_csv(io.BytesIO(r.content)) if fmt == "csv" else pl.read_parquet(io.BytesIO(r.content))
            assert set(frame[col].to_list()) == seen
        assert not any(s in r.text for s in secrets)
    # the all-bank aggregate would give bank_b's EL as banks - bank_a when two banks lend
    lm = bank.get(f"/api/v1/runs/{served.run_id}/tables/credit_loss_measures").json()["rows"]
    assert {row["entity"] for row in lm} == {"bank:bank_a", "pool:city-ip"}
    # the bureau does see bank_b (so the filter, not missing data, hides it)
    bureau = served.api("bureau1").get(f"/api/v1/runs/{served.run_id}/tables/credit_loss_measures").json()
    assert "bank:bank_b" in {row["entity"] for row in bureau["rows"]}
    # reports and assessments hold every bank: refused, without content
    r = bank.get(f"/api/v1/runs/{served.run_id}/report", params={"period": "2026", "format": "html"})
    assert r.status_code == 403 and not any(s in r.text for s in secrets)
    # a bank's own run is invisible to another bank: same answer as for a run that does not exist
    run_b = served.api("bank_b_user").post("/api/v1/runs", json={"scenario": "quick", "paths": 100})
    assert run_b.status_code == 202, run_b.text
    rid = run_b.json()["id"]
    seen_a = bank.get(f"/api/v1/runs/{rid}")
    missing = bank.get("/api/v1/runs/987654")
    assert seen_a.status_code == missing.status_code == 404
    assert seen_a.json()["detail"].replace(str(rid), "N") == missing.json()["detail"].replace("987654", "N")
    assert rid not in {r["id"] for r in bank.get("/api/v1/runs").json()}
    assert rid in {r["id"] for r in served.api("bureau1").get("/api/v1/runs").json()}
    # uploading bank_b's loans as bank_a is refused naming the rows, echoing nothing of them
    loans = served.store.loan_books.load(served.store.runs.get(served.run_id).loan_book_id)
    tape = loans.filter(pl.col("bank") == "bank_b").head(2).write_csv()
    r = bank.post("/api/v1/loan-tapes", json={"scenario": "quick", "content": tape, "filename": "t.csv"})
    assert r.status_code == 422, r.text
    assert [e["location"] for e in r.json()["errors"]] == ["row 1 (line 2), column 'bank'",
                                                          "row 2 (line 3), column 'bank'"]


def _row_data(node):
    """The first AG Grid ``rowData`` inside a callback's rendered component tree."""
    if isinstance(node, dict):
        if "rowData" in node:
            return node["rowData"]
        found = (_row_data(v) for v in node.values())
    elif isinstance(node, list):
        found = (_row_data(v) for v in node)
    else:
        return None
    return next((f for f in found if f is not None), None)


def test_bank_callbacks_and_exports(served):
    dash_app = served.app.app.state.dash_app
    c = served.signed_in("bank_a_user")
    secrets = _bank_b_secrets(served)
    key = next(k for k in dash_app.callback_map if "loss-dist.figure" in k)
    body = _callback_body(key, dash_app.callback_map[key])
    for item in body["inputs"] + body["state"]:
        item["value"] = {"loss-entity": "bank:bank_b", "run-select": served.run_id, "lang": "en"}[item["id"]]
    r = c.post("/_dash-update-component", json=body)
    assert r.status_code == 200
    # a foreign entity falls back to the bank's default view (its own rows), naming nothing of bank_b
    rows = _row_data(r.json()["response"]["loss-measures-box"])
    own = served.store.runs.load_table(served.run_id, "credit_loss_measures").filter(pl.col("entity") == "bank:bank_a")
    assert rows and {row["value"] for row in rows} <= set(own["value"].to_list())
    assert not any(s in r.text for s in secrets) and "bank_b" not in r.text
    # the same callback as the bureau does return bank_b's rows
    rb = served.signed_in("bureau1").post("/_dash-update-component", json=body)
    assert len(_row_data(rb.json()["response"]["loss-measures-box"])) > 0
    # export of the loss table (the CSV download callback)
    key = "export-download.data"
    body = _callback_body(key, dash_app.callback_map[key])
    body["inputs"] = [[{"id": {"type": "export", "table": "credit_loss_measures", "fmt": "csv"},
                        "property": "n_clicks", "value": 1}]]
    body["state"][0]["value"] = served.run_id
    body["changedPropIds"] = ['{"fmt":"csv","table":"credit_loss_measures","type":"export"}.n_clicks']
    r = c.post("/_dash-update-component", json=body)
    assert r.status_code == 200, r.text[:300]
    import base64

    content = base64.b64decode(r.json()["response"]["export-download"]["data"]["content"]).decode("utf-8-sig")
    assert "bank:bank_a" in content and "bank:bank_b" not in content and "banks," not in content
    # the book report prices the bank's own loans only
    key = "book-report-box.children"
    body = _callback_body(key, dash_app.callback_map[key])
    for item in body["inputs"] + body["state"]:
        item["value"] = {"book-report-go": 1, "run-select": served.run_id, "lang": "en"}[item["id"]]
    r = c.post("/_dash-update-component", json=body)
    assert r.status_code == 200, r.text[:300]
    rows = r.json()["response"]["book-report-box"]["children"]["props"]["rowData"]
    loans = served.store.loan_books.load(served.store.runs.get(served.run_id).loan_book_id)
    assert sum(row["n_loans"] for row in rows) == loans.filter(pl.col("bank") == "bank_a").height
    # the assessment report callback is the bureau's
    key = "report-download.data"
    body = _callback_body(key, dash_app.callback_map[key])
    r = c.post("/_dash-update-component", json=body)
    assert r.status_code == 403 and not any(s in r.text for s in secrets)
    audit = served.accounts.audit_events(action="download")
    assert any(e["username"] == "bank_a_user" for e in audit)


def test_fund_manager_sees_only_its_sub_fund(served):
    fm = served.api("fm_iot")
    for name in ("equity_summary", "equity_fans", "equity_paths", "equity_indicators"):
        rows = fm.get(f"/api/v1/runs/{served.run_id}/tables/{name}", params={"limit": 5000}).json()["rows"]
        col = "fund" if name == "equity_indicators" else "entity"
        assert {row[col] for row in rows} <= {"guidance", "seed-iot"} and rows, name
    rows = fm.get(f"/api/v1/runs/{served.run_id}/tables/credit_loss_measures").json()["rows"]
    assert not any(row["entity"].startswith("bank:") for row in rows)
    # the funds page's entity callback for another sub-fund shows nothing of it
    dash_app = served.app.app.state.dash_app
    key = "..funds-jcurve.figure...funds-nav.figure...funds-pacing.figure.."
    body = _callback_body(key, dash_app.callback_map[key])
    for item in body["inputs"] + body["state"]:
        item["value"] = {"funds-entity": "vc-bio", "run-select": served.run_id, "lang": "en"}[item["id"]]
    other = served.store.runs.load_table(served.run_id, "equity_fans").filter(pl.col("entity") == "vc-bio")
    r = served.signed_in("fm_iot").post("/_dash-update-component", json=body)
    assert r.status_code == 200
    # a foreign sub-fund falls back to the default view (the guidance fund), nothing of vc-bio
    guidance = served.store.runs.load_table(served.run_id, "equity_fans").filter(pl.col("entity") == "guidance")
    assert repr(other["p50"].to_list()[-1]) not in r.text and "vc-bio" not in r.text
    assert other["p50"].to_list() != guidance["p50"].to_list()
    # a viewer sees aggregates only
    viewer = served.api("viewer1")
    rows = viewer.get(f"/api/v1/runs/{served.run_id}/tables/equity_summary").json()["rows"]
    assert {row["entity"] for row in rows} == {"guidance"}
    assert viewer.get(f"/api/v1/runs/{served.run_id}/tables/loan_book").json()["rows"] == []
