"""Xentral failures the caller cannot fix: a 400 on a read is our fault or Xentral's (502, not
"your order is invalid"), configuration errors say so, and every 5xx says whether retrying helps."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from tests.support.orders import customer_count, order_body, order_count
from tests.support.servers import running_service
from tests.support.service import API_KEY, service_settings
from xentral_sandbox.testing import SandboxHandle


@pytest.mark.parametrize(
    "path", ["/api/v2/products", "/api/v2/customers", "/api/v1/salesOrders", "/api/v1/shippingMethods"]
)
def test_a_400_on_a_read_is_a_502_not_an_invalid_order(api: httpx.Client, sandbox: SandboxHandle, path: str) -> None:
    before = customer_count(sandbox), order_count(sandbox)
    sandbox.faults.server_error(status=400, count=None, method="GET", path=path)
    response = api.post("/api/orders", json=order_body())
    assert response.status_code == 502, response.text
    problem = response.json()
    assert problem["code"] == "xentral_rejected_request"
    assert problem["retryable"] is False and "retry-after" not in response.headers
    assert "not of the order" in problem["detail"]
    assert (customer_count(sandbox), order_count(sandbox)) == before


def test_a_400_on_the_import_is_still_xentral_rejecting_the_order(api: httpx.Client, sandbox: SandboxHandle) -> None:
    sandbox.faults.server_error(status=400, count=None, method="POST", path="/api/v1/salesOrders/actions/import")
    response = api.post("/api/orders", json=order_body())
    assert response.status_code == 422, response.text
    assert response.json()["code"] == "xentral_rejected"


def test_a_404_from_xentral_is_a_configuration_error(sandbox: SandboxHandle, tmp_path: Path) -> None:
    settings = service_settings(sandbox, tmp_path, xentral_url=sandbox.base_url + "/wrong-prefix")
    with running_service(settings) as url:
        response = httpx.post(f"{url}/api/orders", json=order_body(), headers={"X-API-Key": API_KEY}, timeout=30)
    assert response.status_code == 502, response.text
    problem = response.json()
    assert problem["code"] == "xentral_misconfigured"
    assert problem["retryable"] is False and "retry-after" not in response.headers
    assert "configuration error" in problem["detail"]


def test_access_denied_says_retrying_will_not_help(sandbox: SandboxHandle, tmp_path: Path) -> None:
    settings = service_settings(sandbox, tmp_path, xentral_token="expired-token")
    with running_service(settings) as url:
        response = httpx.post(f"{url}/api/orders", json=order_body(), headers={"X-API-Key": API_KEY}, timeout=30)
    assert response.status_code == 502
    assert response.json()["retryable"] is False
    assert "configuration error" in response.json()["detail"]


@pytest.mark.parametrize(("status", "answer"), [(503, 502), (502, 502)])
def test_a_transient_xentral_failure_says_retrying_helps(
    api: httpx.Client, sandbox: SandboxHandle, status: int, answer: int
) -> None:
    sandbox.faults.server_error(status=status, count=None, method="GET", path="/api/v2/products")
    response = api.post("/api/orders", json=order_body())
    assert response.status_code == answer, response.text
    assert response.json()["retryable"] is True
    assert int(response.headers["retry-after"]) >= 1
