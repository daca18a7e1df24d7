"""What a shop is, in one value: how its webhook is signed and named, what it imports by default, how its order is read.

Each shop module (`woocommerce`, `shopify`, `shopware`) exports one `CONNECTOR`, and `registry`
lists them. The intake (`intake.py`) and the settings read nothing but these fields, so no code
outside a shop's module asks which shop it is: adding a shop is one module and one registration.

The second direction (status and tracking written back to the shop) has its place here too:
`write_back`, a `ShopWriteBack` a later change gives the shops that need it; until then it is None
and nothing is written back.

Refunds and cancellations are read apart from the order (`refunds`, `cancellation`): each is news
about an order we hold, not an order, and a delivery may be both (WooCommerce's `order.updated` of a
partly refunded order). A cancellation of an order we never received stays what it was before: a
cancelled order, not imported (`translate` ignores it).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from ..orders.cancellations import RequestCancellation
from .arrivals import Arrival
from .native import Ignored, ReportedRefunds, Translated
from .signatures import Encoding

__all__ = [
    "ArrivalId",
    "ReadCancellation",
    "ReadRefunds",
    "ShopConnector",
    "ShopRules",
    "ShopWriteBack",
    "Signature",
    "Topics",
    "Translate",
]


class ShopRules(Protocol):
    """The client's shop settings a translation reads (the settings' `ShopSettings` is one)."""

    @property
    def statuses(self) -> list[str] | None: ...

    @property
    def skus_from(self) -> list[str]: ...

    @property
    def import_payment_states(self) -> list[str] | None: ...

    @property
    def import_test_orders(self) -> bool: ...


@dataclass(frozen=True, slots=True)
class Topics:
    """The header naming what a call is about (in any case, as `Signature.header`), and the topics whose
    body is an order (others are ignored)."""

    header: str
    orders: frozenset[str]


Translate = Callable[[dict[str, Any], ShopRules], Translated | Ignored]
"""The shop's JSON body → our order request, or the reason it creates no order."""

ReadRefunds = Callable[[str | None, dict[str, Any]], ReportedRefunds | None]
"""The topic (None: the shop sends none) and JSON body → the refunds the delivery reports, or None."""

ReadCancellation = Callable[[str | None, dict[str, Any]], RequestCancellation | None]
"""The topic (None: the shop sends none) and JSON body → the cancellation of the order it names, or None."""

ArrivalId = Callable[[Mapping[str, str], Mapping[str, Any]], str | None]
"""The id a shop repeats on every retry of one call, read from the headers (lower-case names) or the body."""


@dataclass(frozen=True, slots=True)
class Signature:
    """The header carrying the shop's HMAC-SHA256 of the raw body, and how the digest is written in it."""

    header: str
    encoding: Encoding


class ShopWriteBack(Protocol):
    """The second direction: what became of an order, told to the shop it came from.

    Not implemented by any shop yet. A shop that gets one also gets the credentials its API needs in
    its settings; `shop` is the client's shop settings, `shop_order_id` the shop's own id of the
    order (the request's `external_order_id`).
    """

    async def order_status(self, shop: ShopRules, shop_order_id: str, status: str) -> None: ...

    async def tracking(self, shop: ShopRules, shop_order_id: str, carrier: str | None, number: str) -> None: ...


@dataclass(frozen=True, slots=True)
class ShopConnector:
    """Everything the service knows about one shop; `kind` is its name in the URL and in `shop.kind`."""

    kind: str
    title: str  # the shop's name in answers and refusals ("WooCommerce")
    signature: Signature
    translate: Translate
    arrival_id: ArrivalId
    # The order statuses imported when the client sets none; None: the shop's orders carry no status.
    default_statuses: tuple[str, ...] | None
    # Whether the shop sends a payment state that `import_payment_states` can choose by.
    payment_states: bool
    sku_fields: tuple[str, ...]  # where a line's SKU is read when the client sets no `sku_fields`
    sku_fields_allowed: frozenset[str]
    topics: Topics | None = None  # None: the shop has no topic header (the body says what it is)
    # Where the shop signs the time it sent the call (Unix seconds); None: it signs no time.
    signed_time: Callable[[Mapping[str, Any]], object] | None = None
    # An unsigned call the shop makes to see that the address answers (answered 200, nothing read).
    ping: Callable[[Arrival], bool] | None = None
    write_back: ShopWriteBack | None = None
    # The refunds a delivery reports after the order (None: the shop's refunds are not read).
    refunds: ReadRefunds | None = None
    # The shop's cancellation of an order a delivery reports (None: the shop's cancellations are not read).
    cancellation: ReadCancellation | None = None
    # The shop's delivery of the order, where its API addresses shipments by delivery (Shopware), read from
    # the body; kept with the shop's order id for the write-back (None: the shop has no such id).
    delivery_id: Callable[[dict[str, Any]], str | None] | None = None
