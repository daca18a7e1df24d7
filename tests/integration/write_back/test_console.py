"""The console's write-back: the order page lists the order's jobs with each attempt's answer; a dead one is
redelivered by an operator (asked first, recorded, then written once); a client without `api` credentials
shows that nothing is written back; no shop secret is on any page."""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterator
from functools import partial
from pathlib import Path

import httpx
import pytest

from tests.integration.console.conftest import ADMIN_KEY, form_value, sign_in
from tests.support.lifecycle_e2e import move
from tests.support.servers import running_service
from tests.support.service import service_settings
from tests.support.write_back_e2e import (
    SECRETS,
    SEED,
    client_config,
    place,
    service_values,
    wait_shown,
    woocommerce_case,
)
from unified_order_api.app import create_app
from unified_order_api.bootstrap import bootstrap
from unified_order_api.config import ApiClient
from xentral_sandbox.config import SandboxConfig
from xentral_sandbox.testing import SandboxHandle, running_sandbox


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SandboxHandle]:
    seed_file = tmp_path_factory.mktemp("seed") / "write-back-seed.json"
    seed_file.write_text(json.dumps(SEED), "utf-8")
    with running_sandbox(SandboxConfig(rate_limit=None, seed_path=seed_file)) as handle:
        yield handle


def _order_page(client: httpx.Client, reference: str) -> tuple[int, str]:
    journal = client.get("/console/", params={"q": reference})
    match = re.search(r'href="/console/orders/(\d+)" class="order-link">' + re.escape(reference) + "<", journal.text)
    assert match, journal.text
    attempt_id = int(match.group(1))
    return attempt_id, client.get(f"/console/orders/{attempt_id}").text


def _wait_for(client: httpx.Client, reference: str, text: str) -> tuple[int, str]:
    deadline = time.monotonic() + 60
    while True:
        attempt_id, page = _order_page(client, reference)
        if text in page:
            return attempt_id, page
        assert time.monotonic() < deadline, page
        time.sleep(0.1)


def test_a_dead_write_back_is_shown_with_the_shops_answer_and_redelivered_once(
    seeded: SandboxHandle, tmp_path: Path
) -> None:
    seeded.reset()
    case = woocommerce_case()
    plain = client_config(case, "http://unused.test")
    plain.update(name="plain", api_key="plain-key-0123456789", reference_prefix="PL-")
    plain["shop"].pop("api")
    clients = [ApiClient.model_validate(client_config(case, "http://shop.test")), ApiClient.model_validate(plain)]
    settings = service_settings(seeded, tmp_path, clients=clients, admin_api_key=ADMIN_KEY, **service_values())
    transports = {case.client: httpx.ASGITransport(app=case.fake.app)}
    app = create_app(settings, partial(bootstrap, shop_transports=transports))
    # The key lacks the write permission: WooCommerce answers 401 to the note (its docs' refusal).
    case.faults.refuse("GET", "/orders/727/notes", 401, body={"code": "woocommerce_rest_cannot_view"})
    with running_service(settings, app=app) as url, httpx.Client(base_url=url, timeout=30) as operator:
        reference, order_id = place(url, case)
        move(seeded, order_id, "dispatch")
        move(seeded, order_id, "ship", {"trackingNumber": "E2E-CONSOLE", "carrier": "DHL"})
        assert sign_in(operator).status_code == 303
        attempt_id, page = _wait_for(operator, reference, 'class="state dead"')
        assert "Write-back to the shop" in page and "answered 401" in page and "lifecycle change" in page
        redeliver = re.search(r'href="(/console/write-back/(\d+)/redeliver)"', page)
        assert redeliver, page
        confirm = operator.get(redeliver.group(1))
        assert confirm.status_code == 200 and "Redeliver now" in confirm.text
        assert case.emails() == 0  # asking changed nothing
        done = operator.post(redeliver.group(1), data={"csrf": form_value(confirm.text, "csrf")})
        assert done.status_code == 303 and "notice=write_back_redelivered" in done.headers["location"]
        wait_shown(case, ["E2E-CONSOLE"])
        _attempt, page = _wait_for(operator, reference, "status completed")
        assert "redelivered by admin" in page and 'class="state done"' in page
        assert case.emails() == 1
        again = operator.post(redeliver.group(1), data={"csrf": form_value(confirm.text, "csrf")})
        assert "notice=write_back_not_dead" in again.headers["location"]  # done now: nothing queued again
        steps = operator.get(f"/console/orders/{attempt_id}").text
        assert "shop write-back" in steps and "redelivered by admin" in steps
        for secret in SECRETS:
            assert secret not in page and secret not in confirm.text
        # A client whose shop has no api credentials: the order page says nothing is written back.
        plain_case = woocommerce_case()
        plain_case.client = "plain"
        plain_reference, _ = place(url, plain_case)
        _id, plain_page = _order_page(operator, plain_reference)
        assert "Nothing is written back" in plain_page
        assert operator.get("/console/write-back/99999/redeliver").status_code == 404
