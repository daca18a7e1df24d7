"""Shopware 6 Admin API: tracking codes on the order's delivery, its state moved through the state machine.

Documentation followed (developer.shopware.com, "Admin API" guide and reference): authentication by
the integration's client credentials (`POST /api/oauth/token` with `grant_type=client_credentials`,
answered `{token_type, expires_in, access_token}`; the token is cached and fetched again before it
expires or when a call is answered 401); `POST /api/search/order-delivery` (criteria `filter`
`equals orderId`, `associations.stateMachineState`), `PATCH /api/order-delivery/{id}` with
`trackingCodes`, the state machine's actions `POST /api/_action/order_delivery/{id}/state/{transition}`
(`ship`, `ship_partially`) and `POST /api/_action/order/{id}/state/{transition}` (`cancel`, the
configured one once all has shipped); `POST /api/search/order` for the harmless check and the order's state.

Idempotent by looking first: a tracking code the delivery has is not added again, a transition into
the state the delivery or order is in is not made.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import httpx

from ..config import ShopwareApi
from ..lifecycle import Shipment
from .errors import ShopApiRefused
from .port import ApiCheck, ShopOrderRef, WriteMark
from .transport import send

__all__ = ["ShopwareShopApi"]

SHOP = "Shopware 6"
RENEW_BEFORE_SECONDS = 30.0
# What each transition leads to (Shopware's default state machines order_delivery.state and order.state).
DELIVERY_TARGET = {"ship": "shipped", "ship_partially": "shipped_partially"}
ORDER_TARGET = {"complete": "completed", "cancel": "cancelled", "process": "in_progress", "reopen": "open"}
# `complete` leaves only `in_progress`: an open order is processed first.
ORDER_STEPS_BEFORE = {("open", "complete"): ("process",)}


class ShopwareShopApi:
    """One Shopware 6 shop's Admin API, with an integration's client credentials."""

    def __init__(
        self,
        credentials: ShopwareApi,
        http: httpx.AsyncClient,
        *,
        shipped_order_transition: str | None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._base = f"{credentials.url}/api"
        self._client_id = credentials.client_id.get_secret_value()
        self._client_secret = credentials.client_secret.get_secret_value()
        self._http, self._shipped_transition, self._clock = http, shipped_order_transition, clock
        self._token: tuple[str, float] | None = None  # (access token, valid until on `clock`)

    async def _access_token(self, *, renew: bool = False) -> str:
        if self._token is not None and not renew and self._clock() < self._token[1]:
            return self._token[0]
        response = await send(
            self._http,
            SHOP,
            "POST",
            f"{self._base}/oauth/token",
            json={
                "grant_type": "client_credentials",
                "client_id": self._client_id,
                "client_secret": self._client_secret,
            },
        )
        body = response.json()
        token = body.get("access_token") if isinstance(body, dict) else None
        if not isinstance(token, str) or not token:
            raise ShopApiRefused(f"{SHOP}: the token answer holds no access_token")
        lifetime = float(body.get("expires_in") or 600)
        self._token = (token, self._clock() + max(1.0, lifetime - RENEW_BEFORE_SECONDS))
        return token

    async def _call(self, method: str, path: str, **kwargs: Any) -> Any:
        url = f"{self._base}{path}"
        for attempt in (1, 2):
            token = await self._access_token(renew=attempt == 2)
            headers = {"Authorization": f"Bearer {token}", "Accept": "application/json"}
            response = await send(self._http, SHOP, method, url, headers=headers, ok=frozenset({401}), **kwargs)
            if response.status_code != 401:
                return response.json() if response.content else None
        raise ShopApiRefused(f"{SHOP} {method} {path}: the integration's token is refused (401)", status=401)

    async def check(self) -> ApiCheck:
        granted = []
        for entity in ("order", "order-delivery"):
            await self._call(
                "POST", f"/search/{entity}", json={"limit": 1, "includes": {entity.replace("-", "_"): ["id"]}}
            )
            granted.append(f"{entity.replace('-', '_')}: read")
        return ApiCheck(shop=SHOP, permissions=tuple(granted))

    async def _delivery(self, order: ShopOrderRef) -> dict[str, Any]:
        """The delivery the order arrived with (its id kept then), else the order's first."""
        criteria: dict[str, Any] = {
            "filter": [{"type": "equals", "field": "orderId", "value": order.shop_order_id}],
            "associations": {"stateMachineState": {}},
            "limit": 1,
        }
        if order.delivery_id:
            criteria["ids"] = [order.delivery_id]
        found = await self._call("POST", "/search/order-delivery", json=criteria)
        deliveries = (found or {}).get("data") or []
        if not deliveries:
            raise ShopApiRefused(f"{SHOP}: order {order.shop_order_id} has no delivery", status=404)
        delivery: dict[str, Any] = deliveries[0]
        return delivery

    async def _order_state(self, order: ShopOrderRef) -> str | None:
        criteria = {"ids": [order.shop_order_id], "associations": {"stateMachineState": {}}}
        found = (await self._call("POST", "/search/order", json=criteria) or {}).get("data") or []
        if not found:
            raise ShopApiRefused(f"{SHOP}: order {order.shop_order_id} not found", status=404)
        return _state(found[0])

    async def _order_transition(self, order: ShopOrderRef, transition: str) -> str:
        state = await self._order_state(order)
        if state == ORDER_TARGET.get(transition) or state == "cancelled":
            return f"order {state}"
        for step in (*ORDER_STEPS_BEFORE.get((state or "", transition), ()), transition):
            await self._call("POST", f"/_action/order/{order.shop_order_id}/state/{step}", json={})
        return f"order {ORDER_TARGET.get(transition, transition)}"

    async def ship(
        self, order: ShopOrderRef, shipment: Shipment, *, complete: bool, mark: WriteMark | None = None
    ) -> str:
        delivery = await self._delivery(order)
        said = []
        codes = [str(code) for code in delivery.get("trackingCodes") or []]
        if shipment.tracking_number and shipment.tracking_number not in codes:
            await self._call(
                "PATCH", f"/order-delivery/{delivery['id']}", json={"trackingCodes": [*codes, shipment.tracking_number]}
            )
            said.append(f"tracking code {shipment.tracking_number} added")
        elif shipment.tracking_number:
            said.append(f"tracking code {shipment.tracking_number} was there already")
        said.extend(await self._delivery_shipped(order, delivery, complete=complete))
        return "; ".join(said)

    async def _delivery_shipped(self, order: ShopOrderRef, delivery: dict[str, Any], *, complete: bool) -> list[str]:
        transition = "ship" if complete else "ship_partially"
        state = _state(delivery)
        if state != DELIVERY_TARGET[transition] and state != "shipped":
            await self._call("POST", f"/_action/order_delivery/{delivery['id']}/state/{transition}", json={})
            state = DELIVERY_TARGET[transition]
        said = [f"delivery {state}"]
        if complete and self._shipped_transition:
            said.append(await self._order_transition(order, self._shipped_transition))
        return said

    async def complete(self, order: ShopOrderRef) -> str:
        return "; ".join(await self._delivery_shipped(order, await self._delivery(order), complete=True))

    async def note(self, order: ShopOrderRef, text: str) -> str:
        """Shopware orders have a `customerComment` of the buyer's and no merchant notes in the core: the
        note goes into the order's `customFields` (`uoa_note`), which the administration shows once a custom
        field set on orders defines that field (docs/shops.md, Shopware 6)."""
        found = await self._call("POST", "/search/order", json={"ids": [order.shop_order_id]})
        orders = (found or {}).get("data") or []
        if not orders:
            raise ShopApiRefused(f"{SHOP}: order {order.shop_order_id} not found", status=404)
        fields = dict(orders[0].get("customFields") or {})
        notes = str(fields.get("uoa_note") or "")
        if text in notes:
            return "order note was there already"
        fields["uoa_note"] = f"{notes}\n{text}" if notes else text
        await self._call("PATCH", f"/order/{order.shop_order_id}", json={"customFields": fields})
        return "order note added (custom field uoa_note)"

    async def cancel(self, order: ShopOrderRef, reason: str) -> str:
        await self.note(order, reason)
        return await self._order_transition(order, "cancel")

    async def aclose(self) -> None:
        await self._http.aclose()


def _state(entity: dict[str, Any]) -> str | None:
    state = entity.get("stateMachineState")
    return str(state.get("technicalName")) if isinstance(state, dict) and state.get("technicalName") else None
