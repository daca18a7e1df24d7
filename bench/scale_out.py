"""Several `serve` processes on one PostgreSQL and one Redis against the sandbox — printed, not asserted.

    python bench/scale_out.py                          # every scenario
    python bench/scale_out.py throughput --orders 3000 # 1 vs 3 processes, distinct synchronous orders
    python bench/scale_out.py one-reference --requests 1000
    python bench/scale_out.py burst --orders 300 --window 3 --runs 3
    python bench/scale_out.py kill --orders 300 --window 3
    python bench/scale_out.py stop --orders 300 --window 3

`throughput`: the sandbox without a rate limit, N distinct synchronous orders sent by 32 clients at
once, round-robin over 1, then 3 processes: orders per second, their ratio, median and p99.
`one-reference`: N requests of one order (one reference) spread over 3 processes: how many orders.
`burst`: N async orders spread over 3 processes with the sandbox's rate limit on (100 calls per
`--window` seconds, Xentral's minute scaled down; our limit the same, shared in Redis), against one
process: the sandbox's 429s, the most calls it counted in one of its windows (100 is the limit) and
Xentral calls per order. `kill`: the same burst on 3 processes, one of them killed (SIGKILL) mid-burst:
every order completed, each imported once; the killed process's orders resume when their lease
(`--lease`, the service's default 60 s) runs out. `stop`: the same burst on 3 processes, and while
synchronous orders to the first are in flight, SIGTERM to it (as systemd or a container runtime
stops it): their answers, how long it took to exit, and every order completed once by the others.

Needs PostgreSQL (UOA_TEST_DATABASE_URL, a throw-away schema per run) and Redis (UOA_TEST_REDIS_URL;
the bench uses its database 3 and empties it). The sandbox runs in a process of its own, so the load
generator here shares no interpreter with it or the service. On a 2-core machine every process competes
for the same two cores: say the core count with the figures.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import httpx
import redis

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.support.databases import postgres_schema
from tests.support.processes import ServiceProcess, checkout_env, free_port, service_env
from xentral_sandbox.config import SandboxConfig
from xentral_sandbox.testing import SandboxHandle, running_sandbox

API_KEY = "bench-key-0123456789"
TOKEN = "bench-token"
ADMIN = {"X-Sandbox-Token": TOKEN}
IMPORT = "POST /api/v1/salesOrders/actions/import"
CLIENTS = 32
UNLIMITED = 1_000_000
# A client's idle connection expires before serve closes it (UOA_LIMITS__KEEP_ALIVE_SECONDS, 5 s): with equal
# times (httpx's default is 5 s too) a request sent on a connection the server is closing gets no answer.
CLIENT_LIMITS = httpx.Limits(keepalive_expiry=2.0)
LOGS: Path | None = None
"""Where the serve processes' logs are kept (`--logs`); a temporary directory, gone after the run, without."""
LOG_LEVEL = "WARNING"


@dataclass(frozen=True, slots=True)
class Answer:
    """One request's answer: its status (0 for none), seconds, and for a problem its code, detail and
    Retry-After."""

    status: int
    seconds: float
    code: str = ""
    detail: str = ""
    retry_after: float = 0.0


