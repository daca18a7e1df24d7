"""The operator's side in a real browser: a refused WooCommerce arrival found in the inbox, the configuration
fixed, replayed and completed; a failed order retried with a corrected request, and a bulk retry, both under the
operator's name; every console page photographed at desktop (1400x1000) and phone (390x844) size, the phone
pages checked for sideways scrolling, and the order page's request block (as received, normalised) as well.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest

from tests.integration.console.test_inbox import shop_sandbox, woo_headers, woo_order, woo_settings
from tests.support.orders import order_body, orders_with_reference
from tests.support.receiver import Receiver
from tests.support.servers import running_service
from xentral_sandbox.testing import SandboxHandle

from .conftest import ADMIN_KEY, PREFIX
from .test_browser import SCREENSHOTS, all_by_css, browser, by_id, open_order, sign_in, step_names, wait_for

__all__ = ["browser", "shop_sandbox"]

pytestmark = pytest.mark.slow

DESKTOP = (1400, 1000)
PHONE = (390, 844)
OPERATOR = ("alice", "alice-key-0123456789abcdef")
ADMIN = {"Authorization": f"Bearer {ADMIN_KEY}"}


# Every state and problem code shown, whose box lies (partly) beyond the viewport's right edge: one a phone
# shows only after scrolling sideways, the page's or a table's own (a `.scroll` box clips, it does not move it).
_OFF_TO_THE_SIDE = """
const width = document.documentElement.clientWidth;
return Array.from(document.querySelectorAll('.state, .problem-code'))
  .filter(node => node.getClientRects().length > 0)
  .filter(node => { const box = node.getBoundingClientRect(); return box.left < 0 || box.right > width + 0.5; })
  .map(node => node.textContent.trim());
