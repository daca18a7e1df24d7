"""A fake Shopify Admin GraphQL API, written from shopify.dev/docs/api/admin-graphql and /docs/api/usage.

Pages followed: "Authentication" (the `X-Shopify-Access-Token` header; a wrong one is answered 401
`{"errors": "[API] Invalid API key or access token (unrecognized login or wrong password)"}`), "Using
the client credentials grant" (a Dev Dashboard app's `POST /admin/oauth/access_token`, form-encoded
`grant_type=client_credentials`, `client_id`, `client_secret` → `{access_token, scope, expires_in:
86399}`; wrong credentials are answered 400 with an OAuth error — its body assumed
`{"error": "invalid_client", "error_description": …}`, as RFC 6749 §5.2 has it),
"API rate limits" (a leaky bucket of `maximumAvailable` points refilled at `restoreRate` per
second; every answer reports `extensions.cost {requestedQueryCost, actualQueryCost, throttleStatus
{maximumAvailable, currentlyAvailable, restoreRate}}`; a query costing more than is available is
not run and is answered 200 with `errors: [{message: "Throttled", extensions: {code: "THROTTLED"}}]`),
the `order` query (`fulfillmentOrders` with line items' `remainingQuantity` and `lineItem`,
`fulfillments` with `trackingInfo` and `fulfillmentLineItems {quantity, lineItem}`, `cancelledAt`,
`note`), `fulfillmentCreate` (`FulfillmentInput`: `lineItemsByFulfillmentOrder`, `notifyCustomer`,
`trackingInfo`; a fulfillment order that is not open, or a quantity above what remains, is a
`userErrors` entry and nothing is fulfilled; an empty `fulfillmentOrderLineItems` fulfils every
remaining line), `orderCancel` (arguments `orderId`, `reason` of `OrderCancelReason`, `restock`,
`refundMethod` — `refund` is no argument since 2025-07 — `notifyCustomer`, `staffNote`; it answers a
`job` with `done: false` and cancels in the background: the order's `cancelledAt` is set when the job
has run, here before the shop's next request or `cancel_job_requests` later; an order that is cancelled
or being cancelled is refused with an `orderCancelUserErrors` entry) and `orderUpdate` (`note`),
`currentAppInstallation { accessScopes { handle } }`.

It does not parse GraphQL: it tells the operations apart by their root field, reads `variables`,
and answers the documented fields in full (a real shop answers only those selected).
"""

from __future__ import annotations

import re
import secrets
import threading
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qsl

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from .faults import Faults

# Mutations first: their selections name `order { … }` too.
COSTS = {"fulfillmentCreate": 10, "orderCancel": 10, "orderUpdate": 10, "currentAppInstallation": 2, "order": 12}
SCOPES = (
    "read_orders",
    "write_orders",
    "read_merchant_managed_fulfillment_orders",
    "write_merchant_managed_fulfillment_orders",
)


