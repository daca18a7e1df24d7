"""In-memory stand-ins for the event ports: queue, subscription store, Xentral's subscription API,
lookups, our orders and the lifecycle's sink."""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Collection, Sequence
from dataclasses import replace
from typing import Any

from unified_order_api.lifecycle import Observation
from unified_order_api.orders.reads import work_in_background
from unified_order_api.store.event_queue import event_key
from unified_order_api.xentral_events.ports import NoteRead, QueuedEvent, SubscriptionRecord, WebhookSubscription


class MemoryQueue:
    def __init__(self) -> None:
        self.rows: dict[int, dict[str, Any]] = {}
        self._keys: set[tuple[str, str]] = set()
        self._ids = itertools.count(1)

    async def add(self, instance: str, event_type: str, body: dict[str, Any], now: dt.datetime) -> bool:
        key = (instance, event_key(event_type, body))
        if key in self._keys:
            return False
        self._keys.add(key)
        row_id = next(self._ids)
        self.rows[row_id] = {
            "event": QueuedEvent(row_id, instance, event_type, body, now),
            "state": "pending",
            "due": now,
        }
        return True

    async def claim(self, *, worker: str, now: dt.datetime, until: dt.datetime, limit: int) -> list[QueuedEvent]:
        due = [r for r in self.rows.values() if r["state"] == "pending" and r["due"] <= now]
        for row in due[:limit]:
            row["state"] = "claimed"
        return [row["event"] for row in due[:limit]]

    async def finish(self, event: QueuedEvent, *, worker: str, outcome: str, now: dt.datetime) -> None:
        self.rows[event.id].update(state="done", outcome=outcome)

    async def retry(self, event: QueuedEvent, *, worker: str, error: str, at: dt.datetime, give_up: bool) -> None:
        row = self.rows[event.id]
        row.update(state="failed" if give_up else "pending", due=at, error=error)
        row["event"] = replace(event, attempts=event.attempts + 1)

    def outcomes(self) -> list[str | None]:
        return [row.get("outcome", row["state"]) for row in self.rows.values()]


class MemorySubscriptions:
    def __init__(self) -> None:
        self.records: dict[str, SubscriptionRecord] = {}
        self.leases: dict[str, tuple[str, dt.datetime]] = {}

    async def get(self, instance: str) -> SubscriptionRecord | None:
        return self.records.get(instance)

    async def key(self, instance: str, candidate: str, now: dt.datetime) -> str:
        self.records.setdefault(instance, SubscriptionRecord(instance, candidate))
        return self.records[instance].signature_key

    async def lease(self, instance: str, owner: str, now: dt.datetime, until: dt.datetime) -> bool:
        held = self.leases.get(instance)
        if held is not None and held[0] != owner and held[1] > now:
            return False
        self.leases[instance] = (owner, until)
        return True

    async def release(self, instance: str, owner: str) -> None:
        if self.leases.get(instance, ("",))[0] == owner:
            del self.leases[instance]

    async def checked(
        self,
        instance: str,
        *,
        webhook_id: str | None,
        url: str | None,
        events: Sequence[str],
        problem: str | None,
        now: dt.datetime,
    ) -> None:
        self.records[instance] = replace(
            self.records[instance],
            webhook_id=webhook_id,
            url=url,
            events=tuple(events),
            problem=problem,
            checked_at=now,
        )


class FakeXentralWebhooks:
    """Xentral's subscriptions; `keys` holds what each was given (Xentral never shows it)."""

    def __init__(self) -> None:
        self.items: dict[str, WebhookSubscription] = {}
        self.keys: dict[str, str] = {}
        self.calls: list[str] = []
        self._ids = itertools.count(1)

    async def list(self) -> list[WebhookSubscription]:
        self.calls.append("list")
        return list(self.items.values())

    async def create(self, name: str, url: str, key: str, events: Sequence[str]) -> str:
        self.calls.append("create")
        webhook_id = str(next(self._ids))
        self.items[webhook_id] = WebhookSubscription(webhook_id, name, url, tuple(events))
        self.keys[webhook_id] = key
        return webhook_id

    async def update(self, webhook_id: str, name: str, url: str, events: Sequence[str], key: str | None) -> None:
        self.calls.append("update")
        self.items[webhook_id] = WebhookSubscription(webhook_id, name, url, tuple(events))
        if key is not None:
            self.keys[webhook_id] = key

    async def delete(self, webhook_id: str) -> None:
        self.calls.append("delete")
        del self.items[webhook_id]


class FakeLookups:
    """`notes`: a delivery note's order; `delivered`: the notes every position of which is delivered."""

    def __init__(
        self,
        notes: dict[str, str] | None = None,
        statuses: dict[str, str] | None = None,
        delivered: set[str] | None = None,
    ) -> None:
        self.notes = notes or {}
        self.statuses = statuses or {}
        self.delivered = delivered or set()
        self.calls: list[tuple[str, str]] = []
        self.in_background: list[bool] = []  # per call: whether it ran in the limiter's background lane
        self.fail = 0
        self.fail_status = 0

    async def delivery_note(self, instance: str, delivery_note_id: str) -> NoteRead | None:
        self.calls.append(("note", delivery_note_id))
        self.in_background.append(work_in_background())
        if self.fail:
            self.fail -= 1
            raise ConnectionError("Xentral is away")
        if delivery_note_id not in self.notes:
            return None
        return NoteRead(self.notes[delivery_note_id], delivery_note_id in self.delivered)

    async def order_status(self, instance: str, sales_order_id: str) -> str | None:
        self.calls.append(("status", sales_order_id))
        self.in_background.append(work_in_background())
        if self.fail_status:
            self.fail_status -= 1
            raise ConnectionError("Xentral is away")
        return self.statuses.get(sales_order_id)


class FakeOurOrders:
    def __init__(self, ours: dict[str, set[str]]) -> None:
        self._ours = ours

    async def ours(self, instance: str, sales_order_ids: Collection[str]) -> set[str]:
        return self._ours.get(instance, set()) & set(sales_order_ids)


class RecordingSink:
    def __init__(self) -> None:
        self.seen: list[Observation] = []

    async def observe(self, observations: Sequence[Observation]) -> None:
        self.seen.extend(observations)
