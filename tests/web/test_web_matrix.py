"""Endpoint × role matrix, generated from the app's own routes and Dash callbacks.

Every API operation the FastAPI app declares and every callback the Dash app registers is called
anonymously and as each role. Expected: anonymous → 401 (API) or the login page (dashboards and
callbacks); each role → allowed (not 401/403) exactly where the table below (DESIGN.md §8) says,
403 elsewhere. A new route or callback that is not classified here fails the test.
"""

from __future__ import annotations

import json

import pytest

from tests.web.conftest import USERS

ROLES = ("bureau", "bank", "fund_manager", "viewer", "admin")
ALL = frozenset(ROLES)
USER_OF = {"bureau": "bureau1", "bank": "bank_a_user", "fund_manager": "fm_iot", "viewer": "viewer1",
           "admin": "admin1"}
assert {USERS[u][0] for u in USER_OF.values()} == ALL

# (method, path template) -> roles allowed
API_ALLOWED: dict[tuple[str, str], frozenset[str]] = {
    ("POST", "/api/v1/pricing/loan"): frozenset({"bureau", "bank"}),
    ("POST", "/api/v1/pricing/batch"): frozenset({"bureau", "bank"}),
    ("GET", "/api/v1/scenarios"): ALL,
    ("GET", "/api/v1/scenarios/bundled/{name}"): frozenset({"bureau"}),
    ("GET", "/api/v1/scenarios/uploaded/{scenario_id}"): frozenset({"bureau"}),
    ("POST", "/api/v1/scenarios/validate"): ALL,
    ("POST", "/api/v1/scenarios"): frozenset({"bureau"}),
    ("GET", "/api/v1/runs"): ALL,
    ("POST", "/api/v1/runs"): frozenset({"bureau", "bank"}),
    ("GET", "/api/v1/runs/{run_id}"): ALL,
    ("GET", "/api/v1/runs/{run_id}/progress"): ALL,
    ("POST", "/api/v1/runs/{run_id}/cancel"): frozenset({"bureau", "bank"}),
    ("GET", "/api/v1/runs/{run_id}/tables"): ALL,
    ("GET", "/api/v1/runs/{run_id}/tables/{name}"): ALL,
    ("POST", "/api/v1/runs/{run_id}/assessment"): frozenset({"bureau"}),
    ("GET", "/api/v1/runs/{run_id}/report"): frozenset({"bureau"}),
    ("POST", "/api/v1/actuals"): frozenset({"bureau", "fund_manager"}),
    ("POST", "/api/v1/loan-tapes"): frozenset({"bureau", "bank"}),
    ("GET", "/api/v1/me"): ALL,
    ("GET", "/api/v1/users"): frozenset({"admin"}),
    ("POST", "/api/v1/users"): frozenset({"admin"}),
    ("POST", "/api/v1/users/{username}/disable"): frozenset({"admin"}),
    ("POST", "/api/v1/users/{username}/role"): frozenset({"admin"}),
    ("GET", "/api/v1/tokens"): frozenset({"admin"}),
    ("POST", "/api/v1/tokens"): frozenset({"admin"}),
    ("POST", "/api/v1/tokens/{token_id}/revoke"): frozenset({"admin"}),
}

PAGES_ALLOWED = {
    "overview": ALL, "pools": ALL, "runs": ALL,
    "funds": frozenset({"bureau", "fund_manager"}),
    "loans": frozenset({"bureau", "bank"}),
    "assessment": frozenset({"bureau"}), "stress": frozenset({"bureau"}), "validation": frozenset({"bureau"}),
    "sensitivity": ALL,
}

LOAN = {"amount_cny": 5e6, "term_years": 3, "pd": 0.02, "ip_appraisal_cny": 12e6, "pool_share": 0.4,
        "quoted_rate": 0.045}


def _api_routes(served):
    """Every operation of the app's own OpenAPI document (built from its routes)."""
    paths = served.app.app.openapi()["paths"]
    return sorted((m.upper(), p) for p, ops in paths.items() for m in ops)


def _request(served, method: str, path: str, role: str, victim: str, token_id: int):
    params = {"run_id": served.run_id, "name": "equity_summary", "scenario_id": 1, "username": victim,
              "token_id": token_id}
    url = path.format(**params)
    query = {"period": "2026", "format": "html"} if path.endswith("/report") else None
    body = {
        "/api/v1/pricing/loan": LOAN,
        "/api/v1/pricing/batch": {"loans": [LOAN]},
        "/api/v1/scenarios/validate": {"content": "x = 1", "filename": "x.toml"},
        "/api/v1/scenarios": {"content": "x = 1", "filename": "x.toml"},
        "/api/v1/runs": {"scenario": "quick", "paths": 100},
        "/api/v1/actuals": {"run_id": served.run_id, "content": "sub_fund_id,period_end\n"},
        "/api/v1/loan-tapes": {"scenario": "quick", "content": "loan_id\n"},
        "/api/v1/users": {"username": f"new_{role}", "password": "long enough pw", "role": "viewer"},
        f"/api/v1/users/{victim}/role": {"role": "viewer"},
        "/api/v1/tokens": {"username": "viewer1", "scopes": ["read"], "days": 1},
    }.get(url)
    return method, url, query, body


