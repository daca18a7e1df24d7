"""Every request our Xentral client sends is valid against Xentral's official OpenAPI spec.

The client talks to `httpx.MockTransport`, which records each request and answers with a
plausible response; each recorded request is then validated with openapi-core 0.23
(server + path + method, security, path parameters, content type and body schema).

Query parameters are checked by this module instead: openapi-core 0.23 cannot deserialize
Xentral's query style — `style: deepObject` without `explode: true` (page, cursor, order)
and deepObject *arrays* (filter) raise `DeserializeError` even when the parameter is not
sent. So those openapi-core errors are set aside, and the query string is decoded the way
Xentral's PHP backend does (`filter[0][value][]=A` → `{"filter": [{"value": ["A"]}]}`) and
validated against each parameter's schema from the spec (filter key/op enums, required
page members, `\\d+` patterns), plus: no undeclared query parameter is sent.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Awaitable, Callable
from dataclasses import replace
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

import httpx
import pytest

from tests.support.spec import load_openapi, spec_path
from unified_order_api.orders.model import (
    Address,
    CustomerAddress,
    Fulfilment,
    LineTax,
    Money,
    NewCustomer,
    OrderDiscount,
    OrderDraft,
    OrderLine,
    ShippingCost,
)
from unified_order_api.xentral import (
    Cursor,
    Filter,
    Page,
    XentralClient,
    XentralHttpGateway,
    build_import_payload,
    customer_address_body,
    customer_create,
)
from unified_order_api.xentral.cancellations import XentralCancellations
from unified_order_api.xentral.event_lookups import XentralEventLookups
from unified_order_api.xentral.subscriptions import XentralWebhookSubscriptions
from unified_order_api.xentral.tracking_reads import XentralTrackingReads, wire_time
from unified_order_api.xentral_events import SUBSCRIBED_EVENTS

openapi_core = pytest.importorskip("openapi_core")
openapi_schema_validator = pytest.importorskip("openapi_schema_validator")
werkzeug_datastructures = pytest.importorskip("werkzeug.datastructures")

BASE_URL = "https://demo.xentral.biz"  # matches the spec's server `https://{xentralId}.xentral.biz`
TOKEN = "contract-test-token"


@cache
def _loaded(path: Path) -> tuple[Any, dict[str, Any]]:
    return load_openapi(path), json.loads(path.read_text())


def _spec() -> tuple[Any, dict[str, Any]]:
    """The Xentral 2026 spec (tests/support/spec.py: `XENTRAL_OPENAPI_SPEC` or `../shared/xentral/`)."""
    return _loaded(spec_path())


# --- openapi-core request adapter ----------------------------------------------------------


class HttpxOpenAPIRequest:
    """An `httpx.Request` seen through openapi-core's `Request` protocol."""

    def __init__(self, request: httpx.Request) -> None:
        self._request = request
        self.parameters = openapi_core.datatypes.RequestParameters(
            query=werkzeug_datastructures.ImmutableMultiDict(_query_pairs(request)),
            header=werkzeug_datastructures.Headers(list(request.headers.items())),
            cookie=werkzeug_datastructures.ImmutableMultiDict(),
        )

    @property
    def host_url(self) -> str:
        return f"{self._request.url.scheme}://{self._request.url.netloc.decode()}"

    @property
    def path(self) -> str:
        return self._request.url.path

    @property
    def method(self) -> str:
        return self._request.method.lower()

    @property
    def body(self) -> bytes | None:
        return self._request.content or None

    @property
    def content_type(self) -> str:
        return str(self._request.headers.get("content-type", "")).lower()


def _query_pairs(request: httpx.Request) -> list[tuple[str, str]]:
    return parse_qsl(request.url.query.decode(), keep_blank_values=True)


def _is_undeserializable_query_param(error: Exception) -> bool:
    from openapi_core.deserializing.exceptions import DeserializeError
    from openapi_core.validation.request.exceptions import ParameterValidationError

    return (
        isinstance(error, ParameterValidationError)
        and error.location == "query"
        and isinstance(error.__cause__, DeserializeError)
    )


# --- our own query validation ------------------------------------------------------------


