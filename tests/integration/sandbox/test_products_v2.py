"""v2 products beside the deprecated v1 ones, and the sales channels of `GET /api/v2/salesChannels`."""

from __future__ import annotations

import email.utils

import httpx

from xentral_sandbox.testing import SandboxHandle


def _by_number(client: httpx.Client, path: str, number: str) -> dict[str, object]:
    params = {"filter[0][key]": "number", "filter[0][op]": "equals", "filter[0][value]": number}
    [product] = client.get(path, params=params).json()["data"]
    return dict(product)


def test_v2_products_carry_the_flags_a_client_checks(client: httpx.Client, sandbox: SandboxHandle) -> None:
    shipping = _by_number(client, "/api/v2/products", "SHIP-001")
    assert (shipping["isShippingCostsProduct"], shipping["isDeleted"], shipping["isDisabled"]) == (True, False, False)
    locked = _by_number(client, "/api/v2/products", "ART-004")
    assert locked["isDisabled"] is True and locked["disabledReason"] == "Discontinued"
    sandbox.state.products["1"]["isDeleted"] = True
    assert _by_number(client, "/api/v2/products", "ART-001")["isDeleted"] is True
    assert client.get("/api/v2/products/1").json()["data"]["isDeleted"] is True
    assert shipping["salesPriceGross"] == {"amount": "4.90", "currency": "EUR"}


def test_v1_products_announce_their_end_and_v2_does_not(client: httpx.Client) -> None:
    for path in ("/api/v1/products", "/api/v1/products/1"):
        answer = client.get(path)
        assert answer.status_code == 200
        assert answer.headers["deprecation"].startswith("@") and int(answer.headers["deprecation"][1:]) > 0
        assert email.utils.parsedate_to_datetime(answer.headers["sunset"]).year >= 2027
    for path in ("/api/v2/products", "/api/v2/products/1", "/api/v1/salesOrders"):
        answer = client.get(path)
        assert "deprecation" not in answer.headers and "sunset" not in answer.headers, path
    # Deprecation headers come with every answer of the operation, errors included.
    assert "sunset" in client.get("/api/v1/products/999").headers


def test_sales_channels_with_module_name_and_project(client: httpx.Client) -> None:
    channels = client.get("/api/v2/salesChannels").json()
    assert [(c["id"], c["moduleName"], c["project"], c["active"]) for c in channels["data"]] == [
        ("1", "shopware6", {"id": "4"}, True),
        ("2", "shopify", {"id": "4"}, True),
        ("3", "amazon", {"id": "1"}, False),
    ]
    params = {"filter[0][key]": "moduleName", "filter[0][op]": "equals", "filter[0][value]": "amazon"}
    assert [c["id"] for c in client.get("/api/v2/salesChannels", params=params).json()["data"]] == ["3"]
