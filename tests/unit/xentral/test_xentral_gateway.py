from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from urllib.parse import parse_qsl

import httpx
import pytest

from tests.support.xentral_mock import Recorder
from unified_order_api.orders.errors import XentralFilterIgnored, XentralRejectedOrder
from unified_order_api.orders.model import Address, CustomerAddress, Money, NewCustomer, OrderDraft, OrderLine, Product
from unified_order_api.orders.ports import XentralGateway
from unified_order_api.xentral import XentralClient, XentralHttpGateway


def _query(request: httpx.Request) -> list[tuple[str, str]]:
    return parse_qsl(request.url.query.decode())


def _products(request: httpx.Request, catalogue: dict[str, str]) -> httpx.Response:
    wanted = [value for key, value in _query(request) if key == "filter[0][value][]"]
    data = [
        {
            "id": pid,
            "number": number,
            "name": f"Product {number}",
            "isDisabled": number.endswith("X"),
            "salesPriceNet": {"amount": "10.00", "currency": "EUR"},
            "salesPriceGross": None,
        }
        for number, pid in catalogue.items()
        if number.casefold() in {w.casefold() for w in wanted}
    ]
    return httpx.Response(
        200, json={"data": data, "extra": {"totalCount": len(data), "page": {"number": 1, "size": 50}}}
    )


@pytest.fixture
def gateway(client: XentralClient) -> XentralHttpGateway:
    return XentralHttpGateway(client)


def test_gateway_satisfies_the_port(gateway: XentralHttpGateway) -> None:
    port: XentralGateway = gateway
    assert port is gateway


async def test_products_by_sku_batches_dedupes_and_omits_missing(
    gateway: XentralHttpGateway, recorder: Recorder
) -> None:
    catalogue = {f"SKU-{i}": str(1000 + i) for i in range(120)}
    recorder.handler = lambda request: _products(request, catalogue)
    skus = [f"SKU-{i}" for i in range(120)] + ["SKU-1", "MISSING"]
    found = await gateway.products_by_sku(skus)
    assert len(recorder.requests) == 3  # 121 unique SKUs → 50 + 50 + 21
    sent = [[v for k, v in _query(r) if k == "filter[0][value][]"] for r in recorder.requests]
    assert [len(batch) for batch in sent] == [50, 50, 21]
    assert all(
        ("filter[0][key]", "number") in _query(r) and ("filter[0][op]", "in") in _query(r) for r in recorder.requests
    )
    assert "MISSING" not in found
    assert found["SKU-7"] == Product(
        id="1007", sku="SKU-7", name="Product SKU-7", sales_price_net=Money(Decimal("10.00"), "EUR")
    )


async def test_products_by_sku_tolerates_case_differences(gateway: XentralHttpGateway, recorder: Recorder) -> None:
    recorder.handler = lambda request: _products(request, {"ABC-1": "5", "LOCKX": "6"})
    found = await gateway.products_by_sku(["abc-1", "lockx"])
    assert found["abc-1"].id == "5"
    assert found["abc-1"].sku == "ABC-1"
    assert found["lockx"].is_locked is True


async def test_products_by_sku_no_skus_no_call(gateway: XentralHttpGateway, recorder: Recorder) -> None:
    assert await gateway.products_by_sku([]) == {}
    assert recorder.requests == []


async def test_find_customers(gateway: XentralHttpGateway, recorder: Recorder) -> None:
    recorder.handler = lambda request: httpx.Response(
        200,
        json={
            "data": [
                {
                    "id": "7",
                    "customerType": "person",
                    "name": "Max",
                    "number": "10007",
                    "contactDetails": {"email": "max@ex.de"},
                },
                {
                    "id": "8",
                    "customerType": "person",
                    "name": "Max 2",
                    "number": "1202",
                    "contactDetails": {"email": "max@ex.de"},
                },
            ],
            "extra": {"totalCount": 2, "cursor": {"nextCursor": None, "size": 10}},
        },
    )
    customers = await gateway.find_customers("email", "max@ex.de")
    assert [(c.id, c.number, c.email, c.name) for c in customers] == [
        ("7", "10007", "max@ex.de", "Max"),
        ("8", "1202", "max@ex.de", "Max 2"),
    ]
    assert recorder.requests[0].url.path == "/api/v2/customers"
    query = _query(recorder.requests[0])
    assert query == [
        ("filter[0][key]", "email"),
        ("filter[0][op]", "equals"),
        ("filter[0][value]", "max@ex.de"),
        ("cursor[size]", "10"),
    ]


