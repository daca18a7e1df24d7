"""`/_sandbox/*`: reset, faults, call log, readings, tokens and traffic lights over HTTP, for clients that cannot
reach the Python objects.

Guard: no bearer token is needed, but the header `X-Sandbox-Token` must equal the configured API token
(so a stray API client cannot reset the sandbox by accident). With `admin_enabled=False` every path is 404.
Admin calls are neither rate-limited nor logged.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from .admin_fulfilment import fulfilment_routes
from .calllog import CallLog
from .config import SandboxConfig
from .delivery import EventFaultKind, WebhookDelivery
from .faults import FaultInjector, FaultKind
from .ratelimit import FixedWindowLimiter
from .readings import Readings
from .state import SandboxState, UnknownOrder

ADMIN_PREFIX = "/_sandbox"
ADMIN_HEADER = "X-Sandbox-Token"


def create_admin_app(
    state: SandboxState,
    config: SandboxConfig,
    faults: FaultInjector,
    calls: CallLog,
    limiter: FixedWindowLimiter | None,
    delivery: WebhookDelivery,
) -> Starlette:
    def guard(request: Request) -> Response | None:
        if not config.admin_enabled:
            return Response(status_code=404)
        if request.headers.get(ADMIN_HEADER) != config.token:
            return JSONResponse({"error": f"send header {ADMIN_HEADER}"}, status_code=403)
        return None

    async def health(request: Request) -> Response:
        return guard(request) or JSONResponse({"status": "ok"})

    async def reset(request: Request) -> Response:
        """Seed data, readings and tokens back, faults and call log cleared, rate-limit windows forgotten."""
        if denied := guard(request):
            return denied
        state.reset()
        faults.clear()
        calls.clear()
        delivery.faults.clear()
        delivery.clear()
        if limiter is not None:
            limiter.reset()
        return Response(status_code=204)

    async def list_faults(request: Request) -> Response:
        return guard(request) or JSONResponse([f.to_json() for f in faults.active()])

    async def add_fault(request: Request) -> Response:
        """Body: {"kind": "latency|rate_limit|status|drop|commit_then_drop|commit_then_status|ignore_filters|
        wrong_read_back", "method", "path", "count", "status", "seconds", "retry_after"} — the keyword arguments
        of FaultInjector.add (`"count": null` never runs out)."""
        if denied := guard(request):
            return denied
        try:
            body: dict[str, Any] = json.loads(await request.body())
            fault = faults.add(
                FaultKind(body.pop("kind")),
                **{
                    k: v
                    for k, v in body.items()
                    if k in {"method", "path", "count", "status", "seconds", "retry_after"}
                },
            )
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            return JSONResponse({"error": str(exc)}, status_code=400)
        return JSONResponse(fault.to_json(), status_code=201)

    async def clear_faults(request: Request) -> Response:
        if denied := guard(request):
            return denied
        faults.clear()
        return Response(status_code=204)

    async def get_calls(request: Request) -> Response:
        if denied := guard(request):
            return denied
        return JSONResponse({"calls": [c.to_json() for c in calls.records()], "counts": calls.counts()})

    async def clear_calls(request: Request) -> Response:
        if denied := guard(request):
            return denied
        calls.clear()
        return Response(status_code=204)

    async def get_readings(request: Request) -> Response:
        return guard(request) or JSONResponse(state.readings.to_json())

    async def changed(request: Request, change: Callable[[Any], None]) -> Response:
        """Apply `change` to the JSON body; a bad body (or a refused change) is a 400 naming why."""
        if denied := guard(request):
            return denied
        try:
            change(json.loads(await request.body()))
        except UnknownOrder as exc:
            return JSONResponse({"error": f"no sales order {exc}"}, status_code=404)
        except (KeyError, ValueError, TypeError, AttributeError) as exc:
            return JSONResponse({"error": str(exc)}, status_code=400)
        return Response(status_code=204)

    def set_readings(changes: dict[str, Any]) -> None:
        with state.lock:
            state.readings = Readings.from_json(state.readings.to_json() | changes)

    def set_token(body: dict[str, Any]) -> None:
        token, scopes = body.get("token"), body.get("scopes")
        if not isinstance(token, str) or not token or not (scopes is None or isinstance(scopes, list)):
            raise ValueError("token must be a non-empty string, scopes a list or null")
        with state.lock:
            state.tokens[token] = None if scopes is None else frozenset(str(s) for s in scopes)

    async def put_readings(request: Request) -> Response:
        """Body: the readings to change (readings.py), e.g. {"discount_scale": "percent"}; the rest stay."""
        return await changed(request, set_readings)

    async def put_token(request: Request) -> Response:
        """Body: {"token": "...", "scopes": ["customer:read", ...]} (scopes null: every scope)."""
        return await changed(request, set_token)

    async def delete_token(request: Request) -> Response:
        """The token is gone (expired, or deleted after 180 days unused): its requests answer 401 from now on."""
        if denied := guard(request):
            return denied
        with state.lock:
            state.tokens.pop(request.path_params["token"], None)
        return Response(status_code=204)

    async def patch_traffic_lights(request: Request) -> Response:
        """Body: the lights to set on one order, e.g. {"stockOk": false} (trafficlights.py)."""
        return await changed(request, lambda lights: state.set_traffic_lights(request.path_params["id"], **lights))

    async def list_event_faults(request: Request) -> Response:
        return guard(request) or JSONResponse([f.to_json() for f in delivery.faults.active()])

    async def add_event_fault(request: Request) -> Response:
        """Body: {"kind": "lose|duplicate|late|out_of_order|wrong_key", "type": "com.xentral.shipment.*",
        "count": 1, "seconds": 2.0} (delivery.py; `"count": null` never runs out, `type` null: every type)."""
        if denied := guard(request):
            return denied
        try:
            body: dict[str, Any] = json.loads(await request.body())
            fault = delivery.faults.add(
                EventFaultKind(body.pop("kind")),
                **{k: v for k, v in body.items() if k in {"type", "count", "seconds"}},
            )
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            return JSONResponse({"error": str(exc)}, status_code=400)
        return JSONResponse(fault.to_json(), status_code=201)

    async def clear_event_faults(request: Request) -> Response:
        if denied := guard(request):
            return denied
        delivery.faults.clear()
        return Response(status_code=204)

    async def get_webhook_deliveries(request: Request) -> Response:
        """Every delivery attempt to the subscriptions: event, attempt, outcome, status (never a key)."""
        return guard(request) or JSONResponse({"deliveries": [d.to_json() for d in delivery.log()]})

    return Starlette(
        routes=[
            Route(f"{ADMIN_PREFIX}/health", health, methods=["GET"]),
            Route(f"{ADMIN_PREFIX}/reset", reset, methods=["POST"]),
            Route(f"{ADMIN_PREFIX}/faults", list_faults, methods=["GET"]),
            Route(f"{ADMIN_PREFIX}/faults", add_fault, methods=["POST"]),
            Route(f"{ADMIN_PREFIX}/faults", clear_faults, methods=["DELETE"]),
            Route(f"{ADMIN_PREFIX}/calls", get_calls, methods=["GET"]),
            Route(f"{ADMIN_PREFIX}/calls", clear_calls, methods=["DELETE"]),
            Route(f"{ADMIN_PREFIX}/readings", get_readings, methods=["GET"]),
            Route(f"{ADMIN_PREFIX}/readings", put_readings, methods=["PUT"]),
            Route(f"{ADMIN_PREFIX}/tokens", put_token, methods=["PUT"]),
            Route(f"{ADMIN_PREFIX}/tokens/{{token}}", delete_token, methods=["DELETE"]),
            Route(f"{ADMIN_PREFIX}/salesOrders/{{id}}/trafficLights", patch_traffic_lights, methods=["PATCH"]),
            Route(f"{ADMIN_PREFIX}/eventFaults", list_event_faults, methods=["GET"]),
            Route(f"{ADMIN_PREFIX}/eventFaults", add_event_fault, methods=["POST"]),
            Route(f"{ADMIN_PREFIX}/eventFaults", clear_event_faults, methods=["DELETE"]),
            Route(f"{ADMIN_PREFIX}/webhookDeliveries", get_webhook_deliveries, methods=["GET"]),
            *fulfilment_routes(ADMIN_PREFIX, state, guard),
        ]
    )
