"""The order flow: one command in, one released Xentral order out — exactly once per key.

Reads run first and concurrently (items, existing order, customer); nothing is written to
Xentral until all of them agree the order is valid. Every write is preceded by a persisted
state, so a crashed or timed-out attempt is resumed by reconciling, never by guessing.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import uuid
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any, Protocol, TypeVar

import structlog

from ..config import Settings
from ..xentral import errors as upstream
from .attempts import (
    Attempt,
    AttemptState,
    AttemptStore,
    Claim,
    LeaseLost,
    OrderReceipt,
    WebhookMessage,
)
from .commands import PlaceOrder
from .customers import CustomerLookup, customer_not_found, find_customer, new_customer, new_customer_problems
from .errors import (
    FieldProblem,
    IdempotencyKeyReused,
    OrderError,
    OrderInProgress,
    OrderRejected,
    XentralAccessDenied,
    XentralFailed,
    XentralFailedOutcomeUnknown,
    XentralMisbehaved,
    XentralOutcomeUnknown,
    XentralRateLimited,
    XentralRejectedOrder,
    XentralTimedOut,
    XentralUnavailable,
)
from .items import resolve_items
from .model import Address, CustomerLookupField, Money, OrderDraft, SalesOrder
from .ports import LookupCache, XentralGateway
from .reference_data import ReferenceData, match_code

log = structlog.get_logger(__name__)

T = TypeVar("T")
Clock = Callable[[], dt.datetime]


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class CallbackPolicy(Protocol):
    def target_for(self, client: str, requested_url: str | None) -> str | None:
        """The callback URL for this order, or None; raises ValueError when `requested_url` is not allowed."""
        ...


MAX_REQUEUES = 12
CUSTOMER_CREATION_WAIT_SECONDS = 30.0
CUSTOMER_CREATION_POLL_SECONDS = 0.2
# Long enough for every order that searched before the creation; after it, Xentral's search finds it.
CUSTOMER_CREATION_MEMORY_SECONDS = 600.0
QUEUE_BACKOFF_CAP = 900.0


@dataclass(frozen=True, slots=True)
class OrderOutcome:
    """A finished order as the service reports it; `replayed` when an earlier attempt produced it."""

    receipt: OrderReceipt
    replayed: bool = False


@dataclass(frozen=True, slots=True)
class Accepted:
    """A queued order: its attempt, and the finished outcome when the key had completed before."""

    attempt: Attempt
    outcome: OrderOutcome | None


class OrderService:
    def __init__(
        self,
        *,
        gateway: XentralGateway,
        store: AttemptStore,
        settings: Settings,
        reference_data: ReferenceData | None = None,
        callbacks: CallbackPolicy | None = None,
        cache: LookupCache | None = None,
        clock: Clock = utc_now,
    ) -> None:
        self._gateway = gateway
        self._cache = cache
        self._store = store
        self._settings = settings
        self._reference = reference_data or ReferenceData(gateway)
        self._callbacks = callbacks
        self._clock = clock

    # -- public -------------------------------------------------------------------------------

    def idempotency_key(self, command: PlaceOrder, header_key: str | None) -> str:
        if header_key and self._settings.idempotency.key_source == "header_or_reference":
            return header_key
        return command.reference

    async def place_order(self, command: PlaceOrder, *, client: str, key: str | None = None) -> OrderOutcome:
        key = key or command.reference
        callback_url = await self._callback_target(client, command)
        claim = await self._claim(command, client=client, key=key)
        if claim.kind == "replay":
            assert claim.attempt.receipt is not None
            return OrderOutcome(claim.attempt.receipt, replayed=True)
        self._refuse_unusable_claim(claim, key)
        if claim.kind == "in_progress":
            remaining = (claim.attempt.lease_until - self._clock()).total_seconds()
            raise OrderInProgress(
                f"Order '{claim.attempt.reference}' is being processed by an earlier request; retry shortly",
                retry_after=max(1.0, min(remaining, 30.0)),
            )
        try:
            receipt = await self._execute(command, claim.attempt, callback_url, resumed=claim.kind == "resumed")
        except LeaseLost as error:
            # Our lease ran out and a retry took the attempt over; it may even have finished it.
            current = await self._store.find(client, command.reference)
            if current is not None and current.receipt is not None:
                return OrderOutcome(current.receipt, replayed=True)
            raise OrderInProgress(
                f"Order '{command.reference}' is being finished by a later request; retry shortly", retry_after=5
            ) from error
        return OrderOutcome(receipt)

    async def accept_order(self, command: PlaceOrder, *, client: str, key: str | None = None) -> Accepted:
        """Queue the order for the worker (the async lane): nothing is sent to Xentral here.

        A queued attempt is due at once (its lease ends now); the worker processes the queue in
        arrival order, at the pace the Xentral limiter allows.
        """
        key = key or command.reference
        await self._callback_target(client, command)
        now = self._clock()
        claim = await self._store.claim(
            client=client,
            key=key,
            reference=command.reference,
            fingerprint=command.fingerprint(),
            owner=uuid.uuid4().hex,
            now=now,
            lease_until=now,
            request=command.to_json(),
            queued=True,
        )
        if claim.kind == "replay":
            assert claim.attempt.receipt is not None
            return Accepted(claim.attempt, OrderOutcome(claim.attempt.receipt, replayed=True))
        self._refuse_unusable_claim(claim, key)
        return Accepted(claim.attempt, None)

    async def process_queued(self, attempt: Attempt) -> None:
        """Run one claimed queued order; a transient failure puts it back with a delay instead of failing it."""
        callback_url = None
        try:
            assert attempt.request is not None
            command = PlaceOrder.from_json(attempt.request)
            callback_url = await self._callback_target(attempt.client, command)
            await self._execute(command, attempt, callback_url, resumed=len(attempt.steps) > 1)
        except LeaseLost:
            return  # another worker owns it now
        except (XentralUnavailable, XentralAccessDenied, XentralMisbehaved) as error:
            await self._requeue(attempt, error, callback_url)
        except OrderError as error:
            if attempt.state != AttemptState.FAILED:  # e.g. a refused callback_url, before _execute ran
                await self._fail(attempt, error, callback_url)
        except Exception as error:
            # A bug or a stored request we cannot read: retry a few times, then give up visibly
            # instead of spending Xentral's budget on it forever.
            log.exception("queue.order_crashed", reference=attempt.reference)
            crash = XentralMisbehaved(f"Processing failed unexpectedly ({type(error).__name__})")
            await self._requeue(attempt, crash, callback_url)

    async def _requeue(self, attempt: Attempt, error: OrderError, callback_url: str | None) -> None:
        requeues = sum(1 for step in attempt.steps if step.name == "requeued")
        if requeues >= MAX_REQUEUES:
            await self._fail(attempt, error, callback_url)
            return
        delay = min(QUEUE_BACKOFF_CAP, max(error.retry_after or 0, 2.0 * 2**requeues))
        attempt.lease_until = self._clock() + dt.timedelta(seconds=delay)
        attempt.record("requeued", self._clock(), f"{error.code}: retry in {delay:.0f}s")
        await self._store.save(attempt)

    async def _execute(
        self, command: PlaceOrder, attempt: Attempt, callback_url: str | None, *, resumed: bool
    ) -> OrderReceipt:
        bound = log.bind(reference=command.reference, client=attempt.client, resumed=resumed)
        try:
            receipt = await self._run(command, attempt, callback_url)
        except XentralOutcomeUnknown as error:
            # Keep the state (importing) but give the key back soon: the retry reconciles first.
            retry_after = self._settings.idempotency.unknown_outcome_retry_seconds
            error.retry_after = retry_after
            attempt.lease_until = self._clock() + dt.timedelta(seconds=retry_after)
            attempt.record("outcome_unknown", self._clock(), error.detail)
            await self._store.save(attempt)
            bound.warning("order.outcome_unknown", detail=error.detail)
            raise
        except (XentralUnavailable, XentralAccessDenied, XentralMisbehaved) as error:
            if attempt.queued:
                raise  # the queue worker decides: requeue or, after many tries, fail
            await self._fail(attempt, error, callback_url)
            bound.info("order.failed", code=error.code, detail=error.detail)
            raise
        except OrderError as error:
            await self._fail(attempt, error, callback_url)
            bound.info("order.failed", code=error.code, detail=error.detail)
            raise
        bound.info("order.completed", order_id=receipt.order_id, outcome=receipt.outcome)
        return receipt

    def _refuse_unusable_claim(self, claim: Claim, key: str) -> None:
        if claim.kind == "key_reused":
            raise IdempotencyKeyReused(
                f"Idempotency key '{key}' was used for a different request (reference "
                f"'{claim.attempt.reference}'); send a new key or the identical body"
            )

    async def order_status(self, *, client: str, reference: str) -> Attempt | None:
        return await self._store.find(client, reference)

    # -- the flow -------------------------------------------------------------------------------

    async def _claim(self, command: PlaceOrder, *, client: str, key: str) -> Claim:
        now = self._clock()
        return await self._store.claim(
            client=client,
            key=key,
            reference=command.reference,
            fingerprint=command.fingerprint(),
            owner=uuid.uuid4().hex,
            now=now,
            lease_until=now + dt.timedelta(seconds=self._settings.idempotency.lease_seconds),
            request=command.to_json(),
        )

    async def _run(self, command: PlaceOrder, attempt: Attempt, callback_url: str | None) -> OrderReceipt:
        check_upstream = self._settings.idempotency.upstream_check == "always" or attempt.import_attempted
        reuse_customer = attempt.kept_customer(command.customer.identity) is not None

        external_reference = self._external_reference(attempt.client, command.reference)
        existing_lookup = self._find_existing(external_reference) if check_upstream else _none()
        customer_lookup = (
            _none()
            if reuse_customer
            else self._call(find_customer(self._gateway, command.customer, self._settings.customers))
        )
        existing, draft, lookup = await _gather_first_error(
            existing_lookup, self._resolve(command, attempt.client), customer_lookup
        )
        if existing is not None:
            receipt = self._receipt_for_existing(command, existing, attempt)
            await self._finish(attempt, receipt, command, callback_url)
            return receipt

        order_id = None
        for refreshed in (False, True):
            customer_id = await self._settle_customer(command, attempt, draft, lookup)
            try:
                order_id = await self._import(replace(draft, customer_id=customer_id), attempt)
                break
            except XentralRejectedOrder:
                if refreshed or self._cache is None:
                    raise
                # A cached product or customer id may be stale: forget them, resolve again from
                # Xentral, and try once more. An import Xentral rejected created nothing.
                attempt.record("cache_refreshed", self._clock(), "Xentral rejected the import; resolving again")
                draft, lookup = await self._resolve_fresh(command, attempt)
        assert order_id is not None
        order = await self._read_back(order_id)
        receipt = OrderReceipt(
            reference=command.reference,
            order_id=order.id,
            order_number=order.document_number,
            order_status=order.status,
            customer_id=customer_id,
            customer_number=attempt.customer_number or order.customer_number,
            customer_created=attempt.customer_created,
            outcome="created",
        )
        await self._finish(attempt, receipt, command, callback_url)
        return receipt

    async def _settle_customer(
        self, command: PlaceOrder, attempt: Attempt, draft: OrderDraft, lookup: CustomerLookup | None
    ) -> str:
        """The customer id for this order: reused from an earlier try, found, or created now."""
        kept = attempt.kept_customer(command.customer.identity)
        if kept is not None:
            customer_id = kept
        elif lookup is not None and lookup.customer is not None:
            customer_id = lookup.customer.id
            attempt.customer_number = lookup.customer.number
            attempt.customer_created = False
        else:
            searched = lookup.searched if lookup else ()
            customer_id = await self._create_customer(command, attempt, draft.project_id, searched)
        attempt.customer_id = customer_id
        attempt.customer_identity = command.customer.identity
        attempt.state = AttemptState.CUSTOMER_RESOLVED
        attempt.record("customer_resolved", self._clock(), f"customer {customer_id}")
        await self._checkpoint(attempt)
        return customer_id

    async def _resolve_fresh(self, command: PlaceOrder, attempt: Attempt) -> tuple[OrderDraft, CustomerLookup | None]:
        assert self._cache is not None
        self._reference.invalidate()
        await self._cache.forget_products([item.sku for item in command.items])
        details = command.customer
        for field, value in (("number", details.number), ("email", details.email)):
            if value:
                await self._cache.forget_customer(field, value)  # type: ignore[arg-type]
        if details.email:
            await self._store.forget_customer_creation(details.email.strip().casefold())
        if attempt.customer_created:
            # We created this customer moments ago; its id is not a cached guess.
            draft: OrderDraft = await self._resolve(command, attempt.client)
            return draft, None
        attempt.customer_id = None
        draft, lookup = await _gather_first_error(
            self._resolve(command, attempt.client),
            self._call(find_customer(self._gateway, details, self._settings.customers)),
        )
        return draft, lookup

    def _external_reference(self, client: str, reference: str) -> str:
        """The reference as Xentral stores it (externalOrderNumber): the client's prefix keeps the
        references of different callers apart in the one Xentral where they all meet."""
        prefix = next((c.reference_prefix for c in self._settings.clients if c.name == client), "")
        return prefix + reference

    async def _resolve(self, command: PlaceOrder, client: str) -> OrderDraft:
        """Every check that needs no write, with every problem collected before raising."""
        defaults = self._settings.defaults
        currency = (command.currency or defaults.currency).upper()
        skus = list(dict.fromkeys(item.sku for item in command.items))
        products, shipping_methods, payment_methods, projects = await _gather_first_error(
            self._call(self._gateway.products_by_sku(skus)),
            self._call(self._reference.shipping_methods.get()),
            self._call(self._reference.payment_methods.get()),
            self._call(self._reference.projects.get()),
        )
        lines, problems = resolve_items(command.items, products, currency)

        shipping_id = self._method_id(
            command.shipping,
            defaults.shipping_method_id,
            self._settings.shipping_map,
            shipping_methods,
            "/shipping",
            "shipping",
            problems,
        )
        payment_id = self._method_id(
            command.payment,
            defaults.payment_method_id,
            self._settings.payment_map,
            payment_methods,
            "/payment",
            "payment",
            problems,
        )
        project_id = command.project_id or defaults.project_id
        if project_id is None and projects:
            project_id = projects[0].id
        if project_id is None or not any(p.id == project_id for p in projects):
            pointer = "/project" if command.project_id else "/"
            problems.append(
                FieldProblem(pointer, "unknown_project", f"Project '{project_id}' does not exist in Xentral")
            )
        if problems:
            raise OrderRejected(problems)

        assert shipping_id is not None and payment_id is not None and project_id is not None
        billing = command.billing_address or _customer_address(command)
        draft = OrderDraft(
            order_date=command.order_date or self._clock().date(),
            reference=self._external_reference(client, command.reference),
            customer_id="",
            project_id=project_id,
            payment_method_id=payment_id,
            shipping_method_id=shipping_id,
            currency=currency,
            lines=tuple(lines),
            billing_address=billing,
            shipping_address=command.shipping_address or billing,
            sales_channel_id=defaults.sales_channel_id,
            external_order_id=command.external_order_id,
            transaction_number=command.transaction_id,
            customer_order_number=command.customer_order_number,
            internal_note=_internal_note(command),
            internal_designation=defaults.internal_designation,
            language=command.language or defaults.language,
            auto_shipping=defaults.auto_shipping if command.auto_shipping is None else command.auto_shipping,
            shipping_cost=(Money(command.shipping_cost, currency) if command.shipping_cost is not None else None),
            shipping_cost_product_id=defaults.shipping_cost_product_id,
            custom_fields=dict(command.custom_fields),
        )
        if draft.shipping_cost is not None and draft.shipping_cost_product_id is None and command.shipping_cost:
            raise OrderRejected(
                [
                    FieldProblem(
                        "/shipping_cost",
                        "shipping_cost_unsupported",
                        "A shipping cost was sent, but no shipping cost product is configured "
                        "(UOA_DEFAULTS__SHIPPING_COST_PRODUCT_ID)",
                    )
                ]
            )
        return draft

    def _method_id(
        self,
        code: str | None,
        default_id: str | None,
        mapping: Mapping[str, str],
        methods: Sequence[Any],
        pointer: str,
        what: str,
        problems: list[FieldProblem],
    ) -> str | None:
        if code is None:
            if default_id is None:
                problems.append(
                    FieldProblem(pointer, "required", f"Required field '{what}' is missing (no default is configured)")
                )
            elif not any(method.id == default_id for method in methods):
                problems.append(
                    FieldProblem(
                        pointer,
                        f"unknown_{what}_method",
                        f"The default {what} method id '{default_id}' does not exist in Xentral",
                    )
                )
            return default_id
        match = match_code(code, mapping, methods)
        if match.id is None:
            if len(match.candidates) > 1:
                detail = (
                    f"{what.capitalize()} code '{code}' matches several Xentral methods "
                    f"(ids {', '.join(match.candidates)}); configure a mapping"
                )
            elif match.candidates:
                detail = (
                    f"{what.capitalize()} code '{code}' is mapped to Xentral id "
                    f"'{match.candidates[0]}', which does not exist"
                )
            else:
                detail = f"Unknown {what} code '{code}'"
            problems.append(FieldProblem(pointer, f"unknown_{what}_method", detail))
        return match.id

    async def _find_existing(self, reference: str) -> SalesOrder | None:
        orders = await self._call(self._gateway.find_orders_by_reference(reference))
        live = [order for order in orders if order.status != "canceled"]
        if not live:
            return None
        return min(live, key=lambda order: (len(order.id), order.id))

    def _receipt_for_existing(self, command: PlaceOrder, order: SalesOrder, attempt: Attempt) -> OrderReceipt:
        # Found after an import of ours was sent: it is the order we created, not someone else's.
        created_here = attempt.import_attempted
        attempt.order_id = order.id
        return OrderReceipt(
            reference=command.reference,
            order_id=order.id,
            order_number=order.document_number,
            order_status=order.status,
            customer_id=order.customer_id or attempt.customer_id or "",
            customer_number=order.customer_number or attempt.customer_number,
            customer_created=attempt.customer_created,
            outcome="created" if created_here else "existing",
        )

    async def _create_customer(
        self, command: PlaceOrder, attempt: Attempt, project_id: str, searched: Sequence[CustomerLookupField]
    ) -> str:
        if not self._settings.customers.create_missing:
            raise customer_not_found(command.customer, searched)
        if not command.customer.email:
            # The number range assigns a new customer's number, so a customer created for an unknown
            # number could never be found by it again: every retry would create another one.
            raise customer_not_found(command.customer, searched, needs_email=True)
        problems = new_customer_problems(command.customer)
        if problems:
            raise OrderRejected(problems)
        # One creation per new customer, across every instance: an order that searched before another
        # one created the customer learns its id here instead of creating a second one.
        identity = command.customer.email.strip().casefold()
        lease = dt.timedelta(seconds=self._settings.idempotency.lease_seconds)
        deadline = self._clock() + dt.timedelta(seconds=CUSTOMER_CREATION_WAIT_SECONDS)
        while True:
            claim = await self._store.claim_customer_creation(
                identity, owner=attempt.owner, now=self._clock(), lease_until=self._clock() + lease
            )
            if claim.kind == "created":
                assert claim.customer_id is not None
                attempt.customer_created = False
                attempt.record("customer_found", self._clock(), f"customer {claim.customer_id}, created just before")
                return claim.customer_id
            if claim.kind == "mine":
                break
            if self._clock() >= deadline:
                raise OrderInProgress(
                    f"Another order is creating the customer '{command.customer.email}' right now; retry shortly",
                    retry_after=5,
                )
            await asyncio.sleep(CUSTOMER_CREATION_POLL_SECONDS)
        customer_id = None
        try:
            customer_id = await self._create_customer_now(command, attempt, project_id)
            return customer_id
        finally:
            await self._store.finish_customer_creation(
                identity,
                owner=attempt.owner,
                customer_id=customer_id,
                remember_until=self._clock() + dt.timedelta(seconds=CUSTOMER_CREATION_MEMORY_SECONDS),
            )

    async def _create_customer_now(self, command: PlaceOrder, attempt: Attempt, project_id: str) -> str:
        attempt.record("creating_customer", self._clock())
        await self._checkpoint(attempt)
        try:
            customer_id = await self._call(
                self._gateway.create_customer(new_customer(command.customer, project_id)), write=True
            )
        except XentralRejectedOrder as error:
            raise XentralRejectedOrder(
                f"Xentral rejected the new customer: {error.detail}",
                violations=[replace(v, pointer=_customer_pointer(v.pointer)) for v in error.violations],
            ) from error
        attempt.customer_created = True
        attempt.customer_id = customer_id
        attempt.customer_identity = command.customer.identity
        attempt.customer_number = None  # the number range assigned one; the order read-back tells it
        attempt.record("customer_created", self._clock(), f"customer {customer_id}")
        return customer_id

    async def _checkpoint(self, attempt: Attempt) -> None:
        """Persist progress before a Xentral write, renewing the lease so the write has a full lease
        to finish in: no other worker can resume this attempt while its write may be in flight."""
        attempt.lease_until = self._clock() + dt.timedelta(seconds=self._settings.idempotency.lease_seconds)
        await self._store.save(attempt)

    async def _import(self, draft: OrderDraft, attempt: Attempt) -> str:
        attempt.state = AttemptState.IMPORTING
        attempt.record("importing", self._clock())
        await self._checkpoint(attempt)
        try:
            order_id = await self._call(self._gateway.import_order(draft), write=True)
        except XentralOutcomeUnknown as error:
            try:
                found = await self._find_existing(draft.reference)
            except OrderError:
                found = None  # still unknown: the state stays `importing`, the retry reconciles
            if found is None:
                error.extra.update(self._customer_extra(attempt))
                raise
            order_id = found.id
            attempt.record("reconciled", self._clock(), f"order {order_id} found after an unconfirmed import")
        except XentralRejectedOrder as error:
            raise XentralRejectedOrder(
                f"Xentral rejected the order: {error.detail}",
                violations=error.violations,
                extra=self._customer_extra(attempt),
            ) from error
        except OrderError as error:
            error.extra.update(self._customer_extra(attempt))
            raise
        attempt.order_id = order_id
        attempt.record("imported", self._clock(), f"order {order_id}")
        return order_id

    async def _read_back(self, order_id: str) -> SalesOrder:
        try:
            return await self._call(self._gateway.get_order(order_id))
        except OrderError:
            # The order exists; its number is what we could not read. Report it without one
            # rather than fail an order that was created.
            # Assumption: status is `released` (docs/xentral.md#reading-an-order-back).
            return SalesOrder(id=order_id, document_number=None, status="released", reference=None)

    async def _finish(
        self, attempt: Attempt, receipt: OrderReceipt, command: PlaceOrder, callback_url: str | None
    ) -> None:
        attempt.state = AttemptState.COMPLETED
        attempt.receipt = receipt
        attempt.order_id = receipt.order_id
        attempt.error = None
        attempt.record("completed", self._clock(), f"order {receipt.order_id} ({receipt.outcome})")
        webhook = None
        if callback_url:
            webhook = self._webhook("order.created", attempt.client, callback_url, receipt.to_json())
        await self._store.complete(attempt, webhook)

    async def _fail(self, attempt: Attempt, error: OrderError, callback_url: str | None = None) -> None:
        attempt.state = AttemptState.FAILED
        attempt.error = {"code": error.code, "detail": error.detail}
        attempt.record("failed", self._clock(), error.code)
        webhook = None
        # A failure is worth a callback when it left something behind in Xentral (a customer) or
        # when the caller was answered 202 and waits to hear the end.
        if callback_url and (attempt.created_anything or attempt.queued) and self._notifies_failures(attempt.client):
            webhook = self._webhook(
                "order.failed",
                attempt.client,
                callback_url,
                {
                    "reference": attempt.reference,
                    "order_id": attempt.order_id,
                    "order_number": None,
                    "customer_id": attempt.customer_id,
                    "customer_number": attempt.customer_number,
                    "customer_created": attempt.customer_created,
                    "error": attempt.error,
                },
            )
        await self._store.save(attempt, webhook=webhook)

    def _notifies_failures(self, client: str) -> bool:
        return any(c.name == client and c.notify_failures for c in self._settings.clients)

    def _webhook(self, event_type: str, client: str, url: str, data: dict[str, Any]) -> WebhookMessage:
        event_id = f"evt_{uuid.uuid4().hex}"
        payload = {"type": event_type, "id": event_id, "timestamp": self._clock().isoformat(), "data": data}
        return WebhookMessage(client=client, url=url, event_type=event_type, event_id=event_id, payload=payload)

    def _customer_extra(self, attempt: Attempt) -> dict[str, Any]:
        if not attempt.customer_created:
            return {}
        return {
            "customer": {
                "id": attempt.customer_id,
                "number": attempt.customer_number,
                "created": True,
                "note": "The customer was created and is kept; a retry reuses it.",
            }
        }

    async def _callback_target(self, client: str, command: PlaceOrder) -> str | None:
        if self._callbacks is None:
            if command.callback_url:
                raise OrderRejected(
                    [FieldProblem("/callback_url", "callback_not_allowed", "Callbacks are not enabled on this service")]
                )
            return None
        try:
            # The check resolves the host name: keep that blocking lookup off the event loop.
            return await asyncio.to_thread(self._callbacks.target_for, client, command.callback_url)
        except ValueError as error:
            raise OrderRejected([FieldProblem("/callback_url", "callback_not_allowed", str(error))]) from error

    async def _call(self, call: Awaitable[T], *, write: bool = False) -> T:
        """Await a gateway call, translating Xentral's failures into the service's words."""
        try:
            return await call
        except upstream.XentralValidationError as error:
            violations = [FieldProblem(pointer, "xentral_violation", message) for pointer, message in error.violations]
            violations += [FieldProblem("/", "xentral_violation", message) for message in error.messages]
            title = (error.problem or {}).get("title") or f"HTTP {error.status_code} on {error.operation}"
            raise XentralRejectedOrder(str(title), violations=violations) from error
        except upstream.XentralAuthError as error:
            raise XentralAccessDenied(
                f"Xentral answered {error.status_code} to {error.operation}: check the configured API token "
                "and its scopes"
            ) from error
        except upstream.XentralRateLimited as error:
            raise XentralRateLimited(
                "Xentral's request limit is reached; retry later", retry_after=error.retry_after
            ) from error
        except upstream.RateBudgetExhausted as error:
            # Our own pacing found no slot in time; nothing was sent, so writes are safe to retry too.
            raise XentralRateLimited(
                "Xentral's request limit is reached; retry later", retry_after=max(1.0, error.retry_after)
            ) from error
        except upstream.XentralTimeout as error:
            if write:
                raise XentralOutcomeUnknown(
                    f"Xentral did not answer {error.operation} in time; the write may have landed", retry_after=5
                ) from error
            raise XentralTimedOut(f"Xentral did not answer {error.operation} in time", retry_after=5) from error
        except upstream.XentralConnectionLost as error:
            if write:
                raise XentralOutcomeUnknown(
                    f"The connection to Xentral broke during {error.operation}; the write may have landed",
                    retry_after=5,
                ) from error
            raise XentralUnavailable(
                f"The connection to Xentral broke during {error.operation}", retry_after=5
            ) from error
        except upstream.XentralConnectError as error:
            raise XentralUnavailable(f"Xentral is unreachable ({error.operation})", retry_after=10) from error
        except upstream.XentralServerError as error:
            if write:
                raise XentralFailedOutcomeUnknown(
                    f"Xentral answered {error.status_code} to {error.operation}; the write may have landed",
                    retry_after=5,
                ) from error
            raise XentralFailed(f"Xentral answered {error.status_code} to {error.operation}", retry_after=5) from error
        except upstream.XentralUnexpectedResponse as error:
            if write:
                # e.g. a 201 whose Location we could not read: the write most likely landed.
                raise XentralOutcomeUnknown(
                    f"Xentral's answer to {error.operation} could not be read; the write may have landed",
                    retry_after=5,
                ) from error
            raise XentralMisbehaved(f"Xentral answered {error.operation} unexpectedly: {error}") from error
        except upstream.XentralStatusError as error:
            raise XentralMisbehaved(f"Xentral answered {error.status_code} to {error.operation}") from error
        except upstream.XentralError as error:
            raise XentralMisbehaved(f"Unexpected answer from Xentral: {error}") from error


def _customer_address(command: PlaceOrder) -> Address | None:
    details = command.customer
    address = details.address
    if not (address.street and address.zip and address.city and address.country):
        # Xentral then fills the address from the customer's master data (docs/xentral.md#sales-order-import)
        return None
    return replace(address, email=address.email or details.email, company=address.company or details.company)


def _customer_pointer(pointer: str) -> str:
    return "/customer" + pointer if pointer != "/" else "/customer"


def _internal_note(command: PlaceOrder) -> str | None:
    """The internal comment; it also carries what Xentral's import has no field for.

    The import has no paid flag (docs/xentral.md#sales-order-import), so the payment status is written here, where
    a clerk sees it on the order; the transaction id goes to `transactionNumber`.
    """
    parts = []
    if command.internal_note:
        parts.append(command.internal_note)
    if command.payment_status:
        parts.append(f"Payment status: {command.payment_status}")
    return "\n".join(parts) or None


async def _none() -> None:
    return None


async def _gather_first_error(*calls: Awaitable[Any]) -> Any:
    """Run reads concurrently; report an invalid order before an unavailable Xentral.

    Validation problems tell the caller what to fix, so they win over transport errors
    from a sibling read; all tasks are awaited so none is left running.
    """
    results = await asyncio.gather(*calls, return_exceptions=True)
    errors = [r for r in results if isinstance(r, BaseException)]
    if errors:
        rejected = [e for e in errors if isinstance(e, OrderRejected)]
        if len(rejected) > 1:
            raise OrderRejected([p for e in rejected for p in e.problems])
        raise (rejected or errors)[0]
    return results
