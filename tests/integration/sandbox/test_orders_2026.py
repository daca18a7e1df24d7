"""The import's 2026 members, setTotalAmount, the view's money objects and the list's traffic lights."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.support.sandbox_payloads import order_payload
from xentral_sandbox.testing import SandboxHandle
from xentral_sandbox.validation import CURRENCIES

IMPORT = "/api/v1/salesOrders/actions/import"


def _import(client: httpx.Client, body: dict[str, Any]) -> str:
    response = client.post(IMPORT, json=body)
    assert response.status_code == 201, response.text
    return str(response.headers["location"].rsplit("/", 1)[1])


def _view(client: httpx.Client, order_id: str) -> dict[str, Any]:
    data: dict[str, Any] = client.get(f"/api/v1/salesOrders/{order_id}").json()["data"]
    return data


def _listed(client: httpx.Client, order_id: str) -> dict[str, Any]:
    [item] = [o for o in client.get("/api/v1/salesOrders").json()["data"] if o["id"] == order_id]
    return dict(item)


def test_the_view_books_money_objects_and_the_list_numbers(client: httpx.Client) -> None:
    order_id = _import(client, order_payload())
    # 2 x 19.99 + 49.90 + 4.90 shipping, gross at 19 %
    assert _view(client, order_id)["total"] == {"amount": "94.78", "currency": "EUR"}
    assert _view(client, order_id)["netSales"] == {"amount": "79.65", "currency": "EUR"}
    listed = _listed(client, order_id)
    assert (listed["total"], listed["netSales"]) == (94.78, 79.65)


def _fixed(total: float, maximum: float | None, auto_shipping: bool = True) -> dict[str, Any]:
    body = order_payload()
    body["delivery"]["autoShipping"] = auto_shipping
    body["setTotalAmount"] = {"isActive": True, "totalGrossAmountFromExternal": total}
    if maximum is not None:
        body["setTotalAmount"]["maximumDifferenceToCalculatedSum"] = maximum
    return body


def test_set_total_amount_within_the_maximum_books_the_external_total(client: httpx.Client) -> None:
    order_id = _import(client, _fixed(94.80, 0.05))
    view = _view(client, order_id)
    assert view["total"]["amount"] == "94.80" and view["delivery"]["autoShipping"] is True
    assert view["netSales"]["amount"] == "79.65"  # the net stays the sandbox's own sum


def test_set_total_amount_beyond_the_maximum_keeps_the_sum_and_stops_auto_shipping(client: httpx.Client) -> None:
    order_id = _import(client, _fixed(95.00, 0.05))
    view = _view(client, order_id)
    assert view["total"]["amount"] == "94.78" and view["delivery"]["autoShipping"] is False
    exact = _import(client, _fixed(94.78, None, auto_shipping=True) | {"externalOrderNumber": "SHOP-2"})
    assert _view(client, exact)["delivery"]["autoShipping"] is True  # no maximum: only an exact total is taken


def test_an_inactive_set_total_amount_changes_nothing(client: httpx.Client) -> None:
    body = _fixed(10.00, 100.0)
    body["setTotalAmount"]["isActive"] = False
    assert _view(client, _import(client, body))["total"]["amount"] == "94.78"


@pytest.mark.parametrize(
    ("change", "member"),
    [
        ({"isActive": True}, "totalGrossAmountFromExternal"),
        (
            {"isActive": True, "totalGrossAmountFromExternal": 1.0, "maximumDifferenceToCalculatedSum": -1},
            "maximumDifferenceToCalculatedSum",
        ),
        ({"isActive": "yes"}, "isActive"),
        ({"isActive": True, "totalGrossAmountFromExternal": "94.78"}, "totalGrossAmountFromExternal"),
    ],
)
def test_set_total_amount_is_validated(client: httpx.Client, change: dict[str, Any], member: str) -> None:
    response = client.post(IMPORT, json=order_payload(setTotalAmount=change))
    assert response.status_code == 400 and member in response.json()["violations"]["setTotalAmount"]


def test_connector_fields_are_taken_and_shown(client: httpx.Client) -> None:
    body = order_payload(externalOrderId="gid://shopify/Order/5501", vatCheck=True, autoCreateDocuments="invoice")
    body["financials"]["billingAddress"] |= {"phoneNumber": "+49 30 99", "mobile": "+49 171 99"}
    body["delivery"] |= {"fastLane": True, "preferredWarehouse": {"id": "3"}}
    discount = {"discountProduct": {"id": "99"}, "quantity": 1, "value": {"amount": "1.00", "currency": "EUR"}}
    body["discountPositions"] = [discount | {"tax": {"taxText": None}, "webId": "disc-7"}]
    body["delivery"]["shippingCosts"][0]["webId"] = "ship-7"
    view = _view(client, _import(client, body))
    assert view["externalOrderId"] == "gid://shopify/Order/5501" and view["autoCreateDocuments"] == "invoice"
    assert [p["webId"] for p in view["positions"]] == ["line-1", ""]
    assert view["delivery"]["shippingCosts"][0]["webId"] == "ship-7"
    assert view["financials"]["billingAddress"]["phoneNumber"] == "+49 30 99"
    assert view["delivery"]["fastLane"] is True and view["delivery"]["preferredWarehouse"] == {"id": "3"}
    found = client.get(
        "/api/v1/salesOrders",
        params={
            "filter[0][key]": "externalOrderId",
            "filter[0][op]": "equals",
            "filter[0][value]": "gid://shopify/Order/5501",
        },
    )
    assert [o["id"] for o in found.json()["data"]] == [view["id"]]


def test_preferred_warehouse_or_storage_country_never_both(client: httpx.Client) -> None:
    body = order_payload()
    body["delivery"] |= {"storageCountry": "PL"}
    assert _view(client, _import(client, body))["delivery"]["storageCountry"] == "PL"
    body["delivery"] |= {"preferredWarehouse": {"id": "3"}}
    both = client.post(IMPORT, json=body)
    assert both.status_code == 400 and "storageCountry" in both.json()["violations"]["delivery"]
    bad = order_payload()
    bad["delivery"]["storageCountry"] = "Polen"
    assert client.post(IMPORT, json=bad).status_code == 400


def test_the_shipping_address_needs_only_name_and_country(client: httpx.Client) -> None:
    body = order_payload()
    body["delivery"]["shippingAddress"] = {"name": "Packstation 101", "country": "DE"}
    assert _view(client, _import(client, body))["delivery"]["shippingAddress"] == body["delivery"]["shippingAddress"]
    body["delivery"]["shippingAddress"] = {"name": "Ohne Land"}
    assert client.post(IMPORT, json=body).status_code == 400


def test_the_specs_currencies(client: httpx.Client, spec_path: Path) -> None:
    schema = json.loads(spec_path.read_text())["paths"][IMPORT]["post"]["requestBody"]["content"]["application/json"]
    price = schema["schema"]["properties"]["positions"]["items"]["properties"]["price"]["properties"]["currency"]
    assert list(CURRENCIES) == price["enum"]
    for currency in ("SEK", "JPY", "QAR"):
        body = order_payload(externalOrderNumber=currency)
        body["financials"]["currency"] = currency
        body["positions"][0]["price"]["currency"] = currency
        assert _view(client, _import(client, body))["total"]["currency"] == currency
    body = order_payload()
    body["financials"]["currency"] = "XYZ"
    assert "currency" in client.post(IMPORT, json=body).json()["violations"]["financials"]
    body = order_payload()
    body["positions"][0]["price"]["currency"] = "XYZ"
    assert client.post(IMPORT, json=body).status_code == 400


def _lights(client: httpx.Client, order_id: str) -> dict[str, bool]:
    listed = _listed(client, order_id)
    return {k: v for k, v in listed.items() if k.endswith("Ok")}


def test_traffic_lights_say_why_an_order_is_held(client: httpx.Client) -> None:
    fine = _import(client, order_payload())
    assert set(_lights(client, fine).values()) == {True}
    assert _listed(client, fine)["isBeingEdited"] is False
    prepaid = order_payload(externalOrderNumber="VK-1")
    prepaid["financials"]["paymentMethod"] = {"id": "3"}  # Vorkasse
    assert _lights(client, _import(client, prepaid))["prepaidOk"] is False
    short = order_payload(externalOrderNumber="ST-1", positions=[{"product": {"id": "2"}, "quantity": 36}])
    assert _lights(client, _import(client, short))["stockOk"] is False  # 35 hoodies in stock
    eu = order_payload(externalOrderNumber="EU-1")
    eu["financials"]["tax"] = {"taxation": "eu"}
    assert _lights(client, _import(client, eu))["vatOk"] is False
    eu["financials"]["tax"]["vatId"] = "ATU12345678"
    eu["externalOrderNumber"] = "EU-2"
    assert _lights(client, _import(client, eu))["vatOk"] is True
    held = client.get(
        "/api/v1/salesOrders",
        params={"filter[0][key]": "prepaidOk", "filter[0][op]": "equals", "filter[0][value]": "0"},
    )
    assert [o["externalOrderNumber"] for o in held.json()["data"]] == ["VK-1"]


def test_traffic_lights_are_set_per_order_for_tests(client: httpx.Client, sandbox: SandboxHandle) -> None:
    order_id = _import(client, order_payload())
    with httpx.Client(base_url=sandbox.base_url, headers=sandbox.admin_headers) as admin:
        url = f"/_sandbox/salesOrders/{order_id}/trafficLights"
        assert admin.patch(url, json={"shippingLockOk": False, "creditLimitOk": False}).status_code == 204
        assert admin.patch(url, json={"colourOk": False}).status_code == 400
        assert admin.patch(url, json={"stockOk": "no"}).status_code == 400
        assert admin.patch("/_sandbox/salesOrders/999/trafficLights", json={"stockOk": False}).status_code == 404
    lights = _lights(client, order_id)
    assert (lights["shippingLockOk"], lights["creditLimitOk"], lights["stockOk"]) == (False, False, True)
    sandbox.state.set_traffic_lights(order_id, shippingLockOk=True)
    assert _lights(client, order_id)["shippingLockOk"] is True


def test_an_order_without_addresses_takes_the_customers_billing_and_default_delivery_address(
    client: httpx.Client,
) -> None:
    created = client.post("/api/v2/customers", json={"customerType": "person", "firstname": "Ida", "lastname": "Neu"})
    customer = created.headers["location"].rsplit("/", 1)[1]
    base = f"/api/v2/customers/{customer}/addresses"
    where = {"street": "Hof 1", "zip": "50667", "city": "Köln", "country": "DE"}
    assert client.post(base, json={"type": "masterdata", **where}).status_code == 201
    billing = {"type": "billingaddress", "name": "Ida Neu GmbH", "salutation": "company", "street": "Rechnungsweg 2"}
    billing |= {"zip": "50668", "city": "Köln", "country": "DE", "contactDetails": {"email": "rechnung@neu.de"}}
    assert client.post(base, json=billing).status_code == 201
    for street, default in (("Lager 3", False), ("Tor 4", True)):
        delivery = {"type": "deliveryaddress", "name": "Ida Neu", "street": street, "city": "Bonn", "country": "DE"}
        delivery["deliveryDetails"] = {"defaultDeliveryAddress": default}
        assert client.post(base, json=delivery).status_code == 201
    body = order_payload(customer={"id": customer})
    del body["financials"]["billingAddress"]
    view = _view(client, _import(client, body))
    booked_billing = view["financials"]["billingAddress"]
    assert (booked_billing["name"], booked_billing["street"], booked_billing["type"]) == (
        "Ida Neu GmbH",
        "Rechnungsweg 2",
        "company",
    )
    assert booked_billing["email"] == "rechnung@neu.de"
    assert view["delivery"]["shippingAddress"]["street"] == "Tor 4"
    bare = client.post("/api/v2/customers", json={"customerType": "company", "name": "Nur Stamm"})
    bare_id = bare.headers["location"].rsplit("/", 1)[1]
    assert (
        client.post(f"/api/v2/customers/{bare_id}/addresses", json={"type": "masterdata", **where}).status_code == 201
    )
    body = order_payload(customer={"id": bare_id}, externalOrderNumber="SHOP-2")
    del body["financials"]["billingAddress"]
    view = _view(client, _import(client, body))
    assert (view["financials"]["billingAddress"]["name"], view["delivery"]["shippingAddress"]["street"]) == (
        "Nur Stamm",
        "Hof 1",
    )
