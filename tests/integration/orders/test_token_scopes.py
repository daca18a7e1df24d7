"""A token without a scope: a configuration error naming the scope, never "the order is invalid", never retried."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.support.orders import customer_count, order_body
from tests.support.servers import running_service
from tests.support.service import API_KEY, service_settings
from unified_order_api.cli import _check
from xentral_sandbox.readings import Readings
from xentral_sandbox.testing import SandboxHandle

LIMITED = "limited-token"
EVERY_SCOPE_BUT_CUSTOMER_CREATE = frozenset(
    {
        "customer:read",
        "product:read",
        "salesOrder:read",
        "salesOrder:create",
        "project:read",
        "shippingMethod:read",
        "paymentMethod:read",
        "externalReferenceTarget:read",
        "salesChannel:read",
    }
)


@pytest.fixture
def limited(sandbox: SandboxHandle) -> Iterator[str]:
    with sandbox.state.lock:
        sandbox.state.tokens[LIMITED] = EVERY_SCOPE_BUT_CUSTOMER_CREATE
    yield LIMITED
    with sandbox.state.lock:
        sandbox.state.tokens.pop(LIMITED, None)


@pytest.mark.parametrize("reading", ["400", "401", "403"])
def test_a_missing_scope_is_a_configuration_error_that_names_it(
    sandbox: SandboxHandle, tmp_path: Path, limited: str, reading: str
) -> None:
    sandbox.state.readings = Readings(missing_scope=reading)  # type: ignore[arg-type]
    before = customer_count(sandbox)
    settings = service_settings(sandbox, tmp_path, xentral_token=limited, xentral_max_attempts=3)
    with running_service(settings) as url:
        answer = httpx.post(f"{url}/api/orders", json=order_body(), headers={"X-API-Key": API_KEY}, timeout=30)
    assert answer.status_code == 502, answer.text
    problem = answer.json()
    assert problem["code"] == "xentral_access_denied" and problem["retryable"] is False
    assert "not of the order" in problem["detail"] and "invalid" not in problem["detail"]
    if reading != "403":  # a bare 403 does not say which scope; the 400 problem and the 401 message do
        assert "lacks the scope customer:create" in problem["detail"]
    creates = [r for r in sandbox.calls.records() if r.method == "POST" and r.path == "/api/v2/customers"]
    assert len(creates) == 1  # never retried
    assert customer_count(sandbox) == before


def test_check_config_lists_the_scopes_and_finds_the_missing_read(
    sandbox: SandboxHandle, tmp_path: Path, limited: str
) -> None:
    with sandbox.state.lock:
        sandbox.state.tokens[limited] = EVERY_SCOPE_BUT_CUSTOMER_CREATE - {"product:read"}
    findings = asyncio.run(_check(service_settings(sandbox, tmp_path, xentral_token=limited)))
    scopes = {f.setting: f for f in findings if f.setting.startswith("scope.")}
    assert set(scopes) == {
        "scope.customer:read",
        "scope.customer:create",
        "scope.product:read",
        "scope.salesOrder:read",
        "scope.salesOrder:create",
        "scope.project:read",
        "scope.shippingMethod:read",
        "scope.paymentMethod:read",
        "scope.salesChannel:read",
    }
    problems = {setting: f.problem for setting, f in scopes.items() if not f.ok}
    assert list(problems) == ["scope.product:read"]
    assert "lacks the scope product:read" in (problems["scope.product:read"] or "")
    assert scopes["scope.customer:create"].xentral_name == "not checkable without writing"
