"""ASGI middleware timing every request, labelled by route template (not raw path) and status."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from starlette.routing import Match
from starlette.types import ASGIApp, Message, Receive, Scope, Send

if TYPE_CHECKING:
    from ..metrics import Metrics

UNMATCHED = "unmatched"


class RequestMetrics:
    """Observe `http_request_duration_seconds{method, route, status}`.

    The route is the template (`/api/orders/{reference}`), so references do not become
    labels; paths no route matches share one label. The `Metrics` object is the running
    container's, looked up per request because the container is built in the lifespan,
    after the middleware stack.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def send_with_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_with_status)
        finally:
            metrics = _metrics_of(scope)
            if metrics is not None:
                metrics.http_request(scope["method"], _route_template(scope), status, time.perf_counter() - started)


def _metrics_of(scope: Scope) -> Metrics | None:
    app = scope.get("app")
    container = getattr(getattr(app, "state", None), "container", None)
    return getattr(container, "metrics", None)


def _route_template(scope: Scope) -> str:
    route: Any = scope.get("route")
    if route is not None and isinstance(getattr(route, "path", None), str):
        return str(route.path)
    # Answered before routing (e.g. 413/415 from BodyGuard): find the route it was meant for.
    router = getattr(scope.get("app"), "router", None)
    for candidate in getattr(router, "routes", ()):
        match, _ = candidate.matches(scope)
        if match is Match.FULL and isinstance(getattr(candidate, "path", None), str):
            return str(candidate.path)
    return UNMATCHED
