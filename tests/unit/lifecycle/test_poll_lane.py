"""The poll's reads take the rate limiter's background lane (`in_background`), so order creation always goes
first and never waits for tracking; the lane's own behaviour: tests/unit/xentral/test_background_lane.py."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from unified_order_api.lifecycle import LifecycleState, Observation
from unified_order_api.lifecycle.polling import (
    DeliverySeen,
    NoteProgress,
    NoteSeen,
    OrderSeen,
    PollClaim,
    TrackingPoller,
)
from unified_order_api.orders.reads import work_in_background

NOW = dt.datetime(2026, 12, 7, 12, 0, tzinfo=dt.UTC)


@dataclass(frozen=True)
class _Open:
    sales_order_id: str
    shipment_ids: frozenset[str] = frozenset()


class _Store:
    async def open_orders(self, instance: str, now: dt.datetime) -> Sequence[_Open]:
        return [_Open("7")]

    async def claim_poll(
        self,
        instance: str,
        *,
        owner: str,
        now: dt.datetime,
        lease_until: dt.datetime,
        due_before: dt.datetime | None = None,
    ) -> PollClaim:
        return PollClaim(instance, owner, lease_until, None)

    async def finish_poll(
        self,
        claim: PollClaim,
        *,
        polled_until: dt.datetime,
        now: dt.datetime,
        calls: int,
        hold_until: dt.datetime | None = None,
    ) -> bool:
        return True


class _Reads:
    """A sales order completed, its note sent, one parcel: every read the poll makes, each noting its lane."""

    def __init__(self) -> None:
        self.calls = 0
        self.lanes: dict[str, bool] = {}

    def _note(self, name: str) -> None:
        self.calls += 1
        self.lanes[name] = work_in_background()

    async def orders_changed(self, since: dt.datetime) -> list[OrderSeen]:
        self._note("orders_changed")
        return [OrderSeen("7", "completed", (), True, NOW)]

    async def notes_changed(self, since: dt.datetime) -> list[NoteSeen]:
        self._note("notes_changed")
        return [NoteSeen("40", "7", "sent", NOW)]

    async def deliveries_of(self, sales_order_ids: Sequence[str]) -> list[DeliverySeen]:
        self._note("deliveries_of")
        return [DeliverySeen("9", "7", "40", "T1", "DHL", None, NOW)]

    async def note_progress(self, delivery_note_id: str) -> NoteProgress:
        self._note("note_progress")
        return NoteProgress(shipped_in_full=True)


class _Sink:
    def __init__(self) -> None:
        self.seen: list[Observation] = []

    async def observe(self, observations: Sequence[Observation]) -> None:
        self.seen.extend(observations)


async def test_every_read_of_a_poll_takes_the_background_lane() -> None:
    reads, sink = _Reads(), _Sink()
    poller = TrackingPoller(store=_Store(), reads={"default": reads}, sink=sink, clock=lambda: NOW)
    assert await poller.poll_once("default", force=True)
    assert reads.lanes == dict.fromkeys(("orders_changed", "notes_changed", "deliveries_of", "note_progress"), True)
    assert {o.state for o in sink.seen} == {LifecycleState.COMPLETED, LifecycleState.DISPATCHED, None}
    assert not work_in_background()  # the lane is the poll's only, not its caller's
