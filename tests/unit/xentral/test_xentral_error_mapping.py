"""Every status and transport failure maps to the right `XentralError`, without the token."""

from __future__ import annotations

import httpx
import pytest

from tests.support.xentral_mock import BASE_URL, TOKEN, Recorder
from unified_order_api.orders.errors import XentralAccessDenied
from unified_order_api.xentral import (
    XentralAuthError,
    XentralClient,
    XentralConflict,
    XentralConnectError,
    XentralConnectionLost,
    XentralError,
    XentralNotAcceptable,
    XentralNotFound,
    XentralServerError,
    XentralStatusError,
    XentralTimeout,
    XentralTooManyRequests,
    XentralTransportError,
    XentralUnexpectedResponse,
    XentralValidationError,
)
from unified_order_api.xentral.error_mapping import retry_after_seconds
from unified_order_api.xentral.to_order_errors import order_error

PROBLEM = {"content-type": "application/problem+json"}


def _answer(recorder: Recorder, response: httpx.Response) -> None:
    recorder.handler = lambda request: response


async def test_400_request_validation_keeps_pointer_paths(client: XentralClient, recorder: Recorder) -> None:
    problem = {
        "type": "https://api.xentral.biz/problems/request-validation",
        "title": "Request payload validation failed.",
        "violations": {"positions": {"0": {"product": {"id": ["This value should not be blank."]}}}},
    }
    _answer(recorder, httpx.Response(400, json=problem, headers=PROBLEM))
    with pytest.raises(XentralValidationError) as caught:
        await client.import_sales_order({})  # type: ignore[typeddict-item]
    error = caught.value
    assert error.status_code == 400
    assert error.operation == "import_sales_order"
    assert error.problem == problem
    assert error.violations == [("/positions/0/product/id", "This value should not be blank.")]
    assert error.messages == []
    assert "/positions/0/product/id" in str(error)


async def test_400_generic_validation_keeps_messages(client: XentralClient, recorder: Recorder) -> None:
    problem = {
        "type": "https://api.xentral.biz/problems/generic-validation",
        "title": "Validation failed",
        "messages": ["Unknown project"],
    }
    _answer(recorder, httpx.Response(400, json=problem, headers=PROBLEM))
    with pytest.raises(XentralValidationError) as caught:
        await client.create_customer({"customerType": "person", "name": "Max"})
    assert caught.value.messages == ["Unknown project"]
    assert caught.value.violations == []
    assert "Unknown project" in str(caught.value)


async def test_400_without_a_problem_body(client: XentralClient, recorder: Recorder) -> None:
    _answer(recorder, httpx.Response(400, text="bad"))
    with pytest.raises(XentralValidationError) as caught:
        await client.list_products()
    assert caught.value.problem is None
    assert caught.value.violations == []


async def test_401_text_html(client: XentralClient, recorder: Recorder) -> None:
    _answer(recorder, httpx.Response(401, text="Unauthorized", headers={"content-type": "text/html"}))
    with pytest.raises(XentralAuthError) as caught:
        await client.list_products()
    assert caught.value.status_code == 401
    assert caught.value.problem is None
    assert "Unauthorized" in str(caught.value)


@pytest.mark.parametrize(
    ("status", "error_type"),
    [
        (403, XentralAuthError),
        (404, XentralNotFound),
        (406, XentralNotAcceptable),
        (409, XentralConflict),
        (415, XentralUnexpectedResponse),
        (429, XentralTooManyRequests),
        (500, XentralServerError),
        (503, XentralServerError),
        (302, XentralUnexpectedResponse),
    ],
)
async def test_empty_bodies_map_by_status(
    client: XentralClient, recorder: Recorder, status: int, error_type: type[XentralStatusError]
) -> None:
    _answer(recorder, httpx.Response(status, headers={"X-RateLimit-Remaining": "0"}))
    with pytest.raises(error_type) as caught:
        await client.get_sales_order("17")
    assert type(caught.value) is error_type
    assert caught.value.status_code == status
    assert caught.value.problem is None
    assert caught.value.operation == "get_sales_order"


async def test_409_conflict_problem(client: XentralClient, recorder: Recorder) -> None:
    problem = {"type": "https://api.xentral.biz/problems/conflict", "title": "Conflict", "messages": ["dup"]}
    _answer(recorder, httpx.Response(409, json=problem, headers=PROBLEM))
    with pytest.raises(XentralConflict) as caught:
        await client.create_customer({"customerType": "company", "name": "ACME", "number": "10001"})
    assert caught.value.problem == problem


async def test_429_retry_after(client: XentralClient, recorder: Recorder) -> None:
    _answer(recorder, httpx.Response(429, headers={"Retry-After": "12", "X-RateLimit-Reset": "1"}))
    with pytest.raises(XentralTooManyRequests) as caught:
        await client.list_projects()
    assert caught.value.retry_after == 12.0


def test_retry_after_falls_back_to_ratelimit_reset() -> None:
    headers = httpx.Headers({"X-RateLimit-Reset": "1000030"})
    assert retry_after_seconds(headers, now=lambda: 1000000.0) == 30.0


def test_retry_after_http_date() -> None:
    headers = httpx.Headers({"Retry-After": "Thu, 01 Jan 1970 00:01:40 GMT"})
    assert retry_after_seconds(headers, now=lambda: 40.0) == 60.0


def test_retry_after_absent_or_garbage() -> None:
    assert retry_after_seconds(httpx.Headers()) is None
    assert retry_after_seconds(httpx.Headers({"X-RateLimit-Reset": "soon"})) is None


