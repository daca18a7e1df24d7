"""Reasons where the eye is: the journal shows a failure's text beside its code, the failed order's page its
pointers, its retryability and the totals line table stored with it, each code linked to what it means."""

from __future__ import annotations

import re

import httpx

from tests.support.orders import order_body

from .conftest import sign_in


def order_page(operator: httpx.Client, reference: str) -> str:
    journal = operator.get("/console/", params={"q": reference}).text
    [attempt_id] = re.findall(r'href="/console/orders/(\d+)" class="order-link"', journal)
    return operator.get(f"/console/orders/{attempt_id}").text


def test_the_journal_and_the_order_page_say_why_an_order_failed(console_url: str, api: httpx.Client) -> None:
    unknown = order_body(items=[{"sku": "ART-001", "quantity": 1}, {"sku": "ART-777", "quantity": 1}])
    assert api.post("/api/orders", json=unknown).status_code == 422
    mismatch = order_body(expected_total="1.00")
    refused = api.post("/api/orders", json=mismatch)
    assert refused.status_code == 422 and refused.json()["code"] == "total_mismatch", refused.text

    status = api.get(f"/api/orders/{unknown['reference']}").json()
    assert status["error"]["errors"] == [
        {"pointer": "/items/1/sku", "code": "item_not_found", "detail": "Item ART-777 not found"}
    ]
    assert status["error"]["retryable"] is False

    with httpx.Client(base_url=console_url, timeout=30) as operator:
        assert sign_in(operator).status_code == 303
        journal = operator.get("/console/", params={"q": unknown["reference"]}).text
        assert '<a class="problem-code" href="/problems/order_invalid"' in journal
        assert "Item ART-777 not found" in journal

        page = order_page(operator, unknown["reference"])
        pointers = page[page.index('id="error-pointers"') :]
        assert "/items/1/sku" in pointers and "item_not_found" in pointers and "Item ART-777 not found" in pointers
        assert "fails the same way" in page

        page = order_page(operator, mismatch["reference"])
        lines = page[page.index('id="error-totals-lines"') : page.index('id="error-totals"')]
        assert "/items/0" in lines and "Total" in lines
        assert re.search(r"Expected \(shop\): <strong>1\.00</strong>", page)
        assert operator.get("/problems/total_mismatch").status_code == 200
