"""One run of `verify-xentral`: the clients, the test target, and everything the run created.

Every test order goes through `import_order`, which records it before anything else can fail, so
`cleanup.cancel_created` cancels each one whatever happened to the check that made it. Every answer
seen is kept (its headers), for the checks that look at transport (Location, rate-limit headers).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from ..xentral import XentralClient
from ..xentral.responses import RawAnswer
from .assumptions import Configured
from .orders import import_body
from .target import Target

__all__ = ["Booked", "CreatedOrder", "VerifySession"]

IMPORT_PATH = "/api/v1/salesOrders/actions/import"


@dataclass(frozen=True, slots=True)
class CreatedOrder:
    order_id: str
    reference: str


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
    created: list[CreatedOrder] = field(default_factory=list)
    answers: list[RawAnswer] = field(default_factory=list)

    def reference(self, label: str) -> str:
        return f"VERIFY-{self.run_id}-{label}"

    def body(self, label: str, positions: list[dict[str, Any]], **options: Any) -> dict[str, Any]:
        return import_body(self.target, self.reference(label), positions, date=self.today.isoformat(), **options)

    async def import_order(self, body: dict[str, Any]) -> tuple[str, RawAnswer]:
        """Import a test order; it is recorded for the cancellation the moment its id is known."""
        answer = await self.client.probe("import_sales_order", "POST", IMPORT_PATH, json=body, is_write=True)
        self.answers.append(answer)
        order_id = answer.created_id("import_sales_order")
        self.created.append(CreatedOrder(order_id, str(body.get("externalOrderNumber"))))
        return order_id, answer

    async def booked(self, order_id: str) -> Booked:
        view = await self.client.get_sales_order(order_id)
        net = Decimal(view.net_sales.amount) if view.net_sales is not None else None
        gross = Decimal(view.total.amount) if view.total is not None else None
        return Booked(net, gross)

    async def import_and_read(self, body: dict[str, Any]) -> Booked:
        order_id, _ = await self.import_order(body)
        return await self.booked(order_id)
