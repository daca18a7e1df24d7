"""`deploy/systemd/`: every unit parses, is hardened and stops gracefully, and its `ExecStart` runs.

Each command is started as its unit would start it — the unit's `Environment=` and the example
environment file, the install path replaced by this environment's — against the sandbox, then
stopped with the unit's `KillSignal` within its `TimeoutStopSec`. `systemd-analyze verify` checks
the syntax as systemd itself reads it (.ci/run installs it).
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from sqlalchemy import create_engine, text

from tests.integration.deploy.units import (
    UnitFile,
    environment_assignments,
    read_environment_file,
    read_unit,
    value,
)
from tests.support.orders import order_body
from tests.support.processes import REPO_ROOT, checkout_env, free_port
from xentral_sandbox.testing import SandboxHandle

UNITS = REPO_ROOT / "deploy" / "systemd"
INSTALLED_BIN = "/opt/unified-order-api/venv/bin"
ENVIRONMENT_FILE = "/etc/unified-order-api/environment"
UNIT_NAMES = sorted(path.name for path in UNITS.glob("*.service"))
HARDENING = {
    "NoNewPrivileges": "yes",
    "ProtectSystem": "strict",
    "ProtectHome": "yes",
    "PrivateTmp": "yes",
    "PrivateDevices": "yes",
    "DynamicUser": "yes",
    "CapabilityBoundingSet": "",
}


def unit(name: str) -> UnitFile:
    return read_unit(UNITS / name)


def test_the_units_are_there() -> None:
    assert UNIT_NAMES == [
        "unified-order-api-dispatcher.service",
        "unified-order-api-migrate.service",
        "unified-order-api@.service",
    ]


@pytest.mark.parametrize("name", UNIT_NAMES)
def test_every_unit_is_hardened_and_reads_the_environment_file(name: str) -> None:
    service = unit(name)
    for key, expected in HARDENING.items():
        assert value(service, "Service", key) == expected, key
    assert value(service, "Service", "EnvironmentFile") == ENVIRONMENT_FILE
    assert (value(service, "Service", "ExecStart") or "").startswith(f"{INSTALLED_BIN}/unified-order-api ")
    assert value(service, "Install", "WantedBy") == "multi-user.target"


@pytest.mark.parametrize("name", ["unified-order-api@.service", "unified-order-api-dispatcher.service"])
def test_long_running_units_stop_gracefully_and_come_back(name: str) -> None:
    service = unit(name)
    assert value(service, "Service", "KillSignal") == "SIGTERM"
    assert float(value(service, "Service", "TimeoutStopSec") or 0) > 0
    assert value(service, "Service", "Restart") == "on-failure"
    assert "unified-order-api-migrate.service" in (value(service, "Unit", "After") or "").split()


def test_the_example_environment_names_only_real_settings(tmp_path: Path) -> None:
    """Every UOA_* name in the example is one the service knows (an unknown one is refused at start)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("UOA_")}
    env.update(read_environment_file(UNITS / "environment.example"))
    check = subprocess.run(
        [sys.executable, "-c", "from unified_order_api.config import load_settings; load_settings()"],
        env=checkout_env(env),
        capture_output=True,
        text=True,
        timeout=60,
        cwd=tmp_path,
    )
    assert check.returncode == 0, check.stderr


def unit_process(name: str, tmp_path: Path, sandbox: SandboxHandle, instance: str = "") -> subprocess.Popen[bytes]:
    """The unit's ExecStart as systemd would run it, against the sandbox and a scratch database."""
    service = unit(name)
    command = (value(service, "Service", "ExecStart") or "").replace("%i", instance)
    command = command.replace(INSTALLED_BIN, str(Path(sys.executable).parent))
    env = {k: v for k, v in os.environ.items() if not k.startswith("UOA_")}
    env.update(environment_assignments(service))
    env.update(read_environment_file(UNITS / "environment.example"))  # systemd: the file wins
    env.update(
        {
            "UOA_XENTRAL_URL": sandbox.base_url,
            "UOA_XENTRAL_TOKEN": sandbox.token,
            "UOA_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path}/orders.db",
            "UOA_LOG_LEVEL": "INFO",
        }
    )
    redis = os.environ.get("UOA_TEST_REDIS_URL")
    if redis:
        env["UOA_REDIS_URL"] = redis
    else:
        env.pop("UOA_REDIS_URL")
    log = (tmp_path / f"{name}.log").open("wb")
    return subprocess.Popen(command.split(), env=checkout_env(env), stdout=log, stderr=subprocess.STDOUT, cwd=tmp_path)


