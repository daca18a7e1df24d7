"""Shopify Admin GraphQL API: a fulfilment with tracking per shipment, of the shipped lines only.

Documentation followed (shopify.dev/docs/api/admin-graphql): `fulfillmentCreate` with
`FulfillmentInput` (`lineItemsByFulfillmentOrder`, `notifyCustomer`, `trackingInfo {number,
company, url}`), the order's `fulfillmentOrders` (their line items' `remainingQuantity` and
`lineItem { id }`) and `fulfillments { trackingInfo }`, `orderCancel` (a background job; its
`refundMethod` replaced `refund` in 2025-07), `orderUpdate` (the note), `currentAppInstallation {
accessScopes }`; authentication by the `X-Shopify-Access-Token` header (a fixed token, or one of
the client credentials grant: `shopify_auth.py`); rate limits ("API rate limits": the cost-based
leaky bucket reported in `extensions.cost.throttleStatus {maximumAvailable, currentlyAvailable,
restoreRate}`, a throttled query answered 200 with an error of code `THROTTLED`).

Ids are GIDs: the order of the webhook's numeric `id` is `gid://shopify/Order/{id}`, its line
`gid://shopify/LineItem/{id}` — the ids we sent Xentral as `webId`. Idempotent by looking first:
a fulfilment with the shipment's tracking number, or nothing left to fulfil of the shipped lines,
means it was made before (a lost answer), and nothing is created again. A parcel without a
tracking number leaves nothing to recognise its fulfilment by, and a partial one leaves lines to
fulfil: so before its first `fulfillmentCreate` the adapter keeps the order's fulfilment ids in the
job's `WriteMark`, and a later try takes a fulfilment that is new since, of the shipped lines
(`fulfillmentLineItems`), for its own (its answer was lost) instead of fulfilling the lines again.

Which lines a parcel holds: those Xentral names (`webId`, else SKU), or, where its delivery names none,
what the delivery note delivered with it (the lifecycle's lines by SKU). The last parcel fulfils
whatever is still open; a partial one that names no lines is refused (fulfilled by hand in Shopify).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Mapping, Sequence
from decimal import Decimal
from typing import Any

import httpx

from ..config import ShopifyApi
from ..lifecycle import Shipment
from .errors import ShopApiRefused, ShopApiRetryable
from .port import ApiCheck, ShopOrderRef, WriteMark
from .shopify_auth import ShopifyAccess
from .transport import send

__all__ = ["NEEDED_SCOPES", "ShopifyShopApi", "order_gid"]

SHOP = "Shopify"
# What write-back needs; a write scope includes its read scope (Shopify's access scopes page).
NEEDED_SCOPES = ("write_orders", "write_merchant_managed_fulfillment_orders")
FULFILLABLE = frozenset({"OPEN", "IN_PROGRESS"})
MAX_WAIT_SECONDS = 10.0  # a longer throttle wait goes back to the job lane, which retries later

CHECK = "query WriteBackCheck { shop { name myshopifyDomain } currentAppInstallation { accessScopes { handle } } }"
ORDER = """query WriteBackOrder($id: ID!) {
  order(id: $id) {
    id name cancelledAt note
    fulfillments(first: 50) {
      id trackingInfo(first: 5) { number company url }
      fulfillmentLineItems(first: 100) { nodes { quantity lineItem { id sku } } }
    }
    fulfillmentOrders(first: 20) {
      nodes { id status lineItems(first: 100) { nodes { id remainingQuantity lineItem { id sku } } } }
    }
  }
}"""
FULFIL = """mutation WriteBackFulfil($fulfillment: FulfillmentInput!) {
  fulfillmentCreate(fulfillment: $fulfillment) { fulfillment { id status } userErrors { field message } }
}"""
# `refundMethod` replaced `refund` in 2025-07 ("orderCancel"); declared non-null, it fits either nullability.
CANCEL = """mutation WriteBackCancel($orderId: ID!, $reason: OrderCancelReason!, $restock: Boolean!,
    $refundMethod: OrderCancelRefundMethodInput!, $notifyCustomer: Boolean!, $staffNote: String) {
  orderCancel(orderId: $orderId, reason: $reason, restock: $restock, refundMethod: $refundMethod,
              notifyCustomer: $notifyCustomer, staffNote: $staffNote) {
    job { id done } orderCancelUserErrors { field message code }
  }
}"""
NOTE = """mutation WriteBackNote($input: OrderInput!) {
  orderUpdate(input: $input) { order { id } userErrors { field message } }
}"""


def order_gid(order_id: str) -> str:
    return order_id if order_id.startswith("gid://") else f"gid://shopify/Order/{order_id}"


def _line_gid(line_id: str) -> str:
    return line_id if line_id.startswith("gid://") else f"gid://shopify/LineItem/{line_id}"


class ShopifyShopApi:
    """One Shopify shop's Admin GraphQL API, paced by the cost Shopify reports."""

    def __init__(
        self,
        credentials: ShopifyApi,
        http: httpx.AsyncClient,
        *,
        notify_customer: bool,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Any] = asyncio.sleep,
    ) -> None:
        domain = credentials.shop_domain
        base = domain if domain.startswith(("http://", "https://")) else f"https://{domain}"
        self._url = f"{base.rstrip('/')}/admin/api/{credentials.api_version}/graphql.json"
        self._access = ShopifyAccess(credentials, http, base.rstrip("/"), clock=clock)
        self._http, self._notify = http, notify_customer
        self._clock, self._sleep = clock, sleep
        self._bucket: tuple[float, float, float] | None = None  # (available, restore per second, seen at)

    def _wait_for(self, cost: float) -> float:
        """Seconds until the bucket, as last reported and restored since, holds `cost` points."""
        if self._bucket is None:
            return 0.0
        available, restore, seen = self._bucket
        now_available = available + restore * (self._clock() - seen)
        return 0.0 if now_available >= cost or restore <= 0 else (cost - now_available) / restore

    async def _query(self, query: str, variables: Mapping[str, Any] | None = None, *, cost: float = 50) -> Any:
        wait = self._wait_for(cost)
        if wait > MAX_WAIT_SECONDS:
            raise ShopApiRetryable(
                f"{SHOP}: the query budget refills in {wait:.0f} s", retry_after=wait, outcome_unknown=False
            )
        if wait > 0:
            await self._sleep(wait)
        renewable = frozenset({401}) if self._access.renewable else frozenset()
        for attempt in (1, 2):
            token = await self._access.token(renew=attempt == 2)
            response = await send(
                self._http,
                SHOP,
                "POST",
                self._url,
                json={"query": query, "variables": dict(variables or {})},
                headers={"X-Shopify-Access-Token": token},
                ok=renewable,
            )
            if response.status_code != 401:
                break
        else:
            raise ShopApiRefused(f"{SHOP}: the app's access token is refused (401)", status=401)
        try:
            body = response.json()
        except ValueError:
            raise ShopApiRefused(f"{SHOP}: the answer is not JSON", status=response.status_code) from None
        cost_info = (body.get("extensions") or {}).get("cost") or {}
        throttle = cost_info.get("throttleStatus") or {}
        if "currentlyAvailable" in throttle and "restoreRate" in throttle:
            self._bucket = (float(throttle["currentlyAvailable"]), float(throttle["restoreRate"]), self._clock())
        errors = body.get("errors") or []
        if any(
            (error.get("extensions") or {}).get("code") == "THROTTLED" for error in errors if isinstance(error, dict)
        ):
            requested = float(cost_info.get("requestedQueryCost") or cost)
            raise ShopApiRetryable(
                f"{SHOP}: throttled (cost {requested:.0f}, available {throttle.get('currentlyAvailable')})",
                retry_after=max(1.0, self._wait_for(requested)),
                outcome_unknown=False,
            )
        if errors:
            messages = "; ".join(str(e.get("message")) for e in errors if isinstance(e, dict))[:300]
            raise ShopApiRefused(f"{SHOP}: {messages}")
        return body.get("data") or {}

    async def check(self) -> ApiCheck:
        data = await self._query(CHECK, cost=2)
        scopes = tuple(sorted(s["handle"] for s in (data.get("currentAppInstallation") or {}).get("accessScopes", [])))
        missing = tuple(scope for scope in NEEDED_SCOPES if scope not in scopes)
        name = (data.get("shop") or {}).get("name") or SHOP
        return ApiCheck(shop=f"{SHOP} {name}", permissions=scopes, missing=missing)

    async def _order(self, order: ShopOrderRef) -> dict[str, Any]:
        found = (await self._query(ORDER, {"id": order_gid(order.shop_order_id)})).get("order")
        if not isinstance(found, dict):
            raise ShopApiRefused(f"{SHOP}: order {order.shop_order_id} not found", status=404)
        return found

    async def ship(
        self, order: ShopOrderRef, shipment: Shipment, *, complete: bool, mark: WriteMark | None = None
    ) -> str:
        found = await self._order(order)
        number = shipment.tracking_number
        fulfilments = [f for f in found.get("fulfillments") or [] if isinstance(f, dict)]
        for fulfilment in fulfilments:
            if number and any(info.get("number") == number for info in fulfilment.get("trackingInfo") or []):
                return f"fulfilment {fulfilment.get('id')} with tracking {number} was there already"
        if mark is not None and mark.seen is not None:
            earlier = _made_since(fulfilments, mark.seen, None if complete else _wanted_lines(order, shipment))
            if earlier is not None:
                return f"fulfilment {earlier} was made by an earlier try (its answer was lost)"
        by_fulfillment_order = _lines_to_fulfil(found, order, shipment, complete=complete)
        if not by_fulfillment_order:
            return "nothing left to fulfil of the shipped lines (fulfilled before)"
        if mark is not None and mark.seen is None:
            await mark.keep({"fulfillments": [str(f.get("id")) for f in fulfilments]})
        tracking = {
            key: value
            for key, value in (("number", number), ("company", shipment.carrier), ("url", shipment.tracking_url))
            if value
        }
        fulfillment: dict[str, Any] = {
            "lineItemsByFulfillmentOrder": by_fulfillment_order,
            "notifyCustomer": self._notify,
        }
        if tracking:
            fulfillment["trackingInfo"] = tracking
        result = (await self._query(FULFIL, {"fulfillment": fulfillment}, cost=10)).get("fulfillmentCreate") or {}
        _user_errors(result.get("userErrors"))
        made = (result.get("fulfillment") or {}).get("id")
        return f"fulfilment {made} created" + (f" with tracking {number}" if number else "")

    async def complete(self, order: ShopOrderRef) -> str:
        """Shopify marks an order fulfilled when its fulfilments cover it; each parcel was one (`ship`)."""
        return "nothing to change in Shopify (each parcel was fulfilled as it shipped)"

    async def note(self, order: ShopOrderRef, text: str) -> str:
        found = await self._order(order)
        note = str(found.get("note") or "")
        if text in note:
            return "order note was there already"
        joined = f"{note}\n{text}" if note else text
        result = (await self._query(NOTE, {"input": {"id": found["id"], "note": joined}}, cost=10)).get(
            "orderUpdate"
        ) or {}
        _user_errors(result.get("userErrors"))
        return "order note added"

    async def cancel(self, order: ShopOrderRef, reason: str) -> str:
        """`orderCancel` runs as a background job: its answer says it was queued, `cancelledAt` that it ran.
        No refund (Xentral books that as a credit note), stock back, no e-mail (Xentral cancelled, not the buyer).
        Refused because an earlier try's cancellation (its answer lost) ran since: the read after says so."""
        found = await self._order(order)
        if found.get("cancelledAt"):
            return "cancelled in Shopify already"
        variables = {
            "orderId": found["id"],
            "reason": "OTHER",
            "restock": True,
            "refundMethod": {"originalPaymentMethodsRefund": False},
            "notifyCustomer": False,
            "staffNote": reason,
        }
        result = (await self._query(CANCEL, variables, cost=10)).get("orderCancel") or {}
        errors = result.get("orderCancelUserErrors")
        if errors:
            if (await self._order(order)).get("cancelledAt"):
                return "cancelled in Shopify (by an earlier try whose answer was lost)"
            _user_errors(errors)
        job = result.get("job") or {}
        return f"cancellation queued in Shopify (job {job.get('id')})"

    async def aclose(self) -> None:
        await self._http.aclose()


