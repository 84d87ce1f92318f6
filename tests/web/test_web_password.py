"""Lock-out after repeated wrong passwords and the forced password change (first admin, resets).

Tried as an attacker would: guessing on after the lock (the right password is refused too), using
a session that must change its password to reach the API or the pages, and posting the change
without the session's CSRF token.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest

from fundsvc.auth.accounts import LOCKOUT_AFTER, LOCKOUT_MINUTES, SignInOutcome

from .conftest import PASSWORD


def _login(c, username: str, password: str, next_url: str = "/"):
    page = c.get("/login")
    csrf = re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)
    return c.post("/login", data={"username": username, "password": password, "csrf": csrf, "next": next_url})


def test_lockout_after_repeated_wrong_passwords(served, monkeypatch):
    acc = served.accounts
    acc.add_user("lock_me", PASSWORD, "viewer")
    for _ in range(LOCKOUT_AFTER - 1):
        assert acc.sign_in("lock_me", "wrong password!").outcome is SignInOutcome.DENIED
    assert acc.sign_in("lock_me", PASSWORD).outcome is SignInOutcome.OK  # a success resets the count
    for _ in range(LOCKOUT_AFTER - 1):
        acc.sign_in("lock_me", "wrong password!")
    fifth = acc.sign_in("lock_me", "wrong password!")
    assert fifth.outcome is SignInOutcome.LOCKED and fifth.locked_until is not None  # the 5th wrong one locks
    locked = acc.sign_in("lock_me", PASSWORD)  # the right password does not get through a lock
    assert locked.outcome is SignInOutcome.LOCKED and locked.principal is None
    left = locked.locked_until - dt.datetime.now(dt.UTC)
    assert dt.timedelta(minutes=LOCKOUT_MINUTES - 1) < left <= dt.timedelta(minutes=LOCKOUT_MINUTES)
    events = [e for e in acc.audit_events(50) if e["username"] == "lock_me"]
    assert any(e["action"] == "sign_in.lockout" for e in events)
    assert [e["outcome"] for e in events if e["action"] == "sign_in"][0] == "locked"
    # the form says so, in both languages
    r = _login(served.client(), "lock_me", PASSWORD)
    assert r.status_code == 303 and "error=locked" in r.headers["location"]
    page = served.client().get(r.headers["location"])
    assert page.status_code == 401 and "账户已锁定" in page.text and "Locked after" in page.text
    # once the lock has run out the right password works again
    import fundsvc.auth.accounts as accounts_mod

    later = dt.datetime.now(dt.UTC) + dt.timedelta(minutes=LOCKOUT_MINUTES + 1)
    monkeypatch.setattr(accounts_mod, "utcnow", lambda: later)
    assert acc.sign_in("lock_me", PASSWORD).outcome is SignInOutcome.OK


def test_admin_password_reset_lifts_a_lock(served):
    acc = served.accounts
    acc.add_user("lock_me2", PASSWORD, "viewer")
    for _ in range(LOCKOUT_AFTER):
        acc.sign_in("lock_me2", "wrong password!")
    assert acc.sign_in("lock_me2", PASSWORD).outcome is SignInOutcome.LOCKED
    acc.set_password("lock_me2", "a brand new passphrase", actor="admin1")
    assert acc.sign_in("lock_me2", "a brand new passphrase").outcome is SignInOutcome.OK


def test_forced_password_change(served):
    acc = served.accounts
    acc.add_user("must_change", PASSWORD, "bureau", must_change_password=True)
    c = served.client()
    r = _login(c, "must_change", PASSWORD, "/runs")
    assert r.status_code == 303 and r.headers["location"].startswith("/password?next=")
    csrf = c.cookies.get("_csrf_token")
    c.headers["X-CSRFToken"] = csrf
    # nothing else is served until the password is changed: pages redirect, the API and callbacks refuse
    assert c.get("/").status_code == 303 and c.get("/").headers["location"].startswith("/password")
    api = c.get(f"/api/v1/runs/{served.run_id}/tables/equity_summary")
    assert api.status_code == 403 and "Password change required" in api.text
    assert c.post("/_dash-update-component", json={}).status_code == 403
    page = c.get("/password?next=/runs")
    assert page.status_code == 200 and "password-required" in page.text
    form = {"current": PASSWORD, "new": "my own new passphrase", "confirm": "my own new passphrase",
            "csrf": csrf, "next": "/runs"}
    # without the session's CSRF token in the form: refused
    assert c.post("/password", data=form | {"csrf": "forged"}).status_code == 403
    assert c.post("/password", data=form | {"confirm": "something else"}).status_code == 400
    assert c.post("/password", data=form | {"new": "short", "confirm": "short"}).status_code == 400
    assert c.post("/password", data=form | {"current": "not my password"}).status_code == 400
    old_session = c.cookies.get("fundsvc_session")
    r = c.post("/password", data=form)
    assert r.status_code == 303 and r.headers["location"] == "/runs"
    # a new session; the old one is ended
    assert c.cookies.get("fundsvc_session") != old_session
    stale = served.client()
    stale.cookies.set("fundsvc_session", old_session)
    assert stale.get("/api/v1/runs").status_code == 401
    c.headers["X-CSRFToken"] = c.cookies.get("_csrf_token")
    assert c.get(f"/api/v1/runs/{served.run_id}/tables/equity_summary").status_code == 200
    assert acc.authenticate("must_change", PASSWORD) is None
    assert acc.authenticate("must_change", "my own new passphrase") is not None


def test_api_tokens_are_not_held_by_the_password_change(served):
    """A token is its own credential (scoped, expiring, revocable): a pending change of the user's
    password does not stop it; the dashboards do stop."""
    acc = served.accounts
    acc.add_user("must_change_tok", PASSWORD, "bureau", must_change_password=True)
    _, secret = acc.create_token("must_change_tok", "t", ["read"], 1)
    c = served.client()
    c.headers["Authorization"] = f"Bearer {secret}"
    assert c.get("/api/v1/runs").status_code == 200


@pytest.mark.parametrize("path", ["/password"])
def test_password_page_needs_a_session(served, path):
    r = served.client().get(path)
    assert r.status_code == 303 and r.headers["location"].startswith("/login")
