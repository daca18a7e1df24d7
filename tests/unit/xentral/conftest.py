"""Fixtures for the Xentral client unit tests: a client wired to `httpx.MockTransport`."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from tests.support.xentral_mock import BASE_URL, TOKEN, Recorder
from unified_order_api.xentral import XentralClient


@pytest.fixture
def recorder() -> Recorder:
    return Recorder()


@pytest.fixture
async def client(recorder: Recorder) -> AsyncIterator[XentralClient]:
    async with XentralClient(BASE_URL, TOKEN, timeout=httpx.Timeout(5.0), transport=httpx.MockTransport(recorder)) as c:
        yield c
