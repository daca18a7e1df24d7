"""Every request `verify-xentral` sends is one the Xentral 2026 spec declares: its probes step past the
typed client's guards (a `discount`, a page of 51, a repeated reference), never past the spec. Run against
the sandbox with every check, the limited token's reads included; each request is validated as the
client's own are (`test_client_requests.assert_valid`)."""

from __future__ import annotations

import httpx

from tests.contract.test_client_requests import BASE_URL, _spec, assert_valid
from unified_order_api.config import load_settings
from unified_order_api.xentral import XentralClient
from unified_order_api.xentral_verify import VerifySession, configured, find_target, run_checks
from xentral_sandbox.testing import SandboxHandle

LIMITED = "verify-contract-limited"


class Recording(httpx.AsyncBaseTransport):
    """Forwards to the sandbox and keeps each request, rebased on the spec's server for validation."""

    def __init__(self) -> None:
        self.inner = httpx.AsyncHTTPTransport()
        self.sent: list[httpx.Request] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        body = await request.aread()
        url = httpx.URL(BASE_URL).copy_with(raw_path=request.url.raw_path)
        self.sent.append(httpx.Request(request.method, url, headers=request.headers, content=body))
        return await self.inner.handle_async_request(request)

    async def aclose(self) -> None:
        await self.inner.aclose()


async def test_every_verify_request_is_in_the_spec(sandbox: SandboxHandle) -> None:
    _spec()  # skip early when the spec is absent
    sandbox.state.tokens[LIMITED] = frozenset({"product:read"})
    with sandbox.state.lock:  # longer than a page of 50, so the page-size check sends its page of 51
        for n in range(60):
            sandbox.state.products[str(1000 + n)] = sandbox.state.products["1"] | {
                "id": str(1000 + n),
                "number": f"P{n}",
            }
    recording = Recording()
    settings = load_settings(
        xentral_url=sandbox.base_url, xentral_token=sandbox.token, defaults={"discount_product_id": "99"}
    )
    timeout = httpx.Timeout(10.0)
    async with (
        XentralClient(sandbox.base_url, sandbox.token, timeout=timeout, transport=recording) as client,
        XentralClient(sandbox.base_url, LIMITED, timeout=timeout, transport=recording) as limited,
    ):
        target = await find_target(client, "4", customer_id=None, product_id=None, discount_product_id="99")
        session = VerifySession(client, target, configured(settings, "default"), run_id="C", limited=limited)
        report = await run_checks(session)
    assert report.findings and not report.left_over
    operations = {(request.method, request.url.path) for request in recording.sent}
    assert ("POST", "/api/v1/salesOrders/actions/import") in operations
    assert ("POST", "/api/v2/customers") in operations  # the test customer
    assert any("page%5Bsize%5D=51" in str(request.url) for request in recording.sent)
    for request in recording.sent:
        assert_valid(request)
