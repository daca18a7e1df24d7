"""The cancellation flow (`orders.cancellations`) on fakes: cancelled in Xentral before dispatch, never after,
once per order, and a lost answer settled by reading the order back — under either reading of the spec's
text on which states the cancel action takes (docs/xentral.md#cancelling-an-order)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field, replace

import pytest

from tests.support.clock import FakeClock
from unified_order_api.lifecycle.model import LifecycleState, Observation
from unified_order_api.orders.attempts import Attempt, AttemptState, Step
from unified_order_api.orders.cancellations import (
    CancellationOutcome,
    CancellationRecord,
    CancelRefused,
    OrderCancellations,
    RequestCancellation,
    XentralStanding,
)
from unified_order_api.orders.errors import OrderInProgress, XentralOutcomeUnknown, XentralUnavailable
from unified_order_api.orders.refunds import ShopOrderKey

NOW = dt.datetime(2026, 12, 7, 3, 0, tzinfo=dt.UTC)


def attempt(
    reference: str = "727", order_id: str | None = "41", state: AttemptState = AttemptState.COMPLETED
) -> Attempt:
    return Attempt(
        client="woo",
        key=reference,
        reference=reference,
        fingerprint="f",
        state=state,
        owner="o",
        lease_until=NOW,
        created_at=NOW,
        updated_at=NOW,
        order_id=order_id,
        request={"reference": reference, "external_order_id": f"shop-{reference}"},
    )


class Orders:
    def __init__(self, *attempts: Attempt) -> None:
        self._by_reference = {a.reference: a for a in attempts}

    async def find(self, client: str, reference: str) -> Attempt | None:
        return self._by_reference.get(reference)

    async def find_by_external_order_id(self, client: str, external_order_id: str) -> Attempt | None:
        found = [
            a for a in self._by_reference.values() if (a.request or {}).get("external_order_id") == external_order_id
        ]
        return found[0] if found else None


class Ledger:
    def __init__(self) -> None:
        self.records: dict[tuple[str, str], CancellationRecord] = {}
        self.saved: list[CancellationOutcome] = []

    async def cancellation_of(self, client: str, reference: str) -> CancellationRecord | None:
        return self.records.get((client, reference))

    async def claim(self, record: CancellationRecord) -> bool:
        if (record.client, record.reference) in self.records:
            return False
        await self.save(record)
        return True

    async def save(self, record: CancellationRecord) -> None:
        self.records[(record.client, record.reference)] = record
        self.saved.append(record.outcome)

    async def take(self, client: str, reference: str) -> bool:
        record = self.records.get((client, reference))
        if record is None or record.outcome is not CancellationOutcome.AWAITING_IMPORT:
            return False
        await self.save(replace(record, outcome=CancellationOutcome.PENDING))
        return True

    async def awaiting_import(self, limit: int) -> list[CancellationRecord]:
        waiting = [r for r in self.records.values() if r.outcome is CancellationOutcome.AWAITING_IMPORT]
        return sorted(waiting, key=lambda r: r.received_at)[:limit]


@dataclass
class Xentral:
    """One order as Xentral holds it. `reading`: which statuses the cancel action takes (the spec's two
    readings); `lose`: answers of the cancel call to lose, `land`: whether a lost call landed anyway."""

    status: str | None = "released"
    dispatched: bool = False
    shipped: bool = False
    reading: str = "released"
    lose: int = 0
    land: bool = True
    unreadable: int = 0  # standing reads that fail
    calls: list[str] = field(default_factory=list)

    async def standing(self, instance: str, sales_order_id: str) -> XentralStanding:
        self.calls.append("standing")
        if self.unreadable:
            self.unreadable -= 1
            raise XentralUnavailable("Xentral is down")
        return XentralStanding(self.status, self.dispatched, self.shipped)

    async def cancel(self, instance: str, sales_order_id: str) -> None:
        self.calls.append("cancel")
        allowed = ("released",) if self.reading == "released" else ("created", "completed")
        landed = self.status in allowed and not (self.dispatched or self.shipped)
        if self.lose:
            self.lose -= 1
            if landed and self.land:
                self.status = "canceled"
            raise XentralOutcomeUnknown("the answer was lost")
        if not landed:
            raise CancelRefused(f"Sales order {sales_order_id} is {self.status} and cannot be canceled.")
        self.status = "canceled"


class Sink:
    def __init__(self) -> None:
        self.seen: list[Observation] = []

    async def observe(self, observations: Sequence[Observation]) -> None:
        self.seen.extend(observations)


class Lifecycle:
    def __init__(self, state: LifecycleState | None) -> None:
        self.state = state

    async def lifecycle_of(self, client: str, reference: str) -> tuple[str, LifecycleState] | None:
        return ("default", self.state) if self.state is not None else None


@dataclass
class Flow:
    xentral: Xentral
    ledger: Ledger
    sink: Sink
    alerts: list[tuple[str, str]]
    cancellations: OrderCancellations

    async def request(self, reference: str = "727") -> tuple[CancellationRecord | None, bool]:
        command = RequestCancellation(ShopOrderKey(reference=reference), "woocommerce", reason="Changed my mind")
        record, _, repeated = await self.cancellations.request(command, client="woo")
        return record, repeated


def flow(xentral: Xentral, *attempts: Attempt, lifecycle: LifecycleState | None = LifecycleState.RELEASED) -> Flow:
    ledger, sink, alerts = Ledger(), Sink(), []
    cancellations = OrderCancellations(
        Orders(*(attempts or (attempt(),))),
        ledger,
        xentral,
        instance_of=lambda client: "default",
        clock=FakeClock(NOW),
        lifecycle=Lifecycle(lifecycle),
        sink=sink,
        on_not_cancelled=lambda record, order: alerts.append((record.reference, record.detail)),
    )
    return Flow(xentral, ledger, sink, alerts, cancellations)


async def test_before_dispatch_the_order_is_cancelled_in_xentral_once_and_the_lifecycle_shows_it() -> None:
    f = flow(Xentral())
    record, repeated = await f.request()
    assert record is not None and not repeated
    assert (record.outcome, record.detail, record.xentral_status) == (
        CancellationOutcome.CANCELLED,
        "Cancelled in Xentral",
        "canceled",
    )
    assert record.reason == "Changed my mind" and record.source == "woocommerce"
    assert f.xentral.calls == ["standing", "cancel", "standing"]  # the 204 is read back, not believed
    [seen] = f.sink.seen
    assert (seen.sales_order_id, seen.state, seen.source) == ("41", LifecycleState.CANCELLED, "shop")
    assert f.ledger.saved == [CancellationOutcome.PENDING, CancellationOutcome.CANCELLED]  # pending before the call
    assert f.alerts == []
    # The shop delivers it again (a retry, a second webhook): nothing is done again.
    again, repeated = await f.request()
    assert repeated and again == record
    assert f.xentral.calls == ["standing", "cancel", "standing"] and len(f.sink.seen) == 1


@pytest.mark.parametrize(
    ("xentral", "why"),
    [
        (Xentral(dispatched=True), "already dispatched"),
        (Xentral(dispatched=True, shipped=True), "already shipped"),
        (Xentral(status="completed"), "already completed"),
    ],
)
async def test_after_dispatch_xentral_is_not_touched_and_the_operator_is_told_once(xentral: Xentral, why: str) -> None:
    for reading in ("released", "created-or-completed"):
        xentral.reading, xentral.calls = reading, []
        f = flow(xentral)
        record, _ = await f.request()
        assert record is not None and record.outcome == CancellationOutcome.NOT_CANCELLED_DISPATCHED
        assert record.detail == f"Not cancelled in Xentral: {why}"
        assert "cancel" not in xentral.calls  # under the literal reading Xentral might well cancel it
        assert f.alerts == [("727", record.detail)] and f.sink.seen == []
        await f.request()
        assert len(f.alerts) == 1 and "cancel" not in xentral.calls


async def test_what_the_lifecycle_knows_is_enough_to_leave_xentral_alone() -> None:
    xentral = Xentral()  # Xentral would still cancel it (our lifecycle saw the shipment first)
    f = flow(xentral, lifecycle=LifecycleState.PARTIALLY_SHIPPED)
    record, _ = await f.request()
    assert record is not None and record.detail == "Not cancelled in Xentral: already partially shipped"
    assert xentral.calls == [] and xentral.status == "released"


async def test_under_the_literal_v1_reading_a_refused_cancel_is_recorded_as_refused_not_as_done() -> None:
    f = flow(Xentral(reading="created-or-completed"))
    record, _ = await f.request()
    assert record is not None and record.outcome == CancellationOutcome.NOT_CANCELLED_REFUSED
    assert record.detail == (
        "Not cancelled in Xentral: Xentral refused it (Sales order 41 is released and cannot be canceled.)"
    )
    assert f.xentral.status == "released" and f.sink.seen == [] and len(f.alerts) == 1


async def test_an_order_cancelled_in_xentral_before_is_recorded_without_a_call() -> None:
    f = flow(Xentral(status="canceled"))
    record, _ = await f.request()
    assert record is not None and record.outcome == CancellationOutcome.ALREADY_CANCELLED
    assert f.xentral.calls == ["standing"] and len(f.sink.seen) == 1 and f.alerts == []


async def test_a_lost_answer_that_landed_is_read_back_as_cancelled_without_a_second_call() -> None:
    f = flow(Xentral(lose=1))
    record, _ = await f.request()
    assert record is not None and record.outcome == CancellationOutcome.CANCELLED
    assert f.xentral.calls == ["standing", "cancel", "standing"]


async def test_a_lost_answer_that_did_not_land_is_sent_once_more_after_the_read_back() -> None:
    f = flow(Xentral(lose=1, land=False))
    record, _ = await f.request()
    assert record is not None and record.outcome == CancellationOutcome.CANCELLED
    assert f.xentral.calls == ["standing", "cancel", "standing", "cancel", "standing"]


async def test_a_lost_answer_and_an_unreadable_order_stay_pending_until_the_shops_retry_reads_it_back() -> None:
    xentral = Xentral(lose=1)
    f = flow(xentral)
    original = xentral.standing

    async def failing_after_the_call(instance: str, sales_order_id: str) -> XentralStanding:
        if "cancel" in xentral.calls and xentral.calls.count("standing") == 1:
            xentral.calls.append("standing")
            raise XentralUnavailable("Xentral is down")
        return await original(instance, sales_order_id)

    xentral.standing = failing_after_the_call  # type: ignore[method-assign]
    with pytest.raises(XentralUnavailable):
        await f.request()
    record = f.ledger.records[("woo", "727")]
    assert record.outcome == CancellationOutcome.PENDING and f.sink.seen == []
    # The shop retries: the order is read back (it landed), recorded as our cancellation, nothing sent again.
    decided, repeated = await f.request()
    assert decided is not None and not repeated
    assert (decided.outcome, decided.detail) == (CancellationOutcome.CANCELLED, "Cancelled in Xentral (read back)")
    assert xentral.calls.count("cancel") == 1 and len(f.sink.seen) == 1


async def test_an_unknown_order_is_not_recorded_and_an_order_not_in_xentral_is_not_cancelled() -> None:
    f = flow(Xentral(), attempt("727"), attempt("728", order_id=None, state=AttemptState.FAILED))
    assert await f.request("999") == (None, False)
    record, _ = await f.request("728")
    assert record is not None and record.outcome == CancellationOutcome.NOT_IN_XENTRAL
    assert record.detail == "Not cancelled in Xentral: the order never reached it (its state here: failed)"
    assert f.xentral.calls == [] and len(f.alerts) == 1
    assert ("woo", "999") not in f.ledger.records


async def test_a_shop_naming_the_order_by_its_own_id_finds_it() -> None:
    f = flow(Xentral())
    command = RequestCancellation(ShopOrderKey(external_order_id="shop-727"), "shopify")
    record, order, _ = await f.cancellations.request(command, client="woo")
    assert record is not None and order is not None and order.reference == "727"
    assert record.outcome == CancellationOutcome.CANCELLED


class Notes:
    """The write-back lane's door (`ShopNotes`): a note per key, once."""

    def __init__(self, failing: int = 0) -> None:
        self.queued: dict[tuple[str, str, str], tuple[str, str]] = {}
        self.failing = failing

    async def add_note(self, client: str, reference: str, text: str, *, key: str, cause: str) -> bool:
        if self.failing:
            self.failing -= 1
            raise XentralUnavailable("the database is down")
        if (client, reference, key) in self.queued:
            return False
        self.queued[(client, reference, key)] = (text, cause)
        return True


