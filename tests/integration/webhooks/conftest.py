from __future__ import annotations

import base64
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.support.receiver import Receiver
from tests.support.service import API_KEY, service_settings
from unified_order_api.config import ApiClient, Settings
from xentral_sandbox.testing import SandboxHandle

SECRET = "whsec_" + base64.b64encode(b"test-secret-0123456789abcdef0123").decode()
ADMIN_KEY = "admin-key-0123456789"


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    server = Receiver()
    yield server
    server.stop()


def webhook_settings(
    sandbox: SandboxHandle,
    tmp_path: Path,
    *,
    webhook_url: str | None,
    run_in_service: bool = True,
    allow: tuple[str, ...] = ("loopback",),
    client: dict[str, Any] | None = None,
    **overrides: Any,
) -> Settings:
    """The integration settings with the shop client sending callbacks to `webhook_url`."""
    shop = ApiClient(name="shop", api_key=API_KEY, webhook_url=webhook_url, webhook_secret=SECRET, **(client or {}))
    return service_settings(
        sandbox,
        tmp_path,
        clients=[shop],
        admin_api_key=ADMIN_KEY,
        webhooks={
            "run_in_service": run_in_service,
            "allow_private_targets": list(allow),
            "poll_interval_seconds": 0.05,
            "timeout_seconds": 2.0,
            "claim_seconds": 30.0,
        },
        **overrides,
    )
