"""A Xentral gateway and an attempt store in memory, with failures to inject: fast tests of the service's edges.

The gateway raises what the real adapter raises: Xentral's failures translated by the adapter's
own `order_error`, so a test injects a realistic `xentral.errors` failure and the service sees
exactly what it would see in production.
"""

from __future__ import annotations

import copy
import datetime as dt
import itertools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Any

from unified_order_api.orders.attempts import (
    Attempt,
    AttemptState,
    Claim,
    CreationClaim,
    LeaseLost,
    Step,
    StepName,
    WebhookMessage,
)
from unified_order_api.orders.commands import CustomerDetails, ItemRequest, PlaceOrder
from unified_order_api.orders.model import (
    Address,
    Customer,
    CustomerLookupField,
    NewCustomer,
    OrderDraft,
    PaymentMethod,
    Product,
    Project,
    SalesOrder,
    ShippingMethod,
)
from unified_order_api.xentral.errors import XentralError
from unified_order_api.xentral.translation import order_error

_WRITES = {"import", "create_customer"}


class FakeGateway:
    def __init__(self) -> None:
        self.orders: dict[str, SalesOrder] = {}
        self.customers: dict[str, Customer] = {}
        self.failures: dict[str, list[Exception]] = {}

    def fail(self, operation: str, *errors: Exception) -> None:
        self.failures.setdefault(operation, []).extend(errors)

    def _maybe_fail(self, operation: str) -> None:
        queue = self.failures.get(operation)
        if queue:
            error = queue.pop(0)
            if isinstance(error, XentralError):
                raise order_error(error, write=operation in _WRITES) from error
            raise error

    async def products_by_sku(self, skus: Sequence[str]) -> Mapping[str, Product]:
        self._maybe_fail("products")
        return {sku: Product(id=str(n + 1), sku=sku, name=sku) for n, sku in enumerate(skus)}

    async def find_customers(self, field: CustomerLookupField, value: str) -> Sequence[Customer]:
        self._maybe_fail("find_customers")
        return [c for c in self.customers.values() if getattr(c, field) == value]

    async def create_customer(self, customer: NewCustomer) -> str:
        customer_id = str(len(self.customers) + 100)
        self.customers[customer_id] = Customer(customer_id, f"K{customer_id}", customer.email or None, customer.name)
        self._maybe_fail("create_customer")  # after the write: a lost answer
        return customer_id

    async def get_customer(self, customer_id: str) -> Customer:
        return self.customers[customer_id]

    async def import_order(self, draft: OrderDraft) -> str:
        order_id = str(len(self.orders) + 1)
        self.orders[order_id] = SalesOrder(order_id, f"2000{order_id}", "released", draft.reference, draft.customer_id)
        self._maybe_fail("import")  # after the write: a lost answer
        return order_id

    def import_payload(self, draft: OrderDraft) -> dict[str, Any]:
        return {"reference": draft.reference, "customer": draft.customer_id, "skus": [line.sku for line in draft.lines]}

    def customer_payload(self, customer: NewCustomer) -> dict[str, Any]:
        return {"email": customer.email, "name": customer.name}

    async def get_order(self, order_id: str) -> SalesOrder:
        return self.orders[order_id]

    async def find_orders_by_reference(self, reference: str) -> Sequence[SalesOrder]:
        self._maybe_fail("find_orders")
        return [order for order in self.orders.values() if order.reference == reference]

    async def shipping_methods(self) -> Sequence[ShippingMethod]:
        return [ShippingMethod("1", "dhl", "dhl", "DHL")]

    async def payment_methods(self) -> Sequence[PaymentMethod]:
        return [PaymentMethod("2", "paypal", "PayPal")]

    async def projects(self) -> Sequence[Project]:
        return [Project("1", "Main", "MAIN")]


def command(
    reference: str = "R-1", email: str | None = "a@example.com", number: str | None = None, sku: str = "ART-1"
) -> PlaceOrder:
    address = Address(name="Max", street="S 1", zip="12345", city="C", country="DE")
    return PlaceOrder(
        reference=reference,
        customer=CustomerDetails(name="Max", address=address, email=email, number=number),
        items=(ItemRequest(sku, Decimal(1)),),
        shipping="dhl",
        payment="paypal",
    )


