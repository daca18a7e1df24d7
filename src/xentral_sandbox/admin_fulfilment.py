"""`/_sandbox/salesOrders/{id}/dispatch|ship|cancel|complete`: move an order through its life over HTTP.

`ship` takes `{"trackingNumber", "carrier", "trackingUrl", "lines": [{"positionId" or "sku", "quantity"}]}`
(`lines` optional: everything not yet shipped). Answers: dispatch 200 `{"deliveryNoteId"}`, ship 201
`{"shipmentId", "deliveryNoteId"}`, cancel and complete 204; an unknown order 404, a refused move 409 with
the reason, a bad body 400. The guard is the admin's (`X-Sandbox-Token`).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from . import fulfilment
from .fulfilment import FulfilmentRefused, Line
from .state import SandboxState, UnknownOrder

__all__ = ["fulfilment_routes"]

Guard = Callable[[Request], Response | None]


def _lines(state: SandboxState, order_id: str, raw: Any) -> list[Line] | None:
    if raw is None:
        return None
    if not isinstance(raw, list) or not raw:
        raise ValueError("lines must be a non-empty list")
    with state.lock:
        order = state.sales_orders.get(order_id)
        if order is None:
            raise UnknownOrder(order_id)
        by_sku = {str(p["product"].get("number")): str(p["id"]) for p in order["positions"]}
    lines = []
    for item in raw:
        if not isinstance(item, dict):
            raise ValueError("each line is an object")
        position = item.get("positionId") or by_sku.get(str(item.get("sku")))
        if position is None:
            raise ValueError("each line names its positionId (or the sku of one of the order's positions)")
        try:
            quantity = Decimal(str(item.get("quantity")))
        except InvalidOperation as error:
            raise ValueError("quantity must be a number") from error
        lines.append(Line(str(position), quantity))
    return lines


def fulfilment_routes(prefix: str, state: SandboxState, guard: Guard) -> list[Route]:
    async def moved(request: Request, move: Callable[[str, dict[str, Any]], Response]) -> Response:
        if denied := guard(request):
            return denied
        try:
            raw = await request.body()
            body = json.loads(raw) if raw.strip() else {}
            if not isinstance(body, dict):
                raise ValueError("the body is a JSON object")
            return move(request.path_params["id"], body)
        except UnknownOrder as exc:
            return JSONResponse({"error": f"no sales order {exc}"}, status_code=404)
        except FulfilmentRefused as exc:
            return JSONResponse({"error": str(exc)}, status_code=409)
        except (ValueError, TypeError) as exc:
            return JSONResponse({"error": str(exc)}, status_code=400)

    def dispatch_order(order_id: str, body: dict[str, Any]) -> Response:
        note = fulfilment.dispatch(state, order_id)
        return JSONResponse({"deliveryNoteId": note["id"]})

    def ship_order(order_id: str, body: dict[str, Any]) -> Response:
        number = body.get("trackingNumber")
        if not isinstance(number, str) or not number:
            raise ValueError("trackingNumber is required")
        carrier, url = body.get("carrier"), body.get("trackingUrl")
        if not all(value is None or isinstance(value, str) for value in (carrier, url)):
            raise ValueError("carrier and trackingUrl are strings")
        shipment = fulfilment.ship(
            state,
            order_id,
            tracking_number=number,
            carrier=carrier,
            tracking_url=url,
            lines=_lines(state, order_id, body.get("lines")),
        )
        return JSONResponse(
            {"shipmentId": shipment["id"], "deliveryNoteId": shipment["deliveryNote"]["id"]}, status_code=201
        )

    def cancel_order(order_id: str, body: dict[str, Any]) -> Response:
        fulfilment.cancel(state, order_id)
        return Response(status_code=204)

    def complete_order(order_id: str, body: dict[str, Any]) -> Response:
        fulfilment.complete(state, order_id)
        return Response(status_code=204)

    def route(action: str, move: Callable[[str, dict[str, Any]], Response]) -> Route:
        async def endpoint(request: Request) -> Response:
            return await moved(request, move)

        return Route(f"{prefix}/salesOrders/{{id}}/{action}", endpoint, methods=["POST"])

    return [
        route("dispatch", dispatch_order),
        route("ship", ship_order),
        route("cancel", cancel_order),
        route("complete", complete_order),
    ]
