"""Every sandbox response, success and error, validates against the Xentral 2026 spec (openapi-core).

Requests are sent over real HTTP to the sandbox in its 2026 form; each response is then checked by
openapi-core against the operation and status it answers. The operation table itself (types, scopes,
deprecation) is checked against the spec too. Only responses are validated here (the client's requests
are covered in tests/contract/test_client_requests.py).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest
from openapi_core.testing import MockRequest, MockResponse
from openapi_core.validation.response.exceptions import MissingData

from tests.support.sandbox_payloads import order_payload
from tests.support.spec import load_openapi, spec_2024_path
from xentral_sandbox import fulfilment
from xentral_sandbox.operations import OPERATIONS, find_operation
from xentral_sandbox.readings import Readings
from xentral_sandbox.testing import SandboxHandle

# Spec quirk: the servers are https://{xentralId}.xentral.biz or https://{domain}; the sandbox runs on
# 127.0.0.1:<port>, so requests are presented to openapi-core under the spec's default server URL.
SPEC_HOST = "https://xentral.xentral.biz"
MINIMAL = "application/vnd.xentral.minimal+json"
V2_BETA = "application/vnd.xentral.default.v2-beta+json"
IMPORT = "/api/v1/salesOrders/actions/import"


@pytest.fixture(scope="module")
def openapi(spec_path: Path) -> Any:
    return load_openapi(spec_path, ("application/problem+json", MINIMAL, V2_BETA))


@pytest.fixture
def client(sandbox: SandboxHandle) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=sandbox.base_url, headers=sandbox.headers) as c:
        yield c


def check(openapi: Any, response: httpx.Response, expected_status: int) -> None:
    assert response.status_code == expected_status, response.text
    request = response.request
    mock_request = MockRequest(
        SPEC_HOST,
        request.method.lower(),
        request.url.path,
        headers=dict(request.headers),
        data=request.content or None,
        content_type=request.headers.get("content-type", "application/json"),
    )
    content_type = response.headers.get("content-type", "").split(";")[0]
    mock_response = MockResponse(
        response.content,
        status_code=response.status_code,
        headers=dict(response.headers),
        content_type=content_type,
    )
    try:
        openapi.validate_response(mock_request, mock_response)
    except MissingData:
        # openapi-core treats an empty body as "no data", but Xentral's 201 declares text/html with the
        # schema enum [""]: the empty string *is* the documented body. Only that case is let through.
        assert response.status_code == 201 and response.content == b""
        assert response.headers["content-type"].startswith("text/html") and response.headers["location"]


def import_order(client: httpx.Client, **changes: Any) -> httpx.Response:
    return client.post(IMPORT, json=order_payload(**changes))


def _filter(key: str, op: str, value: str) -> dict[str, str]:
    return {"filter[0][key]": key, "filter[0][op]": op, "filter[0][value]": value}


GETS: list[tuple[str, dict[str, str], str | None, int]] = [
    ("/api/v2/customers", {}, None, 200),
    ("/api/v2/customers", {"page[number]": "1", "page[size]": "2"}, None, 200),
    ("/api/v2/customers", {"cursor[size]": "2"}, None, 200),
    ("/api/v2/customers", {"cursor[size]": "50"}, None, 200),  # last page: nextCursor ""
    ("/api/v2/customers", _filter("email", "equals", "max@example.com"), None, 200),
    ("/api/v2/customers", _filter("street", "equals", "Musterstr. 1"), None, 200),
    ("/api/v2/customers", _filter("bogus", "equals", "x"), None, 400),
    ("/api/v2/customers", _filter("email", "contains", "x"), None, 400),  # not among v2's ops
    ("/api/v2/customers", {"page[number]": "1", "page[size]": "2", "cursor[size]": "2"}, None, 400),
    ("/api/v2/customers/1", {}, None, 200),
    ("/api/v2/customers/2", {}, None, 200),
    ("/api/v2/customers/999", {}, None, 404),
    ("/api/v2/customers/1/addresses", {}, None, 200),
    ("/api/v2/customers/999/addresses", {}, None, 404),
    ("/api/v2/products", {"page[number]": "1", "page[size]": "50"}, None, 200),
    ("/api/v2/products", _filter("number", "in", "ART-001"), None, 400),  # `in` needs an array
    (
        "/api/v2/products",
        {"filter[0][key]": "number", "filter[0][op]": "in", "filter[0][value][]": "ART-001"},
        None,
        200,
    ),
    ("/api/v2/products/1", {}, None, 200),
    ("/api/v2/products/4", {}, None, 200),
    ("/api/v2/products/1", {}, MINIMAL, 200),
    ("/api/v2/products/999", {}, None, 404),
    ("/api/v1/products", {"page[number]": "1", "page[size]": "50"}, None, 200),
    ("/api/v1/products", {}, MINIMAL, 200),
    ("/api/v1/products", {"page[number]": "1"}, None, 400),
    ("/api/v1/products/1", {}, None, 200),
    ("/api/v1/products/1", {}, MINIMAL, 200),
    ("/api/v1/products/1", {}, V2_BETA, 200),
    ("/api/v1/products/999", {}, None, 404),
    ("/api/v2/salesChannels", {}, None, 200),
    ("/api/v2/salesChannels", _filter("moduleName", "equals", "shopify"), None, 200),
    ("/api/v1/shippingMethods", {}, None, 200),
    ("/api/v1/shippingMethods", {}, "application/xml", 406),
    ("/api/v1/paymentMethods", _filter("type", "equals", "paypal"), None, 200),
    ("/api/v1/projects", {}, None, 200),
    ("/api/v1/externalReferenceTargets", {}, None, 200),
    ("/api/v1/externalReferenceTargets", {"filter[0][key]": "x"}, None, 200),  # no filters declared: ignored
    ("/api/v1/webhooks", {}, None, 200),
    ("/api/v1/webhooks/999", {}, None, 404),
    ("/api/v1/webhookEventTypes", {}, None, 200),
]


def test_webhook_subscriptions(openapi: Any, client: httpx.Client) -> None:
    """Create, list, view, update, delete and a refused create, each answer as the spec declares it."""
    body = {
        "name": "ours",
        "url": "https://example.com/hook",
        "signatureKey": "k" * 24,
        "events": [{"id": "com.xentral.salesOrder.dispatched.v1"}],
    }
    created = client.post("/api/v1/webhooks", json=body)
    check(openapi, created, 201)
    path = "/api/v1/webhooks/" + created.headers["location"].rsplit("/", 1)[1]
    check(openapi, client.get("/api/v1/webhooks"), 200)
    check(openapi, client.get(path), 200)
    check(openapi, client.patch(path, json={k: v for k, v in body.items() if k != "signatureKey"}), 204)
    check(openapi, client.post("/api/v1/webhooks", json=body | {"signatureKey": 5}), 400)
    check(openapi, client.delete(path), 204)


@pytest.mark.parametrize(("path", "params", "accept", "status"), GETS)
def test_get_operations(
    openapi: Any, client: httpx.Client, path: str, params: dict[str, str], accept: str | None, status: int
) -> None:
    headers = {"Accept": accept} if accept else {}
    check(openapi, client.get(path, params=params, headers=headers), status)


def test_sales_orders_list_and_view(openapi: Any, client: httpx.Client) -> None:
    check(openapi, import_order(client), 201)
    body = order_payload(externalOrderNumber="SHOP-1002", vatCheck=True, autoCreateDocuments="invoice")
    body["financials"]["tax"] = {"taxation": "domestic", "taxDisplay": "net", "normalTaxRate": 19}
    body["financials"]["paymentTerms"] = {"paymentTargetDays": 14, "directDebitDate": "2025-02-01"}
    body["financials"]["costCenter"] = {"id": "3", "number": "KST-3"}
    body["financials"]["billingAddress"] |= {"phoneNumber": "+49 30 1", "mobile": "+49 171 1"}
    body["financials"]["currency"] = "SEK"
    body["delivery"] |= {"fastLane": True, "storageCountry": "DE"}
    body["delivery"]["shippingAddress"] = {"name": "Max", "country": "DE", "title": "Dr.", "email": ""}
    body["positions"][0]["desiredDeliveryDate"] = "2025-01-20"
    body["discountPositions"] = [
        {
            "discountProduct": {"id": "99"},
            "quantity": 1,
            "value": {"amount": "5.00", "currency": "EUR"},
            "tax": {"taxText": None},
        }
    ]
    body["tags"] = [{"id": "1"}]
    body["setTotalAmount"] = {
        "isActive": True,
        "totalGrossAmountFromExternal": 80.0,
        "maximumDifferenceToCalculatedSum": 1,
    }
    check(openapi, client.post(IMPORT, json=body), 201)
    check(openapi, client.get("/api/v1/salesOrders", params={"page[number]": "1", "page[size]": "10"}), 200)
    check(openapi, client.get("/api/v1/salesOrders", headers={"Accept": MINIMAL}), 200)
    check(openapi, client.get("/api/v1/salesOrders", params=_filter("stockOk", "equals", "1")), 200)
    for order_id in ("1", "2"):
        check(openapi, client.get(f"/api/v1/salesOrders/{order_id}"), 200)
        check(openapi, client.get(f"/api/v1/salesOrders/{order_id}", headers={"Accept": MINIMAL}), 200)
    check(openapi, client.get("/api/v1/salesOrders/999"), 404)
    check(openapi, client.get("/api/v1/salesOrders/1", headers={"Accept": "text/plain"}), 406)


def test_import_errors(openapi: Any, client: httpx.Client) -> None:
    check(openapi, import_order(client, positions=[{"product": {"id": "999"}, "quantity": 1}]), 400)
    check(openapi, import_order(client, bogus=True), 400)
    both = order_payload()
    both["delivery"] |= {"storageCountry": "DE", "preferredWarehouse": {"id": "2"}}
    check(openapi, client.post(IMPORT, json=both), 400)
    check(
        openapi,
        client.post(IMPORT, content=b"{not json", headers={"Content-Type": "application/json"}),
        400,
    )


def test_customer_creates_and_addresses(openapi: Any, client: httpx.Client) -> None:
    person = {"customerType": "person", "firstname": "A", "lastname": "B", "number": "N-1"}
    check(openapi, client.post("/api/v2/customers", json=person), 201)
    check(openapi, client.post("/api/v2/customers", json=person), 409)
    check(openapi, client.post("/api/v2/customers", json={"customerType": "company"}), 400)
    check(openapi, client.post("/api/v2/customers", json={"customerType": "robot"}), 400)
    check(openapi, client.post("/api/v2/customers", content=b"x", headers={"Content-Type": "text/plain"}), 415)
    address = {"type": "billingaddress", "name": "A B", "street": "S 1", "zip": "1", "city": "C", "country": "DE"}
    check(openapi, client.post("/api/v2/customers/4/addresses", json=address), 201)
    check(openapi, client.post("/api/v2/customers/4/addresses", json=address), 409)
    check(openapi, client.post("/api/v2/customers/4/addresses", json=address | {"country": "DEU"}), 400)
    check(openapi, client.post("/api/v2/customers/999/addresses", json=address), 404)
    check(openapi, client.get("/api/v2/customers", params={"cursor[size]": "50"}), 200)
    check(openapi, client.get("/api/v2/customers/4"), 200)
    check(openapi, client.get("/api/v2/customers/4/addresses"), 200)


def test_unauthorized(openapi: Any, sandbox: SandboxHandle) -> None:
    for path in ("/api/v2/customers", "/api/v2/products", "/api/v1/salesOrders/1", "/api/v1/shippingMethods"):
        check(openapi, httpx.get(f"{sandbox.base_url}{path}"), 401)


def test_missing_scopes(openapi: Any, sandbox: SandboxHandle) -> None:
    """The documented 400 `#token-scopes` where an operation declares it, 403 where not; under the other
    readings a 401 JSON message or a bare 403 — each a documented answer of the operation."""
    sandbox.state.tokens["read-only"] = frozenset({"customer:read"})
    headers = {"Authorization": "Bearer read-only", "Accept": "application/json, application/problem+json"}
    with httpx.Client(base_url=sandbox.base_url, headers=headers) as limited:
        check(openapi, limited.get("/api/v2/customers"), 200)
        check(openapi, limited.get("/api/v2/products"), 400)
        check(openapi, limited.get("/api/v1/salesOrders/1"), 403)
        check(openapi, limited.get("/api/v2/salesChannels"), 403)
        sandbox.state.readings = Readings(missing_scope="401")
        check(openapi, limited.get("/api/v2/products"), 401)


def test_rate_limited(openapi: Any, sandbox: SandboxHandle, client: httpx.Client) -> None:
    sandbox.faults.rate_limit(count=1)
    check(openapi, client.get("/api/v1/products"), 429)


def _spec_operations(spec_path: Path) -> dict[tuple[str, str], dict[str, Any]]:
    raw = json.loads(spec_path.read_text())
    return {
        (method.upper(), path): operation
        for path, item in raw["paths"].items()
        for method, operation in item.items()
        if method in {"get", "post", "put", "patch", "delete"}
    }


def _success_types(operation: dict[str, Any]) -> set[str]:
    return {
        media
        for status, response in operation["responses"].items()
        if str(status).startswith("2")
        for media in (response.get("content") or {})
    }


def test_the_operation_table_is_the_specs(spec_path: Path) -> None:
    """Every operation the sandbox serves is in the 2026 spec with the spec's success types, its
    deprecation, its scope (as the descriptions name scopes) and its 400 `#token-scopes` problem."""
    spec = _spec_operations(spec_path)
    for operation in OPERATIONS:
        declared = spec.get((operation.method, operation.template))
        assert declared is not None, f"{operation.name} is not in the 2026 spec"
        assert set(operation.produces) == _success_types(declared), operation.name
        assert operation.deprecated == bool(declared.get("deprecated")), operation.name
        problem = "token-scopes" in json.dumps(declared["responses"].get("400", {}))
        assert operation.declares_scope_problem == problem, operation.name
        resource, _, action = operation.scope.partition(":")
        verb = operation.template.rpartition("/actions/")[2] if "/{id}/actions/" in operation.template else None
        assert resource and action in {"read", "create", "update", "delete", verb}, operation.name
        expected = verb or {"POST": "create", "PATCH": "update", "DELETE": "delete"}.get(operation.method, "read")
        assert action == expected, operation.name


def test_an_accept_no_declared_type_satisfies_is_406(
    openapi: Any, sandbox: SandboxHandle, client: httpx.Client
) -> None:
    """For every operation served: an Accept admitting none of its declared success types gets 406 and
    changes nothing; an Accept naming any one of them is served. (Where the spec does not list 406 for an
    operation, the sandbox still answers it: HTTP allows it, and a silent JSON would hide the mismatch.)"""
    body = {
        IMPORT: order_payload(),
        "/api/v2/customers": {"customerType": "company", "name": "Neu"},
        "/api/v2/customers/{customerId}/addresses": {
            "type": "deliveryaddress",
            "name": "N",
            "street": "S",
            "city": "C",
            "country": "DE",
        },
        "/api/v1/webhooks": {
            "name": "ours",
            "url": "https://example.com/hook",
            "signatureKey": "k" * 20,
            "events": [{"id": "com.xentral.salesOrder.released.v1"}],
        },
    }

    def send(method: str, path: str, accept: str) -> httpx.Response:
        payload = body[path] if method == "POST" else None
        concrete = path.replace("{id}", "1").replace("{customerId}", "1")
        return client.request(method, concrete, json=payload, headers={"Accept": accept})

    customers_before = len(sandbox.state.customers)
    for operation in OPERATIONS:
        if not operation.produces:
            continue  # answered without a body (204): any Accept is satisfied
        refused = ["application/x-none", "text/plain, application/xml;q=0.9", "application/json;q=0, text/csv;q=0"]
        if "application/json" not in operation.produces:
            refused.append("application/json")  # the creates: their 201 is text/html only
        for accept in refused:
            response = send(operation.method, operation.template, accept)
            assert response.status_code == 406, f"{operation.name} with Accept {accept!r}"
    assert not sandbox.state.sales_orders and len(sandbox.state.customers) == customers_before
    assert not sandbox.state.customers["1"].get("addresses")
    assert client.post(IMPORT, json=order_payload(), headers={"Accept": "text/html"}).status_code == 201
    assert not sandbox.state.webhooks
    sandbox.state.webhooks["1"] = {
        "id": "1",
        "name": "n",
        "url": "https://e.com",
        "signatureKey": "k" * 20,
        "events": [],
    }
    fulfilment.ship(sandbox.state, "1", tracking_number="T1")  # a delivery note and a shipment 1 to read
    for operation in OPERATIONS:
        for accept in operation.produces:
            response = send(operation.method, operation.template, accept)
            assert response.status_code in {200, 201}, f"{operation.name} with {accept!r}: {response.status_code}"
            assert response.headers.get("content-type", "").startswith(accept)


def test_served_paths_resolve_to_their_operation() -> None:
    for operation in OPERATIONS:
        concrete = operation.template.replace("{id}", "7").replace("{customerId}", "8")
        assert find_operation(operation.method, concrete) == operation


def test_the_operations_that_left_since_2024(spec_path: Path, client: httpx.Client) -> None:
    """The one use of the December 2024 spec: which of its operations the 2026 spec no longer has. They are
    exactly the v1 customer reads and create; the sandbox answers them 404, as today's Xentral does."""
    left = set(_spec_operations(spec_2024_path())) - set(_spec_operations(spec_path))
    assert left == {("GET", "/api/v1/customers"), ("POST", "/api/v1/customers"), ("GET", "/api/v1/customers/{id}")}
    for method, template in sorted(left):
        assert find_operation(method, template.replace("{id}", "1")) is None
        response = client.request(method, template.replace("{id}", "1"), json={} if method == "POST" else None)
        assert (response.status_code, response.content) == (404, b""), f"{method} {template}"


