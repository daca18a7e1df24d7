"""Disallowed callback targets: refused at start-up (client webhook_url) and per request (callback_url)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.support.orders import order_body, order_count
from tests.support.servers import running_service
from tests.support.service import API_KEY
from unified_order_api.bootstrap import ConfigurationError, check_webhook_settings, target_guard
from xentral_sandbox.testing import SandboxHandle

from .conftest import webhook_settings

REFUSED = [
    ("http://169.254.169.254/latest/meta-data/", "link-local"),
    ("http://10.1.2.3/hook", "private"),
    ("http://localhost:8080/hook", "loopback"),
]


@pytest.mark.parametrize(("url", "kind"), REFUSED)
async def test_client_webhook_url_is_refused_at_configuration(
    sandbox: SandboxHandle, tmp_path: Path, url: str, kind: str
) -> None:
    settings = webhook_settings(sandbox, tmp_path, webhook_url=url, allow=())
    with pytest.raises(ConfigurationError, match=f"client 'shop': webhook_url refused: .*{kind} address"):
        await check_webhook_settings(settings, target_guard(settings))


@pytest.mark.filterwarnings("ignore::pytest.PytestUnhandledThreadExceptionWarning")
def test_service_does_not_start_with_a_refused_webhook_url(sandbox: SandboxHandle, tmp_path: Path) -> None:
    settings = webhook_settings(sandbox, tmp_path, webhook_url="http://169.254.169.254/hook")
    with pytest.raises(RuntimeError, match="failed to start"), running_service(settings):
        pass


async def test_loopback_is_accepted_only_when_allowed(sandbox: SandboxHandle, tmp_path: Path) -> None:
    allowed = webhook_settings(sandbox, tmp_path, webhook_url="http://localhost:9/x")
    await check_webhook_settings(allowed, target_guard(allowed))
    refused = webhook_settings(sandbox, tmp_path, webhook_url="http://localhost:9/x", allow=())
    with pytest.raises(ConfigurationError, match="loopback"):
        await check_webhook_settings(refused, target_guard(refused))


@pytest.fixture
def api(sandbox: SandboxHandle, tmp_path: Path) -> Iterator[httpx.Client]:
    hosts = ["169.254.169.254", "10.1.2.3", "localhost"]
    settings = webhook_settings(sandbox, tmp_path, webhook_url=None, allow=(), client={"callback_hosts": hosts})
    with (
        running_service(settings) as url,
        httpx.Client(base_url=url, headers={"Authorization": f"Bearer {API_KEY}"}, timeout=30) as client,
    ):
        yield client


@pytest.mark.parametrize(("url", "kind"), REFUSED)
def test_callback_url_is_refused_at_request_time(
    api: httpx.Client, sandbox: SandboxHandle, url: str, kind: str
) -> None:
    before = order_count(sandbox)
    response = api.post("/api/orders", json=order_body(callback_url=url))
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    [error] = response.json()["errors"]
    assert (error["pointer"], error["code"]) == ("/callback_url", "callback_not_allowed")
    assert f"{kind} address" in error["detail"]
    assert order_count(sandbox) == before


def test_callback_host_not_on_the_allow_list_is_refused(api: httpx.Client) -> None:
    response = api.post("/api/orders", json=order_body(callback_url="https://hooks.example.com/x"))
    assert response.status_code == 422, response.text
    [error] = response.json()["errors"]
    assert error["pointer"] == "/callback_url"
    assert "allow-list" in error["detail"]