"""


def on_the_phone_in_view(driver: Any, name: str) -> None:
    """At phone size: the page does not scroll sideways, and every state and problem code is in view."""
    overflow = driver.execute_script(
        "return document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0, f"{name} scrolls sideways on a phone by {overflow}px"
    hidden = driver.execute_script(_OFF_TO_THE_SIDE)
    assert hidden == [], f"{name}: on a phone these are off to the side: {hidden}"


def photograph(driver: Any, name: str) -> None:
    """The page at both sizes; on the phone nothing may need scrolling sideways."""
    driver.set_window_size(*DESKTOP)
    driver.save_screenshot(str(SCREENSHOTS / f"{name}-desktop.png"))
    driver.set_window_size(*PHONE)
    driver.save_screenshot(str(SCREENSHOTS / f"{name}-phone.png"))
    try:
        on_the_phone_in_view(driver, name)
    finally:
        driver.set_window_size(*DESKTOP)


def photograph_section(driver: Any, name: str, element_id: str) -> None:
    """The part of the page from `element_id` on, at both sizes (scrolled to it after each resize)."""
    for size, label in ((PHONE, "phone"), (DESKTOP, "desktop")):
        driver.set_window_size(*size)
        driver.execute_script("arguments[0].scrollIntoView(true);", by_id(driver, element_id))
        driver.save_screenshot(str(SCREENSHOTS / f"{name}-{label}.png"))
        if size == PHONE:
            on_the_phone_in_view(driver, name)
    driver.execute_script("window.scrollTo(0, 0);")


def sign_in_as_alice(driver: Any, url: str) -> None:
    driver.delete_all_cookies()
    sign_in(driver, url, key=OPERATOR[1])
    assert by_id(driver, "operator").text == OPERATOR[0]


def test_a_refused_woocommerce_arrival_is_found_in_the_inbox_fixed_replayed_and_completed(
    browser: Any, shop_sandbox: SandboxHandle, tmp_path: Path
) -> None:
    operators = {"console": {"operators": [{"name": OPERATOR[0], "api_key": OPERATOR[1]}]}}
    body = woo_order()
    with running_service(woo_settings(shop_sandbox, tmp_path, None, **operators)) as url:
        refused = httpx.post(f"{url}/api/shops/woo/woocommerce", content=body, headers=woo_headers(body))
        assert refused.status_code == 422, refused.text
        # Beside it in the inbox: a forged signature, a body that is not JSON, a topic the shop sends but we ignore.
        forged = httpx.post(f"{url}/api/shops/woo/woocommerce", content=body, headers=woo_headers(body, "forged"))
        assert forged.status_code == 401, forged.text
        broken = b'{"id": 728,'
        assert (
            httpx.post(f"{url}/api/shops/woo/woocommerce", content=broken, headers=woo_headers(broken)).status_code
            == 400
        )
        deleted = httpx.post(
            f"{url}/api/shops/woo/woocommerce", content=body, headers=woo_headers(body, topic="order.deleted")
        )
        assert deleted.status_code == 200 and deleted.json()["outcome"] == "ignored", deleted.text
        sign_in_as_alice(browser, url)
        by_id(browser, "main")  # the journal
        next(a for a in all_by_css(browser, ".top nav a") if a.text == "Inbox").click()
        wait_for(lambda: "/console/inbox" in browser.current_url, "the inbox")
        row = wait_for(
            lambda: next(r for r in all_by_css(browser, "#inbox tbody tr") if "request_invalid" in r.text),
            "the refused arrival in the inbox",
        )
        assert "woocommerce" in row.text and "woo" in row.text and "sku" in row.text.lower()
        listed = by_id(browser, "inbox").text
        assert all(code in listed for code in ("signature_invalid", "invalid_json", "ignored")), listed
        photograph(browser, "inbox")
        photograph_section(browser, "inbox-rows", "inbox-count")
        row.find_element("css selector", "a.entry-link").click()
        wait_for(lambda: by_id(browser, "entry-code").text == "request_invalid", "the entry's page")
        pointers = by_id(browser, "entry-errors").text
        assert "/line_items/0/sku" in pointers and "sku_missing" in pointers
        photograph(browser, "inbox-entry")
    # The configuration fixed: the SKU from product_id where a line has none; the service restarted.
    fixed = woo_settings(shop_sandbox, tmp_path, ["sku", "product_id"], **operators)
    with running_service(fixed) as url:
        sign_in_as_alice(browser, url)
        browser.get(f"{url}/console/inbox?channel=shop&outcome=refused&code=request_invalid")
        wait_for(lambda: all_by_css(browser, "#inbox a.entry-link"), "the inbox after the restart")[0].click()
        wait_for(lambda: by_id(browser, "replay"), "the replay link").click()
        wait_for(lambda: by_id(browser, "confirm"), "the replay confirmation")
        photograph(browser, "confirm-replay")
        by_id(browser, "confirm").click()
        wait_for(lambda: "order accepted" in by_id(browser, "notice").text, "the replay's answer")
        assert [cell.text for cell in all_by_css(browser, "#replays .replayed-by")] == [OPERATOR[0]]
        photograph(browser, "inbox-entry-replayed")

        def completed() -> bool:
            browser.refresh()
            link = all_by_css(browser, "#order-link")
            return bool(link) and "completed" in link[0].find_element("xpath", "..").text

        wait_for(completed, "the replayed order to complete")
        by_id(browser, "order-link").click()
        wait_for(lambda: by_id(browser, "order-state").text == "completed", "the order's page")
        assert by_id(browser, "order-number").text != "—"
        assert "line_items" in json.loads(by_id(browser, "received-body").text)  # the shop's JSON, as the inbox kept it
        photograph_section(browser, "order-replayed-received", "h-request")
    assert len(orders_with_reference(shop_sandbox, "WOO-727")) == 1


def corrected_text(stored: str) -> str:
    request = json.loads(stored)
    request["items"] = [{"sku": "ART-001", "quantity": "1"}]
    return json.dumps(request, indent=2)


def test_a_failed_order_is_retried_with_a_corrected_request_and_others_in_bulk(
    browser: Any, console_url: str, api: httpx.Client, console_sandbox: SandboxHandle
) -> None:
    body = order_body(items=[{"sku": "ART-777", "quantity": 1}])
    assert api.post("/api/orders", json=body).status_code == 422
    # Two orders of an article Xentral does not have yet; the service's cache now remembers it missing.
    bulk = [order_body(items=[{"sku": "BULK-NEW-1", "quantity": 1, "price": "19.90"}]) for _ in range(2)]
    for other in bulk:
        assert api.post("/api/orders", json=other).status_code == 422
    sign_in_as_alice(browser, console_url)

    open_order(browser, console_url, body["reference"], state="failed")
    assert "/items/0/sku" in by_id(browser, "error-pointers").text
    assert "Item ART-777 not found" in by_id(browser, "error-detail").text
    photograph(browser, "order-failed")
    assert "fails the same way" in by_id(browser, "retry-not-offered").text and not all_by_css(browser, "#retry")
    order_url = browser.current_url
    browser.get(f"{order_url}/retry")  # the retry's own page says the same
    wait_for(lambda: by_id(browser, "preview"), "the dry run before the retry")
    assert "fails the same way" in by_id(browser, "preview").text and not all_by_css(browser, "#confirm")
    photograph(browser, "confirm-retry")
    by_id(browser, "correct").click()
    area = wait_for(lambda: by_id(browser, "request"), "the correction form")
    text = corrected_text(area.get_attribute("value"))
    area.clear()
    browser.execute_script("arguments[0].value = arguments[1];", area, text)
    by_id(browser, "preview-button").click()
    wait_for(lambda: by_id(browser, "preview-outcome").text == "would create the order", "the corrected dry run")
    assert "/items/0/sku" in by_id(browser, "changed").text
    photograph(browser, "correct")
    by_id(browser, "retry-corrected").click()
    wait_for(lambda: by_id(browser, "order-state").text == "completed", "the corrected order to complete")
    details = [cell.text for cell in all_by_css(browser, "#steps td:nth-child(3)")]
    assert "request corrected by alice in the console (/items/0/sku); the original is kept" in details
    assert "operator_correction" in step_names(browser)
    assert "ART-777" in by_id(browser, "original-request").text
    photograph(browser, "order-corrected")
    assert len(orders_with_reference(console_sandbox, PREFIX + body["reference"])) == 1

    # The article created in Xentral; the bulk retry: the failed orders of one problem, counted, confirmed,
    # retried under alice's name, each reading Xentral as it is now (not the cache's word from before).
    console_sandbox.state.add_product({"number": "BULK-NEW-1", "name": "Bulk New", "project": "1"})
    browser.get(f"{console_url}/console/?state=failed")
    by_id(browser, "bulk-retry").click()
    wait_for(lambda: by_id(browser, "code"), "the bulk retry form").send_keys("order_invalid")
    by_id(browser, "count-button").click()
    count = int(wait_for(lambda: re.match(r"(\d+)", by_id(browser, "bulk-count").text), "the count")[1])
    assert count >= 2 and all(other["reference"] in by_id(browser, "bulk-list").text for other in bulk)
    photograph(browser, "bulk-retry")
    by_id(browser, "confirm-bulk").click()
    result = wait_for(lambda: by_id(browser, "bulk-result").text, "the bulk retry's result")
    assert "Retried by alice" in result and int(by_id(browser, "bulk-completed").text) >= len(bulk)
    photograph(browser, "bulk-retry-done")
    for other in bulk:
        open_order(browser, console_url, other["reference"], state="completed")
        details = [cell.text for cell in all_by_css(browser, "#steps td:nth-child(3)")]
        assert "retry requested by alice in a bulk retry in the console" in details
        assert len(orders_with_reference(console_sandbox, PREFIX + other["reference"])) == 1


@pytest.fixture
def seen_pages(console_url: str, api: httpx.Client, console_receiver: Receiver) -> Iterator[dict[str, str]]:
    """A completed order, a failed one, and a webhook the receiver refused until it was given up (dead)."""
    created = api.post("/api/orders", json=order_body())
    assert created.status_code == 201, created.text
    assert api.post("/api/orders", json=order_body(items=[{"sku": "ART-778", "quantity": 1}])).status_code == 422
    console_receiver.status = 500
    try:
        refused = api.post("/api/orders", json=order_body())
        assert refused.status_code == 201, refused.text
        dead_for = refused.json()["reference"]

        def dead() -> bool:
            listed = api.get("/api/admin/webhooks/deliveries", params={"state": "dead"}, headers=ADMIN).json()
            for item in listed["items"]:
                delivery = api.get(f"/api/admin/webhooks/deliveries/{item['event_id']}", headers=ADMIN).json()
                if delivery["payload"]["data"]["reference"] == dead_for:
                    return True
            return False

        wait_for(dead, "the refused webhook to be dead")
    finally:
        console_receiver.status = 200
    yield {"reference": created.json()["reference"], "dead_for": dead_for}


def test_every_console_page_at_desktop_and_phone_size(
    browser: Any, console_url: str, seen_pages: dict[str, str]
) -> None:
    browser.delete_all_cookies()
    browser.get(f"{console_url}/console/login")
    photograph(browser, "login")
    sign_in(browser, console_url)
    photograph(browser, "journal")
    photograph_section(browser, "journal-rows", "order-count")  # on a phone the filters fill the first screen
    # On the phone the state and the problem of each order are in view, not off to the right.
    browser.set_window_size(*PHONE)
    states = all_by_css(browser, "#journal tbody .state")
    assert states and all(s.location["x"] >= 0 and s.location["x"] + s.size["width"] <= PHONE[0] for s in states[:5])
    browser.set_window_size(*DESKTOP)
    open_order(browser, console_url, seen_pages["reference"])
    photograph(browser, "order")
    # The request twice: the body as it arrived beside the normalised one (one above the other on a phone).
    received = json.loads(by_id(browser, "received-body").text)
    assert (
        received["reference"] == seen_pages["reference"]
        and "bytes as they arrived" in by_id(browser, "received-size").text
    )
    assert "Normalised request" in by_id(browser, "h-normalised").text
    photograph_section(browser, "order-received", "h-request")
    browser.get(f"{console_url}/console/orders/999999999")
    photograph(browser, "not-found")
    for name, path in [
        ("deliveries", "/console/deliveries?state="),
        ("health", "/console/health"),
        ("configuration", "/console/configuration"),
    ]:
        browser.get(f"{console_url}{path}")
        photograph(browser, name)
    browser.get(f"{console_url}/console/deliveries?state=dead")
    row = next(r for r in all_by_css(browser, "#delivery-list tbody tr") if seen_pages["dead_for"] in r.text)
    photograph(browser, "deliveries-dead")
    row.find_element("css selector", "a.redeliver").click()
    wait_for(lambda: by_id(browser, "confirm"), "the redelivery confirmation")
    assert seen_pages["dead_for"] in by_id(browser, "main").text
    photograph(browser, "confirm-redeliver")
    # Times are shown in the browser's zone, UTC kept on hover: an operator in Berlin sees CET (UTC+1 in December).
    browser.execute_cdp_cmd("Emulation.setTimezoneOverride", {"timezoneId": "Europe/Berlin"})
    try:
        browser.get(f"{console_url}/console/")
        stamp = all_by_css(browser, "#journal time")[0]
        assert stamp.get_attribute("title").endswith(" UTC") and "local" in stamp.get_attribute("class")
        utc = dt.datetime.fromisoformat(stamp.get_attribute("datetime"))
        berlin = utc.astimezone(ZoneInfo("Europe/Berlin"))
        assert stamp.text.startswith(berlin.strftime("%Y-%m-%d %H:%M:%S ")), (stamp.text, utc)
        assert stamp.text.endswith(berlin.strftime("%Z")) or "GMT+" in stamp.text, stamp.text
        photograph(browser, "journal-local-time")
    finally:
        browser.execute_cdp_cmd("Emulation.setTimezoneOverride", {"timezoneId": ""})
