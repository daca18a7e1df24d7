"""The gateway checks every filtered list against its filter, and proves an imported order by id and reference."""

from __future__ import annotations

import asyncio
from decimal import Decimal
from typing import Any, TypeVar
from urllib.parse import parse_qsl

import httpx
import pytest

from tests.support.xentral_mock import Recorder
from unified_order_api.orders import errors as order_errors
from unified_order_api.xentral import (
    XentralClient,
    XentralHttpGateway,
    XentralUnfilteredAnswer,
)
from unified_order_api.xentral.batch_reads import XentralBatchReads
from unified_order_api.xentral.coalescing_gateway import CoalescingGateway
from unified_order_api.xentral.verification import same_leniently

E = TypeVar("E", bound=BaseException)


@pytest.fixture
def untrusted() -> list[tuple[str, str]]:
    return []


@pytest.fixture
def gateway(client: XentralClient, untrusted: list[tuple[str, str]]) -> XentralHttpGateway:
    return XentralHttpGateway(client, on_untrusted=lambda operation, reason: untrusted.append((operation, reason)))


def _orders(*items: dict[str, Any], total: int | None = None) -> httpx.Response:
    data = [{"status": "released", "documentNumber": f"2000{item['id']}", **item} for item in items]
    count = len(data) if total is None else total
    return httpx.Response(200, json={"data": data, "extra": {"totalCount": count, "page": {"number": 1, "size": 50}}})


def _customers(*customers: dict[str, Any]) -> httpx.Response:
    """v2 list items from `{name, email, number}`: the e-mail lives in `contactDetails`."""
    data = [
        {
            "id": str(index + 1),
            "customerType": "person",
            "name": customer["name"],
            "number": customer.get("number", ""),
            "contactDetails": {"email": customer.get("email")},
        }
        for index, customer in enumerate(customers)
    ]
    return httpx.Response(200, json={"data": data, "extra": {"cursor": {"nextCursor": None, "size": 10}}})


def _cause(error: BaseException, kind: type[E]) -> E:
    """The gateway raises order errors; the Xentral-level finding is their cause."""
    assert isinstance(error.__cause__, kind), repr(error.__cause__)
    return error.__cause__


def test_lenient_equality() -> None:
    assert same_leniently("SHOP-1", "shop-1")
    assert same_leniently(" Max@Ex.de ", "max@ex.de")
    assert not same_leniently("SHOP-10", "SHOP-1")
    assert not same_leniently(None, "SHOP-1")


# --- sales orders: the duplicate check ------------------------------------------------------


async def test_only_the_exact_reference_is_ours(gateway: XentralHttpGateway, recorder: Recorder) -> None:
    """`shop-1` after `SHOP-1`: Xentral's lenient equals returns SHOP-1's order; it is not shop-1's."""
    recorder.handler = lambda request: _orders({"id": "5", "externalOrderNumber": "SHOP-1"})
    assert await gateway.find_orders_by_reference("shop-1") == []
    found = await gateway.find_orders_by_reference("SHOP-1")
    assert [order.id for order in found] == ["5"]


async def test_an_ignored_filter_is_neither_found_nor_not_found(
    gateway: XentralHttpGateway, recorder: Recorder, untrusted: list[tuple[str, str]], caplog: pytest.LogCaptureFixture
) -> None:
    recorder.handler = lambda request: _orders(
        {"id": "5", "externalOrderNumber": "OTHER-9"}, {"id": "6", "externalOrderNumber": "SHOP-1"}
    )
    with pytest.raises(order_errors.XentralFilterIgnored) as caught:
        await gateway.find_orders_by_reference("SHOP-1")
    error = _cause(caught.value, XentralUnfilteredAnswer)
    assert (error.operation, error.key, error.returned, error.unmatched) == (
        "list_sales_orders",
        "externalOrderNumber",
        2,
        1,
    )
    assert untrusted == [("list_sales_orders", "filter_ignored")]
    assert "ignored the filter on `externalOrderNumber`" in caplog.text


