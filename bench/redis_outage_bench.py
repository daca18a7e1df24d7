"""Order latency while Redis hangs (SIGSTOP) and after it continues (SIGCONT) — printed, not asserted.

    python bench/redis_outage_bench.py [--orders 5]

Starts a redis-server of its own on a free port (never a shared one), the sandbox, and the
service in its own process with UOA_REDIS_URL set; sends orders one after another with Redis
running, stopped and continued, and prints each phase's latencies.
"""

from __future__ import annotations

import argparse
import json
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.support.processes import ServiceProcess, free_port, service_env
from xentral_sandbox.config import SandboxConfig
from xentral_sandbox.testing import running_sandbox

API_KEY = "bench-key-0123456789"


def _order(n: int) -> dict[str, Any]:
    return {
        "reference": f"REDIS-BENCH-{time.time_ns()}-{n}",
        "customer": {
            "email": f"redis-bench-{n}@example.com",
            "name": "Max Mustermann",
            "street": "Musterstraße 1",
            "zip": "12345",
            "city": "Musterstadt",
            "country": "DE",
        },
        "items": [{"sku": "ART-001", "quantity": 1}],
        "shipping": "dhl_standard",
        "payment": "paypal",
    }


def _phase(client: httpx.Client, name: str, orders: int, start: int) -> None:
    seconds = []
    for n in range(start, start + orders):
        began = time.monotonic()
        response = client.post("/api/orders", json=_order(n))
        seconds.append(time.monotonic() - began)
        if response.status_code != 201:
            print(f"  {name}: order {n} answered {response.status_code}: {response.text[:200]}")
    ready = client.get("/readyz").json().get("status")
    print(
        f"{name:<16} median {statistics.median(seconds):6.2f} s   max {max(seconds):6.2f} s   "
        f"first {seconds[0]:6.2f} s   /readyz: {ready}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--orders", type=int, default=5)
    args = parser.parse_args()
    binary = shutil.which("redis-server")
    if binary is None:
        sys.exit("needs redis-server on PATH")
    with (
        tempfile.TemporaryDirectory(prefix="uoa-redis-bench-") as tmp,
        running_sandbox(SandboxConfig(rate_limit=None)) as sandbox,
    ):
        port = free_port()
        redis = subprocess.Popen(
            [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
            cwd=tmp,
            stdout=subprocess.DEVNULL,
        )
        env = service_env(
            xentral_url=sandbox.base_url,
            token=sandbox.token,
            database_url=f"sqlite+aiosqlite:///{tmp}/bench.db",
            api_key=API_KEY,
            extra={"UOA_REDIS_URL": f"redis://127.0.0.1:{port}/0", "UOA_REDIS_RETRY_SECONDS": json.dumps(2.0)},
        )
        service = ServiceProcess(env, Path(tmp) / "service.log").wait_ready()
        try:
            with httpx.Client(base_url=service.base_url, headers={"X-API-Key": API_KEY}, timeout=120) as client:
                _phase(client, "Redis running", args.orders, 0)
                redis.send_signal(signal.SIGSTOP)
                try:
                    _phase(client, "Redis stopped", args.orders, 100)
                finally:
                    redis.send_signal(signal.SIGCONT)
                time.sleep(2.5)  # one breaker cool-down: the next call probes Redis again
                _phase(client, "Redis continued", args.orders, 200)
        finally:
            service.stop()
            redis.terminate()
            redis.wait(10)


if __name__ == "__main__":
    main()
