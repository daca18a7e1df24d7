"""A running service with the console, a sandbox and a webhook receiver; signing in over plain HTTP."""

from __future__ import annotations

import base64
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.support.receiver import Receiver
from tests.support.servers import running_service
from tests.support.service import API_KEY, service_settings
from unified_order_api.config import ApiClient, Settings
from xentral_sandbox.config import SandboxConfig
from xentral_sandbox.testing import SandboxHandle, running_sandbox

ADMIN_KEY = "console-admin-key-0123456789"
OPERATOR_KEY = "alice-key-0123456789abcdef"
PREFIX = "WEB-"  # the shop's references in Xentral (two clients need distinct prefixes)
SECRET = "whsec_" + base64.b64encode(b"console-secret-0123456789abcdef0").decode()


def console_settings(sandbox: SandboxHandle, tmp_path: Path, webhook_url: str, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "clients": [
            ApiClient(
                name="shop", api_key=API_KEY, webhook_url=webhook_url, webhook_secret=SECRET, reference_prefix=PREFIX
            ),
            ApiClient(name="other", api_key="other-key-0123456789", reference_prefix="B2B-"),
        ],
        "admin_api_key": ADMIN_KEY,
        "console": {"operators": [{"name": "alice", "api_key": OPERATOR_KEY}]},
        # One retry 0.2 s after a failed delivery, then dead: a dead webhook within a second.
        "webhooks": {
            "allow_private_targets": ["loopback"],
            "schedule_seconds": [0.2],
            "jitter": 0.0,
            "poll_interval_seconds": 0.05,
            "timeout_seconds": 2.0,
        },
        "xentral_max_attempts": 1,
        "payment_map": {"paypal": "2", "invoice": "1", "ghost": "999"},
    }
    values.update(overrides)
    return service_settings(sandbox, tmp_path, **values)


@pytest.fixture(scope="module")
def console_sandbox() -> Iterator[SandboxHandle]:
    with running_sandbox(SandboxConfig(rate_limit=None)) as handle:
        yield handle


@pytest.fixture(scope="module")
def console_receiver() -> Iterator[Receiver]:
    receiver = Receiver()
    yield receiver
    receiver.stop()


@pytest.fixture(scope="module")
def console_url(
    console_sandbox: SandboxHandle, console_receiver: Receiver, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    settings = console_settings(console_sandbox, tmp_path_factory.mktemp("console"), console_receiver.url)
    with running_service(settings) as url:
        yield url


@pytest.fixture(scope="module")
def api(console_url: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=console_url, headers={"Authorization": f"Bearer {API_KEY}"}, timeout=30) as client:
        yield client


def form_value(html: str, name: str) -> str:
    match = re.search(rf'name="{name}" value="([^"]*)"', html)
    assert match, f"no form field {name!r} in the page"
    return match.group(1)


def sign_in(client: httpx.Client, key: str = ADMIN_KEY) -> httpx.Response:
    """Sign in as a browser would: fetch the form (its token and cookie), post it back."""
    form = client.get("/console/login")
    assert form.status_code == 200
    return client.post(
        "/console/login",
        data={"token": form_value(form.text, "token"), "key": key, "next": "/console/"},
    )


@pytest.fixture
def operator(console_url: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=console_url, timeout=30) as client:
        assert sign_in(client).status_code == 303
        yield client
