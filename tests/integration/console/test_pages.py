"""What the pages show when things are not fine: a failing database, a degraded Redis, totals that differ."""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import create_engine, insert, select, update

from tests.support.orders import order_body
from tests.support.receiver import Receiver
from tests.support.servers import ServerThread
from tests.support.service import API_KEY
from unified_order_api.app import create_app
from unified_order_api.bootstrap import Container, bootstrap
from unified_order_api.config import Settings
from unified_order_api.orders.attempts import StoreUnavailable
from unified_order_api.store.database import sync_url
from unified_order_api.store.tables import order_attempts, order_refunds
from xentral_sandbox.testing import SandboxHandle

from .conftest import console_settings, sign_in


class FailingJournal:
    """Every query fails the way the SQL journal does when the database does not answer."""

    def __getattr__(self, name: str) -> Any:
        async def fail(*args: Any, **kwargs: Any) -> Any:
            raise StoreUnavailable("OperationalError: database is locked")

        return fail


@contextmanager
def service(settings: Settings, adjust: Any) -> Iterator[str]:
    async def factory(settings: Settings) -> Container:
        container = await bootstrap(settings)
        adjust(container)
        return container

    server = ServerThread(create_app(settings, factory))
    server.start()
    try:
        yield server.base_url
    finally:
        server.stop()


def test_a_database_that_does_not_answer_is_a_503_page_not_a_crash(
    console_sandbox: SandboxHandle, console_receiver: Receiver, tmp_path: Path
) -> None:
    settings = console_settings(console_sandbox, tmp_path, console_receiver.url)

    def break_journal(container: Container) -> None:
        container.journal = FailingJournal()  # type: ignore[assignment]

    with service(settings, break_journal) as url, httpx.Client(base_url=url) as client:
        assert sign_in(client).status_code == 303
        page = client.get("/console/")
    assert page.status_code == 503 and page.headers["retry-after"] == "5"
    assert "nothing was changed" in page.text
    assert "database is locked" not in page.text  # the driver's words stay in the log


def test_health_shows_a_degraded_redis_with_its_fallback(
    console_sandbox: SandboxHandle, console_receiver: Receiver, tmp_path: Path
) -> None:
    settings = console_settings(console_sandbox, tmp_path, console_receiver.url)

    def degrade(container: Container) -> None:
        real = container.readiness.check

        async def readiness() -> dict[str, Any]:
            checks = await real()
            checks["redis"] = {"ok": False, "degraded": True, "error": "TimeoutError", "fallback": "paced locally"}
            return checks

        container.readiness.check = readiness  # type: ignore[method-assign]

    with service(settings, degrade) as url, httpx.Client(base_url=url) as client:
        sign_in(client)
        page = client.get("/console/health").text
    readiness = page[page.index('id="readiness"') : page.index("</dl>", page.index('id="readiness"'))]
    assert re.search(r"redis</dt>\s*<dd><span class=\"state processing\">degraded</span>", readiness)
    assert "TimeoutError" in readiness and "paced locally" in readiness
    assert readiness.count(">ready<") == 4  # database, orders (none unresolved), Xentral and its one instance


def test_health_and_readyz_show_a_token_about_to_expire(
    console_sandbox: SandboxHandle, console_receiver: Receiver, tmp_path: Path
) -> None:
    expires = dt.datetime.now(dt.UTC).date() + dt.timedelta(days=5)
    settings = console_settings(console_sandbox, tmp_path, console_receiver.url, xentral_token_expires=expires)
    with service(settings, lambda container: None) as url, httpx.Client(base_url=url) as client:
        ready = client.get("/readyz")
        sign_in(client)
        page = client.get("/console/health").text
    assert ready.status_code == 200 and ready.json()["status"] == "degraded"
    instance = ready.json()["checks"]["xentral"]["instances"]["default"]
    assert instance["token_expires"] == expires.isoformat() and "expires on" in instance["warning"]
    readiness = page[page.index('id="readiness"') : page.index("</dl>", page.index('id="readiness"'))]
    assert re.search(
        r"xentral <small>[^<]*</small></dt>\s*<dd><span class=\"state processing\">degraded</span>", readiness
    )
    assert f"token expires {expires.isoformat()}" in readiness and "create a new one in Xentral" in readiness