class Steps:
    def __init__(self) -> None:
        self.noted: list[tuple[int, str, str | None]] = []

    async def note(self, attempt_id: int, step: Step, *, only_in: Collection[AttemptState]) -> bool:
        self.noted.append((attempt_id, step.name, step.detail))
        return True


def noted_flow(xentral: Xentral, notes: Notes, steps: Steps, *attempts: Attempt) -> Flow:
    f = flow(xentral, *attempts)
    f.cancellations = OrderCancellations(
        Orders(*(attempts or (attempt(),))),
        f.ledger,
        xentral,
        instance_of=lambda client: "default",
        clock=FakeClock(NOW),
        lifecycle=Lifecycle(LifecycleState.RELEASED),
        sink=f.sink,
        on_not_cancelled=lambda record, order: f.alerts.append((record.reference, record.detail)),
        notes=notes,
        steps=steps,
    )
    return f


def numbered(a: Attempt) -> Attempt:
    return replace(a, id=7)


async def test_too_late_the_merchant_gets_one_note_and_every_decision_is_a_step_on_the_order() -> None:
    notes, steps = Notes(), Steps()
    f = noted_flow(Xentral(dispatched=True), notes, steps, numbered(attempt()))
    record, _ = await f.request()
    assert record is not None and record.outcome == CancellationOutcome.NOT_CANCELLED_DISPATCHED
    [((client, reference, key), (text, cause))] = notes.queued.items()
    assert (client, reference, key) == ("woo", "727", "shop-cancellation:727")
    assert text == (
        "Cancellation NOT carried out in Xentral (order 727): already dispatched. "
        "Stop the parcel or settle it with the buyer; the operator was alerted."
    )
    assert cause == "woocommerce cancelled the order: Not cancelled in Xentral: already dispatched"
    assert steps.noted == [(7, "shop_cancellation", "woocommerce: Not cancelled in Xentral: already dispatched")]
    await f.request()  # again: a duplicate, nothing more
    assert len(notes.queued) == 1 and len(steps.noted) == 1 and len(f.alerts) == 1


