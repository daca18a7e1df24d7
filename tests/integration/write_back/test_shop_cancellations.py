"""A cancellation in the shop, end to end for WooCommerce, Shopify and Shopware 6: a signed shop webhook creates
the order in the sandbox, then the shop's own cancel webhook (WooCommerce `order.updated` with status
`cancelled`, Shopify `orders/cancelled`, Shopware `state_enter.order.state.cancelled`) arrives.

Before dispatch the sandbox order is cancelled (`POST …/actions/cancel`, once, also when the shop sends the
cancellation again), and the order's record, step and lifecycle say so. After the sandbox dispatched it,
Xentral is not touched: the operator's `shop_cancellation_not_carried_out` alert arrives (a signed alert
webhook), and the merchant's note is written to the fake shop (each written from its shop's documentation,
named in `tests/support/shop_apis/`) by the durable write-back job, once. A changed address of an order we
hold is recorded for the operator and nothing is sent to Xentral.
"""

from __future__ import annotations

import asyncio
import base64
import copy
import hashlib
import hmac
import json
import re
import time
from collections.abc import Iterator
from functools import partial
from pathlib import Path
from typing import Any

import httpx
import pytest
from standardwebhooks import Webhook

from tests.integration.console.conftest import ADMIN_KEY, sign_in
from tests.support.lifecycle_e2e import move
from tests.support.receiver import Receiver
from tests.support.servers import running_service
from tests.support.service import service_settings
from tests.support.write_back_e2e import CASES, SEED, SHOP_SECRET, ShopCase, client_config, place, service_values
from unified_order_api.app import create_app
from unified_order_api.bootstrap import bootstrap
from unified_order_api.config import ApiClient
from unified_order_api.store.database import create_engine
from unified_order_api.store.write_back import SqlWriteBackQueue
from xentral_sandbox.config import SandboxConfig
from xentral_sandbox.testing import SandboxHandle, running_sandbox

FAKE_BASE = "http://shop.test"  # the fakes answer through ASGITransport: any address does
ALERT_SECRET = "whsec_" + base64.b64encode(b"cancellation-alerts-0123456789ab").decode()


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SandboxHandle]:
    seed_file = tmp_path_factory.mktemp("seed") / "cancellation-seed.json"
    seed_file.write_text(json.dumps(SEED), "utf-8")
    with running_sandbox(SandboxConfig(rate_limit=None, seed_path=seed_file)) as handle:
        yield handle


@pytest.fixture
def sandbox(seeded: SandboxHandle) -> SandboxHandle:
    seeded.reset()
    return seeded


@pytest.fixture
def alerts() -> Iterator[Receiver]:
    receiver = Receiver()
    yield receiver
    receiver.stop()


def _service(  # type: ignore[no-untyped-def]
    sandbox: SandboxHandle,
    tmp_path: Path,
    case: ShopCase,
    alerts: Receiver,
    shop: dict[str, Any] | None = None,
    **more: Any,
):
    client = ApiClient.model_validate(client_config(case, FAKE_BASE, **(shop or {})))
    settings = service_settings(
        sandbox,
        tmp_path,
        clients=[client],
        **more,
        alerts={"webhook_url": alerts.url, "webhook_secret": ALERT_SECRET, "window_seconds": 0.5},
        webhooks={"allow_private_targets": ["loopback"], "poll_interval_seconds": 0.05},
        **service_values(),
    )
    transports = {case.client: httpx.ASGITransport(app=case.fake.app)}
    app = create_app(settings, partial(bootstrap, shop_transports=transports))
    return running_service(settings, app=app)


def _b64(body: bytes) -> str:
    return base64.b64encode(hmac.new(SHOP_SECRET.encode(), body, hashlib.sha256).digest()).decode()


def _cancel_webhook(case: ShopCase, delivery: str) -> tuple[bytes, dict[str, str]]:
    """The shop's own webhook for the order of `case` cancelled there, signed as the shop signs it."""
    document = json.loads(case.body)
    if case.kind == "woocommerce":
        document.update(status="cancelled", date_modified_gmt="2026-12-07T10:00:00")
        body = json.dumps(document).encode()
        return body, {
            "X-WC-Webhook-Signature": _b64(body),
            "X-WC-Webhook-Topic": "order.updated",
            "X-WC-Webhook-ID": "5",
            "X-WC-Webhook-Delivery-ID": delivery,
            "Content-Type": "application/json",
        }
    if case.kind == "shopify":
        document.update(cancelled_at="2026-12-07T11:00:00+01:00", cancel_reason="customer")
        body = json.dumps(document).encode()
        return body, {
            "X-Shopify-Hmac-Sha256": _b64(body),
            "X-Shopify-Topic": "orders/cancelled",
            "X-Shopify-Webhook-Id": delivery,
            "Content-Type": "application/json",
        }
    document["data"]["event"] = "state_enter.order.state.cancelled"
    document["data"]["payload"]["order"]["stateMachineState"]["technicalName"] = "cancelled"
    document["source"]["eventId"] = delivery
    document["timestamp"] = int(time.time())
    body = json.dumps(document).encode()
    signature = hmac.new(SHOP_SECRET.encode(), body, hashlib.sha256).hexdigest()
    return body, {"shopware-shop-signature": signature, "Content-Type": "application/json"}


