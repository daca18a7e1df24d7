"""A fake Shopware 6 Admin API, written from developer.shopware.com's Admin API guide and reference.

Pages followed: "Authentication" (`POST /api/oauth/token` with `grant_type: client_credentials`,
`client_id`, `client_secret` → `{token_type: "Bearer", expires_in: 600, access_token}`; calls carry
`Authorization: Bearer …`; an unknown or expired token is 401 with `errors[]`), "Search criteria"
(`POST /api/search/{entity}` with `ids`, `filter` of type `equals`, `associations`, `limit` →
`{total, data}`), "Writing entities" (`PATCH /api/{entity}/{id}`, answered 204), and the state
machine's actions (`POST /api/_action/order_delivery/{id}/state/{transition}` and
`POST /api/_action/order/{id}/state/{transition}`), with the transitions of Shopware's default state
machines `order_delivery.state` (open → ship → shipped, open → ship_partially → shipped_partially →
ship → shipped, … → cancel) and `order.state` (open → process → in_progress → complete → completed,
open/in_progress → cancel → cancelled); another transition is 400 `CHECKOUT__..`/"Illegal transition".
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from .faults import Faults

DELIVERY_TRANSITIONS = {
    ("open", "ship"): "shipped",
    ("open", "ship_partially"): "shipped_partially",
    ("shipped_partially", "ship"): "shipped",
    ("shipped_partially", "ship_partially"): "shipped_partially",
    ("open", "cancel"): "cancelled",
}
ORDER_TRANSITIONS = {
    ("open", "process"): "in_progress",
    ("in_progress", "complete"): "completed",
    ("open", "cancel"): "cancelled",
    ("in_progress", "cancel"): "cancelled",
}


def _errors(status: int, code: str, detail: str) -> JSONResponse:
    return JSONResponse({"errors": [{"code": code, "status": str(status), "title": "Error", "detail": detail}]}, status)


class FakeShopware:
    def __init__(
        self,
        client_id: str,
        client_secret: str,
        *,
        token_lifetime: float = 600,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.client_id, self.client_secret = client_id, client_secret
        self.token_lifetime, self._clock = token_lifetime, clock
        self.orders: dict[str, dict[str, Any]] = {}
        self.deliveries: dict[str, dict[str, Any]] = {}
        self.tokens: dict[str, float] = {}  # issued token → valid until
        self.faults = Faults()
        self.app = Starlette(
            routes=[
                Route("/api/oauth/token", self._token, methods=["POST"]),
                Route("/api/search/{entity}", self._search, methods=["POST"]),
                Route("/api/{entity}/{entity_id}", self._patch, methods=["PATCH"]),
                Route("/api/_action/{machine}/{entity_id}/state/{transition}", self._transition, methods=["POST"]),
            ]
        )

    def add_order(self, order_id: str, delivery_id: str, state: str = "open") -> None:
        self.orders[order_id] = {"id": order_id, "stateMachineState": {"technicalName": state}, "customFields": None}
        self.deliveries[delivery_id] = {
            "id": delivery_id,
            "orderId": order_id,
            "trackingCodes": [],
            "stateMachineState": {"technicalName": "open"},
        }

    def expire_tokens(self) -> None:
        self.tokens.clear()

    def delivery_of(self, order_id: str) -> dict[str, Any]:
        return next(d for d in self.deliveries.values() if d["orderId"] == order_id)

    def _authorized(self, request: Request) -> JSONResponse | None:
        header = request.headers.get("authorization", "")
        token = header[7:] if header.startswith("Bearer ") else ""
        if self.tokens.get(token, 0) <= self._clock():
            return _errors(401, "9", "The resource owner or authorization server denied the request.")
        return None

    async def _token(self, request: Request) -> Response:
        return await self.faults.around(request, self._do_token)

    async def _do_token(self, request: Request, body: Any) -> Response:
        given = body if isinstance(body, dict) else {}
        if given.get("grant_type") != "client_credentials":
            return _errors(400, "1", "The authorization grant type is not supported by the authorization server.")
        if given.get("client_id") != self.client_id or given.get("client_secret") != self.client_secret:
            return _errors(401, "4", "Client authentication failed")
        token = secrets.token_urlsafe(24)
        self.tokens[token] = self._clock() + self.token_lifetime
        return JSONResponse({"token_type": "Bearer", "expires_in": int(self.token_lifetime), "access_token": token})

    async def _search(self, request: Request) -> Response:
        return await self.faults.around(request, self._do_search)

    async def _do_search(self, request: Request, body: Any) -> Response:
        if (refused := self._authorized(request)) is not None:
            return refused
        entity = request.path_params["entity"]
        rows = {"order": self.orders, "order-delivery": self.deliveries}.get(entity)
        if rows is None:
            return _errors(404, "FRAMEWORK__DEFINITION_NOT_FOUND", f'Definition for entity "{entity}" does not exist.')
        criteria = body if isinstance(body, dict) else {}
        found = list(rows.values())
        if criteria.get("ids"):
            found = [row for row in found if row["id"] in criteria["ids"]]
        for condition in criteria.get("filter") or []:
            if condition.get("type") == "equals":
                found = [row for row in found if row.get(condition["field"]) == condition["value"]]
        if criteria.get("limit"):
            found = found[: int(criteria["limit"])]
        return JSONResponse({"total": len(found), "data": found})

    async def _patch(self, request: Request) -> Response:
        return await self.faults.around(request, self._do_patch)

    async def _do_patch(self, request: Request, body: Any) -> Response:
        if (refused := self._authorized(request)) is not None:
            return refused
        rows = {"order": self.orders, "order-delivery": self.deliveries}.get(request.path_params["entity"])
        row = rows.get(request.path_params["entity_id"]) if rows is not None else None
        if row is None:
            return _errors(404, "FRAMEWORK__RESOURCE_NOT_FOUND", "Resource not found")
        for key in ("trackingCodes", "customFields"):
            if isinstance(body, dict) and key in body:
                row[key] = body[key]
        return Response(status_code=204)

    async def _transition(self, request: Request) -> Response:
        return await self.faults.around(request, self._do_transition)

    async def _do_transition(self, request: Request, body: Any) -> Response:
        if (refused := self._authorized(request)) is not None:
            return refused
        machine = request.path_params["machine"]
        rows, transitions = {
            "order_delivery": (self.deliveries, DELIVERY_TRANSITIONS),
            "order": (self.orders, ORDER_TRANSITIONS),
        }.get(machine, ({}, {}))
        row = rows.get(request.path_params["entity_id"])
        if row is None:
            return _errors(404, "FRAMEWORK__RESOURCE_NOT_FOUND", "Resource not found")
        current = row["stateMachineState"]["technicalName"]
        target = transitions.get((current, request.path_params["transition"]))
        if target is None:
            return _errors(
                400,
                "SYSTEM__ILLEGAL_STATE_TRANSITION",
                f'Illegal transition "{request.path_params["transition"]}" from state "{current}"',
            )
        row["stateMachineState"] = {"technicalName": target}
        return JSONResponse({"technicalName": target, "name": target})
