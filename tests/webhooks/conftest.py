from __future__ import annotations

import base64
import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.integration.conftest import API_KEY, OTHER_KEY, sandbox, sandbox_session, service_settings
from unified_order_api.config import ApiClient, Settings
from xentral_sandbox.testing import SandboxHandle

from .receiver import Receiver

__all__ = ["sandbox", "sandbox_session"]

SECRET = "whsec_" + base64.b64encode(b"test-secret-0123456789abcdef0123").decode()
ADMIN_KEY = "admin-key-0123456789"


class FakeClock:
    """Starts at the real time (rows the service wrote are due) and moves only when told."""

    def __init__(self) -> None:
        self.now = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=1)

    def __call__(self) -> dt.datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += dt.timedelta(seconds=seconds)


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    server = Receiver()
    yield server
    server.stop()


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


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
        clients=[shop, ApiClient(name="other", api_key=OTHER_KEY)],
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
