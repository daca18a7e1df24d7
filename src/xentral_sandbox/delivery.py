"""Delivering the sandbox's events to its webhook subscriptions, signed as Xentral signs, with faults.

Every emitted event (`events.SandboxEvents`) whose type a subscription lists becomes one delivery: an
HTTP POST of `{"type": "com.xentral.EVENTTYPE.vX", "body": {…}}` to the subscription's URL with the
headers `xentral-request-timestamp` (Unix seconds, as a string) and `xentral-signature`, the lowercase
hex HMAC-SHA256 of the body bytes followed by the timestamp's, keyed with the subscription's
signatureKey ([HC] documents HMAC-SHA256 over body + timestamp; hex and Unix seconds are assumptions,
docs/xentral.md#events-webhooks). One daemon thread sends them in order; an answer other than 2xx, or none,
is retried after each of `SandboxConfig.webhook_retry_seconds`, then given up.

Faults (`EventFaults`, admin-switchable at `/_sandbox/eventFaults`), each for `count` deliveries whose
event type matches `type` (an fnmatch glob over the full type; None: every type):

- `lose`: the delivery is never sent;
- `duplicate`: sent twice;
- `late`: sent `seconds` later (later events overtake it);
- `out_of_order`: held back until the next delivery to the same subscription went out (or `seconds`);
- `wrong_key`: signed with another key.

`log` records every attempt (for tests and `/_sandbox/webhookDeliveries`); it never holds a key.
"""

from __future__ import annotations

import fnmatch
import hashlib
import heapq
import hmac
import itertools
import json
import threading
import time
from dataclasses import asdict, dataclass, field
from enum import StrEnum
from typing import Any

import httpx

from .events import EmittedEvent
from .state import SandboxState

__all__ = ["EventFault", "EventFaultKind", "EventFaults", "WebhookDelivery", "sign"]

SIGNATURE_HEADER = "xentral-signature"
TIMESTAMP_HEADER = "xentral-request-timestamp"


def sign(body: bytes, timestamp: str, key: str) -> str:
    """Xentral's signature as the sandbox writes it: hex HMAC-SHA256 of body followed by timestamp."""
    return hmac.new(key.encode(), body + timestamp.encode(), hashlib.sha256).hexdigest()


class EventFaultKind(StrEnum):
    LOSE = "lose"
    DUPLICATE = "duplicate"
    LATE = "late"
    OUT_OF_ORDER = "out_of_order"
    WRONG_KEY = "wrong_key"


_fault_ids = itertools.count(1)


@dataclass
class EventFault:
    kind: EventFaultKind
    type: str | None = None  # fnmatch glob over e.g. "com.xentral.shipment.created.v1"
    count: int | None = 1  # None: never runs out
    seconds: float = 2.0  # late: the delay; out_of_order: the longest hold
    id: int = field(default_factory=lambda: next(_fault_ids))

    def to_json(self) -> dict[str, Any]:
        return asdict(self) | {"kind": self.kind.value}