def _user_errors(errors: Sequence[Any] | None) -> None:
    if errors:
        messages = "; ".join(str(e.get("message")) for e in errors if isinstance(e, dict))[:300]
        raise ShopApiRefused(f"{SHOP}: {messages}")


def _wanted_lines(order: ShopOrderRef, shipment: Shipment) -> dict[str, Decimal] | None:
    """The shipped quantities, by line GID where Xentral names the `webId`, else by `sku:<SKU>` (filled
    from the order's open lines of that SKU in turn); None when Xentral names no lines. A line whose
    SKU is on none of the order's lines (a fee or discount position of Xentral's own) has nothing to
    fulfil; a parcel with none of the order's lines is refused."""
    if not shipment.lines:
        return None
    skus = {line.sku for line in order.lines if line.sku}
    wanted: dict[str, Decimal] = {}
    for line in shipment.lines:
        if line.web_id:
            key = _line_gid(line.web_id)
        elif line.sku in skus:
            key = f"sku:{line.sku}"
        else:
            continue
        wanted[key] = wanted.get(key, Decimal(0)) + line.quantity
    if not wanted:
        named = ", ".join(sorted({str(line.sku) for line in shipment.lines}))
        raise ShopApiRefused(f"{SHOP}: no shipped line (SKU {named}) matches a line of the order")
    return wanted


