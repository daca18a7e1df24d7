"""A write-back the shop refuses raises the operators' `shop_write_back_dead` alert, as `serve` wires it: one
signed alert (verified with `standardwebhooks`) naming the order, the job and the shop's answer, saying what
to do, and holding no shop credential."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from functools import partial
from pathlib import Path

import httpx
import pytest
from standardwebhooks import Webhook

from tests.support.lifecycle_e2e import move
from tests.support.receiver import Receiver
from tests.support.servers import running_service
from tests.support.service import service_settings
from tests.support.write_back_e2e import SECRETS, SEED, client_config, place, service_values, woocommerce_case
from unified_order_api.app import create_app
from unified_order_api.bootstrap import bootstrap
from unified_order_api.config import ApiClient
from xentral_sandbox.config import SandboxConfig
from xentral_sandbox.testing import SandboxHandle, running_sandbox

ALERT_SECRET = "whsec_" + base64.b64encode(b"write-back-alerts-0123456789abcd").decode()


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SandboxHandle]:
    seed_file = tmp_path_factory.mktemp("seed") / "write-back-seed.json"
    seed_file.write_text(json.dumps(SEED), "utf-8")
    with running_sandbox(SandboxConfig(rate_limit=None, seed_path=seed_file)) as handle:
        yield handle


@pytest.fixture
def alert_receiver() -> Iterator[Receiver]:
    receiver = Receiver()
    yield receiver
    receiver.stop()


def test_a_write_back_the_shop_refuses_is_one_alert_naming_the_order_and_the_shops_answer(
    seeded: SandboxHandle, tmp_path: Path, alert_receiver: Receiver
) -> None:
    seeded.reset()
    case = woocommerce_case()
    settings = service_settings(
        seeded,
        tmp_path,
        clients=[ApiClient.model_validate(client_config(case, "http://shop.test"))],
        alerts={"webhook_url": alert_receiver.url, "webhook_secret": ALERT_SECRET, "window_seconds": 0.5},
        webhooks={"allow_private_targets": ["loopback"], "poll_interval_seconds": 0.05},
        **service_values(),
    )
    transports = {case.client: httpx.ASGITransport(app=case.fake.app)}
    app = create_app(settings, partial(bootstrap, shop_transports=transports))
    # The key lacks the write permission: WooCommerce answers 401 (its docs' refusal), so the job is dead at once.
    case.faults.refuse("GET", "/orders/727/notes", 401, body={"code": "woocommerce_rest_cannot_view"})
    with running_service(settings, app=app) as url:
        reference, order_id = place(url, case)
        move(seeded, order_id, "dispatch")
        move(seeded, order_id, "ship", {"trackingNumber": "E2E-DEAD", "carrier": "DHL"})
        [request] = alert_receiver.wait_for(1, timeout=60)
    payload = Webhook(ALERT_SECRET).verify(request.body, request.headers)
    alert = payload["data"]
    assert payload["type"] == "alert.raised" and alert["kind"] == "shop_write_back_dead", alert
    assert alert["subjects"] == [f"{case.client}/{reference}"], alert
    [detail] = alert["details"]
    assert detail.startswith(f"{case.client}/{reference}: ") and "401" in detail, detail
    assert "Redeliver" in alert["action"] and "credentials" in alert["action"]
    assert case.emails() == 0  # nothing reached the buyer
    for secret in SECRETS:
        assert secret not in request.body.decode(), secret
