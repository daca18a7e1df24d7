"""The poller: the safety net under Xentral's webhooks, and the only source where an instance has none.

Each round, per instance, under the store's lease (one process at a time), and only when it is due by the
stored last poll, so several processes together never poll an instance more often than its interval. The
round's claim holds for `lease_seconds` (a long round keeps it); a finished round keeps the instance only
until its next round is due plus a margin (`hold_until`), so the holder takes it again in time while a killed
holder's instance is taken over by another process about two poll intervals after its last round, from
where it was left:

1. sales orders changed since the last poll (`updatedAt`): cancelled, completed, held or released;
2. delivery notes changed since then: a note means the order is dispatched;
3. for our open orders among them, their deliveries (`salesOrderId` `in`): each parcel not seen before
   is a shipment, and its delivery note's view says whether the order is shipped in full.

Steady state costs two calls per round however many orders are open; changes add one call per 50
changed orders and one per new parcel. The reads run in the limiter's background lane (`in_background`),
so order creation never waits for tracking. What is seen goes to the `ObservationSink`, which applies it
forward only and once: a round seen twice (overlap, a repeated poll) changes nothing.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import uuid
from collections import deque
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol

import structlog

from ..clock import Clock, utc_now
from ..orders.reads import in_background, unhurried
from .model import LifecycleState, Observation, ObservationSink, Shipment, ShippedLine

__all__ = [
    "MIN_HOLD_MARGIN_SECONDS",
    "DeliverySeen",
    "NoteProgress",
    "NoteSeen",
    "OrderSeen",
    "PollClaim",
    "TrackingBudget",
    "TrackingPoller",
    "TrackingReads",
]

log = structlog.get_logger(__name__)


@dataclass(frozen=True, slots=True)
class OrderSeen:
    sales_order_id: str
    status: str
    held_reasons: tuple[str, ...]
    lights_shown: bool
    updated_at: dt.datetime | None


@dataclass(frozen=True, slots=True)
class NoteSeen:
    delivery_note_id: str
    sales_order_id: str
    status: str
    updated_at: dt.datetime | None


@dataclass(frozen=True, slots=True)
class DeliverySeen:
    shipment_id: str
    sales_order_id: str
    delivery_note_id: str | None
    tracking_number: str | None
    carrier: str | None
    tracking_url: str | None
    sent_at: dt.datetime | None


@dataclass(frozen=True, slots=True)
class NoteProgress:
    """A delivery note as read for a new parcel: delivered in full, and what it has delivered by SKU in all."""

    shipped_in_full: bool
    delivered: tuple[ShippedLine, ...] = ()


class TrackingReads(Protocol):
    """One instance's reads for the poller (`xentral.tracking_reads`); `calls` counts the requests made."""

    calls: int

    async def orders_changed(self, since: dt.datetime) -> list[OrderSeen]: ...
    async def notes_changed(self, since: dt.datetime) -> list[NoteSeen]: ...
    async def deliveries_of(self, sales_order_ids: Sequence[str]) -> list[DeliverySeen]: ...
    async def note_progress(self, delivery_note_id: str) -> NoteProgress: ...


class _OpenOrder(Protocol):
    @property
    def sales_order_id(self) -> str: ...
    @property
    def shipment_ids(self) -> frozenset[str]: ...


@dataclass(frozen=True, slots=True)
class PollClaim:
    """The poll of one instance, taken until `lease_until`; `polled_until`: changes before it were read."""

    instance: str
    owner: str
    lease_until: dt.datetime
    polled_until: dt.datetime | None


class PollStore(Protocol):
    async def open_orders(self, instance: str, now: dt.datetime) -> Sequence[_OpenOrder]: ...
    async def claim_poll(
        self,
        instance: str,
        *,
        owner: str,
        now: dt.datetime,
        lease_until: dt.datetime,
        due_before: dt.datetime | None = None,
    ) -> PollClaim | None: ...
    async def finish_poll(
        self,
        claim: PollClaim,
        *,
        polled_until: dt.datetime,
        now: dt.datetime,
        calls: int,
        hold_until: dt.datetime | None = None,
    ) -> bool: ...


MIN_HOLD_MARGIN_SECONDS = 5.0
"""The least a finished round's hold outlasts its next round's due time: the holder's loop tick, a busy event
loop, a slow database and process clocks a few seconds apart must not hand a live holder's poll over."""


@dataclass
class TrackingBudget:
    """Tracking's Xentral calls in the last ten minutes, per instance: its share of the budget (health page)."""

    window: dt.timedelta = dt.timedelta(minutes=10)
    _calls: dict[str, deque[tuple[dt.datetime, int]]] = field(default_factory=dict)

    def record(self, instance: str, at: dt.datetime, calls: int) -> None:
        entries = self._calls.setdefault(instance, deque())
        entries.append((at, calls))
        while entries and entries[0][0] < at - self.window:
            entries.popleft()

    def per_minute(self, instance: str, now: dt.datetime) -> float:
        entries = [calls for at, calls in self._calls.get(instance, ()) if at >= now - self.window]
        return sum(entries) / (self.window.total_seconds() / 60)


_FINAL_STATUS = {"canceled": LifecycleState.CANCELLED, "cancelled": LifecycleState.CANCELLED}


async def _no_events(instance: str) -> bool:
    return False


