"""`Sunset` / `Deprecation` headers: logged once per operation, counted every time, kept for check-config."""

from __future__ import annotations

import logging

import httpx
import pytest

from tests.support.xentral_mock import BASE_URL, TOKEN
from unified_order_api.xentral import XentralClient
from unified_order_api.xentral.deprecations import DeprecationLog

SUNSET = "Tue, 31 Aug 2027 00:00:00 GMT"


def _answer(request: httpx.Request) -> httpx.Response:
    headers = {"Sunset": SUNSET, "Deprecation": "@1756684800"} if request.url.path == "/api/v2/products" else {}
    return httpx.Response(200, headers=headers, json={"data": [], "extra": {"totalCount": 0}})


async def test_each_operation_is_logged_once_and_counted_every_time(caplog: pytest.LogCaptureFixture) -> None:
    counted: list[str] = []
    log = DeprecationLog(on_notice=counted.append)
    async with XentralClient(
        BASE_URL, TOKEN, timeout=httpx.Timeout(5), transport=httpx.MockTransport(_answer), deprecations=log
    ) as client:
        with caplog.at_level(logging.WARNING, logger="unified_order_api.xentral.deprecations"):
            for _ in range(3):
                await client.list_products()
            await client.list_projects()  # no header: nothing noted
    assert counted == ["list_products"] * 3
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert warnings == [
        f"xentral list_products: /api/v2/products is deprecated by Xentral (Deprecation: @1756684800, Sunset: {SUNSET})"
    ]
    [notice] = log.notices()
    assert (notice.operation, notice.path, notice.sunset, notice.deprecation) == (
        "list_products",
        "/api/v2/products",
        SUNSET,
        "@1756684800",
    )


async def test_a_sunset_alone_is_a_notice_too() -> None:
    log = DeprecationLog()
    log.observe("get_product", "/api/v2/products/1", httpx.Headers({"sunset": SUNSET}))
    assert [n.describe() for n in log.notices()] == [f"/api/v2/products/1 is deprecated by Xentral (Sunset: {SUNSET})"]
    log.observe("get_product", "/api/v2/products/1", httpx.Headers({}))
    assert len(log.notices()) == 1
