"""Ids in the sandbox are never handed out twice, as MySQL's auto-increment never gives a deleted row's id again."""

from __future__ import annotations

from xentral_sandbox.state import SandboxState


def test_a_deleted_records_id_is_not_given_to_the_next_one() -> None:
    state = SandboxState()
    first = state.next_id(state.sales_orders)
    state.sales_orders[first] = {"id": first}
    del state.sales_orders[first]
    second = state.next_id(state.sales_orders)
    assert int(second) == int(first) + 1


def test_reset_starts_from_the_seed_again() -> None:
    state = SandboxState()
    seeded = state.next_id(state.customers)
    state.reset()
    assert state.next_id(state.customers) == seeded