def test_api_matrix(served):
    routes = _api_routes(served)
    assert set(routes) == set(API_ALLOWED), "classify every API route in API_ALLOWED"
    served.accounts.add_user("victim_matrix", "long enough pw", "viewer")
    token, _ = served.accounts.create_token("victim_matrix", "t", ["read"], 1)
    anonymous = served.client()
    failures = []
    for method, path in routes:
        _, url, query, body = _request(served, method, path, "anon", "victim_matrix", token.id)
        r = anonymous.request(method, url, params=query, json=body)
        if r.status_code != 401 or r.headers["content-type"] != "application/problem+json":
            failures.append(("anonymous", method, path, r.status_code))
        for role in ROLES:
            _, url, query, body = _request(served, method, path, role, "victim_matrix", token.id)
            r = served.api(USER_OF[role]).request(method, url, params=query, json=body)
            allowed = role in API_ALLOWED[(method, path)]
            ok = r.status_code not in (401, 403) and r.status_code < 500 if allowed else r.status_code == 403
            if not ok:
                failures.append((role, method, path, r.status_code, r.text[:150]))
    assert not failures, "\n".join(map(str, failures))


def _callback_body(key: str, entry: dict, pathname: str | None = None):
    def outputs():
        out = []
        for part in key.strip(".").split("..."):
            part = part.strip(".")
            if part.startswith("{"):
                ident, prop = part.rsplit(".", 1)
                out.append({"id": json.loads(ident), "property": prop.split("@")[0]})
            else:
                ident, prop = part.rsplit(".", 1)
                out.append({"id": ident, "property": prop.split("@")[0]})
        return out if key.startswith("..") else out[0]

    def values(items):
        vals = []
        for i in items:
            if isinstance(i["id"], dict):
                vals.append([])
            else:
                v = pathname if (i["id"], i["property"]) == ("url", "pathname") else None
                vals.append({"id": i["id"], "property": i["property"], "value": v})
        return vals

    inputs = values(entry["inputs"])
    changed = [f"{i['id']}.{i['property']}" for i in entry["inputs"] if not isinstance(i["id"], dict)][:1]
    return {"output": key, "outputs": outputs(), "inputs": inputs, "state": values(entry["state"]),
            "changedPropIds": changed}


def test_dashboard_and_callback_matrix(served):
    dash_app = served.app.app.state.dash_app
    pages = dash_app.fundsvc_callback_pages
    anonymous = served.client()
    r = anonymous.get("/funds")
    assert r.status_code == 303 and r.headers["location"].startswith("/login")
    clients = {role: served.signed_in(USER_OF[role]) for role in ROLES}
    failures = []
    for key, entry in dash_app.callback_map.items():
        if "callback" not in entry:  # a clientside callback: it runs in the browser, never posted
            continue
        body = _callback_body(key, entry)
        r = anonymous.post("/_dash-update-component", json=body)
        if r.status_code != 401 or 'id="login-form"' not in r.text:
            failures.append(("anonymous", key, r.status_code))
        module = pages.get(key)
        for role, c in clients.items():
            r = c.post("/_dash-update-component", json=body)
            allowed = module is None or role in PAGES_ALLOWED[module]
            ok = r.status_code in (200, 204) if allowed else r.status_code == 403
            if not ok:
                failures.append((role, module, key, r.status_code, r.text[:200]))
    assert not failures, "\n".join(map(str, failures))


@pytest.mark.parametrize("role", ROLES)
def test_pages_per_role(served, role):
    """The router renders exactly the pages the role may open; the navbar lists only those."""
    dash_app = served.app.app.state.dash_app
    key = next(k for k in dash_app.callback_map if k == "page-content.children")
    entry = dash_app.callback_map[key]
    c = served.signed_in(USER_OF[role])
    assert c.get("/").status_code == 200
    from dashboards.pages import PAGES

    for path, module, _ in PAGES:
        body = _callback_body(key, entry, pathname=path)
        for item in body["inputs"]:
            if item["id"] == "run-select":
                item["value"] = served.run_id
            if item["id"] == "lang":
                item["value"] = "en"
        r = c.post("/_dash-update-component", json=body)
        assert r.status_code == 200, (role, path, r.status_code, r.text[:300])
        forbidden = "page-forbidden" in r.text
        assert forbidden == (role not in PAGES_ALLOWED[module]), (role, path)
    layout = c.get("/_dash-layout").text
    for path, module, _ in PAGES:
        assert (f'"nav-{module}"' in layout) == (role in PAGES_ALLOWED[module]), (role, module)
    assert USER_OF[role] in layout  # the user's name (and role) in the navbar
