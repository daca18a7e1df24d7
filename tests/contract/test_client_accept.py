"""Every request our Xentral client sends carries an `Accept` the spec's declared responses satisfy.

The spec declares 406 for an unsatisfiable `Accept` and, per operation, the content types of each
response: e.g. the import's 201 is `text/html` (empty body) and its 400 `application/problem+json`.
A server negotiating as the spec says refuses a request whose `Accept` admits none of the success
types. For each request the client sends (recorded through `httpx.MockTransport`), this module
derives the declared types from the spec and checks that:

- the success type the client reads (JSON for reads, the empty `text/html` of a create) is acceptable,
  and preferred over every other declared success type (e.g. `text/csv` of the customers list);
- every type a declared error response comes in (problem+json, the 401's `text/html`) is acceptable.

The `Accept` parsing here is written from RFC 9110 §12.5.1, independent of client and sandbox.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.contract.test_client_requests import (
    BASE_URL,
    CALLS,
    TOKEN,
    _answer,
    _path_pattern,
    _spec,
)
from unified_order_api.xentral import XentralClient, XentralHttpGateway
from unified_order_api.xentral.negotiation import DECLARED


def media_ranges(accept: str) -> list[tuple[str, float]]:
    """`(range, q)` pairs of an Accept header, e.g. `("text/*", 0.5)`."""
    ranges = []
    for entry in accept.split(","):
        media, *params = (part.strip() for part in entry.split(";"))
        if not media:
            continue
        q = 1.0
        for param in params:
            name, _, value = param.partition("=")
            if name.strip().lower() == "q":
                q = float(value)
        ranges.append((media.lower(), q))
    return ranges


def quality(accept: str | None, media_type: str) -> float:
    """The q the header gives `media_type`: the most specific matching range decides (RFC 9110 §12.5.1)."""
    if accept is None:
        return 1.0  # no Accept: any type is acceptable
    kind = media_type.split("/")[0]
    best: tuple[int, float] | None = None
    for media, q in media_ranges(accept):
        specificity = 3 if media == media_type else 2 if media == f"{kind}/*" else 1 if media == "*/*" else 0
        if specificity and (best is None or specificity > best[0]):
            best = (specificity, q)
    return best[1] if best is not None else 0.0


def declared_types(operation: dict[str, Any]) -> tuple[list[str], list[str]]:
    """Content types of the operation's 2xx responses, and of its error responses."""
    success: list[str] = []
    errors: list[str] = []
    for status, response in operation["responses"].items():
        types = list((response.get("content") or {}).keys())
        (success if str(status).startswith("2") else errors).extend(types)
    return success, errors


def test_quality_follows_the_rfc() -> None:
    accept = "application/json, application/problem+json, text/html;q=0.5"
    assert quality(accept, "application/json") == 1.0
    assert quality(accept, "text/html") == 0.5
    assert quality(accept, "text/csv") == 0.0
    assert quality("application/json", "text/html") == 0.0
    assert quality("text/*;q=0.3, text/csv;q=0", "text/csv") == 0.0
    assert quality("text/*;q=0.3, text/csv;q=0", "text/html") == 0.3
    assert quality("*/*", "text/csv") == 1.0


@pytest.mark.parametrize("name", sorted(CALLS))
async def test_accept_satisfies_the_declared_responses(name: str) -> None:
    _, raw = _spec()  # skips when the spec is absent
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
        where = f"{request.method} {request.url.path}"
        operation = raw["paths"][_path_pattern(raw, request.url.path)][request.method.lower()]
        success, errors = declared_types(operation)
        accept = request.headers.get("accept")
        if request.method in ("PATCH", "DELETE") or "204" in operation["responses"]:
            assert not success, f"{where}: a 204 was expected"  # no body to read: only the errors matter
            refused = [t for t in errors if quality(accept, t) == 0]
            assert not refused, f"{where}: Accept {accept!r} refuses declared error types {refused}"
            continue
        assert success, f"{where}: the spec declares no success content (cannot check)"
        read = "application/json" if request.method == "GET" else "text/html"
        assert read in success, f"{where}: the client reads {read}, which the spec does not declare: {success}"
        assert quality(accept, read) > 0, f"{where}: Accept {accept!r} refuses the declared success type {read}"
        others = [t for t in success if t != read]
        assert all(quality(accept, t) < quality(accept, read) for t in others), (
            f"{where}: Accept {accept!r} does not prefer {read} over {others}"
        )
        refused = [t for t in errors if quality(accept, t) == 0]
        assert not refused, f"{where}: Accept {accept!r} refuses declared error types {refused}"


# The spec operation behind each client operation name (the names `negotiation.DECLARED` uses).
SPEC_OPERATIONS = {
    "list_products": ("get", "/api/v2/products"),
    "get_product": ("get", "/api/v2/products/{id}"),
    "list_customers": ("get", "/api/v2/customers"),
    "get_customer": ("get", "/api/v2/customers/{id}"),
    "create_customer": ("post", "/api/v2/customers"),
    "list_customer_addresses": ("get", "/api/v2/customers/{customerId}/addresses"),
    "create_customer_address": ("post", "/api/v2/customers/{customerId}/addresses"),
    "list_sales_orders": ("get", "/api/v1/salesOrders"),
    "get_sales_order": ("get", "/api/v1/salesOrders/{id}"),
    "import_sales_order": ("post", "/api/v1/salesOrders/actions/import"),
    "cancel_sales_order": ("post", "/api/v1/salesOrders/{id}/actions/cancel"),
    "list_shipping_methods": ("get", "/api/v1/shippingMethods"),
    "list_payment_methods": ("get", "/api/v1/paymentMethods"),
    "list_projects": ("get", "/api/v1/projects"),
    "list_sales_channels": ("get", "/api/v2/salesChannels"),
    "list_deliveries": ("get", "/api/v1/deliveries"),
    "list_delivery_notes": ("get", "/api/v1/deliveryNotes"),
    "list_webhooks": ("get", "/api/v1/webhooks"),
    "create_webhook": ("post", "/api/v1/webhooks"),
    "update_webhook": ("patch", "/api/v1/webhooks/{id}"),
    "delete_webhook": ("delete", "/api/v1/webhooks/{id}"),
    "list_webhook_event_types": ("get", "/api/v1/webhookEventTypes"),
    "get_delivery_note": ("get", "/api/v1/deliveryNotes/{id}"),
}


def test_the_client_table_names_every_operation() -> None:
    assert set(DECLARED) == set(SPEC_OPERATIONS)


@pytest.mark.parametrize("name", sorted(SPEC_OPERATIONS))
def test_the_client_table_copies_the_spec(name: str) -> None:
    """`negotiation.DECLARED` holds exactly the spec's types for every operation the client has."""
    _, raw = _spec()
    method, path = SPEC_OPERATIONS[name]
    success, errors = declared_types(raw["paths"][path][method])
    assert set(DECLARED[name].success) == set(success), name
    assert set(DECLARED[name].errors) == set(errors), name
