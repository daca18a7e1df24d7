"""Retries in `XentralClient._send`: reads freely, writes only when they surely did not land, within the budget."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import httpx
import pytest

from tests.support.clock import FakeClock
from unified_order_api.xentral import (
    InProcessRateLimiter,
    RateBudgetExhausted,
    RetryPolicy,
    XentralClient,
    XentralConnectError,
    XentralConnectionLost,
    XentralError,
    XentralServerError,
    XentralTimeout,
    XentralTooManyRequests,
)
from unified_order_api.xentral.limiter import RateLimiter

BASE_URL = "https://demo.xentral.biz"
TOKEN = "secret-pat-0123456789"
OK = {"data": [], "extra": {"totalCount": 0}}

Step = int | tuple[int, dict[str, str]] | type[httpx.TransportError]


class Script:
    """Answers requests with the given steps in order, then 200s; counts what was sent."""

    def __init__(self, *steps: Step) -> None:
        self.steps = list(steps)
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        step: Step = self.steps.pop(0) if self.steps else 200
        if isinstance(step, type):
            raise step(f"failed talking to {BASE_URL} with Bearer {TOKEN}", request=request)
        status, headers = step if isinstance(step, tuple) else (step, {})
        if status == 201:
            return httpx.Response(201, headers={"Location": f"{BASE_URL}/api/v1/salesOrders/7", **headers})
        return httpx.Response(status, json=OK if status == 200 else None, headers=headers)


@pytest.fixture
def make(clock: FakeClock) -> Iterator[Callable[..., XentralClient]]:
    clients: list[XentralClient] = []

    def build(script: Script, *, limiter: RateLimiter | None = None, **policy: float) -> XentralClient:
        values: dict[str, float] = {"max_attempts": 4, "wait_budget": 10.0, "base_delay": 0.2, "max_delay": 2.0}
        values.update(policy)
        client = XentralClient(
            BASE_URL,
            TOKEN,
            timeout=httpx.Timeout(1.0),
            transport=httpx.MockTransport(script),
            retry=RetryPolicy(
                max_attempts=int(values["max_attempts"]),
                wait_budget=values["wait_budget"],
                base_delay=values["base_delay"],
                max_delay=values["max_delay"],
                random=lambda: 0.5,
            ),
            limiter=limiter,
            clock=clock.monotonic,
            sleep=clock.sleep,
        )
        clients.append(client)
        return client

    yield build


async def read(client: XentralClient) -> None:
    await client._send("list_products", "GET", "/api/v1/products")


async def write(client: XentralClient) -> None:
    await client._send("import_sales_order", "POST", "/api/v1/salesOrders/actions/import", json={}, is_write=True)


# --- reads ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "failure", [503, 502, 504, 429, httpx.ConnectError, httpx.ReadTimeout, httpx.RemoteProtocolError]
)
async def test_reads_are_retried(make: Callable[..., XentralClient], failure: Step) -> None:
    script = Script(failure, failure)
    await read(make(script))
    assert len(script.requests) == 3


async def test_read_backoff_grows_with_jitter(make: Callable[..., XentralClient], clock: FakeClock) -> None:
    await read(make(Script(503, 503, 503)))
    # equal jitter with random()=0.5: 3/4 of 0.2, 0.4, 0.8
    assert clock.sleeps == pytest.approx([0.15, 0.3, 0.6])


async def test_reads_give_up_after_max_attempts(make: Callable[..., XentralClient]) -> None:
    script = Script(*[503] * 10)
    with pytest.raises(XentralServerError) as raised:
        await read(make(script, max_attempts=3))
    assert raised.value.status_code == 503
    assert len(script.requests) == 3


@pytest.mark.parametrize("status", [500, 400, 404, 401])
async def test_other_errors_are_not_retried(make: Callable[..., XentralClient], status: int) -> None:
    script = Script(status)
    with pytest.raises(XentralError):
        await read(make(script))
    assert len(script.requests) == 1


# --- writes ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("failure", [429, (429, {"Retry-After": "1"}), httpx.ConnectError, httpx.ConnectTimeout])
async def test_writes_are_retried_when_they_surely_did_not_land(
    make: Callable[..., XentralClient], failure: Step
) -> None:
    script = Script(failure, 201)
    await write(make(script))
    assert len(script.requests) == 2


@pytest.mark.parametrize(
    ("failure", "error"),
    [
        (503, XentralServerError),
        (502, XentralServerError),
        (504, XentralServerError),
        (httpx.ReadTimeout, XentralTimeout),
        (httpx.WriteTimeout, XentralTimeout),
        (httpx.RemoteProtocolError, XentralConnectionLost),
        (httpx.ReadError, XentralConnectionLost),
    ],
)
async def test_writes_that_may_have_landed_are_not_retried(
    make: Callable[..., XentralClient], failure: Step, error: type[XentralError]
) -> None:
    script = Script(failure, 201)
    with pytest.raises(error):
        await write(make(script))
    assert len(script.requests) == 1


# --- Retry-After and the deadline ---------------------------------------------------------------


async def test_retry_after_is_honoured(make: Callable[..., XentralClient], clock: FakeClock) -> None:
    await read(make(Script((429, {"Retry-After": "3"}))))
    assert clock.sleeps == [3.0]


async def test_ratelimit_reset_is_the_fallback(make: Callable[..., XentralClient], clock: FakeClock) -> None:
    import time

    reset = str(int(time.time()) + 4)
    await read(make(Script((429, {"X-RateLimit-Reset": reset}))))
    assert len(clock.sleeps) == 1 and 2.0 <= clock.sleeps[0] <= 4.0


async def test_a_wait_beyond_the_budget_fails_at_once_with_retry_after(
    make: Callable[..., XentralClient], clock: FakeClock
) -> None:
    script = Script((429, {"Retry-After": "30"}))
    with pytest.raises(XentralTooManyRequests) as raised:
        await write(make(script, wait_budget=10.0))
    assert raised.value.retry_after == 30.0
    assert len(script.requests) == 1
    assert clock.sleeps == []


async def test_backoff_stops_at_the_deadline(make: Callable[..., XentralClient], clock: FakeClock) -> None:
    script = Script(*[503] * 20)
    with pytest.raises(XentralServerError):
        await read(make(script, max_attempts=20, wait_budget=1.0, base_delay=0.4, max_delay=0.4))
    assert sum(clock.sleeps) <= 1.0
    assert len(script.requests) == 4  # waits of 0.3 each: 3 fit into 1 s


# --- the limiter in the loop ----------------------------------------------------------------------


async def test_every_attempt_takes_a_slot_and_exhaustion_is_typed(
    make: Callable[..., XentralClient], clock: FakeClock
) -> None:
    pacer = InProcessRateLimiter(2, 60.0, clock=clock.monotonic, sleep=clock.sleep)
    script = Script(503)
    client = make(script, limiter=pacer, wait_budget=5.0)
    await read(client)  # 503 then 200: both slots used
    with pytest.raises(RateBudgetExhausted) as raised:
        await read(client)
    assert raised.value.operation == "list_products"
    assert raised.value.retry_after == pytest.approx(60.6, abs=0.5)
    assert len(script.requests) == 2  # the third was never sent


async def test_a_429_pauses_the_limiter_for_other_calls(make: Callable[..., XentralClient], clock: FakeClock) -> None:
    pacer = InProcessRateLimiter(100, 60.0, clock=clock.monotonic, sleep=clock.sleep)
    client = make(Script((429, {"Retry-After": "20"})), limiter=pacer, wait_budget=5.0)
    with pytest.raises(XentralTooManyRequests):
        await read(client)
    with pytest.raises(RateBudgetExhausted) as raised:
        await read(client)  # another call: Xentral said wait, so it does not even try
    assert raised.value.retry_after == pytest.approx(20.0)


async def test_hooks_see_retries_transport_errors_and_waits(
    make: Callable[..., XentralClient], clock: FakeClock
) -> None:
    seen: list[tuple[str, ...]] = []
    script = Script(httpx.ConnectError, 503)
    client = make(script, limiter=InProcessRateLimiter(100, 60.0, clock=clock.monotonic, sleep=clock.sleep))
    client._on_retry = lambda operation, reason: seen.append(("retry", operation, reason))
    client._on_transport_error = lambda operation, kind: seen.append(("transport", operation, kind))
    client._on_limiter_wait = lambda seconds: seen.append(("wait",))
    client._on_response = lambda operation, status, seconds: seen.append(("response", operation, str(status)))
    await read(client)
    assert seen == [
        ("wait",),
        ("transport", "list_products", "XentralConnectError"),
        ("retry", "list_products", "XentralConnectError"),
        ("wait",),
        ("response", "list_products", "503"),
        ("retry", "list_products", "503"),
        ("wait",),
        ("response", "list_products", "200"),
    ]


async def test_the_token_never_appears_in_errors(make: Callable[..., XentralClient], clock: FakeClock) -> None:
    errors: list[BaseException] = []
    for script, call in [
        (Script(*[httpx.ConnectError] * 5), read),
        (Script(httpx.ReadTimeout), write),
        (Script((429, {"Retry-After": "99"})), read),
    ]:
        with pytest.raises(XentralError) as raised:
            await call(make(script))
        errors.append(raised.value)
    pacer = InProcessRateLimiter(1, 60.0, clock=clock.monotonic, sleep=clock.sleep)
    client = make(Script(), limiter=pacer)
    await read(client)
    with pytest.raises(RateBudgetExhausted) as exhausted:
        await read(client)
    errors.append(exhausted.value)
    assert isinstance(errors[0], XentralConnectError)
    for error in errors:
        assert TOKEN not in str(error) and TOKEN not in repr(error)


def test_policy_rules() -> None:
    policy = RetryPolicy()
    limited = XentralTooManyRequests(429, None, "op", retry_after=2.5)
    assert policy.next_delay(limited, attempt=1, is_write=True) == 2.5
    assert policy.next_delay(limited, attempt=policy.max_attempts, is_write=False) is None
    assert policy.next_delay(XentralServerError(503, None, "op"), attempt=1, is_write=True) is None
    assert policy.next_delay(XentralServerError(503, None, "op"), attempt=1, is_write=False) is not None
    with pytest.raises(ValueError):
        RetryPolicy(max_attempts=0)
