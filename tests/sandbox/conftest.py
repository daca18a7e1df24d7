"""One sandbox per module (fast), reset before every test."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from xentral_sandbox.config import SandboxConfig
from xentral_sandbox.testing import SandboxHandle, running_sandbox


@pytest.fixture(scope="module")
def sandbox_module() -> Iterator[SandboxHandle]:
    with running_sandbox(SandboxConfig(rate_limit=100_000)) as handle:
        yield handle


@pytest.fixture
def sandbox(sandbox_module: SandboxHandle) -> SandboxHandle:
    sandbox_module.reset()
    return sandbox_module


@pytest.fixture
def client(sandbox: SandboxHandle) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=sandbox.base_url, headers=sandbox.headers, timeout=5) as c:
        yield c