class EventFaults:
    """Thread-safe rules; `take` consumes the matching ones for one delivery."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._faults: list[EventFault] = []

    def add(
        self, kind: EventFaultKind | str, *, type: str | None = None, count: int | None = 1, seconds: float = 2.0
    ) -> EventFault:
        if count is not None and count < 1:
            raise ValueError("count must be >= 1 or None")
        if seconds < 0:
            raise ValueError("seconds must be >= 0")
        fault = EventFault(EventFaultKind(kind), type, count, float(seconds))
        with self._lock:
            self._faults.append(fault)
        return fault

    def active(self) -> list[EventFault]:
        with self._lock:
            return list(self._faults)

    def clear(self) -> None:
        with self._lock:
            self._faults.clear()

    def take(self, event_type: str) -> list[EventFault]:
        """The faults applying to one delivery of `event_type`, one of each kind at most."""
        chosen: dict[EventFaultKind, EventFault] = {}
        with self._lock:
            for fault in list(self._faults):
                if fault.kind in chosen or (fault.type is not None and not fnmatch.fnmatchcase(event_type, fault.type)):
                    continue
                chosen[fault.kind] = fault
                if fault.count is not None:
                    fault.count -= 1
                    if fault.count <= 0:
                        self._faults.remove(fault)
        return list(chosen.values())


@dataclass(order=True)
class _Job:
    due: float
    sequence: int
    webhook_id: str = field(compare=False)
    url: str = field(compare=False)
    key: str = field(compare=False)
    event: EmittedEvent = field(compare=False)
    attempt: int = field(default=1, compare=False)
    held: bool = field(default=False, compare=False)


@dataclass(frozen=True, slots=True)
class DeliveryRecord:
    """One attempt: which event to which subscription, and what came back (`status` None: no answer)."""

    webhook_id: str
    event_sequence: int
    type: str
    attempt: int
    outcome: str  # delivered, failed, lost, given_up
    status: int | None = None

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


class WebhookDelivery:
    """Listens to the state's events and delivers them from one daemon thread (started on first use)."""

    def __init__(
        self,
        state: SandboxState,
        faults: EventFaults,
        retry_seconds: tuple[float, ...] = (0.2, 0.5, 1.0, 2.0),
        timeout_seconds: float = 5.0,
    ) -> None:
        self._state = state
        self.faults = faults
        self._retry_seconds = retry_seconds
        self._timeout = timeout_seconds
        self._condition = threading.Condition()
        self._heap: list[_Job] = []
        self._held: dict[str, list[_Job]] = {}
        self._sequence = itertools.count(1)
        self._log: list[DeliveryRecord] = []
        self._thread: threading.Thread | None = None
        self._stopped = False
        self._busy = 0
        state.events.listen(self._emitted)

    # --- what tests and the admin read --------------------------------------------------

    def log(self) -> list[DeliveryRecord]:
        with self._condition:
            return list(self._log)

    def clear(self) -> None:
        """Forget pending deliveries and the log (`/_sandbox/reset`)."""
        with self._condition:
            self._heap.clear()
            self._held.clear()
            self._log.clear()

    def idle(self, timeout: float = 10.0) -> bool:
        """Wait until nothing is pending or being sent; False when `timeout` passed first."""
        deadline = time.monotonic() + timeout
        with self._condition:
            while self._heap or self._busy or any(self._held.values()):
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._condition.wait(min(left, 0.05))
        return True

    def stop(self) -> None:
        with self._condition:
            self._stopped = True
            self._condition.notify_all()

    # --- from the events to the queue ----------------------------------------------------

    def _emitted(self, event: EmittedEvent) -> None:
        with self._state.lock:
            targets = [
                (str(w["id"]), str(w["url"]), str(w["signatureKey"]))
                for w in self._state.webhooks.values()
                if event.type in w["events"]
            ]
        now = time.monotonic()
        for webhook_id, url, key in targets:
            self._plan(webhook_id, url, key, event, now)

    def _plan(self, webhook_id: str, url: str, key: str, event: EmittedEvent, now: float) -> None:
        kinds = {fault.kind: fault for fault in self.faults.take(event.type)}
        if EventFaultKind.LOSE in kinds:
            self._record(DeliveryRecord(webhook_id, event.sequence, event.type, 0, "lost"))
            return
        if EventFaultKind.WRONG_KEY in kinds:
            key = "not-" + key[::-1]
        copies = 2 if EventFaultKind.DUPLICATE in kinds else 1
        due = now + (kinds[EventFaultKind.LATE].seconds if EventFaultKind.LATE in kinds else 0.0)
        hold = kinds.get(EventFaultKind.OUT_OF_ORDER)
        for _ in range(copies):
            job = _Job(due, next(self._sequence), webhook_id, url, key, event)
            if hold is not None:
                job.held, job.due = True, now + hold.seconds
            self._push(job)

    def _push(self, job: _Job) -> None:
        with self._condition:
            if job.held:
                self._held.setdefault(job.webhook_id, []).append(job)
            heapq.heappush(self._heap, job)
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="xentral-sandbox-webhooks", daemon=True)
                self._thread.start()
            self._condition.notify_all()

    def _record(self, record: DeliveryRecord) -> None:
        with self._condition:
            self._log.append(record)

    # --- the sending thread ------------------------------------------------------------

    def _next(self) -> _Job | None:
        with self._condition:
            while not self._stopped:
                now = time.monotonic()
                if self._heap and self._heap[0].due <= now:
                    job = heapq.heappop(self._heap)
                    if job.held and job in self._held.get(job.webhook_id, []):
                        self._held[job.webhook_id].remove(job)
                    self._busy += 1
                    return job
                wait = (self._heap[0].due - now) if self._heap else 0.5
                self._condition.wait(max(0.0, min(wait, 0.5)))
            return None

    def _run(self) -> None:
        with httpx.Client(timeout=self._timeout) as http:
            while (job := self._next()) is not None:
                try:
                    self._send(http, job)
                    if not job.held:
                        self._release_held(job.webhook_id)
                finally:
                    with self._condition:
                        self._busy -= 1
                        self._condition.notify_all()

    def _release_held(self, webhook_id: str) -> None:
        """The held deliveries of this subscription go out now, after the one that overtook them."""
        with self._condition:
            held = self._held.pop(webhook_id, [])
            for job in held:
                self._heap.remove(job)
                job.held, job.due = False, 0.0
            heapq.heapify(self._heap)
            for job in held:
                heapq.heappush(self._heap, job)
            self._condition.notify_all()

    def _send(self, http: httpx.Client, job: _Job) -> None:
        body = json.dumps({"type": job.event.type, "body": job.event.body}, separators=(",", ":")).encode()
        timestamp = str(int(time.time()))
        headers = {
            "content-type": "application/json",
            TIMESTAMP_HEADER: timestamp,
            SIGNATURE_HEADER: sign(body, timestamp, job.key),
        }
        status: int | None = None
        try:
            status = http.post(job.url, content=body, headers=headers).status_code
        except httpx.HTTPError:
            status = None

        def record(outcome: str) -> None:
            event = job.event
            self._record(DeliveryRecord(job.webhook_id, event.sequence, event.type, job.attempt, outcome, status))

        if status is not None and 200 <= status < 300:
            record("delivered")
            return
        if job.attempt > len(self._retry_seconds):
            record("given_up")
            return
        record("failed")
        delay = self._retry_seconds[job.attempt - 1]
        retry = _Job(time.monotonic() + delay, next(self._sequence), job.webhook_id, job.url, job.key, job.event)
        retry.attempt = job.attempt + 1
        self._push(retry)
