"""API behaviour: pricing (one, batch) equals ``price_loan``; errors are problem documents naming the
field or the row; tables page; runs start, progress and cancel through the one adapter."""

from __future__ import annotations

import time

import pytest

from fundsvc.credit import price_loan

LOAN = {"amount_cny": 5e6, "term_years": 3.0, "pd": 0.02, "ip_appraisal_cny": 12e6, "pool_share": 0.4,
        "quoted_rate": 0.045}


def test_pricing_one_and_batch_equal_price_loan_and_name_bad_rows(served):
    api = served.api("bank_a_user")
    direct = price_loan(**LOAN)
    one = api.post("/api/v1/pricing/loan", json=LOAN).json()
    assert one["break_even_rate"] == pytest.approx(direct.break_even_rate, rel=1e-12)
    assert one["subsidy_bp"] == pytest.approx(direct.subsidy_bp, rel=1e-12)
    other = dict(LOAN, term_years=5.0, pd=0.03)
    both = dict(LOAN, lgd=0.4)  # lgd and IP collateral together: refused by the pricer, for this row only
    r = api.post("/api/v1/pricing/batch", json={"loans": [LOAN, both, other, LOAN]})
    assert r.status_code == 200
    body = r.json()
    assert body["results"][1] is None and body["results"][0] == body["results"][3]
    assert body["results"][2]["break_even_rate"] == pytest.approx(price_loan(**other).break_even_rate, rel=1e-12)
    assert [e["row"] for e in body["errors"]] == [1] and body["errors"][0]["location"] == "loans[1].lgd"
    r = api.post("/api/v1/pricing/loan", json=dict(LOAN, pd=1.5, amount_cny=-1))
    assert r.status_code == 422 and r.headers["content-type"] == "application/problem+json"
    assert {e["location"] for e in r.json()["errors"]} == {"pd", "amount_cny"}
    r = api.post("/api/v1/pricing/batch", json={"loans": [LOAN] * 10_001})
    assert r.status_code == 422 and r.json()["errors"][0]["location"] == "loans"


def test_tables_paging_and_run_lifecycle(served):
    api = served.api("bureau1")
    full = api.get(f"/api/v1/runs/{served.run_id}/tables/equity_fans", params={"limit": 5000}).json()
    page = api.get(f"/api/v1/runs/{served.run_id}/tables/equity_fans", params={"offset": 10, "limit": 7}).json()
    assert page["total"] == full["total"] and page["rows"] == full["rows"][10:17]
    r = api.get(f"/api/v1/runs/{served.run_id}/tables/no_such_table")
    assert r.status_code == 404 and "no table 'no_such_table'" in r.json()["detail"]
    r = api.post("/api/v1/runs", json={"scenario": "quick", "paths": 2_000_000})
    assert r.status_code == 422
    r = api.post("/api/v1/runs", json={"scenario": "quick", "paths": 20_000})
    assert r.status_code == 202, r.text
    rid = r.json()["id"]
    cancel = api.post(f"/api/v1/runs/{rid}/cancel").json()
    assert cancel == {"id": rid, "cancel_requested": True}
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        run = api.get(f"/api/v1/runs/{rid}").json()
        if run["status"] not in ("queued", "running"):
            break
        time.sleep(0.1)
    # the run queue records a cancelled run as such (who cancelled it: the audit log)
    assert run["status"] == "cancelled" and "cancel" in run["error"]
    assert api.get(f"/api/v1/runs/{rid}/progress").json()["status"] == "cancelled"
    served.signed_in("viewer1")
    api.get(f"/api/v1/runs/{served.run_id}/tables/equity_summary", params={"format": "csv"})
    events = served.accounts.audit_events(limit=500)
    assert any(e["action"] == "run.cancel" and e["username"] == "bureau1" and e["target"] == str(rid)
               for e in events), events
    actions = {e["action"] for e in events}
    assert {"run.start", "run.cancel", "sign_in", "download", "user.add", "token.create"} <= actions
