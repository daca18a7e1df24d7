"""A shop's change to an order after its import (a new address, other lines): recorded, shown, never sent.

Xentral's `PATCH` of a sales order deletes every position the patch leaves out, and a changed address
may be on a parcel already: so a shop's later change (WooCommerce's `order.updated`, Shopify's
`orders/updated` of an order we hold) is not patched into Xentral. This module tells what changed
between the request the order was imported with and the shop's new one (`amendments`, pure: the
billing and shipping addresses, and the lines by SKU, quantity and unit price), and records it on
the order (`ShopChanges`), with the lifecycle state it was in, so the operator sees it on the order's
page and carries it out in Xentral by hand where it still matters.

Guarantees: one record per distinct change of an order (`digest`, the new request's fingerprint), so a
shop delivering the same update again records it once; a change of nothing we compare (the payment
state, a note) records nothing.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from typing import Protocol

import structlog

from ..clock import Clock
from .attempts import Attempt, AttemptState, Step, StepName
from .cancellations import LifecycleLookup
from .commands import ItemRequest, PlaceOrder
from .model import Address
from .ports import AttemptNotes

__all__ = ["ChangeOutcome", "OrderChanges", "ShopChange", "ShopChangeLedger", "amendments"]

log = structlog.get_logger(__name__)

_ADDRESS_FIELDS = ("company", "name", "street", "address_supplement", "zip", "city", "state", "country")


@dataclass(frozen=True, slots=True)
class ShopChange:
    """A shop's change to an order we hold, as recorded: what changed, in words (`changes`), and where
    the order stood (`lifecycle_state`: None when it is not tracked)."""

    client: str
    reference: str
    source: str
    received_at: dt.datetime
    changes: tuple[str, ...]
    digest: str
    lifecycle_state: str | None = None


class ChangeOutcome(StrEnum):
    RECORDED = "recorded"
    DUPLICATE = "duplicate"  # the same change was recorded before
    NOTHING = "nothing"  # neither the addresses nor the lines changed


class ShopChangeLedger(Protocol):
    """The recorded changes (the store's `shop_order_changes`)."""

    async def record(self, change: ShopChange) -> bool:
        """Record `change`; False (nothing written) when the order holds one of the same digest."""
        ...

    async def changes_of(self, client: str, reference: str) -> list[ShopChange]:
        """The order's changes, oldest first."""
        ...


def _address_text(address: Address | None) -> str:
    if address is None:
        return "none"
    return ", ".join(str(value) for name in _ADDRESS_FIELDS if (value := getattr(address, name)))


def _lines(items: Sequence[ItemRequest]) -> dict[str, tuple[Decimal, Decimal | None]]:
    """By SKU: the quantity ordered and the unit price (the last line's, where a SKU is on several)."""
    found: dict[str, tuple[Decimal, Decimal | None]] = {}
    for item in items:
        quantity = found.get(item.sku, (Decimal(0), None))[0] + item.quantity
        found[item.sku] = (quantity, item.unit_price)
    return found


def _number(value: Decimal) -> str:
    return format(value.normalize(), "f")


def amendments(before: PlaceOrder, after: PlaceOrder) -> tuple[str, ...]:
    """What the shop changed that Xentral would need to know: addresses and lines, each in words."""
    changes: list[str] = []
    billing_before = before.billing_address or before.customer.address
    billing_after = after.billing_address or after.customer.address
    if _address_text(billing_before) != _address_text(billing_after):
        changes.append(f"billing address: {_address_text(billing_before)} → {_address_text(billing_after)}")
    shipping_before = before.shipping_address or billing_before
    shipping_after = after.shipping_address or billing_after
    if _address_text(shipping_before) != _address_text(shipping_after):
        changes.append(f"shipping address: {_address_text(shipping_before)} → {_address_text(shipping_after)}")
    old, new = _lines(before.items), _lines(after.items)
    for sku in [*old, *(sku for sku in new if sku not in old)]:
        if sku not in new:
            changes.append(f"line {sku}: removed (was x {_number(old[sku][0])})")
        elif sku not in old:
            changes.append(f"line {sku}: added x {_number(new[sku][0])}")
        else:
            (was, was_price), (now, now_price) = old[sku], new[sku]
            if was != now:
                changes.append(f"line {sku}: quantity {_number(was)} → {_number(now)}")
            if was_price is not None and now_price is not None and was_price != now_price:
                changes.append(f"line {sku}: unit price {_number(was_price)} → {_number(now_price)}")
    return tuple(changes)


class OrderChanges:
    """Records shops' changes to the orders we hold (see the module docstring)."""

    def __init__(
        self,
        ledger: ShopChangeLedger,
        *,
        clock: Clock,
        lifecycle: LifecycleLookup | None = None,
        steps: AttemptNotes | None = None,
    ) -> None:
        self._ledger, self._clock, self._lifecycle, self._steps = ledger, clock, lifecycle, steps

    async def record(self, attempt: Attempt, changed: PlaceOrder, *, source: str) -> tuple[ChangeOutcome, ShopChange]:
        """Compare the shop's new request with the one `attempt` was imported with; record what differs."""
        before = PlaceOrder.from_json(attempt.request) if attempt.request else None
        changes = amendments(before, changed) if before is not None else ()
        known = await self._lifecycle.lifecycle_of(attempt.client, attempt.reference) if self._lifecycle else None
        change = ShopChange(
            client=attempt.client,
            reference=attempt.reference,
            source=source,
            received_at=self._clock(),
            changes=changes,
            digest=changed.fingerprint(),
            lifecycle_state=known[1].value if known is not None else None,
        )
        if not changes:
            return ChangeOutcome.NOTHING, change
        if not await self._ledger.record(change):
            return ChangeOutcome.DUPLICATE, change
        log.info("shop.order_changed", reference=attempt.reference, changes=len(changes))
        if self._steps is not None and attempt.id is not None:
            detail = f"{source} changed it, not sent to Xentral: " + "; ".join(changes)
            step = Step(StepName.SHOP_CHANGE, change.received_at, detail[:1000])
            await self._steps.note(attempt.id, step, only_in=(AttemptState.COMPLETED, AttemptState.FAILED))
        return ChangeOutcome.RECORDED, change

    async def changes_of(self, client: str, reference: str) -> list[ShopChange]:
        return await self._ledger.changes_of(client, reference)
