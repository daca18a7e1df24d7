"""Child processes for tests: `unified-order-api serve` for crash (SIGKILL) and multi-instance tests, and the
environment every child Python starts with.

A child runs `sys.executable` with this checkout's `src` first on PYTHONPATH (`checkout_env`): a copy of
the repository tested with another checkout's environment then still runs its own code, not the code
that environment's editable install points at.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import httpx

REPO_ROOT = Path(__file__).resolve().parents[2]
SOURCE = REPO_ROOT / "src"


def checkout_env(env: Mapping[str, str] | None = None) -> dict[str, str]:
    """`env` (default: this process's environment) with this checkout's `src` and root first on PYTHONPATH."""
    child = dict(os.environ if env is None else env)
    paths = [str(SOURCE), str(REPO_ROOT), *filter(None, [child.get("PYTHONPATH")])]
    child["PYTHONPATH"] = os.pathsep.join(paths)
    return child


def serve_refusal(tmp_path: Path, **settings: str) -> subprocess.CompletedProcess[str]:
    """`serve` started with only these `UOA_*` settings (no inherited environment), for start-up refusals."""
    return cli_refusal(tmp_path, ["serve", "--port", "1"], **settings)


def cli_refusal(tmp_path: Path, command: list[str], **settings: str) -> subprocess.CompletedProcess[str]:
    """`unified-order-api <command>` run with only these `UOA_*` settings (no inherited environment)."""
    env = checkout_env({"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), **settings})
    return subprocess.run(
        [sys.executable, "-m", "unified_order_api.cli", *command],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        cwd=tmp_path,
    )


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def service_env(
    *, xentral_url: str, token: str, database_url: str, api_key: str, extra: dict[str, Any] | None = None
) -> dict[str, str]:
    env = checkout_env({k: v for k, v in os.environ.items() if not k.startswith("UOA_")})
    env.update(
        {
            "UOA_XENTRAL_URL": xentral_url,
            "UOA_XENTRAL_TOKEN": token,
            "UOA_DATABASE_URL": database_url,
            "UOA_CLIENTS": json.dumps([{"name": "shop", "api_key": api_key}]),
            "UOA_SHIPPING_MAP": json.dumps({"dhl_standard": "1"}),
            "UOA_PAYMENT_MAP": json.dumps({"paypal": "2"}),
            "UOA_LOG_LEVEL": "WARNING",
        }
    )
    for key, value in (extra or {}).items():
        env[key] = value if isinstance(value, str) else json.dumps(value)
    return env


class ServiceProcess:
    def __init__(self, env: dict[str, str], log_path: Path) -> None:
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self._log = log_path.open("ab")
        self._process = subprocess.Popen(
            [sys.executable, "-m", "unified_order_api.cli", "serve", "--port", str(self.port)],
            env=env,
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )

    def wait_ready(self, timeout: float = 30.0) -> ServiceProcess:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                raise RuntimeError(f"service exited with {self._process.returncode}; see {self._log.name}")
            try:
                if httpx.get(f"{self.base_url}/healthz", timeout=1).status_code == 200:
                    return self
            except httpx.TransportError:
                pass
            time.sleep(0.05)
        raise RuntimeError("service did not become ready")

    @property
    def pid(self) -> int:
        return self._process.pid

    def terminate(self) -> None:
        """SIGTERM, as systemd or a container runtime stops the service; `wait` for its exit."""
        self._process.send_signal(signal.SIGTERM)

    def wait(self, timeout: float) -> int:
        return self._process.wait(timeout)

    def kill(self) -> None:
        """SIGKILL: no shutdown hooks, no flushing; what is on disk is all that survives."""
        self._process.send_signal(signal.SIGKILL)
        self._process.wait(10)

    def stop(self) -> None:
        if self._process.poll() is None:
            self._process.terminate()
            try:
                self._process.wait(10)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait(5)
        self._log.close()
