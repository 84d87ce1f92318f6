"""Fixtures of the web-service tests: one stored quick run, a user of every role, the served ASGI app.

``served`` is session-scoped (the run is simulated once, 500 paths of ``quick.toml``); tests
that change users or tokens make their own names so they never disturb each other.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import pytest

PASSWORD = "correct horse battery"
HOST = "testserver"

# username -> (role, tenant); quick.toml lends through bank_a and bank_b and has sub-funds
# seed-iot, vc-bio and ta-green
USERS = {
    "bureau1": ("bureau", None),
    "bank_a_user": ("bank", "bank_a"),
    "bank_b_user": ("bank", "bank_b"),
    "fm_iot": ("fund_manager", "seed-iot"),
    "fm_bio": ("fund_manager", "vc-bio"),
    "viewer1": ("viewer", None),
    "admin1": ("admin", None),
}


@dataclass
class Served:
    store: object
    app: object
    run_id: int
    accounts: object
    tokens: dict[str, str] = field(default_factory=dict)

    def client(self, **kw):
        from starlette.testclient import TestClient

        return TestClient(self.app, base_url=f"http://{HOST}", follow_redirects=False, **kw)

    def api(self, username: str):
        """A client that sends ``username``'s all-scopes API token."""
        c = self.client()
        c.headers["Authorization"] = f"Bearer {self.tokens[username]}"
        return c

    def signed_in(self, username: str, password: str = PASSWORD):
        """A browser-like client signed in through the login form (cookies + CSRF header)."""
        c = self.client()
        page = c.get("/login")
        csrf = re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)
        r = c.post("/login", data={"username": username, "password": password, "csrf": csrf, "next": "/"})
        assert r.status_code == 303 and r.headers["location"] == "/", r.text[:300]
        c.headers["X-CSRFToken"] = c.cookies.get("_csrf_token")
        return c


@pytest.fixture(scope="session", autouse=True)
def _cheap_password_hashing():
    """argon2id with a small cost in these tests only (the production default costs ~60 ms a hash)."""
    from argon2 import PasswordHasher

    from fundsvc.auth import passwords

    saved = passwords._HASHER
    passwords._HASHER = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    yield
    passwords._HASHER = saved


@pytest.fixture(scope="session")
def served(tmp_path_factory, scenarios_dir):
    from fundsvc.auth.accounts import Accounts
    from fundsvc.inputs.loader import load_scenario
    from fundsvc.settings import get_settings
    from fundsvc.simulation.service import simulate_and_store
    from fundsvc.store import Store
    from fundsvc.web.app import create_server
    from fundsvc.web.security import WebConfig

    settings = get_settings(data_dir=tmp_path_factory.mktemp("web-store"), database_url=None)
    store = Store.open(settings, upgrade=True)
    stored = simulate_and_store(store, load_scenario(scenarios_dir / "quick.toml"), paths=500,
                                depletion_target=0.05)
    accounts = Accounts(store)
    s = Served(store, None, stored.run_id, accounts)
    for name, (role, tenant) in USERS.items():
        accounts.add_user(name, PASSWORD, role, tenant)
        _, secret = accounts.create_token(name, "all", ["read", "price", "run", "upload", "admin"], 1)
        s.tokens[name] = secret
    s.app = create_server(store, config=WebConfig(allowed_hosts=frozenset({HOST, "127.0.0.1", "localhost"})))
    yield s
    store.engine.dispose()


def start_live(app):
    """Serve ``app`` with a real uvicorn on 127.0.0.1 and a free port, in a thread: (base URL, stop)."""
    import socket
    import threading
    import time

    import uvicorn

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning",
                                           lifespan="off"))
    thread = threading.Thread(target=server.run, name="fundsvc-test-uvicorn", daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    assert server.started, "uvicorn did not start"

    def stop():
        server.should_exit = True
        thread.join(timeout=10)

    return f"http://127.0.0.1:{port}", stop


@pytest.fixture(scope="session")
def live(served):
    """The served app under a real uvicorn (see :func:`start_live`); its base URL."""
    url, stop = start_live(served.app)
    yield url
    stop()
