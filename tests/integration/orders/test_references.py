"""References as callers send them: two clients never share one, and path segments are refused."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from tests.support.orders import order_body, orders_with_reference
from tests.support.processes import serve_refusal
from tests.support.servers import running_service
from tests.support.service import API_KEY, OTHER_KEY, service_settings
from unified_order_api.bootstrap import ConfigurationError, check_production_settings
from unified_order_api.config import ApiClient
from xentral_sandbox.testing import SandboxHandle


@pytest.mark.parametrize(
    ("prefixes", "named"),
    [
        (("", ""), "shop, other"),
        (("AMZ-", ""), "other"),
        (("AMZ-", "AMZ-"), "shop and other"),
        (("AMZ-", "AMZ-X"), "shop and other"),  # AMZ-X1 would belong to both
    ],
)
def test_several_clients_without_distinct_prefixes_refuse_to_start(
    sandbox: SandboxHandle, tmp_path: Path, prefixes: tuple[str, str], named: str
) -> None:
    clients = [
        ApiClient(name="shop", api_key=API_KEY, reference_prefix=prefixes[0]),
        ApiClient(name="other", api_key=OTHER_KEY, reference_prefix=prefixes[1]),
    ]
    with pytest.raises(ConfigurationError, match="reference") as refused:
        check_production_settings(service_settings(sandbox, tmp_path, clients=clients))
    assert named in str(refused.value)


def test_serve_names_the_clients_without_prefix(tmp_path: Path) -> None:
    clients = '[{"name": "amazon", "api_key": "amazon-key-012345"}, {"name": "woo", "api_key": "woo-key-0123456789", '
    clients += '"reference_prefix": "W-"}]'
    result = serve_refusal(tmp_path, UOA_XENTRAL_URL="http://127.0.0.1:1", UOA_XENTRAL_TOKEN="t", UOA_CLIENTS=clients)
    assert result.returncode == 2
    assert "reference_prefix" in result.stderr and "amazon" in result.stderr and "woo" not in result.stderr


def test_same_reference_from_two_clients_makes_two_orders(sandbox: SandboxHandle, tmp_path: Path) -> None:
    clients = [
        ApiClient(name="shop", api_key=API_KEY, reference_prefix="S-"),
        ApiClient(name="other", api_key=OTHER_KEY, reference_prefix="O-"),
    ]
    body = order_body()
    with running_service(service_settings(sandbox, tmp_path, clients=clients)) as url:
        first = httpx.post(f"{url}/api/orders", json=body, headers={"X-API-Key": API_KEY}, timeout=30)
        second = httpx.post(f"{url}/api/orders", json=body, headers={"X-API-Key": OTHER_KEY}, timeout=30)
    assert (first.status_code, second.status_code) == (201, 201)
    assert first.json()["outcome"] == second.json()["outcome"] == "created"
    assert first.json()["order_id"] != second.json()["order_id"]
    reference = body["reference"]
    assert [o["id"] for o in orders_with_reference(sandbox, f"S-{reference}")] == [first.json()["order_id"]]
    assert [o["id"] for o in orders_with_reference(sandbox, f"O-{reference}")] == [second.json()["order_id"]]


@pytest.mark.parametrize("reference", [".", "..", " .. "])
def test_dot_references_are_refused(api: httpx.Client, sandbox: SandboxHandle, reference: str) -> None:
    response = api.post("/api/orders", json=order_body(reference=reference))
    assert response.status_code == 422
    assert [e["pointer"] for e in response.json()["errors"]] == ["/reference"]
    assert orders_with_reference(sandbox, reference.strip()) == []


@pytest.mark.parametrize("reference", ["...", ".a", "..b", "a.", "SHOP.1"])
def test_references_with_dots_are_fine(api: httpx.Client, sandbox: SandboxHandle, reference: str) -> None:
    response = api.post("/api/orders", json=order_body(reference=reference))
    assert response.status_code == 201, response.text
    assert api.get(f"/api/orders/{reference}").json()["state"] == "completed"
    assert len(orders_with_reference(sandbox, reference)) == 1


def test_openapi_says_when_shipping_and_payment_may_be_null(api: httpx.Client) -> None:
    schema = api.get("/openapi.json").json()["components"]["schemas"]["OrderRequest"]["properties"]
    assert "UOA_DEFAULTS__SHIPPING_METHOD_ID" in schema["shipping"]["description"]
    assert "UOA_DEFAULTS__PAYMENT_METHOD_ID" in schema["payment"]["description"]
    assert "422" in schema["shipping"]["description"] and "422" in schema["payment"]["description"]


def test_existing_answer_never_carries_another_clients_order(sandbox: SandboxHandle, tmp_path: Path) -> None:
    """Client `amazon` is replaced by `woo` (same database, no prefix): woo sending amazon's
    reference must not be answered with amazon's order."""
    body = order_body()
    database = {"database_url": f"sqlite+aiosqlite:///{tmp_path}/shared.db"}
    first = [ApiClient(name="amazon", api_key=API_KEY)]
    with running_service(service_settings(sandbox, tmp_path, clients=first, **database)) as url:
        made = httpx.post(f"{url}/api/orders", json=body, headers={"X-API-Key": API_KEY}, timeout=30)
    assert made.status_code == 201, made.text
    second = [ApiClient(name="woo", api_key=OTHER_KEY)]
    with running_service(service_settings(sandbox, tmp_path, clients=second, **database)) as url:
        answer = httpx.post(f"{url}/api/orders", json=body, headers={"X-API-Key": OTHER_KEY}, timeout=30)
    assert answer.status_code == 409, answer.text
    assert answer.json()["code"] == "reference_taken"
    order = made.json()
    for secret in (order["order_id"], order["order_number"], order["customer"]["id"]):
        assert f'"{secret}"' not in answer.text
    assert len(orders_with_reference(sandbox, body["reference"])) == 1
