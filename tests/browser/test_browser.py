"""The console in a real browser: headless Chromium driven by Selenium (one browser for the module).

Needs Debian's `chromium` and `chromium-driver` (`.ci/run` installs them). The driver is named
explicitly, so Selenium Manager never looks for (or downloads) one. Screenshots of the journal
and the order pages go to `artifacts/screenshots/` (see docs/development/testing.md).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

import httpx
import pytest

from tests.support.orders import order_body, orders_with_reference
from tests.support.receiver import Receiver
from xentral_sandbox.testing import SandboxHandle

from .conftest import ADMIN_KEY, PREFIX

pytestmark = pytest.mark.slow

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
SCREENSHOTS = Path(__file__).resolve().parents[2] / "artifacts" / "screenshots"
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--window-size=1280,900",
]
WAIT_SECONDS = 30.0

T = TypeVar("T")


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    if not (CHROMIUM.is_file() and CHROMEDRIVER.is_file()):
        pytest.skip(
            "browser tests need /usr/bin/chromium and /usr/bin/chromedriver (apt-get install chromium "
            "chromium-driver; .ci/run does)"
        )
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={tmp_path_factory.mktemp('chromium-profile')}")
    driver = webdriver.Chrome(service=Service(executable_path=str(CHROMEDRIVER)), options=options)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    try:
        yield driver
    finally:
        driver.quit()


def wait_for(condition: Callable[[], T | None], what: str, timeout: float = WAIT_SECONDS) -> T:
    """Poll until `condition` gives a truthy value (a state, never a duration, decides)."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            value = condition()
        except Exception:  # the page is still loading or being replaced
            value = None
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.1)


def by_id(browser: Any, element_id: str) -> Any:
    from selenium.webdriver.common.by import By

    return browser.find_element(By.ID, element_id)


def all_by_css(browser: Any, selector: str) -> list[Any]:
    from selenium.webdriver.common.by import By

    return list(browser.find_elements(By.CSS_SELECTOR, selector))


def sign_in(browser: Any, console_url: str, key: str = ADMIN_KEY) -> None:
    browser.get(f"{console_url}/console/")
    if "/console/login" not in browser.current_url:
        return  # still signed in from an earlier test
    by_id(browser, "key").send_keys(key)
    by_id(browser, "sign-in").click()
    wait_for(lambda: by_id(browser, "operator").text, "the journal after signing in")


def open_order(browser: Any, console_url: str, reference: str, state: str = "") -> None:
    """Find the order in the journal with the filter form, then follow its link, as an operator does."""
    from selenium.webdriver.support.ui import Select

    browser.get(f"{console_url}/console/")
    by_id(browser, "q").send_keys(reference)
    if state:
        Select(by_id(browser, "state")).select_by_value(state)
    by_id(browser, "apply-filters").click()
    wait_for(lambda: "q=" in browser.current_url, "the filtered journal")
    link = wait_for(
        lambda: next(a for a in all_by_css(browser, "#journal a.order-link") if a.text == reference),
        f"{reference} in the journal",
    )
    assert by_id(browser, "order-count").text.startswith("1 order")
    link.click()
    wait_for(lambda: by_id(browser, "reference").text == reference, f"the page of {reference}")


def step_names(browser: Any) -> list[str]:
    return [cell.text for cell in all_by_css(browser, "#steps .step-name")]


def test_sign_in_find_an_order_made_through_the_api_and_see_its_steps_and_number(
    browser: Any, console_url: str, api: httpx.Client, console_sandbox: SandboxHandle
) -> None:
    created = api.post("/api/orders", json=order_body())
    assert created.status_code == 201, created.text
    answer = created.json()
    # A few more orders, so the journal screenshot shows a journal.
    assert api.post("/api/orders", json=order_body(payment="invoice")).status_code == 201
    assert api.post("/api/orders", json=order_body(payment="barter")).status_code == 422
    assert api.post("/api/orders", json=order_body(), headers={"Prefer": "respond-async"}).status_code == 202

    browser.get(f"{console_url}/console/")
    assert "/console/login" in browser.current_url  # no session: the sign-in form, not the journal
    sign_in(browser, console_url)
    assert by_id(browser, "operator").text == "admin"
    rows = all_by_css(browser, "#journal tbody tr")
    assert len(rows) >= 4
    browser.save_screenshot(str(SCREENSHOTS / "journal.png"))

    open_order(browser, console_url, answer["reference"])
    assert by_id(browser, "order-state").text == "completed"
    assert by_id(browser, "order-number").text == answer["order_number"]
    assert by_id(browser, "order-id").text == answer["order_id"]
    assert step_names(browser)[0] == "received"
    assert {"customer_resolved", "importing", "imported", "completed"} <= set(step_names(browser))
    [in_xentral] = orders_with_reference(console_sandbox, PREFIX + answer["reference"])
    assert in_xentral["documentNumber"] == answer["order_number"]
    browser.save_screenshot(str(SCREENSHOTS / "order.png"))

    browser.get(f"{console_url}/console/health")
    bars = all_by_css(browser, "#calls-chart rect.bar")
    # The calls just made are drawn (in this minute's bar, or the last one's if the minute turned).
    assert len(bars) == 60 and bars[-1].size["height"] + bars[-2].size["height"] > 0
    browser.save_screenshot(str(SCREENSHOTS / "health.png"))
    browser.get(f"{console_url}/console/configuration")
    [shop_mappings] = all_by_css(browser, "#client-shop table.mappings")
    assert "PayPal" in shop_mappings.text and "no payment method with id '999'" in shop_mappings.text
    assert by_id(browser, "client-other").find_element("css selector", ".instance").text == "default"
    browser.save_screenshot(str(SCREENSHOTS / "configuration.png"))


