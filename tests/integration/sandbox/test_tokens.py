"""Tokens with scopes: a token lacking the operation's scope gets the documented answer, nothing runs."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from tests.support.sandbox_payloads import order_payload
from xentral_sandbox.config import SandboxConfig
from xentral_sandbox.readings import Readings
from xentral_sandbox.testing import SandboxHandle, running_sandbox

TOKEN_SCOPES = "https://developer.xentral.com/reference/problems#token-scopes"
READ_ONLY = frozenset({"customer:read", "product:read", "salesOrder:read"})


@pytest.fixture
def limited(sandbox: SandboxHandle) -> Iterator[httpx.Client]:
    sandbox.state.tokens["read-only"] = READ_ONLY
    headers = {"Authorization": "Bearer read-only", "Accept": "application/json, application/problem+json, text/html"}
    with httpx.Client(base_url=sandbox.base_url, headers=headers, timeout=5) as client:
        yield client


def test_a_missing_scope_is_the_documented_400(limited: httpx.Client, sandbox: SandboxHandle) -> None:
    assert limited.get("/api/v2/customers").status_code == 200
    answer = limited.post("/api/v2/customers", json={"customerType": "company", "name": "Nope"})
    assert answer.status_code == 400
    assert answer.headers["content-type"].startswith("application/problem+json")
    assert answer.json()["type"].endswith("#token-scopes") and answer.json()["scopes"] == ["customer:create"]
    imported = limited.post("/api/v1/salesOrders/actions/import", json=order_payload())
    assert (imported.status_code, imported.json()["scopes"]) == (400, ["salesOrder:create"])
    assert len(sandbox.state.customers) == 3 and not sandbox.state.sales_orders  # nothing ran


def test_where_the_spec_declares_no_scope_problem_it_is_403(limited: httpx.Client) -> None:
    for path in ("/api/v2/salesChannels", "/api/v1/shippingMethods", "/api/v1/projects"):
        answer = limited.get(path)
        assert (answer.status_code, answer.content) == (403, b""), path


@pytest.mark.parametrize(("reading", "status"), [("401", 401), ("403", 403)])
def test_the_other_readings_of_a_missing_scope(
    limited: httpx.Client, sandbox: SandboxHandle, reading: str, status: int
) -> None:
    sandbox.state.readings = Readings(missing_scope=reading)  # type: ignore[arg-type]
    answer = limited.post("/api/v2/customers", json={"customerType": "company", "name": "Nope"})
    assert answer.status_code == status
    if status == 401:
        assert answer.json() == {"message": "Missing required scopes: customer:create."}


def test_an_unknown_or_missing_token_is_401(sandbox: SandboxHandle) -> None:
    for headers in ({}, {"Authorization": "Bearer nope"}, {"Authorization": f"Token {sandbox.token}"}):
        answer = httpx.get(f"{sandbox.base_url}/api/v2/customers", headers=headers)
        assert (answer.status_code, answer.text) == (401, "Unauthorized")


def test_tokens_come_from_the_config_and_the_admin_api() -> None:
    config = SandboxConfig(rate_limit=None, limited_tokens={"catalog": frozenset({"product:read"})})
    with running_sandbox(config) as handle:
        catalog = {"Authorization": "Bearer catalog"}
        assert httpx.get(f"{handle.base_url}/api/v2/products", headers=catalog).status_code == 200
        assert httpx.get(f"{handle.base_url}/api/v2/customers", headers=catalog).status_code == 400
        with httpx.Client(base_url=handle.base_url, headers=handle.admin_headers) as admin:
            assert admin.put("/_sandbox/tokens", json={"token": "catalog", "scopes": None}).status_code == 204
            assert admin.put("/_sandbox/tokens", json={"token": "", "scopes": []}).status_code == 400
        assert httpx.get(f"{handle.base_url}/api/v2/customers", headers=catalog).status_code == 200
        handle.reset()  # tokens back to the configured ones
        assert httpx.get(f"{handle.base_url}/api/v2/customers", headers=catalog).status_code == 400
