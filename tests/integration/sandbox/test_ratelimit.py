"""The fixed window: headers on every response, 429 with all four headers, recovery after the window."""

from __future__ import annotations

import time

import httpx

from xentral_sandbox.config import SandboxConfig
from xentral_sandbox.testing import running_sandbox


def test_rate_limit_window_and_recovery() -> None:
    with (
        running_sandbox(SandboxConfig(rate_limit=5, rate_window_seconds=1.0)) as h,
        httpx.Client(base_url=h.base_url, headers=h.headers) as c,
    ):
        remaining = [c.get("/api/v1/projects").headers["x-ratelimit-remaining"] for _ in range(5)]
        assert remaining == ["4", "3", "2", "1", "0"]
        r = c.get("/api/v1/projects")
        assert r.status_code == 429
        assert r.headers["x-ratelimit-limit"] == "5" and r.headers["x-ratelimit-remaining"] == "0"
        assert int(r.headers["retry-after"]) >= 1
        assert abs(int(r.headers["x-ratelimit-reset"]) - time.time()) <= 2
        # The budget is per instance and client IP: another token from the same IP shares it.
        h.state.tokens["other"] = None
        other = c.get("/api/v1/projects", headers={"Authorization": "Bearer other"})
        assert other.status_code == 429 and other.headers["x-ratelimit-remaining"] == "0"
        time.sleep(1.05)
        assert c.get("/api/v1/projects").status_code == 200


def test_rate_limit_off_sends_no_headers() -> None:
    with running_sandbox(SandboxConfig(rate_limit=None)) as h:
        r = httpx.get(f"{h.base_url}/api/v1/projects", headers=h.headers)
        assert r.status_code == 200 and "x-ratelimit-limit" not in r.headers
