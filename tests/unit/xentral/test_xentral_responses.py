from __future__ import annotations

import httpx
import pytest

from tests.support.xentral_mock import Recorder
from unified_order_api.xentral import XentralClient, XentralUnexpectedResponse
from unified_order_api.xentral.responses import id_from_location


@pytest.mark.parametrize(
    ("location", "expected"),
    [
        ("https://demo.xentral.biz/api/v1/salesOrders/17", "17"),
        ("https://example.xentral.biz/api/users/17", "17"),
        ("/api/v1/customers/394", "394"),
        ("https://demo.xentral.biz/api/v1/customers/394/", "394"),
        ("https://demo.xentral.biz/api/v1/customers/394?x=1#y", "394"),
        ("https://demo.xentral.biz/api/v2/customers/0012", "0012"),
    ],
)
def test_id_is_the_trailing_digits_of_location(location: str, expected: str) -> None:
    response = httpx.Response(201, headers={"Location": location})
    assert id_from_location(response, "create") == expected


@pytest.mark.parametrize("headers", [{}, {"Location": ""}, {"Location": "https://demo.xentral.biz/api/v1/orders/abc"}])
def test_unusable_location(headers: dict[str, str]) -> None:
    with pytest.raises(XentralUnexpectedResponse) as caught:
        id_from_location(httpx.Response(201, headers=headers), "import_sales_order")
    assert caught.value.status_code == 201


async def test_create_returns_id_from_location(client: XentralClient, recorder: Recorder) -> None:
    recorder.handler = lambda request: httpx.Response(
        201,
        headers={"Location": "https://demo.xentral.biz/api/v2/customers/394", "content-type": "text/html"},
    )
    assert await client.create_customer({"customerType": "person", "name": "Max"}) == "394"
    request = recorder.requests[0]
    assert request.method == "POST"
    assert request.headers["content-type"] == "application/json"
