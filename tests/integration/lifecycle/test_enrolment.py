"""Every order the service creates, or finds `existing`, is tracked from its import (over real HTTP)."""

from __future__ import annotations

import asyncio

import httpx

from tests.support.orders import order_body
from unified_order_api.config import Settings
from unified_order_api.lifecycle import LifecycleState
from unified_order_api.store.database import create_engine
from unified_order_api.store.tracking import SqlTrackingStore, TrackedView


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
