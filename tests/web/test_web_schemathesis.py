"""Schemathesis (a tool nobody here wrote) against the API's own OpenAPI document, signed in.

Every operation is exercised with a few generated requests (bounded so the suite stays fast) against
the app served by uvicorn: with the bureau's all-scope token for every operation, and with the
admin's browser session (cookie + CSRF header) for the user and token operations. Checks: no 5xx,
documented status codes and content types, every response valid against its schema. Runs started
here are capped at 100 paths, one at a time.
"""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)


def _document() -> dict:
    """The OpenAPI document exactly as the app serves it (routes only; no database is opened)."""
    from fundsvc.web.app import create_server

    return create_server(None, mount_dashboards=False).app.openapi()


schema = schemathesis.openapi.from_dict(_document())
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
FUZZ = settings(max_examples=3, deadline=None, derandomize=True, database=None,
                suppress_health_check=list(HealthCheck))


@pytest.fixture(scope="module")
def small_quotas():
    from fundsvc.auth.roles import Role
    from fundsvc.service.policy import QUOTAS, Quota

    saved = dict(QUOTAS)
    QUOTAS[Role.BUREAU] = Quota(max_paths=100, max_active_runs=1)
    QUOTAS[Role.BANK] = Quota(max_paths=100, max_active_runs=1)
    yield
    QUOTAS.clear()
    QUOTAS.update(saved)


def test_document_is_served(served, live):
    import httpx

    assert httpx.get(f"{live}/api/v1/openapi.json").json()["paths"].keys() == _document()["paths"].keys()


@schema.parametrize()
@FUZZ
def test_every_operation_as_bureau(case, served, live, small_quotas):
    case.call_and_validate(base_url=live, headers={"Authorization": f"Bearer {served.tokens['bureau1']}"},
                           checks=CHECKS, timeout=60)


@pytest.fixture(scope="module")
def admin_server(tmp_path_factory):
    """A server of its own (empty store, one admin) so that generated revocations and role changes
    cannot touch the other tests' users and tokens; the admin's browser session headers."""
    from fundsvc.auth.accounts import Accounts
    from fundsvc.settings import get_settings
    from fundsvc.store import Store
    from fundsvc.web.app import create_server
    from fundsvc.web.security import WebConfig
    from tests.web.conftest import HOST, PASSWORD, Served, start_live

    store = Store.open(get_settings(data_dir=tmp_path_factory.mktemp("admin-store"), database_url=None),
                       upgrade=True)
    accounts = Accounts(store)
    accounts.add_user("admin1", PASSWORD, "admin")
    app = create_server(store, config=WebConfig(allowed_hosts=frozenset({HOST, "127.0.0.1"})),
                        mount_dashboards=False)
    c = Served(store, app, 0, accounts).signed_in("admin1")
    url, stop = start_live(app)
    yield url, {"Cookie": f"fundsvc_session={c.cookies.get('fundsvc_session')}",
                "X-CSRFToken": c.headers["X-CSRFToken"]}
    stop()
    store.close()


@schema.include(tag="users").parametrize()
@FUZZ
def test_user_operations_as_admin_session(case, admin_server):
    url, headers = admin_server
    case.call_and_validate(base_url=url, headers=headers, checks=CHECKS, timeout=60)
