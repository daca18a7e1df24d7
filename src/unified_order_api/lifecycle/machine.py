"""The lifecycle's state machine: one tracked order and one observation in, the order after it and its steps out.

Guarantees (tested with hypothesis in `tests/unit/lifecycle`):

- never backwards: a state of a lower rank than the order's changes nothing; a final state
  (completed, cancelled) is never left;
- idempotent: an observation applied twice changes nothing the second time; a shipment id is
  recorded (and announced) once;
- order-independent where it can be: `released` and `held` share a rank, so between them the
  observation seen latest in Xentral (`observed_at`) wins, whatever order they arrive in;
- one story per batch: `in_story_order` applies a batch oldest first, and what Xentral dated the same
  second in the order of the forward path (a poll reads an order shipped and completed at once that way).

Pure: no clock, no I/O. The store applies it under a row lock and records each `Step` as a change.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, replace
from decimal import Decimal

from .model import LifecycleState, Observation, Shipment, ShippedLine

__all__ = ["Step", "TrackedOrder", "advance", "in_story_order", "initial_state"]

_SIDE_RANK = LifecycleState.RELEASED.rank  # released and held: the order waits to be dispatched


@dataclass(frozen=True, slots=True)
class TrackedOrder:
    """One order the service tracks, as the lifecycle knows it. `side_observed_at` is when the
    released/held state it shows was seen in Xentral (the tie-break between the two)."""

    client: str
    reference: str
    instance: str
    sales_order_id: str
    state: LifecycleState
    order_number: str | None = None
    held_reasons: tuple[str, ...] = ()
    shipments: tuple[Shipment, ...] = ()
    side_observed_at: dt.datetime | None = None

    def shipment(self, shipment_id: str) -> Shipment | None:
        return next((known for known in self.shipments if known.shipment_id == shipment_id), None)


@dataclass(frozen=True, slots=True)
class Step:
    """One change an observation made: the state after it (and before), the shipment it recorded."""

    state: LifecycleState
    previous_state: LifecycleState
    shipment: Shipment | None = None
    held_reasons: tuple[str, ...] = ()


def initial_state(order_status: str, held_reasons: list[str] | None) -> LifecycleState:
    """The state of an order at its import, from the receipt: Xentral's status and its traffic lights."""
    if order_status == "canceled" or order_status == "cancelled":
        return LifecycleState.CANCELLED
    if order_status == "completed":
        return LifecycleState.COMPLETED
    if order_status == "released":
        return LifecycleState.HELD if held_reasons else LifecycleState.RELEASED
    return LifecycleState.IMPORTED


def in_story_order(observations: Sequence[Observation]) -> list[Observation]:
    """Oldest first. Xentral dates its changes to the second, so a parcel sent and the order completed within
    one second look simultaneous to a poll: within a second they go the way an order's life goes (dispatched,
    shipped, completed), so the client hears the story the events tell, not a completion and then a parcel.
    A cancellation goes first among them: Xentral's status is the truth, a parcel with it stays a parcel."""
    return sorted(observations, key=lambda seen: (seen.observed_at, _story_rank(seen)))


def _story_rank(observation: Observation) -> int:
    if observation.state == LifecycleState.CANCELLED:
        return -1
    return (observation.state or LifecycleState.SHIPPED).rank  # a parcel alone: shipped's place


def advance(order: TrackedOrder, observation: Observation) -> tuple[TrackedOrder, list[Step]]:
    """The order after `observation`, and the steps it took (none: the observation told nothing new)."""
    steps: list[Step] = []
    if observation.shipment is not None:
        shipment = _with_lines(order, observation.shipment, observation.delivered)
        order = _ship(order, shipment, observation.all_shipped, steps)
    elif observation.all_shipped and order.state == LifecycleState.PARTIALLY_SHIPPED:
        order = _move(order, LifecycleState.SHIPPED, steps)
    if observation.state is not None:
        order = _to_state(order, observation, steps)
    return order, steps


def _with_lines(order: TrackedOrder, shipment: Shipment, delivered: Sequence[ShippedLine]) -> Shipment:
    """A new parcel's lines where Xentral's delivery names none (docs/xentral.md#after-the-import): what its
    delivery note has delivered in all, less the lines of the order's earlier parcels of that note. Left
    unknown (no lines) when an earlier parcel's are unknown too, or nothing is left for this one (two
    parcels read at once: the first took the note's whole progress)."""
    if shipment.lines or not delivered or order.shipment(shipment.shipment_id) is not None:
        return shipment
    before: dict[str, Decimal] = {}
    for earlier in order.shipments:
        if earlier.delivery_note_id != shipment.delivery_note_id:
            continue
        if not earlier.lines:
            return shipment
        for line in earlier.lines:
            before[line.sku or ""] = before.get(line.sku or "", Decimal(0)) + line.quantity
    lines = tuple(
        ShippedLine(None, None, line.sku, line.quantity - before.get(line.sku or "", Decimal(0)))
        for line in delivered
        if line.quantity > before.get(line.sku or "", Decimal(0))
    )
    return replace(shipment, lines=lines)


def _ship(order: TrackedOrder, shipment: Shipment, all_shipped: bool | None, steps: list[Step]) -> TrackedOrder:
    """Record a shipment seen for the first time; it moves the order forward to (partially) shipped.
    `all_shipped` None: Xentral did not say; one parcel is the common case, so the order counts as shipped."""
    if order.shipment(shipment.shipment_id) is not None:
        if all_shipped and order.state == LifecycleState.PARTIALLY_SHIPPED:
            return _move(order, LifecycleState.SHIPPED, steps)
        return order
    target = LifecycleState.PARTIALLY_SHIPPED if all_shipped is False else LifecycleState.SHIPPED
    state = order.state
    if not state.final and target.rank > state.rank:
        state = target
    reasons = order.held_reasons if state == LifecycleState.HELD else ()
    shipped = replace(order, state=state, held_reasons=reasons, shipments=(*order.shipments, shipment))
    steps.append(Step(state, order.state, shipment, ()))
    return shipped


def _to_state(order: TrackedOrder, observation: Observation, steps: list[Step]) -> TrackedOrder:
    target = observation.state
    assert target is not None
    current = order.state
    if current.final:
        return order
    if target == LifecycleState.CANCELLED:
        if current.rank >= LifecycleState.SHIPPED.rank:
            return order  # shipped in full: nothing is left to cancel
        return _move(order, target, steps)
    if target.rank == _SIDE_RANK and current.rank == _SIDE_RANK:
        return _side(order, observation, steps)
    if target.rank <= current.rank:
        return order
    if target.rank == _SIDE_RANK:
        order = replace(order, side_observed_at=observation.observed_at)
    reasons = observation.held_reasons if target == LifecycleState.HELD else ()
    return _move(order, target, steps, reasons)


def _side(order: TrackedOrder, observation: Observation, steps: list[Step]) -> TrackedOrder:
    """Released ↔ held (a hold set, lifted, or its reasons changed): the latest seen in Xentral wins."""
    seen = order.side_observed_at
    if seen is not None and observation.observed_at <= seen:
        return order
    target = observation.state
    assert target is not None
    reasons = observation.held_reasons if target == LifecycleState.HELD else ()
    order = replace(order, side_observed_at=observation.observed_at)
    if target == order.state and reasons == order.held_reasons:
        return order
    return _move(order, target, steps, reasons)


def _move(
    order: TrackedOrder, target: LifecycleState, steps: list[Step], reasons: tuple[str, ...] = ()
) -> TrackedOrder:
    steps.append(Step(target, order.state, None, reasons))
    return replace(order, state=target, held_reasons=reasons)