def decode_php_query(pairs: list[tuple[str, str]]) -> dict[str, Any]:
    """Decode bracket parameters as PHP does; objects with keys 0..n-1 become arrays."""
    root: dict[str, Any] = {}
    for raw_key, value in pairs:
        head, _, rest = raw_key.partition("[")
        segments = [head] + ([s for s in rest[:-1].split("][")] if rest else [])
        node: Any = root
        for index, segment in enumerate(segments):
            last = index == len(segments) - 1
            if segment == "":
                assert isinstance(node, list), f"mixed array/object in {raw_key}"
                if last:
                    node.append(value)
                    break
                node.append({})
                node = node[-1]
                continue
            assert isinstance(node, dict), f"mixed array/object in {raw_key}"
            if last:
                assert segment not in node, f"repeated query parameter {raw_key}"
                node[segment] = value
            else:
                next_is_append = segments[index + 1] == ""
                node = node.setdefault(segment, [] if next_is_append else {})
    decoded: dict[str, Any] = _listify(root)
    return decoded


def _listify(node: Any) -> Any:
    if isinstance(node, dict):
        converted = {key: _listify(value) for key, value in node.items()}
        if converted and sorted(converted) == [str(i) for i in range(len(converted))]:
            return [converted[str(i)] for i in range(len(converted))]
        return converted
    if isinstance(node, list):
        return [_listify(item) for item in node]
    return node


def validate_query(operation: dict[str, Any], request: httpx.Request) -> None:
    decoded = decode_php_query(_query_pairs(request))
    declared = {p["name"]: p for p in operation.get("parameters", []) if p["in"] == "query"}
    undeclared = set(decoded) - set(declared)
    assert not undeclared, f"query parameters not in the spec: {sorted(undeclared)}"
    for name, parameter in declared.items():
        if name not in decoded:
            assert not parameter.get("required"), f"required query parameter {name} missing"
            continue
        validator = openapi_schema_validator.OAS30Validator(
            parameter["schema"], format_checker=openapi_schema_validator.oas30_format_checker
        )
        errors = [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(decoded[name])]
        assert not errors, f"query parameter {name}={decoded[name]!r} invalid: {errors}"


def assert_valid(request: httpx.Request) -> None:
    openapi, raw = _spec()
    result = openapi.unmarshal_request(HttpxOpenAPIRequest(request))
    remaining = [e for e in result.errors if not _is_undeserializable_query_param(e)]
    details = [f"{e!r} caused by {e.__cause__!r}" for e in remaining]
    assert not remaining, f"{request.method} {request.url.path}: {details}"
    path_pattern = _path_pattern(raw, request.url.path)
    validate_query(raw["paths"][path_pattern][request.method.lower()], request)


def _path_pattern(raw: dict[str, Any], path: str) -> str:
    """The spec path for `path`: a literal match first, then a `{param}` template."""
    if path in raw["paths"]:
        return path
    parts = path.strip("/").split("/")
    for pattern in raw["paths"]:
        candidate = pattern.strip("/").split("/")
        if len(candidate) == len(parts) and all(
            c == p or (c.startswith("{") and c.endswith("}")) for c, p in zip(candidate, parts, strict=True)
        ):
            return str(pattern)
    raise AssertionError(f"no spec path for {path}")


def test_php_query_decoding() -> None:
    pairs = [
        ("filter[0][key]", "number"),
        ("filter[0][op]", "in"),
        ("filter[0][value][]", "A"),
        ("filter[0][value][]", "B"),
        ("page[number]", "1"),
        ("page[size]", "50"),
    ]
    assert decode_php_query(pairs) == {
        "filter": [{"key": "number", "op": "in", "value": ["A", "B"]}],
        "page": {"number": "1", "size": "50"},
    }


# --- plausible answers -------------------------------------------------------------------

