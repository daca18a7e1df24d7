"""`Prefer: dry-run`: every read and check, nothing written, and the payload a real run then sends."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx

from tests.support.orders import customer_count, order_body, order_count, orders_with_reference
from tests.support.servers import running_service
from tests.support.service import API_KEY, service_settings
from unified_order_api.config import ApiClient
from xentral_sandbox.testing import SandboxHandle

DRY_RUN = {"Prefer": "dry-run"}
IMPORT = "POST /api/v1/salesOrders/actions/import"
CREATE_CUSTOMER = "POST /api/v2/customers"


def _writes(sandbox: SandboxHandle) -> list[str]:
    return [f"{r.method} {r.path}" for r in sandbox.calls.records() if r.method != "GET"]


def test_a_dry_run_writes_nothing_and_shows_what_the_real_run_sends(api: httpx.Client, sandbox: SandboxHandle) -> None:
    body = order_body(items=[{"sku": "ART-001", "quantity": 2, "price": "17.50"}, {"sku": "ART-002", "quantity": 1}])
    customers, orders = customer_count(sandbox), order_count(sandbox)

    dry = api.post("/api/orders", json=body, headers=DRY_RUN)

    assert dry.status_code == 200, dry.text
    assert dry.headers["preference-applied"] == "dry-run"
    assert "location" not in dry.headers
    preview = dry.json()
    assert preview["dry_run"] is True and preview["outcome"] == "create"
    assert preview["customer"]["would_create"] is True and preview["customer"]["id"] is None
    assert body["customer"]["email"] in str(preview["customer"]["payload"])
    assert [(line["sku"], line["product_id"], line["quantity"]) for line in preview["lines"]] == [
        ("ART-001", "1", "2"),
        ("ART-002", "2", "1"),
    ]
    assert preview["lines"][0]["price"] == {"amount": "17.50", "currency": "EUR"}
    assert (preview["shipping_method_id"], preview["payment_method_id"], preview["project_id"]) == ("1", "2", "1")
    # Nothing written: no write reached Xentral, nothing was created there, and the store has no record.
    assert _writes(sandbox) == []
    assert (customer_count(sandbox), order_count(sandbox)) == (customers, orders)
    assert api.get(f"/api/orders/{body['reference']}").status_code == 404

    real = api.post("/api/orders", json=body)
    assert real.status_code == 201, real.text
    [sent_customer] = sandbox.calls.bodies(CREATE_CUSTOMER)
    [sent_import] = sandbox.calls.bodies(IMPORT)
    assert sent_customer == preview["customer"]["payload"]
    # The one thing the dry run cannot know is the id the new customer gets.
    expected = dict(preview["import_payload"], customer={"id": real.json()["customer"]["id"]})
    assert preview["import_payload"]["customer"] == {"id": ""}
    assert sent_import == expected


def test_for_a_known_customer_the_payload_is_exactly_the_one_sent(api: httpx.Client, sandbox: SandboxHandle) -> None:
    body = order_body(transaction_id="TX-9", payment_status="paid", internal_note="Gift wrap")
    body["customer"]["email"] = "max@example.com"

    preview = api.post("/api/orders", json=body, headers=DRY_RUN).json()
    assert preview["customer"] == {"id": "1", "number": "10000", "would_create": False, "payload": None}
    assert _writes(sandbox) == []

    assert api.post("/api/orders", json=body).status_code == 201
    assert sandbox.calls.bodies(IMPORT) == [preview["import_payload"]]


def test_a_dry_run_refuses_what_the_real_run_refuses(api: httpx.Client, sandbox: SandboxHandle) -> None:
    body = order_body(items=[{"sku": "ART-999", "quantity": 1}], shipping="carrier_pigeon")
    dry = api.post("/api/orders", json=body, headers=DRY_RUN)
    real = api.post("/api/orders", json=body)
    assert dry.status_code == real.status_code == 422
    assert dry.json()["errors"] == real.json()["errors"]
    assert _writes(sandbox) == []


def test_a_dry_run_after_the_order_says_it_would_be_replayed(api: httpx.Client, sandbox: SandboxHandle) -> None:
    body = order_body()
    created = api.post("/api/orders", json=body).json()
    sandbox.calls.clear()
    preview = api.post("/api/orders", json=body, headers=DRY_RUN).json()
    assert preview["outcome"] == "replay"
    assert preview["order"] == created
    assert len(sandbox.calls) == 0
    changed = dict(body, internal_note="another body under the same reference")
    reused = api.post("/api/orders", json=changed, headers=DRY_RUN)
    assert reused.status_code == 422 and reused.json()["code"] == "idempotency_key_reused"


def test_a_dry_run_finds_an_order_xentral_already_has(api: httpx.Client, sandbox: SandboxHandle) -> None:
    body = order_body()
    made_elsewhere = api.post("/api/orders", json=body).json()
    other = httpx.Client(base_url=str(api.base_url), headers={"Authorization": f"Bearer {API_KEY}"}, timeout=30)
    with other:
        # Same reference under another key: the store has no record for it, but Xentral has the order.
        preview = other.post("/api/orders", json=body, headers={**DRY_RUN, "Idempotency-Key": "fresh-key-1"}).json()
    assert preview["outcome"] == "existing"
    assert preview["existing_order"]["id"] == made_elsewhere["order_id"]
    assert preview["import_payload"] is None
    assert len(orders_with_reference(sandbox, body["reference"])) == 1


def test_a_dry_run_is_answered_at_once_even_for_an_async_client(sandbox: SandboxHandle, tmp_path: Path) -> None:
    settings = service_settings(
        sandbox, tmp_path, clients=[ApiClient(name="shop", api_key=API_KEY, respond_async=True)]
    )
    body: dict[str, Any] = order_body()
    with running_service(settings) as url:
        dry = httpx.post(
            f"{url}/api/orders", json=body, headers={"X-API-Key": API_KEY, "Prefer": "respond-async, dry-run"}
        )
        status = httpx.get(f"{url}/api/orders/{body['reference']}", headers={"X-API-Key": API_KEY})
    assert dry.status_code == 200, dry.text
    assert dry.headers["preference-applied"] == "dry-run"
    assert status.status_code == 404  # not queued either
    assert _writes(sandbox) == []


MONEY_PRODUCTS = {"shipping_cost_product_id": "453", "discount_product_id": "99", "fee_product_id": "454"}


def test_a_dry_run_runs_the_money_check_and_its_payload_carries_the_money(
    sandbox: SandboxHandle, tmp_path: Path
) -> None:
    settings = service_settings(sandbox, tmp_path, defaults=MONEY_PRODUCTS)
    body = order_body(
        items=[{"sku": "ART-001", "quantity": 2, "price": "19.99"}, {"sku": "BOOK-001", "quantity": 1}],
        shipping_costs=[{"name": "DHL", "amount": "4.90"}],
        discounts=[{"name": "TENOFF", "amount": "10.00"}],
    )
    body["customer"]["email"] = "max@example.com"
    with running_service(settings) as url, httpx.Client(base_url=url, headers={"X-API-Key": API_KEY}) as api:
        wrong = api.post("/api/orders", json={**body, "expected_total": "90.00"}, headers=DRY_RUN)
        assert wrong.status_code == 422 and wrong.json()["code"] == "total_mismatch"

        right = api.post("/api/orders", json={**body, "expected_total": "59.87"}, headers=DRY_RUN)
        assert right.status_code == 200, right.text
        preview = right.json()
        assert (preview["totals"]["gross"], preview["totals"]["expected"]) == ("59.87", "59.87")
        assert preview["totals"]["matches"] is not False and preview["warnings"] == []
        assert _writes(sandbox) == []

        real = api.post("/api/orders", json={**body, "expected_total": "59.87"})
        assert real.status_code == 201, real.text
    [sent] = sandbox.calls.bodies(IMPORT)
    assert sent == preview["import_payload"]
    assert [cost["shippingCostProduct"]["id"] for cost in sent["delivery"]["shippingCosts"]] == ["453"]
    assert len(sent["discountPositions"]) == 1


def test_a_client_may_flag_instead_of_refuse_and_the_dry_run_says_so(sandbox: SandboxHandle, tmp_path: Path) -> None:
    shop = ApiClient.model_validate({"name": "shop", "api_key": API_KEY, "totals": {"on_mismatch": "flag"}})
    settings = service_settings(sandbox, tmp_path, defaults=MONEY_PRODUCTS, clients=[shop])
    body = order_body(items=[{"sku": "ART-001", "quantity": 1, "price": "19.99"}], expected_total="25.00")
    with running_service(settings) as url, httpx.Client(base_url=url, headers={"X-API-Key": API_KEY}) as api:
        preview = api.post("/api/orders", json=body, headers=DRY_RUN)
    assert preview.status_code == 200, preview.text
    assert preview.json()["totals"]["matches"] is False
    assert preview.json()["warnings"]
    assert _writes(sandbox) == []
