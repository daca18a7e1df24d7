"""`check-config`: every configured id checked against its Xentral instance, and each webhook target."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
import structlog

from tests.support.processes import checkout_env
from tests.support.servers import running_service
from tests.support.service import API_KEY, service_settings
from unified_order_api.bootstrap import xentral_instances
from unified_order_api.cli import _check, demo_settings
from unified_order_api.config import ApiClient, Settings
from unified_order_api.configcheck import ConfigFinding, check_settings, findings_table
from unified_order_api.metrics import Metrics
from unified_order_api.store import migrate
from unified_order_api.webhooks.targets import TargetGuard
from xentral_sandbox.config import SandboxConfig
from xentral_sandbox.testing import SandboxHandle, running_sandbox

SECRET = "whsec_dGVzdC1zZWNyZXQtMDEyMzQ1Njc4OWFiY2RlZjAxMjM="


def _check_now(settings: Settings) -> list[ConfigFinding]:
    return asyncio.run(_check(settings))


def _problems(findings: list[ConfigFinding]) -> dict[tuple[str, str], str]:
    return {(f.client, f.setting): f.problem or "" for f in findings if not f.ok}


def test_the_demo_configuration_checks_clean(sandbox: SandboxHandle, tmp_path: Path) -> None:
    settings = demo_settings(sandbox.base_url, sandbox.token, "demo-key-0123456789", f"sqlite:///{tmp_path}/d.db")
    findings = _check_now(settings)
    assert _problems(findings) == {}
    named = {f.setting: f.xentral_name for f in findings}
    assert named["shipping_map.dhl_standard"] == "DHL Paket"
    assert named["payment_map.amazon"] == "Amazon"
    assert named["defaults.project_id"] == "Standard (first project, id 1)"
    assert "GET /api/v2/salesChannels" in sandbox.calls.counts()
    assert named["xentral"] == "default"
    products = {"shipping_cost_product_id", "discount_product_id", "fee_product_id"}
    assert {setting.removeprefix("defaults.") for setting in named if setting.endswith("_product_id")} == products
    assert {f.client for f in findings} == {"demo"}
    assert all(call.method == "GET" for call in sandbox.calls.records())  # a check only reads


def test_a_payment_code_mapped_by_status_is_checked_entry_by_entry(sandbox: SandboxHandle, tmp_path: Path) -> None:
    settings = service_settings(sandbox, tmp_path, payment_map={"prepayment": {"paid": "2", "*": "3", "pending": "55"}})
    findings = {f.setting: f for f in _check_now(settings)}
    assert findings["payment_map.prepayment.paid"].xentral_name == "PayPal"
    assert findings["payment_map.prepayment.*"].xentral_name == "Vorkasse"
    assert findings["payment_map.prepayment.pending"].problem == "no payment method with id '55' in Xentral"


def test_each_wrong_id_is_a_problem_of_its_client(sandbox: SandboxHandle, tmp_path: Path) -> None:
    woo = ApiClient.model_validate(
        {
            "name": "woo",
            "api_key": "woo-key-0123456789",
            "defaults": {"project_id": "77", "sales_channel_id": "3", "shipping_cost_product_id": "4"},
            "shipping_map": {"express": "99"},
            "webhook_url": "http://127.0.0.1:9/hook",
            "webhook_secret": SECRET,
        }
    )
    shop = ApiClient.model_validate(
        {
            "name": "shop",
            "api_key": API_KEY,
            "defaults": {"shipping_cost_product_id": "453", "payment_method_id": "6", "sales_channel_id": "1"},
        }
    )
    settings = service_settings(sandbox, tmp_path, clients=[woo, shop], payment_map={"paypal": "5"})
    findings = _check_now(settings)

    problems = _problems(findings)
    assert problems[("woo", "defaults.project_id")] == "no project with id '77' in Xentral"
    assert problems[("woo", "defaults.sales_channel_id")] == "this sales channel is inactive in Xentral"
    inactive = {(f.client, f.setting): f.xentral_name for f in findings}[("woo", "defaults.sales_channel_id")]
    assert inactive == "Amazon (amazon, project Standard)"
    assert "locked" in problems[("woo", "defaults.shipping_cost_product_id")]
    assert problems[("woo", "shipping_map.express")] == "no shipping method with id '99' in Xentral"
    assert "loopback" in problems[("woo", "webhook_url")]
    # The global payment map is wrong for both; the global shipping map is fine for both.
    assert ("woo", "payment_map.paypal") in problems and ("shop", "payment_map.paypal") in problems
    assert ("shop", "shipping_map.dhl_standard") not in problems
    ok = {(f.client, f.setting): f.xentral_name for f in findings if f.ok}
    assert ok[("shop", "defaults.shipping_cost_product_id")] == "Versandkosten (SHIP-001)"
    assert ok[("shop", "defaults.payment_method_id")] == "Amazon"
    assert ok[("shop", "defaults.sales_channel_id")] == "Shopware (shopware6, project Online Shop)"
    assert ok[("woo", "webhook_secret")] is None

    table = findings_table(findings)
    assert table.splitlines()[0].split() == ["CLIENT", "SETTING", "VALUE", "XENTRAL", "RESULT"]
    assert "PROBLEM: no shipping method with id '99' in Xentral" in table


def test_each_client_is_checked_on_its_own_instance(sandbox: SandboxHandle, tmp_path: Path) -> None:
    with running_sandbox(SandboxConfig(rate_limit=None, token="other-token")) as other:
        with other.state.lock:
            del other.state.shipping_methods["4"]  # the marketplace's Xentral has no DPD
        marketplace = ApiClient.model_validate(
            {
                "name": "amazon",
                "api_key": "amazon-key-0123456789",
                "xentral": {"url": other.base_url, "token": other.token},
                "shipping_map": {"dpd": "4"},
            }
        )
        settings = service_settings(sandbox, tmp_path, clients=[ApiClient(name="shop", api_key=API_KEY), marketplace])
        settings = settings.model_copy(update={"shipping_map": {"dpd": "4"}})
        findings = _check_now(settings)
    assert _problems(findings) == {("amazon", "shipping_map.dpd"): "no shipping method with id '4' in Xentral"}
    assert {f.instance for f in findings if f.client == "amazon"} == {"amazon"}


def test_an_unreachable_instance_is_a_problem(sandbox: SandboxHandle, tmp_path: Path) -> None:
    settings = service_settings(sandbox, tmp_path, xentral_max_attempts=1)
    sandbox.faults.server_error(status=503, count=50)
    problems = _problems(_check_now(settings))
    assert list(problems) == [("shop", "xentral")]  # nothing else is judged on lists that could not be read
    assert problems[("shop", "xentral")].startswith("Xentral could not be read")


def _cli(env: dict[str, str], tmp_path: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "unified_order_api.cli", "check-config"],
        env=checkout_env({"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(tmp_path), **env}),
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path,
    )


def test_the_command_prints_a_table_and_fails_on_a_missing_shipping_id(sandbox: SandboxHandle, tmp_path: Path) -> None:
    env = {
        "UOA_XENTRAL_URL": sandbox.base_url,
        "UOA_XENTRAL_TOKEN": sandbox.token,
        "UOA_CLIENTS": json.dumps([{"name": "shop", "api_key": "key-that-must-not-show"}]),
        "UOA_PAYMENT_MAP": json.dumps({"paypal": "2"}),
        "UOA_SHIPPING_MAP": json.dumps({"dhl": "1"}),
        "UOA_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path}/uoa.db",
    }
    migrate.upgrade(env["UOA_DATABASE_URL"])  # check-config also wants the database at the newest schema
    clean = _cli(env, tmp_path)
    assert clean.returncode == 0, clean.stdout + clean.stderr
    assert "shipping_map.dhl" in clean.stdout and "DHL Paket" in clean.stdout

    broken = _cli({**env, "UOA_SHIPPING_MAP": json.dumps({"dhl": "1", "express": "42"})}, tmp_path)
    assert broken.returncode == 1, broken.stdout + broken.stderr
    [row] = [line for line in broken.stdout.splitlines() if "shipping_map.express" in line]
    assert row.split()[:3] == ["shop", "shipping_map.express", "42"]
    assert "PROBLEM: no shipping method with id '42' in Xentral" in row
    assert "1 problem." in broken.stdout
    output = broken.stdout + broken.stderr
    assert sandbox.token not in output and "must-not-show" not in output


def test_serve_logs_the_problems_as_warnings_and_starts(sandbox: SandboxHandle, tmp_path: Path) -> None:
    from unified_order_api.app import create_app
    from unified_order_api.bootstrap import bootstrap

    settings = service_settings(sandbox, tmp_path, shipping_map={"express": "42"})
    with structlog.testing.capture_logs() as logs:
        app = create_app(settings, bootstrap, check_config_at_start=True)
        with running_service(settings, app=app) as url:
            deadline = time.monotonic() + 30
            # Info lines are filtered in tests (tests/conftest.py): wait for the warning.
            while not any(entry["event"] == "config_check.problem" for entry in logs):
                assert time.monotonic() < deadline, "the start-up check did not finish"
                time.sleep(0.05)
            assert httpx.get(f"{url}/healthz").status_code == 200
    warnings = [entry for entry in logs if entry["event"] == "config_check.problem"]
    assert [(w["client"], w["setting"], w["value"]) for w in warnings] == [("shop", "shipping_map.express", "42")]
    assert all(w["log_level"] == "warning" for w in warnings)


def test_the_command_needs_a_runnable_configuration(tmp_path: Path) -> None:
    result = _cli({}, tmp_path)
    assert result.returncode == 2
    assert "UOA_CLIENTS" in result.stderr


def test_a_shipping_cost_product_xentral_does_not_mark_as_one_is_a_problem(
    sandbox: SandboxHandle, tmp_path: Path
) -> None:
    settings = service_settings(sandbox, tmp_path, defaults={"shipping_cost_product_id": "1", "fee_product_id": "1"})
    problems = _problems(_check_now(settings))
    # v2's isShippingCostsProduct: product 1 is an ordinary article, fine as a fee, not for shipping costs.
    assert problems == {
        ("shop", "defaults.shipping_cost_product_id"): "the product is not a shipping costs product in Xentral "
        "(isShippingCostsProduct is false)"
    }


def test_a_deprecated_operation_xentral_answered_is_a_warning_with_its_sunset(
    sandbox: SandboxHandle, tmp_path: Path
) -> None:
    settings = service_settings(sandbox, tmp_path)
    metrics = Metrics()

    async def check() -> list[ConfigFinding]:
        instances = xentral_instances(settings, metrics)
        try:
            client = instances["default"].client
            for _ in range(2):  # an operation today's Xentral deprecates (the v1 product list)
                await client._send("list_products", "GET", "/api/v1/products")
            return await check_settings(settings, {name: i.uncached for name, i in instances.items()}, TargetGuard())
        finally:
            for instance in instances.values():
                await instance.aclose()

    findings = asyncio.run(check())
    [warned] = [f for f in findings if f.warning]
    assert warned.ok and (warned.setting, warned.value) == ("xentral.list_products", "/api/v1/products")
    assert "Sunset: " in (warned.warning or "") and "Deprecation: @" in (warned.warning or "")
    assert f"WARNING: {warned.warning}" in findings_table(findings)
    exposition = metrics.exposition().decode()
    assert 'xentral_deprecated_answers_total{instance="default",operation="list_products"} 2.0' in exposition


@pytest.mark.parametrize(
    ("days", "warned", "problem", "warn_days"),
    [
        (100, False, False, 14),
        (10, True, False, 14),
        (-1, False, True, 14),
        (20, False, False, 14),
        (20, True, False, 30),
    ],
)
def test_the_token_expiry_is_warned_from_14_days_before_and_a_problem_after(
    sandbox: SandboxHandle, tmp_path: Path, days: int, warned: bool, problem: bool, warn_days: int
) -> None:
    """14 days by default; `xentral_token_warn_days` moves it."""
    expires = dt.datetime.now(dt.UTC).date() + dt.timedelta(days=days)
    settings = service_settings(sandbox, tmp_path, xentral_token_expires=expires, xentral_token_warn_days=warn_days)
    findings = _check_now(settings)
    [found] = [f for f in findings if f.setting == "xentral.token_expires"]
    assert found.value == expires.isoformat()
    assert (found.warning is not None, found.problem is not None) == (warned, problem)
    if warned:
        assert f"expires on {expires.isoformat()}" in (found.warning or "")
    if problem:
        assert "expired" in (found.problem or "")