_RECEIVER = "https://uoa.example.com/api/xentral/default/events"
_ITEMS: dict[str, list[dict[str, Any]]] = {
    "/api/v2/products": [{"id": "241", "number": "SKU-1", "name": "T-Shirt", "isDisabled": False}],
    "/api/v2/customers": [
        {
            "id": "7",
            "number": "10001",
            "customerType": "person",
            "name": "Max Muster",
            "contactDetails": {"email": "max@ex.de"},
        }
    ],
    "/api/v2/customers/7/addresses": [
        {"id": "masterdata", "type": "masterdata", "name": "Max Muster", "street": "Weg 1", "zip": "12345"},
        {"id": "3", "type": "deliveryaddress", "name": "Erika", "street": "Gasse 2", "zip": "54321", "city": "B"},
    ],
    "/api/v1/salesOrders": [
        {"id": "17", "documentNumber": "200001", "status": "released", "externalOrderNumber": "SHOP-1001"}
    ],
    "/api/v1/shippingMethods": [
        {"id": "1", "module": "glsapi", "type": "gls", "designation": "GLS", "project": {"id": "1"}}
    ],
    "/api/v1/paymentMethods": [{"id": "6", "type": "amazon", "designation": "Amazon", "project": None}],
    "/api/v1/projects": [{"id": "91", "name": "Standard", "keyName": "STANDARD1", "currency": "EUR"}],
    "/api/v1/webhooks": [
        {
            "id": "3",
            "name": "unified-order-api",
            "url": _RECEIVER,
            "events": [{"id": "com.xentral.salesOrder.updated.v1"}],
        },
    ],
    "/api/v1/webhookEventTypes": [{"id": "com.xentral.shipment.created.v1", "group": "shipment"}],
    "/api/v1/deliveryNotes": [{"id": "5", "documentNumber": "300001", "salesOrder": {"id": "17"}}],
    "/api/v1/deliveries": [
        {"id": "3", "salesOrder": {"id": "17"}, "deliveryNote": {"id": "5"}, "tracking": {"number": "T1"}}
    ],
    "/api/v2/salesChannels": [
        {
            "id": "1",
            "uuid": "4f5c2a8e-1b7d-4c1e-9a59-0c6c3f1e2a01",
            "name": "Shopware",
            "moduleName": "shopware6",
            "project": {"id": "4"},
            "active": True,
        }
    ],
}


def _answer(request: httpx.Request) -> httpx.Response:
    path = request.url.path
    if request.method in ("PATCH", "DELETE") or path.endswith("/actions/cancel"):
        return httpx.Response(204)
    if request.method == "POST":
        return httpx.Response(201, headers={"Location": f"{BASE_URL}{path}/394", "content-type": "text/html"})
    if path in _ITEMS:
        extra: dict[str, Any] = {"totalCount": len(_ITEMS[path])}
        if path == "/api/v2/customers" and "cursor[size]" in request.url.params:
            extra["cursor"] = {"nextCursor": "", "size": 10}
        return httpx.Response(200, json={"data": _ITEMS[path], "extra": extra})
    collection, _, item_id = path.rpartition("/")
    item = dict(_ITEMS[collection][0], id=item_id)
    return httpx.Response(200, json={"data": item})


_ADDRESS = Address(
    name="Max Muster",
    street="Musterstr. 1",
    zip="12345",
    city="Berlin",
    country="DE",
    company="ACME GmbH",
    salutation="mr",
    title="Dr.",
    address_supplement="Hinterhaus",
    state="BE",
    email="max@ex.de",
    phone="+49 30 1",
)
_NEW_CUSTOMER = NewCustomer(
    kind="person", name="Max Muster", email="max@ex.de", address=_ADDRESS, project_id="1", phone="+49 30 1"
)
_NEW_COMPANY = NewCustomer(
    kind="company", name="ACME GmbH", email="", address=_ADDRESS, vat_id="DE123456789", number="K-77"
)
_ELSEWHERE = Address(
    name="Erika Muster", company="ACME", street="Gasse 2", zip="54321", city="B", country="AT", phone="+43 1"
)
_FULL_DRAFT = OrderDraft(
    order_date=dt.date(2025, 1, 15),
    reference="SHOP-1001",
    customer_id="394",
    project_id="4",
    payment_method_id="1",
    shipping_method_id="4",
    currency="EUR",
    lines=(
        OrderLine(
            product_id="241",
            sku="SKU-1",
            quantity=Decimal("2"),
            unit_price=Money(Decimal("19.99"), "EUR"),
            line_id="l-1",
            tax=LineTax(category="normal", rate=None, percent=Decimal(19)),
            discount_percent=Decimal(15),
        ),
        OrderLine(
            product_id="242",
            sku="SKU-2",
            quantity=Decimal("0.5"),
            tax=LineTax(category=None, rate=Decimal("7.5"), percent=Decimal("7.5")),
        ),
        OrderLine(
            product_id="454",
            sku="",
            quantity=Decimal(1),
            unit_price=Money(Decimal("2.00"), "EUR"),
            tax=LineTax(category="normal", rate=None, percent=Decimal(19)),
            comment="Cash on delivery",
        ),
    ),
    billing_address=_ADDRESS,
    shipping_address=_ADDRESS,
    sales_channel_id="3",
    external_order_id="987654321",
    transaction_number="PAYPAL-TX-1",
    customer_order_number="PO-77",
    internal_note="note",
    internal_designation="unified-api",
    language="de",
    auto_shipping=True,
    custom_fields={"gift": "yes"},
    prices="gross",
    taxation="eu",
    vat_id="ATU12345678",
    shipping_costs=(
        ShippingCost("453", Money(Decimal("4.90"), "EUR"), LineTax("normal", None, Decimal(19)), "DHL", "ship-1"),
    ),
    discounts=(
        OrderDiscount("99", Money(Decimal("10.00"), "EUR"), LineTax("normal", None, Decimal(19)), "TENOFF", "c-7"),
    ),
    vat_id_checked=True,
    fulfilment=Fulfilment(fast_lane=True, documents="delivery_note_and_invoice", preferred_warehouse_id="2"),
)
_STORAGE_COUNTRY_DRAFT = replace(_FULL_DRAFT, fulfilment=Fulfilment(fast_lane=False, storage_country="AT"))
_MINIMAL_DRAFT = OrderDraft(
    order_date=dt.date(2025, 1, 15),
    reference="SHOP-1002",
    customer_id="394",
    project_id="4",
    payment_method_id="1",
    shipping_method_id="4",
    currency="EUR",
    lines=(OrderLine(product_id="241", sku="SKU-1", quantity=Decimal("1")),),
)

