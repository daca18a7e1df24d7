"""What tracking costs in Xentral calls — printed, not asserted.

    python bench/tracking.py                  # 1,000 open orders, 20 rounds
    python bench/tracking.py --orders 5000 --rounds 30

A sandbox with N orders imported a day ago, all tracked (SQLite store), and the poller of `lifecycle/polling.py`
over the real client. Each round a few orders change (one dispatched, one shipped, one cancelled every
few rounds), as a quiet shop's warehouse would; the poller's calls are counted by the reads
(`XentralTrackingReads.calls`). Calls per minute = calls per round * rounds per minute, at the default interval
(`tracking.poll_seconds`) and at the safety-net interval used where Xentral's webhooks are healthy
(`tracking.safety_net_poll_seconds`).
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import sys
import tempfile
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.support.sandbox_payloads import order_payload
from unified_order_api.config.tracking import TrackingSettings
from unified_order_api.lifecycle.polling import TrackingPoller
from unified_order_api.orders.attempts import Attempt, AttemptState, OrderReceipt
from unified_order_api.store import migrate
from unified_order_api.store.database import create_engine
from unified_order_api.store.tracking import SqlTrackingStore, TrackingEnrolment
from unified_order_api.xentral import XentralClient
from unified_order_api.xentral.tracking_reads import XentralTrackingReads
from xentral_sandbox import fulfilment
from xentral_sandbox.config import SandboxConfig
from xentral_sandbox.testing import running_sandbox


async def main(orders: int, rounds: int) -> None:
    settings = TrackingSettings()
    with running_sandbox(SandboxConfig(rate_limit=None)) as sandbox, tempfile.TemporaryDirectory() as folder:
        url = f"sqlite+aiosqlite:///{Path(folder) / 'bench.db'}"
        migrate.upgrade(url)
        engine = create_engine(url)
        store = SqlTrackingStore(engine)
        now = dt.datetime.now(dt.UTC)
        enrolment = TrackingEnrolment(lambda client: "default", dt.timedelta(days=30))
        async with httpx.AsyncClient(base_url=sandbox.base_url, headers=sandbox.headers) as importer:
            for number in range(1, orders + 1):
                body = order_payload(externalOrderNumber=f"R{number}")
                answer = await importer.post("/api/v1/salesOrders/actions/import", json=body)
                assert answer.status_code == 201, answer.text
        with sandbox.state.lock:  # open for a day already: imported before the poll window
            for order in sandbox.state.sales_orders.values():
                order["updatedAt"] = (now - dt.timedelta(days=1)).isoformat(timespec="seconds")
        async with engine.begin() as connection:
            for number in range(1, orders + 1):
                attempt = Attempt("shop", f"R{number}", f"R{number}", "F", AttemptState.COMPLETED, "b", now, now, now)
                attempt.receipt = OrderReceipt(f"R{number}", str(number), None, "released", "1", None, False, "created")
                await SqlTrackingStore.enrol(connection, attempt, enrolment, now)
        async with XentralClient(sandbox.base_url, sandbox.token, timeout=httpx.Timeout(10.0)) as client:
            reads = XentralTrackingReads(client)
            poller = TrackingPoller(store=store, reads={"default": reads}, sink=store)
            await poller.poll_once("default", force=True)  # the first round reads the backlog
            per_round = []
            for round_number in range(rounds):
                changed = 1 + round_number
                fulfilment.dispatch(sandbox.state, str(changed))
                if round_number % 2 == 0:
                    fulfilment.ship(sandbox.state, str(changed), tracking_number=f"T{changed}")
                if round_number % 5 == 0:
                    fulfilment.cancel(sandbox.state, str(orders - round_number))
                before = reads.calls
                await poller.poll_once("default", force=True)
                per_round.append(reads.calls - before)
        await engine.dispose()
    average = sum(per_round) / len(per_round)
    print(f"open orders: {orders}, rounds: {rounds}, calls per round: {average:.2f} (max {max(per_round)})")
    for label, seconds in (
        ("polling only", settings.poll_seconds),
        ("with webhooks", settings.safety_net_poll_seconds),
    ):
        print(f"{label:14} interval {seconds:>5.0f} s: {average * 60 / seconds:.2f} Xentral calls per minute")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--orders", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=20)
    arguments = parser.parse_args()
    asyncio.run(main(arguments.orders, arguments.rounds))
