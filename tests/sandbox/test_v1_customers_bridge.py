"""TEMPORARY: the 2024 v1 customer routes the sandbox serves only with `SandboxConfig(v1_customers=True)`.

They exist for the service's client until it speaks v2 customers; these tests go with the bridge
(`xentral_sandbox/customers_v1.py`). Without the setting the routes answer 404 as in today's Xentral.
"""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from xentral_sandbox.config import SandboxConfig
from xentral_sandbox.testing import SandboxHandle, running_sandbox


@pytest.fixture(scope="module")
def bridged() -> Iterator[SandboxHandle]:
    with running_sandbox(SandboxConfig(rate_limit=None, v1_customers=True)) as handle:
        yield handle


@pytest.fixture
def v1(bridged: SandboxHandle) -> Iterator[httpx.Client]:
    bridged.reset()
    with httpx.Client(base_url=bridged.base_url, headers=bridged.headers, timeout=5) as c:
        yield c


def test_without_the_setting_the_v1_customer_routes_are_404(client: httpx.Client) -> None:
    assert client.get("/api/v1/customers").status_code == 404
    assert client.get("/api/v1/customers/1").status_code == 404
    assert client.post("/api/v1/customers", json={"type": "person", "general": {"name": "X"}}).status_code == 404
    assert client.get("/api/v2/customers/1").status_code == 200


def test_a_customer_created_through_v1_is_found_through_v2(v1: httpx.Client) -> None:
    body = {"type": "company", "general": {"name": "Brücke GmbH"}, "contact": {"email": "b@r.de"}}
    assert v1.post("/api/v1/customers", json=body).status_code == 201
    found = v1.get(
        "/api/v2/customers", params={"filter[0][key]": "email", "filter[0][op]": "equals", "filter[0][value]": "b@r.de"}
    )
    assert [(c["name"], c["customerType"]) for c in found.json()["data"]] == [("Brücke GmbH", "company")]


@pytest.mark.parametrize(
    ("accept", "ctype"),
    [
        ("text/csv", "text/csv"),
        ("text/csv;q=0.5, application/json", "application/json"),
        ("application/json;q=0.1, text/csv", "text/csv"),
        ("text/*", "text/csv"),
    ],
)
def test_v1_customer_list_negotiates_csv(v1: httpx.Client, accept: str, ctype: str) -> None:
    r = v1.get("/api/v1/customers", headers={"Accept": accept})
    assert r.status_code == 200 and r.headers["content-type"].startswith(ctype)


def test_v1_customer_filters_and_id_map_form(v1: httpx.Client) -> None:
    r = v1.get(
        "/api/v1/customers?filter[0][key]=email&filter[0][op]=equals&filter[0][value]=erika%40example.com"
        "&cursor[size]=10"
    )
    assert [c["id"] for c in r.json()["data"]] == ["3"]
    r = v1.get("/api/v1/customers?filter[id][]=1&filter[id][]=3")
    assert [c["id"] for c in r.json()["data"]] == ["1", "3"]
    bad = v1.get("/api/v1/customers?filter[0][key]=bogus&filter[0][op]=equals&filter[0][value]=x")
    assert bad.status_code == 400 and "key" in bad.json()["violations"]["filter"]["0"]


def test_customer_v1_create_and_read_back(v1: httpx.Client) -> None:
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
    r = v1.post("/api/v1/customers", json=body)
    assert r.status_code == 201 and r.text == ""
    assert r.headers["content-type"].startswith("text/html")
    assert r.headers["location"].endswith("/api/v1/customers/4")
    view = v1.get("/api/v1/customers/4").json()["data"]
    assert view["number"] == "10003" and view["general"]["birthday"] == "1980-04-30"
    found = v1.get("/api/v1/customers?filter[0][key]=email&filter[0][op]=equals&filter[0][value]=neu%40ex.de")
    item = found.json()["data"][0]["general"]
    assert item["email"] == "Neu@Ex.de" and item["customerNumber"] == item["number"] == "10003"
    assert item["address"]["city"] == "Berlin"


def test_customer_v1_validation(v1: httpx.Client) -> None:
    body = {
        "type": "robot",
        "general": {"name": "X", "nick": "x", "address": {"street": "a"}},
        "project": {"id": "77"},
    }
    v = v1.post("/api/v1/customers", json=body).json()["violations"]
    assert "type" in v and "nick" in v["general"] and "zip" in v["general"]["address"]
    r = v1.post("/api/v1/customers", json={"type": "person", "general": {"name": "X"}, "project": {"id": "77"}})
    assert r.status_code == 400 and "project" in r.json()["violations"]


def test_a_customer_written_through_v2_reads_in_the_v1_shape(v1: httpx.Client) -> None:
    created = v1.post("/api/v2/customers", json={"customerType": "company", "name": "Neu & Co"})
    ident = created.headers["location"].rsplit("/", 1)[1]
    masterdata = {"type": "masterdata", "street": "Kai 1", "addressSupplement": "Hof", "city": "Kiel", "country": "DE"}
    assert v1.post(f"/api/v2/customers/{ident}/addresses", json=masterdata).status_code == 201
    address = v1.get(f"/api/v1/customers/{ident}").json()["data"]["general"]["address"]
    assert address == {"street": "Kai 1", "zip": "", "city": "Kiel", "state": None, "country": "DE", "note": ""}
