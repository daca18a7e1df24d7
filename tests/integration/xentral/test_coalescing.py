"""Coalesced reads against the sandbox: one `in` call answers many keys, and every key gets exactly
what its own `equals` call returns — never another key's orders, customers or products."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from urllib.parse import parse_qsl

import httpx
import pytest

from unified_order_api.orders.reads import RunningOrders
from unified_order_api.xentral import XentralClient, XentralHttpGateway
from unified_order_api.xentral.batch_reads import XentralBatchReads
from unified_order_api.xentral.coalescing_gateway import CoalescingGateway
from xentral_sandbox.testing import SandboxHandle

ORDERS = "GET /api/v1/salesOrders"
CUSTOMERS = "GET /api/v2/customers"
PRODUCTS = "GET /api/v2/products"


@pytest.fixture
async def client(sandbox: SandboxHandle) -> AsyncIterator[XentralClient]:
    async with XentralClient(sandbox.base_url, sandbox.token, timeout=httpx.Timeout(10.0)) as c:
        yield c


def _import(sandbox: SandboxHandle, reference: str, customer_id: str = "1") -> str:
    response = httpx.post(
        f"{sandbox.base_url}/api/v1/salesOrders/actions/import",
        headers=sandbox.headers,
        json={
            "date": "2026-11-01",
            "externalOrderNumber": reference,
            "customer": {"id": customer_id},
            "project": {"id": "1"},
            "financials": {"paymentMethod": {"id": "2"}, "currency": "EUR"},
            "delivery": {"shippingMethod": {"id": "1"}},
            "positions": [{"product": {"id": "1"}, "quantity": 1}],
        },
    )
    assert response.status_code == 201, response.text
    return response.headers["location"].rsplit("/", 1)[-1]


def _ids(items: object) -> list[str]:
    return sorted(item.id for item in items)  # type: ignore[attr-defined]


def _values_sent(sandbox: SandboxHandle, operation: str) -> list[list[str]]:
    """The filter values of every call of `operation`, per call."""
    return [
        [value for key, value in parse_qsl(record.query) if key.startswith("filter[0][value]")]
        for record in sandbox.calls.records()
        if record.operation == operation
    ]


async def test_batched_orders_answer_each_reference_as_its_own_call(
    sandbox: SandboxHandle, client: XentralClient
) -> None:
    for reference in ("CO-1", "CO-1", "co-1", "CO-2", "CO-10"):
        _import(sandbox, reference)
    references = ["CO-1", "co-1", "CO-2", "CO-3", "CO-10"]
    single = XentralHttpGateway(client)
    batched = await XentralBatchReads(client).orders(references)
    for reference in references:
        assert _ids(batched[reference]) == _ids(await single.find_orders_by_reference(reference)), reference
    assert batched["CO-3"] == []
    assert _values_sent(sandbox, ORDERS)[0] == references


async def test_batched_customers_answer_each_value_as_its_own_call(
    sandbox: SandboxHandle, client: XentralClient
) -> None:
    address = {"street": "S 1", "zip": "1", "city": "C", "state": None, "country": "DE", "note": ""}
    for email in ("twin@example.com", "TWIN@example.com", "other@example.com"):
        sandbox.state.add_customer({"type": "person", "name": email, "email": email, "address": address})
    numbered = sandbox.state.add_customer(
        {"type": "person", "name": "N", "email": "n@example.com", "number": "K-77", "address": address}
    )
    single = XentralHttpGateway(client)
    batch = XentralBatchReads(client)
    emails = ["twin@example.com", "other@example.com", "max@example.com", "nobody@example.com"]
    by_email = await batch.customers("email", emails)
    for email in emails:
        assert _ids(by_email[email]) == _ids(await single.find_customers("email", email)), email
    assert len(by_email["twin@example.com"]) == 2
    by_number = await batch.customers("number", ["K-77", "10000", "NOPE"])
    assert _ids(by_number["K-77"]) == [numbered]
    assert _ids(by_number["10000"]) == _ids(await single.find_customers("number", "10000"))
    assert by_number["NOPE"] == []


async def test_concurrent_orders_products_are_matched_to_each_callers_own_spelling(
    sandbox: SandboxHandle, client: XentralClient
) -> None:
    single = XentralHttpGateway(client)
    gateway = CoalescingGateway(single, XentralBatchReads(client), window_seconds=0.05)
    lists = [["art-001"], ["ART-001", "ART-002"], ["BOOK-001", "NO-SUCH"], ["ART-002"]]
    expected = [dict(await single.products_by_sku(skus)) for skus in lists]
    sandbox.calls.clear()
    found = await asyncio.gather(*(gateway.products_by_sku(skus) for skus in lists))
    assert [dict(result) for result in found] == expected
    assert expected[0]["art-001"].sku == "ART-001"
    assert sandbox.calls.count(PRODUCTS) <= 2
    await gateway.aclose()


async def test_concurrent_duplicate_checks_share_a_call_and_keep_their_own_orders(
    sandbox: SandboxHandle, client: XentralClient
) -> None:
    ours = {reference: _import(sandbox, reference) for reference in ("DC-1", "DC-2")}
    single = XentralHttpGateway(client)
    gateway = CoalescingGateway(single, XentralBatchReads(client), window_seconds=0.05)
    references = ["DC-1", "DC-2", "DC-3", "DC-4", "DC-5"]
    sandbox.calls.clear()
    found = await asyncio.gather(*(gateway.find_orders_by_reference(reference) for reference in references))
    assert [_ids(orders) for orders in found] == [[ours["DC-1"]], [ours["DC-2"]], [], [], []]
    assert sandbox.calls.count(ORDERS) <= 2  # the first goes out alone (nothing else was running), then one
    assert sorted(value for call in _values_sent(sandbox, ORDERS) for value in call) == references
    await gateway.aclose()


async def test_coalescing_off_sends_every_lookup_as_before(sandbox: SandboxHandle, client: XentralClient) -> None:
    gateway = CoalescingGateway(XentralHttpGateway(client), XentralBatchReads(client), window_seconds=0)
    await asyncio.gather(*(gateway.find_orders_by_reference(f"OFF-{n}") for n in range(4)))
    assert sandbox.calls.count(ORDERS) == 4
    assert all(len(values) == 1 for values in _values_sent(sandbox, ORDERS))


async def test_reads_wait_for_each_other_only_while_the_service_counts_other_orders(
    sandbox: SandboxHandle, client: XentralClient
) -> None:
    """The count the gateway is handed decides: with two orders running, a lookup waits its window and
    one that arrives meanwhile shares its call; with that count at one, a lookup goes out at once, alone."""
    running = RunningOrders()
    gateway = CoalescingGateway(
        XentralHttpGateway(client), XentralBatchReads(client), window_seconds=0.5, running=running
    )

    async def later(reference: str) -> object:
        await asyncio.sleep(0.02)
        return await gateway.find_orders_by_reference(reference)

    with running.running(), running.running():
        sandbox.calls.clear()
        await asyncio.gather(gateway.find_orders_by_reference("RW-1"), later("RW-2"))
        assert _values_sent(sandbox, ORDERS) == [["RW-1", "RW-2"]]
    with running.running():
        sandbox.calls.clear()
        await asyncio.gather(gateway.find_orders_by_reference("RW-3"), later("RW-4"))
        assert _values_sent(sandbox, ORDERS) == [["RW-3"], ["RW-4"]]
    await gateway.aclose()