Call = Callable[[XentralClient, XentralHttpGateway], Awaitable[object]]

CALLS: dict[str, Call] = {
    "list_products": lambda c, g: c.list_products([Filter("number", "in", ["SKU-1", "SKU-2"])], Page(1, 50)),
    "list_products_plain": lambda c, g: c.list_products(),
    "get_product": lambda c, g: c.get_product("241"),
    "list_customers_email": lambda c, g: c.list_customers([Filter("email", "equals", "max+1@ex.de")], Cursor(10)),
    "list_customers_next": lambda c, g: c.list_customers([Filter("number", "equals", "10001")], Cursor(10, "MTA=")),
    "list_customers_in_pages": lambda c, g: c.list_customers(
        [Filter("email", "in", ["a@x.de", "b@x.de"])], Page(1, 50)
    ),
    "get_customer": lambda c, g: c.get_customer("7"),
    "create_customer_person": lambda c, g: c.create_customer(customer_create(_NEW_CUSTOMER)),
    "create_customer_company": lambda c, g: c.create_customer(customer_create(_NEW_COMPANY)),
    "list_customer_addresses": lambda c, g: c.list_customer_addresses("7"),
    "create_customer_address_master": lambda c, g: c.create_customer_address(
        "7", customer_address_body(CustomerAddress("masterdata", _ADDRESS))
    ),
    "create_customer_address_delivery": lambda c, g: c.create_customer_address(
        "7", customer_address_body(CustomerAddress("deliveryaddress", _ELSEWHERE))
    ),
    "list_sales_orders": lambda c, g: c.list_sales_orders([Filter("externalOrderNumber", "equals", "SHOP-1001")]),
    "get_sales_order": lambda c, g: c.get_sales_order("17"),
    "cancel_sales_order": lambda c, g: c.cancel_sales_order("17"),
    "import_full": lambda c, g: c.import_sales_order(build_import_payload(_FULL_DRAFT)),
    "import_minimal": lambda c, g: c.import_sales_order(build_import_payload(_MINIMAL_DRAFT)),
    "import_storage_country": lambda c, g: c.import_sales_order(build_import_payload(_STORAGE_COUNTRY_DRAFT)),
    "list_shipping_methods": lambda c, g: c.list_shipping_methods(),
    "list_payment_methods": lambda c, g: c.list_payment_methods(),
    "list_projects": lambda c, g: c.list_projects(),
    "list_sales_channels": lambda c, g: c.list_sales_channels(),
    "gateway_products_by_sku": lambda c, g: g.products_by_sku(["SKU-1", "SKU-2", "SKU-1"]),
    "gateway_find_customers_number": lambda c, g: g.find_customers("number", "10001"),
    "gateway_create_customer": lambda c, g: g.create_customer(_NEW_CUSTOMER),
    "gateway_find_customers_at": lambda c, g: g.find_customers_at("Max Muster", _ADDRESS),
    "gateway_customer_addresses": lambda c, g: g.customer_addresses("7"),
    "gateway_create_customer_address": lambda c, g: g.create_customer_address(
        "7", CustomerAddress("deliveryaddress", _ELSEWHERE)
    ),
    "gateway_import_order": lambda c, g: g.import_order(_FULL_DRAFT),
    "gateway_find_orders_by_reference": lambda c, g: g.find_orders_by_reference("SHOP-1001"),
    "gateway_get_order": lambda c, g: g.get_order("17"),
    "list_webhooks": lambda c, g: c.list_webhooks(),
    "list_webhook_event_types": lambda c, g: c.list_webhook_event_types(),
    "get_delivery_note": lambda c, g: c.get_delivery_note("5"),
    # The tracking poll's and the cancellations' reads, with the filters they send.
    "tracking_deliveries_of": lambda c, g: XentralTrackingReads(c).deliveries_of(["17", "18"]),
    "tracking_orders_changed": lambda c, g: c.list_sales_orders(
        [Filter("updatedAt", "greaterThanOrEquals", wire_time(dt.datetime(2026, 1, 2, tzinfo=dt.UTC)))], Page(1, 50)
    ),
    "tracking_notes_changed": lambda c, g: c.list_delivery_notes(
        [Filter("updatedAt", "greaterThanOrEquals", wire_time(dt.datetime(2026, 1, 2, tzinfo=dt.UTC)))], Page(1, 50)
    ),
    "cancellations_standing": lambda c, g: XentralCancellations({"default": c}).standing("default", "17"),
    "subscriptions_list": lambda c, g: XentralWebhookSubscriptions(c).list(),
    "subscriptions_create": lambda c, g: XentralWebhookSubscriptions(c).create(
        "unified-order-api", _RECEIVER, "k" * 43, SUBSCRIBED_EVENTS
    ),
    "subscriptions_update_with_key": lambda c, g: XentralWebhookSubscriptions(c).update(
        "3", "unified-order-api", _RECEIVER, SUBSCRIBED_EVENTS, "k" * 43
    ),
    "subscriptions_update": lambda c, g: XentralWebhookSubscriptions(c).update(
        "3", "unified-order-api", _RECEIVER, SUBSCRIBED_EVENTS, None
    ),
    "subscriptions_delete": lambda c, g: XentralWebhookSubscriptions(c).delete("3"),
    "event_lookups_note": lambda c, g: XentralEventLookups({"default": c}).delivery_note("default", "5"),
    "event_lookups_status": lambda c, g: XentralEventLookups({"default": c}).order_status("default", "17"),
}


