"""Reconciliation and import: find an order Xentral already has, or import ours and read it back.

Every import is preceded by a persisted `importing` step, so an import whose answer was lost is
found again by its reference (reconciled) before anything is sent a second time.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from ..clock import Clock
from .attempts import Attempt, AttemptState, OrderReceipt, StepName, checkpoint
from .errors import (
    OrderError,
    XentralFilterIgnored,
    XentralOrderUnconfirmed,
    XentralOutcomeUnknown,
    XentralRejectedOrder,
)
from .model import OrderDraft, SalesOrder
from .ports import Attempts, XentralGateway

__all__ = ["OrderImporter", "RepeatRefused", "customer_extra", "held_reasons"]


class RepeatRefused(Exception):
    """Xentral refused the import (400/409) and holds an order under its reference: the order may be
    ours (an earlier import whose answer was lost) or another's; the service decides which, as for any
    order found by reference (docs/xentral.md#duplicates)."""

    def __init__(self, order: SalesOrder) -> None:
        super().__init__(f"order {order.id} holds the reference")
        self.order = order


class OrderImporter:
    def __init__(self, *, gateway: XentralGateway, attempts: Attempts, clock: Clock) -> None:
        self._gateway = gateway
        self._attempts = attempts
        self._clock = clock

    async def find_existing(self, reference: str) -> SalesOrder | None:
        """The live order Xentral holds under this external reference (the oldest, if several)."""
        orders = await self._gateway.find_orders_by_reference(reference)
        live = [order for order in orders if order.status != "canceled"]
        if not live:
            return None
        return min(live, key=lambda order: (len(order.id), order.id))

    def receipt_for_existing(self, reference: str, order: SalesOrder, attempt: Attempt) -> OrderReceipt:
        # Found after an import of ours was sent: it is the order we created, not someone else's. An import
        # Xentral refused as a repeat created nothing.
        created_here = attempt.count(StepName.IMPORTING) > attempt.count(StepName.REPEAT_REFUSED)
        attempt.order_id = order.id
        return OrderReceipt(
            reference=reference,
            order_id=order.id,
            order_number=order.document_number,
            order_status=order.status,
            customer_id=order.customer_id or attempt.customer_id or "",
            customer_number=order.customer_number or attempt.customer_number,
            customer_created=attempt.customer_created,
            outcome="created" if created_here else "existing",
            held_reasons=held_reasons(order),
        )

    async def import_order(self, draft: OrderDraft, attempt: Attempt, *, lease: dt.timedelta) -> str:
        """Import the draft and return the order id; reconciles by reference when the answer is lost."""
        attempt.state = AttemptState.IMPORTING
        attempt.record(StepName.IMPORTING, self._clock())
        await checkpoint(self._attempts, attempt, now=self._clock(), lease=lease)
        try:
            order_id = await self._gateway.import_order(draft)
        except XentralOutcomeUnknown as error:
            try:
                found = await self.find_existing(draft.reference)
            except OrderError:
                found = None  # still unknown: the state stays `importing`, the retry reconciles
            if found is None:
                error.extra.update(customer_extra(attempt))
                raise
            order_id = found.id
            attempt.record(StepName.RECONCILED, self._clock(), f"order {order_id} found after an unconfirmed import")
        except XentralRejectedOrder as error:
            # Xentral may refuse an import whose reference it already holds (whether, and how, is not
            # documented): look the reference up before answering "rejected", the order may be ours.
            repeated = await self._held_under(draft.reference)
            if repeated is not None:
                attempt.record(StepName.REPEAT_REFUSED, self._clock(), f"order {repeated.id} holds the reference")
                raise RepeatRefused(repeated) from error
            raise XentralRejectedOrder(
                f"Xentral rejected the order: {error.detail}",
                violations=error.violations,
                extra=customer_extra(attempt),
            ) from error
        except OrderError as error:
            error.extra.update(customer_extra(attempt))
            raise
        attempt.order_id = order_id
        attempt.record(StepName.IMPORTED, self._clock(), f"order {order_id}")
        return order_id

    async def _held_under(self, reference: str) -> SalesOrder | None:
        try:
            return await self.find_existing(reference)
        except OrderError:
            return None  # cannot tell: Xentral's refusal is answered as it is

    async def read_back(self, order_id: str, reference: str, attempt: Attempt) -> SalesOrder:
        """The imported order with its number, proven ours: its id is the one the import answered and
        its reference is exactly ours.

        Read through the list by reference — the duplicate check's own call, so the read-backs of
        concurrent orders share one call (coalescing gateway) — and by id when the list lacks it.
        When neither proves it, Xentral answered the import with an order it does not show, and when the
        list ignored its filter, Xentral's answers prove nothing: either way it is not reported as created
        (`XentralOrderUnconfirmed`); the attempt stays `importing`, and the retry reconciles by reference
        before importing again. A read that merely failed reports the order without a number rather than
        fail an order that exists.
        """

        def proves(order: SalesOrder) -> bool:
            return order.id == order_id and order.reference == reference

        try:
            listed: Sequence[SalesOrder] | None = await self._gateway.find_orders_by_reference(reference)
        except XentralFilterIgnored as error:
            # Not a read that failed: Xentral answered with orders that are not ours. Nothing it says
            # about this order is evidence now (docs/xentral.md#verifying-answers); the retry reconciles.
            raise XentralOrderUnconfirmed(
                f"Xentral accepted the import (order {order_id}), but reading it back did not prove it is "
                f"this order: {error.detail}. It is not reported as created; a retry with the same "
                "reference looks it up first",
                retry_after=5,
                extra=customer_extra(attempt),
            ) from error
        except OrderError:
            listed = None
        for order in listed or ():
            if proves(order):
                return order
        try:
            viewed: SalesOrder | None = await self._gateway.get_order(order_id)
        except OrderError:
            viewed = None
        if viewed is not None and proves(viewed):
            return viewed
        if listed is None and viewed is None:
            # The order exists; its number is what we could not read. Report it without one
            # rather than fail an order that was created.
            # Assumption: status is `released` (docs/xentral.md#reading-an-order-back).
            return SalesOrder(id=order_id, document_number=None, status="released", reference=None)
        shown = ", ".join(order.id for order in listed or ()) or "none"
        raise XentralOrderUnconfirmed(
            f"Xentral answered the import with order {order_id}, but does not show it under this reference "
            f"(orders under it: {shown}). It is not reported as created; a retry with the same reference "
            "looks it up first",
            retry_after=5,
            extra=customer_extra(attempt),
        )


def customer_extra(attempt: Attempt) -> dict[str, Any]:
    """What a failure's problem says about a customer this attempt created (it is kept and reused)."""
    if not attempt.customer_created:
        return {}
    return {
        "customer": {
            "id": attempt.customer_id,
            "number": attempt.customer_number,
            "created": True,
            "note": "The customer was created and is kept; a retry reuses it.",
        }
    }


def held_reasons(order: SalesOrder) -> list[str] | None:
    """The receipt's form of what holds the order: a list, or None when Xentral's answer showed no lights."""
    return None if order.held_reasons is None else list(order.held_reasons)