def test_the_order_page_shows_the_totals_check_and_flags_a_difference(
    console_sandbox: SandboxHandle, console_receiver: Receiver, tmp_path: Path
) -> None:
    settings = console_settings(console_sandbox, tmp_path, console_receiver.url)
    with service(settings, lambda container: None) as url, httpx.Client(base_url=url) as client:
        created = client.post("/api/orders", json=order_body(), headers={"Authorization": f"Bearer {API_KEY}"})
        assert created.status_code == 201
        reference = created.json()["reference"]
        plain = _order_page(client, reference)
        # Every created order carries its totals check: ours against Xentral's booked total.
        assert '<span class="state completed" id="totals-state">matches</span>' in plain
        totals = {
            "net": "100.00",
            "tax": "19.00",
            "gross": "119.00",
            "expected": None,
            "xentral": "118.99",
            "matches": False,
        }
        _store_totals(settings, reference, totals)
        checked = _order_page(client, reference)
    assert '<span class="state failed" id="totals-state">does not match</span>' in checked
    section = checked[checked.index('id="h-totals"') : checked.index("</section>", checked.index('id="h-totals"'))]
    assert re.search(r"<dt>Xentral&#39;s total</dt><dd>118.99</dd>", section)
    assert re.search(r"<dt>Gross \(computed\)</dt><dd>119.00</dd>", section)
    assert re.search(r"<dt>Expected \(shop\)</dt><dd>—</dd>", section)
    assert "xentral_total_mismatch: Xentral&#39;s total 118.99 differs" in section


def test_the_order_page_never_calls_a_cent_a_match(
    console_sandbox: SandboxHandle, console_receiver: Receiver, tmp_path: Path
) -> None:
    """A check stored when a cent within the tolerance still counted as a match says `matches: true`;
    the page reads the figures and says the truth."""
    settings = console_settings(console_sandbox, tmp_path, console_receiver.url)
    with service(settings, lambda container: None) as url, httpx.Client(base_url=url) as client:
        created = client.post("/api/orders", json=order_body(), headers={"Authorization": f"Bearer {API_KEY}"})
        assert created.status_code == 201
        reference = created.json()["reference"]
        totals = {"net": "100.00", "tax": "19.00", "gross": "119.00", "expected": "119.00", "xentral": "118.99"}
        _store_totals(settings, reference, totals | {"matches": True})
        checked = _order_page(client, reference)
    assert '<span class="state failed" id="totals-state">does not match</span>' in checked
    assert 'id="totals-state">matches<' not in checked


def test_the_order_page_says_what_was_paid_how(
    console_sandbox: SandboxHandle, console_receiver: Receiver, tmp_path: Path
) -> None:
    """Gift cards are payments: the order page shows them and what the payment method paid, beside the
    order's full value; the card's code only by its last four characters, on the page as in Xentral."""
    settings = console_settings(console_sandbox, tmp_path, console_receiver.url)
    body = order_body(
        prices="net",
        items=[{"sku": "ART-001", "quantity": 1, "price": "23.53", "tax_rate": 19}],
        expected_total="28.00",
        redeemed=[{"kind": "gift_card", "code": "GC-7Q2M-AAAA-1111", "amount": "24.00"}],
    )
    with service(settings, lambda container: None) as url, httpx.Client(base_url=url) as client:
        created = client.post("/api/orders", json=body, headers={"Authorization": f"Bearer {API_KEY}"})
        assert created.status_code == 201, created.text
        page = _order_page(client, created.json()["reference"])
    section = page[page.index('id="h-totals"') : page.index("</section>", page.index('id="h-totals"'))]
    assert '<span class="state completed" id="totals-state">matches</span>' in section
    assert re.search(r"<dt>Expected \(shop\)</dt><dd>28.00</dd>", section)
    assert 'id="totals-redeemed">24.00<' in section and 'id="totals-due">4.00<' in section
    assert "AAAA-1111" not in page and "7Q2M" not in page