def _merchant_notes(case: ShopCase) -> list[str]:
    """The merchant's notes (not the buyer's) the fake shop holds for the order, each line one note."""
    order = json.loads(case.body)
    if case.kind == "woocommerce":
        return [n["note"] for n in case.fake.notes[int(order["id"])] if not n["customer_note"]]
    if case.kind == "shopify":
        return str(case.fake.orders[f"gid://shopify/Order/{order['id']}"]["note"] or "").splitlines()
    shop_order = case.fake.orders[order["data"]["payload"]["order"]["id"]]
    return str((shop_order.get("customFields") or {}).get("uoa_note") or "").splitlines()


def _cancel_calls(sandbox: SandboxHandle) -> list[Any]:
    return [call for call in sandbox.calls.records() if call.path.endswith("/actions/cancel")]


def _xentral_status(sandbox: SandboxHandle, order_id: str) -> str:
    answer = httpx.get(f"{sandbox.base_url}/api/v1/salesOrders/{order_id}", headers=sandbox.headers, timeout=10)
    assert answer.status_code == 200, answer.text
    return str(answer.json()["data"]["status"])


def _cancel_in_the_shop(case: ShopCase) -> None:
    """The merchant (or the buyer) cancels the order in the fake shop, as the shop's webhook then reports."""
    order = json.loads(case.body)
    if case.kind == "woocommerce":
        case.fake.orders[int(order["id"])]["status"] = "cancelled"
    elif case.kind == "shopify":
        case.fake.orders[f"gid://shopify/Order/{order['id']}"]["cancelledAt"] = "2026-12-07T10:00:00Z"
    else:
        shop_order = case.fake.orders[order["data"]["payload"]["order"]["id"]]
        shop_order["stateMachineState"]["technicalName"] = "cancelled"


def _shop_cancel_writes(case: ShopCase) -> list[Any]:
    """The calls that would cancel the order in the shop (a status, `orderCancel`, the state machine's cancel)."""
    order = json.loads(case.body)
    if case.kind == "woocommerce":
        return [c for c in case.faults.calls_to("PUT", f"/orders/{order['id']}") if "cancelled" in json.dumps(c.body)]
    if case.kind == "shopify":
        return [c for c in case.faults.calls_to("POST", "/graphql.json") if "orderCancel" in json.dumps(c.body)]
    return case.faults.calls_to("POST", f"/_action/order/{order['data']['payload']['order']['id']}/state/cancel")


def _send(url: str, case: ShopCase, delivery: str) -> httpx.Response:
    _cancel_in_the_shop(case)
    body, headers = _cancel_webhook(case, delivery)
    return httpx.post(f"{url}/api/shops/{case.client}/{case.kind}", content=body, headers=headers, timeout=30)


def _order(url: str, case: ShopCase, reference: str) -> dict[str, Any]:
    auth = {"Authorization": f"Bearer {case.client}-key-0123456789"}
    answer = httpx.get(f"{url}/api/orders/{reference}", headers=auth, timeout=10)
    assert answer.status_code == 200, answer.text
    return dict(answer.json())


def _until(check: Any, what: str, seconds: float = 30) -> None:
    """Until `check()` holds (a bound on waiting, not a measured time)."""
    deadline = time.monotonic() + seconds
    while not check():
        assert time.monotonic() < deadline, what
        time.sleep(0.05)


