"""Refunds after the import: a shop's refund recorded on the order it belongs to, and told to the client.

A refund is money the shop gave back after the order was placed (WooCommerce's partial refunds and
`refunded` status, Shopify's `refunds/create`, Shopware's transaction entering `refunded`). The shop
connectors translate such a delivery into a `RecordRefund`; this module records it on an order this
service holds and writes the `order.refunded` callback.

Guarantees: a refund is recorded once per shop refund id (`refund_id`) and order, whatever number of
times the shop delivers it; the record and its `order.refunded` message are written in one transaction
(`RefundLedger.record`), so a recorded refund always gets its callback and a duplicate never a second one.
A refund of an order this service never received is not recorded (`RefundOutcome.UNKNOWN_ORDER`).
Xentral is not written: no credit note is made (docs/xentral.md, "Refunds").
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum
from typing import Any, Protocol

import structlog

from ..clock import Clock
from .attempts import Attempt, WebhookMessage
from .ports import CallbackPolicy

__all__ = [
    "OrderRefunds",
    "RecordRefund",
    "Refund",
    "RefundLedger",
    "RefundOutcome",
    "RefundedLine",
    "ShopOrderKey",
    "refunded_total",
]

log = structlog.get_logger(__name__)


@dataclass(frozen=True, slots=True)
class ShopOrderKey:
    """How a refund names its order: by our reference, or by the shop's own order id (`external_order_id`)."""

    reference: str | None = None
    external_order_id: str | None = None

    def __str__(self) -> str:
        return self.reference or f"shop id {self.external_order_id}"