def test_deliveries_shipments_and_delivery_notes(openapi: Any, sandbox: SandboxHandle, client: httpx.Client) -> None:
    """After a dispatch, a partial parcel and the rest: every read of deliveries and notes is the spec's."""
    check(openapi, import_order(client), 201)
    order = sandbox.state.sales_orders["1"]
    fulfilment.dispatch(sandbox.state, "1")
    position = order["positions"][0]["id"]
    fulfilment.ship(sandbox.state, "1", tracking_number="A1", lines=[fulfilment.Line(position, Decimal(1))])
    fulfilment.ship(sandbox.state, "1", tracking_number="A2", carrier="DHL", tracking_url="https://t.example/A2")
    check(openapi, client.get("/api/v1/deliveries"), 200)
    check(openapi, client.get("/api/v1/deliveries", params=_filter("salesOrderId", "equals", "1")), 200)
    check(openapi, client.get("/api/v1/deliveries", params=_filter("sentAt", "greaterThanOrEquals", "2026-01-01")), 200)
    check(openapi, client.get("/api/v1/shipments/1"), 200)
    check(openapi, client.get("/api/v1/shipments/999"), 404)
    check(openapi, client.get("/api/v1/deliveryNotes"), 200)
    check(openapi, client.get("/api/v1/deliveryNotes", params=_filter("updatedAt", "greaterThan", "2026-01-01")), 200)
    check(openapi, client.get("/api/v1/deliveryNotes", params=_filter("bogus", "equals", "1")), 400)
    check(openapi, client.get("/api/v1/deliveryNotes/1"), 200)
    check(openapi, client.get("/api/v1/deliveryNotes/1", headers={"Accept": "application/pdf"}), 200)
    check(openapi, client.get("/api/v1/deliveryNotes/999"), 404)
    check(openapi, client.get("/api/v1/deliveryNotes/1/shipments"), 200)
    check(openapi, client.get("/api/v1/salesOrders", params=_filter("updatedAt", "greaterThan", "2026-01-01")), 200)


