"""Undo what a run created: every test order is cancelled (`POST …/actions/cancel`, the client the order
service's cancellations use), each on its own so one refusal leaves the rest cancelled.

Guarantees, whatever happened to the checks (a Xentral error, a broken check, Ctrl-C):
- an order is cancelled only once Xentral shows it with one of the run's references (`VERIFY-<run>-…`, unique
  per run): an id an import's `Location` named is checked against the order's view first, and one showing
  another reference is left alone and reported (`foreign`), never cancelled;
- an import sent but not answered (lost, interrupted, a `Location` not read) is looked for by its reference,
  and cancelled when found; one not found is reported (`unaccounted`) to look for by hand.
What cannot be cancelled is reported with its id and reference; the customer a run created is reported by
the report (Xentral keeps a customer with orders).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from ..xentral.errors import XentralError
from ..xentral.filters import Filter, Page
from .session import CreatedOrder, NotTheRunsOrder, VerifySession

__all__ = ["Cleanup", "Leftover", "cancel_created"]


@dataclass(frozen=True, slots=True)
class Leftover:
    order: CreatedOrder
    reason: str


@dataclass(frozen=True, slots=True)
class Cleanup:
    cancelled: list[CreatedOrder] = field(default_factory=list)
    left_over: list[Leftover] = field(default_factory=list)  # the run's orders Xentral did not cancel
    foreign: list[CreatedOrder] = field(default_factory=list)  # ids a Location named that are not the run's
    unaccounted: list[str] = field(default_factory=list)  # references sent, no order found: look by hand


async def cancel_created(session: VerifySession) -> Cleanup:
    """Find the run's orders (module docstring), then cancel each, in the order they were created."""
    cleanup = Cleanup()
    ours: dict[str, CreatedOrder] = {}
    for order in session.created:
        if order.order_id in ours or order.order_id in session.verified:
            ours.setdefault(order.order_id, order)
            continue
        try:
            await session.view_of(order)
        except NotTheRunsOrder:
            cleanup.foreign.append(order)
        except XentralError as error:
            cleanup.left_over.append(Leftover(order, f"not confirmed as this run's order ({error})"))
        else:
            ours[order.order_id] = order
    named = Counter(order.reference for order in ours.values())
    for reference, sent in Counter(session.attempted).items():
        if sent > named[reference]:
            found = await _by_reference(session, reference)
            if found is None:
                cleanup.unaccounted.append(f"{reference} (Xentral could not be asked)")
                continue
            for order in found:
                ours.setdefault(order.order_id, order)
            if len(found) < sent:
                cleanup.unaccounted.append(reference)
    for order in ours.values():
        try:
            await session.client.cancel_sales_order(order.order_id)
        except XentralError as error:
            cleanup.left_over.append(Leftover(order, str(error)))
        else:
            cleanup.cancelled.append(order)
    return cleanup


async def _by_reference(session: VerifySession, reference: str) -> list[CreatedOrder] | None:
    """The orders of the test project showing `reference` exactly (a lenient filter's others are dropped);
    None when Xentral could not be asked."""
    statements = [
        Filter("externalOrderNumber", "equals", reference),
        Filter("project", "equals", session.target.project_id),
    ]
    try:
        answer = await session.client.list_sales_orders(statements, Page(1, 50))
    except XentralError:
        return None
    return [
        CreatedOrder(item.id, reference)
        for item in answer.data
        if item.external_order_number == reference and item.status != "canceled"
    ]
