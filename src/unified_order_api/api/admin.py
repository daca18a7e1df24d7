"""The admin API for webhook deliveries: list by state, inspect one with its attempts, redeliver.

Authenticated with the admin key (`Authorization: Bearer` or `X-API-Key`), never a client key.
Deliveries are named by their event id — the `webhook-id` receivers see — so support can go
from a receiver's log line straight to the delivery.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request

from ..clock import utc_now
from ..webhooks.deliveries import DeliveryState, DeliveryStore
from .auth import presented_key
from .dependencies import api_keys, container
from .errors import DeliveryNotFound
from .problems import problem_responses


def require_admin(request: Request) -> None:
    api_keys(request).check_admin(presented_key(request))


# Delivery ids are 64-bit integers in the database; a larger `before` would overflow the query.
MAX_DELIVERY_ID = 2**63 - 1

_PROBLEMS = ("Unauthenticated", "DeliveryNotFound", "RequestInvalid")
router = APIRouter(prefix="/api/admin/webhooks", tags=["admin"], dependencies=[Depends(require_admin)])


def _deliveries(request: Request) -> DeliveryStore:
    store = container(request).deliveries
    assert store is not None, "the container was built without a delivery store"
    return store


@router.get(
    "/deliveries",
    summary="Webhook deliveries, newest first, optionally of one state",
    responses=problem_responses(401, 422, examples=_PROBLEMS),
)
async def list_deliveries(
    request: Request,
    state: Annotated[DeliveryState | None, Query(description="pending, delivered or dead")] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    before: Annotated[
        int | None, Query(ge=1, le=MAX_DELIVERY_ID, description="Continue below this delivery id (`next`)")
    ] = None,
) -> dict[str, Any]:
    page = await _deliveries(request).page(state=state, limit=limit + 1, before=before)
    items, more = page[:limit], len(page) > limit
    return {
        "items": [delivery.to_json() for delivery in items],
        "next": items[-1].id if more else None,
    }


@router.get(
    "/deliveries/{event_id}",
    summary="One delivery with its payload and every attempt",
    responses=problem_responses(401, 404, 422, examples=_PROBLEMS),
)
async def get_delivery(event_id: str, request: Request) -> Any:
    delivery = await _deliveries(request).get(event_id)
    if delivery is None:
        raise DeliveryNotFound(f"No webhook delivery has event id '{event_id}'")
    return delivery.to_json(with_attempts=True)


@router.post(
    "/deliveries/{event_id}/redeliver",
    status_code=202,
    summary="Send again now with a fresh retry schedule (also for dead or delivered ones)",
    responses=problem_responses(401, 404, 422, examples=_PROBLEMS),
)
async def redeliver(event_id: str, request: Request) -> Any:
    delivery = await _deliveries(request).redeliver(event_id, utc_now())
    if delivery is None:
        raise DeliveryNotFound(f"No webhook delivery has event id '{event_id}'")
    return delivery.to_json(with_attempts=True)
