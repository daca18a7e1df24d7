from __future__ import annotations

import json
import logging
from urllib.parse import parse_qsl

import httpx
import pytest

from tests.support.xentral_mock import BASE_URL, TOKEN, Recorder
from unified_order_api.xentral import Cursor, Filter, Page, XentralClient


def _page_of(request: httpx.Request, total: int) -> httpx.Response:
    query = dict(parse_qsl(request.url.query.decode()))
    number, size = int(query["page[number]"]), int(query["page[size]"])
    ids = range((number - 1) * size + 1, min(number * size, total) + 1)
    data = [{"id": str(i), "type": "dhl", "module": "dhlapi", "designation": f"M{i}", "project": None} for i in ids]
    return httpx.Response(
        200, json={"data": data, "extra": {"totalCount": total, "page": {"number": number, "size": size}}}
    )


async def test_default_headers(client: XentralClient, recorder: Recorder) -> None:
    await client.list_products()
    request = recorder.requests[0]
    assert request.headers["authorization"] == f"Bearer {TOKEN}"
    assert request.headers["accept"] == "application/json, application/problem+json, text/html;q=0.5"
    assert request.headers["user-agent"].startswith("unified-order-api/")
    assert "content-type" not in request.headers
    assert request.url.host == "demo.xentral.biz"
    assert request.url.path == "/api/v2/products"


async def test_accept_follows_each_operations_declared_types(client: XentralClient, recorder: Recorder) -> None:
    """The import's 201 is declared text/html: a JSON-only Accept would be refused (406) by a strict server."""
    recorder.handler = lambda request: httpx.Response(201, headers={"Location": "/api/v1/salesOrders/5"})
    await client.import_sales_order({})  # type: ignore[typeddict-item]
    recorder.handler = None
    await client.list_sales_orders()
    await client.list_projects()
    import_accept, orders_accept, projects_accept = (r.headers["accept"] for r in recorder.requests)
    assert import_accept == "application/json, application/problem+json, text/html;q=0.5"
    assert orders_accept == projects_accept == "application/json"


async def test_every_request_carries_the_timeout(recorder: Recorder) -> None:
    timeout = httpx.Timeout(3.0, connect=1.0)
    async with XentralClient(BASE_URL, TOKEN, timeout=timeout, transport=httpx.MockTransport(recorder)) as client:
        await client.list_projects()
    assert recorder.requests[0].extensions["timeout"] == timeout.as_dict()


@pytest.mark.parametrize(("total", "calls"), [(0, 1), (49, 1), (50, 1), (51, 2), (120, 3)])
async def test_small_lists_fetch_all_pages(client: XentralClient, recorder: Recorder, total: int, calls: int) -> None:
    recorder.handler = lambda request: _page_of(request, total)
    methods = await client.list_shipping_methods()
    assert [m.id for m in methods] == [str(i) for i in range(1, total + 1)]
    assert len(recorder.requests) == calls
    assert all(
        "page[size]=50" in r.url.query.decode().replace("%5B", "[").replace("%5D", "]") for r in recorder.requests
    )


async def test_all_pages_without_total_count_stops_on_short_page(client: XentralClient, recorder: Recorder) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        response = _page_of(request, 60)
        body = json.loads(response.content)
        del body["extra"]
        return httpx.Response(200, json=body)

    recorder.handler = handler
    assert len(await client.list_payment_methods()) == 60
    assert len(recorder.requests) == 2


async def test_a_customers_addresses_are_read_to_the_end_of_their_list(
    client: XentralClient, recorder: Recorder
) -> None:
    """More addresses than a page holds: the check before writing one must see them all."""

    def handler(request: httpx.Request) -> httpx.Response:
        body = json.loads(_page_of(request, 60).content)
        body["data"] = [{"id": item["id"], "type": "delivery", "city": f"C{item['id']}"} for item in body["data"]]
        return httpx.Response(200, json=body)

    recorder.handler = handler
    addresses = await client.list_customer_addresses("7")
    assert [address.id for address in addresses] == [str(i) for i in range(1, 61)]
    assert [dict(parse_qsl(r.url.query.decode()))["page[number]"] for r in recorder.requests] == ["1", "2"]
    assert {r.url.path for r in recorder.requests} == {"/api/v2/customers/7/addresses"}


