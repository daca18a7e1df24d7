"""Auth, content negotiation, content type, and 201 + Location on creates."""

from __future__ import annotations

import httpx
import pytest

from tests.sandbox.sandbox_payloads import order_payload
from xentral_sandbox.testing import SandboxHandle


def test_missing_or_wrong_token_is_401_html(sandbox: SandboxHandle) -> None:
    for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": sandbox.token}):
        r = httpx.get(f"{sandbox.base_url}/api/v1/products", headers=headers)
        assert r.status_code == 401
        assert r.headers["content-type"].startswith("text/html")
        assert r.text == "Unauthorized"


@pytest.mark.parametrize(
    ("path", "accept", "status", "ctype"),
    [
        ("/api/v1/products", "application/json", 200, "application/json"),
        ("/api/v1/products", "*/*", 200, "application/json"),
        (
            "/api/v1/products",
            "application/vnd.xentral.minimal+json",
            200,
            "application/vnd.xentral.minimal+json",
        ),
        ("/api/v1/products", "text/csv", 200, "text/csv"),
        (
            "/api/v1/salesOrders",
            "application/vnd.xentral.minimal+json",
            200,
            "application/vnd.xentral.minimal+json",
        ),
        ("/api/v1/projects", "application/vnd.xentral.minimal+json", 406, None),
        ("/api/v1/products", "application/xml", 406, None),
        ("/api/v1/customers", "text/csv", 200, "text/csv"),
        ("/api/v1/customers", "text/csv;q=0.5, application/json", 200, "application/json"),
        ("/api/v1/customers", "application/json;q=0.1, text/csv", 200, "text/csv"),
        ("/api/v1/customers", "text/*", 200, "text/csv"),
        ("/api/v1/products", "application/json;q=0, */*", 200, "application/vnd.xentral.default.v2-beta+json"),
        ("/api/v1/projects", "application/json;q=0", 406, None),
        ("/api/v1/projects", "application/json;q=oops", 406, None),
    ],
)
def test_accept(sandbox: SandboxHandle, path: str, accept: str, status: int, ctype: str | None) -> None:
    headers = {"Authorization": f"Bearer {sandbox.token}", "Accept": accept}
    r = httpx.get(f"{sandbox.base_url}{path}", headers=headers)
    assert r.status_code == status
    if ctype:
        assert r.headers["content-type"].startswith(ctype)
    else:
        assert r.content == b""


@pytest.mark.parametrize("accept", ["application/json", "application/problem+json", "application/*"])
def test_a_create_refuses_an_accept_without_its_text_html(client: httpx.Client, accept: str) -> None:
    """The spec declares every create's 201 as an empty text/html body; negotiation refuses before anything runs."""
    customers = client.get("/api/v1/customers", params={"cursor[size]": "50"}).json()["extra"]["totalCount"]
    for path, body in (
        ("/api/v1/customers", {"type": "company", "general": {"name": "Neu"}}),
        ("/api/v2/customers", {"type": "company", "name": "Neu"}),
        ("/api/v1/salesOrders/actions/import", order_payload()),
    ):
        r = client.post(path, json=body, headers={"Accept": accept})
        assert (r.status_code, r.content) == (406, b""), path
    assert client.get("/api/v1/customers", params={"cursor[size]": "50"}).json()["extra"]["totalCount"] == customers
    assert client.get("/api/v1/salesOrders").json()["extra"]["totalCount"] == 0
    r = client.post("/api/v1/salesOrders/actions/import", json=order_payload(), headers={"Accept": "text/html"})
    assert r.status_code == 201 and r.headers["content-type"].startswith("text/html")


def test_missing_accept_is_json(sandbox: SandboxHandle) -> None:
    r = httpx.get(f"{sandbox.base_url}/api/v1/projects", headers={"Authorization": f"Bearer {sandbox.token}"})
    assert r.status_code == 200 and r.json()["data"]


def test_minimal_product_variant(client: httpx.Client) -> None:
    r = client.get("/api/v1/products/1", headers={"Accept": "application/vnd.xentral.minimal+json"})
    assert r.json() == {"data": {"id": "1", "number": "ART-001", "name": "T-Shirt"}}


def test_wrong_content_type_is_415(client: httpx.Client) -> None:
    r = client.post("/api/v1/customers", content=b"type=person", headers={"Content-Type": "text/plain"})
    assert r.status_code == 415 and r.content == b""


def test_unknown_ids_are_404(client: httpx.Client) -> None:
    for path in ("/api/v1/customers/999", "/api/v1/products/999", "/api/v1/salesOrders/999"):
        assert client.get(path).status_code == 404


def test_customer_v1_create_and_read_back(client: httpx.Client) -> None:
    body = {
        "type": "person",
        "general": {
            "name": "Neu Kunde",
            "title": None,
            "birthday": "1980-04-30",
            "address": {
                "street": "Weg 2",
                "zip": "10115",
                "city": "Berlin",
                "state": None,
                "country": "DE",
                "note": "",
            },
        },
        "contact": {"email": "Neu@Ex.de", "phone": None, "marketingMails": False},
        "project": {"id": "1"},
    }
    r = client.post("/api/v1/customers", json=body)
    assert r.status_code == 201 and r.text == ""
    assert r.headers["content-type"].startswith("text/html")
    assert r.headers["location"].endswith("/api/v1/customers/4")
    view = client.get("/api/v1/customers/4").json()["data"]
    assert view["number"] == "10003" and view["general"]["birthday"] == "1980-04-30"
    found = client.get("/api/v1/customers?filter[0][key]=email&filter[0][op]=equals&filter[0][value]=neu%40ex.de")
    item = found.json()["data"][0]["general"]
    assert item["email"] == "Neu@Ex.de" and item["customerNumber"] == item["number"] == "10003"
    assert item["address"]["city"] == "Berlin"


def test_customer_v1_validation(client: httpx.Client) -> None:
    body = {
        "type": "robot",
        "general": {"name": "X", "nick": "x", "address": {"street": "a"}},
        "project": {"id": "77"},
    }
    v = client.post("/api/v1/customers", json=body).json()["violations"]
    assert "type" in v and "nick" in v["general"] and "zip" in v["general"]["address"]
    r = client.post("/api/v1/customers", json={"type": "person", "general": {"name": "X"}, "project": {"id": "77"}})
    assert r.status_code == 400 and "project" in r.json()["violations"]


def test_customer_v2_create_and_conflict(client: httpx.Client) -> None:
    r = client.post(
        "/api/v2/customers",
        json={
            "type": "person",
            "firstname": "Ada",
            "lastname": "Lovelace",
            "number": "K-1",
            "contact": {"email": "ada@x.de"},
        },
    )
    assert r.status_code == 201 and r.headers["location"].endswith("/api/v1/customers/4")
    again = client.post("/api/v2/customers", json={"type": "company", "name": "Other", "number": "K-1"})
    assert again.status_code == 409
    assert again.json()["type"] == "https://api.xentral.biz/problems/conflict"
    missing = client.post("/api/v2/customers", json={"type": "person", "firstname": "Ada"})
    assert missing.status_code == 400 and "lastname" in missing.json()["violations"]
