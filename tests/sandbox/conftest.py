"""The sandbox in its 2026 form (no v1 customer routes) and an HTTP client on it with a good client's headers.

The service's tests share a sandbox that still serves the 2024 v1 customer routes (tests/support/sandbox.py);
the sandbox's own tests run against today's Xentral, as the sandbox's default configuration models it.
"""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from xentral_sandbox.config import SandboxConfig
from xentral_sandbox.testing import SandboxHandle, running_sandbox

TODAYS_XENTRAL = SandboxConfig(rate_limit=100_000)


@pytest.fixture(scope="session")
def sandbox_2026() -> Iterator[SandboxHandle]:
    with running_sandbox(TODAYS_XENTRAL) as handle:
        yield handle


@pytest.fixture
def sandbox(sandbox_2026: SandboxHandle) -> SandboxHandle:
    """The 2026 sandbox with its seed data, readings and tokens back, no faults and an empty call log."""
    sandbox_2026.reset()
    return sandbox_2026


@pytest.fixture
def client(sandbox: SandboxHandle) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=sandbox.base_url, headers=sandbox.headers, timeout=5) as c:
        yield c
