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
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import structlog

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.support.processes import ServiceProcess, service_env
from xentral_sandbox.config import SandboxConfig
from xentral_sandbox.testing import SandboxHandle, running_sandbox

API_KEY = "bench-key"
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
def _stack(sandbox_config: SandboxConfig, **overrides: Any) -> Iterator[tuple[SandboxHandle, str, list[str]]]:
    """The sandbox in this process (its call log is read directly), the service in a process of its own,
    so the load generator here does not share the service's interpreter lock."""
    with tempfile.TemporaryDirectory() as tmp, running_sandbox(sandbox_config) as sandbox:
        skus = _add_products(sandbox)
        service = ServiceProcess(_service_env(sandbox, Path(tmp), **overrides), Path(tmp) / "service.log")
        try:
            service.wait_ready()
            yield sandbox, service.base_url, skus
        finally:
            service.stop()


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
        _stack(SandboxConfig(rate_limit=None), **overrides) as (sandbox, url, skus),
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


async def _burst(url: str, bodies: list[dict[str, Any]]) -> tuple[list[int], float, float, list[float], list[float]]:
    limits = httpx.Limits(max_connections=50)
    async with httpx.AsyncClient(base_url=url, headers={"X-API-Key": API_KEY}, timeout=120, limits=limits) as client:
        started = time.perf_counter()
        started_wall = time.time()
        accept_seconds: list[float] = []

        async def send(body: dict[str, Any]) -> httpx.Response:
            sent = time.perf_counter()
            response = await client.post("/api/orders", json=body, headers={"Prefer": "respond-async"})
            accept_seconds.append(time.perf_counter() - sent)
            return response

        accepted = await asyncio.gather(*(send(body) for body in bodies))
        statuses = [response.status_code for response in accepted]
        pending = {body["reference"] for body in bodies}
        finished_at: list[float] = []
        while pending:
            await asyncio.sleep(1.0)  # polling competes with the worker for the database: keep it light
            for reference in list(pending):
                status = (await client.get(f"/api/orders/{reference}")).json()
                if status["state"] != "processing":
                    pending.discard(reference)
                    finished_at.append(time.perf_counter() - started)
                    statuses.append(200 if status["state"] == "completed" else 500)
        return statuses, started_wall, time.perf_counter() - started, finished_at, accept_seconds


def burst(orders: int, window: float, limit: int, returning_share: float, seed: int = 11) -> None:
    rng = random.Random(seed)
    sandbox_config = SandboxConfig(rate_limit=limit, rate_window_seconds=window)
    overrides = {
        "xentral_rate_limit_per_minute": limit,
        "xentral_rate_window_seconds": window,
        "queue": {"poll_seconds": 0.05},  # default concurrency (8 lanes)
    }
    with _stack(sandbox_config, **overrides) as (sandbox, url, skus):
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
        statuses, started_wall, polled, finished_at, accept_seconds = asyncio.run(_burst(url, bodies))
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
        f"p99 {_percentile(accept_latencies, 0.99) * 1000:.0f} ms (300 arriving at once)"
    )
    per_window = [0] * (int(elapsed // window) + 1)
    for record in records:
        per_window[int((record.timestamp - started_wall) // window)] += 1
    print(f"Xentral calls per window: {per_window}")
    print(
        f"last Xentral call {elapsed:.1f} s after the burst ({elapsed / window:.2f} windows); "
        f"all seen completed by polling after {polled:.1f} s; median seen {statistics.median(finished_at):.1f} s"
    )


def main() -> None:
    structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(logging.WARNING))
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("scenario", nargs="?", choices=["calls", "burst", "all"], default="all")
    parser.add_argument("--orders", type=int, default=None)
    parser.add_argument("--window", type=float, default=3.0, help="seconds that stand for Xentral's minute")
    parser.add_argument("--limit", type=int, default=100)
    parser.add_argument("--returning", type=float, default=0.5, help="share of returning customers in the burst")
    args = parser.parse_args()
    if args.scenario in ("calls", "all"):
        for mode in ("always", "when_unsure"):
            _print_calls(calls_per_order(args.orders or 60, mode))
    if args.scenario in ("burst", "all"):
        burst(args.orders or 300, args.window, args.limit, args.returning)


if __name__ == "__main__":
    main()
