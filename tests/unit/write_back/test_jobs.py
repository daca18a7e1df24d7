"""Which lifecycle changes become which write-back jobs (pure)."""

from __future__ import annotations

import datetime as dt

import pytest

from unified_order_api.lifecycle import LifecycleChange, LifecycleState, Shipment
from unified_order_api.write_back import JobKind, jobs_of_change

NOW = dt.datetime(2026, 12, 7, 3, 0, tzinfo=dt.UTC)
S = LifecycleState
PARCEL = Shipment("31", "DHL", "00340434", None)


def _change(
    state: LifecycleState, previous: LifecycleState | None, shipment: Shipment | None = None
) -> LifecycleChange:
    return LifecycleChange(7, "shop", "R-1", "default", "42", state, previous, NOW, shipment)


@pytest.mark.parametrize(
    ("state", "previous", "shipment", "expected"),
    [
        (S.SHIPPED, S.DISPATCHED, PARCEL, (JobKind.SHIP, True)),
        (S.PARTIALLY_SHIPPED, S.DISPATCHED, PARCEL, (JobKind.SHIP, False)),
        (S.PARTIALLY_SHIPPED, S.PARTIALLY_SHIPPED, PARCEL, (JobKind.SHIP, False)),
        (S.COMPLETED, S.SHIPPED, PARCEL, (JobKind.SHIP, True)),  # a parcel seen after the completion
        (S.SHIPPED, S.PARTIALLY_SHIPPED, None, (JobKind.COMPLETE, True)),  # the rest shipped, no new parcel
        (S.COMPLETED, S.SHIPPED, None, (JobKind.COMPLETE, True)),
        (S.CANCELLED, S.RELEASED, None, (JobKind.NOTE, False)),
    ],
)
def test_shipments_completions_and_cancellations_become_jobs(
    state: LifecycleState, previous: LifecycleState, shipment: Shipment | None, expected: tuple[JobKind, bool]
) -> None:
    [job] = jobs_of_change(_change(state, previous, shipment), on_xentral_cancel="note")
    assert (job.kind, job.complete) == expected
    assert job.key == "change:7" and (job.client, job.reference) == ("shop", "R-1")
    assert job.shipment == shipment
    assert job.cause.startswith(f"lifecycle change 7: {previous.value} → {state.value}")


def test_a_cancellation_cancels_in_the_shop_where_the_shop_says_so() -> None:
    [job] = jobs_of_change(_change(S.CANCELLED, S.HELD), on_xentral_cancel="cancel")
    assert job.kind == JobKind.CANCEL and job.note is not None and "sales order 42" in job.note


@pytest.mark.parametrize(
    ("state", "previous"),
    [(S.RELEASED, None), (S.COMPLETED, None), (S.DISPATCHED, S.RELEASED), (S.HELD, S.RELEASED), (S.RELEASED, S.HELD)],
)
def test_the_import_holds_and_dispatches_tell_the_shop_nothing(
    state: LifecycleState, previous: LifecycleState | None
) -> None:
    assert jobs_of_change(_change(state, previous), on_xentral_cancel="cancel") == []
