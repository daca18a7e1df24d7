"""v2 customers: page or cursor, the address join of the filters, and addresses as a second write."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from xentral_sandbox.testing import SandboxHandle


def _where(*statements: tuple[str, str, str]) -> dict[str, str]:
    params: dict[str, str] = {}
    for index, (key, op, value) in enumerate(statements):
        params |= {f"filter[{index}][key]": key, f"filter[{index}][op]": op, f"filter[{index}][value]": value}
    return params


def _ids(response: httpx.Response) -> list[str]:
    assert response.status_code == 200, response.text
    return [customer["id"] for customer in response.json()["data"]]


def _address(kind: str, **fields: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"type": kind, "street": "Neuer Weg 3", "zip": "20095", "city": "Hamburg", "country": "DE"}
    if kind != "masterdata":
        body["name"] = "Max Muster"
    return body | fields


def test_page_is_the_default_and_cursor_the_alternative_but_never_both(client: httpx.Client) -> None:
    paged = client.get("/api/v2/customers").json()["extra"]
    assert paged == {"totalCount": 3, "page": {"number": 1, "size": 10}}
    cursored = client.get("/api/v2/customers", params={"cursor[size]": "2"}).json()["extra"]
    assert cursored == {"totalCount": 3, "cursor": {"nextCursor": "Mg==", "size": 2}}
    both = client.get("/api/v2/customers", params={"page[number]": "1", "page[size]": "2", "cursor[size]": "2"})
    assert both.status_code == 400
    assert both.json()["type"] == "https://api.xentral.biz/problems/generic-validation"


def test_address_statements_hold_for_one_and_the_same_address(client: httpx.Client) -> None:
    street, city = ("street", "equals", "Musterstr. 1"), ("city", "equals", "Berlin")
    assert _ids(client.get("/api/v2/customers", params=_where(street, city))) == ["1"]
    # Max gets a delivery address in Hamburg: street of one address and city of another do not match together.
    assert client.post("/api/v2/customers/1/addresses", json=_address("deliveryaddress")).status_code == 201
    hamburg = ("city", "equals", "Hamburg")
    assert _ids(client.get("/api/v2/customers", params=_where(hamburg))) == ["1"]
    assert _ids(client.get("/api/v2/customers", params=_where(street, hamburg))) == []
    delivery = ("addressType", "equals", "deliveryaddress")
    assert _ids(client.get("/api/v2/customers", params=_where(delivery, ("zip", "equals", "20095")))) == ["1"]
    assert _ids(client.get("/api/v2/customers", params=_where(delivery, ("zip", "equals", "12345")))) == []


def test_name_and_address_match_as_a_connector_would(client: httpx.Client) -> None:
    statements = (
        ("name", "equals", "max muster"),
        ("street", "equals", "Musterstr. 1"),
        ("zip", "equals", "12345"),
        ("city", "equals", "Berlin"),
    )
    assert _ids(client.get("/api/v2/customers", params=_where(*statements))) == ["1"]
    numbers = {"filter[0][key]": "number", "filter[0][op]": "in", "filter[0][value][]": ["10000", "10002"]}
    assert _ids(client.get("/api/v2/customers", params=numbers)) == ["1", "3"]


def test_a_new_customer_gets_its_addresses_in_second_writes(client: httpx.Client, sandbox: SandboxHandle) -> None:
    created = client.post("/api/v2/customers", json={"customerType": "person", "firstname": "Eva", "lastname": "Neu"})
    base = created.headers["location"].removeprefix(sandbox.base_url)
    assert client.get(f"{base}/addresses").json()["data"] == []
    for kind, ident in (("masterdata", "masterdata"), ("billingaddress", "billingaddress"), ("deliveryaddress", "1")):
        answer = client.post(f"{base}/addresses", json=_address(kind))
        assert answer.status_code == 201 and answer.text == "", answer.text
        assert answer.headers["location"] == f"{sandbox.base_url}{base}/addresses/{ident}"
    listed = client.get(f"{base}/addresses").json()
    assert [(a["id"], a["type"], a["name"]) for a in listed["data"]] == [
        ("masterdata", "masterdata", "Eva Neu"),
        ("billingaddress", "billingaddress", "Max Muster"),
        ("1", "deliveryaddress", "Max Muster"),
    ]
    assert listed["links"]["customer"] == base
    # A second masterdata or billing address conflicts; further delivery addresses do not.
    assert client.post(f"{base}/addresses", json=_address("masterdata")).status_code == 409
    assert client.post(f"{base}/addresses", json=_address("billingaddress")).status_code == 409
    assert client.post(f"{base}/addresses", json=_address("deliveryaddress")).headers["location"].endswith("/2")
    record = sandbox.state.customers[base.rsplit("/", 1)[1]]
    assert record["address"]["city"] == "Hamburg"  # the masterdata address is the customer's own


@pytest.mark.parametrize(
    ("body", "member"),
    [
        (_address("billingaddress", country="DEU"), "country"),
        (_address("billingaddress", country="de"), "country"),
        (_address("deliveryaddress", country="Germany"), "country"),
        ({"street": "S", "city": "C", "country": "DE"}, "type"),
        (_address("postaladdress"), "type"),
        (_address("masterdata", name="Max"), "name"),  # masterdata has no name: closed shape
        ({"type": "billingaddress", "street": "S", "city": "C", "country": "DE"}, "name"),
        (_address("billingaddress", contactDetails={"gln": "12345678901234"}), "contactDetails"),
    ],
)
def test_address_bodies_are_checked(client: httpx.Client, body: dict[str, Any], member: str) -> None:
    answer = client.post("/api/v2/customers/2/addresses", json=body)
    assert answer.status_code == 400, answer.text
    assert member in answer.json()["violations"]


def test_addresses_of_an_unknown_customer_are_404(client: httpx.Client) -> None:
    assert client.post("/api/v2/customers/999/addresses", json=_address("masterdata")).status_code == 404
    assert client.get("/api/v2/customers/999/addresses").status_code == 404
