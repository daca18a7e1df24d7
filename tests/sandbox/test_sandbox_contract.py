"""Every sandbox response, success and error, validates against Xentral's OpenAPI spec (openapi-core).

Requests are sent over real HTTP; each response is then checked by openapi-core against the operation and
status it answers. Only responses are validated here (the client's requests are covered elsewhere).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from openapi_core import Config, OpenAPI
from openapi_core.testing import MockRequest, MockResponse
from openapi_core.validation.response.exceptions import MissingData

from tests.sandbox.sandbox_payloads import order_payload
from xentral_sandbox.testing import SandboxHandle

# Spec quirk: the servers are https://{xentralId}.xentral.biz or https://{domain}; the sandbox runs on
# 127.0.0.1:<port>, so requests are presented to openapi-core under the spec's default server URL.
SPEC_HOST = "https://xentral.xentral.biz"
MINIMAL = "application/vnd.xentral.minimal+json"


@pytest.fixture(scope="module")
def openapi(spec_path: Path) -> OpenAPI:
    # openapi-core only decodes plain application/json; problem+json and vendor +json types would reach the
    # schema validator as raw bytes. Register JSON decoding for exactly the types the spec declares.
    json_types = ("application/problem+json", MINIMAL, "application/vnd.xentral.default.v2-beta+json")
    config = Config(extra_media_type_deserializers=dict.fromkeys(json_types, json.loads))
    return OpenAPI.from_file_path(str(spec_path), config=config)


@pytest.fixture
def client(sandbox: SandboxHandle) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=sandbox.base_url, headers=sandbox.headers) as c:
        yield c


def check(openapi: OpenAPI, response: httpx.Response, expected_status: int) -> None:
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
    return client.post("/api/v1/salesOrders/actions/import", json=order_payload(**changes))


GETS: list[tuple[str, dict[str, str], str | None, int]] = [
    ("/api/v1/customers", {"cursor[size]": "2"}, None, 200),
    ("/api/v1/customers", {"cursor[size]": "50"}, None, 200),  # last page: nextCursor ""
    (
        "/api/v1/customers",
        {"filter[0][key]": "bogus", "filter[0][op]": "equals", "filter[0][value]": "x"},
        None,
        400,
    ),
    ("/api/v1/customers/1", {}, None, 200),
    ("/api/v1/customers/2", {}, None, 200),
    ("/api/v1/products", {"page[number]": "1", "page[size]": "50"}, None, 200),
    ("/api/v1/products", {}, MINIMAL, 200),
    ("/api/v1/products", {}, "application/vnd.xentral.default.v2-beta+json", 200),
    ("/api/v1/products", {"page[number]": "1"}, None, 400),
    ("/api/v1/products/1", {}, None, 200),
    ("/api/v1/products/4", {}, None, 200),
    ("/api/v1/products/1", {}, MINIMAL, 200),
    ("/api/v1/products/1", {}, "application/vnd.xentral.default.v2-beta+json", 200),
    ("/api/v1/products/999", {}, None, 404),
    ("/api/v1/shippingMethods", {}, None, 200),
    ("/api/v1/shippingMethods", {}, "application/xml", 406),
    (
        "/api/v1/paymentMethods",
        {"filter[0][key]": "type", "filter[0][op]": "equals", "filter[0][value]": "paypal"},
        None,
        200,
    ),
    ("/api/v1/projects", {}, None, 200),
    ("/api/v1/externalReferenceTargets", {}, None, 200),
    ("/api/v1/externalReferenceTargets", {"filter[0][key]": "x"}, None, 200),  # no filters declared: ignored
]


@pytest.mark.parametrize(("path", "params", "accept", "status"), GETS)
def test_get_operations(
    openapi: OpenAPI, client: httpx.Client, path: str, params: dict[str, str], accept: str | None, status: int
) -> None:
    headers = {"Accept": accept} if accept else {}
    check(openapi, client.get(path, params=params, headers=headers), status)


def test_sales_orders_list_and_view(openapi: OpenAPI, client: httpx.Client) -> None:
    check(openapi, import_order(client), 201)
    body = order_payload()
    body["financials"]["tax"] = {"taxation": "domestic", "taxDisplay": "net", "normalTaxRate": 19}
    body["financials"]["paymentTerms"] = {"paymentTargetDays": 14}
    body["delivery"]["shippingAddress"] = {
        "type": "mr",
        "name": "Max",
        "street": "S 1",
        "zipCode": "1",
        "city": "B",
        "country": "DE",
        "email": "",
    }
    body["discountPositions"] = [
        {
            "discountProduct": {"id": "99"},
            "quantity": 1,
            "value": {"amount": "5.00", "currency": "EUR"},
            "tax": {"taxText": None},
        }
    ]
    body["tags"] = [{"id": "1"}]
    check(openapi, client.post("/api/v1/salesOrders/actions/import", json=body), 201)
    check(openapi, client.get("/api/v1/salesOrders", params={"page[number]": "1", "page[size]": "10"}), 200)
    check(openapi, client.get("/api/v1/salesOrders", headers={"Accept": MINIMAL}), 200)
    for order_id in ("1", "2"):
        check(openapi, client.get(f"/api/v1/salesOrders/{order_id}"), 200)
        check(openapi, client.get(f"/api/v1/salesOrders/{order_id}", headers={"Accept": MINIMAL}), 200)
    check(openapi, client.get("/api/v1/salesOrders/999"), 404)
    check(openapi, client.get("/api/v1/salesOrders/1", headers={"Accept": "text/plain"}), 406)


def test_import_errors(openapi: OpenAPI, client: httpx.Client) -> None:
    check(openapi, import_order(client, positions=[{"product": {"id": "999"}, "quantity": 1}]), 400)
    check(openapi, import_order(client, bogus=True), 400)
    check(
        openapi,
        client.post(
            "/api/v1/salesOrders/actions/import",
            content=b"{not json",
            headers={"Content-Type": "application/json"},
        ),
        400,
    )


def test_customer_creates(openapi: OpenAPI, client: httpx.Client) -> None:
    v1 = {
        "type": "company",
        "general": {"name": "ACME"},
        "contact": {"email": "a@b.de"},
        "project": {"id": "1"},
    }
    check(openapi, client.post("/api/v1/customers", json=v1), 201)
    check(openapi, client.post("/api/v1/customers", json={"type": "x", "general": {}}), 400)
    check(openapi, client.post("/api/v1/customers", content=b"x", headers={"Content-Type": "text/plain"}), 415)
    v2 = {"type": "person", "firstname": "A", "lastname": "B", "number": "N-1"}
    check(openapi, client.post("/api/v2/customers", json=v2), 201)
    check(openapi, client.post("/api/v2/customers", json=v2), 409)
    check(openapi, client.post("/api/v2/customers", json={"type": "company"}), 400)
    check(openapi, client.get("/api/v1/customers", params={"cursor[size]": "50"}), 200)
    check(openapi, client.get("/api/v1/customers/4"), 200)


def test_unauthorized(openapi: OpenAPI, sandbox: SandboxHandle) -> None:
    for path in ("/api/v1/customers", "/api/v1/products", "/api/v1/salesOrders/1", "/api/v1/shippingMethods"):
        check(openapi, httpx.get(f"{sandbox.base_url}{path}"), 401)


def test_rate_limited(openapi: OpenAPI, sandbox: SandboxHandle, client: httpx.Client) -> None:
    sandbox.faults.rate_limit(count=1)
    check(openapi, client.get("/api/v1/products"), 429)


def _spec_operations(spec_path: Path) -> list[tuple[str, str, list[str], bool]]:
    """`(method, path template, declared 2xx content types, declares 406)` for every operation of the spec."""
    raw = json.loads(spec_path.read_text())
    found = []
    for path, item in raw["paths"].items():
        for method, operation in item.items():
            if method not in {"get", "post", "put", "patch", "delete"}:
                continue
            success = [
                media
                for status, response in operation["responses"].items()
                if str(status).startswith("2")
                for media in (response.get("content") or {})
            ]
            found.append((method.upper(), path, success, "406" in operation["responses"]))
    return found


def test_the_sandbox_declares_the_specs_success_types(spec_path: Path) -> None:
    from xentral_sandbox.operations import find_operation

    for method, path, success, _ in _spec_operations(spec_path):
        operation = find_operation(method, path.replace("{id}", "1"))
        assert operation is not None, f"{method} {path} is not served"
        assert set(operation.produces) == set(success), f"{method} {path}"


def test_an_accept_no_declared_type_satisfies_is_406(
    spec_path: Path, openapi: OpenAPI, sandbox: SandboxHandle, client: httpx.Client
) -> None:
    """For every operation: an Accept admitting none of its declared success types gets 406 and changes
    nothing; an Accept naming any one of them is served. (Where the spec does not list 406 for an
    operation, the sandbox still answers it: HTTP allows it, and a silent JSON would hide the mismatch.)"""
    operations = _spec_operations(spec_path)
    body = {
        "/api/v1/salesOrders/actions/import": order_payload(),
        "/api/v1/customers": {"type": "company", "general": {"name": "Neu"}},
        "/api/v2/customers": {"type": "company", "name": "Neu"},
    }

    def send(method: str, path: str, accept: str) -> httpx.Response:
        payload = body[path] if method == "POST" else None
        return client.request(method, path.replace("{id}", "1"), json=payload, headers={"Accept": accept})

    customers_before = len(sandbox.state.customers)
    for method, path, success, declares_406 in operations:
        refused = ["application/x-none", "text/plain, application/xml;q=0.9", "application/json;q=0, text/csv;q=0"]
        if "application/json" not in success:
            refused.append("application/json")  # the creates: their 201 is text/html only
        for accept in refused:
            response = send(method, path, accept)
            assert response.status_code == 406, f"{method} {path} with Accept {accept!r}"
            if declares_406:
                check(openapi, response, 406)
    assert not sandbox.state.sales_orders and len(sandbox.state.customers) == customers_before
    for method, path, success, _ in operations:
        for accept in success:
            response = send(method, path, accept)
            assert response.status_code in {200, 201}, f"{method} {path} with Accept {accept!r}: {response.status_code}"
            assert response.headers.get("content-type", "").startswith(accept)
