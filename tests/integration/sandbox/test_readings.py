"""Each contested point, under the sandbox's default reading and switched to the other one.

A client that must be right under either reading, and a command probing a real instance, are tested
against both; these tests pin what each switch does.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.support.sandbox_payloads import order_payload
from xentral_sandbox.readings import Readings
from xentral_sandbox.testing import SandboxHandle

IMPORT = "/api/v1/salesOrders/actions/import"


def _switch(sandbox: SandboxHandle, **readings: Any) -> None:
    sandbox.state.readings = Readings(**readings)


def _booked(client: httpx.Client, body: dict[str, Any]) -> tuple[str, str]:
    """(netSales, total) of the view, as money amounts."""
    response = client.post(IMPORT, json=body)
    assert response.status_code == 201, response.text
    view = client.get(response.headers["location"]).json()["data"]
    return view["netSales"]["amount"], view["total"]["amount"]


def _line(amount: str, **extra: Any) -> dict[str, Any]:
    return {"product": {"id": "1"}, "quantity": 1, "price": {"amount": amount, "currency": "EUR"}, **extra}


def _order(display: str, *lines: dict[str, Any], **changes: Any) -> dict[str, Any]:
    body = order_payload(positions=list(lines), **changes)
    body["financials"]["tax"] = {"taxDisplay": display}
    body["delivery"]["shippingCosts"] = []
    return body


def test_discount_scale(client: httpx.Client, sandbox: SandboxHandle) -> None:
    assert _booked(client, _order("gross", _line("100.00", discount=0.1))) == ("75.63", "90.00")
    _switch(sandbox, discount_scale="percent")
    assert _booked(client, _order("gross", _line("100.00", discount=10))) == ("75.63", "90.00")
    assert _revenue(client, _order("gross", _line("100.00", discount=10)))["grossRevenueTotal"] == "90.00"
    assert _booked(client, _order("gross", _line("100.00", discount=0.1))) == ("83.95", "99.90")
    refused = client.post(IMPORT, json=_order("gross", _line("100.00", discount=150)))
    assert refused.json()["violations"] == {
        "positions": {"0": {"discount": ["This value should be between 0 and 100."]}}
    }


def _revenue(client: httpx.Client, body: dict[str, Any]) -> dict[str, str]:
    """The first position's revenue figures in the view (how Xentral read that line)."""
    response = client.post(IMPORT, json=body)
    assert response.status_code == 201, response.text
    position = client.get(response.headers["location"]).json()["data"]["positions"][0]
    return {name: position[name]["amount"] for name in ("netRevenueSingle", "netRevenueTotal", "grossRevenueTotal")}


def test_price_basis(client: httpx.Client, sandbox: SandboxHandle) -> None:
    assert _booked(client, _order("gross", _line("100.00"))) == ("84.03", "100.00")
    two = _order("gross", _line("100.00") | {"quantity": 2})
    assert _revenue(client, two) == {
        "netRevenueSingle": "84.04",
        "netRevenueTotal": "168.07",
        "grossRevenueTotal": "200.00",
    }
    _switch(sandbox, price_basis="net")
    assert _booked(client, _order("gross", _line("100.00"))) == ("100.00", "119.00")
    assert _revenue(client, two) == {
        "netRevenueSingle": "100.00",
        "netRevenueTotal": "200.00",
        "grossRevenueTotal": "238.00",
    }


def test_rounding(client: httpx.Client, sandbox: SandboxHandle) -> None:
    # Three lines of 0.03 net at 19 %: per line the tax is 0.01 each (0.12 gross); added first, 0.0171 → 0.02.
    lines = [_line("0.03") for _ in range(3)]
    assert _booked(client, _order("net", *lines)) == ("0.09", "0.12")
    _switch(sandbox, rounding="per-rate-sum")
    assert _booked(client, _order("net", *lines)) == ("0.09", "0.11")


