"""Every port the order service depends on: Xentral, the attempt store (five narrow parts: attempts,
queue, unresolved attempts, customer creations, operators' notes), caches, callbacks.

Adapters implement them: `xentral.gateway` (Xentral over HTTP; it translates Xentral's failures
into `orders.errors` so the flow speaks only its own words), `store.attempts` (SQL), `cache`
(lookups), `webhooks.callback_targets` (callback targets). Tests use the in-memory fakes in `tests/`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Mapping, Sequence
from typing import Any, Protocol

from .attempts import Attempt, AttemptState, Claim, CreationClaim, ReceivedBody, Step, Unresolved, WebhookMessage
from .model import (
    Address,
    Customer,
    CustomerAddress,
    CustomerLookupField,
    NewCustomer,
    OrderDraft,
    PaymentMethod,
    Product,
    Project,
    SalesOrder,
    ShippingMethod,
)

__all__ = [
    "AttemptNotes",
    "AttemptStore",
    "Attempts",
    "CallbackPolicy",
    "CustomerCreations",
    "LookupCache",
    "OrderQueue",
    "UnresolvedAttempts",
    "XentralGateway",
]


class XentralGateway(Protocol):
    """Xentral as the order flow needs it. Failures arrive as `orders.errors.OrderError` subclasses
    (`XentralSideError` for Xentral's own trouble, `XentralRejectedOrder` for a refused write)."""

    async def products_by_sku(self, skus: Sequence[str]) -> Mapping[str, Product]:
        """Products whose SKU (Xentral `number`) is in `skus`, keyed by SKU; missing ones are absent."""
        ...

    async def find_customers(self, field: CustomerLookupField, value: str) -> Sequence[Customer]: ...

    async def find_customers_at(self, name: str, address: Address) -> Sequence[Customer]:
        """Customers with exactly this name whose address has this street, zip and city."""
        ...

    async def create_customer(self, customer: NewCustomer) -> str:
        """Create the customer (without its addresses) and return its new Xentral id."""
        ...

    async def customer_addresses(self, customer_id: str) -> Sequence[CustomerAddress]:
        """The addresses the customer holds in Xentral (master data and delivery addresses)."""
        ...

    async def create_customer_address(self, customer_id: str, address: CustomerAddress) -> None:
        """Give the customer one more address (a write: it may land although its answer is lost)."""
        ...

    async def import_order(self, draft: OrderDraft) -> str:
        """Import (create and release) the sales order; return its Xentral id."""
        ...

    def import_payload(self, draft: OrderDraft) -> dict[str, Any]:
        """The body `import_order(draft)` sends, as JSON (the dry run shows it; the flow never reads it)."""
        ...

    def customer_payload(self, customer: NewCustomer) -> dict[str, Any]:
        """The body `create_customer(customer)` sends, as JSON."""
        ...

    async def get_order(self, order_id: str) -> SalesOrder: ...

    async def find_orders_by_reference(self, reference: str) -> Sequence[SalesOrder]:
        """Orders whose externalOrderNumber equals `reference` exactly (case-sensitive)."""
        ...

    async def shipping_methods(self) -> Sequence[ShippingMethod]: ...

    async def payment_methods(self) -> Sequence[PaymentMethod]: ...

    async def projects(self) -> Sequence[Project]: ...


class LookupCache(Protocol):
    """Cached lookups the service drops when Xentral rejects an id they produced."""

    async def forget_products(self, skus: Sequence[str]) -> None: ...

    async def forget_customer(self, field: CustomerLookupField, value: str) -> None: ...


class Attempts(Protocol):
    """One attempt per idempotency key: claimed atomically, written only by its owner."""

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
        received: ReceivedBody | None = None,
    ) -> Claim:
        """Atomically take the key: a new attempt, a takeover of a failed or expired one, or why not.
        `received` is kept with a new attempt, and replaces a failed one's with the resent request;
        a claim without one (an operator's retry) keeps what the attempt has."""
        ...

    async def save(self, attempt: Attempt, webhook: WebhookMessage | None = None) -> None:
        """Persist progress (and enqueue `webhook` in the same transaction); raises LeaseLost when
        the attempt is no longer ours."""
        ...

    async def find(self, client: str, reference: str) -> Attempt | None:
        """The attempt with this reference (or idempotency key) of this client."""
        ...

    async def clients_of_order(self, order_id: str) -> set[str]:
        """The clients whose attempts hold this Xentral order id (whose order this service made it)."""
        ...

    async def purge(self, older_than: dt.datetime) -> int:
        """Delete finished attempts last touched before `older_than`; returns how many."""
        ...


