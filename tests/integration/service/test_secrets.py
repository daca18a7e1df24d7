"""Secrets never reach logs, problem bodies or responses — checked on a real process's output (and on
`check-config`'s), the Xentral event signature keys the service generates included, and the shops'
write-back credentials (`shop.api`: WooCommerce keys, a Shopify token and a Dev Dashboard app's client
secret, a Shopware integration's), which serve and check-config try at start, in the log, the
console's inbox, health and configuration pages and check-config's output. The write-back jobs
themselves log at DEBUG without a credential in `tests/integration/write_back/test_killed_mid_job.py`,
and their console pages show none in `tests/integration/write_back/test_console.py`."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
import subprocess
import sys
import time
from pathlib import Path

import httpx
from sqlalchemy import create_engine, select

from tests.integration.console.conftest import sign_in
from tests.support.orders import order_body
from tests.support.processes import ServiceProcess, service_env
from tests.support.service import API_KEY
from unified_order_api.store.tables import inbox_entries, xentral_subscriptions
from unified_order_api.xentral_events.signature import expected_signature
from xentral_sandbox.testing import SandboxHandle

XENTRAL_TOKEN = "xentral-secret-token-4242"
WEBHOOK_SECRET = "whsec_c2VjcmV0LXdlYmhvb2stc2lnbmluZy1rZXk="
SHOP_SECRET = "shopify-shop-secret-9876"
# The shops' write-back credentials (`shop.api`): `serve` checks each at start, against a closed port.
SHOP_API_SECRETS = {
    "shopify": "shpat_write-back-token-5150",
    "shopify_client_id": "write-back-dev-dashboard-client-5155",
    "shopify_client_secret": "shpss_write-back-client-secret-5156",
    "woo_key": "ck_write-back-key-5151",
    "woo_secret": "cs_write-back-secret-5152",
    "shopware_id": "SWIAWRITEBACKID5153",
    "shopware_secret": "shopware-write-back-secret-5154",
}
NEXT_KEY = "shop-next-key-rotating-0042"  # the client's api_key_next: valid beside API_KEY during a rotation
NEXT_ADMIN_KEY = "admin-next-key-rotating-0042"


def test_no_secret_in_logs_or_answers(sandbox: SandboxHandle, tmp_path: Path) -> None:
    log_path = tmp_path / "service.log"
    env = service_env(
        xentral_url=sandbox.base_url,
        token=XENTRAL_TOKEN,  # wrong for the sandbox: every Xentral call gets 401
        database_url=f"sqlite:///{tmp_path}/s.db",
        api_key=API_KEY,
        extra={
            "UOA_LOG_LEVEL": "DEBUG",
            "UOA_ADMIN_API_KEY": "admin-secret-key-777",
            "UOA_ADMIN_API_KEY_NEXT": NEXT_ADMIN_KEY,
            "UOA_WEBHOOKS__ALLOW_PRIVATE_TARGETS": ["loopback"],
            # Xentral's events: serve makes a signature key per instance and subscribes where the token works
            "UOA_XENTRAL_EVENTS__PUBLIC_URL": "https://orders.example.com",
            # (the same sandbox, by another name: one URL is configured once)
            "UOA_XENTRAL_INSTANCES": {
                "events": {"url": sandbox.base_url.replace("127.0.0.1", "localhost"), "token": sandbox.token}
            },
            "UOA_CLIENTS": [
                {
                    "name": "shop",
                    "api_key": API_KEY,
                    "api_key_next": NEXT_KEY,
                    "webhook_url": "http://127.0.0.1:9/hooks",
                    "webhook_secret": WEBHOOK_SECRET,
                    "reference_prefix": "SH-",
                    "shop": {
                        "kind": "shopify",
                        "secret": SHOP_SECRET,
                        "api": {"shop_domain": "http://127.0.0.1:9", "access_token": SHOP_API_SECRETS["shopify"]},
                    },
                },
                {
                    "name": "woo",
                    "api_key": "woo-key-0123456789",
                    "reference_prefix": "W-",
                    "shop": {
                        "kind": "woocommerce",
                        "secret": "woo-webhook-secret",
                        "api": {
                            "url": "http://127.0.0.1:9",
                            "consumer_key": SHOP_API_SECRETS["woo_key"],
                            "consumer_secret": SHOP_API_SECRETS["woo_secret"],
                        },
                    },
                },
                {  # a Dev Dashboard app: serve's start-up check asks for a token with its client secret
                    "name": "dd",
                    "api_key": "dd-key-0123456789",
                    "reference_prefix": "D-",
                    "shop": {
                        "kind": "shopify",
                        "secret": "dd-webhook-secret",
                        "api": {
                            "shop_domain": "http://127.0.0.1:9",
                            "client_id": SHOP_API_SECRETS["shopify_client_id"],
                            "client_secret": SHOP_API_SECRETS["shopify_client_secret"],
                        },
                    },
                },
                {
                    "name": "sw",
                    "api_key": "sw-key-0123456789",
                    "reference_prefix": "S-",
                    "shop": {
                        "kind": "shopware",
                        "secret": "sw-webhook-secret",
                        "api": {
                            "url": "http://127.0.0.1:9",
                            "client_id": SHOP_API_SECRETS["shopware_id"],
                            "client_secret": SHOP_API_SECRETS["shopware_secret"],
                        },
                    },
                },
            ],
        },
    )
    service = ServiceProcess(env, log_path).wait_ready()
    answers: list[str] = []
    try:
        headers = {"X-API-Key": API_KEY}
        denied = httpx.post(f"{service.base_url}/api/orders", json=order_body(), headers=headers)
        assert denied.status_code == 502, denied.text
        assert denied.json()["code"] == "xentral_access_denied"
        assert "token" in denied.json()["detail"]
        answers.append(denied.text + str(denied.headers))
        rotated = httpx.post(f"{service.base_url}/api/orders", json=order_body(), headers={"X-API-Key": NEXT_KEY})
        assert rotated.status_code == 502, rotated.text  # the next key is accepted (then Xentral refuses the token)
        answers.append(rotated.text + str(rotated.headers))
        wrong_key = httpx.post(f"{service.base_url}/api/orders", json=order_body(), headers={"X-API-Key": "nope"})
        answers.append(wrong_key.text)
        ready = httpx.get(f"{service.base_url}/readyz")
        answers.append(ready.text)
        answers.append(httpx.get(f"{service.base_url}/metrics").text)
        answers.append(httpx.get(f"{service.base_url}/openapi.json").text)
        shop_order = json.dumps({**order_body(), "line_items": []}).encode()
        for secret in ("wrong-secret", SHOP_SECRET):
            signature = base64.b64encode(hmac.new(secret.encode(), shop_order, hashlib.sha256).digest()).decode()
            shop = httpx.post(
                f"{service.base_url}/api/shops/shop/shopify",
                content=shop_order,
                headers={"X-Shopify-Hmac-Sha256": signature, "Content-Type": "application/json"},
            )
            assert shop.status_code == (401 if secret == "wrong-secret" else 422), shop.text
            answers.append(shop.text + str(shop.headers))
        admin = {"X-API-Key": "admin-secret-key-777"}
        answers.append(httpx.get(f"{service.base_url}/api/admin/webhooks/deliveries", headers=admin).text)
        next_admin = httpx.get(
            f"{service.base_url}/api/admin/webhooks/deliveries", headers={"X-API-Key": NEXT_ADMIN_KEY}
        )
        assert next_admin.status_code == 200, next_admin.text
        answers.append(next_admin.text)
        event_keys = _event_keys(tmp_path, sandbox)
        answers += _events_answers(service.base_url, event_keys["events"])
        # The inbox keeps the refused requests' bodies and headers: masked, in its pages and its table.
        with httpx.Client(base_url=service.base_url) as console:
            assert sign_in(console, "admin-secret-key-777").status_code == 303
            inbox = console.get("/console/inbox").text
            assert "signature_invalid" in inbox and "unauthenticated" in inbox
            answers.append(inbox)
            for entry in re.findall(r'href="(/console/inbox/\d+)"', inbox):
                answers.append(console.get(entry).text)
            answers.append(console.get("/console/health").text)
            configuration = console.get("/console/configuration").text
            assert "shop.api" in configuration  # the shops' API checks are shown there, without their secrets
            answers.append(configuration)
    finally:
        service.stop()
    checked = subprocess.run(
        [sys.executable, "-m", "unified_order_api.cli", "check-config"],
        env={**env, "HOME": str(tmp_path)},
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path,
    )
    assert "xentral_events.subscription" in checked.stdout, checked.stdout + checked.stderr
    answers.append(checked.stdout + checked.stderr)
    output = log_path.read_text()
    engine = create_engine(f"sqlite:///{tmp_path}/s.db")
    with engine.connect() as connection:
        answers.append(
            json.dumps([dict(row._mapping) for row in connection.execute(select(inbox_entries))], default=str)
        )
    engine.dispose()
    assert "xentral_access_denied" in output or "order.failed" in output  # the log did record the failure
    assert "shop.api" in output  # the start-up check did try the shops' APIs
    for secret in (
        XENTRAL_TOKEN,
        API_KEY,
        NEXT_KEY,
        "admin-secret-key-777",
        NEXT_ADMIN_KEY,
        WEBHOOK_SECRET,
        SHOP_SECRET,
        *SHOP_API_SECRETS.values(),
        *event_keys.values(),
    ):
        assert secret not in output, f"{secret} leaked into the log"
        for answer in answers:
            assert secret not in answer, f"{secret} leaked into an answer"


def _event_keys(tmp_path: Path, sandbox: SandboxHandle) -> dict[str, str]:
    """The signature keys serve generated, by instance, once it subscribed where its token works."""
    deadline = time.monotonic() + 30  # a bound on waiting, not a measured time
    while not sandbox.state.webhooks:
        assert time.monotonic() < deadline, "serve made no subscription"
        time.sleep(0.05)
    engine = create_engine(f"sqlite:///{tmp_path}/s.db")
    try:
        with engine.connect() as connection:
            rows = connection.execute(select(xentral_subscriptions.c.instance, xentral_subscriptions.c.signature_key))
            keys = {row.instance: row.signature_key for row in rows}
    finally:
        engine.dispose()
    [hook] = sandbox.state.webhooks.values()
    assert set(keys) == {"default", "events"} and hook["signatureKey"] == keys["events"]
    return keys


def _events_answers(base_url: str, key: str) -> list[str]:
    """Xentral events to the receiver: signed (queued), forged and stale (refused); every answer."""
    body = json.dumps({"type": "com.xentral.salesOrder.released.v1", "body": {"salesOrderId": 1}}).encode()
    now, answers = int(time.time()), []
    for signing_key, stamp, status in ((key, now, 202), ("not-the-key-" + "x" * 20, now, 401), (key, now - 3600, 401)):
        headers = {
            "xentral-signature": expected_signature(body, str(stamp), signing_key),
            "xentral-request-timestamp": str(stamp),
            "content-type": "application/json",
        }
        answer = httpx.post(f"{base_url}/api/xentral/events/events", content=body, headers=headers)
        assert answer.status_code == status, answer.text
        answers.append(answer.text + str(answer.headers))
    return answers
