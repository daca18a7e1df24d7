"""A shop's change to an order after its import (`orders.amendments`): what changed, in words, between the request
the order was imported with and the shop's new one — addresses and lines only — recorded once per distinct
change, with the lifecycle state it found, as a step on the order; never sent to Xentral (nothing here can)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection
from dataclasses import replace
from decimal import Decimal

from tests.support.clock import FakeClock
from tests.unit.orders.test_cancellations import Lifecycle, attempt
from unified_order_api.lifecycle.model import LifecycleState
from unified_order_api.orders.amendments import ChangeOutcome, OrderChanges, ShopChange, amendments
from unified_order_api.orders.attempts import AttemptState, Step
from unified_order_api.orders.commands import CustomerDetails, ItemRequest, PlaceOrder
from unified_order_api.orders.model import Address

NOW = dt.datetime(2026, 12, 7, 3, 0, tzinfo=dt.UTC)
HOME = Address(name="Jane Doe", street="Old St 1", zip="10115", city="Berlin", country="DE")


def order(**changes: object) -> PlaceOrder:
    base = PlaceOrder(
        reference="727",
        customer=CustomerDetails(name="Jane Doe", address=HOME, email="jane@example.com"),
        items=(
            ItemRequest(sku="ART-1", quantity=Decimal(1), unit_price=Decimal("10.00")),
            ItemRequest(sku="ART-2", quantity=Decimal(2)),
        ),
        payment_status="pending",
    )
    return replace(base, **changes)  # type: ignore[arg-type]


def test_a_new_shipping_address_is_told_in_words_and_the_billing_address_is_unchanged() -> None:
    moved = order(shipping_address=replace(HOME, street="New St 2", address_supplement="Hinterhaus"))
    assert amendments(order(), moved) == (
        "shipping address: Jane Doe, Old St 1, 10115, Berlin, DE → Jane Doe, New St 2, Hinterhaus, 10115, Berlin, DE",
    )


def test_lines_added_removed_and_changed_in_quantity_or_price() -> None:
    changed = order(
        items=(
            ItemRequest(sku="ART-1", quantity=Decimal(3), unit_price=Decimal("9.50")),
            ItemRequest(sku="ART-9", quantity=Decimal("1.0")),
        )
    )
    assert amendments(order(), changed) == (
        "line ART-1: quantity 1 → 3",
        "line ART-1: unit price 10 → 9.5",
        "line ART-2: removed (was x 2)",
        "line ART-9: added x 1",
    )


def test_a_change_of_nothing_compared_is_no_amendment() -> None:
    assert amendments(order(), order(payment_status="paid", internal_note="paid by transfer")) == ()


class Ledger:
    def __init__(self) -> None:
        self.changes: list[ShopChange] = []

    async def record(self, change: ShopChange) -> bool:
        if any(known.digest == change.digest for known in self.changes):
            return False
        self.changes.append(change)
        return True

    async def changes_of(self, client: str, reference: str) -> list[ShopChange]:
        return list(self.changes)


class Steps:
    def __init__(self) -> None:
        self.noted: list[Step] = []

    async def note(self, attempt_id: int, step: Step, *, only_in: Collection[AttemptState]) -> bool:
        self.noted.append(step)
        return True


async def test_a_change_is_recorded_once_with_the_lifecycle_state_and_a_step() -> None:
    ledger, steps = Ledger(), Steps()
    changes = OrderChanges(ledger, clock=FakeClock(NOW), lifecycle=Lifecycle(LifecycleState.DISPATCHED), steps=steps)
    held = replace(attempt(), id=3, request=order().to_json())
    moved = order(shipping_address=replace(HOME, city="Hamburg", zip="20095"))
    outcome, change = await changes.record(held, moved, source="woocommerce")
    assert outcome is ChangeOutcome.RECORDED
    assert change.lifecycle_state == "dispatched" and change.changes == (
        "shipping address: Jane Doe, Old St 1, 10115, Berlin, DE → Jane Doe, Old St 1, 20095, Hamburg, DE",
    )
    assert [(s.name, s.detail) for s in steps.noted] == [
        ("shop_change", f"woocommerce changed it, not sent to Xentral: {change.changes[0]}")
    ]
    again, _ = await changes.record(held, moved, source="woocommerce")
    assert again is ChangeOutcome.DUPLICATE and len(ledger.changes) == 1 and len(steps.noted) == 1
    nothing, _ = await changes.record(held, order(payment_status="paid"), source="woocommerce")
    assert nothing is ChangeOutcome.NOTHING and len(ledger.changes) == 1
