"""Auth, content negotiation, content type, and 201 + Location on creates."""

from __future__ import annotations

import httpx
import pytest

from tests.support.sandbox_payloads import order_payload
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
        ("/api/v1/products", "text/csv;q=0.5, application/json", 200, "application/json"),
        ("/api/v1/products", "application/json;q=0.1, text/csv", 200, "text/csv"),
        ("/api/v1/products", "text/*", 200, "text/csv"),
        ("/api/v1/products", "application/json;q=0, */*", 200, "text/csv"),
        ("/api/v1/products/1", "application/json;q=0, */*", 200, "application/vnd.xentral.default.v2-beta+json"),
        ("/api/v2/products/1", "application/json;q=0, */*", 200, "application/vnd.xentral.minimal+json"),
        ("/api/v1/salesOrders/1", "application/pdf", 404, None),
        ("/api/v2/customers", "text/csv", 406, None),
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
    customers = client.get("/api/v2/customers", params={"cursor[size]": "50"}).json()["extra"]["totalCount"]
    for path, body in (
        ("/api/v2/customers", {"customerType": "company", "name": "Neu"}),
        (
            "/api/v2/customers/1/addresses",
            {"type": "deliveryaddress", "name": "N", "street": "S", "city": "C", "country": "DE"},
        ),
        ("/api/v1/salesOrders/actions/import", order_payload()),
    ):
        r = client.post(path, json=body, headers={"Accept": accept})
        assert (r.status_code, r.content) == (406, b""), path
    assert client.get("/api/v2/customers", params={"cursor[size]": "50"}).json()["extra"]["totalCount"] == customers
    assert client.get("/api/v2/customers/1/addresses").json()["extra"]["totalCount"] == 1  # the masterdata one
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
    r = client.post("/api/v2/customers", content=b"customerType=person", headers={"Content-Type": "text/plain"})
    assert r.status_code == 415 and r.content == b""


def test_unknown_ids_are_404(client: httpx.Client) -> None:
    for path in ("/api/v2/customers/999", "/api/v2/products/999", "/api/v1/products/999", "/api/v1/salesOrders/999"):
        assert client.get(path).status_code == 404


def test_customer_v2_create_and_conflict(client: httpx.Client) -> None:
    r = client.post(
        "/api/v2/customers",
        json={
            "customerType": "person",
            "firstname": "Ada",
            "lastname": "Lovelace",
            "number": "K-1",
            "contactDetails": {"email": "ada@x.de", "phone": "+44 1"},
            "financials": {"tax": {"vatId": "GB123"}, "paymentMethod": {"id": "2"}},
        },
    )
    assert r.status_code == 201 and r.text == "" and r.headers["content-type"].startswith("text/html")
    assert r.headers["location"].endswith("/api/v2/customers/4")
    view = client.get(r.headers["location"]).json()["data"]
    assert (view["name"], view["firstname"], view["lastname"], view["number"]) == (
        "Ada Lovelace",
        "Ada",
        "Lovelace",
        "K-1",
    )
    assert view["contactDetails"]["email"] == "ada@x.de" and view["financials"]["tax"] == {"vatId": "GB123"}
    assert view["financials"]["paymentMethod"] == {"id": "2"}
    again = client.post("/api/v2/customers", json={"customerType": "company", "name": "Other", "number": "K-1"})
    assert again.status_code == 409
    assert again.json()["type"] == "https://api.xentral.biz/problems/conflictItems"
    assert again.json()["items"][0]["id"] == 4
    missing = client.post("/api/v2/customers", json={"customerType": "person", "firstname": "Ada"})
    assert missing.status_code == 400 and "lastname" in missing.json()["violations"]
    company = client.post("/api/v2/customers", json={"customerType": "company", "firstname": "A", "lastname": "B"})
    assert company.status_code == 400 and "name" in company.json()["violations"]
    # The 2024 v2 shape (`type`, `contact`) is gone: `contact` is not a v2 member any more, so it is not stored.
    old = client.post("/api/v2/customers", json={"type": "company", "name": "Alt", "contact": {"email": "a@b.de"}})
    assert old.status_code == 400 and "firstname" in old.json()["violations"]  # no customerType: a person


def test_customer_number_comes_from_the_number_range_when_absent(client: httpx.Client) -> None:
    first = client.post("/api/v2/customers", json={"customerType": "company", "name": "Eins"})
    second = client.post("/api/v2/customers", json={"customerType": "company", "name": "Zwei"})
    numbers = [client.get(r.headers["location"]).json()["data"]["number"] for r in (first, second)]
    assert numbers == ["10003", "10004"]


def test_customer_references_are_checked(client: httpx.Client) -> None:
    body = {
        "customerType": "company",
        "name": "X",
        "project": {"id": "77"},
        "financials": {"paymentMethod": {"id": "78"}},
    }
    v = client.post("/api/v2/customers", json=body).json()["violations"]
    assert "not found" in v["project"]["id"][0] and "not found" in v["financials"]["paymentMethod"]["id"][0]
    closed = client.post(
        "/api/v2/customers", json={"customerType": "company", "name": "X", "contactDetails": {"icq": "1"}}
    )
    assert "icq" in closed.json()["violations"]["contactDetails"]
