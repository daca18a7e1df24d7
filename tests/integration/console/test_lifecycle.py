"""The console's lifecycle parts with real data: orders moved in the sandbox (dispatch, ship, cancel,
complete), seen by the poller round by round, held through the tracking store; the order page's
timeline (hostile carrier and tracking URL escaped, only http(s) linked), the journal's lifecycle
filters, the health page's tracking line."""

from __future__ import annotations

import asyncio
import datetime as dt
import re
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.support.orders import order_body
from tests.support.receiver import Receiver
from tests.support.servers import running_service
from tests.support.service import API_KEY
from unified_order_api.bootstrap import Container, bootstrap
from unified_order_api.lifecycle import LifecycleState, Observation, Shipment
from xentral_sandbox.testing import SandboxHandle

from .conftest import console_settings, sign_in

HOSTILE_CARRIER = "<script>alert('carrier')</script>"
HOSTILE_HTTPS = 'https://t.example/track?n=1&x="><script>alert(1)</script>'
JAVASCRIPT_URL = "javascript:alert(document.cookie)"
HOSTILE_REASON = "<b>payment</b> missing"


@pytest.fixture
async def lifecycle_service(
    console_sandbox: SandboxHandle, console_receiver: Receiver, tmp_path: Path
) -> AsyncIterator[tuple[Container, str]]:
    """The service (no poller loop) and, on its database, a container the test polls with."""
    settings = console_settings(console_sandbox, tmp_path, console_receiver.url, tracking={"run_in_service": False})
    with running_service(settings) as url:
        built = await bootstrap(settings)
        try:
            yield built, url
        finally:
            await built.aclose()


def _move(sandbox: SandboxHandle, order_id: str, action: str, body: dict[str, Any] | None = None) -> None:
    response = httpx.post(
        f"{sandbox.base_url}/_sandbox/salesOrders/{order_id}/{action}", json=body or {}, headers=sandbox.admin_headers
    )
    assert response.status_code < 300, response.text


def _create(url: str) -> tuple[str, str]:
    body = order_body()
    created = httpx.post(f"{url}/api/orders", json=body, headers={"Authorization": f"Bearer {API_KEY}"}, timeout=30)
    assert created.status_code == 201, created.text
    return body["reference"], str(created.json()["order_id"])


def _section(page: str, heading: str) -> str:
    start = page.index(f'id="{heading}"')
    return page[start : page.index("</section>", start)]


def _order_page(client: httpx.Client, reference: str) -> str:
    journal = client.get("/console/", params={"q": reference})
    match = re.search(r'href="/console/orders/(\d+)" class="order-link">' + re.escape(reference) + "<", journal.text)
    assert match, journal.text
    page = client.get(f"/console/orders/{match.group(1)}")
    assert page.status_code == 200
    return page.text


