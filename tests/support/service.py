"""The running service for tests over real HTTP: settings on the shared sandbox, its URL, and an API client."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.support.servers import running_service
from unified_order_api.config import ApiClient, Settings
from xentral_sandbox.testing import SandboxHandle

API_KEY = "shop-key-0123456789"
OTHER_KEY = "other-key-0123456789"


def service_settings(sandbox: SandboxHandle, tmp_path: Path, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "xentral_url": sandbox.base_url,
        "xentral_token": sandbox.token,
        "xentral_timeout_seconds": 2.0,
        "database_url": f"sqlite+aiosqlite:///{tmp_path}/orders.db",
        "clients": [ApiClient(name="shop", api_key=API_KEY)],
        "shipping_map": {"dhl_standard": "1"},
        "payment_map": {"paypal": "2", "invoice": "1"},
        "log_json": False,
    }
    values.update(overrides)
    return Settings(**values)


@pytest.fixture
def settings(sandbox: SandboxHandle, tmp_path: Path) -> Settings:
    return service_settings(sandbox, tmp_path)


@pytest.fixture
def service_url(settings: Settings) -> Iterator[str]:
    with running_service(settings) as url:
        yield url


@pytest.fixture
def api(service_url: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=service_url, headers={"Authorization": f"Bearer {API_KEY}"}, timeout=30) as client:
        yield client
