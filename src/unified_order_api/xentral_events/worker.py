"""The event worker: queued Xentral events → `Observation`s for the lifecycle, each event once.

Guarantees: an event is handed to the sink at most once per claim and marked done only after the
sink took it (a crash in between hands it again after the lease: the sink's `observe` is idempotent,
lifecycle/model.py). Events for orders that are not ours are dropped quietly and counted
(`untracked`); an event that cannot be translated (`EventMalformed`) is marked done as `malformed`,
never retried. A failed lookup or sink is retried with growing waits, then given up (`failed`).
Lookups (a delivery note's order, an order's status) are made once per claimed batch, and a status
the batch's own events carry is not read (`batch.BatchLookups`); they run as background work: the
rate limiter's low-priority lane, so new orders always go first.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import socket
from collections.abc import Callable, Sequence
from dataclasses import replace

import structlog

from ..clock import Clock, utc_now
from ..lifecycle import Observation, ObservationSink
from ..orders.attempts import StoreUnavailable
from .batch import BatchLookups
from .ports import EventLookups, EventQueue, QueuedEvent, TrackedOrders
from .translation import (
    EventMalformed,
    Ignored,
    Observed,
    ShipmentOfNote,
    StatusToRead,
    state_of_status,
    translate,
)

__all__ = ["EventWorker"]

log = structlog.get_logger(__name__)

OutcomeHook = Callable[[str, str], None]
"""Called as `hook(instance, outcome)` for every handled event: observed, untracked, ignored, unresolved,
malformed, retried, failed."""


class EventWorker:
    def __init__(
        self,
        *,
        queue: EventQueue,
        sink: ObservationSink,
        lookups: EventLookups,
        tracked: TrackedOrders,
        clock: Clock = utc_now,
        batch_size: int = 50,
        poll_seconds: float = 0.5,
        lease_seconds: float = 60.0,
        max_attempts: int = 8,
        worker: str | None = None,
        on_outcome: OutcomeHook | None = None,
    ) -> None:
        self._queue = queue
        self._sink = sink
        self._lookups = lookups
        self._tracked = tracked
        self._clock = clock
        self.batch_size = batch_size
        self.poll_seconds = poll_seconds
        self._lease = dt.timedelta(seconds=lease_seconds)
        self._max_attempts = max_attempts
        self._worker = worker or f"events-{socket.gethostname()}-{os.getpid()}-{id(self):x}"
        self._on_outcome = on_outcome

    async def run_forever(self) -> None:
        """Handle due events every `poll_seconds`; a full batch is followed by the next at once."""
        while True:
            try:
                handled = await self.run_once()
            except StoreUnavailable as error:
                log.warning("xentral_events.database_unavailable", error=error.detail)
                handled = 0
            except Exception:
                log.exception("xentral_events.worker_failed")
                handled = 0
            if handled < self.batch_size:
                await asyncio.sleep(self.poll_seconds)

    async def run_once(self) -> int:
        """Claim and handle one batch, in the order received; the number of events claimed."""
        now = self._clock()
        events = await self._queue.claim(worker=self._worker, now=now, until=now + self._lease, limit=self.batch_size)
        lookups = BatchLookups(self._lookups, events)
        for event in events:
            await self._handle(event, lookups)
        return len(events)

    async def _handle(self, event: QueuedEvent, lookups: BatchLookups) -> None:
        try:
            outcome = await self._observe(event, lookups)
        except EventMalformed as error:
            log.warning("xentral_events.malformed", instance=event.instance, type=event.event_type, error=str(error))
            outcome = "malformed"
        except StoreUnavailable:
            raise
        except Exception as error:
            await self._retry(event, error)
            return
        await self._queue.finish(event, worker=self._worker, outcome=outcome, now=self._clock())
        self._count(event.instance, outcome)

    async def _retry(self, event: QueuedEvent, error: Exception) -> None:
        attempts = event.attempts + 1
        give_up = attempts >= self._max_attempts
        wait = dt.timedelta(seconds=min(300.0, 2.0**attempts))
        log.warning(
            "xentral_events.retry",
            instance=event.instance,
            type=event.event_type,
            attempts=attempts,
            give_up=give_up,
            error=type(error).__name__,
        )
        await self._queue.retry(
            event,
            worker=self._worker,
            error=f"{type(error).__name__}: {error}",
            at=self._clock() + wait,
            give_up=give_up,
        )
        self._count(event.instance, "failed" if give_up else "retried")

    async def _observe(self, event: QueuedEvent, lookups: BatchLookups) -> str:
        """Hand what the event says to the sink; the outcome's name. A shipment's delivery note is read
        (once) for its order where the event names only the note, and for whether the parcel completes
        the order: without that read every parcel would count as the last, and a shop would be told
        "shipped" at the first of several."""
        translation = translate(event.event_type, event.body, event.received_at)
        if isinstance(translation, Ignored):
            return "ignored"
        if isinstance(translation, ShipmentOfNote):
            note = await lookups.delivery_note(event.instance, translation.delivery_note_id)
            if note is None or note.sales_order_id is None:
                return "unresolved"
            translation = Observed(
                note.sales_order_id,
                translation.observed_at,
                shipment=translation.shipment,
                all_shipped=note.shipped_in_full,
                delivered=note.delivered,
            )
        order_id = translation.sales_order_id
        if order_id not in await self._tracked.ours(event.instance, [order_id]):
            return "untracked"
        if isinstance(translation, StatusToRead):
            status = await lookups.order_status(event.instance, order_id, changed_at=translation.observed_at)
            state = state_of_status(status)
            if state is None:
                return "ignored"
            translation = Observed(order_id, translation.observed_at, state=state)
        shipment = translation.shipment
        if shipment is not None and translation.all_shipped is None and shipment.delivery_note_id is not None:
            note = await lookups.delivery_note(event.instance, shipment.delivery_note_id)
            if note is not None:
                translation = replace(translation, all_shipped=note.shipped_in_full, delivered=note.delivered)
        await self._sink.observe(self._observations(event.instance, translation))
        return "observed"

    @staticmethod
    def _observations(instance: str, observed: Observed) -> Sequence[Observation]:
        return [
            Observation(
                instance=instance,
                sales_order_id=observed.sales_order_id,
                observed_at=observed.observed_at,
                source="event",
                state=observed.state,
                shipment=observed.shipment,
                all_shipped=observed.all_shipped,
                delivered=observed.delivered,
            )
        ]

    def _count(self, instance: str, outcome: str) -> None:
        if self._on_outcome is not None:
            self._on_outcome(instance, outcome)