@dataclass(frozen=True, slots=True)
class RefundedLine:
    """One line a refund gave money back for (as far as the shop says: any field may be unknown)."""

    line_id: str | None = None
    sku: str | None = None
    quantity: Decimal | None = None
    amount: Decimal | None = None  # the money given back for the line, as the shop states it
    tax: Decimal | None = None  # the tax in or on it, where the shop states it apart

    def to_json(self) -> dict[str, Any]:
        return {
            "line_id": self.line_id,
            "sku": self.sku,
            "quantity": _text(self.quantity),
            "amount": _text(self.amount),
            "tax": _text(self.tax),
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> RefundedLine:
        return cls(
            line_id=data.get("line_id"),
            sku=data.get("sku"),
            quantity=None if data.get("quantity") is None else Decimal(data["quantity"]),
            amount=None if data.get("amount") is None else Decimal(data["amount"]),
            tax=None if data.get("tax") is None else Decimal(data["tax"]),
        )


def _text(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


@dataclass(frozen=True, slots=True)
class RecordRefund:
    """The command: the shop gave `amount` back on an order (`refund_id` is the shop's own id of it)."""

    order: ShopOrderKey
    refund_id: str
    amount: Decimal
    source: str  # the shop's kind ("woocommerce"), where the refund was made
    currency: str | None = None
    reason: str | None = None
    lines: tuple[RefundedLine, ...] = ()
    refunded_at: dt.datetime | None = None


@dataclass(frozen=True, slots=True)
class Refund:
    """A refund as recorded on an order."""

    client: str
    reference: str
    refund_id: str
    amount: Decimal
    source: str
    recorded_at: dt.datetime
    currency: str | None = None
    reason: str | None = None
    lines: tuple[RefundedLine, ...] = field(default_factory=tuple)
    refunded_at: dt.datetime | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "refund_id": self.refund_id,
            "amount": str(self.amount),
            "currency": self.currency,
            "reason": self.reason,
            "lines": [line.to_json() for line in self.lines],
            "source": self.source,
            "refunded_at": None if self.refunded_at is None else self.refunded_at.isoformat(),
            "recorded_at": self.recorded_at.isoformat(),
        }


def refunded_total(refunds: Sequence[Refund]) -> Decimal:
    """What the shop gave back on an order in all."""
    return sum((refund.amount for refund in refunds), Decimal(0))


class RefundOutcome(StrEnum):
    RECORDED = "recorded"
    DUPLICATE = "duplicate"  # this refund id was recorded on the order before
    UNKNOWN_ORDER = "unknown_order"  # no order of this client has that reference or shop id


class RefundLedger(Protocol):
    """The recorded refunds (the store's `order_refunds`)."""

    async def record(self, refund: Refund, webhook: WebhookMessage | None) -> bool:
        """Record `refund` and enqueue `webhook` in one transaction; False (and nothing written) when this
        client's order holds a refund with this id already."""
        ...

    async def refunds_of(self, client: str, reference: str) -> list[Refund]:
        """The order's refunds, oldest recorded first."""
        ...


class RefundedOrders(Protocol):
    """The attempts a refund is recorded on (the attempt store's finders)."""

    async def find(self, client: str, reference: str) -> Attempt | None: ...

    async def find_by_external_order_id(self, client: str, external_order_id: str) -> Attempt | None: ...


class OrderRefunds:
    """Records shops' refunds on the orders they belong to (see the module docstring)."""

    def __init__(
        self, orders: RefundedOrders, ledger: RefundLedger, callbacks: CallbackPolicy | None, clock: Clock
    ) -> None:
        self._orders, self._ledger, self._callbacks, self._clock = orders, ledger, callbacks, clock

    async def order_of(self, client: str, key: ShopOrderKey) -> Attempt | None:
        """The client's order a refund names, or None."""
        if key.reference is not None:
            return await self._orders.find(client, key.reference)
        if key.external_order_id is not None:
            return await self._orders.find_by_external_order_id(client, key.external_order_id)
        return None

    async def record(self, command: RecordRefund, *, client: str) -> tuple[RefundOutcome, Attempt | None]:
        """Record the refund on its order (once per refund id) and write its `order.refunded` callback."""
        attempt = await self.order_of(client, command.order)
        bound = log.bind(client=client, order=str(command.order), refund_id=command.refund_id)
        if attempt is None:
            bound.warning("refund.unknown_order")
            return RefundOutcome.UNKNOWN_ORDER, None
        refund = Refund(
            client=client,
            reference=attempt.reference,
            refund_id=command.refund_id,
            amount=command.amount,
            source=command.source,
            recorded_at=self._clock(),
            currency=command.currency,
            reason=command.reason,
            lines=command.lines,
            refunded_at=command.refunded_at,
        )
        earlier = await self._ledger.refunds_of(client, attempt.reference)
        if any(known.refund_id == refund.refund_id for known in earlier):
            return RefundOutcome.DUPLICATE, attempt
        webhook = self._message(attempt, refund, earlier)
        if not await self._ledger.record(refund, webhook):
            return RefundOutcome.DUPLICATE, attempt
        bound.info("refund.recorded", reference=attempt.reference, amount=str(refund.amount))
        return RefundOutcome.RECORDED, attempt

    async def refunds_of(self, client: str, reference: str) -> list[Refund]:
        return await self._ledger.refunds_of(client, reference)

    def _message(self, attempt: Attempt, refund: Refund, earlier: Sequence[Refund]) -> WebhookMessage | None:
        """`order.refunded`, to where the order's callbacks go (none when the client has no callbacks)."""
        url = self._target(attempt)
        if url is None:
            return None
        receipt = attempt.receipt
        event_id = f"evt_{uuid.uuid4().hex}"
        data = {
            "reference": attempt.reference,
            "order_id": attempt.order_id,
            "order_number": receipt.order_number if receipt is not None else None,
            "refund": refund.to_json(),
            "refunded_total": str(refunded_total([*earlier, refund])),
        }
        payload = {"type": "order.refunded", "id": event_id, "timestamp": refund.recorded_at.isoformat(), "data": data}
        return WebhookMessage(
            client=attempt.client, url=url, event_type="order.refunded", event_id=event_id, payload=payload
        )

    def _target(self, attempt: Attempt) -> str | None:
        if self._callbacks is None:
            return None
        requested = (attempt.request or {}).get("callback_url")
        try:
            # Checked in full when the order ran; the dispatcher's guard checks the address at delivery.
            return self._callbacks.target_for(attempt.client, requested, resolve=False)
        except ValueError as error:
            log.warning("refund.callback_not_allowed", reference=attempt.reference, reason=str(error))
            return None
