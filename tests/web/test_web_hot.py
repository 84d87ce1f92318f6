"""The short path for ``POST /api/v1/pricing/loan`` (:mod:`fundsvc.web.hot`) answers exactly as the
FastAPI route does, and hands every other case to it (errors, scopes, non-JSON, oversize)."""

from __future__ import annotations

import json

import pytest

from fundsvc.web.hot import HotPricing
from fundsvc.web.security import SecurityMiddleware
from tests.web.conftest import PASSWORD

LOAN = {"amount_cny": 5e6, "term_years": 3.0, "pd": 0.02, "ip_appraisal_cny": 12e6, "pool_share": 0.4,
        "quoted_rate": 0.045}


def _route_only(served):
    """The same app with every request going through FastAPI (no short path)."""
    from starlette.testclient import TestClient

    from tests.web.conftest import HOST

    mw = served.app
    plain = SecurityMiddleware(mw.app, mw.accounts_factory, mw.config)
    c = TestClient(plain, base_url=f"http://{HOST}", follow_redirects=False)
    c.headers["Authorization"] = f"Bearer {served.tokens['bank_a_user']}"
    return c


def test_short_path_is_in_front_and_answers_like_the_route(served, monkeypatch):
    assert isinstance(served.app.handler, HotPricing)
    calls = []
    from fundsvc.web import hot

    real = hot._price
    monkeypatch.setattr(hot, "_price", lambda body: calls.append(body) or real(body))
    fast = served.api("bank_a_user").post("/api/v1/pricing/loan", json=LOAN)
    assert calls, "the short path was not taken"
    slow = _route_only(served).post("/api/v1/pricing/loan", json=LOAN)
    assert fast.status_code == slow.status_code == 200
    assert fast.json() == slow.json() and fast.json()["break_even_rate"] > 0
    for h in ("content-type", "content-security-policy", "x-frame-options", "x-content-type-options",
              "referrer-policy", "cache-control"):
        assert fast.headers[h] == slow.headers[h], h


@pytest.mark.parametrize("body, status", [
    (dict(LOAN, pd=1.5), 422),                   # field validation: FastAPI's problem document
    (dict(LOAN, lgd=0.4), 422),                  # cross-field rule of the pricer (lgd with IP inputs)
    (dict(LOAN, surprise=1), 422),               # unknown field
])
def test_refused_loans_get_the_routes_problem_documents(served, body, status):
    fast = served.api("bank_a_user").post("/api/v1/pricing/loan", json=body)
    slow = _route_only(served).post("/api/v1/pricing/loan", json=body)
    assert fast.status_code == slow.status_code == status
    assert fast.headers["content-type"] == "application/problem+json"
    assert fast.json() == slow.json()


def test_not_json_wrong_scope_anonymous_and_oversize_are_handed_on(served):
    api = served.api("bank_a_user")
    r = api.post("/api/v1/pricing/loan", content=json.dumps(LOAN), headers={"content-type": "text/plain"})
    assert r.status_code == _route_only(served).post(
        "/api/v1/pricing/loan", content=json.dumps(LOAN), headers={"content-type": "text/plain"}).status_code
    assert r.status_code >= 400
    assert api.post("/api/v1/pricing/loan", content=b"{not json", headers={"content-type": "application/json"}
                    ).status_code == 422
    _, read_only = served.accounts.create_token("bank_a_user", "hot-ro", ["read"], 1)
    r = served.client().post("/api/v1/pricing/loan", json=LOAN, headers={"Authorization": f"Bearer {read_only}"})
    assert r.status_code == 403 and "scope 'price'" in r.json()["detail"]
    assert served.client().post("/api/v1/pricing/loan", json=LOAN).status_code == 401
    assert served.api("viewer1").post("/api/v1/pricing/loan", json=LOAN).status_code == 403
    big = b'{"amount_cny": 5e6, "pad": "' + b"x" * (9 * 2**20) + b'"}'
    r = api.post("/api/v1/pricing/loan", content=big, headers={"content-type": "application/json"})
    assert r.status_code == 413


def test_revoked_token_and_changed_role_count_on_the_next_request(served):
    """Nothing about a token is cached: revocation and role changes from anywhere apply at once."""
    acc = served.accounts
    acc.add_user("hot_user", PASSWORD, "bank", "bank_a")
    info, secret = acc.create_token("hot_user", "hot", ["price"], 1)
    c = served.client()
    c.headers["Authorization"] = f"Bearer {secret}"
    assert c.post("/api/v1/pricing/loan", json=LOAN).status_code == 200
    acc.set_role("hot_user", "viewer")
    assert c.post("/api/v1/pricing/loan", json=LOAN).status_code == 403
    acc.set_role("hot_user", "bank", "bank_a")
    assert c.post("/api/v1/pricing/loan", json=LOAN).status_code == 200
    acc.revoke_token(info.id)
    assert c.post("/api/v1/pricing/loan", json=LOAN).status_code == 401


def test_lookups_leave_the_event_loop_for_a_network_database():
    """SQLite lookups run on the loop (a local read); a PostgreSQL lookup runs in the thread pool."""
    import asyncio
    import threading

    from fundsvc.web.security import _lookup

    class FakeAccounts:
        def __init__(self, local):
            self.local_database = local

    def where(_secret):
        return threading.current_thread().name

    async def both():
        main = threading.current_thread().name
        return main, await _lookup(FakeAccounts(True), where, "s"), await _lookup(FakeAccounts(False), where, "s")

    main, local, remote = asyncio.run(both())
    assert local == main and remote != main


def test_served_accounts_know_their_database(served):
    assert served.accounts.local_database is (served.store.engine.dialect.name == "sqlite")
