"""The sandbox's webhook subscriptions and their deliveries: signed, retried, and the five faults."""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.support.receiver import Received, Receiver
from tests.support.sandbox_payloads import order_payload
from xentral_sandbox.testing import SandboxHandle
from xentral_sandbox.webhooks import EVENT_TYPES

KEY = "k" * 24
IMPORT = "/api/v1/salesOrders/actions/import"
RELEASED = "com.xentral.salesOrder.released.v1"
CREATED = "com.xentral.salesOrder.created.v1"


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    r = Receiver()
    yield r
    r.stop()


def subscribe(client: httpx.Client, url: str, events: list[str], key: str = KEY, name: str = "ours") -> str:
    body = {"name": name, "url": url, "signatureKey": key, "events": [{"id": e} for e in events]}
    response = client.post("/api/v1/webhooks", json=body)
    assert response.status_code == 201, response.text
    assert response.text == "" and response.headers["content-type"].startswith("text/html")
    return response.headers["location"].rsplit("/", 1)[1]


def verified(request: Received, key: str = KEY) -> dict[str, Any]:
    timestamp = request.headers["xentral-request-timestamp"]
    expected = hmac.new(key.encode(), request.body + timestamp.encode(), hashlib.sha256).hexdigest()
    assert hmac.compare_digest(request.headers["xentral-signature"], expected)
    payload: dict[str, Any] = json.loads(request.body)
    return payload


def import_one(client: httpx.Client, reference: str = "SHOP-1") -> str:
    response = client.post(IMPORT, json=order_payload(externalOrderNumber=reference))
    assert response.status_code == 201, response.text
    return response.headers["location"].rsplit("/", 1)[1]


def test_a_subscription_is_created_read_updated_and_deleted(client: httpx.Client) -> None:
    webhook_id = subscribe(client, "https://example.com/hook", [CREATED])
    listed = client.get("/api/v1/webhooks").json()["data"]
    assert listed == [
        {"id": webhook_id, "name": "ours", "url": "https://example.com/hook", "events": [{"id": CREATED}]}
    ]
    assert "signatureKey" not in json.dumps(client.get(f"/api/v1/webhooks/{webhook_id}").json())
    patch = {"name": "ours", "url": "https://example.com/other", "events": [{"id": RELEASED}]}
    assert client.patch(f"/api/v1/webhooks/{webhook_id}", json=patch).status_code == 204
    view = client.get(f"/api/v1/webhooks/{webhook_id}").json()["data"]
    assert view["url"] == "https://example.com/other" and view["events"] == [{"id": RELEASED}]
    assert client.delete(f"/api/v1/webhooks/{webhook_id}").status_code == 204
    assert client.get(f"/api/v1/webhooks/{webhook_id}").status_code == 404
    assert client.delete(f"/api/v1/webhooks/{webhook_id}").status_code == 404
    assert client.patch("/api/v1/webhooks/999", json=patch).status_code == 404


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"url": "https://example.com/" + "x" * 250}, "url"),
        ({"url": "not a url"}, "url"),
        ({"signatureKey": "short"}, "signatureKey"),
        ({"name": ""}, "name"),
        ({"name": "n" * 101}, "name"),
        ({"events": [{"id": "com.xentral.nothing.v1"}]}, "events"),
        ({"extra": 1}, "extra"),
    ],
)
def test_a_bad_subscription_is_refused_as_the_spec_says(
    client: httpx.Client, sandbox: SandboxHandle, change: dict[str, Any], field: str
) -> None:
    body = {"name": "ours", "url": "https://example.com/hook", "signatureKey": KEY, "events": [{"id": CREATED}]}
    response = client.post("/api/v1/webhooks", json=body | change)
    assert response.status_code == 400
    problem = response.json()
    assert problem["type"] == "https://api.xentral.biz/problems/request-validation"
    assert field in problem["violations"]
    assert not sandbox.state.webhooks


def test_event_types_name_their_group(client: httpx.Client) -> None:
    types = client.get("/api/v1/webhookEventTypes").json()["data"]
    assert {"id": "com.xentral.shipment.created.v1", "group": "shipment"} in types
    assert [t["id"] for t in types] == list(EVENT_TYPES)


def test_an_import_is_delivered_signed_to_the_subscriptions_that_want_it(
    client: httpx.Client, sandbox: SandboxHandle, receiver: Receiver
) -> None:
    subscribe(client, receiver.url, [RELEASED])
    subscribe(client, receiver.url + "/all", [CREATED, RELEASED], key="q" * 30, name="theirs")
    order_id = import_one(client)
    got = receiver.wait_for(3)
    assert sandbox.delivery.idle()
    mine = [verified(r) for r in got if r.path == "/hooks/orders"]
    theirs = [verified(r, "q" * 30) for r in got if r.path.endswith("/all")]
    assert [p["type"] for p in mine] == [RELEASED]
    assert mine[0]["body"]["salesOrderId"] == int(order_id)
    assert [p["type"] for p in theirs] == [CREATED, RELEASED]


def test_a_failed_delivery_is_retried(client: httpx.Client, sandbox: SandboxHandle, receiver: Receiver) -> None:
    receiver.status = 503
    subscribe(client, receiver.url, [RELEASED])
    import_one(client)
    receiver.wait_for(1)
    receiver.status = 200
    receiver.wait_for(2)
    assert sandbox.delivery.idle()
    outcomes = [d.outcome for d in sandbox.delivery.log()]
    assert outcomes[0] == "failed" and outcomes[-1] == "delivered"


def test_faults_lose_duplicate_and_sign_with_a_wrong_key(
    client: httpx.Client, sandbox: SandboxHandle, receiver: Receiver
) -> None:
    admin = {"X-Sandbox-Token": sandbox.token}
    subscribe(client, receiver.url, [RELEASED])
    assert client.post("/_sandbox/eventFaults", json={"kind": "lose"}, headers=admin).status_code == 201
    import_one(client, "SHOP-1")
    sandbox.event_faults.add("duplicate")
    import_one(client, "SHOP-2")
    sandbox.event_faults.add("wrong_key")
    import_one(client, "SHOP-3")
    got = receiver.wait_for(3)
    assert sandbox.delivery.idle()
    assert len(receiver.received()) == 3
    assert got[0].body == got[1].body  # the duplicate
    verified(got[0])
    with pytest.raises(AssertionError):
        verified(got[2])
    lost = client.get("/_sandbox/webhookDeliveries", headers=admin).json()["deliveries"][0]
    assert lost["outcome"] == "lost" and "key" not in json.dumps(lost).lower()


def test_an_event_held_out_of_order_arrives_after_the_next(
    client: httpx.Client, sandbox: SandboxHandle, receiver: Receiver
) -> None:
    subscribe(client, receiver.url, [CREATED, RELEASED])
    sandbox.event_faults.add("out_of_order", type=CREATED, seconds=30)
    import_one(client)
    got = receiver.wait_for(2)
    assert [json.loads(r.body)["type"] for r in got] == [RELEASED, CREATED]


def test_a_late_event_is_overtaken(client: httpx.Client, sandbox: SandboxHandle, receiver: Receiver) -> None:
    subscribe(client, receiver.url, [CREATED, RELEASED])
    sandbox.event_faults.add("late", type=CREATED, seconds=0.5)
    import_one(client)
    got = receiver.wait_for(2)
    assert [json.loads(r.body)["type"] for r in got] == [RELEASED, CREATED]
