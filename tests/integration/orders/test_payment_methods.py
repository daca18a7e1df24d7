"""The payment method by code and status, against the sandbox: Xentral holds an order on a prepayment
method until a payment is matched (its `prepaidOk` light), so a prepayment order already paid goes on
the method that does not hold it. The status itself stays in the internal comment."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.support.orders import order_body, orders_with_reference
from tests.support.servers import running_service
from tests.support.service import API_KEY, service_settings
from xentral_sandbox.testing import SandboxHandle

# Seed: 1 invoice, 2 PayPal, 3 Vorkasse (prepayment).
PAYMENT_MAP = {"paypal": "2", "prepayment": {"paid": "2", "*": "3"}, "invoice": {"pending": "1"}}


@pytest.fixture
def api(sandbox: SandboxHandle, tmp_path: Path) -> Iterator[httpx.Client]:
    settings = service_settings(sandbox, tmp_path, payment_map=PAYMENT_MAP)
    with (
        running_service(settings) as url,
        httpx.Client(base_url=url, headers={"Authorization": f"Bearer {API_KEY}"}, timeout=30) as client,
    ):
        yield client


@pytest.mark.parametrize(
    ("status", "method", "held"),
    [("paid", "2", False), ("pending", "3", True), (None, "3", True)],
)
def test_a_prepayment_order_gets_its_method_by_status(
    status: str | None, method: str, held: bool, api: httpx.Client, sandbox: SandboxHandle
) -> None:
    body = order_body(payment="prepayment", **({"payment_status": status} if status else {}))
    response = api.post("/api/orders", json=body)
    assert response.status_code == 201, response.text
    [order] = orders_with_reference(sandbox, body["reference"])
    assert order["financials"]["paymentMethod"]["id"] == method
    assert ("awaiting_prepayment" in response.json()["held_reasons"]) is held
    assert (f"Payment status: {status}" in order["comment"]) is (status is not None)


def test_a_status_the_code_is_not_mapped_for_is_refused_before_anything_is_written(
    api: httpx.Client, sandbox: SandboxHandle
) -> None:
    body = order_body(payment="invoice", payment_status="paid")
    response = api.post("/api/orders", json=body)
    assert response.status_code == 422, response.text
    [error] = response.json()["errors"]
    assert (error["pointer"], error["code"]) == ("/payment", "unknown_payment_method")
    assert "pending only" in error["detail"]
    assert orders_with_reference(sandbox, body["reference"]) == []


def test_a_plain_code_is_mapped_as_before(api: httpx.Client, sandbox: SandboxHandle) -> None:
    body = order_body(payment="paypal", payment_status="authorized")
    assert api.post("/api/orders", json=body).status_code == 201
    [order] = orders_with_reference(sandbox, body["reference"])
    assert order["financials"]["paymentMethod"]["id"] == "2"
