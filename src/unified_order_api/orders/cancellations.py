"""A shop's cancellation of an order we hold: cancelled in Xentral before dispatch, never after.

The shop connectors translate a cancellation (WooCommerce's `order.updated` to `cancelled`, Shopify's
`orders/cancelled`, Shopware's order state entering `cancelled`) into a `RequestCancellation`; this
module decides what becomes of it, in one flow for every shop:

- an order this service never received: nothing is recorded (`CancellationOutcome.UNKNOWN_ORDER`);
- an order still on its way into Xentral (queued, importing): recorded as `awaiting_import` and carried
  out when the import has ended (`carry_out_awaiting`, a loop of the service, and any later delivery).
  Not a 409 for the shop to retry: WooCommerce never redelivers a webhook (a failed delivery only counts
  towards disabling it) and Shopware's retries last seconds, so the cancellation would be lost;
- an order Xentral does not hold (it failed): recorded, not cancelled, the operator alerted;
- an order not dispatched yet: cancelled in Xentral (`POST …/actions/cancel`), recorded, and the
  lifecycle shows it cancelled (its `order.cancelled` webhook, once, through the tracking store);
- an order dispatched, shipped or completed: Xentral is not touched; the request is recorded, the
  operator alerted and the shop gets a note (`on_not_cancelled`).

Every final decision is also a step on the order (`shop_cancellation`, its detail the reason), so the
order's page and `GET /api/orders/{reference}` say what became of the shop's request and why.

Whether the order is dispatched is read from Xentral at that moment (its delivery notes and
deliveries), and from our lifecycle, which never moves backwards: never from the cancel call's answer
alone, since the spec's text on which states it refuses is inconsistent (docs/xentral.md#cancelling-an-order).
A lost answer of the cancel call (timeout, 5xx) is resolved by reading the order back: `canceled` is
cancelled; still released and not dispatched, the call is sent once more; a read that fails too leaves
the request `pending` and the error goes up (the shop is answered 503 and retries).

Guarantees: one record per order (`CancellationLedger`, unique by client and reference); it is claimed
`pending` before Xentral is called (two deliveries at once: the second is answered 409 and retries; a
record awaiting the import is `take`n to `pending` by one caller only, whatever process), so a crash
between the call and the record is finished by the shop's retry, which reads the order back.
A final record makes every later delivery a duplicate: Xentral is called at most once per success,
the alert and the shop's note are raised once.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, replace
from enum import StrEnum
from typing import Protocol

import structlog

from ..clock import Clock
from ..lifecycle.model import LifecycleState, Observation, ObservationSink
from .attempts import Attempt, AttemptState, Step, StepName
from .errors import OrderInProgress, XentralOutcomeUnknown
from .ports import AttemptNotes
from .refunds import RefundedOrders, ShopOrderKey

__all__ = [
    "CancellationLedger",
    "CancellationOutcome",
    "CancellationRecord",
    "LifecycleLookup",
    "MerchantNotes",
    "OrderCancellations",
    "RequestCancellation",
    "XentralCancelling",
    "XentralStanding",
    "merchant_note",
]

log = structlog.get_logger(__name__)

_CANCELED = frozenset({"canceled", "cancelled"})
_RESENDS = 1  # a cancel call whose answer was lost is sent once more when the read-back shows it did not land


@dataclass(frozen=True, slots=True)
class RequestCancellation:
    """The command: the shop cancelled an order (`source` is the shop's kind, `reason` its words)."""

    order: ShopOrderKey
    source: str
    reason: str | None = None
    cancelled_at: dt.datetime | None = None


class CancellationOutcome(StrEnum):
    PENDING = "pending"  # recorded, Xentral's answer not known yet (a retry of the shop's delivery resolves it)
    AWAITING_IMPORT = "awaiting_import"  # recorded while the order was on its way into Xentral: carried out after
    CANCELLED = "cancelled"  # cancelled in Xentral by this request
    ALREADY_CANCELLED = "already_cancelled"  # Xentral had it cancelled before
    NOT_CANCELLED_DISPATCHED = "not_cancelled_dispatched"  # dispatched, shipped or completed: Xentral untouched
    NOT_CANCELLED_REFUSED = "not_cancelled_refused"  # Xentral refused the cancel call (409)
    NOT_IN_XENTRAL = "not_in_xentral"  # our order never reached Xentral (failed, queued): nothing to cancel
    UNKNOWN_ORDER = "unknown_order"  # no order of this client has that reference or shop id: not recorded

    @property
    def final(self) -> bool:
        return self not in (
            CancellationOutcome.PENDING,
            CancellationOutcome.AWAITING_IMPORT,
            CancellationOutcome.UNKNOWN_ORDER,
        )

    @property
    def needs_operator(self) -> bool:
        """The shop cancelled, Xentral did not: someone has to stop the parcel or settle it with the buyer."""
        return self in (
            CancellationOutcome.NOT_CANCELLED_DISPATCHED,
            CancellationOutcome.NOT_CANCELLED_REFUSED,
            CancellationOutcome.NOT_IN_XENTRAL,
        )


@dataclass(frozen=True, slots=True)
class CancellationRecord:
    """A shop's cancellation as recorded on an order: what was asked, what was done and why (`detail`)."""

    client: str
    reference: str
    source: str
    received_at: dt.datetime
    outcome: CancellationOutcome
    detail: str
    reason: str | None = None
    cancelled_at: dt.datetime | None = None  # when the shop cancelled, where it says
    xentral_status: str | None = None  # Xentral's status as read when it was decided
    decided_at: dt.datetime | None = None


@dataclass(frozen=True, slots=True)
class XentralStanding:
    """A sales order as Xentral shows it now: its status (None: Xentral has no such order), whether it is
    dispatched (a delivery note that is not cancelled) and whether a parcel left (a delivery)."""

    status: str | None
    dispatched: bool
    shipped: bool

    @property
    def cancelled(self) -> bool:
        return self.status in _CANCELED

    @property
    def too_late(self) -> str | None:
        """Why it may no longer be cancelled, or None."""
        if self.shipped:
            return "already shipped"
        if self.dispatched:
            return "already dispatched"
        if self.status == "completed":
            return "already completed"
        return None


class CancelRefused(Exception):
    """Xentral refused the cancel call for the order's state (409); the message is Xentral's."""


class XentralCancelling(Protocol):
    """Xentral as cancelling needs it, per instance (`xentral.cancellations`). Failures are `OrderError`s;
    an unknown outcome of `cancel` is `XentralOutcomeUnknown`."""

    async def standing(self, instance: str, sales_order_id: str) -> XentralStanding: ...

    async def cancel(self, instance: str, sales_order_id: str) -> None:
        """Cancel the order; `CancelRefused` when Xentral refuses it (409)."""
        ...


class CancellationLedger(Protocol):
    """The recorded cancellations (the store's `shop_cancellations`), one per order."""

    async def cancellation_of(self, client: str, reference: str) -> CancellationRecord | None: ...

    async def claim(self, record: CancellationRecord) -> bool:
        """Insert the order's first (pending) record; False when the order has one already (another
        delivery of the cancellation got there first)."""
        ...

    async def save(self, record: CancellationRecord) -> None:
        """Replace the order's record (a pending one becomes final), or insert it."""
        ...

    async def take(self, client: str, reference: str) -> bool:
        """The order's record awaiting the import made `pending`, for this caller alone; False when it does
        not await the import (any more: another caller took it)."""
        ...

    async def awaiting_import(self, limit: int) -> list[CancellationRecord]:
        """The records awaiting their order's import, oldest first."""
        ...


class LifecycleLookup(Protocol):
    """What the lifecycle knows of an order: its instance and state, None when it is not tracked."""

    async def lifecycle_of(self, client: str, reference: str) -> tuple[str, LifecycleState] | None: ...


NotCancelled = Callable[[CancellationRecord, Attempt], None]
"""Told of every final record the operator must act on (`needs_operator`): the operator's alert."""


class MerchantNotes(Protocol):
    """A note for the merchant in the shop the order came from, queued as a durable write-back job
    (`write_back.ShopNotes`); False when nothing was queued (no `api` credentials, or queued before)."""

    async def add_note(self, client: str, reference: str, text: str, *, key: str, cause: str) -> bool: ...


def merchant_note(record: CancellationRecord, attempt: Attempt) -> str:
    """The shop's note when its cancellation was not carried out in Xentral: what, why, what to do."""
    number = attempt.receipt.order_number if attempt.receipt is not None else None
    order = f"Xentral order {number}" if number else f"order {attempt.reference}"
    why = record.detail.removeprefix("Not cancelled in Xentral: ")
    return (
        f"Cancellation NOT carried out in Xentral ({order}): {why}. "
        "Stop the parcel or settle it with the buyer; the operator was alerted."
    )


_IN_PROGRESS_RETRY_SECONDS = 30.0
_AWAITING_DETAIL = (
    "Received while the order was on its way into Xentral; carried out in Xentral once its import has put it there"
)


class OrderCancellations:
    """Carries out shops' cancellations (see the module docstring)."""

    def __init__(
        self,
        orders: RefundedOrders,
        ledger: CancellationLedger,
        xentral: XentralCancelling,
        *,
        instance_of: Callable[[str], str],
        clock: Clock,
        lifecycle: LifecycleLookup | None = None,
        sink: ObservationSink | None = None,
        on_not_cancelled: NotCancelled | None = None,
        notes: MerchantNotes | None = None,
        steps: AttemptNotes | None = None,
    ) -> None:
        self._orders, self._ledger, self._xentral = orders, ledger, xentral
        self._instance_of, self._clock = instance_of, clock
        self._lifecycle, self._sink, self._on_not_cancelled = lifecycle, sink, on_not_cancelled
        self._notes, self._steps = notes, steps

    async def order_of(self, client: str, key: ShopOrderKey) -> Attempt | None:
        if key.reference is not None:
            return await self._orders.find(client, key.reference)
        if key.external_order_id is not None:
            return await self._orders.find_by_external_order_id(client, key.external_order_id)
        return None

    async def cancellation_of(self, client: str, reference: str) -> CancellationRecord | None:
        return await self._ledger.cancellation_of(client, reference)

    async def request(
        self, command: RequestCancellation, *, client: str
    ) -> tuple[CancellationRecord | None, Attempt | None, bool]:
        """Carry out the cancellation; returns the order's record (None: unknown order), the order, and
        whether the record was final before (a repeated delivery, nothing done again)."""
        attempt = await self.order_of(client, command.order)
        bound = log.bind(client=client, order=str(command.order), source=command.source)
        if attempt is None:
            bound.warning("cancellation.unknown_order")
            return None, None, False
        earlier = await self._ledger.cancellation_of(client, attempt.reference)
        if earlier is not None and earlier.outcome.final:
            return earlier, attempt, True
        now = self._clock()
        record = earlier or CancellationRecord(
            client=client,
            reference=attempt.reference,
            source=command.source,
            received_at=now,
            outcome=CancellationOutcome.PENDING,
            detail="Received; Xentral not asked yet",
            reason=command.reason,
            cancelled_at=command.cancelled_at,
        )
        if earlier is not None and earlier.outcome is CancellationOutcome.AWAITING_IMPORT:
            decided = await self._after_import(earlier)
            return decided, attempt, decided.outcome is CancellationOutcome.AWAITING_IMPORT
        if attempt.order_id is None and attempt.state.in_progress:
            # Cancelled now, it would be imported after: kept, and carried out once the import has ended.
            waiting = replace(record, outcome=CancellationOutcome.AWAITING_IMPORT, detail=_AWAITING_DETAIL)
            if await self._ledger.claim(waiting):
                bound.info("cancellation.awaiting_import", reference=attempt.reference)
            else:  # another delivery recorded it at the same moment: its record is the one
                waiting = await self._ledger.cancellation_of(client, attempt.reference) or waiting
            # The sweep may have looked before this record existed: the order is read again after it.
            return await self._after_import(waiting), attempt, False
        if attempt.order_id is None:
            detail = f"Not cancelled in Xentral: the order never reached it (its state here: {attempt.state.value})"
            return await self._decide(record, attempt, CancellationOutcome.NOT_IN_XENTRAL, detail, None), attempt, False
        if earlier is None and not await self._ledger.claim(record):
            raise OrderInProgress(
                f"Another delivery of the cancellation of '{attempt.reference}' is being carried out",
                retry_after=_IN_PROGRESS_RETRY_SECONDS,
            )
        # A pending record: an earlier delivery may have sent the cancel and lost its answer.
        decided = await self._carry_out(record, attempt, attempt.order_id, sent_before=earlier is not None)
        bound.info("cancellation.decided", reference=attempt.reference, outcome=decided.outcome.value)
        return decided, attempt, False

    async def carry_out_awaiting(self, limit: int = 50) -> int:
        """Each cancellation awaiting its order's import whose import has ended, carried out (or, the import
        failed, recorded as not in Xentral and told); the number decided. A Xentral that fails puts the
        record back to wait for the next round, so nothing taken is lost."""
        decided = 0
        for waiting in await self._ledger.awaiting_import(limit):
            try:
                record = await self._after_import(waiting)
            except Exception as error:
                log.warning("cancellation.awaiting_failed", reference=waiting.reference, error=type(error).__name__)
                continue
            decided += record.outcome.final
        return decided

    async def run_forever(self, every_seconds: float) -> None:
        """`carry_out_awaiting` every few seconds (each process: `take` lets one carry each out)."""
        while True:
            try:
                await self.carry_out_awaiting()
            except Exception:
                log.exception("cancellation.sweep_failed")
            await asyncio.sleep(every_seconds)

    async def _after_import(self, waiting: CancellationRecord) -> CancellationRecord:
        """A record awaiting the import, carried out when the order is no longer on its way into Xentral and
        this caller takes it; else the record as it stands."""
        attempt = await self._orders.find(waiting.client, waiting.reference)
        if attempt is None or (attempt.order_id is None and attempt.state.in_progress):
            return waiting
        if not await self._ledger.take(waiting.client, waiting.reference):
            return await self._ledger.cancellation_of(waiting.client, waiting.reference) or waiting
        record = replace(waiting, outcome=CancellationOutcome.PENDING, detail="Import ended; Xentral not asked yet")
        tried = waiting.detail != _AWAITING_DETAIL  # an earlier round may have sent the cancel and lost its answer
        try:
            if attempt.order_id is None:
                detail = f"Not cancelled in Xentral: the order never reached it (its state here: {attempt.state.value})"
                return await self._decide(record, attempt, CancellationOutcome.NOT_IN_XENTRAL, detail, None)
            return await self._carry_out(record, attempt, attempt.order_id, sent_before=tried)
        except Exception as error:
            # Nothing decided: back to wait, the next round (or delivery) tries again and reads the order back.
            retry = f"{_AWAITING_DETAIL} (a try failed: {type(error).__name__}; tried again)"
            await self._ledger.save(replace(waiting, detail=retry))
            raise

    async def _carry_out(
        self, record: CancellationRecord, attempt: Attempt, order_id: str, *, sent_before: bool
    ) -> CancellationRecord:
        lifecycle = await self._lifecycle.lifecycle_of(attempt.client, attempt.reference) if self._lifecycle else None
        instance = lifecycle[0] if lifecycle is not None else self._instance_of(attempt.client)
        known = lifecycle[1] if lifecycle is not None else None
        if known is not None and known != LifecycleState.CANCELLED and known.rank >= LifecycleState.DISPATCHED.rank:
            # Our lifecycle never moves backwards: dispatched here is dispatched in Xentral.
            detail = f"Not cancelled in Xentral: already {known.value.replace('_', ' ')}"
            return await self._decide(record, attempt, CancellationOutcome.NOT_CANCELLED_DISPATCHED, detail, None)
        standing = await self._xentral.standing(instance, order_id)
        for resend in range(_RESENDS + 1):
            if standing.status is None:
                detail = f"Not cancelled in Xentral: it has no sales order {order_id} (any more)"
                return await self._decide(record, attempt, CancellationOutcome.NOT_IN_XENTRAL, detail, None)
            if standing.cancelled:
                ours = resend or sent_before
                outcome = CancellationOutcome.CANCELLED if ours else CancellationOutcome.ALREADY_CANCELLED
                detail = "Cancelled in Xentral (read back)" if ours else "Xentral had the order cancelled already"
                return await self._cancelled(record, attempt, instance, order_id, outcome, detail, standing)
            if (why := standing.too_late) is not None:
                detail = f"Not cancelled in Xentral: {why}"
                outcome = CancellationOutcome.NOT_CANCELLED_DISPATCHED
                return await self._decide(record, attempt, outcome, detail, standing.status)
            try:
                await self._xentral.cancel(instance, order_id)
            except CancelRefused as refused:
                standing = await self._xentral.standing(instance, order_id)  # the read-back decides
                if standing.cancelled:
                    detail = "Cancelled in Xentral (read back)"
                    outcome = CancellationOutcome.CANCELLED
                    return await self._cancelled(record, attempt, instance, order_id, outcome, detail, standing)
                if (why := standing.too_late) is not None:
                    detail = f"Not cancelled in Xentral: {why}"
                    outcome = CancellationOutcome.NOT_CANCELLED_DISPATCHED
                else:
                    detail = f"Not cancelled in Xentral: Xentral refused it ({refused})"
                    outcome = CancellationOutcome.NOT_CANCELLED_REFUSED
                return await self._decide(record, attempt, outcome, detail, standing.status)
            except XentralOutcomeUnknown:
                log.info("cancellation.outcome_unknown", reference=attempt.reference)
            standing = await self._xentral.standing(instance, order_id)  # the answer is read back, never assumed
            if standing.cancelled:
                return await self._cancelled(
                    record, attempt, instance, order_id, CancellationOutcome.CANCELLED, "Cancelled in Xentral", standing
                )
        raise XentralOutcomeUnknown(
            f"Xentral still shows sales order {order_id} as {standing.status} after the cancellation was sent; "
            "the shop's next delivery tries again",
            retry_after=30.0,
        )

    async def _cancelled(
        self,
        record: CancellationRecord,
        attempt: Attempt,
        instance: str,
        order_id: str,
        outcome: CancellationOutcome,
        detail: str,
        standing: XentralStanding,
    ) -> CancellationRecord:
        decided = await self._decide(record, attempt, outcome, detail, standing.status)
        if self._sink is not None:
            seen = Observation(instance, order_id, self._clock(), "shop", LifecycleState.CANCELLED)
            await self._sink.observe([seen])  # the lifecycle shows it at once; its order.cancelled goes once
        return decided

    async def _decide(
        self,
        record: CancellationRecord,
        attempt: Attempt,
        outcome: CancellationOutcome,
        detail: str,
        status: str | None,
    ) -> CancellationRecord:
        decided = replace(record, outcome=outcome, detail=detail, xentral_status=status, decided_at=self._clock())
        if outcome.needs_operator:
            # Before the final record: a crash in between repeats it on the shop's retry (the note's job is
            # keyed by the order, so it is queued once); after it, a repeated delivery is a duplicate.
            await self._tell(decided, attempt)
        await self._ledger.save(decided)
        if self._steps is not None and attempt.id is not None:
            step = Step(StepName.SHOP_CANCELLATION, decided.decided_at or self._clock(), f"{record.source}: {detail}")
            await self._steps.note(attempt.id, step, only_in=(AttemptState.COMPLETED, AttemptState.FAILED))
        return decided

    async def _tell(self, record: CancellationRecord, attempt: Attempt) -> None:
        """The operator's alert and the merchant's note in the shop (queued once: keyed by the order)."""
        if self._on_not_cancelled is not None:
            try:
                self._on_not_cancelled(record, attempt)
            except Exception:
                log.exception("cancellation.alert_failed", reference=attempt.reference)
        if self._notes is not None:  # a failure goes up: the record stays pending and the shop's retry queues it
            await self._notes.add_note(
                attempt.client,
                attempt.reference,
                merchant_note(record, attempt),
                key=f"shop-cancellation:{attempt.reference}",
                cause=f"{record.source} cancelled the order: {record.detail}",
            )
