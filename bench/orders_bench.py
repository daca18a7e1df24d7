"""Xentral calls per order, latency, and throughput under Xentral's rate limit — printed, not asserted.

    python bench/orders_bench.py                 # all scenarios
    python bench/orders_bench.py calls           # calls per order and latency, upstream check on and off
    python bench/orders_bench.py burst --orders 300 --window 3

`calls`: a mix of new and returning customers with 1-10 items, sent one after another to the
service backed by the sandbox (no rate limit), so every sandbox call is attributed to its order.
The naive sequence is what a shop does by hand: customer search, create when new, one product
lookup per item, import (and, to learn the order number, one read-back).

`burst`: the sandbox enforces 100 requests per `--window` seconds (Xentral's minute scaled down)
and our limiter is set to the same; N orders are sent at once through the async lane
(`Prefer: respond-async`) and we time until all are completed.

`sync`: synchronous orders of returning customers (warm caches): one alone, then 20 at once
(Xentral calls per order and latency), then one alone with the sandbox answering every call
after 150 ms: its wall time against its upstream critical path (the time at least one of its
Xentral calls was open), and where the rest went.

`writes`: what each durable write of an order costs on SQLite (claim, progress save, completion),
and where the time of a 202 goes, timed in process without HTTP.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import random
import statistics
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

import httpx
import structlog

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.support.processes import ServiceProcess, service_env
from xentral_sandbox.config import SandboxConfig
from xentral_sandbox.testing import SandboxHandle, running_sandbox

API_KEY = "bench-key-0123456789"
EXTRA_PRODUCTS = 40


def _add_products(sandbox: SandboxHandle) -> list[str]:
    skus = ["ART-001", "ART-002", "ART-003", "BOOK-001"]
    for n in range(EXTRA_PRODUCTS):
        sku = f"BENCH-{n:03d}"
        sandbox.state.add_product(
            {
                "number": sku,
                "name": f"Bench product {n}",
                "project": "1",
                "salesPriceNet": "10.00",
                "salesPriceGross": "11.90",
                "isDisabled": False,
            }
        )
        skus.append(sku)
    return skus


def _service_env(sandbox: SandboxHandle, tmp: Path, **overrides: Any) -> dict[str, str]:
    """The service's configuration as the environment of its own process."""
    values: dict[str, Any] = {
        "database_url": f"sqlite+aiosqlite:///{tmp}/bench-{time.monotonic_ns()}.db",
        "log_level": "WARNING",
        **overrides,
    }
    database_url = values.pop("database_url")
    extra = {f"UOA_{key.upper()}": value for key, value in values.items()}
    return service_env(
        xentral_url=sandbox.base_url, token=sandbox.token, database_url=database_url, api_key=API_KEY, extra=extra
    )


def _order(n: int, skus: list[str], rng: random.Random, email: str) -> dict[str, Any]:
    items = rng.sample(skus, rng.randint(1, 10))
    return {
        "reference": f"BENCH-{time.time_ns()}-{n}",
        "customer": {
            "email": email,
            "name": f"Bench Customer {n}",
            "street": "Benchstr. 1",
            "zip": "10115",
            "city": "Berlin",
            "country": "DE",
        },
        "items": [{"sku": sku, "quantity": rng.randint(1, 3)} for sku in items],
        "shipping": "dhl_standard",
        "payment": "paypal",
    }


@contextmanager
def _stack(
    sandbox_config: SandboxConfig, **overrides: Any
) -> Iterator[tuple[SandboxHandle, str, list[str], ServiceProcess]]:
    """The sandbox in this process (its call log is read directly), the service in a process of its own,
    so the load generator here does not share the service's interpreter lock."""
    with tempfile.TemporaryDirectory() as tmp, running_sandbox(sandbox_config) as sandbox:
        skus = _add_products(sandbox)
        service = ServiceProcess(_service_env(sandbox, Path(tmp), **overrides), Path(tmp) / "service.log")
        try:
            service.wait_ready()
            yield sandbox, service.base_url, skus, service
        finally:
            service.stop()


