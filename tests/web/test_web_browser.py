"""Real headless Chromium signs in to the served app (uvicorn) as each role and sees its pages.

Checks per role: the login page, sign-in, the navbar shows the user's name and role and only the
pages the role may open, an allowed page renders, a forbidden page shows the refusal, and the
browser console has no errors (so the Content-Security-Policy lets Dash run).
"""

from __future__ import annotations

import pytest

from tests.web.conftest import PASSWORD
from tests.web.test_web_matrix import PAGES_ALLOWED, USER_OF

pytestmark = pytest.mark.browser
WAIT = 30


@pytest.fixture(scope="module")
def browser():
    from selenium import webdriver

    from tests.conftest import pytest_setup_options

    options = pytest_setup_options()
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(options=options)
    yield driver
    driver.quit()


def _wait(driver, css: str, text: str | None = None):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import WebDriverWait

    wait = WebDriverWait(driver, WAIT)
    if text is None:
        return wait.until(ec.presence_of_element_located((By.CSS_SELECTOR, css)))
    wait.until(ec.text_to_be_present_in_element((By.CSS_SELECTOR, css), text))
    return driver.find_element(By.CSS_SELECTOR, css)


@pytest.mark.parametrize("role", ["bureau", "bank", "fund_manager", "viewer", "admin"])
def test_sign_in_and_see_own_pages(browser, live, served, role):
    from selenium.webdriver.common.by import By

    user = USER_OF[role]
    browser.delete_all_cookies()
    browser.get(f"{live}/pools")
    assert "/login" in browser.current_url  # not signed in: the login page
    _wait(browser, "#username").send_keys(user)
    browser.find_element(By.CSS_SELECTOR, "#password").send_keys(PASSWORD)
    browser.find_element(By.CSS_SELECTOR, "#login-submit").click()
    badge = _wait(browser, "#user-badge", user)
    assert role.split("_")[0] in badge.text.replace(" ", "_").lower() or role in badge.text
    _wait(browser, "#page-content h2")  # the pools page rendered (next= kept the page asked for)
    assert browser.current_url.endswith("/pools")
    nav = {e.get_attribute("id")[4:] for e in browser.find_elements(By.CSS_SELECTOR, "#nav-links a")}
    assert nav == {m for m, roles in PAGES_ALLOWED.items() if role in roles}
    forbidden = next((m for m, roles in PAGES_ALLOWED.items() if role not in roles), None)
    if forbidden is not None:
        browser.get(f"{live}/{forbidden}")
        _wait(browser, "#page-forbidden")
    errors = [e for e in browser.get_log("browser") if e["level"] == "SEVERE"]
    assert errors == []
    browser.find_element(By.CSS_SELECTOR, "#logout").click()
    _wait(browser, "#login-form")
