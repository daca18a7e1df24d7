"""The sandbox moves an order through its life (admin endpoints), and Xentral's reads and events show it."""

from __future__ import annotations

from typing import Any

import httpx

from tests.support.sandbox_payloads import order_payload
from xentral_sandbox.testing import SandboxHandle

IMPORT = "/api/v1/salesOrders/actions/import"


def _import(client: httpx.Client, **changes: Any) -> str:
    response = client.post(IMPORT, json=order_payload(**changes))
    assert response.status_code == 201, response.text
    return response.headers["location"].rsplit("/", 1)[1]


def _admin(sandbox: SandboxHandle, order_id: str, action: str, body: dict[str, Any] | None = None) -> httpx.Response:
    return httpx.post(
        f"{sandbox.base_url}/_sandbox/salesOrders/{order_id}/{action}", json=body or {}, headers=sandbox.admin_headers
    )


def _filter(key: str, op: str, value: str | list[str]) -> dict[str, Any]:
    if isinstance(value, list):
        return {
            "filter[0][key]": key,
            "filter[0][op]": op,
            **{f"filter[0][value][{i}]": v for i, v in enumerate(value)},
        }
    return {"filter[0][key]": key, "filter[0][op]": op, "filter[0][value]": value}


def _events(sandbox: SandboxHandle, after: int) -> list[str]:
    return [event.type.removeprefix("com.xentral.").rsplit(".", 1)[0] for event in sandbox.state.events.since(after)]


def test_dispatch_ship_and_read_it_back(sandbox: SandboxHandle, client: httpx.Client) -> None:
    order_id = _import(client)
    seen = len(sandbox.state.events.since())
    dispatched = _admin(sandbox, order_id, "dispatch")
    assert dispatched.status_code == 200, dispatched.text
    note_id = dispatched.json()["deliveryNoteId"]
    assert _events(sandbox, seen) == ["salesOrder.dispatched", "deliveryNote.created"]

    seen = len(sandbox.state.events.since())
    shipped = _admin(
        sandbox,
        order_id,
        "ship",
        {"trackingNumber": "00340434", "carrier": "DHL", "trackingUrl": "https://track.example/00340434"},
    )
    assert shipped.status_code == 201, shipped.text
    shipment_id = shipped.json()["shipmentId"]
    assert _events(sandbox, seen)[0] == "shipment.created" and _events(sandbox, seen)[-1] == "salesOrder.updated"

    deliveries = client.get("/api/v1/deliveries", params=_filter("salesOrderId", "in", [order_id, "999"])).json()
    [delivery] = deliveries["data"]
    assert delivery["id"] == shipment_id and delivery["deliveryNote"] == {"id": note_id}
    assert delivery["tracking"] == {"number": "00340434", "link": "https://track.example/00340434", "carrier": "DHL"}
    assert client.get(f"/api/v1/shipments/{shipment_id}").json()["data"] == delivery
    assert client.get(f"/api/v1/deliveryNotes/{note_id}/shipments").json()["data"] == [delivery]
    note = client.get(f"/api/v1/deliveryNotes/{note_id}").json()["data"]
    assert note["salesOrder"] == {"id": order_id}
    assert all(p["deliveredQuantity"] == p["quantity"] for p in note["positions"])
    [listed] = client.get("/api/v1/deliveryNotes", params=_filter("salesOrderId", "equals", order_id)).json()["data"]
    assert listed["id"] == note_id and listed["status"] == "sent"


def test_a_parcel_of_some_lines_leaves_the_rest_to_ship(sandbox: SandboxHandle, client: httpx.Client) -> None:
    order_id = _import(client)
    first_position = sandbox.state.sales_orders[order_id]["positions"][0]["id"]
    partial = _admin(
        sandbox, order_id, "ship", {"trackingNumber": "A1", "lines": [{"positionId": first_position, "quantity": 1}]}
    )
    assert partial.status_code == 201, partial.text  # dispatched on the way
    note_id = partial.json()["deliveryNoteId"]
    note = client.get(f"/api/v1/deliveryNotes/{note_id}").json()["data"]
    assert any(p["deliveredQuantity"] < p["quantity"] for p in note["positions"])
    rest = _admin(sandbox, order_id, "ship", {"trackingNumber": "A2"})
    assert rest.status_code == 201
    assert _admin(sandbox, order_id, "ship", {"trackingNumber": "A3"}).status_code == 409  # nothing left
    assert len(client.get("/api/v1/deliveries", params=_filter("salesOrderId", "equals", order_id)).json()["data"]) == 2


def test_updated_at_finds_what_changed_since(sandbox: SandboxHandle, client: httpx.Client) -> None:
    order_id = _import(client)
    sandbox.state.sales_orders[order_id]["updatedAt"] = "2026-01-01T00:00:00+00:00"
    since = "2026-06-01T00:00:00Z"
    params = _filter("updatedAt", "greaterThanOrEquals", since)
    assert client.get("/api/v1/salesOrders", params=params).json()["data"] == []
    assert _admin(sandbox, order_id, "cancel").status_code == 204
    [changed] = client.get("/api/v1/salesOrders", params=params).json()["data"]
    assert changed["id"] == order_id and changed["status"] == "canceled"


def test_refused_moves(sandbox: SandboxHandle, client: httpx.Client) -> None:
    order_id = _import(client)
    assert _admin(sandbox, "999", "dispatch").status_code == 404
    assert _admin(sandbox, order_id, "ship", {}).status_code == 400  # no tracking number
    assert (
        _admin(
            sandbox, order_id, "ship", {"trackingNumber": "X", "lines": [{"positionId": "1", "quantity": 1}]}
        ).status_code
        == 409
    )
    assert _admin(sandbox, order_id, "ship", {"trackingNumber": "X"}).status_code == 201
    assert _admin(sandbox, order_id, "cancel").status_code == 409  # a parcel left
    assert _admin(sandbox, order_id, "complete").status_code == 204
    assert _admin(sandbox, order_id, "complete").status_code == 409
    other = _import(client, externalOrderNumber="SHOP-1002")
    assert _admin(sandbox, other, "cancel").status_code == 204
    assert _admin(sandbox, other, "dispatch").status_code == 409


def test_the_admin_moves_need_the_admin_header(sandbox: SandboxHandle, client: httpx.Client) -> None:
    order_id = _import(client)
    response = httpx.post(f"{sandbox.base_url}/_sandbox/salesOrders/{order_id}/dispatch")
    assert response.status_code == 403