async def test_a_carried_out_cancellation_is_a_step_and_no_note() -> None:
    notes, steps = Notes(), Steps()
    f = noted_flow(Xentral(), notes, steps, numbered(attempt()))
    record, _ = await f.request()
    assert record is not None and record.outcome == CancellationOutcome.CANCELLED
    assert notes.queued == {} and steps.noted == [(7, "shop_cancellation", "woocommerce: Cancelled in Xentral")]


async def test_a_note_that_cannot_be_queued_leaves_the_request_pending_for_the_shops_retry() -> None:
    notes, steps = Notes(failing=1), Steps()
    f = noted_flow(Xentral(dispatched=True), notes, steps, numbered(attempt()))
    with pytest.raises(XentralUnavailable):
        await f.request()
    assert f.ledger.records[("woo", "727")].outcome == CancellationOutcome.PENDING and steps.noted == []
    record, repeated = await f.request()
    assert record is not None and not repeated and record.outcome == CancellationOutcome.NOT_CANCELLED_DISPATCHED
    assert len(notes.queued) == 1 and "cancel" not in f.xentral.calls


async def test_an_order_still_on_its_way_into_xentral_has_the_request_kept_and_carried_out_after_its_import() -> None:
    """WooCommerce never redelivers a webhook (a failed one only counts towards disabling it) and Shopware's
    retries last seconds: a cancellation answered 409 while the order is queued would be lost. It is recorded
    as awaiting the import instead, and the sweep carries it out once the order is in Xentral — once."""
    queued = attempt("729", order_id=None, state=AttemptState.RECEIVED)
    f = flow(Xentral(), queued)
    record, repeated = await f.request("729")
    assert record is not None and record.outcome is CancellationOutcome.AWAITING_IMPORT and not repeated
    assert f.xentral.calls == [] and f.alerts == [] and f.sink.seen == []
    again, repeated = await f.request("729")  # the shop's own retry, if it sends one, changes nothing yet
    assert again == record and repeated and f.ledger.saved == [CancellationOutcome.AWAITING_IMPORT]
    assert await f.cancellations.carry_out_awaiting() == 0  # still importing: left waiting
    assert f.xentral.calls == []
    f.cancellations._orders._by_reference["729"] = attempt("729")  # type: ignore[attr-defined]  # imported
    assert await f.cancellations.carry_out_awaiting() == 1
    decided = f.ledger.records[("woo", "729")]
    assert decided.outcome is CancellationOutcome.CANCELLED and f.xentral.calls.count("cancel") == 1
    assert decided.reason == "Changed my mind" and decided.received_at == NOW
    assert [seen.state for seen in f.sink.seen] == [LifecycleState.CANCELLED]
    assert await f.cancellations.carry_out_awaiting() == 0
    late, repeated = await f.request("729")  # a late redelivery is a duplicate
    assert late == decided and repeated and f.xentral.calls.count("cancel") == 1