def test_discount_sign(client: httpx.Client, sandbox: SandboxHandle) -> None:
    def with_discount(amount: str) -> dict[str, Any]:
        discount = {
            "discountProduct": {"id": "99"},
            "quantity": 1,
            "value": {"amount": amount, "currency": "EUR"},
            "tax": {"vatCategory": "normal", "taxText": None},
        }
        return _order("gross", _line("100.00"), discountPositions=[discount])

    assert _booked(client, with_discount("10.00"))[1] == "90.00"
    _switch(sandbox, discount_sign="negative-lowers")
    assert _booked(client, with_discount("10.00"))[1] == "110.00"
    assert _booked(client, with_discount("-10.00"))[1] == "90.00"


def test_cursor_end(client: httpx.Client, sandbox: SandboxHandle) -> None:
    full = client.get("/api/v2/customers", params={"cursor[size]": "3"}).json()
    assert [c["id"] for c in full["data"]] == ["1", "2", "3"] and full["extra"]["cursor"]["nextCursor"] == ""
    _switch(sandbox, cursor_end="empty-page")
    full = client.get("/api/v2/customers", params={"cursor[size]": "3"}).json()
    following = full["extra"]["cursor"]["nextCursor"]
    assert following
    empty = client.get("/api/v2/customers", params={"cursor[size]": "3", "cursor[nextCursor]": following}).json()
    assert empty["data"] == [] and empty["extra"]["cursor"]["nextCursor"] == ""


@pytest.mark.parametrize("path", ["/api/v2/products", "/api/v1/salesOrders"])
def test_oversize_page(client: httpx.Client, sandbox: SandboxHandle, path: str) -> None:
    params = {"page[number]": "1", "page[size]": "60"}
    assert client.get(path, params=params).status_code == 400
    _switch(sandbox, oversize_page="clamped")
    answer = client.get(path, params=params)
    assert answer.status_code == 200 and answer.json()["extra"]["page"] == {"number": 1, "size": 50}


def test_location_form(client: httpx.Client, sandbox: SandboxHandle) -> None:
    created = client.post("/api/v2/customers", json={"customerType": "company", "name": "Absolut"})
    assert created.headers["location"] == f"{sandbox.base_url}/api/v2/customers/4"
    _switch(sandbox, location_form="path")
    created = client.post("/api/v2/customers", json={"customerType": "company", "name": "Pfad"})
    assert created.headers["location"] == "/api/v2/customers/5"
    imported = client.post(IMPORT, json=order_payload())
    assert imported.headers["location"] == "/api/v1/salesOrders/1"


def test_readings_over_the_admin_api(sandbox: SandboxHandle) -> None:
    with httpx.Client(base_url=sandbox.base_url, headers=sandbox.admin_headers) as admin:
        assert admin.get("/_sandbox/readings").json() == Readings().to_json()
        changed = admin.put("/_sandbox/readings", json={"discount_scale": "percent", "rounding": "per-rate-sum"})
        assert changed.status_code == 204
        assert sandbox.state.readings == Readings(discount_scale="percent", rounding="per-rate-sum")
        assert admin.put("/_sandbox/readings", json={"discount_scale": "permille"}).status_code == 400
        assert admin.put("/_sandbox/readings", json={"nonsense": "x"}).status_code == 400
        assert sandbox.state.readings.discount_scale == "percent"  # a refused change changes nothing
        assert admin.post("/_sandbox/reset").status_code == 204
        assert sandbox.state.readings == Readings()


def test_rate_limit_headers(client: httpx.Client, sandbox: SandboxHandle) -> None:
    assert {"x-ratelimit-limit", "x-ratelimit-remaining"} <= set(client.get("/api/v1/projects").headers)
    _switch(sandbox, rate_limit_headers="absent")
    answered = client.get("/api/v1/projects")
    assert answered.status_code == 200
    assert not [name for name in answered.headers if name.startswith("x-ratelimit-")]