async def test_customers_use_the_cursor(client: XentralClient, recorder: Recorder) -> None:
    recorder.handler = lambda request: httpx.Response(
        200,
        json={
            "data": [
                {
                    "id": "7",
                    "customerType": "person",
                    "name": "Max",
                    "number": "1201",
                    "contactDetails": {"email": "max@ex.de"},
                }
            ],
            "extra": {"totalCount": 11, "cursor": {"nextCursor": "MTA=", "size": 10}},
        },
    )
    result = await client.list_customers([Filter("email", "equals", "max@ex.de")], Cursor(10, "MA=="))
    assert result.data[0].email == "max@ex.de" and result.data[0].number == "1201"
    assert recorder.requests[0].url.path == "/api/v2/customers"
    assert result.extra is not None and result.extra.cursor is not None
    assert result.extra.cursor.next_cursor == "MTA="
    query = parse_qsl(recorder.requests[0].url.query.decode())
    assert ("cursor[size]", "10") in query
    assert ("cursor[nextCursor]", "MA==") in query
    assert not any(key.startswith("page[") for key, _ in query)  # page or cursor, never both


async def test_customers_by_page_send_no_cursor(client: XentralClient, recorder: Recorder) -> None:
    recorder.handler = lambda request: httpx.Response(
        200, json={"data": [], "extra": {"totalCount": 0, "page": {"number": 1, "size": 50}}}
    )
    await client.list_customers([Filter("email", "in", ["a@ex.de", "b@ex.de"])], Page(1, 50))
    query = parse_qsl(recorder.requests[0].url.query.decode())
    assert ("page[size]", "50") in query and not any(key.startswith("cursor[") for key, _ in query)


async def test_ids_are_one_path_segment(client: XentralClient, recorder: Recorder) -> None:
    recorder.handler = lambda request: httpx.Response(200, json={"data": {"id": "1", "number": "X"}})
    await client.get_product("../customers")
    assert recorder.requests[0].url.raw_path == b"/api/v2/products/..%2Fcustomers"


async def test_lenient_wire_models(client: XentralClient, recorder: Recorder) -> None:
    recorder.handler = lambda request: httpx.Response(
        200,
        json={
            "data": [{"id": 241, "number": "SKU-1", "name": None, "salesPriceNet": None, "newField": {"x": 1}}],
            "extra": {"totalCount": 1, "page": {"number": 1, "size": 50}},
        },
    )
    result = await client.list_products([Filter("number", "in", ["SKU-1"])], Page())
    assert result.data[0].id == "241"
    assert result.data[0].sales_price_net is None


async def test_on_response_hook_and_debug_log(recorder: Recorder, caplog: pytest.LogCaptureFixture) -> None:
    seen: list[tuple[str, int, float]] = []

    def broken_hook(operation: str, status: int, seconds: float) -> None:
        seen.append((operation, status, seconds))
        raise RuntimeError("metrics down")

    recorder.handler = lambda request: httpx.Response(201, headers={"Location": "/api/v1/salesOrders/5"})
    caplog.set_level(logging.DEBUG, logger="unified_order_api.xentral")
    async with XentralClient(
        BASE_URL,
        TOKEN,
        timeout=httpx.Timeout(1.0),
        transport=httpx.MockTransport(recorder),
        on_response=broken_hook,
    ) as client:
        assert await client.import_sales_order({}) == "5"  # type: ignore[typeddict-item]
    assert seen[0][:2] == ("import_sales_order", 201)
    assert seen[0][2] >= 0
    assert "POST /api/v1/salesOrders/actions/import -> 201" in caplog.text
    assert TOKEN not in caplog.text


async def test_query_is_not_logged(client: XentralClient, recorder: Recorder, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG, logger="unified_order_api.xentral")
    await client.list_customers([Filter("email", "equals", "max@ex.de")])
    assert "GET /api/v2/customers -> 200" in caplog.text
    assert "max" not in caplog.text


def test_token_is_required() -> None:
    with pytest.raises(ValueError):
        XentralClient(BASE_URL, "", timeout=httpx.Timeout(1.0))


async def test_a_probe_sends_only_its_named_operations_own_request(client: XentralClient, recorder: Recorder) -> None:
    """`probe` (verify-xentral) steps past the typed guards, never past the operation: the method and path come
    from the operation's name, so no caller can send a DELETE or reach a path the probes do not need."""
    recorder.handler = lambda request: httpx.Response(201, headers={"Location": "/api/v1/salesOrders/5"})
    answer = await client.probe("import_sales_order", json={"positions": []})
    assert answer.created_id("import_sales_order") == "5"
    recorder.handler = None
    await client.probe("list_products", params=[("page[size]", "51")])
    await client.probe("list_customers")
    sent = [(request.method, request.url.path) for request in recorder.requests]
    assert sent == [
        ("POST", "/api/v1/salesOrders/actions/import"),
        ("GET", "/api/v2/products"),
        ("GET", "/api/v2/customers"),
    ]
    for operation in ("delete_sales_order", "cancel_sales_order", "get_sales_order", "update_product"):
        with pytest.raises(ValueError, match="not a probe"):
            await client.probe(operation)  # type: ignore[arg-type]
    assert len(recorder.requests) == 3
