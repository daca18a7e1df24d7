"""Shared test doubles for the Xentral client tests (imported as a plain module)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import httpx

TOKEN = "pat-SECRET-token-1234567890"
BASE_URL = "https://demo.xentral.biz"

Handler = Callable[[httpx.Request], httpx.Response]


@dataclass
class Recorder:
    """Records requests and answers them with the queued handler (or a default 200)."""

    handler: Handler | None = None
    requests: list[httpx.Request] = field(default_factory=list)

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        if self.handler is None:
            return httpx.Response(200, json={"data": [], "extra": {"totalCount": 0}})
        return self.handler(request)
