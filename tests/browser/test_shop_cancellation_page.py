"""The order page of a shop order the shop cancelled too late and changed after the import, in a real browser:
*Cancellation by the shop* says it was not carried out and why, *Changes in the shop* lists the new address;
photographed at desktop (1400x1000) and phone (390x844) size, the phone page checked for sideways scrolling
(`order-shop-cancelled-*.png`, and from the cancellation on `order-shop-cancelled-section-*.png`)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from functools import partial
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.integration.write_back.test_shop_cancellations import _b64, _send
from tests.support.lifecycle_e2e import move
from tests.support.receiver import Receiver
from tests.support.servers import running_service
from tests.support.service import service_settings
from tests.support.write_back_e2e import SEED, client_config, place, service_values, shopify_case
from unified_order_api.app import create_app
from unified_order_api.bootstrap import bootstrap
from unified_order_api.config import ApiClient
from xentral_sandbox.config import SandboxConfig
from xentral_sandbox.testing import SandboxHandle, running_sandbox

from .conftest import ADMIN_KEY
from .test_browser import browser, by_id, open_order, sign_in
from .test_operator_fixes import photograph, photograph_section

__all__ = ["browser"]

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SandboxHandle]:
    seed_file = tmp_path_factory.mktemp("seed") / "cancellation-seed.json"
    seed_file.write_text(json.dumps(SEED), "utf-8")
    with running_sandbox(SandboxConfig(rate_limit=None, seed_path=seed_file)) as handle:
        yield handle


def test_the_order_page_of_a_cancellation_not_carried_out_with_a_changed_address(
    browser: Any, seeded: SandboxHandle, tmp_path: Path
) -> None:
    case = shopify_case()
    receiver = Receiver()  # the operators' alerts go somewhere; this page does not need them
    try:
        client = ApiClient.model_validate(client_config(case, "http://shop.test"))
        settings = service_settings(seeded, tmp_path, clients=[client], admin_api_key=ADMIN_KEY, **service_values())
        app = create_app(
            settings, partial(bootstrap, shop_transports={case.client: httpx.ASGITransport(app=case.fake.app)})
        )
        with running_service(settings, app=app) as url:
            reference, order_id = place(url, case)
            changed = json.loads(case.body)
            changed["shipping_address"]["address1"] = "1 Changed Road, Building C, Floor 3"
            body = json.dumps(changed).encode()
            headers = {**case.headers, "X-Shopify-Hmac-Sha256": _b64(body), "X-Shopify-Topic": "orders/updated"}
            headers["X-Shopify-Webhook-Id"] = "changed-1"
            assert (
                httpx.post(f"{url}/api/shops/{case.client}/shopify", content=body, headers=headers).status_code == 200
            )
            move(seeded, order_id, "dispatch")
            assert "Not cancelled in Xentral" in _send(url, case, "cancel-1").json()["reason"]
            browser.delete_all_cookies()
            sign_in(browser, url)
            open_order(browser, url, reference)
            assert by_id(browser, "cancellation-verdict").text.startswith("Not carried out: Xentral was not changed")
            assert by_id(browser, "cancellation-detail").text == "Not cancelled in Xentral: already dispatched"
            assert "1 Changed Road, Building C, Floor 3" in by_id(browser, "shop-changes").text
            photograph(browser, "order-shop-cancelled")
            photograph_section(browser, "order-shop-cancelled-section", "h-cancellation")
    finally:
        receiver.stop()