async def test_an_order_whose_import_failed_while_the_cancellation_waited_is_not_in_xentral_and_told() -> None:
    f = flow(Xentral(), attempt("729", order_id=None, state=AttemptState.IMPORTING))
    await f.request("729")
    f.cancellations._orders._by_reference["729"] = attempt("729", None, AttemptState.FAILED)  # type: ignore[attr-defined]
    assert await f.cancellations.carry_out_awaiting() == 1
    assert f.ledger.records[("woo", "729")].outcome is CancellationOutcome.NOT_IN_XENTRAL
    assert f.xentral.calls == [] and len(f.alerts) == 1


async def test_an_import_ending_between_our_read_and_our_record_is_carried_out_at_once() -> None:
    """The sweep may have looked before our record existed: the request reads the order again after it."""
    f = flow(Xentral())
    reads = iter([attempt(order_id=None, state=AttemptState.IMPORTING), attempt()])

    async def find(client: str, reference: str) -> Attempt | None:
        return next(reads)

    f.cancellations._orders.find = find  # type: ignore[attr-defined, method-assign]
    record, _ = await f.request()
    assert record is not None and record.outcome is CancellationOutcome.CANCELLED
    assert f.xentral.calls.count("cancel") == 1


async def test_a_failing_xentral_puts_a_taken_request_back_to_wait_for_the_next_sweep() -> None:
    f = flow(Xentral(unreadable=1), attempt("729", order_id=None, state=AttemptState.RECEIVED))
    await f.request("729")
    f.cancellations._orders._by_reference["729"] = attempt("729")  # type: ignore[attr-defined]
    assert await f.cancellations.carry_out_awaiting() == 0  # Xentral down: nothing decided, nothing lost
    assert f.ledger.records[("woo", "729")].outcome is CancellationOutcome.AWAITING_IMPORT
    assert await f.cancellations.carry_out_awaiting() == 1
    assert f.ledger.records[("woo", "729")].outcome is CancellationOutcome.CANCELLED


async def test_a_second_delivery_while_the_first_holds_the_claim_is_told_to_retry() -> None:
    f = flow(Xentral())
    pending = CancellationRecord(
        "woo", "727", "woocommerce", NOW, CancellationOutcome.PENDING, "Received; Xentral not asked yet"
    )
    claimed_by_the_other = f.ledger.claim

    async def lost_race(record: CancellationRecord) -> bool:
        await claimed_by_the_other(pending)  # the other delivery claimed it in between our read and our claim
        return False

    f.ledger.claim = lost_race  # type: ignore[method-assign]
    with pytest.raises(OrderInProgress, match="Another delivery"):
        await f.request()
    assert f.xentral.calls == []
