"""Every order the service creates, or finds `existing`, is tracked from its import (over real HTTP)."""

from __future__ import annotations

import asyncio

import httpx

from tests.support.orders import order_body
from unified_order_api.config import Settings
from unified_order_api.lifecycle import LifecycleState
from unified_order_api.store.database import create_engine
from unified_order_api.store.tracking import SqlTrackingStore, TrackedView
from xentral_sandbox.testing import SandboxHandle


def _tracked(settings: Settings, reference: str) -> TrackedView | None:
    async def read() -> TrackedView | None:
        engine = create_engine(settings.database_url)
        try:
            return await SqlTrackingStore(engine).tracked("shop", reference)
        finally:
            await engine.dispose()

    return asyncio.run(read())


def test_a_created_order_is_tracked_as_released(api: httpx.Client, settings: Settings) -> None:
    body = order_body()
    response = api.post("/api/orders", json=body)
    assert response.status_code == 201, response.text
    view = _tracked(settings, body["reference"])
    assert view is not None
    assert view.order.sales_order_id == response.json()["order_id"]
    assert view.order.state == LifecycleState.RELEASED
    assert [change.state for change in view.changes] == [LifecycleState.RELEASED]


def test_an_order_found_existing_in_xentral_is_tracked_too(
    api: httpx.Client, settings: Settings, sandbox: SandboxHandle
) -> None:
    """Xentral holds the reference already (imported by someone else, or an earlier answer lost): the
    service answers `existing`, and the order it found is the one tracked."""
    body = order_body()
    imported = httpx.post(
        f"{sandbox.base_url}/api/v1/salesOrders/actions/import",
        headers=sandbox.headers,
        json={
            "date": "2026-11-01",
            "externalOrderNumber": body["reference"],
            "customer": {"id": "1"},
            "project": {"id": "1"},
            "financials": {"paymentMethod": {"id": "2"}, "currency": "EUR"},
            "delivery": {"shippingMethod": {"id": "1"}},
            "positions": [{"product": {"id": "1"}, "quantity": 1}],
        },
    )
    assert imported.status_code == 201, imported.text
    existing_id = imported.headers["location"].rsplit("/", 1)[-1]
    response = api.post("/api/orders", json=body)
    assert response.status_code == 200 and response.json()["outcome"] == "existing", response.text
    view = _tracked(settings, body["reference"])
    assert view is not None and view.order.sales_order_id == existing_id
    assert view.order.state == LifecycleState.RELEASED


def test_the_change_feed_pages_with_a_cursor(api: httpx.Client) -> None:
    references = []
    for _ in range(3):
        body = order_body()
        assert api.post("/api/orders", json=body).status_code == 201
        references.append(body["reference"])
    seen: list[str] = []
    cursor = None
    for _ in range(5):
        params: dict[str, str | int] = {"limit": 2, **({"cursor": cursor} if cursor else {})}
        page = api.get("/api/orders", params=params)
        assert page.status_code == 200, page.text
        seen += [change["reference"] for change in page.json()["changes"]]
        cursor = page.json()["next_cursor"]
        if not page.json()["has_more"]:
            break
    assert seen == references
    assert api.get("/api/orders", params={"cursor": cursor}).json()["changes"] == []
    later = api.get("/api/orders", params={"updated_since": "2999-01-01T00:00:00Z"})
    assert later.status_code == 200 and later.json()["changes"] == []
    assert api.get("/api/orders", params={"cursor": "not-a-cursor"}).status_code == 422
