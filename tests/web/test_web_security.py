"""Security of the served app: the scenario-path hole is closed, foreign Origin and Host are refused,
CSRF is required for cookie sessions, size limits answer 413, headers and cookie flags are set,
bad callback values give a message instead of HTTP 500, the first start prints a one-time password."""

from __future__ import annotations

import re

import pytest

from tests.web.conftest import PASSWORD
from tests.web.test_web_matrix import _callback_body

START = "..job-id.data...run-poll.disabled...run-message.children.."


def _start_body(served, source):
    body = _callback_body(START, served.app.app.state.dash_app.callback_map[START])
    values = {"new-start": 1, "new-source": source, "new-paths": 100, "upload-token": None, "lang": "en"}
    for item in body["inputs"] + body["state"]:
        item["value"] = values[item["id"]]
    return body


@pytest.mark.parametrize("kind", ["etc_passwd", "planted", "traversal", "directory"])
def test_scenario_source_path_is_refused_without_echo(served, tmp_path, kind):
    planted = tmp_path / "app.toml"
    planted.write_text('name = "x"\ndb_password = "hunter2-planted"\n[simulation]\npaths = 10\n')
    source = {"etc_passwd": "/etc/passwd", "planted": str(planted), "traversal": "../../../etc/shadow",
              "directory": "/root"}[kind]
    c = served.signed_in("bureau1")
    r = c.post("/_dash-update-component", json=_start_body(served, source))
    assert r.status_code == 200
    text = r.text
    assert "is not a bundled scenario" in text
    for leak in ("root:", "hunter2", "db_password", "not valid TOML", "is not a file", "No such file",
                 "shadow", "passwd", str(tmp_path)):
        assert leak not in text, leak
    api = served.api("bureau1").post("/api/v1/runs", json={"scenario": source[:64], "paths": 100})
    assert api.status_code == 422
    for leak in ("root:", "hunter2", "db_password", "TOML", "is not a file", str(tmp_path)):
        assert leak not in api.text, leak
    before = {r.id for r in served.store.runs.list(limit=500)}
    assert {r.id for r in served.store.runs.list(limit=500)} == before  # nothing started


def test_foreign_origin_host_and_missing_csrf_are_refused(served):
    c = served.signed_in("bureau1")
    body = _start_body(served, "quick")
    body["inputs"][0]["value"] = None  # n_clicks None: would be a no-op if accepted
    r = c.post("/_dash-update-component", json=body, headers={"Origin": "http://evil.example"})
    assert r.status_code == 403 and r.json()["title"] == "Cross-origin request refused"
    r = c.post("/_dash-update-component", json=body, headers={"Host": "attacker.example"})
    assert r.status_code == 400 and r.json()["title"] == "Host not allowed"
    r = served.api("bureau1").get("/api/v1/runs", headers={"Host": "attacker.example:8050"})
    assert r.status_code == 400
    no_csrf = served.signed_in("bureau1")
    del no_csrf.headers["X-CSRFToken"]
    assert no_csrf.post("/_dash-update-component", json=body).status_code == 403
    no_csrf.headers["X-CSRFToken"] = "0" * 40
    assert no_csrf.post("/_dash-update-component", json=body).status_code == 403
    assert c.post("/_dash-update-component", json=body, headers={"Origin": "http://testserver"}).status_code in (200, 204)
    # login form without its CSRF token
    r = served.client().post("/login", data={"username": "bureau1", "password": PASSWORD, "csrf": "x"})
    assert r.status_code == 403
    # an open redirect after sign-in is not possible
    from fundsvc.web.security import same_site_path

    assert same_site_path("https://evil.example/") == "/" and same_site_path("//evil.example") == "/"


