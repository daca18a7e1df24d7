"""Retries and pacing against the sandbox over real HTTP."""

from __future__ import annotations

import asyncio
import time

import httpx
import pytest

from tests.support.pacing import max_in_window
from unified_order_api.xentral import (
    InProcessRateLimiter,
    RetryPolicy,
    XentralClient,
    XentralServerError,
    XentralTooManyRequests,
)
from xentral_sandbox.config import SandboxConfig
from xentral_sandbox.testing import SandboxHandle, running_sandbox

IMPORT_PATH = "/api/v1/salesOrders/actions/import"


def client_for(handle: SandboxHandle, limiter: InProcessRateLimiter | None = None) -> XentralClient:
    return XentralClient(
        handle.base_url,
        handle.token,
        timeout=httpx.Timeout(5.0),
        limiter=limiter or InProcessRateLimiter(),
        retry=RetryPolicy(max_attempts=5, wait_budget=10.0, base_delay=0.05, max_delay=0.5),
    )


async def test_a_429_burst_is_absorbed(sandbox: SandboxHandle) -> None:
    sandbox.faults.rate_limit(count=3, retry_after=1)
    started = time.monotonic()
    async with client_for(sandbox) as client:
        await client.list_products()
    statuses = [record.status for record in sandbox.calls.records()]
    assert statuses == [429, 429, 429, 200]
    assert time.monotonic() - started >= 3.0  # Retry-After was honoured every time


async def test_server_errors_on_reads_are_absorbed(sandbox: SandboxHandle) -> None:
    sandbox.faults.server_error(status=503, count=2)
    async with client_for(sandbox) as client:
        await client.list_projects()
    assert [record.status for record in sandbox.calls.records()] == [503, 503, 200]


async def test_a_dropped_read_is_retried(sandbox: SandboxHandle) -> None:
    sandbox.faults.drop(count=1, method="GET", path="/api/v2/products")
    async with client_for(sandbox) as client:
        await client.list_products()
    assert [record.status for record in sandbox.calls.records()] == [None, 200]


async def test_a_server_error_on_a_write_is_not_retried(sandbox: SandboxHandle) -> None:
    sandbox.faults.server_error(status=503, count=1, method="POST", path=IMPORT_PATH)
    async with client_for(sandbox) as client:
        with pytest.raises(XentralServerError):
            await client._send("import_sales_order", "POST", IMPORT_PATH, json={}, is_write=True)
    assert len(sandbox.calls.records()) == 1


async def test_a_dropped_write_is_not_retried(sandbox: SandboxHandle) -> None:
    sandbox.faults.drop(count=1, method="POST", path=IMPORT_PATH)
    async with client_for(sandbox) as client:
        with pytest.raises(Exception, match="connection lost"):
            await client._send("import_sales_order", "POST", IMPORT_PATH, json={}, is_write=True)
    assert len(sandbox.calls.records()) == 1


async def test_a_429_on_a_write_is_retried(sandbox: SandboxHandle) -> None:
    sandbox.faults.rate_limit(count=1, retry_after=1, method="POST", path=IMPORT_PATH)
    async with client_for(sandbox) as client:
        with pytest.raises(Exception, match="400"):  # the empty body is then refused for what it is
            await client._send("import_sales_order", "POST", IMPORT_PATH, json={}, is_write=True)
    assert [record.status for record in sandbox.calls.records()] == [429, 400]


@pytest.mark.slow
async def test_the_sandbox_limit_is_never_exceeded_at_the_same_rate() -> None:
    limit, window, calls = 10, 2.0, 25
    with running_sandbox(SandboxConfig(rate_limit=limit, rate_window_seconds=window)) as handle:
        async with client_for(handle, InProcessRateLimiter(limit, window)) as client:
            await asyncio.gather(*(client.list_projects() for _ in range(calls)))
        records = handle.calls.records()
    statuses = [record.status for record in records]
    assert statuses.count(200) == calls
    assert 429 not in statuses
    assert max_in_window([record.timestamp for record in records], window) <= limit


async def test_without_pacing_the_same_burst_is_refused() -> None:
    """The control for the test above: the sandbox does enforce its limit."""
    with running_sandbox(SandboxConfig(rate_limit=10, rate_window_seconds=2.0)) as handle:
        async with XentralClient(handle.base_url, handle.token, timeout=httpx.Timeout(5.0)) as client:
            results = await asyncio.gather(*(client.list_projects() for _ in range(25)), return_exceptions=True)
    assert sum(isinstance(result, XentralTooManyRequests) for result in results) == 15