async def test_non_json_success_body(client: XentralClient, recorder: Recorder) -> None:
    _answer(recorder, httpx.Response(200, text="<html>maintenance</html>", headers={"content-type": "text/html"}))
    with pytest.raises(XentralUnexpectedResponse) as caught:
        await client.list_shipping_methods()
    assert caught.value.status_code == 200


async def test_wrong_json_shape(client: XentralClient, recorder: Recorder) -> None:
    _answer(recorder, httpx.Response(200, json={"data": {"id": "1"}}))
    with pytest.raises(XentralUnexpectedResponse, match="unreadable"):
        await client.list_payment_methods()


# --- transport failures ------------------------------------------------------------------


def _raise(exc_type: type[httpx.TransportError]) -> Recorder:
    def handler(request: httpx.Request) -> httpx.Response:
        raise exc_type("boom", request=request)

    return Recorder(handler)


@pytest.mark.parametrize(
    ("exc_type", "error_type", "unknown_for_writes"),
    [
        (httpx.ConnectError, XentralConnectError, False),
        (httpx.ConnectTimeout, XentralConnectError, False),
        (httpx.PoolTimeout, XentralConnectError, False),
        (httpx.ReadTimeout, XentralTimeout, True),
        (httpx.WriteTimeout, XentralTimeout, True),
        (httpx.ReadError, XentralConnectionLost, True),
        (httpx.WriteError, XentralConnectionLost, True),
        (httpx.RemoteProtocolError, XentralConnectionLost, True),
    ],
)
async def test_transport_errors(
    exc_type: type[httpx.TransportError], error_type: type[XentralTransportError], unknown_for_writes: bool
) -> None:
    transport = httpx.MockTransport(_raise(exc_type))
    async with XentralClient(BASE_URL, TOKEN, timeout=httpx.Timeout(1.0), transport=transport) as client:
        with pytest.raises(error_type) as write_error:
            await client.import_sales_order({})  # type: ignore[typeddict-item]
        with pytest.raises(error_type) as read_error:
            await client.get_product("1")
    assert write_error.value.outcome_unknown is unknown_for_writes
    assert read_error.value.outcome_unknown is False
    assert write_error.value.method == "POST"
    assert write_error.value.path == "/api/v1/salesOrders/actions/import"
    assert isinstance(write_error.value.__cause__, exc_type)


# --- the token never leaks ---------------------------------------------------------------


@pytest.mark.parametrize(
    "response",
    [
        httpx.Response(401, text=f"Unauthorized: Bearer {TOKEN}", headers={"content-type": "text/html"}),
        httpx.Response(400, json={"title": "bad", "messages": ["x"]}, headers=PROBLEM),
        httpx.Response(429, headers={"Retry-After": "1"}),
        httpx.Response(500, text=f"trace: Authorization: Bearer {TOKEN}"),
        httpx.Response(201),
    ],
)
async def test_token_never_in_status_errors(
    client: XentralClient, recorder: Recorder, response: httpx.Response
) -> None:
    _answer(recorder, response)
    with pytest.raises(XentralError) as caught:
        await client.import_sales_order({})  # type: ignore[typeddict-item]
    for text in (str(caught.value), repr(caught.value), repr(caught.value.args)):
        assert TOKEN not in text
    assert recorder.requests[0].headers["authorization"] == f"Bearer {TOKEN}"


async def test_token_never_in_transport_errors() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadError(f"reset while sending {request.headers['authorization']}", request=request)

    transport = httpx.MockTransport(handler)
    async with XentralClient(BASE_URL, TOKEN, timeout=httpx.Timeout(1.0), transport=transport) as client:
        with pytest.raises(XentralConnectionLost) as caught:
            await client.list_customers()
        assert TOKEN not in repr(client)
    assert TOKEN not in str(caught.value)
    assert TOKEN not in repr(caught.value)


async def test_a_400_token_scopes_problem_is_an_auth_error_naming_the_scope(
    client: XentralClient, recorder: Recorder
) -> None:
    problem = {
        "type": "https://developer.xentral.com/reference/problems#token-scopes",
        "title": "The token lacks required scopes.",
        "scopes": ["customer:create"],
    }
    _answer(recorder, httpx.Response(400, json=problem, headers=PROBLEM))
    with pytest.raises(XentralAuthError) as caught:
        await client.create_customer({"customerType": "company", "name": "ACME"})
    assert not isinstance(caught.value, XentralValidationError)  # never "the request is invalid"
    assert caught.value.missing_scopes == ["customer:create"]
    refused = order_error(caught.value, write=True)
    assert isinstance(refused, XentralAccessDenied) and not refused.retryable
    assert "lacks the scope customer:create" in refused.detail


async def test_a_401_json_message_names_the_missing_scopes(client: XentralClient, recorder: Recorder) -> None:
    body = {"message": "Missing required scopes: customer:create, customer:read."}
    _answer(recorder, httpx.Response(401, json=body))
    with pytest.raises(XentralAuthError) as caught:
        await client.list_projects()
    assert caught.value.missing_scopes == ["customer:create", "customer:read"]


async def test_a_bare_401_names_no_scope_and_points_at_the_token(client: XentralClient, recorder: Recorder) -> None:
    _answer(recorder, httpx.Response(401, text="Unauthorized", headers={"content-type": "text/html"}))
    with pytest.raises(XentralAuthError) as caught:
        await client.list_projects()
    assert caught.value.missing_scopes == []
    assert "expired or deleted" in order_error(caught.value, write=False).detail