async def test_timeline_filters_and_tracking_health_with_real_orders(
    lifecycle_service: tuple[Container, str], console_sandbox: SandboxHandle
) -> None:
    container, url = lifecycle_service
    sandbox = console_sandbox
    (shipped_ref, shipped_id), (held_ref, held_id), (cancelled_ref, cancelled_id), (done_ref, done_id) = [
        await asyncio.to_thread(_create, url) for _ in range(4)
    ]
    await asyncio.to_thread(_move, sandbox, shipped_id, "dispatch")
    parcel = {"trackingNumber": "0034<0434>", "carrier": HOSTILE_CARRIER, "trackingUrl": HOSTILE_HTTPS}
    await asyncio.to_thread(_move, sandbox, shipped_id, "ship", parcel)
    await asyncio.to_thread(_move, sandbox, cancelled_id, "cancel")
    parcel = {"trackingNumber": "JS-1", "carrier": "DHL", "trackingUrl": JAVASCRIPT_URL}
    await asyncio.to_thread(_move, sandbox, done_id, "ship", parcel)
    await asyncio.to_thread(_move, sandbox, done_id, "complete")
    await container.tracking_poller.poll_once("default", force=True)
    # held is Xentral's side state (its traffic lights); the sandbox has no endpoint for it: the store's sink
    held = Observation(
        "default", held_id, dt.datetime.now(dt.UTC), "event", LifecycleState.HELD, held_reasons=(HOSTILE_REASON,)
    )
    await container.tracking.observe([held])
    # a parcel Xentral records after the completion (an added package): the sandbox ships released orders only
    late = Shipment("late-1", "DHL", "LATE-1", None)
    after = Observation("default", done_id, dt.datetime.now(dt.UTC) + dt.timedelta(minutes=1), "event", shipment=late)
    await container.tracking.observe([after])

    with httpx.Client(base_url=url, timeout=30) as client:
        assert sign_in(client).status_code == 303
        shipped = _section(_order_page(client, shipped_ref), "h-timeline")
        held_page = _section(_order_page(client, held_ref), "h-timeline")
        cancelled = _section(_order_page(client, cancelled_ref), "h-timeline")
        done = _section(_order_page(client, done_ref), "h-timeline")
        journals = {
            name: client.get("/console/", params={"lifecycle": name}).text for name in ("shipped", "held", "cancelled")
        }
        unknown = client.get("/console/", params={"lifecycle": "lost"})
        health = _section(client.get("/console/health").text, "h-tracking")

    steps = re.findall(r'<td data-label="Step">([^<]+)</td>', shipped)
    assert steps[0] == "Imported" and "Dispatched" in steps and steps[-1] == "Shipped"
    assert 'id="lifecycle-state">shipped<' in shipped
    assert "<script>" not in shipped
    assert "&lt;script&gt;alert(&#39;carrier&#39;)&lt;/script&gt;" in shipped
    assert '<code class="tracking-number">0034&lt;0434&gt;</code>' in shipped
    href = re.search(r'class="tracking-link" href="([^"]*)"', shipped)
    assert href and href.group(1) == "https://t.example/track?n=1&amp;x=&#34;&gt;&lt;script&gt;alert(1)&lt;/script&gt;"

    # shipped and completed within one poll, whether or not Xentral dated both the same second: the story in
    # order; the parcel seen after the completion is recorded as a shipment, the order stays completed
    steps = re.findall(r'<td data-label="Step">([^<]+)</td>', done)
    assert steps == ["Imported", "Dispatched", "Shipped", "Completed", "Shipment"], steps
    assert "javascript:" not in re.sub(r'class="tracking-url-refused"[^>]*>[^<]*<', "", done)
    assert 'class="tracking-link"' not in done
    assert f'class="tracking-url-refused" title="Not an http(s) link, so not linked">{JAVASCRIPT_URL}<' in done

    assert re.findall(r'<td data-label="Step">([^<]+)</td>', held_page)[-1] == "Held"
    assert "<b>" not in held_page and "&lt;b&gt;payment&lt;/b&gt; missing" in held_page
    assert 'id="held-now">Held: &lt;b&gt;payment&lt;/b&gt; missing<' in held_page
    assert re.findall(r'<td data-label="Step">([^<]+)</td>', cancelled)[-1] == "Cancelled"

    expected = {"shipped": shipped_ref, "held": held_ref, "cancelled": cancelled_ref}
    for name, page in journals.items():
        listed = {ref for ref in (shipped_ref, held_ref, cancelled_ref, done_ref) if f">{ref}<" in page}
        assert listed == {expected[name]}, name
        assert f'<option value="{name}" selected>' in page
    assert unknown.status_code == 200 and "Unknown lifecycle filter &#39;lost&#39;" in unknown.text

    polls = {row.instance: row for row in await container.tracking.health(dt.datetime.now(dt.UTC))}
    assert polls["default"].calls > 0
    row = re.search(r"<td>default</td>\s*<td>(\d+)</td>\s*<td>([^<]+)</td>.*?<td>(\d+)</td>\s*</tr>", health, re.S)
    assert row, health
    assert row.group(1) == str(polls["default"].open_orders)
    assert row.group(2).endswith(" ago")
    assert row.group(3) == str(polls["default"].calls)
    # this service's process ran no poll (the test's container did): its share is honestly none
    assert '<td class="tracking-share">0.0 (0.0 %)</td>' in health


async def test_the_order_page_of_an_untracked_order_says_so(
    console_sandbox: SandboxHandle, console_receiver: Receiver, tmp_path: Path
) -> None:
    settings = console_settings(console_sandbox, tmp_path, console_receiver.url, tracking={"enabled": False})
    with running_service(settings) as url, httpx.Client(base_url=url, timeout=30) as client:
        reference, _ = await asyncio.to_thread(_create, url)
        assert sign_in(client).status_code == 303
        page = _order_page(client, reference)
        health = _section(client.get("/console/health").text, "h-tracking")
    assert 'id="timeline-empty"' in _section(page, "h-timeline")
    assert 'id="tracking-off"' in health
