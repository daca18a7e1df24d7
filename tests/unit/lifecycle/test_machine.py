"""The state machine: forward only, idempotent, and the same story whatever order its observations come in."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from unified_order_api.lifecycle import LifecycleState, Observation, Shipment, ShippedLine
from unified_order_api.lifecycle.machine import Step, TrackedOrder, advance, in_story_order, initial_state

T0 = dt.datetime(2026, 12, 1, 8, 0, tzinfo=dt.UTC)


def order(state: LifecycleState = LifecycleState.RELEASED) -> TrackedOrder:
    return TrackedOrder("shop", "R-1", "default", "7", state, side_observed_at=T0)


def seen(minutes: int, state: LifecycleState | None = None, **kwargs: object) -> Observation:
    return Observation("default", "7", T0 + dt.timedelta(minutes=minutes), "poll", state, **kwargs)  # type: ignore[arg-type]


def parcel(shipment_id: str, tracking: str = "TN") -> Shipment:
    return Shipment(shipment_id, "DHL", tracking, f"https://track.example/{tracking}", "40", None, ())


def apply_all(start: TrackedOrder, observations: list[Observation]) -> tuple[TrackedOrder, list[Step]]:
    steps: list[Step] = []
    for observation in observations:
        start, taken = advance(start, observation)
        steps.extend(taken)
    return start, steps


def test_forward_steps_and_a_shipment_with_its_tracking() -> None:
    final, steps = apply_all(
        order(),
        [
            seen(1, LifecycleState.DISPATCHED),
            seen(2, shipment=parcel("9", "00340434"), all_shipped=True),
            seen(3, LifecycleState.COMPLETED),
        ],
    )
    assert [(s.previous_state, s.state) for s in steps] == [
        (LifecycleState.RELEASED, LifecycleState.DISPATCHED),
        (LifecycleState.DISPATCHED, LifecycleState.SHIPPED),
        (LifecycleState.SHIPPED, LifecycleState.COMPLETED),
    ]
    assert steps[1].shipment is not None and steps[1].shipment.tracking_number == "00340434"
    assert final.state == LifecycleState.COMPLETED and [s.shipment_id for s in final.shipments] == ["9"]


def test_an_older_state_changes_nothing() -> None:
    shipped, _ = advance(order(), seen(5, shipment=parcel("9"), all_shipped=True))
    for earlier in (LifecycleState.RELEASED, LifecycleState.HELD, LifecycleState.DISPATCHED):
        again, steps = advance(shipped, seen(1, earlier))
        assert (again, steps) == (shipped, [])


def test_a_shipment_seen_twice_is_recorded_once() -> None:
    once, first = advance(order(), seen(1, shipment=parcel("9")))
    twice, second = advance(once, seen(2, shipment=parcel("9")))
    assert len(first) == 1 and second == [] and twice == once


def test_partial_then_the_rest() -> None:
    partial, steps = advance(order(), seen(1, shipment=parcel("1"), all_shipped=False))
    assert partial.state == LifecycleState.PARTIALLY_SHIPPED and steps[0].shipment is not None
    full, steps = advance(partial, seen(2, shipment=parcel("2"), all_shipped=True))
    assert full.state == LifecycleState.SHIPPED and len(full.shipments) == 2 and len(steps) == 1


def _delivered(**by_sku: int) -> tuple[ShippedLine, ...]:
    return tuple(ShippedLine(None, None, sku, Decimal(quantity)) for sku, quantity in by_sku.items())


def test_a_parcel_s_lines_are_its_notes_progress_less_the_earlier_parcels() -> None:
    """Xentral's delivery names no lines; the note's delivered quantities, read with each new parcel, do."""
    final, _steps = apply_all(
        order(),
        [
            seen(1, shipment=parcel("s1", "T1"), all_shipped=False, delivered=_delivered(A=2)),
            seen(2, shipment=parcel("s2", "T2"), all_shipped=True, delivered=_delivered(A=2, B=1)),
            seen(3, shipment=parcel("s2", "T2"), all_shipped=True, delivered=_delivered(A=2, B=5)),  # seen again
        ],
    )
    assert [[(line.sku, line.quantity) for line in s.lines] for s in final.shipments] == [
        [("A", Decimal(2))],
        [("B", Decimal(1))],
    ]


def test_a_parcel_s_lines_stay_unknown_where_an_earlier_one_s_are_or_nothing_is_left() -> None:
    two_at_once, _ = apply_all(
        order(),
        [
            seen(1, shipment=parcel("s1"), all_shipped=True, delivered=_delivered(A=2, B=1)),
            seen(1, shipment=parcel("s2"), all_shipped=True, delivered=_delivered(A=2, B=1)),
            seen(2, shipment=parcel("s3"), all_shipped=True, delivered=_delivered(A=3, B=1)),
        ],
    )
    assert [len(s.lines) for s in two_at_once.shipments] == [2, 0, 0]  # s2 found nothing left; s3 cannot know
    named = Shipment("s1", "DHL", "TN", None, "40", None, (ShippedLine("p1", "w1", "A", Decimal(1)),))
    kept, _ = advance(order(), seen(1, shipment=named, delivered=_delivered(A=2)))
    assert kept.shipments[0].lines == named.lines  # lines Xentral named are kept as named


def test_a_shipment_after_completion_is_still_recorded_without_moving_the_order() -> None:
    done, _ = advance(order(), seen(3, LifecycleState.COMPLETED))
    late, steps = advance(done, seen(1, shipment=parcel("4")))
    assert late.state == LifecycleState.COMPLETED
    assert steps == [Step(LifecycleState.COMPLETED, LifecycleState.COMPLETED, parcel("4"))]


def test_held_and_released_the_latest_seen_wins_in_any_order() -> None:
    held = seen(2, LifecycleState.HELD, held_reasons=("out_of_stock",))
    lifted = seen(3, LifecycleState.RELEASED)
    forward, _ = apply_all(order(), [held, lifted])
    backward, steps = apply_all(order(), [lifted, held])
    assert forward.state == backward.state == LifecycleState.RELEASED
    assert steps == []  # released at 3 was the news; the hold at 2 is older


def test_held_with_other_reasons_is_a_change() -> None:
    first, _ = advance(order(), seen(1, LifecycleState.HELD, held_reasons=("out_of_stock",)))
    second, steps = advance(first, seen(2, LifecycleState.HELD, held_reasons=("awaiting_prepayment",)))
    assert second.held_reasons == ("awaiting_prepayment",) and steps[0].held_reasons == ("awaiting_prepayment",)


def test_cancelled_ends_it_and_a_shipped_order_cannot_be_cancelled() -> None:
    cancelled, _ = advance(order(), seen(1, LifecycleState.CANCELLED))
    assert advance(cancelled, seen(2, LifecycleState.DISPATCHED)) == (cancelled, [])
    shipped, _ = advance(order(), seen(1, shipment=parcel("9")))
    assert advance(shipped, seen(2, LifecycleState.CANCELLED)) == (shipped, [])


def test_within_one_second_the_forward_path_orders_the_story_and_a_cancellation_goes_first() -> None:
    """A poll sees an order shipped and completed within the second Xentral dates both to, in any order."""
    dispatched, shipment = seen(1, LifecycleState.DISPATCHED), seen(1, shipment=parcel("9"), all_shipped=True)
    completed, cancelled = seen(1, LifecycleState.COMPLETED), seen(1, LifecycleState.CANCELLED)
    for batch in ([completed, dispatched, shipment], [shipment, completed, dispatched]):
        final, steps = apply_all(order(), in_story_order(batch))
        assert [step.state for step in steps] == [
            LifecycleState.DISPATCHED,
            LifecycleState.SHIPPED,
            LifecycleState.COMPLETED,
        ]
        assert final.state == LifecycleState.COMPLETED and [s.shipment_id for s in final.shipments] == ["9"]
    later = seen(2, LifecycleState.COMPLETED)
    assert in_story_order([later, shipment]) == [shipment, later]
    assert in_story_order([shipment, cancelled]) == [cancelled, shipment]  # Xentral's status stays the truth


def test_initial_state_from_the_receipt() -> None:
    assert initial_state("released", None) == LifecycleState.RELEASED
    assert initial_state("released", []) == LifecycleState.RELEASED
    assert initial_state("released", ["out_of_stock"]) == LifecycleState.HELD
    assert initial_state("canceled", None) == LifecycleState.CANCELLED
    assert initial_state("created", None) == LifecycleState.IMPORTED


@st.composite
def stories(draw: st.DrawFn) -> list[Observation]:
    """A plausible life in Xentral, one observation per thing that happened, in the order it happened."""
    minute = 0
    story: list[Observation] = []

    def at() -> int:
        nonlocal minute
        minute += 1
        return minute

    for _ in range(draw(st.integers(0, 3))):
        if draw(st.booleans()):
            reasons = tuple(draw(st.lists(st.sampled_from(["out_of_stock", "awaiting_prepayment"]), max_size=2)))
            story.append(seen(at(), LifecycleState.HELD, held_reasons=reasons))
        else:
            story.append(seen(at(), LifecycleState.RELEASED))
    ending = draw(st.sampled_from(["open", "dispatched", "partly", "shipped", "completed", "cancelled"]))
    if ending == "open":
        return story
    if ending == "cancelled" and draw(st.booleans()):
        story.append(seen(at(), LifecycleState.CANCELLED))
        return story
    story.append(seen(at(), LifecycleState.DISPATCHED))
    if ending == "dispatched":
        return story
    parcels = draw(st.integers(1, 3))
    for number in range(parcels):
        last = number == parcels - 1 and ending in ("shipped", "completed")
        line = ShippedLine(str(number), None, "ART-1", Decimal(1))
        shipment = Shipment(str(100 + number), "DHL", f"TN{number}", None, "40", None, (line,))
        story.append(seen(at(), shipment=shipment, all_shipped=last))
    if ending == "completed":
        story.append(seen(at(), LifecycleState.COMPLETED))
    if ending == "cancelled":
        story.append(seen(at(), LifecycleState.CANCELLED))
    return story


@settings(deadline=None)
@given(stories(), st.data())
def test_any_order_and_repetition_of_a_story_ends_the_same(story: list[Observation], data: st.DataObject) -> None:
    start = TrackedOrder("shop", "R-1", "default", "7", LifecycleState.RELEASED)
    expected, in_order = apply_all(start, story)
    repeated = story + data.draw(st.lists(st.sampled_from(story), max_size=6)) if story else []
    shuffled = data.draw(st.permutations(repeated))
    final, steps = apply_all(start, shuffled)
    assert final.state == expected.state
    assert final.held_reasons == expected.held_reasons
    assert {s.shipment_id for s in final.shipments} == {s.shipment_id for s in expected.shipments}
    announced = [step.shipment.shipment_id for step in steps if step.shipment is not None]
    assert sorted(announced) == sorted({s.shipment_id for s in expected.shipments})  # one each
    for step in steps:
        assert step.state.rank >= step.previous_state.rank  # never backwards
    assert {s.state for s in steps if s.state.final} == {s.state for s in in_order if s.state.final}