def test_headers_cookies_and_size_limit(served):
    from starlette.testclient import TestClient

    for path in ("/login", "/api/v1/openapi.json", "/api/v1/docs"):
        r = served.client().get(path)
        assert r.status_code == 200, path
        _check_headers(r)
    c = served.signed_in("viewer1")
    for r in (c.get("/"), c.get("/_dash-layout"), served.api("viewer1").get("/api/v1/runs")):
        _check_headers(r)
    assert "'sha256-" in c.get("/").headers["content-security-policy"]  # Dash's inline script, by hash
    # cookie flags, over TLS too
    tls = TestClient(served.app, base_url="https://testserver", follow_redirects=False)
    page = tls.get("/login")
    csrf = re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)
    r = tls.post("/login", data={"username": "viewer1", "password": PASSWORD, "csrf": csrf})
    cookies = r.headers.get_list("set-cookie")
    session = next(x for x in cookies if x.startswith("fundsvc_session="))
    assert "HttpOnly" in session and "SameSite=Lax" in session and "Secure" in session
    assert "Strict-Transport-Security" in r.headers
    plain = next(x for x in c.cookies.jar if x.name == "fundsvc_session")
    assert not plain.secure  # plain HTTP on 127.0.0.1: not Secure (the browser would drop it)
    # request size: refused before reading, as a problem document (and an in-page message in the UI)
    big = b"x" * (8 * 1024 * 1024 + 1)
    r = served.api("bureau1").post("/api/v1/scenarios/validate", content=big,
                                   headers={"content-type": "application/json"})
    assert r.status_code == 413 and r.json()["title"] == "Request too large"
    assert "413" in (served.client().get("/assets/fundsvc-guard.js").text)


def _check_headers(r):
    h = r.headers
    assert h["x-frame-options"] == "DENY"
    assert h["x-content-type-options"] == "nosniff"
    assert h["referrer-policy"] == "same-origin"
    assert "frame-ancestors 'none'" in h["content-security-policy"]
    assert "default-src 'self'" in h["content-security-policy"]


def test_bad_callback_values_give_a_message_not_500(served):
    dash_app = served.app.app.state.dash_app
    c = served.signed_in("bureau1")
    key = next(k for k in dash_app.callback_map if "whatif-job.data" in k)  # the what-if's start callback
    body = _callback_body(key, dash_app.callback_map[key])
    values = {"whatif-run": 1, "whatif-grad": 99, "whatif-reserve": -1, "whatif-fee": "abc",
              "run-select": served.run_id, "lang": "en"}
    for item in body["inputs"] + body["state"]:
        item["value"] = values[item["id"]]
    r = c.post("/_dash-update-component", json=body)
    assert r.status_code == 200
    assert "graduation_mult: must be a number in [0.5, 1.5]" in r.text and "mgmt_fee" in r.text
    # unknown run id in a callback: an in-page message, not HTTP 500
    key = next(k for k in dash_app.callback_map if "loss-dist.figure" in k)
    body = _callback_body(key, dash_app.callback_map[key])
    for item in body["inputs"] + body["state"]:
        item["value"] = {"loss-entity": "banks", "run-select": 999999, "lang": "en"}[item["id"]]
    r = c.post("/_dash-update-component", json=body)
    assert r.status_code == 200 and "no run 999999" in r.text
    # garbage to the callback endpoint: 400
    assert c.post("/_dash-update-component", json={"output": "nope.children"}).status_code == 400
    # unknown run id in the API: 404 problem
    r = served.api("bureau1").get("/api/v1/runs/999999/tables/equity_summary")
    assert r.status_code == 404 and r.headers["content-type"] == "application/problem+json"


def test_first_start_creates_admin_with_one_time_password(tmp_path):
    from fundsvc.auth.accounts import Accounts
    from fundsvc.settings import get_settings
    from fundsvc.store import Store

    store = Store.open(get_settings(data_dir=tmp_path, database_url=None), upgrade=True)
    acc = Accounts(store)
    first = acc.ensure_first_admin()
    assert first and len(first) >= 16
    assert acc.ensure_first_admin() is None  # only once, never a default
    assert acc.authenticate("admin", first) is not None
    assert acc.authenticate("admin", "admin") is None
    store.close()
