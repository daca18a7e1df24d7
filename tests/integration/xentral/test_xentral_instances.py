"""Several Xentral instances in one deployment: each client's calls go to its own, limited, cached and checked apart."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from tests.support.orders import customer_count, order_body, orders_with_reference
from tests.support.servers import running_service
from unified_order_api.config import ApiClient, Settings
from xentral_sandbox.config import SandboxConfig
from xentral_sandbox.testing import SandboxHandle, running_sandbox

WOO_KEY = "woo-key-0123456789"
AMAZON_KEY = "amazon-key-0123456789"


@pytest.fixture(scope="module")
def second_sandbox_session() -> Iterator[SandboxHandle]:
    with running_sandbox(SandboxConfig(rate_limit=None, token="second-instance-token")) as handle:
        yield handle


@pytest.fixture
def second_sandbox(second_sandbox_session: SandboxHandle) -> SandboxHandle:
    second_sandbox_session.reset()
    return second_sandbox_session


def _settings(first: SandboxHandle, second: SandboxHandle, tmp_path: Path, **instance: Any) -> Settings:
    """woo on the default instance (`xentral_url`), amazon on a named one."""
    return Settings(
        xentral_url=first.base_url,
        xentral_token=first.token,
        xentral_timeout_seconds=2.0,
        xentral_instances={"marketplace": {"url": second.base_url, "token": second.token, **instance}},
        database_url=f"sqlite+aiosqlite:///{tmp_path}/orders.db",
        clients=[
            ApiClient(name="woo", api_key=WOO_KEY, reference_prefix="WOO-"),
            ApiClient.model_validate(
                {"name": "amazon", "api_key": AMAZON_KEY, "reference_prefix": "AMZ-", "xentral": "marketplace"}
            ),
        ],
        shipping_map={"dhl_standard": "1"},
        payment_map={"paypal": "2"},
        log_json=False,
    )


def _post(url: str, key: str, body: dict[str, Any]) -> httpx.Response:
    return httpx.post(f"{url}/api/orders", json=body, headers={"X-API-Key": key}, timeout=30)


def test_each_instance_receives_only_its_clients_calls(
    sandbox: SandboxHandle, second_sandbox: SandboxHandle, tmp_path: Path
) -> None:
    # The same SKU has another id in the second instance: a product id cached from the first must not be used.
    with second_sandbox.state.lock:
        moved = second_sandbox.state.products.pop("1")
    second_sandbox.state.add_product({**moved, "id": "901"})
    # And the second instance has a customer under the id the first will give the new one: a customer id
    # remembered from the first instance would silently attach the order to this stranger.
    stranger = second_sandbox.state.add_customer(
        {"type": "person", "name": "Someone Else", "email": "someone.else@example.com", "project": "1"}
    )
    assert stranger == str(customer_count(sandbox) + 1)
    email = "same.person@example.com"
    woo_body = order_body()
    amazon_body = order_body()
    woo_body["customer"]["email"] = amazon_body["customer"]["email"] = email
    first_customers, second_customers = customer_count(sandbox), customer_count(second_sandbox)

    with running_service(_settings(sandbox, second_sandbox, tmp_path)) as url:
        woo = _post(url, WOO_KEY, woo_body)
        assert woo.status_code == 201, woo.text
        woo_calls = len(sandbox.calls)
        assert len(second_sandbox.calls) == 0  # the woo order never touched the marketplace's Xentral
        amazon = _post(url, AMAZON_KEY, amazon_body)
        assert amazon.status_code == 201, amazon.text
        assert len(sandbox.calls) == woo_calls  # nor the amazon order the shop's
        ready = httpx.get(f"{url}/readyz", timeout=30).json()
        metrics = httpx.get(f"{url}/metrics", timeout=30).text

    assert orders_with_reference(sandbox, "AMZ-" + amazon_body["reference"]) == []
    assert orders_with_reference(second_sandbox, "WOO-" + woo_body["reference"]) == []
    [woo_order] = orders_with_reference(sandbox, "WOO-" + woo_body["reference"])
    [amazon_order] = orders_with_reference(second_sandbox, "AMZ-" + amazon_body["reference"])
    assert woo_order["positions"][0]["product"]["id"] == "1"
    assert amazon_order["positions"][0]["product"]["id"] == "901"
    # One new customer in each instance: a customer created in one is no customer of the other.
    assert woo.json()["customer"]["created"] is True and amazon.json()["customer"]["created"] is True
    assert customer_count(sandbox) == first_customers + 1
    assert customer_count(second_sandbox) == second_customers + 1
    assert amazon_order["customer"]["id"] == amazon.json()["customer"]["id"] != stranger
    with second_sandbox.state.lock:
        assert second_sandbox.state.customers[amazon_order["customer"]["id"]]["email"] == email

    assert set(ready["checks"]["xentral"]["instances"]) == {"default", "marketplace"}
    assert all(check["ok"] for check in ready["checks"]["xentral"]["instances"].values())
    instances = {
        sample.labels["instance"]
        for family in text_string_to_metric_families(metrics)
        for sample in family.samples
        if sample.name == "xentral_requests_total"
    }
    assert instances == {"default", "marketplace"}


def test_each_instance_has_its_own_rate_limit(
    sandbox: SandboxHandle, second_sandbox: SandboxHandle, tmp_path: Path
) -> None:
    settings = _settings(sandbox, second_sandbox, tmp_path, rate_limit_per_minute=2)
    settings = settings.model_copy(update={"xentral_wait_budget_seconds": 0.2})
    with running_service(settings) as url:
        limited = _post(url, AMAZON_KEY, order_body())
        assert limited.status_code == 503, limited.text
        assert limited.json()["code"] == "xentral_rate_limited"
        assert len(second_sandbox.calls) == 2  # its budget, and not a call more
        shop = _post(url, WOO_KEY, order_body())  # the other instance's budget is untouched
        assert shop.status_code == 201, shop.text
    assert len(second_sandbox.calls) == 2


def test_readiness_reports_each_instance(sandbox: SandboxHandle, second_sandbox: SandboxHandle, tmp_path: Path) -> None:
    with running_service(_settings(sandbox, second_sandbox, tmp_path)) as url:
        second_sandbox.faults.server_error(status=503, count=20)
        response = httpx.get(f"{url}/readyz", timeout=30)
    assert response.status_code == 503
    instances = response.json()["checks"]["xentral"]["instances"]
    assert instances["default"]["ok"] is True
    assert instances["marketplace"]["ok"] is False


def test_an_order_id_of_another_instance_is_no_other_clients_order(
    sandbox: SandboxHandle, second_sandbox: SandboxHandle, tmp_path: Path
) -> None:
    """Order ids are per instance: woo's order 1 in its Xentral says nothing about order 1 in amazon's."""
    with running_service(_settings(sandbox, second_sandbox, tmp_path)) as url:
        woo = _post(url, WOO_KEY, order_body())
        assert woo.status_code == 201, woo.text
        # An order made outside this service in the marketplace's Xentral gets the same id there.
        [sent] = sandbox.calls.bodies("POST /api/v1/salesOrders/actions/import")
        made_elsewhere = {**sent, "externalOrderNumber": "AMZ-MADE-ELSEWHERE", "customer": {"id": "1"}}
        imported = httpx.post(
            f"{second_sandbox.base_url}/api/v1/salesOrders/actions/import",
            json=made_elsewhere,
            headers={**second_sandbox.headers, "Accept": "*/*"},
        )
        assert imported.status_code == 201, imported.text
        assert imported.headers["location"].rstrip("/").endswith("/" + woo.json()["order_id"])
        amazon = _post(url, AMAZON_KEY, order_body(reference="MADE-ELSEWHERE"))
    assert amazon.status_code == 200, amazon.text  # not 409 reference_taken
    assert (amazon.json()["outcome"], amazon.json()["order_id"]) == ("existing", woo.json()["order_id"])
