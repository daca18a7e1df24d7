"""`/_sandbox/*`: reset, faults and call log over HTTP, for clients that cannot reach the Python objects.

Guard: no bearer token is needed, but the header `X-Sandbox-Token` must equal the configured API token
(so a stray API client cannot reset the sandbox by accident). With `admin_enabled=False` every path is 404.
Admin calls are neither rate-limited nor logged.
"""

from __future__ import annotations

import json
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from .calllog import CallLog
from .config import SandboxConfig
from .faults import FaultInjector, FaultKind
from .ratelimit import FixedWindowLimiter
from .state import SandboxState

ADMIN_PREFIX = "/_sandbox"
ADMIN_HEADER = "X-Sandbox-Token"


def create_admin_app(
    state: SandboxState,
    config: SandboxConfig,
    faults: FaultInjector,
    calls: CallLog,
    limiter: FixedWindowLimiter | None,
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
        """Seed data back, faults and call log cleared, rate-limit windows forgotten."""
        if denied := guard(request):
            return denied
        state.reset()
        faults.clear()
        calls.clear()
        if limiter is not None:
            limiter.reset()
        return Response(status_code=204)

    async def list_faults(request: Request) -> Response:
        return guard(request) or JSONResponse([f.to_json() for f in faults.active()])

    async def add_fault(request: Request) -> Response:
        """Body: {"kind": "latency|rate_limit|status|drop|commit_then_drop|ignore_filters|wrong_read_back",
        "method", "path", "count", "status", "seconds", "retry_after"} — the keyword arguments of
        FaultInjector.add (`"count": null` never runs out)."""
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

    return Starlette(
        routes=[
            Route(f"{ADMIN_PREFIX}/health", health, methods=["GET"]),
            Route(f"{ADMIN_PREFIX}/reset", reset, methods=["POST"]),
            Route(f"{ADMIN_PREFIX}/faults", list_faults, methods=["GET"]),
            Route(f"{ADMIN_PREFIX}/faults", add_fault, methods=["POST"]),
            Route(f"{ADMIN_PREFIX}/faults", clear_faults, methods=["DELETE"]),
            Route(f"{ADMIN_PREFIX}/calls", get_calls, methods=["GET"]),
            Route(f"{ADMIN_PREFIX}/calls", clear_calls, methods=["DELETE"]),
        ]
    )