def _wanted_key(line_item: Mapping[str, Any], wanted: Mapping[str, Decimal]) -> str | None:
    """The entry of `wanted` an order line (`{id, sku}`) answers to: its GID, else its SKU."""
    gid, sku = str(line_item.get("id")), line_item.get("sku")
    if gid in wanted:
        return gid
    return f"sku:{sku}" if sku and f"sku:{sku}" in wanted else None


def _made_since(
    fulfilments: Sequence[Mapping[str, Any]], seen: Mapping[str, Any], wanted: dict[str, Decimal] | None
) -> str | None:
    """A fulfilment the order did not have when the job first wrote, of the shipped lines only: that write's."""
    before = {str(known) for known in seen.get("fulfillments") or []}
    for fulfilment in fulfilments:
        if str(fulfilment.get("id")) in before:
            continue
        items = [item for item in (fulfilment.get("fulfillmentLineItems") or {}).get("nodes") or [] if item]
        keys = [_wanted_key(item.get("lineItem") or {}, wanted) for item in items] if wanted is not None else []
        if wanted is None or (keys and None not in keys):
            return str(fulfilment.get("id"))
    return None


def _lines_to_fulfil(
    found: Mapping[str, Any], order: ShopOrderRef, shipment: Shipment, *, complete: bool
) -> list[dict[str, Any]]:
    """`lineItemsByFulfillmentOrder` for the shipped lines: each matched by its `webId` (our line id,
    the shop's), else by SKU among the order's lines; `complete` (the last parcel): all that remains."""
    orders = [fo for fo in (found.get("fulfillmentOrders") or {}).get("nodes", []) if fo.get("status") in FULFILLABLE]
    if complete or not shipment.lines:  # the last parcel: whatever is still open goes with it
        if not complete:
            raise ShopApiRefused(
                f"{SHOP}: Xentral names no lines of this partial shipment; fulfil it in Shopify by hand"
            )
        return [
            {"fulfillmentOrderId": fo["id"]}
            for fo in orders
            if any(int(item.get("remainingQuantity") or 0) > 0 for item in fo["lineItems"]["nodes"])
        ]
    wanted = _wanted_lines(order, shipment) or {}
    found_lines: list[dict[str, Any]] = []
    for fo in orders:
        items = []
        for item in fo["lineItems"]["nodes"]:
            key, remaining = _wanted_key(item.get("lineItem") or {}, wanted), int(item.get("remainingQuantity") or 0)
            if key is not None and remaining > 0 and wanted[key] > 0:
                quantity = min(remaining, int(wanted[key]))
                wanted[key] -= quantity
                items.append({"id": item["id"], "quantity": quantity})
        if items:
            found_lines.append({"fulfillmentOrderId": fo["id"], "fulfillmentOrderLineItems": items})
    return found_lines