@pytest.mark.parametrize("kind", list(CASES))
def test_a_cancellation_before_dispatch_cancels_the_sandbox_order_once(
    sandbox: SandboxHandle, tmp_path: Path, alerts: Receiver, kind: str
) -> None:
    case = CASES[kind]()
    with _service(sandbox, tmp_path, case, alerts) as url:
        reference, order_id = place(url, case)
        answer = _send(url, case, "cancel-1")
        assert answer.status_code == 200, answer.text
        assert answer.json()["outcome"] == "cancellation"
        assert answer.json()["reason"] == f"Cancellation of order '{reference}' Cancelled in Xentral"
        assert _xentral_status(sandbox, order_id) == "canceled"
        # The shop sends it again (a retry, a second topic): recorded before, Xentral not asked again.
        again = _send(url, case, "cancel-2")
        assert again.status_code == 200 and "recorded before" in again.json()["reason"]
        order = _order(url, case, reference)
        assert order["cancellation"]["outcome"] == "cancelled" and order["cancellation"]["source"] == kind
        assert order["lifecycle"]["state"] == "cancelled"
        assert [s["detail"] for s in order["steps"] if s["name"] == "shop_cancellation"] == [
            f"{kind}: Cancelled in Xentral"
        ]
        # The write-back lane tells the shop of the cancellation in Xentral like of any (on_xentral_cancel: note).
        _until(lambda: any("Cancelled in Xentral" in note for note in _merchant_notes(case)), "no note in the shop")
        time.sleep(1.0)  # more windows of the alert loop: nothing to alert
    assert [call.status for call in _cancel_calls(sandbox)] == [204]
    assert alerts.received() == []
    assert not any("NOT carried out" in note for note in _merchant_notes(case))


def _cancel_jobs(tmp_path: Path, client: str, reference: str) -> list[str]:
    """The states of the order's `cancel` write-back jobs, read from the service's database (a SQLite file)."""

    async def read() -> list[str]:
        engine = create_engine(f"sqlite+aiosqlite:///{tmp_path}/orders.db")
        try:
            jobs = await SqlWriteBackQueue(engine).jobs_of(client, reference)
        finally:
            await engine.dispose()
        return [job.state.value for job in jobs if job.kind.value == "cancel"]

    return asyncio.run(read())


def test_a_cancel_whose_answer_xentral_lost_is_read_back_and_not_sent_again(
    sandbox: SandboxHandle, tmp_path: Path, alerts: Receiver
) -> None:
    case = CASES["woocommerce"]()
    with _service(sandbox, tmp_path, case, alerts) as url:
        reference, order_id = place(url, case)
        sandbox.faults.commit_then_drop(count=1, method="POST", path=f"/api/v1/salesOrders/{order_id}/actions/cancel")
        answer = _send(url, case, "cancel-1")
        assert answer.status_code == 200, answer.text
        assert answer.json()["reason"] == f"Cancellation of order '{reference}' Cancelled in Xentral"
        order = _order(url, case, reference)
    assert _xentral_status(sandbox, order_id) == "canceled" and order["cancellation"]["outcome"] == "cancelled"
    assert len(_cancel_calls(sandbox)) == 1  # it landed; the read-back saw it, nothing was sent again


@pytest.mark.parametrize("kind", list(CASES))
def test_a_shop_cancellation_carried_out_is_not_cancelled_in_the_shop_again_under_on_xentral_cancel_cancel(
    sandbox: SandboxHandle, tmp_path: Path, alerts: Receiver, kind: str
) -> None:
    """The lane tells the shop of every cancellation in Xentral, ours too: it finds the order cancelled there."""
    case = CASES[kind]()
    with _service(sandbox, tmp_path, case, alerts, shop={"on_xentral_cancel": "cancel"}) as url:
        reference, order_id = place(url, case)
        assert "Cancelled in Xentral" in _send(url, case, "cancel-1").json()["reason"]
        _until(lambda: _cancel_jobs(tmp_path, case.client, reference) == ["done"], "the lane's cancel job not done")
        time.sleep(1.0)  # more passes of the write-back loop
        order = _order(url, case, reference)
    assert _xentral_status(sandbox, order_id) == "canceled" and order["lifecycle"]["state"] == "cancelled"
    assert _shop_cancel_writes(case) == []  # the shop had it cancelled: nothing cancelled twice
    assert case.emails() == 0


@pytest.mark.parametrize("kind", list(CASES))
def test_after_dispatch_the_sandbox_order_is_left_alone_the_operator_alerted_and_the_shop_noted(
    sandbox: SandboxHandle, tmp_path: Path, alerts: Receiver, kind: str
) -> None:
    case = CASES[kind]()
    with _service(sandbox, tmp_path, case, alerts) as url:
        reference, order_id = place(url, case)
        move(sandbox, order_id, "dispatch")
        answer = _send(url, case, "cancel-1")
        assert answer.status_code == 200, answer.text
        assert answer.json()["reason"] == (
            f"Cancellation of order '{reference}' Not cancelled in Xentral: already dispatched"
        )
        [request] = alerts.wait_for(1, timeout=15)
        _until(lambda: any("NOT carried out" in note for note in _merchant_notes(case)), "no note in the shop")
        assert _send(url, case, "cancel-2").status_code == 200  # again: no second alert, no second note
        time.sleep(1.5)  # more windows of the alert loop and passes of the write-back loop
        order = _order(url, case, reference)
    assert _xentral_status(sandbox, order_id) == "released" and _cancel_calls(sandbox) == []
    alert = Webhook(ALERT_SECRET).verify(request.body, request.headers)["data"]
    assert alert["kind"] == "shop_cancellation_not_carried_out"
    assert alert["subjects"] == [f"{case.client}/{reference}"]
    assert alert["details"] == [f"{case.client}/{reference}: {kind}: Not cancelled in Xentral: already dispatched"]
    assert len(alerts.received()) == 1
    [note] = [note for note in _merchant_notes(case) if "NOT carried out" in note]
    assert note.startswith("Cancellation NOT carried out in Xentral (Xentral order ")
    assert "already dispatched" in note
    assert order["cancellation"]["outcome"] == "not_cancelled_dispatched"
    assert order["cancellation"]["detail"] == "Not cancelled in Xentral: already dispatched"


