"""One run of `verify-xentral`: the clients, the test target, and everything the run created.

Every test order goes through `import_order`, which records its reference before the request is sent and
its id the moment the answer names one, so `cleanup.cancel_created` finds each one whatever happened to the
check that made it (an answer lost, a check broken, Ctrl-C). An id read from `Location` is trusted only once
the order's view shows the run's reference (`verified`): figures are never read, nor an order cancelled, on
an id that may be another order's. Every answer seen is kept (its headers), for the checks that look at
transport (Location, rate-limit headers).
"""

from __future__ import annotations

import asyncio
import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from ..xentral import XentralClient
from ..xentral.errors import (
    RateBudgetExhausted,
    XentralConnectError,
    XentralError,
    XentralServerError,
    XentralStatusError,
    XentralUnexpectedResponse,
)
from ..xentral.responses import RawAnswer
from ..xentral.wire import SalesOrderView
from .assumptions import Configured
from .orders import import_body
from .target import Target

__all__ = ["Booked", "CreatedOrder", "NotTheRunsOrder", "VerifySession"]


@dataclass(frozen=True, slots=True)
class CreatedOrder:
    order_id: str
    reference: str


class NotTheRunsOrder(XentralUnexpectedResponse):
    """The order an import's `Location` named shows another reference: the id is not the imported order's."""

    def __init__(self, order: CreatedOrder, reference: str | None) -> None:
        super().__init__(
            201,
            None,
            "import_sales_order",
            detail=f"Location named order {order.order_id}, whose reference is {reference!r}, not {order.reference!r}",
        )
        self.order = order
        self.reference = reference


@dataclass(frozen=True, slots=True)
class Booked:
    """An order's figures as Xentral's view shows them (`netSales`, `total`)."""

    net: Decimal | None
    gross: Decimal | None

    def __str__(self) -> str:
        return f"net {self.net}, gross {self.gross}"


@dataclass
class VerifySession:
    client: XentralClient
    target: Target
    configured: Configured
    run_id: str  # part of every reference, so two runs never share one
    limited: XentralClient | None = None  # a token lacking a scope, for the missing-scope check
    today: dt.date = field(default_factory=dt.date.today)
    attempted: list[str] = field(default_factory=list)  # references of imports that may have booked, once each
    created: list[CreatedOrder] = field(default_factory=list)  # what the import's Location named
    verified: set[str] = field(default_factory=set)  # ids whose view showed their run's reference
    answers: list[RawAnswer] = field(default_factory=list)

    def reference(self, label: str) -> str:
        return f"VERIFY-{self.run_id}-{label}"

    def body(self, label: str, positions: list[dict[str, Any]], **options: Any) -> dict[str, Any]:
        return import_body(self.target, self.reference(label), positions, date=self.today.isoformat(), **options)

    async def import_order(self, body: dict[str, Any]) -> tuple[str, RawAnswer]:
        """Import a test order: its reference recorded before it is sent (an answer lost still leaves it to be
        found), its id the moment the answer names one."""
        reference = str(body["externalOrderNumber"])
        self.attempted.append(reference)
        sending = asyncio.ensure_future(self.client.probe("import_sales_order", json=body))
        try:
            answer = await asyncio.shield(sending)
        except asyncio.CancelledError:
            # Ctrl-C while Xentral books it: take the answer (the client's timeout bounds the wait), so the
            # order is recorded for the cleanup, then stop as asked.
            try:
                self._record(reference, await sending)
            except XentralError as error:
                self._failed(reference, error)
            raise
        except XentralError as error:
            self._failed(reference, error)
            raise
        return self._record(reference, answer), answer

    def _failed(self, reference: str, error: XentralError) -> None:
        if _booked_nothing(error):
            self.attempted.remove(reference)

    def _record(self, reference: str, answer: RawAnswer) -> str:
        self.answers.append(answer)
        order_id = answer.created_id("import_sales_order")
        self.created.append(CreatedOrder(order_id, reference))
        return order_id

    async def view_of(self, order: CreatedOrder) -> SalesOrderView:
        """The order's view, once it shows the order's reference (`NotTheRunsOrder` otherwise)."""
        view = await self.client.get_sales_order(order.order_id)
        if view.external_order_number != order.reference:
            raise NotTheRunsOrder(order, view.external_order_number)
        self.verified.add(order.order_id)
        return view

    async def booked(self, order: CreatedOrder) -> Booked:
        view = await self.view_of(order)
        net = Decimal(view.net_sales.amount) if view.net_sales is not None else None
        gross = Decimal(view.total.amount) if view.total is not None else None
        return Booked(net, gross)

    async def import_and_read(self, body: dict[str, Any]) -> Booked:
        order_id, _ = await self.import_order(body)
        return await self.booked(CreatedOrder(order_id, str(body["externalOrderNumber"])))


def _booked_nothing(error: XentralError) -> bool:
    """Whether a failed import surely created nothing: never sent (no rate slot, no connection) or refused
    with a 4xx. A lost answer, a 5xx or a 2xx without a usable `Location` may have booked the order."""
    if isinstance(error, RateBudgetExhausted | XentralConnectError):
        return True
    return isinstance(error, XentralStatusError) and not isinstance(
        error, XentralServerError | XentralUnexpectedResponse
    )
