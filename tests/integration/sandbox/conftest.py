"""An HTTP client on the shared sandbox (tests/support/sandbox.py, today's Xentral), with a good client's headers."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from xentral_sandbox.testing import SandboxHandle


@pytest.fixture
def client(sandbox: SandboxHandle) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=sandbox.base_url, headers=sandbox.headers, timeout=5) as c:
        yield c
