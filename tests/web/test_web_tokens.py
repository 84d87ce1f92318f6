"""Tokens: expired, revoked, wrong-scope and disabled-user tokens are refused; passwords and tokens
never appear in clear in the database or in the logs."""

from __future__ import annotations

import datetime as dt
import logging

import sqlalchemy as sa

from fundsvc.store.auth_tables import ApiToken
from tests.web.conftest import PASSWORD

LOAN = {"amount_cny": 5e6, "term_years": 3, "pd": 0.02, "lgd": 0.4}


def _bearer(served, secret):
    c = served.client()
    c.headers["Authorization"] = f"Bearer {secret}"
    return c


def test_expired_revoked_wrong_scope_and_disabled_tokens_are_refused(served):
    acc = served.accounts
    acc.add_user("tok_user", PASSWORD, "bank", "bank_a")
    _good, good_secret = acc.create_token("tok_user", "good", ["read", "price"], 1)
    assert _bearer(served, good_secret).post("/api/v1/pricing/loan", json=LOAN).status_code == 200
    # wrong scope: a read-only token may not price
    _, read_only = acc.create_token("tok_user", "ro", ["read"], 1)
    r = _bearer(served, read_only).post("/api/v1/pricing/loan", json=LOAN)
    assert r.status_code == 403 and "scope 'price'" in r.json()["detail"]
    assert _bearer(served, read_only).get("/api/v1/runs").status_code == 200
    # expired
    exp, exp_secret = acc.create_token("tok_user", "exp", ["read"], 1)
    with served.store.session() as s:
        s.get(ApiToken, exp.id).expires_at = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1)
    r = _bearer(served, exp_secret).get("/api/v1/runs")
    assert r.status_code == 401 and r.headers["content-type"] == "application/problem+json"
    # revoked
    rev, rev_secret = acc.create_token("tok_user", "rev", ["read"], 1)
    assert _bearer(served, rev_secret).get("/api/v1/runs").status_code == 200
    acc.revoke_token(rev.id)
    assert _bearer(served, rev_secret).get("/api/v1/runs").status_code == 401
    # unknown / malformed
    assert _bearer(served, "fsv_" + "x" * 43).get("/api/v1/runs").status_code == 401
    assert _bearer(served, good_secret[:-1]).get("/api/v1/runs").status_code == 401
    # a disabled user's tokens and sessions stop at once
    browser = served.signed_in("tok_user")
    assert browser.get("/").status_code == 200
    acc.disable("tok_user")
    assert _bearer(served, good_secret).get("/api/v1/runs").status_code == 401
    assert browser.get("/").status_code == 303
    states = {t.name: t.state for t in acc.tokens("tok_user")}
    assert states == {"good": "active", "ro": "active", "exp": "expired", "rev": "revoked"}


def test_no_clear_secrets_in_database_or_logs(served, caplog):
    acc = served.accounts
    caplog.set_level(logging.DEBUG)
    password = "Secret-Password-4711"
    acc.add_user("secret_user", password, "viewer")
    _, token = acc.create_token("secret_user", "t", ["read"], 1)
    c = served.client()
    page = c.get("/login")
    import re

    csrf = re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)
    c.post("/login", data={"username": "secret_user", "password": password, "csrf": csrf})
    c.post("/login", data={"username": "secret_user", "password": password + "x", "csrf": csrf})
    session_secret = c.cookies.get("fundsvc_session")
    assert session_secret
    assert _bearer(served, token).get("/api/v1/me").json()["username"] == "secret_user"
    dump = []
    with served.store.engine.connect() as conn:
        for table in sa.inspect(conn).get_table_names():
            for row in conn.execute(sa.text(f'SELECT * FROM "{table}"')):
                dump.append(" ".join(str(v) for v in row))
    text = "\n".join(dump)
    for secret in (password, token, session_secret, token[4:20]):
        assert secret not in text
    assert "$argon2id$" in text  # the hash is there instead
    logs = caplog.text
    for secret in (password, token, session_secret):
        assert secret not in logs
    events = acc.audit_events(action="sign_in")
    assert {e["outcome"] for e in events if e["username"] == "secret_user"} == {"ok", "denied"}
