"""How the service listens: uvicorn, with a bounded wait for request headers.

uvicorn bounds idle keep-alive connections but not a client that opens a connection and
sends its headers a byte at a time: such a connection would stay open for ever, and a
hundred of them hold a hundred sockets. `header_timeout_seconds` closes a connection whose
request line and headers are not complete in time; bodies are bounded by `api.middleware.BodyGuard`.
In production put a reverse proxy in front as well (docs/reverse-proxy.md).
"""

from __future__ import annotations

import asyncio
from typing import Any

import h11
import structlog
import uvicorn
from uvicorn.protocols.http.h11_impl import H11Protocol

from .config import Limits

log = structlog.get_logger("unified_order_api.server")


class HeaderTimeoutProtocol(H11Protocol):
    """uvicorn's h11 protocol, closing connections whose request headers do not arrive in time."""

    header_timeout_seconds = 10.0

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._header_deadline: asyncio.TimerHandle | None = None
        self._arm_header_deadline()  # a connection that sends nothing at all is a slow header too

    def data_received(self, data: bytes) -> None:
        if self._header_deadline is None and self.conn.their_state is h11.IDLE:
            self._arm_header_deadline()  # the next request on a kept-alive connection begins
        super().data_received(data)
        if self.conn.their_state is not h11.IDLE:
            self._disarm_header_deadline()  # the headers are complete

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm_header_deadline()
        super().connection_lost(exc)

    def on_response_complete(self) -> None:
        super().on_response_complete()
        self._disarm_header_deadline()  # idle now: uvicorn's keep-alive timeout takes over

    def _arm_header_deadline(self) -> None:
        self._disarm_header_deadline()
        self._header_deadline = self.loop.call_later(self.header_timeout_seconds, self._headers_too_slow)

    def _disarm_header_deadline(self) -> None:
        if self._header_deadline is not None:
            self._header_deadline.cancel()
            self._header_deadline = None

    def _headers_too_slow(self) -> None:
        self._header_deadline = None
        if self.conn.their_state is h11.IDLE and not self.transport.is_closing():
            log.info("connection.header_timeout", client=self.client and self.client[0])
            self.transport.close()


def protocol_for(limits: Limits) -> type[HeaderTimeoutProtocol]:
    """The protocol class with this deployment's header timeout (uvicorn instantiates it per connection)."""
    return type(
        "HeaderTimeoutProtocol", (HeaderTimeoutProtocol,), {"header_timeout_seconds": limits.header_timeout_seconds}
    )


def server_config(app: Any, limits: Limits, **options: Any) -> uvicorn.Config:
    """The uvicorn configuration `serve`, `demo` and the tests run the service with."""
    return uvicorn.Config(
        app,
        http=protocol_for(limits),
        timeout_keep_alive=int(limits.keep_alive_seconds),
        log_config=None,
        access_log=False,
        proxy_headers=False,
        server_header=False,
        **options,
    )