async def test_an_unfiltered_list_without_ours_is_not_not_found(
    gateway: XentralHttpGateway, recorder: Recorder
) -> None:
    """Ours could be on another page of an unfiltered list: "not found" would create a duplicate."""
    recorder.handler = lambda request: _orders({"id": "5", "externalOrderNumber": "OTHER-9"}, total=300)
    with pytest.raises(order_errors.XentralFilterIgnored):
        await gateway.find_orders_by_reference("SHOP-1")


async def test_pages_of_case_variants_are_followed(gateway: XentralHttpGateway, recorder: Recorder) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        page = dict(parse_qsl(request.url.query.decode()))["page[number]"]
        if page == "1":
            variants = [{"id": str(i), "externalOrderNumber": "Shop-1"} for i in range(1, 51)]
            return _orders(*variants, total=51)
        return _orders({"id": "51", "externalOrderNumber": "SHOP-1"}, total=51)

    recorder.handler = handler
    found = await gateway.find_orders_by_reference("SHOP-1")
    assert [order.id for order in found] == ["51"]
    assert len(recorder.requests) == 2


async def test_orders_carry_totals_as_decimals(gateway: XentralHttpGateway, recorder: Recorder) -> None:
    """The list item has `total` and `netSales` (the view has none); they reach the domain, None when absent."""
    recorder.handler = lambda request: _orders(
        {"id": "17", "externalOrderNumber": "SHOP-1", "total": 119.99, "netSales": 100.83},
        {"id": "18", "externalOrderNumber": "SHOP-1"},
    )
    first, second = await gateway.find_orders_by_reference("SHOP-1")
    assert (first.total, first.net_sales) == (Decimal("119.99"), Decimal("100.83"))
    assert (second.total, second.net_sales) == (None, None)


# --- customers and products -----------------------------------------------------------------


async def test_customers_by_email_must_carry_the_email(gateway: XentralHttpGateway, recorder: Recorder) -> None:
    recorder.handler = lambda request: _customers({"name": "A", "email": "MAX@ex.de"})
    assert [c.id for c in await gateway.find_customers("email", "max@ex.de")] == ["1"]
    recorder.handler = lambda request: _customers({"name": "A", "email": "max@ex.de"}, {"name": "B", "email": "b@x.de"})
    with pytest.raises(order_errors.XentralFilterIgnored) as caught:
        await gateway.find_customers("email", "max@ex.de")
    finding = _cause(caught.value, XentralUnfilteredAnswer)
    assert (finding.operation, finding.key) == ("list_customers", "email")
    assert "max@ex.de" not in str(caught.value)  # filter values (e-mails) never reach messages or logs


async def test_customers_by_number_must_carry_the_number(gateway: XentralHttpGateway, recorder: Recorder) -> None:
    # v2 has one customer number (`number`); the 2024 list had two fields that both could carry it.
    recorder.handler = lambda request: _customers({"name": "A", "number": "10007"}, {"name": "B", "number": " 10007"})
    assert [c.id for c in await gateway.find_customers("number", "10007")] == ["1", "2"]
    recorder.handler = lambda request: _customers({"name": "C", "number": "10008"})
    with pytest.raises(order_errors.XentralFilterIgnored):
        await gateway.find_customers("number", "10007")


async def test_products_must_carry_a_requested_number(gateway: XentralHttpGateway, recorder: Recorder) -> None:
    def catalogue(*numbers: str) -> httpx.Response:
        data = [{"id": str(i), "number": number} for i, number in enumerate(numbers, start=1)]
        return httpx.Response(200, json={"data": data, "extra": {"totalCount": len(data)}})

    recorder.handler = lambda request: catalogue("art-1")
    assert (await gateway.products_by_sku(["ART-1", "ART-2"]))["ART-1"].id == "1"
    recorder.handler = lambda request: catalogue("ART-1", "ART-99")
    with pytest.raises(order_errors.XentralFilterIgnored) as caught:
        await gateway.products_by_sku(["ART-1", "ART-2"])
    finding = _cause(caught.value, XentralUnfilteredAnswer)
    assert (finding.operation, finding.key, finding.unmatched) == ("list_products", "number", 1)


