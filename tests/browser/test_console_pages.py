"""The console pages the operator-fixes tests do not reach, in a real browser and photographed at desktop and
phone size: a shipped order's timeline in Xentral and its write-back to the shop (a dead job with the shop's
answer, the redelivery's confirmation, the job done after it), the journal's In Xentral filter, and the Needs
attention filter with an order left without an outcome and that order's page, and a retry the dry run says
would succeed (its confirmation with *Retry now*, the order completed after it).
"""

from __future__ import annotations

from functools import partial
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.integration.console.conftest import console_settings
from tests.integration.write_back.test_console import seeded
from tests.support.leases import leased_settings
from tests.support.lifecycle_e2e import move
from tests.support.orders import order_body
from tests.support.receiver import Receiver
from tests.support.servers import running_service
from tests.support.service import API_KEY, service_settings
from tests.support.write_back_e2e import client_config, place, service_values, wait_shown, woocommerce_case
from unified_order_api.app import create_app
from unified_order_api.bootstrap import bootstrap
from unified_order_api.config import ApiClient
from xentral_sandbox.testing import SandboxHandle

from .conftest import ADMIN_KEY
from .test_browser import all_by_css, browser, by_id, open_order, sign_in, wait_for
from .test_operator_fixes import photograph, photograph_section

__all__ = ["browser", "seeded"]

pytestmark = pytest.mark.slow

IMPORT = {"method": "POST", "path": "/api/v1/salesOrders/actions/import"}
LIST_ORDERS = {"method": "GET", "path": "/api/v1/salesOrders"}


def test_a_shipped_orders_timeline_and_its_write_back_redelivered(
    browser: Any, seeded: SandboxHandle, tmp_path: Path
) -> None:
    seeded.reset()
    case = woocommerce_case()
    client = ApiClient.model_validate(client_config(case, "http://shop.test"))
    settings = service_settings(seeded, tmp_path, clients=[client], admin_api_key=ADMIN_KEY, **service_values())
    app = create_app(
        settings, partial(bootstrap, shop_transports={case.client: httpx.ASGITransport(app=case.fake.app)})
    )
    # The key lacks the write permission once: WooCommerce answers 401 to the note, so the job dies.
    case.faults.refuse("GET", "/orders/727/notes", 401, body={"code": "woocommerce_rest_cannot_view"})
    with running_service(settings, app=app) as url:
        reference, order_id = place(url, case)
        move(seeded, order_id, "dispatch")
        parcel = {"trackingNumber": "E2E-CONSOLE", "carrier": "DHL", "trackingUrl": "https://t.example/E2E-CONSOLE"}
        move(seeded, order_id, "ship", parcel)
        browser.delete_all_cookies()
        sign_in(browser, url)
        open_order(browser, url, reference)

        def dead_job() -> Any:
            browser.refresh()
            return next(iter(all_by_css(browser, "a.write-back-redeliver")), None)

        redeliver = wait_for(dead_job, "the write-back to be dead")
        assert by_id(browser, "lifecycle-state").text == "shipped"
        assert "E2E-CONSOLE" in by_id(browser, "timeline").text
        assert "answered 401" in by_id(browser, "write-back-jobs").text
        photograph_section(browser, "order-timeline", "h-timeline")
        photograph_section(browser, "order-write-back", "h-write-back")
        redeliver.click()
        wait_for(lambda: by_id(browser, "confirm"), "the write-back's redelivery confirmation")
        assert "answered 401" in by_id(browser, "main").text
        photograph(browser, "confirm-write-back")
        by_id(browser, "confirm").click()
        wait_for(lambda: "queued again" in by_id(browser, "notice").text, "the redelivery's notice")
        wait_shown(case, ["E2E-CONSOLE"])

        def done() -> bool:
            browser.refresh()
            states = [s.text for s in all_by_css(browser, "#write-back-jobs .state")]
            return bool(states) and all(state == "done" for state in states)

        wait_for(done, "the redelivered write-back to be done")
        assert "redelivered by admin" in by_id(browser, "steps").text
        photograph_section(browser, "order-write-back-done", "h-write-back")

        browser.get(f"{url}/console/?lifecycle=shipped")
        links = [a.text for a in all_by_css(browser, "#journal a.order-link")]
        assert links == [reference], links
        photograph(browser, "journal-shipped")


def test_an_order_without_an_outcome_is_under_needs_attention(
    browser: Any, console_sandbox: SandboxHandle, tmp_path: Path
) -> None:
    """The import fails and so does the duplicate check: Xentral may hold the order, nobody knows; the
    reconciler is off in this service, so the order waits, and after `attention_seconds` it needs attention."""
    receiver = Receiver()
    settings = console_settings(
        console_sandbox,
        tmp_path,
        receiver.url,
        **{
            **leased_settings(1),
            "idempotency": {"unknown_outcome_retry_seconds": 0.3, "upstream_check": "when_unsure", "lease_seconds": 1},
        },
        reconciler={"run_in_service": False, "attention_seconds": 1, "degraded_after_seconds": 1},
    )
    body = order_body()
    try:
        with running_service(settings) as url:
            console_sandbox.faults.server_error(500, count=1, **IMPORT)
            console_sandbox.faults.server_error(503, count=1, **LIST_ORDERS)
            try:
                answer = httpx.post(
                    f"{url}/api/orders", json=body, headers={"Authorization": f"Bearer {API_KEY}"}, timeout=30
                )
            finally:
                console_sandbox.faults.clear()
            assert answer.status_code == 502, answer.text
            browser.delete_all_cookies()
            sign_in(browser, url)

            def listed() -> bool:
                browser.get(f"{url}/console/?attention=1")
                return body["reference"] in [a.text for a in all_by_css(browser, "#journal a.order-link")]

            wait_for(listed, "the order under Needs attention")
            assert by_id(browser, "attention-note").text.startswith("Synchronous orders without an outcome")
            photograph(browser, "journal-attention")
            open_order(browser, url, body["reference"])
            assert by_id(browser, "order-state").text == "processing"
            assert by_id(browser, "unresolved-for").text
            photograph(browser, "order-unresolved")
    finally:
        receiver.stop()


def test_a_retry_the_dry_run_says_would_succeed_is_offered_and_completes(
    browser: Any, console_url: str, api: httpx.Client, console_sandbox: SandboxHandle
) -> None:
    """Xentral's product reads failed (503), so the order failed; now they answer, the dry run would create it."""
    body = order_body(items=[{"sku": "BOOK-001", "quantity": 1}])
    console_sandbox.faults.server_error(503, count=None, method="GET", path="/api/v2/products")
    try:
        assert api.post("/api/orders", json=body).status_code in (502, 503)
    finally:
        console_sandbox.faults.clear()
    browser.delete_all_cookies()
    sign_in(browser, console_url)
    open_order(browser, console_url, body["reference"], state="failed")
    by_id(browser, "retry").click()
    wait_for(lambda: by_id(browser, "confirm"), "the retry's confirmation with its dry run")
    assert "would create the order" in by_id(browser, "preview").text
    photograph(browser, "confirm-retry-offered")
    by_id(browser, "confirm").click()
    wait_for(lambda: by_id(browser, "order-state").text == "completed", "the retried order to complete")
    assert "retry requested by admin in the console" in by_id(browser, "steps").text
    photograph(browser, "order-retried")
