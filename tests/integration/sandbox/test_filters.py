"""Filters per endpoint family, both array wire forms, and 400s for unknown keys/ops."""

from __future__ import annotations

import httpx
import pytest

from tests.support.sandbox_payloads import order_payload


def ids(response: httpx.Response) -> list[str]:
    assert response.status_code == 200, response.text
    return [item["id"] for item in response.json()["data"]]


def test_products_number_in_with_bracket_arrays(client: httpx.Client) -> None:
    r = client.get(
        "/api/v1/products?filter[0][key]=number&filter[0][op]=in"
        "&filter[0][value][]=ART-001&filter[0][value][]=ART-002&filter[0][value][]=NOPE&page[number]=1&page[size]=50"
    )
    assert sorted(i["number"] for i in r.json()["data"]) == ["ART-001", "ART-002"]


def test_products_number_in_with_indexed_arrays(client: httpx.Client) -> None:
    r = client.get(
        "/api/v1/products",
        params={
            "filter[0][key]": "number",
            "filter[0][op]": "in",
            "filter[0][value][0]": "ART-001",
            "filter[0][value][1]": "art-002",
        },
    )
    assert ids(r) == ["1", "2"]


@pytest.mark.parametrize(
    ("key", "op", "value", "expected"),
    [
        ("number", "equals", "art-001", ["1"]),  # case-insensitive (assumption)
        ("ean", "equals", "4006381333948", ["2"]),
        ("name", "contains", "shirt", ["1"]),
        ("id", "equals", "453", ["453"]),
        ("search", "contains", "hood", ["2"]),
        ("onlyLocked", "equals", "true", ["4"]),
        ("number", "startsWith", "ART", ["1", "2", "3", "4"]),
    ],
)
def test_product_filters(client: httpx.Client, key: str, op: str, value: str, expected: list[str]) -> None:
    r = client.get("/api/v1/products", params={"filter[0][key]": key, "filter[0][op]": op, "filter[0][value]": value})
    assert ids(r) == expected


def test_products_only_active_excludes_locked(client: httpx.Client) -> None:
    r = client.get(
        "/api/v1/products",
        params={
            "filter[0][key]": "onlyActive",
            "filter[0][op]": "equals",
            "filter[0][value]": "1",
            "page[number]": "1",
            "page[size]": "50",
        },
    )
    assert "4" not in ids(r)


def test_customers_email_equals_ignores_case(client: httpx.Client) -> None:
    r = client.get(
        "/api/v2/customers?filter[0][key]=email&filter[0][op]=equals&filter[0][value]=erika%40example.com"
        "&cursor[size]=10"
    )
    assert ids(r) == ["3"]


def test_customers_number_and_ids_in(client: httpx.Client) -> None:
    r = client.get(
        "/api/v2/customers",
        params={"filter[0][key]": "number", "filter[0][op]": "equals", "filter[0][value]": "10001"},
    )
    assert ids(r) == ["2"]
    assert ids(
        client.get("/api/v2/customers?filter[0][key]=id&filter[0][op]=in&filter[0][value][]=1&filter[0][value][]=3")
    ) == ["1", "3"]
    # v2 has no `filter[id][]` short form: it is not an array of statements
    assert client.get("/api/v2/customers?filter[id][]=1").status_code == 400


def test_sales_order_filters(client: httpx.Client) -> None:
    assert client.post("/api/v1/salesOrders/actions/import", json=order_payload()).status_code == 201
    other = order_payload(externalOrderNumber="SHOP-2", externalOrderId="X2", transactionNumber="TX-2")
    assert client.post("/api/v1/salesOrders/actions/import", json=other).status_code == 201
    for key, value, expected in [
        ("externalOrderNumber", "SHOP-1001", ["1"]),
        ("externalOrderId", "X2", ["2"]),
        ("transactionNumber", "tx-2", ["2"]),
        ("customerId", "1", ["1", "2"]),
        ("status", "released", ["1", "2"]),
        ("documentNumber", "200002", ["2"]),
    ]:
        r = client.get(
            "/api/v1/salesOrders",
            params={"filter[0][key]": key, "filter[0][op]": "equals", "filter[0][value]": value},
        )
        assert ids(r) == expected, key
    r = client.get(
        "/api/v1/salesOrders?filter[0][key]=externalOrderNumber&filter[0][op]=in"
        "&filter[0][value][]=SHOP-2&filter[0][value][]=none"
    )
    assert ids(r) == ["2"]


def test_payment_methods_and_projects_filters(client: httpx.Client) -> None:
    r = client.get(
        "/api/v1/paymentMethods",
        params={"filter[0][key]": "type", "filter[0][op]": "equals", "filter[0][value]": "paypal"},
    )
    assert ids(r) == ["2"]
    r = client.get(
        "/api/v1/projects",
        params={"filter[0][key]": "keyName", "filter[0][op]": "equals", "filter[0][value]": "SHOP"},
    )
    assert ids(r) == ["4"]


@pytest.mark.parametrize(
    ("path", "query", "member"),
    [
        ("/api/v1/products", "filter[0][key]=bogus&filter[0][op]=equals&filter[0][value]=x", "key"),
        ("/api/v1/products", "filter[0][key]=number&filter[0][op]=like&filter[0][value]=x", "op"),
        ("/api/v2/customers", "filter[0][key]=bogus&filter[0][op]=equals&filter[0][value]=x", "key"),
        ("/api/v2/customers", "filter[0][key]=email&filter[0][op]=contains&filter[0][value]=x", "op"),
        ("/api/v2/products", "filter[0][key]=bogus&filter[0][op]=equals&filter[0][value]=x", "key"),
        ("/api/v2/salesChannels", "filter[0][key]=moduleName&filter[0][op]=greaterThan&filter[0][value]=x", "op"),
        (
            "/api/v1/salesOrders",
            "filter[0][key]=externalOrderNumber&filter[0][op]=contains&filter[0][value]=x",
            "op",
        ),
        ("/api/v1/paymentMethods", "filter[0][key]=type&filter[0][op]=equals", "value"),
        ("/api/v1/products", "filter[0][key]=number&filter[0][op]=in&filter[0][value]=x", "value"),
    ],
)
def test_bad_filters_are_400(client: httpx.Client, path: str, query: str, member: str) -> None:
    r = client.get(f"{path}?{query}")
    assert r.status_code == 400
    assert r.headers["content-type"].startswith("application/problem+json")
    body = r.json()
    assert body["type"] == "https://api.xentral.biz/problems/request-validation"
    assert member in body["violations"]["filter"]["0"]


def test_order_param(client: httpx.Client) -> None:
    r = client.get("/api/v1/products?order[0][field]=number&order[0][dir]=desc&page[number]=1&page[size]=3")
    assert [i["number"] for i in r.json()["data"]] == ["SHIP-001", "FEE-001", "DISC-001"]
    assert client.get("/api/v1/products?order[0][field]=nope").status_code == 400
