"""Shared test configuration.

* ``pytest_setup_options``: real headless Debian Chromium for ``dash_duo`` browser tests
  (see ../shared/RECIPES.md); never let a test tool download a browser.
* Tests run from the repository root so bundled scenarios are found.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

# database fixtures (store, fresh_store, ...) on SQLite and, when configured, PostgreSQL
pytest_plugins = ["fundsvc.store.testing"]


def pytest_setup_options():
    from selenium.webdriver.chrome.options import Options

    options = Options()
    options.binary_location = os.environ.get("FUNDSVC_CHROMIUM", "/usr/bin/chromium")
    for arg in (
        "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
        "--no-first-run", "--window-size=1400,1000",
    ):
        options.add_argument(arg)
    return options


@pytest.fixture(scope="session")
def repo_root() -> Path:
    return ROOT


@pytest.fixture(scope="session")
def scenarios_dir() -> Path:
    return ROOT / "scenarios"


@pytest.fixture(autouse=True)
def _isolated_data_dir(tmp_path_factory, monkeypatch):
    """Never touch a developer's real database: each test gets its own data dir unless it sets one."""
    if "FUNDSVC_DATA_DIR" not in os.environ:
        monkeypatch.setenv("FUNDSVC_DATA_DIR", str(tmp_path_factory.mktemp("fundsvc-data")))
    monkeypatch.delenv("FUNDSVC_DATABASE_URL", raising=False)
    monkeypatch.setenv("FUNDSVC_SCENARIOS_DIR", str(ROOT / "scenarios"))
    # an unreachable database fails at once in tests (tests/queue set a retry window themselves)
    monkeypatch.setenv("FUNDSVC_DB_RETRY_SECONDS", os.environ.get("FUNDSVC_TEST_DB_RETRY_SECONDS", "0"))
