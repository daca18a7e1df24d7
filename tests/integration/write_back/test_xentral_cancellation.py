"""End to end for WooCommerce, Shopify and Shopware 6: an order a signed shop webhook created is cancelled in
Xentral (the warehouse's cancel in the sandbox), and the fake shop (each written from its shop's documentation,
named in `tests/support/shop_apis/`) shows it once, as the shop's `on_xentral_cancel` says: `cancel` cancels
the order there (with a note for the merchant saying why), `note` (the default) leaves it and adds the note.
The buyer gets no e-mail from either. The service runs as `serve` wires it, in this process; the fakes are
reached through `httpx.ASGITransport`. The shop's own cancellations (the other direction) are tested in
`tests/integration/shops/`.
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
from tests.support.write_back_e2e import CASES, SEED, ShopCase, client_config, place, service_values
from unified_order_api.app import create_app
from unified_order_api.bootstrap import bootstrap
from unified_order_api.config import ApiClient
from xentral_sandbox.config import SandboxConfig
from xentral_sandbox.testing import SandboxHandle, running_sandbox

FAKE_BASE = "http://shop.test"


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


def _service(sandbox: SandboxHandle, tmp_path: Path, case: ShopCase, on_xentral_cancel: str):  # type: ignore[no-untyped-def]
    client = ApiClient.model_validate(client_config(case, FAKE_BASE, on_xentral_cancel=on_xentral_cancel))
    settings = service_settings(sandbox, tmp_path, clients=[client], **service_values())
    transports = {case.client: httpx.ASGITransport(app=case.fake.app)}
    app = create_app(settings, partial(bootstrap, shop_transports=transports))
    return running_service(settings, app=app)


def _until(condition, what: str, seconds: float = 60) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + seconds  # a bound on waiting, not a measured time
    while not condition():
        assert time.monotonic() < deadline, what
        time.sleep(0.05)


@pytest.mark.parametrize("kind", list(CASES))
def test_cancelled_in_xentral_cancels_the_order_in_the_shop_once(
    sandbox: SandboxHandle, tmp_path: Path, kind: str
) -> None:
    case = CASES[kind]()
    with _service(sandbox, tmp_path, case, "cancel") as url:
        reference, order_id = place(url, case)
        move(sandbox, order_id, "cancel")
        _until(case.cancelled, f"{kind}: the order is not cancelled in the shop")
        time.sleep(1.0)  # more passes of the write-back loop: nothing is written again
    assert case.writes(case.cancel_write) == 1
    assert f"Cancelled in Xentral (sales order {order_id}, order {reference})" in case.merchant_notes()
    assert case.emails() == 0 and getattr(case.fake, "cancel_emails", 0) == 0  # the buyer is not told by us
    assert case.shown() == []  # no tracking: nothing shipped


@pytest.mark.parametrize("kind", list(CASES))
def test_cancelled_in_xentral_only_notes_it_in_the_shop_by_default(
    sandbox: SandboxHandle, tmp_path: Path, kind: str
) -> None:
    case = CASES[kind]()
    with _service(sandbox, tmp_path, case, "note") as url:
        reference, order_id = place(url, case)
        move(sandbox, order_id, "cancel")
        note = f"Cancelled in Xentral (sales order {order_id}, order {reference})."
        _until(lambda: note in case.merchant_notes(), f"{kind}: no note in the shop: {case.merchant_notes()!r}")
        time.sleep(1.0)
    assert not case.cancelled() and case.writes(case.cancel_write) == 0
    assert case.merchant_notes().count(note) == 1 and case.emails() == 0
