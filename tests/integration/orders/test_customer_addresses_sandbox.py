"""A new customer's addresses against the 2026 sandbox: the second write, its lost answers and a crash between.

The customer and its addresses are two writes (`POST /api/v2/customers`, then
`POST /api/v2/customers/{id}/addresses`); whatever happens between them, the customer ends with exactly
one master data address and there is exactly one customer.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import httpx

from tests.support.attempts import stored_attempt
from tests.support.leases import leased_env
from tests.support.orders import order_body, orders_with_reference, post_in_background
from tests.support.processes import ServiceProcess, service_env
from tests.support.service import API_KEY
from xentral_sandbox.customers import addresses_of
from xentral_sandbox.testing import SandboxHandle

ADDRESSES = {"method": "POST", "path": "/api/v2/customers/*/addresses"}


def _customers(sandbox: SandboxHandle, email: str) -> list[dict[str, Any]]:
    with sandbox.state.lock:
        return [
            customer
            for customer in sandbox.state.customers.values()
            if str(customer.get("email") or "").casefold() == email.casefold()
        ]


def _kinds(sandbox: SandboxHandle, customer: dict[str, Any]) -> list[str]:
    with sandbox.state.lock:
        return [str(address["type"]) for address in addresses_of(customer)]


def _address_writes(sandbox: SandboxHandle, customer: dict[str, Any]) -> int:
    path = f"/api/v2/customers/{customer['id']}/addresses"
    return sum(1 for record in sandbox.calls.records() if record.method == "POST" and record.path == path)


def test_a_new_customer_has_its_address_as_master_data(api: httpx.Client, sandbox: SandboxHandle) -> None:
    body = order_body()
    response = api.post("/api/orders", json=body)
    assert response.status_code == 201, response.text
    [customer] = _customers(sandbox, body["customer"]["email"])
    assert response.json()["customer"] == {"id": customer["id"], "number": customer["number"], "created": True}
    assert _kinds(sandbox, customer) == ["masterdata"]
    master = customer["address"]
    wanted = body["customer"]
    assert (master["street"], master["zip"], master["city"], master["country"]) == (
        wanted["street"],
        wanted["zip"],
        wanted["city"],
        wanted["country"],
    )
    steps = [step["name"] for step in api.get(f"/api/orders/{body['reference']}").json()["steps"]]
    assert (
        steps.index("writing_customer_addresses") < steps.index("customer_addresses_written") < steps.index("importing")
    )


def test_a_shipping_address_elsewhere_is_a_delivery_address(api: httpx.Client, sandbox: SandboxHandle) -> None:
    elsewhere = {"name": "Erika Muster", "street": "Nebenweg 2", "zip": "54321", "city": "Anderswo", "country": "AT"}
    body = order_body(shipping_address=elsewhere)
    assert api.post("/api/orders", json=body).status_code == 201
    [customer] = _customers(sandbox, body["customer"]["email"])
    assert _kinds(sandbox, customer) == ["masterdata", "deliveryaddress"]
    [delivery] = customer["addresses"]
    assert (delivery["name"], delivery["street"], delivery["country"]) == ("Erika Muster", "Nebenweg 2", "AT")


def test_a_lost_answer_to_the_address_leaves_one_address(api: httpx.Client, sandbox: SandboxHandle) -> None:
    body = order_body()
    sandbox.faults.commit_then_drop(count=1, **ADDRESSES)  # the address lands, its answer does not
    response = api.post("/api/orders", json=body)
    assert response.status_code == 201, response.text
    [customer] = _customers(sandbox, body["customer"]["email"])
    assert _kinds(sandbox, customer) == ["masterdata"]
    assert _address_writes(sandbox, customer) == 1  # looked at after the lost answer, not sent again
    assert len(orders_with_reference(sandbox, body["reference"])) == 1


def test_an_address_refused_by_a_5xx_is_written_after_looking(api: httpx.Client, sandbox: SandboxHandle) -> None:
    body = order_body()
    sandbox.faults.server_error(status=503, count=1, **ADDRESSES)  # nothing written; may have been, for all we know
    response = api.post("/api/orders", json=body)
    assert response.status_code == 201, response.text
    [customer] = _customers(sandbox, body["customer"]["email"])
    assert _kinds(sandbox, customer) == ["masterdata"]


def _steps(database: Path, reference: str) -> list[str]:
    row = stored_attempt(database, reference)
    return [step["name"] for step in json.loads(row["steps"] or "[]")] if row else []


def test_killed_between_the_customer_and_its_address_then_retried(sandbox: SandboxHandle, tmp_path: Path) -> None:
    body = order_body()
    database = tmp_path / "between.db"
    env = service_env(
        xentral_url=sandbox.base_url,
        token=sandbox.token,
        database_url=f"sqlite:///{database}",
        api_key=API_KEY,
        extra=leased_env(3),
    )
    sandbox.faults.latency(1.5, count=1, **ADDRESSES)  # the address write is slow: the service dies meanwhile
    service = ServiceProcess(env, tmp_path / "first.log").wait_ready()
    sender, outcome = post_in_background(service.base_url, body, API_KEY)
    deadline = time.monotonic() + 10
    while "writing_customer_addresses" not in _steps(database, body["reference"]):
        assert time.monotonic() < deadline, "the address write never started"
        time.sleep(0.02)
    time.sleep(0.2)  # the address request is on its way to the (slow) sandbox
    service.kill()  # the customer exists, its address is in flight; we never hear of it
    sender.join(10)
    assert "error" in outcome
    time.sleep(1.6)  # the sandbox finishes the address the dead service sent
    [customer] = _customers(sandbox, body["customer"]["email"])
    assert _kinds(sandbox, customer) == ["masterdata"]

    restarted = ServiceProcess(env, tmp_path / "second.log").wait_ready()
    try:
        deadline = time.monotonic() + 15
        while True:
            response = httpx.post(f"{restarted.base_url}/api/orders", json=body, headers={"X-API-Key": API_KEY})
            if response.status_code != 409:
                break
            assert time.monotonic() < deadline, "the key stayed locked"
            time.sleep(float(response.headers["retry-after"]))
        assert response.status_code == 201, response.text
    finally:
        restarted.stop()
    assert [c["id"] for c in _customers(sandbox, body["customer"]["email"])] == [customer["id"]]
    assert response.json()["customer"]["id"] == customer["id"]
    assert _kinds(sandbox, customer) == ["masterdata"]
    assert _address_writes(sandbox, customer) == 1  # the takeover looked at the addresses, wrote none again
    assert len(orders_with_reference(sandbox, body["reference"])) == 1
