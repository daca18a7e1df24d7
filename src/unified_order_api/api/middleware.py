"""ASGI middleware: a request id on every request and log line, and a guard on request bodies."""

from __future__ import annotations

import asyncio
import re
import time
import uuid

import structlog
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .error_handlers import problem_response
from .errors import BodyTooLarge, BodyTooSlow, RequestRefused, UnsupportedMediaType

log = structlog.get_logger("unified_order_api.access")

_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")
_JSON_TYPE = re.compile(r"^application/([a-z0-9.+-]*\+)?json\s*(;.*)?$", re.IGNORECASE)


class RequestContext:
    """Accept a sane `X-Request-ID` or make one; echo it, bind it to every log line, log the request."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        incoming = dict(scope["headers"]).get(b"x-request-id", b"").decode("latin-1")
        request_id = incoming if _REQUEST_ID.match(incoming) else uuid.uuid4().hex
        scope.setdefault("state", {})["request_id"] = request_id
        started = time.perf_counter()
        status = 500

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message.setdefault("headers", [])
                message["headers"] = [*message["headers"], (b"x-request-id", request_id.encode())]
            await send(message)

        with structlog.contextvars.bound_contextvars(request_id=request_id):
            try:
                await self.app(scope, receive, send_with_id)
            finally:
                log.info(
                    "request",
                    method=scope["method"],
                    path=scope["path"],
                    status=status,
                    duration_ms=round((time.perf_counter() - started) * 1000, 1),
                )


class _Gone(Exception):
    """The client disconnected while sending its body."""


class BodyGuard:
    """Refuse bodies that are not JSON (415), larger than the limit (413) or too slow (408) before
    anything parses them.

    A refused body is read and discarded up to `drain_max_bytes` before answering: plain HTTP
    clients send the whole body before reading, and a server that answers and closes with the
    body unread makes the kernel reset the connection, so the client sees ECONNRESET instead
    of the status. A body must arrive within `body_timeout` seconds plus its size at `min_rate`
    bytes per second, so a client trickling bytes cannot hold a connection for ever.
    Under `forms_under` (the console's pages) HTML forms, url-encoded, are accepted as well, and on
    paths matching `form_paths` (WooCommerce's webhook ping to /api/shops/…/woocommerce).
    """

    def __init__(
        self,
        app: ASGIApp,
        max_bytes: int,
        *,
        drain_max_bytes: int = 64_000_000,
        body_timeout: float = 10.0,
        min_rate: int = 1024,
        forms_under: str | None = None,
        form_paths: re.Pattern[str] | None = None,
    ) -> None:
        self.app = app
        self.forms_under = forms_under
        self.form_paths = form_paths
        self.max_bytes = max_bytes
        self.drain_max_bytes = drain_max_bytes
        self.body_timeout = body_timeout
        self.min_rate = min_rate

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] not in ("POST", "PUT", "PATCH"):
            await self.app(scope, receive, send)
            return
        headers = dict(scope["headers"])
        has_body = headers.get(b"content-length", b"0") != b"0" or b"transfer-encoding" in headers
        if not has_body:
            await self.app(scope, receive, send)  # nothing to guard; the route says what it lacks
            return
        try:
            body = await self._body(scope, _BodyReader(receive, self.body_timeout, self.min_rate))
        except RequestRefused as refused:
            await self._refuse(scope, send, refused)
            return
        except _Gone:
            return
        delivered = False

        async def replay() -> Message:
            nonlocal delivered
            if not delivered:
                delivered = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)

    async def _body(self, scope: Scope, reader: _BodyReader) -> bytes:
        """The whole body, or the refusal once what could be read of it is drained."""
        headers = dict(scope["headers"])
        declared_text = headers.get(b"content-length")
        declared = int(declared_text) if declared_text is not None and declared_text.isdigit() else None
        content_type = headers.get(b"content-type", b"").decode("latin-1")
        if not _JSON_TYPE.match(content_type) and not self._form_allowed(scope, content_type):
            await reader.drain(self._drain_budget(declared))
            raise UnsupportedMediaType("Send the body as JSON with Content-Type: application/json")
        if declared_text is not None and (declared is None or declared > self.max_bytes):
            await reader.drain(self._drain_budget(declared))
            raise self._too_large()
        # Buffer the body (it is small by definition) so the limit holds for chunked uploads too.
        chunks: list[bytes] = []
        more = True
        while more:
            chunk, more = await reader.next_chunk()
            if reader.received > self.max_bytes:
                if more:
                    await reader.drain(self.drain_max_bytes)
                raise self._too_large()
            chunks.append(chunk)
        return b"".join(chunks)

    def _form_allowed(self, scope: Scope, content_type: str) -> bool:
        path = str(scope["path"])
        return (
            (self.forms_under is not None and path.startswith(self.forms_under))
            or (self.form_paths is not None and self.form_paths.match(path) is not None)
        ) and content_type.split(";")[0].strip().lower() == "application/x-www-form-urlencoded"

    def _drain_budget(self, declared: int | None) -> int:
        """Read an announced body only when all of it fits the drain cap; else answer at once."""
        if declared is not None and declared > self.drain_max_bytes:
            return 0
        return self.drain_max_bytes

    def _too_large(self) -> BodyTooLarge:
        return BodyTooLarge(f"The body may be at most {self.max_bytes} bytes")

    async def _refuse(self, scope: Scope, send: Send, refused: RequestRefused) -> None:
        # The rest of the body (if any) is not read: the connection cannot carry another request.
        refused.headers["Connection"] = "close"
        request_id = scope.get("state", {}).get("request_id")
        response = problem_response(refused, instance=scope["path"], request_id=request_id)

        async def nothing() -> Message:
            return {"type": "http.disconnect"}

        await response(scope, nothing, send)


class _BodyReader:
    """`receive()` with a deadline that grows with the bytes received (a minimum rate after a grace)."""

    def __init__(self, receive: Receive, grace: float, min_rate: int) -> None:
        self._receive = receive
        self._grace = grace
        self._min_rate = min_rate
        self._started = time.monotonic()
        self.received = 0
        self.finished = False

    async def next_chunk(self) -> tuple[bytes, bool]:
        remaining = self._started + self._grace + self.received / self._min_rate - time.monotonic()
        if remaining <= 0:
            raise self._too_slow()
        try:
            message = await asyncio.wait_for(self._receive(), remaining)
        except TimeoutError:
            raise self._too_slow() from None
        if message["type"] != "http.request":
            raise _Gone
        chunk: bytes = message.get("body", b"")
        more = bool(message.get("more_body", False))
        self.received += len(chunk)
        self.finished = not more
        return chunk, more

    def _too_slow(self) -> BodyTooSlow:
        return BodyTooSlow(
            f"The request body arrived too slowly (slower than {self._min_rate} bytes per second after "
            f"{self._grace:g} s)"
        )

    async def drain(self, limit: int) -> None:
        """Read and discard the rest of the body, up to `limit` bytes in all."""
        while not self.finished and self.received < limit:
            await self.next_chunk()