@pytest.mark.parametrize("name", sorted(CALLS))
async def test_request_matches_the_official_spec(name: str) -> None:
    _spec()  # skip early when the spec is absent
    sent: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        sent.append(request)
        return _answer(request)

    async with XentralClient(
        BASE_URL, TOKEN, timeout=httpx.Timeout(5.0), transport=httpx.MockTransport(handler)
    ) as client:
        await CALLS[name](client, XentralHttpGateway(client))
    assert sent, "no request was sent"
    for request in sent:
        assert_valid(request)


def test_validator_catches_bad_requests() -> None:
    """The checks above can fail: an unknown body key, filter key and a missing page member."""
    bad_body = httpx.Request(
        "POST",
        f"{BASE_URL}/api/v2/customers",
        json={"customerType": "person", "firstname": "x", "lastname": "y", "contactDetails": {"nope": 1}},
        headers={"Authorization": f"Bearer {TOKEN}"},
    )
    bad_filter = httpx.Request(
        "GET",
        f"{BASE_URL}/api/v1/salesOrders",
        params={"filter[0][key]": "reference", "filter[0][op]": "equals", "filter[0][value]": "x"},
        headers={"Authorization": f"Bearer {TOKEN}"},
    )
    bad_page = httpx.Request(
        "GET",
        f"{BASE_URL}/api/v1/projects",
        params={"page[number]": "1"},
        headers={"Authorization": f"Bearer {TOKEN}"},
    )
    no_auth = httpx.Request("GET", f"{BASE_URL}/api/v1/products/1")
    expected = {bad_body: "RequestBody", bad_filter: "reference", bad_page: "size", no_auth: "Security"}
    for request, reason in expected.items():
        with pytest.raises(AssertionError, match=reason):
            assert_valid(request)
