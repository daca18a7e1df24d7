"""An accepted order keeps the body it arrived with (masked and capped as the inbox keeps one) beside the
normalised request, for `POST /api/orders` and a shop's webhook, and the order page shows both."""

from __future__ import annotations

import html
import json
import re
from pathlib import Path

import httpx

from tests.support.orders import order_body
from tests.support.servers import running_service
from tests.support.service import API_KEY
from xentral_sandbox.testing import SandboxHandle

from .conftest import sign_in
from .test_inbox import finished, shop_sandbox, woo_headers, woo_order, woo_settings

__all__ = ["shop_sandbox"]  # the module's sandbox fixture, shared with the inbox's tests


def order_page(web: httpx.Client, reference: str) -> str:
    journal = web.get("/console/", params={"q": reference}).text
    [attempt_id] = set(re.findall(r'href="/console/orders/(\d+)"', journal))
    page = web.get(f"/console/orders/{attempt_id}")
    assert page.status_code == 200
    return page.text


def block(page: str, element_id: str) -> str:
    found = re.search(rf'id="{element_id}"[^>]*>(.*?)</pre>', page, re.S)
    assert found, f"no #{element_id} on the page"
    return html.unescape(found.group(1))


def test_the_order_page_shows_the_body_as_received_beside_the_normalised_request(
    shop_sandbox: SandboxHandle, tmp_path: Path
) -> None:
    body = order_body()
    body["custom_fields"] = {"card_number": "4111 1111 1111 1111", "note": "paid with 4111111111111111"}
    raw = json.dumps(body, indent=4).encode()  # as a caller may send it: indented, amounts as numbers
    fixed = woo_settings(shop_sandbox, tmp_path, ["sku", "product_id"])
    with running_service(fixed) as url, httpx.Client(base_url=url, timeout=30) as web:
        headers = {"Authorization": f"Bearer {API_KEY}", "Content-Type": "application/json"}
        created = web.post("/api/orders", content=raw, headers=headers)
        assert created.status_code == 201, created.text
        queued = order_body()
        async_raw = json.dumps(queued).encode()
        accepted = web.post("/api/orders", content=async_raw, headers={**headers, "Prefer": "respond-async"})
        assert accepted.status_code == 202, accepted.text
        shop_raw = woo_order()
        arrived = web.post("/api/shops/woo/woocommerce", content=shop_raw, headers=woo_headers(shop_raw))
        assert arrived.status_code == 202, arrived.text
        assert finished(web, "727", "woo-key-0123456789")["state"] == "completed"
        finished(web, queued["reference"], API_KEY)

        assert sign_in(web).status_code == 303
        page = order_page(web, body["reference"])
        assert "As received" in page and "Normalised request" in page
        received = json.loads(block(page, "received-body"))
        assert received["custom_fields"] == {"card_number": "••••••", "note": "paid with ••••••"}
        assert received["items"] == body["items"]  # what the caller wrote, not the normalised lines
        assert "4111" not in page
        assert f"{len(raw)} bytes as they arrived" in page
        number = re.search(r'id="customer-number">([^<]*)<', page)
        assert number and number.group(1) not in ("", "—")  # the created customer's number is shown
        normalised = block(page, "request-json")
        assert json.loads(normalised)["reference"] == body["reference"]

        queued_page = order_page(web, queued["reference"])
        assert json.loads(block(queued_page, "received-body"))["customer"] == queued["customer"]

        shop_page = order_page(web, "727")
        shop_received = json.loads(block(shop_page, "received-body"))
        assert shop_received == json.loads(shop_raw)  # the shop's own JSON (nothing in it is secret)
        assert f"{len(shop_raw)} bytes as they arrived" in shop_page
        assert "line_items" not in block(shop_page, "request-json")  # the normalised request is ours


def test_a_body_above_the_inbox_cap_is_kept_cut_off(shop_sandbox: SandboxHandle, tmp_path: Path) -> None:
    body = order_body(internal_note="x" * 1500)
    raw = json.dumps(body).encode()
    settings = woo_settings(shop_sandbox, tmp_path, None, inbox={"max_body_bytes": 1024})
    with running_service(settings) as url, httpx.Client(base_url=url, timeout=30) as web:
        created = web.post(
            "/api/orders", content=raw, headers={"X-API-Key": API_KEY, "Content-Type": "application/json"}
        )
        assert created.status_code == 201, created.text
        assert sign_in(web).status_code == 303
        page = order_page(web, body["reference"])
        assert f"{len(raw)} bytes as they arrived, kept cut off" in page
        assert len(block(page, "received-body").encode()) <= 1024
