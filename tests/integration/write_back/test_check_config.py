"""`check-config` checks each shop's write-back credentials with a harmless read and shows the permissions."""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx

from tests.support.service import service_settings
from tests.support.shop_apis.shopify import FakeShopify
from tests.support.shop_apis.shopware import FakeShopware
from tests.support.shop_apis.woocommerce import FakeWooCommerce
from unified_order_api.bootstrap import shop_apis, xentral_instances
from unified_order_api.config import ApiClient
from unified_order_api.configcheck import ConfigFinding, check_settings, findings_table
from unified_order_api.metrics import Metrics
from unified_order_api.webhooks.targets import TargetGuard
from xentral_sandbox.testing import SandboxHandle

WOO_KEY, WOO_SECRET = "ck_check_key", "cs_check_secret_42"
SHOPIFY_TOKEN = "shpat_check_token_42"
SW_ID, SW_SECRET = "SWIACHECKID", "sw-check-secret-42"
SECRETS = (WOO_KEY, WOO_SECRET, SHOPIFY_TOKEN, SW_ID, SW_SECRET)


def clients() -> list[ApiClient]:
    shops = {
        "woo": {
            "kind": "woocommerce",
            "api": {"url": "http://woo.test", "consumer_key": WOO_KEY, "consumer_secret": WOO_SECRET},
        },
        "shopify": {"kind": "shopify", "api": {"shop_domain": "fake.myshopify.com", "access_token": SHOPIFY_TOKEN}},
        "shopware": {
            "kind": "shopware",
            "api": {"url": "http://sw.test", "client_id": SW_ID, "client_secret": SW_SECRET},
        },
        "plain": {"kind": "woocommerce"},
    }
    return [
        ApiClient.model_validate(
            {
                "name": name,
                "api_key": f"{name}-key-0123456789",
                "reference_prefix": f"{name[:3].upper()}-",
                "shop": {"secret": "s", **shop},
            }
        )
        for name, shop in shops.items()
    ]


def test_each_shop_api_is_read_once_and_its_permissions_shown(sandbox: SandboxHandle, tmp_path: Path) -> None:
    woo, shopify, shopware = (
        FakeWooCommerce(WOO_KEY, WOO_SECRET),
        FakeShopify(SHOPIFY_TOKEN),
        FakeShopware(SW_ID, SW_SECRET),
    )
    shopify.scopes = ["read_orders", "write_orders"]  # no fulfilment scope
    settings = service_settings(sandbox, tmp_path, clients=clients())
    transports = {
        "woo": httpx.ASGITransport(app=woo.app),
        "shopify": httpx.ASGITransport(app=shopify.app),
        "shopware": httpx.ASGITransport(app=shopware.app),
    }

    async def check() -> list[ConfigFinding]:
        instances = xentral_instances(settings, Metrics())
        apis = shop_apis(settings, transports)
        try:
            lookups = {name: i.uncached for name, i in instances.items()}
            return await check_settings(settings, lookups, TargetGuard(), shop_apis=apis)
        finally:
            for instance in instances.values():
                await instance.aclose()
            for api in apis.values():
                await api.aclose()

    findings = asyncio.run(check())
    found = {f.client: f for f in findings if f.setting == "shop.api"}
    assert found["woo"].ok and found["woo"].xentral_name == "WooCommerce: orders: read"
    assert found["shopware"].ok and "order_delivery: read" in (found["shopware"].xentral_name or "")
    assert found["shopify"].problem == "missing permissions: write_merchant_managed_fulfillment_orders"
    assert "read_orders, write_orders" in (found["shopify"].xentral_name or "")
    assert found["plain"].ok and "not written back" in (found["plain"].warning or "")
    assert [c.method for c in woo.faults.calls] == ["GET"]  # harmless reads only
    assert all(c.path.startswith("/api/search/") or c.path == "/api/oauth/token" for c in shopware.faults.calls)
    table = findings_table(findings)
    for secret in SECRETS:
        assert secret not in table and all(secret not in repr(f) for f in findings)


def test_a_refused_credential_is_a_problem_without_the_secret(sandbox: SandboxHandle, tmp_path: Path) -> None:
    settings = service_settings(sandbox, tmp_path, clients=clients()[:1])
    wrong = FakeWooCommerce(WOO_KEY, "cs_other")

    async def check() -> list[ConfigFinding]:
        apis = shop_apis(settings, {"woo": httpx.ASGITransport(app=wrong.app)})
        instances = xentral_instances(settings, Metrics())
        try:
            return await check_settings(
                settings, {n: i.uncached for n, i in instances.items()}, TargetGuard(), shop_apis=apis
            )
        finally:
            for instance in instances.values():
                await instance.aclose()
            await apis["woo"].aclose()

    [finding] = [f for f in asyncio.run(check()) if f.setting == "shop.api"]
    assert finding.problem is not None and "401" in finding.problem
    assert WOO_SECRET not in finding.problem and WOO_KEY not in finding.problem