class InMemoryAttemptStore:
    """`orders.ports.AttemptStore` in memory, with the SQL store's rules (store/attempts.py).

    The same contract tests run against both (tests/store/test_attempt_store.py). Attempts are
    copied in and out, as rows would be, so a test cannot pass on shared objects.
    """

    def __init__(self) -> None:
        self.attempts: dict[int, Attempt] = {}
        self.webhooks: list[WebhookMessage] = []
        self.creations: dict[str, _Creation] = {}
        self._ids = itertools.count(1)

    def _first(self, client: str, key: str, reference: str) -> Attempt | None:
        """The row the SQL claim reads after a unique-constraint conflict: same key or same reference."""
        hits = [a for a in self.attempts.values() if a.client == client and (a.key == key or a.reference == reference)]
        return copy.deepcopy(min(hits, key=lambda a: a.id or 0)) if hits else None

    def _store(self, attempt: Attempt) -> None:
        attempt.updated_at = attempt.steps[-1].at if attempt.steps else attempt.updated_at
        self.attempts[attempt.id or 0] = copy.deepcopy(attempt)

    async def claim(
        self,
        *,
        client: str,
        key: str,
        reference: str,
        fingerprint: str,
        owner: str,
        now: dt.datetime,
        lease_until: dt.datetime,
        request: dict[str, Any] | None = None,
        queued: bool = False,
    ) -> Claim:
        fresh = Attempt.received(
            client=client,
            key=key,
            reference=reference,
            fingerprint=fingerprint,
            owner=owner,
            now=now,
            lease_until=lease_until,
            request=request,
            queued=queued,
        )
        existing = self._first(client, key, reference)
        if existing is None:
            fresh.id = next(self._ids)
            self._store(fresh)
            return Claim("new", fresh)
        same_request = existing.fingerprint == fingerprint and existing.reference == reference
        if existing.state == AttemptState.COMPLETED:
            return Claim("replay" if same_request else "key_reused", existing)
        if existing.state == AttemptState.FAILED:
            if existing.reference != reference:
                return Claim("key_reused", existing)
            if any(a.client == client and a.key == key and a.id != existing.id for a in self.attempts.values()):
                return Claim("key_reused", fresh)  # the SQL update hits the unique key
            taken = replace(
                existing,
                key=key,
                fingerprint=fingerprint,
                state=AttemptState.RECEIVED,
                owner=owner,
                lease_until=lease_until,
                error=None,
                request=request,
                queued=queued,
                order_id=None,
                steps=[*existing.steps, Step(StepName.RETRIED, now)],
            )
            self._store(taken)
            return Claim("new", taken)
        if not same_request:
            return Claim("key_reused", existing)
        if existing.lease_until > now:
            return Claim("in_progress", existing)
        existing.owner, existing.lease_until = owner, lease_until
        existing.queued = existing.queued or queued
        existing.record(StepName.RESUMED, now, "the previous attempt's lease expired")
        self._store(existing)
        return Claim("resumed", existing)

    async def save(self, attempt: Attempt, webhook: WebhookMessage | None = None) -> None:
        stored = self.attempts.get(attempt.id or 0)
        if stored is None or stored.owner != attempt.owner:
            raise LeaseLost(f"attempt {attempt.reference!r} was taken over by another worker")
        self._store(attempt)
        if webhook is not None:
            self.webhooks.append(webhook)

    async def find(self, client: str, reference: str) -> Attempt | None:
        hits = [a for a in self.attempts.values() if a.client == client and reference in (a.reference, a.key)]
        if not hits:
            return None
        return copy.deepcopy(min(hits, key=lambda a: (a.reference != reference, a.id or 0)))

    async def clients_of_order(self, order_id: str) -> set[str]:
        return {a.client for a in self.attempts.values() if a.order_id == order_id}

    async def purge(self, older_than: dt.datetime) -> int:
        old = [
            i
            for i, a in self.attempts.items()
            if a.updated_at < older_than and (not a.state.in_progress or a.lease_until < older_than)
        ]
        for i in old:
            del self.attempts[i]
        for identity in [i for i, c in self.creations.items() if c.lease_until < older_than]:
            del self.creations[identity]
        return len(old)

    async def claim_queued(
        self, *, owner: str, now: dt.datetime, lease_until: dt.datetime, limit: int
    ) -> list[Attempt]:
        due = sorted(
            (a for a in self.attempts.values() if a.queued and a.state.in_progress and a.lease_until <= now),
            key=lambda a: a.id or 0,
        )[:limit]
        for attempt in due:
            attempt.owner, attempt.lease_until = owner, lease_until
        return [copy.deepcopy(a) for a in due]

    async def queue_depth(self) -> int:
        return sum(1 for a in self.attempts.values() if a.queued and a.state.in_progress)

    async def claim_customer_creation(
        self, identity: str, *, owner: str, now: dt.datetime, lease_until: dt.datetime
    ) -> CreationClaim:
        held = self.creations.get(identity)
        if held is not None and held.lease_until > now:
            if held.customer_id:
                return CreationClaim("created", held.customer_id)
            return CreationClaim("search" if held.outcome_unknown else "wait")
        self.creations[identity] = _Creation(owner, lease_until, None, outcome_unknown=held is not None)
        return CreationClaim("mine" if held is None else "search_then_create")

    async def finish_customer_creation(
        self,
        identity: str,
        *,
        owner: str,
        customer_id: str | None,
        remember_until: dt.datetime,
        outcome_unknown: bool = False,
    ) -> None:
        held = self.creations.get(identity)
        if held is None or held.owner != owner:
            return
        if customer_id is not None:
            self.creations[identity] = _Creation(owner, remember_until, customer_id)
        elif outcome_unknown:
            self.creations[identity] = _Creation(owner, remember_until, None, outcome_unknown=True)
        else:
            del self.creations[identity]

    async def record_found_customer(self, identity: str, customer_id: str, remember_until: dt.datetime) -> None:
        held = self.creations.get(identity)
        if held is not None and held.customer_id is None:
            self.creations[identity] = _Creation(held.owner, remember_until, customer_id)

    async def forget_customer_creation(self, identity: str) -> None:
        held = self.creations.get(identity)
        if held is not None and held.customer_id is not None:
            del self.creations[identity]


@dataclass(frozen=True, slots=True)
class _Creation:
    owner: str
    lease_until: dt.datetime
    customer_id: str | None
    outcome_unknown: bool = False  # the last creation's answer was lost