class FakeShopify:
    def __init__(
        self,
        access_token: str | None,
        *,
        client: tuple[str, str] | None = None,
        token_lifetime: float = 86399,
        maximum: float = 1000,
        restore_rate: float = 50,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.access_token = access_token  # an admin-created app's fixed token
        self.client, self.token_lifetime = client, token_lifetime  # a Dev Dashboard app's (client id, secret)
        self.granted: dict[str, float] = {}  # tokens of the client credentials grant → valid until
        self.orders: dict[str, dict[str, Any]] = {}  # by order GID
        self.emails: list[tuple[str, str | None]] = []  # (order GID, tracking number) of each shipping confirmation
        self.scopes = list(SCOPES)
        self.faults = Faults()
        self.maximum, self.restore_rate, self._clock = maximum, restore_rate, clock
        self._available, self._at = maximum, clock()
        self.throttled = 0  # queries answered THROTTLED
        self._lock = threading.Lock()
        self._ids = 1000
        self._cancelling: list[list[Any]] = []  # orderCancel jobs not run yet: [order GID, staff note, requests left]
        self.cancel_job_requests = 0  # the shop's requests a cancel job waits before it runs (0: by the next one)
        self.cancel_emails = 0  # cancellation e-mails to buyers (notifyCustomer)
        self.app = Starlette(
            routes=[
                Route("/admin/api/{version}/graphql.json", self._graphql, methods=["POST"]),
                Route("/admin/oauth/access_token", self._access_token, methods=["POST"]),
            ]
        )

    def _next(self, kind: str) -> str:
        self._ids += 1
        return f"gid://shopify/{kind}/{self._ids}"

    def add_order(self, order_id: int, lines: list[tuple[int, str, int]], name: str = "#1001") -> None:
        """An order with its lines (line id, SKU, quantity) in one open fulfillment order."""
        gid = f"gid://shopify/Order/{order_id}"
        fulfillment_order = {
            "id": self._next("FulfillmentOrder"),
            "status": "OPEN",
            "lineItems": [
                {
                    "id": self._next("FulfillmentOrderLineItem"),
                    "lineItem": {"id": f"gid://shopify/LineItem/{line_id}", "sku": sku},
                    "totalQuantity": quantity,
                    "remainingQuantity": quantity,
                }
                for line_id, sku, quantity in lines
            ],
        }
        self.orders[gid] = {
            "id": gid,
            "name": name,
            "note": None,
            "cancelledAt": None,
            "fulfillments": [],
            "fulfillmentOrders": [fulfillment_order],
        }

    def drain(self, points: float) -> None:
        """Use up bucket points, as other apps of the shop would."""
        with self._lock:
            self._refill()
            self._available = max(0.0, self._available - points)

    def _refill(self) -> None:
        now = self._clock()
        self._available = min(self.maximum, self._available + (now - self._at) * self.restore_rate)
        self._at = now

    def _cost(self, requested: float, actual: float) -> dict[str, Any]:
        return {
            "requestedQueryCost": requested,
            "actualQueryCost": actual,
            "throttleStatus": {
                "maximumAvailable": self.maximum,
                "currentlyAvailable": round(self._available),
                "restoreRate": self.restore_rate,
            },
        }

    async def _graphql(self, request: Request) -> Response:
        return await self.faults.around(request, self._answer)

    def expire_tokens(self) -> None:
        self.granted.clear()

    async def _access_token(self, request: Request) -> Response:
        return await self.faults.around(request, self._grant)

    async def _grant(self, request: Request, body: Any) -> Response:
        form = dict(parse_qsl(body)) if isinstance(body, str) else {}
        if form.get("grant_type") != "client_credentials":
            return JSONResponse({"error": "unsupported_grant_type"}, 400)
        if self.client is None or (form.get("client_id"), form.get("client_secret")) != self.client:
            return JSONResponse({"error": "invalid_client", "error_description": "Client authentication failed"}, 400)
        token = "shpat_" + secrets.token_hex(16)
        self.granted[token] = self._clock() + self.token_lifetime
        scope = ",".join(self.scopes)
        return JSONResponse({"access_token": token, "scope": scope, "expires_in": int(self.token_lifetime)})

    def _authorized(self, token: str | None) -> bool:
        if token is not None and token == self.access_token:
            return True
        return token is not None and self.granted.get(token, float("-inf")) > self._clock()

    async def _answer(self, request: Request, body: Any) -> Response:
        if not self._authorized(request.headers.get("x-shopify-access-token")):
            return JSONResponse(
                {"errors": "[API] Invalid API key or access token (unrecognized login or wrong password)"}, 401
            )
        self._run_jobs()
        query = str((body or {}).get("query") or "")
        variables = (body or {}).get("variables") or {}
        if re.search(r"orderCancel\s*\(", query) and re.search(r"[(,\s]refund\s*:", query):
            return JSONResponse({"errors": [{"message": "Field 'orderCancel' doesn't accept argument 'refund'"}]})
        field = next((name for name in COSTS if re.search(rf"\b{name}\s*[({{]", query)), None)
        if field is None:
            return JSONResponse({"errors": [{"message": "Field is not supported by the fake"}]}, 200)
        requested = COSTS[field]
        with self._lock:
            self._refill()
            if self._available < requested:
                self.throttled += 1
                return JSONResponse(
                    {
                        "errors": [{"message": "Throttled", "extensions": {"code": "THROTTLED"}}],
                        "extensions": {"cost": self._cost(requested, 0)},
                    }
                )
            self._available -= requested
            data = getattr(self, f"_{field}")(variables)
            return JSONResponse({"data": data, "extensions": {"cost": self._cost(requested, requested)}})

    # -- operations -------------------------------------------------------------------------------

    def _currentAppInstallation(self, variables: dict[str, Any]) -> dict[str, Any]:
        return {
            "shop": {"name": "Fake shop", "myshopifyDomain": "fake.myshopify.com"},
            "currentAppInstallation": {"accessScopes": [{"handle": scope} for scope in self.scopes]},
        }

    def _order(self, variables: dict[str, Any]) -> dict[str, Any]:
        order = self.orders.get(str(variables.get("id")))
        if order is None:
            return {"order": None}
        return {
            "order": {
                **order,
                "fulfillmentOrders": {
                    "nodes": [{**fo, "lineItems": {"nodes": fo["lineItems"]}} for fo in order["fulfillmentOrders"]]
                },
            }
        }

    def _fulfillmentCreate(self, variables: dict[str, Any]) -> dict[str, Any]:
        given = variables.get("fulfillment") or {}
        pairs = given.get("lineItemsByFulfillmentOrder") or []
        if not pairs:
            return _user_error("lineItemsByFulfillmentOrder", "must not be empty")
        planned: list[tuple[dict[str, Any], int]] = []
        owner: dict[str, Any] | None = None
        for pair in pairs:
            found = next(
                (
                    (o, fo)
                    for o in self.orders.values()
                    for fo in o["fulfillmentOrders"]
                    if fo["id"] == pair.get("fulfillmentOrderId")
                ),
                None,
            )
            if found is None:
                return _user_error("fulfillmentOrderId", "Fulfillment order does not exist.")
            owner, fulfillment_order = found
            if fulfillment_order["status"] not in ("OPEN", "IN_PROGRESS"):
                return _user_error("fulfillmentOrderId", "Fulfillment order is not in an open state.")
            items = pair.get("fulfillmentOrderLineItems")
            if not items:
                planned += [
                    (item, item["remainingQuantity"])
                    for item in fulfillment_order["lineItems"]
                    if item["remainingQuantity"]
                ]
                continue
            for wanted in items:
                item = next((i for i in fulfillment_order["lineItems"] if i["id"] == wanted.get("id")), None)
                quantity = int(wanted.get("quantity") or 0)
                if item is None or quantity < 1 or quantity > item["remainingQuantity"]:
                    return _user_error(
                        "fulfillmentOrderLineItems", "Invalid fulfillment order line item quantity requested."
                    )
                planned.append((item, quantity))
        assert owner is not None
        for item, quantity in planned:
            item["remainingQuantity"] -= quantity
        for fulfillment_order in owner["fulfillmentOrders"]:
            left = sum(i["remainingQuantity"] for i in fulfillment_order["lineItems"])
            fulfillment_order["status"] = "CLOSED" if left == 0 else "IN_PROGRESS"
        tracking = given.get("trackingInfo") or {}
        fulfillment = {
            "id": self._next("Fulfillment"),
            "status": "SUCCESS",
            "trackingInfo": [
                {"number": tracking.get("number"), "company": tracking.get("company"), "url": tracking.get("url")}
            ]
            if tracking
            else [],
            "fulfillmentLineItems": {
                "nodes": [{"quantity": quantity, "lineItem": dict(item["lineItem"])} for item, quantity in planned]
            },
        }
        owner["fulfillments"].append(fulfillment)
        if given.get("notifyCustomer"):
            self.emails.append((owner["id"], tracking.get("number")))
        return {"fulfillmentCreate": {"fulfillment": {"id": fulfillment["id"], "status": "SUCCESS"}, "userErrors": []}}

    def settle_jobs(self) -> None:
        """Every queued `orderCancel` job has run (as a person looking at the shop a moment later sees it)."""
        with self._lock:
            for job in self._cancelling:
                job[2] = 0
        self._run_jobs()

    def _run_jobs(self) -> None:
        """The background jobs `orderCancel` queued, run once `cancel_job_requests` more requests came."""
        with self._lock:
            due = [job for job in self._cancelling if job[2] <= 0]
            for job in self._cancelling:
                job[2] -= 1
            self._cancelling = [job for job in self._cancelling if job not in due]
        for gid, staff_note, _left in due:
            order = self.orders[gid]
            if not order["cancelledAt"]:
                order["cancelledAt"], order["staffNote"] = "2026-01-01T00:00:00Z", staff_note

    def _orderCancel(self, variables: dict[str, Any]) -> dict[str, Any]:
        order = self.orders.get(str(variables.get("orderId")))
        invalid = None
        if variables.get("reason") not in ("CUSTOMER", "DECLINED", "FRAUD", "INVENTORY", "OTHER", "STAFF"):
            invalid = ("reason", "Reason is invalid")
        elif not isinstance(variables.get("restock"), bool) or not isinstance(variables.get("refundMethod"), dict):
            invalid = ("restock", "restock and refundMethod are required")
        elif order is None:
            invalid = ("orderId", "Order does not exist")
        elif order["cancelledAt"] or any(job[0] == order["id"] for job in self._cancelling):
            invalid = ("orderId", "Cannot cancel a cancelled order")
        if invalid is not None:
            code = "NOT_FOUND" if order is None else "INVALID"
            error = {"field": [invalid[0]], "message": invalid[1], "code": code}
            return {"orderCancel": {"job": None, "orderCancelUserErrors": [error]}}
        assert order is not None
        self._cancelling.append([order["id"], variables.get("staffNote"), self.cancel_job_requests])
        if variables.get("notifyCustomer"):
            self.cancel_emails += 1
        return {"orderCancel": {"job": {"id": self._next("Job"), "done": False}, "orderCancelUserErrors": []}}

    def _orderUpdate(self, variables: dict[str, Any]) -> dict[str, Any]:
        given = variables.get("input") or {}
        order = self.orders.get(str(given.get("id")))
        if order is None:
            return {
                "orderUpdate": {"order": None, "userErrors": [{"field": ["id"], "message": "Order does not exist"}]}
            }
        if "note" in given:
            order["note"] = given["note"]
        return {"orderUpdate": {"order": {"id": order["id"]}, "userErrors": []}}


def _user_error(field: str, message: str) -> dict[str, Any]:
    return {
        "fulfillmentCreate": {
            "fulfillment": None,
            "userErrors": [{"field": ["fulfillment", field], "message": message}],
        }
    }