async def test_a_failing_hook_does_not_hide_the_error(client: XentralClient, recorder: Recorder) -> None:
    def broken(operation: str, reason: str) -> None:
        raise RuntimeError("metrics down")

    gateway = XentralHttpGateway(client, on_untrusted=broken)
    recorder.handler = lambda request: _orders({"id": "5", "externalOrderNumber": "OTHER"})
    with pytest.raises(order_errors.XentralFilterIgnored):
        await gateway.find_orders_by_reference("SHOP-1")


# --- batched lookups (coalesced reads of several orders) --------------------------------------


@pytest.fixture
def batch(client: XentralClient, untrusted: list[tuple[str, str]]) -> XentralBatchReads:
    return XentralBatchReads(client, on_untrusted=lambda operation, reason: untrusted.append((operation, reason)))


async def test_a_batch_counts_only_exact_references(batch: XentralBatchReads, recorder: Recorder) -> None:
    recorder.handler = lambda request: _orders(
        {"id": "5", "externalOrderNumber": "SHOP-1"}, {"id": "6", "externalOrderNumber": "shop-2"}
    )
    found = await batch.orders(["SHOP-1", "shop-1", "SHOP-2"])
    assert {key: [o.id for o in orders] for key, orders in found.items()} == {
        "SHOP-1": ["5"],
        "shop-1": [],
        "SHOP-2": [],
    }


async def test_a_batch_that_ignored_its_filter_answers_no_key(
    batch: XentralBatchReads, recorder: Recorder, untrusted: list[tuple[str, str]]
) -> None:
    """Not "found" for SHOP-1 and "not found" for SHOP-2: the whole answer is refused."""
    recorder.handler = lambda request: _orders(
        {"id": "5", "externalOrderNumber": "SHOP-1"}, {"id": "6", "externalOrderNumber": "OTHER"}
    )
    with pytest.raises(order_errors.XentralFilterIgnored) as caught:
        await batch.orders(["SHOP-1", "SHOP-2"])
    assert _cause(caught.value, XentralUnfilteredAnswer).unmatched == 1
    assert untrusted == [("list_sales_orders", "filter_ignored")]


async def test_batched_customers_and_products_are_checked_too(batch: XentralBatchReads, recorder: Recorder) -> None:
    recorder.handler = lambda request: _customers({"name": "A", "email": "a@x.de"}, {"name": "C", "email": "c@x.de"})
    with pytest.raises(order_errors.XentralFilterIgnored):
        await batch.customers("email", ["a@x.de", "b@x.de"])
    recorder.handler = lambda request: _customers({"name": "A", "number": "1"}, {"name": "B", "number": "2"})
    found = await batch.customers("number", ["1", "2"])
    assert {key: [c.name for c in customers] for key, customers in found.items()} == {"1": ["A"], "2": ["B"]}
    recorder.handler = lambda request: httpx.Response(
        200, json={"data": [{"id": "1", "number": "ART-1"}, {"id": "2", "number": "ART-9"}], "extra": {}}
    )
    with pytest.raises(order_errors.XentralFilterIgnored):
        await batch.products(["ART-1", "ART-2"])


async def test_an_ignored_filter_is_not_split_into_more_calls(client: XentralClient, recorder: Recorder) -> None:
    """Like an outage it fails every key alike: halving the batch would only spend Xentral's budget."""
    recorder.handler = lambda request: _orders({"id": "9", "externalOrderNumber": "OTHER"})
    gateway = CoalescingGateway(XentralHttpGateway(client), XentralBatchReads(client), window_seconds=0.05)
    try:
        results = await asyncio.gather(
            *(gateway.find_orders_by_reference(f"SHOP-{n}") for n in range(8)), return_exceptions=True
        )
    finally:
        await gateway.aclose()
    assert all(isinstance(result, order_errors.XentralFilterIgnored) for result in results), results
    assert len(recorder.requests) == 1
