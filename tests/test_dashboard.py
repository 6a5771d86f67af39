"""The dashboard at ``GET /_fakenova/``: behind the control API's guard, made only of what
fakenova serves, and, in a real headless Chromium, a live view of the cloud that can add and
remove fault rules, reset, take and restore snapshots and move a manual clock, usable from
the keyboard with every control labelled for a screen reader."""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import openstack
import pytest

from fakenova import create_app
from fakenova.serving import FakenovaServer

ROOT = Path(__file__).resolve().parent.parent
DRIVER = shutil.which("chromedriver")
BROWSER = shutil.which("chromium") or shutil.which("chromium-browser")
WEB_1 = "2f9a6b1e-0c59-4d7e-9d7b-3a1f5e8c0a01"
DATA_1 = "7c1d3e5f-8a2b-4c6d-9e0f-1a2b3c4d5e01"


class Assets(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.found += [value for name, value in attrs if name in ("src", "href") and value]


def test_the_page_loads_only_what_fakenova_serves() -> None:
    client = create_app(["demo"]).test_client()
    page = client.get("/_fakenova/")
    assert page.status_code == 200 and page.mimetype == "text/html"
    assert "default-src 'none'" in page.headers["Content-Security-Policy"]
    parser = Assets()
    parser.feed(page.get_data(as_text=True))
    assert sorted(parser.found) == ["dashboard.css", "dashboard.js"]
    for asset in parser.found:
        answer = client.get(f"/_fakenova/{asset}")
        assert answer.status_code == 200
        assert not re.search(r"https?://", answer.get_data(as_text=True))


@pytest.mark.parametrize("path", ["/_fakenova/", "/_fakenova/dashboard.js"])
def test_the_page_is_behind_the_control_api_guard(path: str) -> None:
    away = {"REMOTE_ADDR": "203.0.113.9"}
    assert create_app(["demo"]).test_client().get(path, environ_base=away).status_code == 403
    guarded = create_app(["demo"], control_token="s3cret-token-for-tests").test_client()
    assert guarded.get(path).status_code == 401
    assert guarded.get(path, headers={"X-Fakenova-Control-Token": "s3cret-token-for-tests"},
                       environ_base=away).status_code == 200


def test_a_browser_opens_a_guarded_dashboard_once_with_the_token_and_then_by_cookie() -> None:
    token = "s3cret-token-for-tests"
    guarded = create_app(["demo"], control_token=token).test_client()
    assert guarded.get("/_fakenova/?token=wrong").status_code == 401
    assert guarded.get("/_fakenova/?token=wrong",  # the token the page would keep is checked
                       headers={"X-Fakenova-Control-Token": token}).status_code == 401
    assert guarded.get(f"/_fakenova/state?token={token}").status_code == 401  # the page only
    opened = guarded.get(f"/_fakenova/?token={token}")
    assert opened.status_code == 303 and opened.headers["Location"] == "/_fakenova/"
    cookie = opened.headers["Set-Cookie"]
    assert cookie.startswith(f"fakenova_control_token={token};")
    assert {"HttpOnly", "Path=/_fakenova", "SameSite=Strict"} <= {
        part.strip() for part in cookie.split(";")}
    assert guarded.get("/_fakenova/").status_code == 200       # the client keeps the cookie
    assert guarded.get("/_fakenova/state").status_code == 200
    assert guarded.post("/_fakenova/reset").status_code == 204
    assert create_app(["demo"], control_token=token).test_client().get(
        "/_fakenova/state", headers={"Cookie": "fakenova_control_token=wrong"}).status_code == 401


# -- in a real browser -------------------------------------------------------------------

@pytest.fixture
def served() -> Iterator[FakenovaServer]:
    app = create_app(["demo"], clock="manual")
    with FakenovaServer(app) as server:
        yield server


@pytest.fixture
def browser() -> Iterator[object]:
    if DRIVER is None or BROWSER is None:
        if os.environ.get("CI"):
            pytest.fail("CI must have chromium and chromium-driver (.ci/run installs them)")
        pytest.skip("the browser test needs Debian's chromium and chromium-driver")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = BROWSER
    for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage",
                     "--window-size=1280,1600", "--disable-gpu"):
        options.add_argument(argument)
    driver = webdriver.Chrome(service=Service(DRIVER), options=options)
    driver.implicitly_wait(0)
    try:
        yield driver
    finally:
        driver.quit()


def wait_for(driver: object, condition: str, timeout: float = 10) -> None:
    """Until the JavaScript expression is true (the page follows the cloud on its own)."""
    from selenium.webdriver.support.ui import WebDriverWait

    try:
        WebDriverWait(driver, timeout, poll_frequency=0.1).until(
            lambda d: d.execute_script(f"return Boolean({condition});"))
    except Exception as error:
        shown = driver.execute_script("return document.body.innerText;")  # type: ignore[attr-defined]
        raise AssertionError(f"never true: {condition}\npage:\n{shown}") from error


