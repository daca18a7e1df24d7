"""What every fake shop API can be told to do wrong, and the log of what it was asked.

`lose_answer(method, path)`: the next matching request is carried out, then the connection drops
before the answer (an `httpx.RemoteProtocolError` through ASGITransport; a reset connection under
uvicorn). `refuse(status, …)`: the next matching requests are answered with `status` (429 with
`Retry-After`, 503) without being carried out. `hold_answer(method, path)`: the next matching request
is carried out, then its answer waits until the test releases it (`held` is set meanwhile): a
process killed while it waits never learns what the shop did.
"""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import httpx
from starlette.requests import Request
from starlette.responses import JSONResponse, Response


class AnswerLost(httpx.RemoteProtocolError):
    """Raised by a fake after it did the work: the caller sees a connection that closed without an answer."""

    def __init__(self) -> None:
        super().__init__("the fake shop dropped the connection before its answer")


@dataclass
class Call:
    method: str
    path: str
    query: dict[str, str]
    body: Any
    status: int | None = None


@dataclass
class _Refusal:
    method: str
    path: str
    status: int
    times: int
    retry_after: str | None
    body: Any


@dataclass
class Faults:
    calls: list[Call] = field(default_factory=list)
    _lose: list[tuple[str, str, str]] = field(default_factory=list)
    _refusals: list[_Refusal] = field(default_factory=list)
    _holds: list[tuple[str, str, str]] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    held: threading.Event = field(default_factory=threading.Event)
    released: threading.Event = field(default_factory=threading.Event)

    def hold_answer(self, method: str, path_part: str, *, body_part: str = "") -> None:
        """The next matching request is carried out; its answer waits for `released` (at most a minute)."""
        with self._lock:
            self._holds.append((method, path_part, body_part))

    def lose_answer(self, method: str, path_part: str, *, body_part: str = "") -> None:
        """The next request of `method` whose path has `path_part` (and raw body `body_part`) loses its answer."""
        with self._lock:
            self._lose.append((method, path_part, body_part))

    def refuse(
        self,
        method: str,
        path_part: str,
        status: int,
        *,
        times: int = 1,
        retry_after: str | None = None,
        body: Any = None,
    ) -> None:
        with self._lock:
            self._refusals.append(_Refusal(method, path_part, status, times, retry_after, body))

    def calls_to(self, method: str, path_part: str = "") -> list[Call]:
        return [c for c in self.calls if c.method == method and path_part in c.path]

    def _refusal(self, method: str, path: str) -> _Refusal | None:
        with self._lock:
            for refusal in self._refusals:
                if refusal.method == method and refusal.path in path and refusal.times > 0:
                    refusal.times -= 1
                    return refusal
        return None

    def _loses(self, method: str, path: str, raw: bytes) -> bool:
        return self._take(self._lose, method, path, raw)

    def _take(self, planned: list[tuple[str, str, str]], method: str, path: str, raw: bytes) -> bool:
        with self._lock:
            for index, (planned_method, part, body_part) in enumerate(planned):
                if planned_method == method and part in path and body_part.encode() in raw:
                    del planned[index]
                    return True
        return False

    async def around(self, request: Request, handler: Callable[[Request, Any], Awaitable[Response]]) -> Response:
        """Log the call, answer a planned refusal, run the handler, lose its answer when planned."""
        raw = await request.body()
        try:
            body = json.loads(raw) if raw else None
        except ValueError:
            body = raw.decode(errors="replace")
        call = Call(request.method, request.url.path, dict(request.query_params), body)
        with self._lock:
            self.calls.append(call)
        refusal = self._refusal(request.method, request.url.path)
        if refusal is not None:
            headers = {"Retry-After": refusal.retry_after} if refusal.retry_after else None
            call.status = refusal.status
            return JSONResponse(refusal.body or {"message": "refused by the test"}, refusal.status, headers=headers)
        response = await handler(request, body)
        call.status = response.status_code
        if self._loses(request.method, request.url.path, raw):
            raise AnswerLost()
        if self._take(self._holds, request.method, request.url.path, raw):
            self.held.set()
            for _ in range(1200):
                if self.released.is_set():
                    break
                await asyncio.sleep(0.05)
        return response
