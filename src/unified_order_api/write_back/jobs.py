"""Which lifecycle changes become which write-back jobs: pure, one change in, its jobs out.

- a shipment (a change carrying one) → `ship`, `complete` when the order has shipped in full with it;
- shipped in full without a new parcel, or completed in Xentral → `complete`;
- cancelled in Xentral → `cancel` or `note`, as the shop's `on_xentral_cancel` says.

The import itself, holds and dispatches tell the shop nothing. Each job's key is the change's id,
so a change read twice is one job.
"""

from __future__ import annotations

from typing import Literal

from ..lifecycle import LifecycleChange, LifecycleState
from .model import JobKind, NewJob

__all__ = ["cancel_note", "jobs_of_change", "note_job"]

CancelChoice = Literal["cancel", "note"]
_SHIPPED_IN_FULL = frozenset({LifecycleState.SHIPPED, LifecycleState.COMPLETED})


def cancel_note(change: LifecycleChange) -> str:
    """The merchant's note when Xentral cancelled the order."""
    return f"Cancelled in Xentral (sales order {change.sales_order_id}, order {change.reference})."


def _cause(change: LifecycleChange) -> str:
    before = change.previous_state.value if change.previous_state else "new"
    said = f"lifecycle change {change.change_id}: {before} → {change.state.value}"
    if change.shipment is not None:
        said += f", shipment {change.shipment.shipment_id}"
        if change.shipment.tracking_number:
            said += f" (tracking {change.shipment.tracking_number})"
    return said


def jobs_of_change(change: LifecycleChange, *, on_xentral_cancel: CancelChoice) -> list[NewJob]:
    if change.previous_state is None:  # the import: the shop sent the order, it knows
        return []
    client, reference, key, cause = change.client, change.reference, f"change:{change.change_id}", _cause(change)
    if change.shipment is not None:
        complete = change.state in _SHIPPED_IN_FULL
        return [NewJob(client, reference, JobKind.SHIP, key, cause, shipment=change.shipment, complete=complete)]
    if change.state in _SHIPPED_IN_FULL:
        return [NewJob(client, reference, JobKind.COMPLETE, key, cause, complete=True)]
    if change.state == LifecycleState.CANCELLED:
        kind = JobKind.CANCEL if on_xentral_cancel == "cancel" else JobKind.NOTE
        return [NewJob(client, reference, kind, key, cause, note=cancel_note(change))]
    return []


def note_job(client: str, reference: str, text: str, *, key: str, cause: str) -> NewJob:
    """A note for the merchant in the shop, asked for by another part of the service."""
    return NewJob(client=client, reference=reference, kind=JobKind.NOTE, key=f"note:{key}", cause=cause, note=text)
