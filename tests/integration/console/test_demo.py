"""`unified-order-api demo` prints where the console is and a key that signs in to it."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from tests.support.processes import checkout_env, free_port

from .conftest import sign_in

pytestmark = pytest.mark.slow


def test_the_demo_prints_the_console_url_and_a_key_that_signs_in(tmp_path: Path) -> None:
    port = free_port()
    env = checkout_env({k: v for k, v in os.environ.items() if not k.startswith("UOA_")} | {"UOA_LOG_LEVEL": "WARNING"})
    demo = subprocess.Popen(
        [sys.executable, "-m", "unified_order_api.cli", "demo", "--port", str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env=env,
        cwd=tmp_path,
    )
    try:
        assert demo.stdout is not None
        banner = ""
        while "Console:" not in banner:
            line = demo.stdout.readline()
            assert line, "the demo exited before printing its banner"
            banner += line
        match = re.search(r"Console:\s+(http://\S+/console/)\s+\(sign in with the admin key: (\S+)\)", banner)
        assert match, banner
        url, key = match.groups()
        assert url == f"http://127.0.0.1:{port}/console/"
        base = url.removesuffix("/console/")
        with httpx.Client(base_url=base, timeout=10) as client:
            deadline = time.monotonic() + 60
            while True:  # the banner comes before the server listens
                try:
                    client.get("/healthz")
                    break
                except httpx.TransportError:
                    assert time.monotonic() < deadline, "the demo did not start listening"
                    time.sleep(0.1)
            assert sign_in(client, key=key).status_code == 303
            assert '<strong id="operator">admin</strong>' in client.get("/console/").text
    finally:
        demo.terminate()
        try:
            demo.wait(timeout=15)
        except subprocess.TimeoutExpired:
            demo.kill()
            demo.wait()