def _cpu_seconds(pid: int) -> float:
    """User + system CPU time a process has used so far (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def calls_per_order(orders: int, upstream_check: str, seed: int = 7) -> dict[str, Any]:
    rng = random.Random(seed)
    known_emails: list[str] = []
    rows: list[dict[str, Any]] = []
    # The sandbox has no limit here and neither do we: this scenario counts calls, not pacing.
    overrides = {"idempotency": {"upstream_check": upstream_check}, "xentral_rate_limit_per_minute": 1_000_000}
    with (
        _stack(SandboxConfig(rate_limit=None), **overrides) as (sandbox, url, skus, _service),
        httpx.Client(base_url=url, headers={"X-API-Key": API_KEY}, timeout=60) as client,
    ):
        # Warm-up: one order that names every SKU, so "warm" below means every product is cached.
        warm_up = _order(-1, skus, rng, "warmup@example.com")
        warm_up["items"] = [{"sku": sku, "quantity": 1} for sku in skus]
        sandbox.calls.clear()
        started = time.perf_counter()
        assert client.post("/api/orders", json=warm_up).status_code == 201
        cold = {
            "returning": False,
            "calls": len(sandbox.calls),
            "naive": 3 + len(skus),
            "items": len(skus),
            "seconds": time.perf_counter() - started,
            "warm": False,
        }
        for n in range(orders):
            returning = bool(known_emails) and rng.random() < 0.5
            email = rng.choice(known_emails) if returning else f"bench{n}@example.com"
            body = _order(n, skus, rng, email)
            sandbox.calls.clear()
            started = time.perf_counter()
            response = client.post("/api/orders", json=body)
            elapsed = time.perf_counter() - started
            if response.status_code != 201:
                raise SystemExit(f"order {n} failed: {response.status_code} {response.text}")
            known_emails.append(email)
            items = len(body["items"])
            rows.append(
                {
                    "returning": returning,
                    "calls": len(sandbox.calls),
                    "naive": 1 + (0 if returning else 1) + items + 1,
                    "items": items,
                    "seconds": elapsed,
                    "warm": True,
                }
            )
    return {"upstream_check": upstream_check, "rows": rows, "cold": cold}


def _print_calls(result: dict[str, Any]) -> None:
    rows = result["rows"]
    print(f"\n== Xentral calls per order (upstream duplicate check: {result['upstream_check']}), {len(rows)} orders")
    print(f"{'group':<34}{'orders':>7}{'ours':>8}{'naive':>8}{'naive+readback':>16}{'saved':>8}")
    groups = [
        (f"cold caches ({result['cold']['items']} items)", [result["cold"]]),
        ("all, warm product cache", rows),
        ("new customers, warm", [r for r in rows if not r["returning"]]),
        ("returning customers, warm", [r for r in rows if r["returning"]]),
    ]
    for name, group in groups:
        if not group:
            continue
        ours = statistics.mean(r["calls"] for r in group)
        naive = statistics.mean(r["naive"] for r in group)
        print(
            f"{name:<34}{len(group):>7}{ours:>8.2f}{naive:>8.2f}{naive + 1:>16.2f}"
            f"{(1 - ours / (naive + 1)) * 100:>7.0f}%"
        )
    most_returning = max((r["calls"] for r in rows if r["returning"]), default=0)
    most_new = max((r["calls"] for r in rows if not r["returning"]), default=0)
    print(f"most calls for one warm order: returning customer {most_returning}, new customer {most_new}")
    latencies = [r["seconds"] * 1000 for r in rows]
    print(
        f"service latency (sequential, sandbox on loopback): median {statistics.median(latencies):.1f} ms, "
        f"p99 {_percentile(latencies, 0.99):.1f} ms, max {max(latencies):.1f} ms"
    )


async def _post_raw(host: str, port: int, body: bytes) -> tuple[int, float]:
    """One `Prefer: respond-async` POST on its own connection, as a shop's webhook arrives; the
    request bytes are built beforehand, so the load generator costs next to nothing per order."""
    head = (
        f"POST /api/orders HTTP/1.1\r\nHost: {host}:{port}\r\nX-API-Key: {API_KEY}\r\n"
        f"Prefer: respond-async\r\nContent-Type: application/json\r\nContent-Length: {len(body)}\r\n"
        "Connection: close\r\n\r\n"
    ).encode()
    started = time.perf_counter()
    reader, writer = await asyncio.open_connection(host, port)
    try:
        writer.write(head + body)
        status_line = await reader.readline()
        await reader.read()  # the server closes after the answer (Connection: close)
    finally:
        writer.close()
    return int(status_line.split()[1]), time.perf_counter() - started


async def _accept_all(url: str, bodies: list[dict[str, Any]], via: str) -> tuple[list[int], list[float]]:
    """Send every body at once; `raw`: one connection each (separate webhooks), `httpx`: 50 pooled."""
    if via == "raw":
        parsed = httpx.URL(url)
        encoded = [json.dumps(body).encode() for body in bodies]
        answers = await asyncio.gather(*(_post_raw(parsed.host, parsed.port or 80, body) for body in encoded))
        return [status for status, _ in answers], [seconds for _, seconds in answers]
    limits = httpx.Limits(max_connections=50)
    async with httpx.AsyncClient(base_url=url, headers={"X-API-Key": API_KEY}, timeout=120, limits=limits) as client:

        async def send(body: dict[str, Any]) -> tuple[int, float]:
            sent = time.perf_counter()
            response = await client.post("/api/orders", json=body, headers={"Prefer": "respond-async"})
            return response.status_code, time.perf_counter() - sent

        answers = await asyncio.gather(*(send(body) for body in bodies))
    return [status for status, _ in answers], [seconds for _, seconds in answers]


async def _burst(url: str, bodies: list[dict[str, Any]]) -> tuple[list[int], float, float, list[float], list[float]]:
    started = time.perf_counter()
    started_wall = time.time()
    statuses, accept_seconds = await _accept_all(url, bodies, "raw")
    async with httpx.AsyncClient(base_url=url, headers={"X-API-Key": API_KEY}, timeout=120) as client:
        pending = {body["reference"] for body in bodies}
        finished_at: list[float] = []
        while pending:
            await asyncio.sleep(1.0)  # polling competes with the worker for the database: keep it light
            for reference in list(pending):
                status = (await client.get(f"/api/orders/{reference}")).json()
                if status["state"] not in ("processing", "queued"):
                    pending.discard(reference)
                    finished_at.append(time.perf_counter() - started)
                    statuses.append(200 if status["state"] == "completed" else 500)
        return statuses, started_wall, time.perf_counter() - started, finished_at, accept_seconds


def burst(
    orders: int,
    window: float,
    limit: int,
    returning_share: float,
    seed: int = 11,
    queue: dict[str, Any] | None = None,
    tracking: bool = True,
) -> None:
    """`tracking`: the poller runs, its interval scaled as the window is (30 s of Xentral's minute)."""
    rng = random.Random(seed)
    sandbox_config = SandboxConfig(rate_limit=limit, rate_window_seconds=window)
    overrides = {
        "xentral_rate_limit_per_minute": limit,
        "xentral_rate_window_seconds": window,
        "queue": {"poll_seconds": 0.05, **(queue or {})},  # default batch size and read wait unless given
        "tracking": {"enabled": tracking, "poll_seconds": window / 2},
    }
    print(f"burst with tracking {'on' if tracking else 'off'}")
    with _stack(sandbox_config, **overrides) as (sandbox, url, skus, service):
        # Warm up products and a pool of returning customers, then wait out the window.
        warm_emails = [f"warm{n}@example.com" for n in range(10)]
        with httpx.Client(base_url=url, headers={"X-API-Key": API_KEY}, timeout=120) as client:
            for n, email in enumerate(warm_emails):
                body = _order(n, skus, rng, email)
                body["items"] = [{"sku": sku, "quantity": 1} for sku in skus[:10]] if n == 0 else body["items"]
                client.post("/api/orders", json=body)
            client.post(
                "/api/orders",
                json={
                    **_order(99, skus, rng, "x@example.com"),
                    "items": [{"sku": s, "quantity": 1} for s in skus[10:]],
                },
            )
        time.sleep(window * 1.1)
        sandbox.calls.clear()
        bodies = []
        for n in range(orders):
            returning = rng.random() < returning_share
            email = rng.choice(warm_emails) if returning else f"burst{n}@example.com"
            bodies.append(_order(1000 + n, skus, rng, email))
        cpu_before = _cpu_seconds(service.pid)
        statuses, started_wall, polled, finished_at, accept_seconds = asyncio.run(_burst(url, bodies))
        service_cpu = _cpu_seconds(service.pid) - cpu_before
        records = sandbox.calls.records()
    # The last Xentral call ends the work; polling only tells us later.
    elapsed = max(record.timestamp + record.duration for record in records) - started_wall
    accepted = statuses[:orders]
    outcomes = statuses[orders:]
    xentral_calls = len(records)
    sandbox_429 = sum(1 for record in records if record.status == 429)
    per_order = xentral_calls / orders
    theoretical_per_window = limit / per_order
    achieved_per_window = orders / elapsed * window
    print(f"\n== Burst of {orders} async orders; Xentral limit {limit} requests per {window:g} s (scaled minute)")
    print(f"accepted: {accepted.count(202)} x 202, other: {[s for s in accepted if s != 202]}")
    print(f"completed: {outcomes.count(200)}, failed: {outcomes.count(500)}")
    print(f"429s reaching callers: {sum(1 for s in accepted if s == 429)}; 429s from the sandbox to us: {sandbox_429}")
    print(f"Xentral calls: {xentral_calls} ({per_order:.2f} per order, {returning_share:.0%} returning customers)")
    first_call = min(record.timestamp for record in records) - started_wall
    sustained_per_window = orders / (elapsed - first_call) * window
    print(
        f"throughput from the burst's first byte: {achieved_per_window:.1f} orders per window (= per real minute) "
        f"vs theoretical {theoretical_per_window:.1f} (limit / calls per order): "
        f"{achieved_per_window / theoretical_per_window:.0%}"
    )
    print(
        f"sustained, from the first Xentral call ({first_call:.2f} s in): "
        f"{sustained_per_window:.1f} orders per window: "
        f"{sustained_per_window / theoretical_per_window:.0%} of theoretical"
    )
    accept_latencies = sorted(accept_seconds)
    print(
        f"202 answers: median {statistics.median(accept_latencies) * 1000:.0f} ms, "
        f"p99 {_percentile(accept_latencies, 0.99) * 1000:.0f} ms ({orders} arriving at once, one connection each)"
    )
    shared: dict[str, list[int]] = {}
    for record in records:
        values = sum(1 for key, _ in parse_qsl(record.query) if key.startswith("filter[0][value]"))
        if record.method == "GET" and values:
            shared.setdefault(record.operation or record.path, []).append(values)
    print(
        "reads: "
        + "; ".join(
            f"{operation} {len(counts)} calls for {sum(counts)} keys ({sum(counts) / len(counts):.1f} per call)"
            for operation, counts in sorted(shared.items())
        )
    )
    writes = Counter(record.operation for record in records if record.method == "POST")
    print("writes: " + ", ".join(f"{operation} {count}" for operation, count in sorted(writes.items())))
    per_window = [0] * (int(elapsed // window) + 1)
    for record in records:
        per_window[int((record.timestamp - started_wall) // window)] += 1
    print(f"Xentral calls per window: {per_window}")
    print(
        f"last Xentral call {elapsed:.1f} s after the burst ({elapsed / window:.2f} windows); "
        f"all seen completed by polling after {polled:.1f} s; median seen {statistics.median(finished_at):.1f} s"
    )
    print(
        f"the service's CPU: {service_cpu:.1f} s in {polled:.1f} s (accepting, working, and answering "
        f"{orders} status polls a second); load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores"
    )


def _upstream_seconds(records: list[Any]) -> float:
    """How long at least one Xentral call was open: the union of the calls' intervals."""
    spans = sorted((record.timestamp, record.timestamp + record.duration) for record in records)
    total, end = 0.0, float("-inf")
    for start, stop in spans:
        if stop <= end:
            continue
        total += stop - max(start, end)
        end = stop
    return total


def _warm_returning(client: httpx.Client, skus: list[str], rng: random.Random, emails: list[str]) -> None:
    """Every product and every customer in `emails` known to Xentral and in our caches."""
    for n, email in enumerate(emails):
        body = _order(-1 - n, skus, rng, email)
        if n == 0:
            body["items"] = [{"sku": sku, "quantity": 1} for sku in skus]
        response = client.post("/api/orders", json=body)
        if response.status_code != 201:
            raise SystemExit(f"warm-up failed: {response.status_code} {response.text}")


async def _send_at_once(url: str, bodies: list[dict[str, Any]]) -> list[tuple[httpx.Response, float]]:
    async with httpx.AsyncClient(base_url=url, headers={"X-API-Key": API_KEY}, timeout=120) as client:

        async def send(body: dict[str, Any]) -> tuple[httpx.Response, float]:
            sent = time.perf_counter()
            response = await client.post("/api/orders", json=body)
            return response, time.perf_counter() - sent

        return await asyncio.gather(*(send(body) for body in bodies))


def sync_orders(concurrent: int = 20, singles: int = 10, latency: float = 0.15, seed: int = 5) -> None:
    rng = random.Random(seed)
    emails = [f"sync{n}@example.com" for n in range(concurrent)]
    overrides = {"xentral_rate_limit_per_minute": 1_000_000}
    with (
        _stack(SandboxConfig(rate_limit=None), **overrides) as (sandbox, url, skus, _service),
        httpx.Client(base_url=url, headers={"X-API-Key": API_KEY}, timeout=60) as client,
    ):
        _warm_returning(client, skus, rng, emails)

        calls, seconds = [], []
        for n in range(singles):
            body = _order(n, skus, rng, rng.choice(emails))
            sandbox.calls.clear()
            started = time.perf_counter()
            response = client.post("/api/orders", json=body)
            seconds.append(time.perf_counter() - started)
            assert response.status_code == 201, response.text
            calls.append(len(sandbox.calls))
        print("\n== Synchronous orders of returning customers (warm caches, sandbox on loopback)")
        print(
            f"one order alone ({singles} in a row): {statistics.mean(calls):.2f} Xentral calls per order, "
            f"latency median {statistics.median(seconds) * 1000:.1f} ms, max {max(seconds) * 1000:.1f} ms"
        )

        bodies = [_order(100 + n, skus, rng, emails[n]) for n in range(concurrent)]
        sandbox.calls.clear()
        answers = asyncio.run(_send_at_once(url, bodies))
        assert all(response.status_code == 201 for response, _ in answers), [r.text for r, _ in answers]
        latencies = [elapsed for _, elapsed in answers]
        counts = sandbox.calls.counts()
        print(
            f"{concurrent} at once: {len(sandbox.calls) / concurrent:.2f} Xentral calls per order "
            f"({', '.join(f'{op} {n}' for op, n in sorted(counts.items()))}); "
            f"latency median {statistics.median(latencies) * 1000:.0f} ms, max {max(latencies) * 1000:.0f} ms"
        )

        sandbox.faults.latency(latency, count=None)
        rows = []
        for n in range(9):
            body = _order(200 + n, skus, rng, rng.choice(emails))
            sandbox.calls.clear()
            started_wall = time.time()
            started = time.perf_counter()
            response = client.post("/api/orders", json=body)
            wall = time.perf_counter() - started
            assert response.status_code == 201, response.text
            records = sorted(sandbox.calls.records(), key=lambda record: record.timestamp)
            rows.append((wall, _upstream_seconds(records), records, started_wall))
        sandbox.faults.clear()
    wall, upstream, records, started_wall = sorted(rows, key=lambda row: row[0] - row[1])[len(rows) // 2]
    print(
        f"one order alone, every Xentral call answered after {latency * 1000:.0f} ms (median of {len(rows)}): "
        f"wall {wall * 1000:.0f} ms, upstream critical path {upstream * 1000:.0f} ms, "
        f"our own time {(wall - upstream) * 1000:.0f} ms = {(wall / upstream - 1) * 100:.1f} % over the path"
    )
    cursor = started_wall
    for record in records:
        gap = record.timestamp - cursor
        print(
            f"    +{(record.timestamp - started_wall) * 1000:6.0f} ms  {record.operation or record.path:<45} "
            f"{record.duration * 1000:5.0f} ms   (ours before it: {max(gap, 0.0) * 1000:4.0f} ms)"
        )
        cursor = max(cursor, record.timestamp + record.duration)
    print(f"    ours after the last call, until the answer arrived: {(started_wall + wall - cursor) * 1000:.0f} ms")


def durable_writes(orders: int = 200, seed: int = 3) -> None:
    """SQLite, in process: each durable write an order makes, and the parts of a 202."""
    asyncio.run(_durable_writes(orders, random.Random(seed)))


async def _durable_writes(orders: int, rng: random.Random) -> None:
    from tests.orders.fakes import FakeGateway
    from unified_order_api.api.schemas import OrderRequest
    from unified_order_api.orders.attempts import AttemptState, StepName
    from unified_order_api.orders.callbacks import OrderCallbacks
    from unified_order_api.orders.policy import ClientPolicy, OrderPolicies
    from unified_order_api.orders.service import OrderService
    from unified_order_api.store import migrate
    from unified_order_api.store.attempts import SqlAttemptStore
    from unified_order_api.store.database import create_engine
    from unified_order_api.webhooks.callback_targets import ClientCallbackTargets
    from unified_order_api.webhooks.targets import TargetGuard

    skus = [f"BENCH-{n:03d}" for n in range(EXTRA_PRODUCTS)]
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite+aiosqlite:///{tmp}/writes.db"
        await asyncio.to_thread(migrate.upgrade, url)
        engine = create_engine(url)
        store = SqlAttemptStore(engine)
        service = OrderService(
            gateway=FakeGateway(),  # accepting sends nothing to Xentral
            store=store,
            policies=OrderPolicies(ClientPolicy(name="")),
        )
        callbacks = OrderCallbacks(ClientCallbackTargets([], TargetGuard([])), time_now)
        timings: dict[str, list[float]] = {}

        def timed(name: str, started: float) -> None:
            timings.setdefault(name, []).append((time.perf_counter() - started) * 1000)

        bodies = [_order(n, skus, rng, f"w{n}@example.com") for n in range(orders)]
        attempts = []
        for body in bodies:
            started = time.perf_counter()
            command = OrderRequest.model_validate(body).to_command()
            timed("parse and validate the body (pydantic)", started)
            started = time.perf_counter()
            command.fingerprint()
            timed("fingerprint", started)
            started = time.perf_counter()
            command.to_json()
            timed("request as JSON for the queue", started)
            started = time.perf_counter()
            await callbacks.target("shop", command)
            timed("callback target check", started)
            started = time.perf_counter()
            accepted = await service.accept_order(command, client="shop")
            timed("accept_order (all of the above that it does + 1 INSERT)", started)
            attempts.append(accepted.attempt)
        now = time_now()
        for attempt in attempts:
            attempt.state = AttemptState.IMPORTING
            attempt.record(StepName.IMPORTING, now)
            started = time.perf_counter()
            await store.save(attempt)
            timed("progress save (UPDATE, owner-fenced)", started)
        for attempt in attempts:
            attempt.state = AttemptState.COMPLETED
            attempt.record(StepName.COMPLETED, now)
            started = time.perf_counter()
            await store.save(attempt, callbacks.created(attempt, _receipt(attempt), "https://example.com/hook"))
            timed("completion save with its outbox row", started)
        await engine.dispose()
    print(f"\n== Durable writes and the parts of a 202 (SQLite WAL, in process, {orders} orders, sequential)")
    for name, values in timings.items():
        print(f"{name:<58} median {statistics.median(values):6.2f} ms   p99 {_percentile(values, 0.99):6.2f} ms")


def time_now() -> Any:
    import datetime as dt

    return dt.datetime.now(dt.UTC)


def _receipt(attempt: Any) -> Any:
    from unified_order_api.orders.attempts import OrderReceipt

    return OrderReceipt(attempt.reference, "1", "200001", "released", "1", "10001", False, "created")


def accept_latency(orders: int = 300, seed: int = 13) -> None:
    """202s with the queue worker off: one after another (the cost of one), then all at once (queueing)."""
    rng = random.Random(seed)
    overrides = {"queue": {"run_in_service": False}}
    with _stack(SandboxConfig(rate_limit=None), **overrides) as (_sandbox, url, skus, service):
        with httpx.Client(base_url=url, headers={"X-API-Key": API_KEY, "Prefer": "respond-async"}) as client:
            sequential = []
            for n in range(100):
                body = _order(n, skus, rng, f"a{n}@example.com")
                started = time.perf_counter()
                assert client.post("/api/orders", json=body).status_code == 202
                sequential.append(time.perf_counter() - started)
        at_once, cpu = {}, {}
        for via in ("raw", "httpx"):
            bodies = [_order(1000 + n, skus, rng, f"{via}{n}@example.com") for n in range(orders)]
            before = _cpu_seconds(service.pid)
            statuses, at_once[via] = asyncio.run(_accept_all(url, bodies, via))
            cpu[via] = (_cpu_seconds(service.pid) - before) / orders
            assert statuses.count(202) == orders, statuses
    print("\n== 202 answers with the queue worker off (sandbox on loopback; the load generator shares the machine)")
    print(
        f"one after another (100): median {statistics.median(sequential) * 1000:.1f} ms, "
        f"p99 {_percentile(sequential, 0.99) * 1000:.1f} ms"
    )
    for via, label in (("raw", "one connection each"), ("httpx", "httpx client, 50 connections")):
        print(
            f"{orders} at once ({label}): median {statistics.median(at_once[via]) * 1000:.0f} ms, "
            f"p99 {_percentile(at_once[via], 0.99) * 1000:.0f} ms; the service's CPU: {cpu[via] * 1000:.1f} ms per 202"
        )


def main() -> None:
    structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(logging.WARNING))
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument(
        "scenario", nargs="?", choices=["calls", "burst", "sync", "writes", "accept", "all"], default="all"
    )
    parser.add_argument("--orders", type=int, default=None)
    parser.add_argument("--window", type=float, default=3.0, help="seconds that stand for Xentral's minute")
    parser.add_argument("--limit", type=int, default=100)
    parser.add_argument("--batch-size", type=int, default=None, help="UOA_QUEUE__BATCH_SIZE for the burst")
    parser.add_argument("--queue-coalesce-ms", type=float, default=None, help="UOA_QUEUE__COALESCE_MS for the burst")
    parser.add_argument("--tracking", choices=["on", "off"], default="on", help="the tracking poller in the burst")
    parser.add_argument("--returning", type=float, default=0.5, help="share of returning customers in the burst")
    args = parser.parse_args()
    if args.scenario in ("calls", "all"):
        for mode in ("always", "when_unsure"):
            _print_calls(calls_per_order(args.orders or 60, mode))
    if args.scenario in ("sync", "all"):
        sync_orders()
    if args.scenario in ("writes", "all"):
        durable_writes()
    if args.scenario in ("accept", "all"):
        accept_latency()
    if args.scenario in ("burst", "all"):
        queue = {"batch_size": args.batch_size} if args.batch_size else {}
        if args.queue_coalesce_ms is not None:
            queue["coalesce_ms"] = args.queue_coalesce_ms
        burst(args.orders or 300, args.window, args.limit, args.returning, queue=queue, tracking=args.tracking == "on")


if __name__ == "__main__":
    main()