def test_the_cancel_action(openapi: Any, sandbox: SandboxHandle, client: httpx.Client) -> None:
    """`POST /api/v1/salesOrders/{id}/actions/cancel`: 204 for a released order (it reads `canceled` after),
    409 `problems/conflict` for one cancelled already or dispatched, 404 for none; every answer the spec's."""
    cancel = "/api/v1/salesOrders/{}/actions/cancel"
    check(openapi, import_order(client), 201)
    check(openapi, client.post(cancel.format(1), json={"notifyCustomer": False}), 204)
    assert sandbox.state.sales_orders["1"]["status"] == "canceled"
    check(openapi, client.get("/api/v1/salesOrders/1"), 200)
    check(openapi, client.post(cancel.format(1), json={}), 409)
    check(openapi, client.post(cancel.format(999), json={}), 404)
    check(openapi, import_order(client, externalOrderNumber="C-2"), 201)
    fulfilment.dispatch(sandbox.state, "2")
    refused = client.post(cancel.format(2), json={"notifyCustomer": True})
    check(openapi, refused, 409)
    assert "dispatched" in refused.json()["messages"][0]
    assert sandbox.state.sales_orders["2"]["status"] == "released"
    check(openapi, import_order(client, externalOrderNumber="C-3"), 201)
    form = {"Content-Type": "application/x-www-form-urlencoded"}
    check(openapi, client.post(cancel.format(3), content=b"", headers=form), 204)  # the spec's body-less example


def test_the_cancel_action_under_the_literal_v1_reading(
    openapi: Any, sandbox: SandboxHandle, client: httpx.Client
) -> None:
    """Read as its text stands ("only 'created' or 'completed'"), the v1 action refuses a released order."""
    sandbox.state.readings = Readings(cancellable="created-or-completed")
    check(openapi, import_order(client), 201)
    check(openapi, client.post("/api/v1/salesOrders/1/actions/cancel", json={}), 409)
    assert sandbox.state.sales_orders["1"]["status"] == "released"
