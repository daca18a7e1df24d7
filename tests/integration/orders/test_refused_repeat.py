"""A refused repeat: Xentral answers the import 400 or 409 because it holds the reference; the service
looks the reference up before answering, for the order may be its own (or one made elsewhere)."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from tests.support.orders import order_body, orders_with_reference
from tests.support.servers import running_service
from tests.support.service import API_KEY, service_settings
from xentral_sandbox.readings import Readings
from xentral_sandbox.testing import SandboxHandle


def _import_elsewhere(sandbox: SandboxHandle, reference: str) -> str:
    imported = httpx.post(
        f"{sandbox.base_url}/api/v1/salesOrders/actions/import",
        headers=sandbox.headers,
        json={
            "date": "2026-11-01",
            "externalOrderNumber": reference,
            "customer": {"id": "1"},
            "project": {"id": "1"},
            "financials": {"paymentMethod": {"id": "2"}, "currency": "EUR"},
            "delivery": {"shippingMethod": {"id": "1"}},
            "positions": [{"product": {"id": "1"}, "quantity": 1}],
        },
    )
    assert imported.status_code == 201, imported.text
    return str(imported.headers["location"]).rsplit("/", 1)[-1]


@pytest.mark.parametrize("reading", ["refused-400", "refused-409"])
def test_a_refused_import_of_a_held_reference_answers_the_order_xentral_has(
    sandbox: SandboxHandle, tmp_path: Path, reading: str
) -> None:
    body = order_body()
    existing_id = _import_elsewhere(sandbox, body["reference"])
    sandbox.state.readings = Readings(repeated_reference=reading)  # type: ignore[arg-type]
    # No look before the import: only the refusal tells that Xentral holds the reference.
    settings = service_settings(sandbox, tmp_path, idempotency={"upstream_check": "when_unsure"})
    with (
        running_service(settings) as url,
        httpx.Client(base_url=url, headers={"X-API-Key": API_KEY}, timeout=30) as api,
    ):
        response = api.post("/api/orders", json=body)
        assert response.status_code == 200, response.text
        assert (response.json()["order_id"], response.json()["outcome"]) == (existing_id, "existing")
        steps = [step["name"] for step in api.get(f"/api/orders/{body['reference']}").json()["steps"]]
    assert steps.index("importing") < steps.index("repeat_refused") < steps.index("completed")
    assert len(orders_with_reference(sandbox, body["reference"])) == 1


def test_a_refusal_without_a_held_reference_is_still_a_rejected_order(sandbox: SandboxHandle, tmp_path: Path) -> None:
    sandbox.faults.server_error(status=409, count=None, method="POST", path="/api/v1/salesOrders/actions/import")
    settings = service_settings(sandbox, tmp_path, idempotency={"upstream_check": "when_unsure"})
    with running_service(settings) as url:
        response = httpx.post(f"{url}/api/orders", json=order_body(), headers={"X-API-Key": API_KEY}, timeout=30)
    assert response.status_code == 422, response.text
    assert response.json()["code"] == "xentral_rejected"
