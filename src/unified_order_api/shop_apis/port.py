"""The port the write-back lane drives: one shop's API, in the lane's words (an order, a shipment, a note).

Every write is idempotent here, not in the caller: an adapter looks before it writes (an existing
note of the same text, a fulfilment with the same tracking number, a delivery already carrying
the code), so a job whose answer was lost can run again and the buyer hears of a parcel once.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Protocol

from ..lifecycle import Shipment

__all__ = ["ApiCheck", "ShopApi", "ShopLine", "ShopOrderRef"]


@dataclass(frozen=True, slots=True)
class ShopLine:
    """One line of the order as the shop sent it: its id in the shop (sent to Xentral as `webId`), SKU, quantity."""

    line_id: str | None
    sku: str
    quantity: Decimal


@dataclass(frozen=True, slots=True)
class ShopOrderRef:
    """The shop's own order: its id (WooCommerce order id, Shopify order id, Shopware order id) and its lines."""

    shop_order_id: str
    reference: str
    lines: tuple[ShopLine, ...] = ()


@dataclass(frozen=True, slots=True)
class ApiCheck:
    """What a harmless read showed: who answered, and the permissions the shop reports (or probed)."""

    shop: str
    permissions: tuple[str, ...] = ()
    missing: tuple[str, ...] = field(default=())  # permissions write-back needs that the shop does not grant


class ShopApi(Protocol):
    """One shop's API. Each method returns a short line saying what the shop now shows (for the console)."""

    async def check(self) -> ApiCheck: ...

    async def ship(self, order: ShopOrderRef, shipment: Shipment, *, complete: bool) -> str:
        """Tell the shop of `shipment`: tracking to the buyer; `complete`: everything has shipped."""
        ...

    async def note(self, order: ShopOrderRef, text: str) -> str:
        """Add a note for the merchant (not the buyer), once."""
        ...

    async def cancel(self, order: ShopOrderRef, reason: str) -> str:
        """Cancel the order in the shop (Xentral cancelled it); nothing when it is cancelled already."""
        ...

    async def aclose(self) -> None: ...
