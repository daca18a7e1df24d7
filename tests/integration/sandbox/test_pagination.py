"""Page-based and cursor-based paging, including the end of the customer cursor."""

from __future__ import annotations

import httpx
import pytest

from xentral_sandbox.testing import SandboxHandle


def test_page_envelope_and_slices(client: httpx.Client) -> None:
    first = client.get("/api/v1/products?page[number]=1&page[size]=3").json()
    second = client.get("/api/v1/products?page[number]=3&page[size]=3").json()
    assert first["extra"] == {"totalCount": 8, "page": {"number": 1, "size": 3}}
    assert [p["id"] for p in first["data"]] == ["1", "2", "3"]
    assert [p["id"] for p in second["data"]] == ["453", "454"]
    empty = client.get("/api/v1/products?page[number]=9&page[size]=3").json()
    assert empty["data"] == [] and empty["extra"]["totalCount"] == 8


def test_default_page_is_ten(client: httpx.Client) -> None:
    assert client.get("/api/v1/shippingMethods").json()["extra"]["page"] == {"number": 1, "size": 10}


@pytest.mark.parametrize(
    "query",
    ["page[number]=1", "page[size]=10", "page[number]=1&page[size]=51", "page[number]=0&page[size]=5"],
)
def test_bad_page_is_400(client: httpx.Client, query: str) -> None:
    r = client.get(f"/api/v1/products?{query}")
    assert r.status_code == 400
    assert "page" in r.json()["violations"]


def test_customer_cursor_walks_to_the_end(client: httpx.Client, sandbox: SandboxHandle) -> None:
    for n in range(4):
        sandbox.state.add_customer({"type": "person", "name": f"Extra {n}", "email": f"e{n}@x.de"})
    seen: list[str] = []
    cursor = ""
    pages = 0
    while True:
        params = {"cursor[size]": "3"} | ({"cursor[nextCursor]": cursor} if cursor else {})
        body = client.get("/api/v2/customers", params=params).json()
        pages += 1
        seen += [c["id"] for c in body["data"]]
        assert body["extra"]["totalCount"] == 7
        cursor = body["extra"]["cursor"]["nextCursor"]
        if not cursor:
            assert cursor == ""  # documented end marker: empty string
            break
    assert seen == ["1", "2", "3", "4", "5", "6", "7"]
    assert pages == 3


def test_cursor_is_base64_offset_and_bad_cursor_is_400(client: httpx.Client) -> None:
    body = client.get("/api/v2/customers?cursor[size]=1").json()
    assert body["extra"]["cursor"] == {"nextCursor": "MQ==", "size": 1}
    assert client.get("/api/v2/customers?cursor[nextCursor]=%%%").status_code == 400