@contextmanager
def sandbox_process(rate_limit: int | None, window: float) -> Iterator[str]:
    port = free_port()
    code = (
        "import sys; from xentral_sandbox.config import SandboxConfig; from xentral_sandbox.server import serve; "
        f"serve('127.0.0.1', {port}, SandboxConfig(token={TOKEN!r}, rate_limit={rate_limit!r}, "
        f"rate_window_seconds={window!r}))"
    )
    process = subprocess.Popen(
        [sys.executable, "-c", code], env=checkout_env(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(f"{url}/_sandbox/health", headers=ADMIN, timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("the sandbox did not start")
            time.sleep(0.1)
        yield url
    finally:
        process.terminate()
        process.wait(10)


@contextmanager
def local_sandbox(rate_limit: int | None, window: float) -> Iterator[SandboxHandle]:
    """The sandbox in this process, where the orders it holds can be counted (the rate-limited scenarios send
    too little to compete with the load generator)."""
    with running_sandbox(SandboxConfig(token=TOKEN, rate_limit=rate_limit, rate_window_seconds=window)) as sandbox:
        yield sandbox


@contextmanager
def services(
    count: int, label: str, *, rate_limit: int | None = None, window: float = 60.0, local: bool = False, **extra: Any
) -> Iterator[Any]:
    """A sandbox (its URL, and its handle when `local`), an empty PostgreSQL schema, an empty Redis database
    and `count` serve processes on them, logging to `label`-serve-N.log (in `LOGS`, when given)."""
    redis_url = os.environ.get("UOA_TEST_REDIS_URL", "redis://127.0.0.1:6379/0").rsplit("/", 1)[0] + "/3"
    redis.Redis.from_url(redis_url).flushdb()
    with ExitStack() as stack:
        tmp = Path(stack.enter_context(tempfile.TemporaryDirectory()))
        handle = stack.enter_context(local_sandbox(rate_limit, window)) if local else None
        sandbox = handle.base_url if handle else stack.enter_context(sandbox_process(rate_limit, window))
        database = stack.enter_context(postgres_schema())
        env = service_env(
            xentral_url=sandbox,
            token=TOKEN,
            database_url=database,
            api_key=API_KEY,
            extra={
                "UOA_REDIS_URL": redis_url,
                "UOA_XENTRAL_RATE_LIMIT_PER_MINUTE": str(rate_limit or UNLIMITED),
                "UOA_XENTRAL_RATE_WINDOW_SECONDS": str(window),
                "UOA_REDIS_FALLBACK_SHARE": str(1 / count),
                "UOA_LOG_LEVEL": LOG_LEVEL,
                **extra,
            },
        )
        logs = LOGS or tmp
        processes = [ServiceProcess(env, logs / f"{label}-serve-{n}.log") for n in range(count)]
        for process in processes:
            stack.callback(process.stop)
        for process in processes:
            process.wait_ready(90)
        yield sandbox, processes, handle


def order(reference: str, n: int) -> dict[str, Any]:
    return {
        "reference": reference,
        "customer": {
            "email": f"scale{n % 50}@example.com",  # 50 customers: created once, then returning
            "name": f"Scale Customer {n % 50}",
            "street": "Benchstr. 1",
            "zip": "10115",
            "city": "Berlin",
            "country": "DE",
        },
        "items": [{"sku": "ART-001", "quantity": 1 + n % 3}, {"sku": "ART-002", "quantity": 1}],
        "shipping": "dhl_standard",
        "payment": "paypal",
    }


async def send_all(urls: list[str], bodies: list[dict[str, Any]], headers: dict[str, str]) -> list[Answer]:
    """Every body once, round-robin over `urls`, `CLIENTS` at a time; the answers in the bodies' order."""
    queue: asyncio.Queue[tuple[int, dict[str, Any]]] = asyncio.Queue()
    for n, body in enumerate(bodies):
        queue.put_nowait((n, body))
    results: list[Answer] = [Answer(0, 0.0)] * len(bodies)

    async def client() -> None:
        async with httpx.AsyncClient(
            headers={"X-API-Key": API_KEY, **headers}, timeout=120, limits=CLIENT_LIMITS
        ) as http:
            while not queue.empty():
                n, body = queue.get_nowait()
                results[n] = await post(http, urls[n % len(urls)], body)

    await asyncio.gather(*(client() for _ in range(CLIENTS)))
    return results


async def post(http: httpx.AsyncClient, url: str, body: dict[str, Any]) -> Answer:
    started = time.perf_counter()
    try:
        answer = await http.post(f"{url}/api/orders", json=body)
    except httpx.HTTPError as error:
        print(f"  {body['reference']}: no answer ({type(error).__name__})")
        return Answer(0, time.perf_counter() - started, type(error).__name__)
    return answer_of(answer, time.perf_counter() - started)


def answer_of(answer: httpx.Response, seconds: float) -> Answer:
    if answer.status_code < 300:
        return Answer(answer.status_code, seconds)
    problem = answer.json() if answer.headers.get("content-type", "").endswith("json") else {}
    return Answer(
        answer.status_code,
        seconds,
        str(problem.get("code", "")),
        str(problem.get("detail", "")),
        float(answer.headers.get("retry-after") or 0),
    )


def retry_until_answered(urls: list[str], bodies: list[dict[str, Any]], attempts: int = 10) -> list[Answer]:
    """As a client does with a retryable answer: the same request again after Retry-After, until it gets
    one that is not retryable (or `attempts` run out). The last answer each."""

    async def one(http: httpx.AsyncClient, n: int, body: dict[str, Any]) -> Answer:
        answer = Answer(0, 0.0)
        for _ in range(attempts):
            answer = await post(http, urls[n % len(urls)], body)
            if answer.status not in (0, 409, 502, 503, 504) or answer.code == "reference_taken":
                break
            await asyncio.sleep(max(1.0, answer.retry_after))
        return answer

    async def every() -> list[Answer]:
        async with httpx.AsyncClient(headers={"X-API-Key": API_KEY}, timeout=120, limits=CLIENT_LIMITS) as http:
            return list(await asyncio.gather(*(one(http, n, body) for n, body in enumerate(bodies))))

    return asyncio.run(every())


def print_problems(bodies: list[dict[str, Any]], answers: list[Answer]) -> list[dict[str, Any]]:
    """Each request not answered 201/202 with its code and detail; those bodies."""
    failed = [(body, answer) for body, answer in zip(bodies, answers, strict=True) if answer.status not in (201, 202)]
    for body, answer in failed[:20]:
        print(f"  {body['reference']}: {answer.status} {answer.code} after {answer.seconds:.1f} s: {answer.detail}")
    if len(failed) > 20:
        print(f"  … and {len(failed) - 20} more")
    return [body for body, _ in failed]


def resident_mb(pid: int) -> float:
    """The process's resident memory now (Linux /proc)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def sandbox_calls(sandbox: str) -> list[dict[str, Any]]:
    return list(httpx.get(f"{sandbox}/_sandbox/calls", headers=ADMIN, timeout=60).json()["calls"])


def imports_per_reference(calls: list[dict[str, Any]]) -> Counter[str]:
    """Successful imports by the reference they carried: 1 each means every order was made once."""
    return Counter(
        json.loads(call["body"])["externalOrderNumber"]
        for call in calls
        if call["operation"] == IMPORT and call["status"] == 201 and call["body"]
    )


def throughput(orders: int) -> None:
    print(f"\n== {orders} distinct synchronous orders, {CLIENTS} clients at once, sandbox without rate limit")
    rates = {}
    for count in (1, 3):
        with services(count, f"throughput-{count}") as (sandbox, processes, _):
            urls = [p.base_url for p in processes]
            bodies = [order(f"TP{count}-{n}", n) for n in range(orders)]
            started = time.perf_counter()
            results = asyncio.run(send_all(urls, bodies, {}))
            elapsed = time.perf_counter() - started
            memory = [resident_mb(p.pid) for p in processes]
            unanswered = print_problems(bodies, results)
            retried = retry_until_answered(urls, unanswered) if unanswered else []
            imports = imports_per_reference(sandbox_calls(sandbox))
        seconds = [answer.seconds for answer in results if answer.status == 201]
        statuses = Counter(answer.status for answer in results)
        rates[count] = len(seconds) / elapsed
        print(
            f"{count} process{'es' if count > 1 else ''}: {rates[count]:.1f} orders/s ({elapsed:.1f} s), "
            f"median {statistics.median(seconds) * 1000:.0f} ms, p99 {percentile(seconds, 0.99) * 1000:.0f} ms, "
            f"answers {dict(statuses)}; resident memory {', '.join(f'{m:.0f}' for m in memory)} MB"
        )
        if unanswered:
            print(
                f"  the {len(unanswered)} sent again, as their client would: {dict(Counter(a.status for a in retried))}"
            )
        made = Counter(imports[str(body["reference"])] for body in bodies)
        print(f"  orders in Xentral per reference: {dict(sorted(made.items()))} (every reference once expected)")
    print(f"throughput ratio 3 : 1 = {rates[3] / rates[1]:.2f} (load average {os.getloadavg()[0]:.1f})")


def one_reference(requests: int) -> None:
    print(f"\n== {requests} requests of one order (one reference) spread over 3 processes")
    with services(3, "one-reference") as (sandbox, processes, _):
        bodies = [order("ONE-REFERENCE", 1)] * requests
        results = asyncio.run(send_all([p.base_url for p in processes], bodies, {}))
        calls = sandbox_calls(sandbox)
    print(f"answers: {dict(Counter((answer.status, answer.code) for answer in results))}")
    print(f"orders imported in Xentral: {sum(imports_per_reference(calls).values())} (one expected)")


def wait_completed(urls: list[str], references: list[str], timeout: float) -> dict[str, str]:
    deadline = time.monotonic() + timeout
    states: dict[str, str] = {}
    pending = set(references)
    with httpx.Client(headers={"X-API-Key": API_KEY}, timeout=30, limits=CLIENT_LIMITS) as http:
        while pending and time.monotonic() < deadline:
            time.sleep(1.0)
            for n, reference in enumerate(sorted(pending)):
                for url in urls[n % len(urls) :] + urls[: n % len(urls)]:  # a killed process does not answer
                    try:
                        answer = http.get(f"{url}/api/orders/{reference}")
                    except httpx.HTTPError:
                        continue
                    if answer.status_code != 200:  # e.g. 503 while the database is slow: look again
                        continue
                    state = answer.json()["state"]
                    states[reference] = state
                    if state in ("completed", "failed"):  # not processing, nor queued behind a held one
                        pending.discard(reference)
                    break
    return states


def print_unfinished(urls: list[str], states: dict[str, str], references: list[str]) -> None:
    """Each order that did not complete: its state, its problem and its last steps, as the service shows them."""
    with httpx.Client(headers={"X-API-Key": API_KEY}, timeout=30) as http:
        for reference in [ref for ref in references if states.get(ref) != "completed"][:10]:
            body = http.get(f"{urls[0]}/api/orders/{reference}").json()
            error = body.get("error") or {}
            steps = [step.get("name") for step in body.get("steps", [])][-6:]
            print(
                f"  {reference}: {body.get('state')} {error.get('code', '')} {error.get('detail', '')}; steps {steps}"
            )


def fullest_window(calls: list[dict[str, Any]], window: float) -> int:
    """The most calls the sandbox counted in one of its windows: its rule (`xentral_sandbox/ratelimit.py`),
    a window opened by the first call after the last one closed, replayed over the arrival times."""
    start, count, most = None, 0, 0
    for arrived in sorted(float(call["timestamp"]) for call in calls):
        if start is None or arrived - start >= window:
            start, count = arrived, 0
        count += 1
        most = max(most, count)
    return most


def burst(orders: int, window: float, count: int, lease: float, kill: bool = False) -> dict[str, float]:
    extra = {"UOA_QUEUE__POLL_SECONDS": "0.05", "UOA_IDEMPOTENCY__LEASE_SECONDS": str(lease)}
    label = f"burst-{count}{'-kill' if kill else ''}"
    with services(count, label, rate_limit=100, window=window, local=True, **extra) as (sandbox, processes, handle):
        urls = [p.base_url for p in processes]
        bodies = [order(f"BURST{count}{'K' if kill else ''}-{n}", n) for n in range(orders)]
        started = time.perf_counter()
        accepted = asyncio.run(send_all(urls, bodies, {"Prefer": "respond-async"}))
        if kill:
            time.sleep(window * 2)  # mid-burst: a third of the orders in flight or claimed by it
            processes[0].kill()
            urls = urls[1:]
        # Only what was accepted: an order refused at the door (503 while the database is slow) never completes.
        print_problems(bodies, accepted)
        waited = [str(b["reference"]) for b, answer in zip(bodies, accepted, strict=True) if answer.status == 202]
        states = wait_completed(urls, waited, timeout=window * orders / 5)
        elapsed = time.perf_counter() - started
        print_unfinished(urls, states, waited)
        calls = sandbox_calls(sandbox)
        assert handle is not None
        with handle.state.lock:
            orders_made = Counter(o.get("externalOrderNumber") for o in handle.state.sales_orders.values())
    imports = imports_per_reference(calls)
    throttled = sum(1 for call in calls if call["status"] == 429)
    completed = sum(1 for state in states.values() if state == "completed")
    per_order = len(calls) / max(1, completed)
    once = sum(1 for body in bodies if orders_made[str(body["reference"])] == 1)
    answered_twice = sum(1 for body in bodies if imports[str(body["reference"])] > 1)
    label = f"{count} process{'es' if count > 1 else ''}" + (", one killed mid-burst" if kill else "")
    print(
        f"{label}: accepted {dict(Counter(a.status for a in accepted))}, completed {completed}/{orders} "
        f"in {elapsed:.1f} s; one order each in Xentral {once}/{orders} (references imported with 201 "
        f"twice: {answered_twice}); sandbox 429s {throttled}, fullest window {fullest_window(calls, window)} calls; "
        f"Xentral calls {len(calls)} ({per_order:.2f} per completed order); load average {os.getloadavg()[0]:.1f}"
    )
    by_operation = Counter(str(call["operation"]) for call in calls)
    print("  calls by operation: " + ", ".join(f"{name} {n}" for name, n in by_operation.most_common()))
    kinds = Counter(call_kind(call) for call in calls)
    print(
        f"  of them: the orders' own {kinds['order']} ({kinds['order'] / max(1, completed):.2f} per order), "
        f"lists each process loads once {kinds['lists']}, the tracking poll {kinds['tracking']}"
    )
    return {"per_order": per_order, "order_calls": kinds["order"] / max(1, completed), "throttled": throttled}


LISTS = {
    "GET /api/v1/projects",
    "GET /api/v1/shippingMethods",
    "GET /api/v1/paymentMethods",
    "GET /api/v2/salesChannels",
}
TRACKING = {"GET /api/v1/deliveries", "GET /api/v1/deliveryNotes"}


def call_kind(call: dict[str, Any]) -> str:
    """`lists`: the mapping lists a process loads at start and caches (once per process, whatever the orders);
    `tracking`: the lifecycle poll (a round per poll interval, one process per instance); `order`: the rest."""
    if call["operation"] in LISTS:
        return "lists"
    if call["operation"] in TRACKING or "updatedAt" in unquote(str(call["query"])):
        return "tracking"
    return "order"


def stop_mid_burst(orders: int, window: float, lease: float, synchronous: int = 10) -> None:
    """The async burst on 3 processes; `synchronous` orders sent to the first, and SIGTERM to it while they
    are in flight. Printed: their answers, the seconds from SIGTERM to its exit, every order made once."""
    extra = {"UOA_QUEUE__POLL_SECONDS": "0.05", "UOA_IDEMPOTENCY__LEASE_SECONDS": str(lease)}
    with services(3, "stop", rate_limit=100, window=window, local=True, **extra) as (sandbox, processes, handle):
        urls = [p.base_url for p in processes]
        bodies = [order(f"STOP-{n}", n) for n in range(orders)]
        started = time.perf_counter()
        accepted = asyncio.run(send_all(urls, bodies, {"Prefer": "respond-async"}))
        time.sleep(window)  # the burst under way, a third of it claimed by the first process
        inline = [order(f"STOP-SYNC-{n}", n) for n in range(synchronous)]
        answers: dict[str, Answer] = {}

        def place(body: dict[str, Any]) -> None:
            started = time.perf_counter()
            try:
                answer = httpx.post(f"{urls[0]}/api/orders", json=body, headers={"X-API-Key": API_KEY}, timeout=120)
                answers[str(body["reference"])] = answer_of(answer, time.perf_counter() - started)
            except httpx.HTTPError as error:
                answers[str(body["reference"])] = Answer(0, time.perf_counter() - started, type(error).__name__)

        threads = [threading.Thread(target=place, args=(body,)) for body in inline]
        for thread in threads:
            thread.start()
        # In flight for certain: each has reached Xentral (its duplicate check names its reference).
        seen = wait_seen_by_xentral(sandbox, [str(body["reference"]) for body in inline], timeout=60)
        stopping = time.perf_counter()
        processes[0].terminate()
        code = processes[0].wait(120)
        exited = time.perf_counter() - stopping
        for thread in threads:
            thread.join(120)
        at_stop = [answers[str(body["reference"])] for body in inline]
        print(
            f"{seen}/{synchronous} synchronous orders inside their Xentral calls at SIGTERM: answers "
            f"{dict(Counter((a.status, a.code) for a in at_stop))}; the process exited {exited:.1f} s after SIGTERM "
            f"(exit status {code}; -15 is uvicorn's clean exit: it re-raises the signal)"
        )
        print_problems(inline, at_stop)
        # As their clients would: what got no 201 is sent again, to the processes still running.
        again = [body for body, answer in zip(inline, at_stop, strict=True) if answer.status != 201]
        for body, answer in zip(again, retry_until_answered(urls[1:], again) if again else [], strict=True):
            answers[str(body["reference"])] = answer
        if again:
            print(
                f"  the {len(again)} sent again: {dict(Counter((answers[str(b['reference'])].status) for b in again))}"
            )
        references = [str(b["reference"]) for b in bodies + inline]
        print_problems(bodies, accepted)
        waited = [str(b["reference"]) for b, answer in zip(bodies, accepted, strict=True) if answer.status == 202]
        waited += [ref for ref, answer in answers.items() if answer.status == 201]
        states = wait_completed(urls[1:], waited, timeout=window * orders / 5)
        elapsed = time.perf_counter() - started
        print_unfinished(urls[1:], states, waited)
        calls = sandbox_calls(sandbox)
        assert handle is not None
        with handle.state.lock:
            orders_made = Counter(o.get("externalOrderNumber") for o in handle.state.sales_orders.values())
    unanswered = [ref for ref, answer in answers.items() if answer.status != 201]
    expected = waited
    completed = sum(1 for ref in expected if states.get(ref) == "completed")
    once = sum(1 for ref in expected if orders_made[ref] == 1)
    twice = sum(1 for ref in references if orders_made[ref] > 1)
    print(
        f"accepted {dict(Counter(a.status for a in accepted))}; completed {completed}/{len(expected)} orders (async "
        f"and synchronous) in {elapsed:.1f} s, one order each in Xentral {once}/{len(expected)}, made twice {twice}; "
        f"synchronous ones still without a 201 (orders made of them: {sum(orders_made[r] for r in unanswered)}): "
        f"{len(unanswered)}; sandbox 429s {sum(1 for call in calls if call['status'] == 429)}; "
        f"load average {os.getloadavg()[0]:.1f}"
    )


def wait_seen_by_xentral(sandbox: str, references: list[str], timeout: float) -> int:
    """Until each reference is in a call Xentral received (its query or body); how many were."""
    deadline = time.monotonic() + timeout
    seen: set[str] = set()
    while time.monotonic() < deadline:
        text = " ".join(unquote(str(call["query"])) + str(call["body"]) for call in sandbox_calls(sandbox))
        seen = {reference for reference in references if reference in text}
        if len(seen) == len(references):
            break
        time.sleep(0.1)
    return len(seen)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument(
        "scenario", nargs="?", default="all", choices=["all", "throughput", "one-reference", "burst", "kill", "stop"]
    )
    parser.add_argument("--orders", type=int, default=None, help="throughput: 3000; burst, kill: 300")
    parser.add_argument("--requests", type=int, default=1000)
    parser.add_argument("--window", type=float, default=3.0, help="the sandbox's rate window in seconds")
    parser.add_argument(
        "--lease",
        type=float,
        default=60.0,
        help="idempotency.lease_seconds: how soon a killed process's orders resume (serve refuses one shorter than "
        "a Xentral write may take, 45 s with the default timeouts)",
    )
    parser.add_argument("--runs", type=int, default=1, help="burst: how many times to run the 1- and 3-process bursts")
    parser.add_argument("--logs", type=Path, default=None, help="keep the serve processes' logs in this directory")
    parser.add_argument("--log-level", default="WARNING", help="the serve processes' UOA_LOG_LEVEL")
    args = parser.parse_args()
    global LOGS, LOG_LEVEL
    LOG_LEVEL = args.log_level
    if args.logs:
        args.logs.mkdir(parents=True, exist_ok=True)
        LOGS = args.logs
    print(f"{os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f} at the start")
    if args.scenario in ("all", "throughput"):
        throughput(args.orders or 3000)
    if args.scenario in ("all", "one-reference"):
        one_reference(args.requests)
    if args.scenario in ("all", "burst"):
        orders = args.orders or 300
        print(f"\n== {orders} async orders, sandbox limit 100 calls per {args.window:g} s, limiter shared in Redis")
        for _ in range(args.runs):
            one = burst(orders, args.window, 1, args.lease)
            three = burst(orders, args.window, 3, args.lease)
            print(
                f"calls per order, 3 processes vs 1: {three['per_order']:.2f} vs {one['per_order']:.2f} "
                f"(the orders' own: {three['order_calls']:.2f} vs {one['order_calls']:.2f})"
            )
    if args.scenario in ("all", "kill"):
        orders = args.orders or 300
        print(f"\n== {orders} async orders on 3 processes, one killed (SIGKILL) mid-burst; leases of {args.lease:g} s")
        burst(orders, args.window, 3, args.lease, kill=True)
    if args.scenario in ("all", "stop"):
        orders = args.orders or 300
        print(f"\n== {orders} async orders on 3 processes, SIGTERM to one with synchronous orders in flight")
        stop_mid_burst(orders, args.window, args.lease)


if __name__ == "__main__":
    main()
