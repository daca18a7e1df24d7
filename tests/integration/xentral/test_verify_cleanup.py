"""`verify-xentral`'s promises beyond the findings, against the sandbox: every test order is cancelled even when
an import's answer is lost, a check breaks midway or the run is interrupted (Ctrl-C); an order it cannot prove
its own (its reference) is never touched; the test customer belongs to the test project; a limited token Xentral
does not know at all is not mistaken for one lacking a scope."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

import httpx

from unified_order_api.config import load_settings
from unified_order_api.xentral import XentralClient
from unified_order_api.xentral_verify import CHECKS, Finding, Report, VerifySession, configured, find_target, run_checks
from unified_order_api.xentral_verify.orders import import_body, line
from xentral_sandbox.readings import Readings
from xentral_sandbox.testing import SandboxHandle

IMPORT = "/api/v1/salesOrders/actions/import"
Check = Callable[[VerifySession], Awaitable[Finding]]


async def _run(
    sandbox: SandboxHandle,
    checks: Sequence[tuple[str, Check]],
    *,
    transport: httpx.AsyncBaseTransport | None = None,
    limited_token: str | None = None,
    run_id: str = "T",
) -> Report:
    settings = load_settings(xentral_url=sandbox.base_url, xentral_token=sandbox.token)
    timeout = httpx.Timeout(10.0)
    async with XentralClient(sandbox.base_url, sandbox.token, timeout=timeout, transport=transport) as client:
        limited = XentralClient(sandbox.base_url, limited_token, timeout=timeout) if limited_token else None
        try:
            target = await find_target(client, "4", customer_id="1", product_id="1", discount_product_id=None)
            session = VerifySession(client, target, configured(settings, "default"), run_id=run_id, limited=limited)
            return await run_checks(session, checks)
        finally:
            if limited is not None:
                await limited.aclose()


def _named(*names: str) -> list[tuple[str, Check]]:
    return [(name, check) for name, check in CHECKS if name in names]


def _runs_orders(sandbox: SandboxHandle) -> list[dict[str, Any]]:
    return [o for o in sandbox.state.sales_orders.values() if o["externalOrderNumber"].startswith("VERIFY-T-")]


async def test_an_import_whose_answer_was_lost_is_found_by_its_reference_and_cancelled(sandbox: SandboxHandle) -> None:
    sandbox.faults.commit_then_drop(path=IMPORT)  # Xentral books the order, its answer never comes
    report = await _run(sandbox, _named("location-form", "repeated-reference"))
    assert report.findings[0].verdict == "failed"
    orders = _runs_orders(sandbox)
    assert len(orders) == 3  # the lost one and the repeat's two
    assert {order["status"] for order in orders} == {"canceled"}
    assert not report.left_over and not report.unaccounted
    assert "VERIFY-T-LOCATION" in {order.reference for order in report.cancelled}


async def test_a_check_that_breaks_midway_still_has_its_order_cancelled_and_the_run_goes_on(
    sandbox: SandboxHandle,
) -> None:
    async def breaks(session: VerifySession) -> Finding:
        await session.import_order(session.body("BREAKS", [line(session.target, "1.00")]))
        raise RuntimeError("a bug in the check")

    report = await _run(sandbox, [("breaks", breaks), *_named("location-form")])
    assert [(f.check, f.verdict) for f in report.findings] == [("breaks", "failed"), ("location-form", "agrees")]
    assert "RuntimeError: a bug in the check" in report.findings[0].observed
    assert {order["status"] for order in _runs_orders(sandbox)} == {"canceled"} and len(report.cancelled) == 2
    assert report.exit_status == 1


async def test_an_interrupted_run_cancels_what_it_created_and_says_so(sandbox: SandboxHandle) -> None:
    async def interrupted(session: VerifySession) -> Finding:
        await session.import_order(session.body("BEFORE-CTRL-C", [line(session.target, "1.00")]))
        task = asyncio.current_task()
        assert task is not None
        task.cancel()  # what asyncio.run does on Ctrl-C
        await asyncio.sleep(1)
        raise AssertionError("not reached")

    report = await _run(sandbox, [*_named("location-form"), ("interrupted", interrupted), *_named("cursor-end")])
    assert report.interrupted
    assert [f.check for f in report.findings] == ["location-form"]  # the checks after it did not run
    assert {order["status"] for order in _runs_orders(sandbox)} == {"canceled"} and len(report.cancelled) == 2
    assert report.exit_status == 130


def test_ctrl_c_on_the_command_cancels_every_test_order_and_prints_the_cleanup(sandbox: SandboxHandle) -> None:
    sandbox.faults.latency(0.3, path=IMPORT, count=None)  # slow imports, so Ctrl-C falls amid the checks
    env = os.environ | {
        "UOA_XENTRAL_URL": sandbox.base_url,
        "UOA_XENTRAL_TOKEN": sandbox.token,
        "PYTHONPATH": os.pathsep.join(sys.path),
    }
    code = "import sys; from unified_order_api.cli import main; sys.exit(main(sys.argv[1:]))"
    process = subprocess.Popen(
        [sys.executable, "-c", code, "verify-xentral", "--project", "4", "--customer", "1"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 60
    while len([o for o in sandbox.state.sales_orders.values() if o["externalOrderNumber"].startswith("VERIFY-")]) < 2:
        assert process.poll() is None and time.monotonic() < deadline, process.communicate()
        time.sleep(0.05)
    process.send_signal(signal.SIGINT)
    out, err = process.communicate(timeout=60)
    assert process.returncode == 130, (out, err)
    assert "Interrupted" in out and "Traceback" not in err
    orders = [o for o in sandbox.state.sales_orders.values() if o["externalOrderNumber"].startswith("VERIFY-")]
    assert 2 <= len(orders) < 10
    assert {order["status"] for order in orders} == {"canceled"}, out
    assert f"Cancelled {len(orders)} test order(s) in project 4." in out


class _LocationOf(httpx.AsyncBaseTransport):
    """Answers every import with a `Location` naming another order (say, a job or a wrong id)."""

    def __init__(self, order_id: str) -> None:
        self.inner = httpx.AsyncHTTPTransport()
        self.order_id = order_id

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        response = await self.inner.handle_async_request(request)
        if request.url.path == IMPORT and response.status_code == 201:
            await response.aread()
            headers = [(k, v) for k, v in response.headers.items() if k.lower() != "location"]
            return httpx.Response(201, headers=[*headers, ("Location", f"/api/v1/salesOrders/{self.order_id}")])
        return response

    async def aclose(self) -> None:
        await self.inner.aclose()


async def test_an_order_the_location_names_but_that_is_not_the_runs_is_never_cancelled(sandbox: SandboxHandle) -> None:
    async with XentralClient(sandbox.base_url, sandbox.token, timeout=httpx.Timeout(10.0)) as plain:
        target = await find_target(plain, "1", customer_id="1", product_id="1", discount_product_id=None)
        body = import_body(target, "SHOP-4711", [line(target, "5.00")], date="2026-12-07")
        production = await plain.import_sales_order(body)  # type: ignore[arg-type]
    report = await _run(sandbox, _named("location-form", "price-basis"), transport=_LocationOf(production))
    findings = {f.check: f for f in report.findings}
    assert findings["location-form"].verdict == "differs"
    assert "SHOP-4711" in findings["location-form"].observed
    assert findings["price-basis"].verdict == "failed"  # its figures would be another order's
    assert sandbox.state.sales_orders[production]["status"] != "canceled"
    assert [order.order_id for order in report.foreign] == [production, production]
    ours = _runs_orders(sandbox)
    assert len(ours) == 2 and {order["status"] for order in ours} == {"canceled"}  # found by their references
    assert report.exit_status == 1


async def test_the_created_test_customer_belongs_to_the_test_project(sandbox: SandboxHandle) -> None:
    async with XentralClient(sandbox.base_url, sandbox.token, timeout=httpx.Timeout(10.0)) as client:
        target = await find_target(client, "4", customer_id=None, product_id="1", discount_product_id=None)
    assert target.customer_created
    assert sandbox.state.customers[target.customer_id]["project"] == "4"


async def test_a_limited_token_xentral_does_not_know_is_not_a_missing_scope(sandbox: SandboxHandle) -> None:
    """Every read answered 401 naming no scope: a mistyped or expired token, not an answer to a missing scope."""
    report = await _run(sandbox, _named("missing-scope"), limited_token="not-a-token-of-this-instance")
    (finding,) = report.findings
    assert finding.verdict == "failed", finding
    assert "refused every read" in finding.observed and "not-a-token" not in str(finding)


async def test_a_token_lacking_a_scope_is_told_from_the_reads_it_has(sandbox: SandboxHandle) -> None:
    sandbox.state.tokens["lacks-customers"] = frozenset({"product:read", "salesOrder:read", "project:read"})
    report = await _run(sandbox, _named("missing-scope"), limited_token="lacks-customers")
    (finding,) = report.findings
    assert finding.verdict == "agrees", finding
    assert "lacking customer:read" in finding.observed and "granted product:read" in finding.observed


def _more_products(sandbox: SandboxHandle, count: int) -> None:
    """The seed has 8 products: a page of 50 is proven only on a list longer than 50."""
    with sandbox.state.lock:
        model = sandbox.state.products["1"]
        for n in range(count):
            product_id = str(1000 + n)
            sandbox.state.products[product_id] = model | {"id": product_id, "number": f"VERIFY-PAGE-{n}"}


class _PagesOf(httpx.AsyncBaseTransport):
    """An instance whose largest page is `largest`: a larger page is silently served as `largest` items."""

    def __init__(self, largest: int) -> None:
        self.inner = httpx.AsyncHTTPTransport()
        self.largest = largest

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        response = await self.inner.handle_async_request(request)
        if request.url.path != "/api/v2/products" or response.status_code != 200:
            return response
        body = json.loads(await response.aread())
        body["data"] = body["data"][: self.largest]
        headers = [
            (k, v) for k, v in response.headers.items() if k.lower() not in ("content-length", "content-encoding")
        ]
        return httpx.Response(200, headers=headers, json=body)

    async def aclose(self) -> None:
        await self.inner.aclose()


async def test_a_page_of_50_served_in_full_agrees(sandbox: SandboxHandle) -> None:
    _more_products(sandbox, 60)
    (finding,) = (await _run(sandbox, _named("oversize-page"))).findings
    assert finding.verdict == "agrees", finding
    assert "page[size]=50 is served in full" in finding.observed and "51 is refused" in finding.observed


async def test_a_largest_page_below_50_differs_and_names_max_page_size(sandbox: SandboxHandle) -> None:
    _more_products(sandbox, 60)
    (finding,) = (await _run(sandbox, _named("oversize-page"), transport=_PagesOf(25))).findings
    assert finding.verdict == "differs", finding
    assert "25 items" in finding.observed and "MAX_PAGE_SIZE" in (finding.advice or "")


async def test_a_list_too_short_to_prove_a_page_of_50_is_noted(sandbox: SandboxHandle) -> None:
    (finding,) = (await _run(sandbox, _named("oversize-page"))).findings
    assert finding.verdict == "noted", finding
    assert "only 8" in finding.observed


class _NoOrderLists(httpx.AsyncBaseTransport):
    """An instance whose order list finds nothing by reference (a filter it reads otherwise)."""

    def __init__(self) -> None:
        self.inner = httpx.AsyncHTTPTransport()

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        response = await self.inner.handle_async_request(request)
        if request.url.path != "/api/v1/salesOrders" or response.status_code != 200:
            return response
        await response.aread()
        return httpx.Response(200, json={"data": [], "extra": {"totalCount": 0, "page": {"number": 1, "size": 50}}})

    async def aclose(self) -> None:
        await self.inner.aclose()


async def test_a_refused_repeat_agrees_only_when_the_reference_finds_the_first_order(sandbox: SandboxHandle) -> None:
    sandbox.state.readings = Readings(repeated_reference="refused-409")
    (finding,) = (await _run(sandbox, _named("repeated-reference"))).findings
    assert finding.verdict == "agrees" and "the lookup by reference finds order" in finding.observed, finding
    report = await _run(sandbox, _named("repeated-reference"), transport=_NoOrderLists(), run_id="U")
    (finding,) = report.findings
    assert finding.verdict == "differs", finding
    assert "finds no order" in finding.observed