def text_of(selector: str) -> str:
    return f"((document.querySelector({selector!r}) || {{}}).textContent || '')"


@pytest.mark.slow
def test_a_guarded_dashboard_works_in_a_browser_opened_with_its_token(browser: object) -> None:
    token = "s3cret-token-for-tests"
    with FakenovaServer(create_app(["demo"], clock="manual", control_token=token)) as server:
        driver: Any = browser
        driver.get(f"{server.url}/_fakenova/?token={token}")
        wait_for(driver, f"{text_of('#servers tbody')}.includes('web-1')")
        assert driver.current_url == f"{server.url}/_fakenova/"   # the token left the URL
        driver.get(f"{server.url}/_fakenova/")                   # and the cookie stays
        wait_for(driver, f"{text_of('#clock')}.includes('manual')")


@pytest.mark.slow
def test_the_dashboard_follows_the_cloud_and_drives_it(served: FakenovaServer, browser: object,
                                                       tmp_path: Path) -> None:
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support.ui import Select

    driver: Any = browser
    driver.get(f"{served.url}/_fakenova/")
    wait_for(driver, f"{text_of('#servers tbody')}.includes('web-1')")
    wait_for(driver, f"{text_of('#clock')}.includes('manual')")

    # A client attaches a volume: the request and the attachment appear without a reload.
    conn = openstack.connect(auth_url=f"{served.url}/identity", username="demo",
                             password="demo", project_name="demo", user_domain_name="Default",
                             project_domain_name="Default", region_name="RegionOne")
    conn.compute.create_volume_attachment(WEB_1, volume_id=DATA_1)
    wait_for(driver, f"{text_of('#journal tbody')}.includes('/os-volume_attachments')")
    wait_for(driver, f"{text_of('#clock')}.includes('1 transition pending')")

    # Move the manual clock from the page: data-1 goes in-use.
    driver.find_element(By.ID, "advance-seconds").clear()
    driver.find_element(By.ID, "advance-seconds").send_keys("5", Keys.ENTER)
    wait_for(driver, "[...document.querySelectorAll('#volumes tbody tr')].some(r => "
                     "r.cells[0].textContent === 'data-1' && r.cells[2].textContent === 'in-use')")

    # Add a preset from the form, keyboard only; it is listed, then removed.
    Select(driver.find_element(By.ID, "preset")).select_by_value("flaky")
    Select(driver.find_element(By.ID, "preset-operation")).select_by_value("attach")
    driver.find_element(By.ID, "preset-status").send_keys("409", Keys.ENTER)
    wait_for(driver, f"{text_of('#faults tbody')}.includes('flaky')")
    assert served.app.extensions["fakenova"].faults.rules()[0].to_json()["status"] == 409
    driver.save_screenshot(str(tmp_path / "dashboard.png"))
    driver.find_element(By.CSS_SELECTOR, "#faults tbody button").click()
    wait_for(driver, "document.querySelectorAll('#faults tbody tr').length === 0")

    # A snapshot, a reset (data-1 free again), a restore (attached again).
    driver.find_element(By.ID, "snapshot-name").send_keys("attached", Keys.ENTER)
    wait_for(driver, f"{text_of('#snapshots')}.includes('attached')")
    driver.find_element(By.ID, "reset").click()
    wait_for(driver, f"!{text_of('#attachments tbody')}.includes('data-1')")
    driver.find_element(By.CSS_SELECTOR, "#snapshots button").click()
    wait_for(driver, f"{text_of('#attachments tbody')}.includes('data-1')")
    wait_for(driver, f"{text_of('#status')}.includes('Restored attached')")

    # Every control has an accessible name, and Tab reaches the first one.
    unnamed = driver.execute_script(
        "return [...document.querySelectorAll('input, select, button')].filter(e => "
        "!(e.labels && e.labels.length) && !e.getAttribute('aria-label') && "
        "!e.textContent.trim()).map(e => e.outerHTML);")
    assert unnamed == []
    driver.refresh()
    wait_for(driver, f"{text_of('#servers tbody')}.includes('web-1')")
    ActionChains(driver).send_keys(Keys.TAB).perform()
    assert driver.execute_script("return document.activeElement.id;") == "reset"
    ActionChains(driver).send_keys(Keys.ENTER).perform()  # the button works from the keyboard
    wait_for(driver, f"{text_of('#status')}.includes('Reset to the fixtures')")
    target = os.environ.get("FAKENOVA_SCREENSHOT")
    if target:
        shutil.copy(tmp_path / "dashboard.png", target)
