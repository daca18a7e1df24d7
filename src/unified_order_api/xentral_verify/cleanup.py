"""Undo what a run created: every test order is cancelled (`POST …/actions/cancel`, the client the order
service's cancellations use), each on its own so one refusal leaves the rest cancelled.

What cannot be cancelled is reported with its id and reference, to cancel by hand; the customer a run
created is reported too (Xentral keeps a customer with orders).
"""

from __future__ import annotations

from dataclasses import dataclass

from ..xentral.errors import XentralError
from .session import CreatedOrder, VerifySession

__all__ = ["Leftover", "cancel_created"]


@dataclass(frozen=True, slots=True)
class Leftover:
    order: CreatedOrder
    reason: str


async def cancel_created(session: VerifySession) -> tuple[list[CreatedOrder], list[Leftover]]:
    """(cancelled, left over) of the run's orders, in the order they were created."""
    cancelled: list[CreatedOrder] = []
    left: list[Leftover] = []
    for order in session.created:
        try:
            await session.client.cancel_sales_order(order.order_id)
        except XentralError as error:
            left.append(Leftover(order, str(error)))
        else:
            cancelled.append(order)
    return cancelled, left
