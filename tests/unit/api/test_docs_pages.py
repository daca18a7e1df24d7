"""/docs and /redoc name no other host: their scripts, styles and icon come from this service."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator

import httpx
import pytest

from unified_order_api.api.docs_pages import SAME_ORIGIN_ONLY
from unified_order_api.app import create_app
from unified_order_api.config import Settings

ABSOLUTE_URL = re.compile(r"""(?:src|href|url)\s*[=:(]\s*['"]?(?:https?:)?//""", re.IGNORECASE)


@pytest.fixture
async def docs() -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=create_app(Settings()))
    async with httpx.AsyncClient(transport=transport, base_url="http://service.test") as client:
        yield client


@pytest.mark.parametrize("page", ["/docs", "/redoc"])
async def test_a_docs_page_loads_nothing_from_elsewhere(docs: httpx.AsyncClient, page: str) -> None:
    answer = await docs.get(page)
    assert answer.status_code == 200
    assert ABSOLUTE_URL.search(answer.text) is None, answer.text
    assert answer.headers["Content-Security-Policy"] == SAME_ORIGIN_ONLY
    for asset in re.findall(r"""(?:src|href)="([^"]+)\"""", answer.text):
        served = await docs.get(asset)
        assert served.status_code == 200 and served.content, asset


async def test_the_pages_follow_a_reverse_proxy_prefix() -> None:
    transport = httpx.ASGITransport(app=create_app(Settings()), root_path="/orders-api")
    async with httpx.AsyncClient(transport=transport, base_url="http://service.test") as proxied:
        page = (await proxied.get("/docs")).text
    assert "url: '/orders-api/openapi.json'" in page
    assert 'src="/orders-api/docs/assets/swagger-ui-bundle.js"' in page