@dataclass
class TrackingPoller:
    """`reads` by instance; `webhooks_healthy(instance)`: Xentral's events arrive for it, so the poll
    is the slower safety net (`safety_seconds`); otherwise every `poll_seconds`."""

    store: PollStore
    reads: Mapping[str, TrackingReads]
    sink: ObservationSink
    poll_seconds: float = 30.0
    safety_seconds: float = 600.0
    lease_seconds: float = 120.0
    overlap_seconds: float = 120.0
    clock: Clock = utc_now
    webhooks_healthy: Callable[[str], Awaitable[bool]] = _no_events
    budget: TrackingBudget = field(default_factory=TrackingBudget)
    owner: str = field(default_factory=lambda: f"tracking-{uuid.uuid4().hex[:12]}")
    _last: dict[str, dt.datetime] = field(default_factory=dict)

    async def interval(self, instance: str) -> float:
        """The safety-net interval while the instance's events arrive; the full rate otherwise, and
        whenever that cannot be told (a poll too many costs two calls, a missed shipment costs trust)."""
        try:
            healthy = await self.webhooks_healthy(instance)
        except Exception:  # the health read is advice; polling must go on without it
            log.warning("tracking.events_health_unknown", instance=instance, exc_info=True)
            healthy = False
        return self.safety_seconds if healthy else self.poll_seconds

    def hold_margin(self) -> float:
        """How long past its next round's due time a finished round keeps the instance: one full-rate interval,
        at least `MIN_HOLD_MARGIN_SECONDS`; a killed holder's instance is taken over that long after it was due."""
        return max(self.poll_seconds, MIN_HOLD_MARGIN_SECONDS)

    async def poll_once(self, instance: str, *, force: bool = False) -> list[Observation] | None:
        """One round for `instance` when it is due (or `force`); None when another process holds its poll
        or polled it less than an interval ago (the stored last poll decides, not only this process's)."""
        now = self.clock()
        interval = await self.interval(instance)
        last = self._last.get(instance)
        if not force and last is not None and (now - last).total_seconds() < interval:
            return []
        claim = await self.store.claim_poll(
            instance,
            owner=self.owner,
            now=now,
            lease_until=now + dt.timedelta(seconds=self.lease_seconds),
            due_before=None if force else now - dt.timedelta(seconds=interval),
        )
        if claim is None:
            return None
        reads = self.reads[instance]
        before = reads.calls
        observations: list[Observation] = []
        open_orders = {order.sales_order_id: order for order in await self.store.open_orders(instance, now)}
        if open_orders:
            since = (claim.polled_until or now - dt.timedelta(days=1)) - dt.timedelta(seconds=self.overlap_seconds)
            with unhurried(), in_background():
                observations = await self._round(instance, reads, open_orders, since, now)
            await self.sink.observe(observations)
        calls = reads.calls - before
        self.budget.record(instance, now, calls)
        hold_until = now + dt.timedelta(seconds=interval + self.hold_margin())
        await self.store.finish_poll(claim, polled_until=now, now=self.clock(), calls=calls, hold_until=hold_until)
        self._last[instance] = now
        return observations

    async def _round(
        self,
        instance: str,
        reads: TrackingReads,
        open_orders: Mapping[str, _OpenOrder],
        since: dt.datetime,
        now: dt.datetime,
    ) -> list[Observation]:
        orders, notes = await asyncio.gather(reads.orders_changed(since), reads.notes_changed(since))
        seen: list[Observation] = []
        changed: list[str] = []
        for order in orders:
            if order.sales_order_id not in open_orders:
                continue
            state = _state_of(order)
            if state is not None:
                reasons = order.held_reasons if state == LifecycleState.HELD else ()
                at = order.updated_at or now
                seen.append(Observation(instance, order.sales_order_id, at, "poll", state, held_reasons=reasons))
            changed.append(order.sales_order_id)
        for note in notes:
            if note.sales_order_id not in open_orders or note.status in ("canceled", "cancelled", "created"):
                continue
            at = note.updated_at or now
            seen.append(Observation(instance, note.sales_order_id, at, "poll", LifecycleState.DISPATCHED))
            changed.append(note.sales_order_id)
        if changed:
            progress: dict[str, NoteProgress] = {}
            for delivery in await reads.deliveries_of(changed):
                if delivery.shipment_id in open_orders[delivery.sales_order_id].shipment_ids:
                    continue
                note_id = delivery.delivery_note_id
                if note_id is not None and note_id not in progress:
                    progress[note_id] = await reads.note_progress(note_id)
                shipment = Shipment(
                    delivery.shipment_id,
                    delivery.carrier,
                    delivery.tracking_number,
                    delivery.tracking_url,
                    note_id,
                    delivery.sent_at,
                )
                read = progress.get(note_id) if note_id is not None else None
                at = delivery.sent_at or now
                seen.append(
                    Observation(
                        instance,
                        delivery.sales_order_id,
                        at,
                        "poll",
                        shipment=shipment,
                        all_shipped=read.shipped_in_full if read is not None else None,
                        delivered=read.delivered if read is not None else (),
                    )
                )
        return seen

    async def run_forever(self) -> None:
        """Poll every instance when due; a round that fails is logged and tried again next time."""
        while True:
            for instance in self.reads:
                try:
                    await self.poll_once(instance)
                except Exception:
                    log.exception("tracking.poll_failed", instance=instance)
            await asyncio.sleep(min(1.0, self.poll_seconds))


def _state_of(order: OrderSeen) -> LifecycleState | None:
    if order.status in _FINAL_STATUS:
        return _FINAL_STATUS[order.status]
    if order.status == "completed":
        return LifecycleState.COMPLETED
    if order.status == "released" and order.lights_shown:
        return LifecycleState.HELD if order.held_reasons else LifecycleState.RELEASED
    return None