class OrderQueue(Protocol):
    """The async lane's queue: queued attempts, claimed by one worker each."""

    async def claim_queued(
        self, *, owner: str, now: dt.datetime, lease_until: dt.datetime, limit: int
    ) -> list[Attempt]:
        """Take up to `limit` queued attempts that are due, oldest first; each is claimed by one worker only."""
        ...

    async def queue_depth(self) -> int:
        """Queued attempts not finished yet."""
        ...

    async def oldest_queued(self) -> dt.datetime | None:
        """When the longest-waiting queued attempt not finished yet arrived; None when the queue is empty."""
        ...

    async def hand_back(self, attempt: Attempt, now: dt.datetime) -> bool:
        """End a claimed attempt's lease now (a worker stopping), so another worker takes it at once instead
        of when the lease runs out; False when it is no longer this worker's."""
        ...


class UnresolvedAttempts(Protocol):
    """The reconciler's side of the synchronous lane: attempts nobody is finishing."""

    async def claim_unresolved(
        self, *, owner: str, now: dt.datetime, lease_until: dt.datetime, limit: int
    ) -> list[Attempt]:
        """Take up to `limit` unqueued running attempts whose lease ran out (an unknown outcome's wait is
        over, or their process died), oldest first; each is taken by one taker only."""
        ...

    async def unresolved(self, started_before: dt.datetime) -> Unresolved:
        """Unqueued attempts still running that were received before `started_before`."""
        ...


class CustomerCreations(Protocol):
    """One creation per new customer across every instance (claims in the database)."""

    async def claim_customer_creation(
        self, identity: str, *, owner: str, now: dt.datetime, lease_until: dt.datetime
    ) -> CreationClaim:
        """Become the one creating the customer `identity`, or learn who did (or that someone is)."""
        ...

    async def finish_customer_creation(
        self,
        identity: str,
        *,
        owner: str,
        customer_id: str | None,
        remember_until: dt.datetime,
        outcome_unknown: bool = False,
    ) -> None:
        """Record the created customer (kept until `remember_until`), or give the claim up (None).

        With `outcome_unknown` (the creation's answer was lost), the claim is kept as unknown until
        `remember_until` instead: meanwhile others only search; after it, the next taker searches
        and creates only when nothing is found.
        """
        ...

    async def record_found_customer(self, identity: str, customer_id: str, remember_until: dt.datetime) -> None:
        """An order found the customer an unknown creation made: everyone else may use it now."""
        ...

    async def forget_customer_creation(self, identity: str) -> None:
        """Drop a remembered creation, e.g. when Xentral no longer accepts that customer id."""
        ...


class AttemptNotes(Protocol):
    """What an operator did to an order, appended to its steps."""

    async def note(self, attempt_id: int, step: Step, *, only_in: Collection[AttemptState]) -> bool:
        """Append `step` to the order's steps if it is in one of the states `only_in` (never while a
        worker owns it, whose next save would drop the step); False when it is not."""
        ...

    async def keep_original(self, attempt_id: int, request: dict[str, Any]) -> None:
        """Keep the request the order arrived with before an operator's corrected one replaces it
        (only the first: a second correction keeps the first original)."""
        ...


class AttemptStore(Attempts, OrderQueue, UnresolvedAttempts, CustomerCreations, AttemptNotes, Protocol):
    """The five store ports together, as one database implements them."""


class CallbackPolicy(Protocol):
    def target_for(self, client: str, requested_url: str | None, *, resolve: bool = True) -> str | None:
        """The callback URL for this order, or None; raises ValueError when `requested_url` is not allowed.

        `resolve=False`: every check but resolving the host (no DNS, no blocking)."""
        ...