async def test_find_customers_at_filters_name_street_zip_and_city(
    gateway: XentralHttpGateway, recorder: Recorder
) -> None:
    recorder.handler = lambda request: httpx.Response(
        200, json={"data": [{"id": "7", "name": "Max Muster", "number": "1"}], "extra": {"totalCount": 1}}
    )
    place = Address(name="ignored", street="Weg 1", zip="12345", city="Berlin", country="DE")
    [found] = await gateway.find_customers_at("Max Muster", place)
    assert found.id == "7"
    query = _query(recorder.requests[0])
    keys = [value for key, value in query if key.endswith("[key]")]
    values = [value for key, value in query if key.endswith("[value]")]
    assert keys == ["name", "street", "zip", "city"] and values == ["Max Muster", "Weg 1", "12345", "Berlin"]
    assert {value for key, value in query if key.endswith("[op]")} == {"equals"}


async def test_find_customers_at_refuses_an_answer_with_other_names(
    gateway: XentralHttpGateway, recorder: Recorder
) -> None:
    recorder.handler = lambda request: httpx.Response(
        200, json={"data": [{"id": "7", "name": "Somebody Else"}], "extra": {"totalCount": 1}}
    )
    place = Address(name="x", street="Weg 1", zip="12345", city="Berlin", country="DE")
    with pytest.raises(XentralFilterIgnored):
        await gateway.find_customers_at("Max Muster", place)


async def test_create_customer_posts_v2_without_address(gateway: XentralHttpGateway, recorder: Recorder) -> None:
    recorder.handler = lambda request: httpx.Response(
        201, headers={"Location": "https://demo.xentral.biz/api/v2/customers/395"}
    )
    new = NewCustomer(
        kind="person",
        name="Max Muster",
        email="max@ex.de",
        address=Address(name="Max", street="S 1", zip="1", city="B", country="DE"),
        vat_id="DE1",
        number="K-1",
    )
    assert await gateway.create_customer(new) == "395"
    request = recorder.requests[0]
    assert request.url.path == "/api/v2/customers"
    assert json.loads(request.content) == {
        "customerType": "person",
        "firstname": "Max",
        "lastname": "Muster",
        "number": "K-1",
        "contactDetails": {"email": "max@ex.de"},
        "financials": {"tax": {"vatId": "DE1"}},
    }


async def test_customer_addresses_are_read_and_written(gateway: XentralHttpGateway, recorder: Recorder) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if request.method == "POST":
            return httpx.Response(201, headers={"Location": "/api/v2/customers/7/addresses/3"})
        listed = [
            {
                "id": "masterdata",
                "type": "masterdata",
                "name": "Max",
                "street": "S 1",
                "zip": "1",
                "city": "B",
                "country": "DE",
            },
            {
                "id": "billingaddress",
                "type": "billingaddress",
                "name": "Max",
                "street": "X",
                "city": "B",
                "country": "DE",
            },
        ]
        return httpx.Response(200, json={"data": listed, "extra": {"totalCount": 2, "page": {"number": 1, "size": 50}}})

    recorder.handler = handler
    held = await gateway.customer_addresses("7")
    assert [(a.kind, a.address.street) for a in held] == [("masterdata", "S 1")]  # the billing one is not ours
    place = Address(name="Erika", street="G 2", zip="2", city="C", country="AT", company="ACME")
    await gateway.create_customer_address("7", CustomerAddress("deliveryaddress", place))
    post = recorder.requests[1]
    assert post.url.path == "/api/v2/customers/7/addresses"
    assert json.loads(post.content) == {
        "type": "deliveryaddress",
        "name": "ACME",
        "street": "G 2",
        "zip": "2",
        "city": "C",
        "country": "AT",
    }


async def test_a_second_master_data_address_refused_with_409_counts_as_there(
    gateway: XentralHttpGateway, recorder: Recorder
) -> None:
    recorder.handler = lambda request: httpx.Response(
        409,
        headers={"content-type": "application/problem+json"},
        json={"type": "https://api.xentral.biz/problems/conflict", "title": "Conflict", "messages": ["exists"]},
    )
    place = Address(name="Max", street="S 1", zip="1", city="B", country="DE")
    await gateway.create_customer_address("7", CustomerAddress("masterdata", place))
    with pytest.raises(XentralRejectedOrder):  # a delivery address refused is a refused write
        await gateway.create_customer_address("7", CustomerAddress("deliveryaddress", place))