def test_a_changed_address_of_an_order_we_hold_is_recorded_and_not_sent_to_xentral(
    sandbox: SandboxHandle, tmp_path: Path, alerts: Receiver
) -> None:
    case = CASES["woocommerce"]()
    with _service(sandbox, tmp_path, case, alerts) as url:
        reference, order_id = place(url, case)
        document = copy.deepcopy(json.loads(case.body))
        document["shipping"]["address_1"] = "Neue Straße 2"
        body = json.dumps(document).encode()
        headers = {**case.headers, "X-WC-Webhook-Signature": _b64(body), "X-WC-Webhook-Delivery-ID": "changed-1"}
        headers["X-WC-Webhook-Topic"] = "order.updated"
        for delivery in ("changed-1", "changed-2"):  # delivered twice: recorded once
            headers["X-WC-Webhook-Delivery-ID"] = delivery
            answer = httpx.post(f"{url}/api/shops/woo/woocommerce", content=body, headers=headers, timeout=30)
            assert answer.status_code == 200 and answer.json()["outcome"] == "duplicate", answer.text
        assert "Neue Straße 2" in answer.json()["reason"] and "not sent to Xentral" in answer.json()["reason"]
        order = _order(url, case, reference)
    [change] = order["shop_changes"]
    [line] = change["changes"]
    assert line.startswith("shipping address: ") and line.endswith("Neue Straße 2, 94103, San Francisco, CA, US")
    writes = [c for c in sandbox.calls.records() if c.method in ("PATCH", "PUT") and order_id in c.path]
    assert writes == []


def test_the_order_page_shows_the_cancellation_not_carried_out_and_why_and_the_shops_change(
    sandbox: SandboxHandle, tmp_path: Path, alerts: Receiver
) -> None:
    case = CASES["shopify"]()
    with (
        _service(sandbox, tmp_path, case, alerts, admin_api_key=ADMIN_KEY) as url,
        httpx.Client(base_url=url, timeout=30) as operator,
    ):
        reference, order_id = place(url, case)
        changed = json.loads(case.body)
        changed["shipping_address"]["address1"] = "1 Changed Road"
        body = json.dumps(changed).encode()
        headers = {**case.headers, "X-Shopify-Hmac-Sha256": _b64(body), "X-Shopify-Topic": "orders/updated"}
        headers["X-Shopify-Webhook-Id"] = "changed-1"
        assert httpx.post(f"{url}/api/shops/{case.client}/shopify", content=body, headers=headers).status_code == 200
        move(sandbox, order_id, "dispatch")
        move(sandbox, order_id, "ship", {"trackingNumber": "E2E-CANCEL", "carrier": "DHL"})
        # Dispatched or shipped, whichever our lifecycle or Xentral's read saw first: Xentral is not touched.
        reason = _send(url, case, "cancel-1").json()["reason"]
        why = reason.removeprefix(f"Cancellation of order '{reference}' ")
        assert why in ("Not cancelled in Xentral: already dispatched", "Not cancelled in Xentral: already shipped")
        assert sign_in(operator).status_code == 303
        journal = operator.get("/console/", params={"q": reference})
        found = re.search(
            r'href="/console/orders/(\d+)" class="order-link">' + re.escape(reference) + "<", journal.text
        )
        assert found, journal.text
        page = operator.get(f"/console/orders/{found.group(1)}").text
    assert "Cancellation by the shop" in page and "Not carried out: Xentral was not changed" in page
    assert f'id="cancellation-detail">{why}<' in page
    assert "shopify (customer)" in page  # who asked, with the shop's reason
    assert "Changes in the shop" in page and "1 Changed Road" in page
    assert "shop_cancellation" in page and "shop_change" in page  # the steps
