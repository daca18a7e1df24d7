"""Each client its own settings: defaults, code maps, customer policy and upstream check over the global ones."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx

from tests.support.orders import customer_count, order_body, orders_with_reference
from tests.support.servers import running_service
from tests.support.service import service_settings
from unified_order_api.config import ApiClient, Settings
from xentral_sandbox.testing import SandboxHandle

WOO_KEY = "woo-key-0123456789"
AMAZON_KEY = "amazon-key-0123456789"


def _two_shops(sandbox: SandboxHandle, tmp_path: Path, **overrides: Any) -> Settings:
    """Global settings as an operator writes them, and two clients that differ from them and each other."""
    woo = ApiClient.model_validate(
        {
            "name": "woo",
            "api_key": WOO_KEY,
            "reference_prefix": "WOO-",
            "defaults": {"project_id": "4", "sales_channel_id": "1"},
            "shipping_map": {"standard": "4"},  # DPD for this shop
        }
    )
    amazon = ApiClient.model_validate(
        {
            "name": "amazon",
            "api_key": AMAZON_KEY,
            "reference_prefix": "AMZ-",
            "defaults": {"payment_method_id": "6", "shipping_method_id": "2", "auto_shipping": True},
            "payment_map": {"PayPal": "3"},  # this middleware's "paypal" means prepayment here
            "customers": {"create_missing": False},
            "idempotency": {"upstream_check": "when_unsure"},
        }
    )
    return service_settings(
        sandbox,
        tmp_path,
        clients=[woo, amazon],
        defaults={"project_id": "1"},
        shipping_map={"standard": "1"},
        payment_map={"paypal": "2"},
        **overrides,
    )


def _post(url: str, key: str, body: dict[str, Any]) -> httpx.Response:
    return httpx.post(f"{url}/api/orders", json=body, headers={"X-API-Key": key}, timeout=30)


def test_two_clients_get_their_own_project_methods_and_channel(sandbox: SandboxHandle, tmp_path: Path) -> None:
    with running_service(_two_shops(sandbox, tmp_path)) as url:
        woo_body = order_body(shipping="standard", payment="paypal")
        amazon_body = order_body(shipping=None, payment="paypal")
        amazon_body["customer"]["email"] = "max@example.com"  # an existing customer: this client may not create
        amazon_defaulted = order_body(shipping=None, payment=None)
        amazon_defaulted["customer"]["email"] = "info@beispiel.de"
        woo = _post(url, WOO_KEY, woo_body)
        amazon = _post(url, AMAZON_KEY, amazon_body)
        defaulted = _post(url, AMAZON_KEY, amazon_defaulted)
    assert (woo.status_code, amazon.status_code, defaulted.status_code) == (201, 201, 201), (
        woo.text + amazon.text + defaulted.text
    )

    [woo_order] = orders_with_reference(sandbox, "WOO-" + woo_body["reference"])
    assert woo_order["project"]["id"] == "4"  # the client's project, not the global "1"
    assert woo_order["delivery"]["shippingMethod"]["id"] == "4"  # the client's map wins
    assert woo_order["financials"]["paymentMethod"]["id"] == "2"  # the global map still applies
    assert woo_order["salesChannel"]["id"] == "1"

    [amazon_order] = orders_with_reference(sandbox, "AMZ-" + amazon_body["reference"])
    assert amazon_order["project"]["id"] == "1"  # the global project
    assert amazon_order["financials"]["paymentMethod"]["id"] == "3"
    assert amazon_order["delivery"]["shippingMethod"]["id"] == "2"  # the client's default
    assert "salesChannel" not in amazon_order or amazon_order["salesChannel"] is None

    [defaulted_order] = orders_with_reference(sandbox, "AMZ-" + amazon_defaulted["reference"])
    assert defaulted_order["financials"]["paymentMethod"]["id"] == "6"
    assert defaulted_order["delivery"]["shippingMethod"]["id"] == "2"


def test_customer_policy_per_client(sandbox: SandboxHandle, tmp_path: Path) -> None:
    with running_service(_two_shops(sandbox, tmp_path)) as url:
        before = customer_count(sandbox)
        refused = _post(url, AMAZON_KEY, order_body(shipping=None))
        assert refused.status_code == 422, refused.text
        assert refused.json()["code"] == "customer_not_found"
        assert customer_count(sandbox) == before
        created = _post(url, WOO_KEY, order_body(shipping="standard"))
        assert created.status_code == 201, created.text
        assert created.json()["customer"]["created"] is True
        assert customer_count(sandbox) == before + 1


def test_upstream_check_per_client(sandbox: SandboxHandle, tmp_path: Path) -> None:
    """`when_unsure` saves the duplicate check (a sales-order list call before the import) for this client only."""
    lookup = "GET /api/v1/salesOrders"
    import_call = "POST /api/v1/salesOrders/actions/import"

    def lists_before_import() -> int:
        operations = [record.operation for record in sandbox.calls.records()]
        return operations[: operations.index(import_call)].count(lookup)

    with running_service(_two_shops(sandbox, tmp_path)) as url:
        amazon_body = order_body(shipping=None)
        amazon_body["customer"]["email"] = "max@example.com"
        sandbox.calls.clear()
        assert _post(url, AMAZON_KEY, amazon_body).status_code == 201
        amazon_checks = lists_before_import()
        sandbox.calls.clear()
        assert _post(url, WOO_KEY, order_body(shipping="standard")).status_code == 201
        woo_checks = lists_before_import()
    assert (amazon_checks, woo_checks) == (0, 1)