def test_a_failed_order_is_retried_from_the_console_and_completes(
    browser: Any, console_url: str, api: httpx.Client, console_sandbox: SandboxHandle
) -> None:
    body = order_body(items=[{"sku": "BOOK-001", "quantity": 1}])
    reference = body["reference"]
    console_sandbox.faults.server_error(503, count=None, method="GET", path="/api/v2/products")
    try:
        failed = api.post("/api/orders", json=body)
    finally:
        console_sandbox.faults.clear()
    assert failed.status_code in (502, 503), failed.text
    assert orders_with_reference(console_sandbox, PREFIX + reference) == []

    sign_in(browser, console_url)
    open_order(browser, console_url, reference, state="failed")
    assert by_id(browser, "order-state").text == "failed"
    assert by_id(browser, "error-code").text
    by_id(browser, "retry").click()
    wait_for(lambda: by_id(browser, "confirm"), "the confirmation page")
    assert "/retry" in browser.current_url and orders_with_reference(console_sandbox, PREFIX + reference) == []
    by_id(browser, "confirm").click()

    wait_for(lambda: by_id(browser, "order-state").text == "completed", "the retried order to complete")
    assert "completed" in by_id(browser, "notice").text
    [in_xentral] = orders_with_reference(console_sandbox, PREFIX + reference)
    assert by_id(browser, "order-number").text == in_xentral["documentNumber"]
    names = step_names(browser)
    assert names.index("failed") < names.index("operator_retry") < names.index("retried") < names.index("completed")
    details = [cell.text for cell in all_by_css(browser, "#steps td:nth-child(3)")]
    assert "retry requested by admin in the console" in details
    browser.save_screenshot(str(SCREENSHOTS / "order-retried.png"))

    # The API sees the same order now: the retry went through the normal flow and its record.
    status = api.get(f"/api/orders/{reference}").json()
    assert status["state"] == "completed" and status["order"]["order_number"] == in_xentral["documentNumber"]


def test_a_dead_webhook_is_redelivered_from_the_console(
    browser: Any, console_url: str, api: httpx.Client, console_receiver: Receiver
) -> None:
    console_receiver.status = 500
    try:
        created = api.post("/api/orders", json=order_body())
        assert created.status_code == 201, created.text
        reference = created.json()["reference"]
        sign_in(browser, console_url)

        def dead_row() -> Any:
            browser.get(f"{console_url}/console/deliveries?state=dead")
            return next(row for row in all_by_css(browser, "#delivery-list tbody tr") if reference in row.text)

        row = wait_for(dead_row, "the webhook to be dead")
    finally:
        console_receiver.status = 200
    event_id = row.find_element("css selector", "code").text
    tried = [r for r in console_receiver.requests if r.headers.get("webhook-id") == event_id]
    assert len(tried) == 2  # first try and one retry, both refused

    row.find_element("css selector", "a.redeliver").click()
    wait_for(lambda: by_id(browser, "confirm"), "the confirmation page")
    by_id(browser, "confirm").click()
    wait_for(lambda: by_id(browser, "reference").text == reference, "the order page after redelivering")
    assert "queued for delivery again" in by_id(browser, "notice").text

    def delivered() -> bool:
        browser.refresh()
        return "delivered" in by_id(browser, "deliveries").text

    wait_for(delivered, "the redelivered webhook to arrive")
    received = [r for r in console_receiver.requests if r.headers.get("webhook-id") == event_id]
    assert len(received) == 3
    details = [cell.text for cell in all_by_css(browser, "#steps td:nth-child(3)")]
    assert f"webhook {event_id} (order.created) redelivered by admin" in details


def test_sign_out_and_be_refused(browser: Any, console_url: str) -> None:
    sign_in(browser, console_url)
    cookie = browser.get_cookie("uoa_console")
    assert cookie is not None and cookie["httpOnly"] is True and cookie["sameSite"] == "Strict"
    by_id(browser, "sign-out").click()
    wait_for(lambda: "/console/login" in browser.current_url, "the sign-in page after signing out")
    assert browser.get_cookie("uoa_console") is None

    browser.get(f"{console_url}/console/health")
    assert "/console/login" in browser.current_url
    assert all_by_css(browser, "#calls-chart") == []
    # The cookie from before signing out is refused too, even when sent by hand.
    with httpx.Client(base_url=console_url, cookies={"uoa_console": cookie["value"]}) as stale:
        refused = stale.get("/console/health")
    assert refused.status_code == 303 and refused.headers["location"].startswith("/console/login")