def stop_as_systemd_does(name: str, process: subprocess.Popen[bytes]) -> None:
    service = unit(name)
    process.send_signal(getattr(signal, value(service, "Service", "KillSignal") or "SIGTERM"))
    try:
        process.wait(float(value(service, "Service", "TimeoutStopSec") or 90))
    except subprocess.TimeoutExpired:
        process.kill()
        pytest.fail(f"{name} did not stop within TimeoutStopSec of SIGTERM")
    # uvicorn re-raises the signal once shut down; systemd counts death by SIGTERM as a clean exit.
    assert process.returncode in (0, -signal.SIGTERM), process.returncode


def test_the_serve_template_answers_and_stops_on_sigterm(tmp_path: Path, sandbox: SandboxHandle) -> None:
    name = "unified-order-api@.service"
    port = free_port()
    process = unit_process(name, tmp_path, sandbox, instance=str(port))
    try:
        ready = wait_for(f"http://127.0.0.1:{port}/readyz", process, tmp_path / f"{name}.log")
        assert ready.json()["status"] == "ready"
        example_key = json.loads(read_environment_file(UNITS / "environment.example")["UOA_CLIENTS"])[0]["api_key"]
        created = httpx.post(
            f"http://127.0.0.1:{port}/api/orders",
            headers={"Authorization": f"Bearer {example_key}"},
            json=order_body(reference="UNIT-1"),
            timeout=30,
        )
        assert created.status_code == 201, created.text
        assert httpx.get(f"http://127.0.0.1:{port}/metrics").status_code == 401  # behind the admin key
    finally:
        stop_as_systemd_does(name, process)
    assert "Application shutdown complete" in (tmp_path / f"{name}.log").read_text()


def test_the_dispatcher_unit_runs_and_stops_on_sigterm(tmp_path: Path, sandbox: SandboxHandle) -> None:
    name = "unified-order-api-dispatcher.service"
    process = unit_process(name, tmp_path, sandbox)
    log = tmp_path / f"{name}.log"
    try:
        deadline = time.monotonic() + 30
        while "webhooks.dispatcher_started" not in log.read_text():
            assert process.poll() is None, log.read_text()
            assert time.monotonic() < deadline, "the dispatcher did not start"
            time.sleep(0.1)
    finally:
        stop_as_systemd_does(name, process)
    assert process.returncode == 0  # SIGTERM cancels its loop; it closes and exits


def test_the_migrate_unit_brings_the_database_to_head(tmp_path: Path, sandbox: SandboxHandle) -> None:
    name = "unified-order-api-migrate.service"
    assert value(unit(name), "Service", "Type") == "oneshot"
    process = unit_process(name, tmp_path, sandbox)
    assert process.wait(120) == 0, (tmp_path / f"{name}.log").read_text()
    engine = create_engine(f"sqlite:///{tmp_path}/orders.db")
    with engine.connect() as connection:
        assert connection.execute(text("SELECT version_num FROM alembic_version")).scalar_one()
    engine.dispose()


def test_systemd_reads_every_unit_without_complaint(tmp_path: Path) -> None:
    analyze = shutil.which("systemd-analyze")
    if analyze is None:
        pytest.skip("systemd-analyze is not installed (.ci/run installs it)")
    names = []
    for name in UNIT_NAMES:
        text_ = (UNITS / name).read_text().replace(INSTALLED_BIN, str(Path(sys.executable).parent))
        concrete = name.replace("@.", "@8001.")  # a template is verified as one of its instances
        (tmp_path / concrete).write_text(text_)
        names.append(str(tmp_path / concrete))
    verify = subprocess.run([analyze, "verify", "--man=no", *names], capture_output=True, text=True, timeout=60)
    assert verify.returncode == 0, verify.stderr
    assert verify.stderr.strip() == "", verify.stderr  # a value systemd cannot parse is only a warning


def wait_for(url: str, process: subprocess.Popen[bytes], log: Path, timeout: float = 30) -> httpx.Response:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert process.poll() is None, log.read_text()
        try:
            answer = httpx.get(url, timeout=2)
            if answer.status_code == 200:
                return answer
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    raise AssertionError(f"{url} did not answer 200 in {timeout} s:\n{log.read_text()}")
