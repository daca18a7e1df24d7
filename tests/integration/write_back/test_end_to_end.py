"""End to end for WooCommerce, Shopify and Shopware 6: a signed shop webhook creates the order, the sandbox
dispatches and ships it, and the fake shop (each written from its shop's documentation, named in
`tests/support/shop_apis/`) shows the tracking and the status exactly once, and the buyer got one e-mail —
also when the shop's answer to the write is lost once, and when the shop answers 429 (Shopify: its
cost-based THROTTLED) first. The service runs as `serve` wires it (the write-back loop, the tracking
poller), in this process; the fake shops are reached through `httpx.ASGITransport`.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from functools import partial
from pathlib import Path

import httpx
import pytest

from tests.support.lifecycle_e2e import move
from tests.support.servers import running_service
from tests.support.service import service_settings
from tests.support.write_back_e2e import CASES, SEED, ShopCase, client_config, place, service_values, wait_shown
from unified_order_api.app import create_app
from unified_order_api.bootstrap import bootstrap
from unified_order_api.config import ApiClient
from xentral_sandbox.config import SandboxConfig
from xentral_sandbox.testing import SandboxHandle, running_sandbox

FAKE_BASE = "http://shop.test"  # the fakes answer through ASGITransport: any address does


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SandboxHandle]:
    seed_file = tmp_path_factory.mktemp("seed") / "write-back-seed.json"
    seed_file.write_text(json.dumps(SEED), "utf-8")
    with running_sandbox(SandboxConfig(rate_limit=None, seed_path=seed_file)) as handle:
        yield handle


@pytest.fixture
def sandbox(seeded: SandboxHandle) -> SandboxHandle:
    seeded.reset()
    return seeded


def _service(sandbox: SandboxHandle, tmp_path: Path, case: ShopCase, **shop: object):  # type: ignore[no-untyped-def]
    client = ApiClient.model_validate(client_config(case, FAKE_BASE, **shop))
    settings = service_settings(sandbox, tmp_path, clients=[client], **service_values())
    transports = {case.client: httpx.ASGITransport(app=case.fake.app)}
    app = create_app(settings, partial(bootstrap, shop_transports=transports))
    return running_service(settings, app=app)


def _ship(sandbox: SandboxHandle, order_id: str, number: str) -> None:
    move(sandbox, order_id, "dispatch")
    move(
        sandbox,
        order_id,
        "ship",
        {"trackingNumber": number, "carrier": "DHL", "trackingUrl": f"https://t.example/{number}"},
    )


SHIPPED = {"woocommerce": "completed", "shopify": "CLOSED", "shopware": "shipped"}  # the order or its delivery


def _settled(case: ShopCase, number: str) -> None:
    """The shop shows the parcel and its final status, once, and still so after more passes of the loop."""
    wait_shown(case, [number])
    deadline = time.monotonic() + 30
    while case.status() != SHIPPED[case.kind]:
        assert time.monotonic() < deadline, case.status()
        time.sleep(0.05)
    time.sleep(1.5)  # a retry's wait and more passes of the write-back loop
    assert case.shown() == [number] and case.status() == SHIPPED[case.kind]
    if case.kind != "shopware":
        assert case.emails() == 1


@pytest.mark.parametrize("kind", list(CASES))
def test_a_shop_order_shipped_in_xentral_shows_its_tracking_in_the_shop_once(
    sandbox: SandboxHandle, tmp_path: Path, kind: str
) -> None:
    case = CASES[kind]()
    with _service(sandbox, tmp_path, case) as url:
        _reference, order_id = place(url, case)
        _ship(sandbox, order_id, f"E2E-{kind}-1")
        _settled(case, f"E2E-{kind}-1")
    assert case.writes() == 1  # one write, nothing repeated


@pytest.mark.parametrize("kind", list(CASES))
def test_the_shops_answer_lost_once_still_shows_the_tracking_once(
    sandbox: SandboxHandle, tmp_path: Path, kind: str
) -> None:
    case = CASES[kind]()
    method, path, body_part = case.write
    case.faults.lose_answer(method, path, body_part=body_part)
    with _service(sandbox, tmp_path, case) as url:
        _reference, order_id = place(url, case)
        _ship(sandbox, order_id, f"E2E-{kind}-2")
        _settled(case, f"E2E-{kind}-2")
    assert case.writes() == 1  # the retry looked, saw it done, wrote nothing


@pytest.mark.parametrize("kind", list(CASES))
def test_a_429_first_is_waited_out_and_the_tracking_shown_once(
    sandbox: SandboxHandle, tmp_path: Path, kind: str
) -> None:
    case = CASES[kind]()
    with _service(sandbox, tmp_path, case) as url:
        _reference, order_id = place(url, case)
        case.throttle()
        _ship(sandbox, order_id, f"E2E-{kind}-3")
        _settled(case, f"E2E-{kind}-3")
    if kind == "shopify":  # Shopify answers a throttled query 200 with errors THROTTLED
        assert case.fake.throttled >= 1
    else:
        assert len([call for call in case.faults.calls if call.status == 429]) == 1


PARTIAL = {"woocommerce": "processing", "shopify": "IN_PROGRESS"}


@pytest.mark.parametrize("kind", list(PARTIAL))
def test_two_parcels_show_a_partial_shipment_then_the_rest(sandbox: SandboxHandle, tmp_path: Path, kind: str) -> None:
    """The first parcel holds the order's first position only (Xentral's delivery names no lines: its delivery
    note's progress does): WooCommerce stays processing with one customer note, Shopify fulfils only that line
    (the sample's two lines share a SKU); the second parcel ships the rest and the final status follows. The
    Shopware sample has one line of one piece, so its partial delivery is shown by
    `tests/unit/shop_apis/test_shopware_api.py` and the Shopware state machine's fake."""
    case = CASES[kind]()
    with _service(sandbox, tmp_path, case) as url:
        _reference, order_id = place(url, case)
        move(sandbox, order_id, "dispatch")
        with sandbox.state.lock:
            first = sandbox.state.sales_orders[order_id]["positions"][0]
            line = {"positionId": first["id"], "quantity": float(first["quantity"])}
        move(sandbox, order_id, "ship", {"trackingNumber": f"E2E-{kind}-P1", "carrier": "DHL", "lines": [line]})
        wait_shown(case, [f"E2E-{kind}-P1"])
        time.sleep(1.0)  # more passes: the status stays partial
        assert case.status() == PARTIAL[kind]
        if kind == "shopify":
            [fulfilment] = case.fake.orders[f"gid://shopify/Order/{case.fake_order_id}"]["fulfillments"]
            assert [item["quantity"] for item in fulfilment["fulfillmentLineItems"]["nodes"]] == [1]
        move(sandbox, order_id, "ship", {"trackingNumber": f"E2E-{kind}-P2", "carrier": "DHL"})
        wait_shown(case, [f"E2E-{kind}-P1", f"E2E-{kind}-P2"])
        deadline = time.monotonic() + 30
        while case.status() != SHIPPED[kind]:
            assert time.monotonic() < deadline, case.status()
            time.sleep(0.05)
    assert case.emails() == 2  # one per parcel