def test_the_order_page_lists_the_shops_refunds(
    console_sandbox: SandboxHandle, console_receiver: Receiver, tmp_path: Path
) -> None:
    settings = console_settings(console_sandbox, tmp_path, console_receiver.url)
    with service(settings, lambda container: None) as url, httpx.Client(base_url=url) as client:
        created = client.post("/api/orders", json=order_body(), headers={"Authorization": f"Bearer {API_KEY}"})
        assert created.status_code == 201
        reference = created.json()["reference"]
        assert 'id="h-refunds"' not in _order_page(client, reference)
        _store_refund(settings, reference, "r-1", "5.00", "Wrong size")
        _store_refund(settings, reference, "r-2", "2.50", None)
        page = _order_page(client, reference)
    section = page[page.index('id="h-refunds"') : page.index("</section>", page.index('id="h-refunds"'))]
    assert re.search(r'id="refunded-total">7.50 EUR<', section)
    cell = '<td data-label="{}">'
    first = (
        r"woocommerce r-1</td>"
        + cell.format("Amount")
        + r"5.00</td>"
        + cell.format("Reason")
        + r"Wrong size</td>\s*"
        + cell.format("Lines")
        + r"ART-001 &times; 1: 5.00</td>"
    )
    assert re.search(first, section)
    second = r"woocommerce r-2</td>" + cell.format("Amount") + r"2.50</td>" + cell.format("Reason") + r"</td>\s*"
    assert re.search(second + cell.format("Lines") + "</td>", section)


def _store_refund(settings: Settings, reference: str, refund_id: str, amount: str, reason: str | None) -> None:
    """A refund row as the refund ledger writes it (store/refunds.py)."""
    engine = create_engine(sync_url(settings.database_url))
    lines = [{"line_id": "1", "sku": "ART-001", "quantity": "1", "amount": amount, "tax": None}] if reason else []
    try:
        with engine.begin() as connection:
            connection.execute(
                insert(order_refunds).values(
                    client="shop",
                    reference=reference,
                    refund_id=refund_id,
                    amount=amount,
                    currency="EUR",
                    reason=reason,
                    lines=lines,
                    source="woocommerce",
                    recorded_at=dt.datetime.now(dt.UTC),
                )
            )
    finally:
        engine.dispose()


def _order_page(client: httpx.Client, reference: str) -> str:
    if "uoa_console" not in client.cookies:
        sign_in(client)
    journal = client.get("/console/", params={"q": reference}).text
    match = re.search(r'href="(/console/orders/\d+)" class="order-link">' + re.escape(reference) + "<", journal)
    assert match
    return client.get(match.group(1)).text


def _store_totals(settings: Settings, reference: str, totals: dict[str, Any]) -> None:
    """The receipt as the totals check stores it: its JSON carries `totals`."""
    engine = create_engine(sync_url(settings.database_url))
    try:
        with engine.begin() as connection:
            receipt = connection.execute(
                select(order_attempts.c.receipt).where(order_attempts.c.reference == reference)
            ).scalar_one()
            receipt = (json.loads(receipt) if isinstance(receipt, str) else receipt) | {
                "totals": totals,
                "warnings": ["xentral_total_mismatch: Xentral's total 118.99 differs from the computed total 119.00"],
            }
            connection.execute(
                update(order_attempts).where(order_attempts.c.reference == reference).values(receipt=receipt)
            )
    finally:
        engine.dispose()
