"""The port the write-back lane drives: one shop's API, in the lane's words (an order, a shipment, a note).

Every write is idempotent here, not in the caller: an adapter looks before it writes (an existing
note of the same text, a fulfilment with the same tracking number, a delivery already carrying
the code), so a job whose answer was lost can run again and the buyer hears of a parcel once.
Where the shop shows nothing to recognise a write by (a Shopify fulfilment without a tracking
number), the adapter keeps what it saw before writing in the job's `WriteMark`, durably, and a
later try tells its own earlier write as what is new since.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Protocol

from ..lifecycle import Shipment

__all__ = ["ApiCheck", "ShopApi", "ShopLine", "ShopOrderRef", "WriteMark"]


@dataclass(frozen=True, slots=True)
class ShopLine:
    """One line of the order as the shop sent it: its id in the shop (sent to Xentral as `webId`), SKU, quantity."""

    line_id: str | None
    sku: str
    quantity: Decimal


@dataclass(frozen=True, slots=True)
class ShopOrderRef:
    """The shop's own order: its id (WooCommerce order id, Shopify order id, Shopware order id), its lines,
    and its delivery's id where the shop addresses shipments by delivery (Shopware)."""

    shop_order_id: str
    reference: str
    lines: tuple[ShopLine, ...] = ()
    delivery_id: str | None = None


class WriteMark(Protocol):
    """One job's memory across its tries: what its adapter saw just before the job's first write."""

    @property
    def seen(self) -> Mapping[str, Any] | None: ...

    async def keep(self, seen: Mapping[str, Any]) -> None:
        """Store `seen` durably before the write; raises when the job is no longer this worker's."""
        ...


@dataclass(frozen=True, slots=True)
class ApiCheck:
    """What a harmless read showed: who answered, and the permissions the shop reports (or probed)."""

    shop: str
    permissions: tuple[str, ...] = ()
    missing: tuple[str, ...] = field(default=())  # permissions write-back needs that the shop does not grant


class ShopApi(Protocol):
    """One shop's API. Each method returns a short line saying what the shop now shows (for the console)."""

    async def check(self) -> ApiCheck: ...

    async def ship(
        self, order: ShopOrderRef, shipment: Shipment, *, complete: bool, mark: WriteMark | None = None
    ) -> str:
        """Tell the shop of `shipment`: tracking to the buyer; `complete`: everything has shipped."""
        ...

    async def complete(self, order: ShopOrderRef) -> str:
        """Everything has shipped (no new parcel), or Xentral completed the order: the shop's final status."""
        ...

    async def note(self, order: ShopOrderRef, text: str) -> str:
        """Add a note for the merchant (not the buyer), once."""
        ...

    async def cancel(self, order: ShopOrderRef, reason: str) -> str:
        """Cancel the order in the shop (Xentral cancelled it); nothing when it is cancelled already."""
        ...

    async def aclose(self) -> None: ...
