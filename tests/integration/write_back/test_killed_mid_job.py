"""A `serve` process killed in the middle of a write-back job: the shop did the write, the process never
learned it. Another process takes the job over once its lease ran out, looks before it writes, and the
shop shows the tracking once and the buyer got one e-mail — for WooCommerce, Shopify and Shopware 6.

Real processes (`unified-order-api serve`, SIGKILL) on one SQLite file, the sandbox, and the fake shop
(written from its shop's documentation) served on loopback; the fake holds its answer to the write until
the first process is dead. Both processes log at DEBUG: no shop credential may appear there (the secrets
test's rule, for the write-back's calls, WooCommerce's OAuth-signed queries among them).
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.lifecycle_e2e import move
from tests.support.processes import ServiceProcess, service_env
from tests.support.servers import ServerThread
from tests.support.write_back_e2e import CASES, SECRETS, SEED, client_config, place, service_values, wait_shown
from unified_order_api.store.database import create_engine
from unified_order_api.store.write_back import SqlWriteBackQueue
from unified_order_api.write_back import JobState, WriteBackJob
from xentral_sandbox.config import SandboxConfig
from xentral_sandbox.testing import SandboxHandle, running_sandbox


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SandboxHandle]:
    seed_file = tmp_path_factory.mktemp("seed") / "write-back-seed.json"
    seed_file.write_text(json.dumps(SEED), "utf-8")
    with running_sandbox(SandboxConfig(rate_limit=None, seed_path=seed_file)) as handle:
        yield handle


def _jobs(database_url: str, client: str, reference: str) -> list[WriteBackJob]:
    async def read() -> list[WriteBackJob]:
        engine = create_engine(database_url)
        try:
            return await SqlWriteBackQueue(engine).jobs_of(client, reference)
        finally:
            await engine.dispose()

    return asyncio.run(read())


@pytest.mark.parametrize("kind", list(CASES))
def test_a_process_killed_mid_job_is_taken_over_and_the_shop_shows_the_tracking_once(
    seeded: SandboxHandle, tmp_path: Path, kind: str
) -> None:
    seeded.reset()
    case = CASES[kind]()
    shop = ServerThread(case.fake.app)
    shop.start()
    database_url = f"sqlite+aiosqlite:///{tmp_path}/orders.db"
    values = service_values()
    env = service_env(
        xentral_url=seeded.base_url,
        token=seeded.token,
        database_url=database_url,
        api_key="unused-key-0123456789",
        extra={
            "UOA_CLIENTS": [client_config(case, shop.base_url)],
            "UOA_LOG_LEVEL": "DEBUG",
            **{f"UOA_{key.upper()}": value for key, value in values.items()},
        },
    )
    method, path, body_part = case.write
    case.faults.hold_answer(method, path, body_part=body_part)
    first = ServiceProcess(env, tmp_path / "first.log").wait_ready()
    second: ServiceProcess | None = None
    try:
        reference, order_id = place(first.base_url, case)
        move(seeded, order_id, "dispatch")
        number = f"E2E-KILL-{kind}"
        move(
            seeded, order_id, "ship", {"trackingNumber": number, "carrier": "DHL", "trackingUrl": "https://t.example/k"}
        )
        assert case.faults.held.wait(60), "the write never reached the shop"
        first.kill()  # the shop has done the write; its answer goes nowhere
        case.faults.released.set()
        assert case.writes() == 1
        second = ServiceProcess(env, tmp_path / "second.log").wait_ready()
        deadline = 60.0
        wait_shown(case, [number], seconds=deadline)
        jobs = []
        for _ in range(600):
            jobs = _jobs(database_url, case.client, reference)
            if jobs and all(job.state == JobState.DONE for job in jobs):
                break
            asyncio.run(asyncio.sleep(0.1))
        [job] = jobs
        assert job.state == JobState.DONE, job
        assert "there already" in (job.outcome or ""), job.history
        assert case.writes() == 1 and case.shown() == [number]
        if kind != "shopware":
            assert case.emails() == 1
        # Secrets test, extended to the write-back: no shop credential in either process's log or the answers.
        logs = (tmp_path / "first.log").read_text() + (tmp_path / "second.log").read_text()
        assert "write_back" in logs  # the log did record the jobs
        answers = " ".join(attempt.answer for attempt in job.history)
        for secret in SECRETS:
            assert secret not in logs and secret not in answers, secret
    finally:
        case.faults.released.set()
        first.stop()
        if second is not None:
            second.stop()
        shop.stop()