async def test_import_order_and_get_order(gateway: XentralHttpGateway, recorder: Recorder) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if request.method == "POST":
            return httpx.Response(201, headers={"Location": "/api/v1/salesOrders/17"}, text="")
        return httpx.Response(
            200,
            json={
                "data": {
                    "id": "17",
                    "documentNumber": "200001",
                    "status": "released",
                    "externalOrderNumber": "SHOP-1",
                    "customer": {"id": "7", "number": None},
                }
            },
        )

    recorder.handler = handler
    draft = OrderDraft(
        order_date=dt.date(2025, 1, 15),
        reference="SHOP-1",
        customer_id="7",
        project_id="1",
        payment_method_id="1",
        shipping_method_id="1",
        currency="EUR",
        lines=(OrderLine(product_id="241", sku="SKU-1", quantity=Decimal(2)),),
    )
    order_id = await gateway.import_order(draft)
    order = await gateway.get_order(order_id)
    assert order_id == "17"
    assert (order.id, order.document_number, order.status, order.reference, order.customer_id) == (
        "17",
        "200001",
        "released",
        "SHOP-1",
        "7",
    )
    assert json.loads(recorder.requests[0].content)["externalOrderNumber"] == "SHOP-1"
    assert recorder.requests[1].url.path == "/api/v1/salesOrders/17"


async def test_find_orders_by_reference(gateway: XentralHttpGateway, recorder: Recorder) -> None:
    recorder.handler = lambda request: httpx.Response(
        200,
        json={
            "data": [{"id": "17", "documentNumber": "", "status": "released", "externalOrderNumber": "SHOP-1"}],
            "extra": {"totalCount": 1},
        },
    )
    orders = await gateway.find_orders_by_reference("SHOP-1")
    assert orders[0].document_number is None
    query = _query(recorder.requests[0])
    assert query[:3] == [
        ("filter[0][key]", "externalOrderNumber"),
        ("filter[0][op]", "equals"),
        ("filter[0][value]", "SHOP-1"),
    ]


async def test_mapping_lists(gateway: XentralHttpGateway, recorder: Recorder) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        data = {
            "/api/v1/shippingMethods": [
                {"id": "1", "module": "glsapi", "type": "gls", "designation": "GLS", "project": {"id": "1"}}
            ],
            "/api/v1/paymentMethods": [{"id": "6", "type": "amazon", "designation": "Amazon", "project": None}],
            "/api/v1/projects": [{"id": "91", "name": "Standard - 1", "keyName": "STANDARD1", "currency": "EUR"}],
        }[request.url.path]
        return httpx.Response(200, json={"data": data, "extra": {"totalCount": 1, "page": {"number": 1, "size": 50}}})

    recorder.handler = handler
    assert [(m.id, m.type, m.module, m.designation) for m in await gateway.shipping_methods()] == [
        ("1", "gls", "glsapi", "GLS")
    ]
    assert [(m.id, m.type, m.designation) for m in await gateway.payment_methods()] == [("6", "amazon", "Amazon")]
    assert [(p.id, p.key_name, p.currency) for p in await gateway.projects()] == [("91", "STANDARD1", "EUR")]


async def test_money_the_gateway_reads(gateway: XentralHttpGateway, recorder: Recorder) -> None:
    """Product tax class, project rates and the list's totals (floats on the wire) as exact decimals."""

    def answer(request: httpx.Request) -> httpx.Response:
        extra = {"totalCount": 1, "page": {"number": 1, "size": 50}}
        if request.url.path.endswith("/salesOrders"):
            item = {"id": "7", "externalOrderNumber": "R-1", "status": "released", "total": 598.94, "netSales": 587}
            return httpx.Response(200, json={"data": [item], "extra": extra})
        if request.url.path.endswith("/projects"):
            project = {"id": "1", "name": "P", "keyName": "P", "normalTaxRate": 13.3, "reducedTaxRate": 7}
            return httpx.Response(200, json={"data": [project], "extra": extra})
        product = {"id": "5", "number": "BOOK-001", "salesTax": "reduced"}
        return httpx.Response(200, json={"data": [product], "extra": extra})

    recorder.handler = answer
    [order] = await gateway.find_orders_by_reference("R-1")
    assert (order.total, order.net_sales) == (Decimal("598.94"), Decimal("587.00"))
    [project] = await gateway.projects()
    assert project.tax_rates is not None
    assert (project.tax_rates.normal, project.tax_rates.reduced) == (Decimal("13.3"), Decimal("7"))
    assert (await gateway.products_by_sku(["BOOK-001"]))["BOOK-001"].tax_class == "reduced"
