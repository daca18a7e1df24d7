"""What tracking costs in Xentral calls — printed, not asserted.

    python bench/tracking.py                  # 1,000 open orders, 20 rounds
    python bench/tracking.py --orders 5000 --rounds 30

A sandbox with N orders imported a day ago, all tracked (SQLite store), and the poller of `lifecycle/polling.py`
over the real client. Each round a few orders change (one dispatched, one shipped, one cancelled every
few rounds), as a quiet shop's warehouse would; the poller's calls are counted by the reads
(`XentralTrackingReads.calls`). Calls per minute = calls per round * rounds per minute, at the default interval
(`tracking.poll_seconds`) and at the safety-net interval used where Xentral's webhooks are healthy
(`tracking.safety_net_poll_seconds`).

With webhooks, the events the sandbox emitted for each round's changes also go through the event worker
(`xentral_events/worker.py`, the real lookups over the same client): a shipment's delivery note and a thin
`salesOrder.updated`'s status are read, each once per batch, and not at all where an event of the batch
carries the status (`xentral_events/batch.py`). Those calls follow the changes, not the open orders, so
they are printed apart, per change and per minute at this bench's pace (one round per poll interval).
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import sys
import tempfile
from collections.abc import Collection
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.support.sandbox_payloads import order_payload
from unified_order_api.config.tracking import TrackingSettings
from unified_order_api.lifecycle.polling import TrackingPoller
from unified_order_api.orders.attempts import Attempt, AttemptState, OrderReceipt
from unified_order_api.store import migrate
from unified_order_api.store.database import create_engine
from unified_order_api.store.event_queue import SqlEventQueue
from unified_order_api.store.tracking import SqlTrackingStore, TrackingEnrolment
from unified_order_api.xentral import XentralClient
from unified_order_api.xentral.event_lookups import XentralEventLookups
from unified_order_api.xentral.tracking_reads import XentralTrackingReads
from unified_order_api.xentral_events.ports import NoteRead
from unified_order_api.xentral_events.worker import EventWorker
from xentral_sandbox import fulfilment
from xentral_sandbox.config import SandboxConfig
from xentral_sandbox.testing import running_sandbox


class CountedLookups:
    """The worker's real lookups, counted (each is one Xentral call)."""

    def __init__(self, inner: XentralEventLookups) -> None:
        self.inner, self.calls = inner, 0

    async def delivery_note(self, instance: str, delivery_note_id: str) -> NoteRead | None:
        self.calls += 1
        return await self.inner.delivery_note(instance, delivery_note_id)

    async def order_status(self, instance: str, sales_order_id: str) -> str | None:
        self.calls += 1
        return await self.inner.order_status(instance, sales_order_id)


class EveryOrderOurs:
    """Every order of the bench is tracked (they were enrolled without attempts)."""

    async def ours(self, instance: str, sales_order_ids: Collection[str]) -> set[str]:
        return set(sales_order_ids)


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
            lookups = CountedLookups(XentralEventLookups({"default": client}))
            queue = SqlEventQueue(engine)
            worker = EventWorker(queue=queue, sink=store, lookups=lookups, tracked=EveryOrderOurs())
            emitted = len(sandbox.state.events.since(0))  # the imports' events came before: not tracking's
            per_round, events, changes = [], 0, 0
            for round_number in range(rounds):
                changed = 1 + round_number
                fulfilment.dispatch(sandbox.state, str(changed))
                if round_number % 2 == 0:
                    fulfilment.ship(sandbox.state, str(changed), tracking_number=f"T{changed}")
                if round_number % 5 == 0:
                    fulfilment.cancel(sandbox.state, str(orders - round_number))
                changes += 1 + (round_number % 2 == 0) + (round_number % 5 == 0)
                before = reads.calls
                await poller.poll_once("default", force=True)
                per_round.append(reads.calls - before)
                for event in sandbox.state.events.since(emitted):  # as Xentral would deliver them
                    await queue.add("default", event.type, event.body, dt.datetime.now(dt.UTC))
                    emitted, events = event.sequence, events + 1
                while await worker.run_once():
                    pass
        await engine.dispose()
    average = sum(per_round) / len(per_round)
    print(f"open orders: {orders}, rounds: {rounds}, calls per round: {average:.2f} (max {max(per_round)})")
    for label, seconds in (
        ("polling only", settings.poll_seconds),
        ("with webhooks", settings.safety_net_poll_seconds),
    ):
        print(f"{label:14} interval {seconds:>5.0f} s: {average * 60 / seconds:.2f} Xentral calls per minute")
    rounds_per_minute = 60 / settings.poll_seconds
    print(
        f"events: {changes} changes, {events} events, {lookups.calls} lookups "
        f"({lookups.calls / changes:.2f} per change): {lookups.calls / rounds * rounds_per_minute:.2f} calls per "
        f"minute at this pace ({changes / rounds * rounds_per_minute:.1f} changes per minute)"
    )
    with_events = average * 60 / settings.safety_net_poll_seconds + lookups.calls / rounds * rounds_per_minute
    print(f"with webhooks, the safety net and the events' lookups: {with_events:.2f} Xentral calls per minute")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--orders", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=20)
    arguments = parser.parse_args()
    asyncio.run(main(arguments.orders, arguments.rounds))
