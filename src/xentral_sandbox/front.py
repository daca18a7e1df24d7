"""The raw ASGI layer in front of the API routes: call log, faults, rate limit, auth, content negotiation.

It is raw ASGI (not Starlette middleware) because a dropped connection must never start a response.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from starlette.datastructures import Headers
from starlette.responses import Response

from .calllog import CallLog, CallRecord
from .config import V1_PRODUCTS_DEPRECATED_SINCE, V1_PRODUCTS_SUNSET, SandboxConfig
from .faults import FaultInjector, FaultKind
from .operations import OPERATIONS, Operation, find_operation, negotiate, path_known
from .problems import empty
from .ratelimit import Decision, FixedWindowLimiter
from .state import SandboxState
from .tokens import missing_scope_response, unauthenticated

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

NEGOTIATED = "xentral_sandbox.media_type"
MISBEHAVING = "xentral_sandbox.misbehaviours"


class ConnectionDropped(Exception):
    """Raised when no transport could be reached to drop; uvicorn then answers 500 instead."""


async def drop_connection(send: Send) -> None:
    """Close the client socket without a byte of response.

    uvicorn hands the app `RequestResponseCycle.send`, a bound method whose owner holds the transport;
    aborting it makes the client see "Server disconnected without sending a response".
    """
    transport = getattr(getattr(send, "__self__", None), "transport", None)
    if transport is None:
        raise ConnectionDropped("no transport to drop")
    transport.abort()
    await asyncio.sleep(0)  # let connection_lost run so uvicorn marks the cycle as disconnected


class Front:
    def __init__(
        self,
        api: ASGIApp,
        state: SandboxState,
        config: SandboxConfig,
        faults: FaultInjector,
        calls: CallLog,
        limiter: FixedWindowLimiter | None,
    ) -> None:
        self.api = api
        self.state = state
        self.operations = OPERATIONS
        self.config = config
        self.faults = faults
        self.calls = calls
        self.limiter = limiter

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.api(scope, receive, send)
            return
        started, wall = time.perf_counter(), time.time()
        status: list[int | None] = [None]
        logged = [False]
        received: list[bytes] = []

        async def recording_receive() -> Message:
            # The body is kept as the API reads it, for the call log.
            message = await receive()
            if message["type"] == "http.request":
                received.append(message.get("body", b""))
            return message

        def log(seen: int | None) -> None:
            if logged[0]:
                return
            logged[0] = True
            operation = find_operation(scope["method"], scope["path"], self.operations)
            self.calls.append(
                CallRecord(
                    method=scope["method"],
                    path=scope["path"],
                    query=scope.get("query_string", b"").decode("latin-1"),
                    status=seen,
                    timestamp=wall,
                    operation=operation.name if operation else None,
                    duration=time.perf_counter() - started,
                    body=b"".join(received).decode("utf-8", "replace") or None,
                )
            )

        async def logging_send(message: Message) -> None:
            if message["type"] == "http.response.start":
                status[0] = message["status"]
                # Logged before the head leaves: a bodiless answer (Content-Length: 0) is complete for the
                # client as soon as the head arrives, and a test must never race its own record.
                log(status[0])
            await send(message)

        drop = await self._handle(scope, recording_receive, logging_send)
        # A drop is logged before the socket dies, with status None: the client saw no status.
        log(None if drop else status[0])
        if drop:
            await drop_connection(send)

    async def _handle(self, scope: Scope, receive: Receive, send: Send) -> bool:
        """Answer the request, or return True when the connection must be dropped instead."""
        method, path = scope["method"], scope["path"]
        headers = Headers(scope=scope)
        plan = self.faults.plan(method, path)
        delay, fault = plan.delay, plan.terminal
        scope.setdefault("state", {})[MISBEHAVING] = frozenset(kind.value for kind in plan.misbehaviours)
        if delay:
            # Like a web server in front of PHP, take the whole body first: a slow request then still
            # completes after its client has gone (what an "in flight" write means for a caller).
            receive = await _buffered(receive)
            await asyncio.sleep(delay)
        if fault is not None and fault.kind is FaultKind.DROP:
            return True
        if fault is not None and fault.kind is FaultKind.STATUS:
            await empty(fault.status)(scope, receive, send)
            return False

        decision: Decision | None = None
        if fault is not None and fault.kind is FaultKind.RATE_LIMIT:
            limit = self.limiter.limit if self.limiter is not None else self.config.rate_limit or 0
            decision = Decision(False, limit, 0, time.time() + fault.retry_after, fault.retry_after)
        elif self.limiter is not None:
            # Xentral's rate-limit page: the budget is per instance and client IP (whatever the token). Assumption:
            # every API request counts, including ones answered 401/406/415.
            client = (scope.get("client") or ("?", 0))[0]
            decision = self.limiter.hit(str(client))
        extra_headers = decision.headers() if decision is not None else {}
        if self.state.readings.rate_limit_headers == "absent":
            # The other reading (readings.py): no budget headers; a 429 still says when to come back.
            extra_headers = {k: v for k, v in extra_headers.items() if not k.startswith("X-RateLimit-")}
        operation = find_operation(method, path, self.operations)
        if operation is not None and operation.deprecated:
            extra_headers |= _deprecation_headers()

        response = self._precheck(method, path, headers, decision, scope, operation)
        if response is not None:
            response.headers.update(extra_headers)
            await response(scope, receive, send)
            return False

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                raw = list(message.get("headers", []))
                raw += [(k.lower().encode(), v.encode()) for k, v in extra_headers.items()]
                message = {**message, "headers": raw}
            await send(message)

        if fault is not None and fault.kind in (FaultKind.COMMIT_THEN_DROP, FaultKind.COMMIT_THEN_STATUS):

            async def swallow(message: Message) -> None:
                return None

            await self.api(scope, receive, swallow)
            if fault.kind is FaultKind.COMMIT_THEN_DROP:
                return True
            await empty(fault.status)(scope, receive, send_with_headers)  # what a crash after the commit answers
            return False
        await self.api(scope, receive, send_with_headers)
        return False

    def _precheck(
        self,
        method: str,
        path: str,
        headers: Headers,
        decision: Decision | None,
        scope: Scope,
        operation: Operation | None,
    ) -> Response | None:
        """Everything that answers before a handler runs, in Xentral's apparent order."""
        if decision is not None and not decision.allowed:
            return empty(429)
        kind, _, token = headers.get("authorization", "").partition(" ")
        with self.state.lock:
            known = kind == "Bearer" and token in self.state.tokens
            scopes = self.state.tokens.get(token) if known else None
            reading = self.state.readings.missing_scope
        if not known:
            return unauthenticated()
        if operation is None:
            return empty(405 if path_known(path, self.operations) else 404)
        if scopes is not None and operation.scope not in scopes:
            return missing_scope_response(operation.scope, reading, operation.declares_scope_problem)
        media = negotiate(headers.get("accept"), operation.produces)
        if media is None:
            return empty(406)
        if method in ("POST", "PATCH"):
            content_type = headers.get("content-type", "").split(";")[0].strip().lower()
            if content_type not in operation.consumes:
                return empty(415)
        scope.setdefault("state", {})[NEGOTIATED] = media
        return None


def _deprecation_headers() -> dict[str, str]:
    """RFC 9745 `Deprecation` (a structured date) and RFC 8594 `Sunset` on operations the spec deprecates.

    The 2026 spec only flags them; Xentral's framework is known to send `Sunset` there. Assumption: both
    headers, with the dates of config.py, on every answer of such an operation.
    """
    return {"Deprecation": f"@{V1_PRODUCTS_DEPRECATED_SINCE}", "Sunset": V1_PRODUCTS_SUNSET}


async def _buffered(receive: Receive) -> Receive:
    """Read the request body now and replay it later; afterwards the client is reported as gone."""
    chunks: list[bytes] = []
    while True:
        message = await receive()
        if message["type"] != "http.request":
            break
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            break
    body = b"".join(chunks)
    replayed = False

    async def replay() -> Message:
        nonlocal replayed
        if not replayed:
            replayed = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay
