"""`XentralCancellations`: the cancelling port (`orders.cancellations.XentralCancelling`) over each instance's client.

`standing` reads what decides whether an order may still be cancelled: its status (the view), its delivery
notes (`salesOrderId` equals; a note that is not cancelled means dispatched) and its deliveries (a parcel
left). Three reads, each list checked against its filter. `cancel` is the action
`POST /api/v1/salesOrders/{id}/actions/cancel`; its 409 is `CancelRefused` with Xentral's messages, every
other failure the order error it is (a lost answer `XentralOutcomeUnknown`: the flow reads the order back).
docs/xentral.md#cancelling-an-order names what is documented and what assumed.
"""

from __future__ import annotations

from collections.abc import Mapping

from ..orders.cancellations import CancelRefused, XentralStanding
from .client import XentralClient
from .errors import XentralConflict, XentralNotFound
from .filters import MAX_PAGE_SIZE, Filter, Page
from .gateway import order_read, order_write
from .problems import problem_messages
from .verification import AnswerChecks, UntrustedHook

__all__ = ["XentralCancellations"]

_CANCELED = ("canceled", "cancelled")


class XentralCancellations:
    def __init__(self, clients: Mapping[str, XentralClient], *, on_untrusted: UntrustedHook | None = None) -> None:
        self._clients = dict(clients)
        self._checks = AnswerChecks(on_untrusted)

    @order_read
    async def standing(self, instance: str, sales_order_id: str) -> XentralStanding:
        client = self._clients[instance]
        try:
            order = await client.get_sales_order(sales_order_id)
        except XentralNotFound:
            return XentralStanding(status=None, dispatched=False, shipped=False)
        ours = [Filter("salesOrderId", "equals", sales_order_id)]
        notes = (await client.list_delivery_notes(ours, Page(1, MAX_PAGE_SIZE))).data
        self._checks.filter_applied(
            "list_delivery_notes",
            "salesOrderId",
            notes,
            lambda note: note.sales_order is None or note.sales_order.id == sales_order_id,
        )
        deliveries = (await client.list_deliveries(ours, Page(1, MAX_PAGE_SIZE))).data
        self._checks.filter_applied(
            "list_deliveries",
            "salesOrderId",
            deliveries,
            lambda delivery: delivery.sales_order is None or delivery.sales_order.id == sales_order_id,
        )
        return XentralStanding(
            status=order.status,
            dispatched=any((note.status or "") not in _CANCELED for note in notes),
            shipped=bool(deliveries),
        )

    @order_write
    async def cancel(self, instance: str, sales_order_id: str) -> None:
        try:
            await self._clients[instance].cancel_sales_order(sales_order_id)
        except XentralConflict as conflict:
            messages = problem_messages(conflict.problem) or [str((conflict.problem or {}).get("title") or "409")]
            raise CancelRefused("; ".join(messages)) from None
