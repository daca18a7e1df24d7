"""The order flow: one command in, one released Xentral order out — exactly once per key.

claim → resolve (draft, existing order, customer: concurrent reads) → settle the customer →
import → read back → finish. Nothing is written to Xentral until every read agrees the order is
valid; every write is preceded by a persisted state, so a crashed or timed-out attempt is
resumed by reconciling, never by guessing. The parts live beside this file: `drafting`,
`customers`, `importing`, `callbacks`; the async lane's worker is `queue`.

Every way in is one method (a lane): `place_order` (synchronous), `accept_order` (queued),
`preview_order` (dry run), `run_queued` (the worker's turn at a queued attempt), `reconcile` (the
reconciler's turn at an unresolved one) and `retry_failed` (an operator's retry). Callers use
these, never the attempt store or the flow's steps.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable
from dataclasses import dataclass, replace

import structlog

from ..clock import Clock, utc_now
from .attempts import (
    Attempt,
    AttemptState,
    Claim,
    LeaseLost,
    OrderReceipt,
    ReceivedBody,
    Step,
    StepName,
    StoreUnavailable,
)
from .callbacks import OrderCallbacks
from .commands import PlaceOrder, fingerprint_of
from .customers import CustomerLookup, creation_identity, find_customer
from .errors import (
    IdempotencyKeyReused,
    OrderError,
    OrderInProgress,
    ReferenceTaken,
    XentralMisbehaved,
    XentralOutcomeUnknown,
    XentralOutcomeUnresolved,
    XentralRejectedOrder,
    XentralSideError,
)
from .flows import InstanceFlow, instance_flows
from .importing import RepeatRefused, held_reasons
from .model import OrderDraft, SalesOrder
from .policy import ClientPolicy, OrderPolicies
from .ports import AttemptStore, CallbackPolicy, LookupCache, XentralGateway
from .preview import OrderPreview, preview_order
from .pricing import refuse_cancelled
from .reads import RunningOrders, gather_reads, nothing
from .reconciliation import Finding, ReconcileRules
from .reference_data import ReferenceData
from .routing import XentralRoutes
from .totals import TotalsCheck

__all__ = ["Accepted", "OrderOutcome", "OrderService", "RequeueLimits"]

_REQUEUED_ERRORS: tuple[type[OrderError], ...] = (XentralSideError, OrderInProgress)
"""What puts a queued order back (with a delay) instead of failing it: Xentral failing for now, and another
order holding what this one waits for — its new customer's creation, claimed by an order still running or
by a process killed while it held the claim (free again when its lease runs out). A caller of the
synchronous lane gets these as retryable answers; a queued order has no caller to retry it."""

log = structlog.get_logger(__name__)


@dataclass(frozen=True, slots=True)
class RequeueLimits:
    """How the async lane puts back a queued order whose failure was transient: after a doubling
    delay of at most `backoff_cap_seconds`, and `max_requeues` times at most; then it fails visibly
    instead of spending Xentral's budget on it forever (settings `queue.max_requeues`,
    `queue.backoff_cap_seconds`; these defaults are theirs)."""

    max_requeues: int = 12
    backoff_cap_seconds: float = 900.0


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
    """The order flow. Each client's orders go to its own Xentral instance (`routes`); a service
    built with one `gateway` sends every client's orders to that one."""

    def __init__(
        self,
        *,
        store: AttemptStore,
        policies: OrderPolicies,
        gateway: XentralGateway | None = None,
        routes: XentralRoutes | None = None,
        reference_data: ReferenceData | None = None,
        callbacks: CallbackPolicy | None = None,
        cache: LookupCache | None = None,
        clock: Clock = utc_now,
        requeue: RequeueLimits = RequeueLimits(),
        on_totals: Callable[[TotalsCheck], None] | None = None,
        running: RunningOrders | None = None,
        on_gave_up: Callable[[Attempt, OrderError], None] | None = None,
    ) -> None:
        """`running` counts this service's orders while they run, for the gateways that ask (the
        composition root hands both the same one); without it the service counts for no one.
        `on_gave_up` hears of each queued order failed after its last requeue (alerts)."""
        if routes is None:
            if gateway is None:
                raise TypeError("OrderService needs a gateway or routes")
            routes = XentralRoutes.single(gateway, reference_data, cache)
        self.routes = routes
        self._store = store
        self._policies = policies
        self._clock = clock
        self._requeue_limits = requeue
        self._on_totals = on_totals  # reports each created order's totals check (metrics)
        self._running = running if running is not None else RunningOrders()
        self._on_gave_up = on_gave_up
        self._flows = instance_flows(routes, store, clock)
        self._callbacks = OrderCallbacks(callbacks, clock)

    async def _refuse_another_clients(self, order_id: str, client: str, policy: ClientPolicy, reference: str) -> None:
        """Another client's order behind the same externalOrderNumber (their prefixes overlapped once,
        or a client was renamed) is never handed to this caller. Order ids are unique per instance."""
        holders = await self._store.clients_of_order(order_id)
        if any(self._policies.for_client(other).instance == policy.instance for other in holders - {client}):
            raise ReferenceTaken(
                f"Xentral holds an order with reference '{policy.external_reference(reference)}' that this "
                "service made for another client; it is not shown, and no order was created. Give each "
                "client its own reference_prefix, or send another reference."
            )

    def _flow(self, policy: ClientPolicy) -> InstanceFlow:
        """The parts of the flow for the client's Xentral instance."""
        return self._flows[self.routes.route(policy.instance).instance]

    # -- what callers ask -----------------------------------------------------------------------

    async def place_order(
        self, command: PlaceOrder, *, client: str, key: str | None = None, received: ReceivedBody | None = None
    ) -> OrderOutcome:
        """Create the order now (the synchronous lane), or answer what an earlier request with this key got.

        `key` is the caller's `Idempotency-Key`, if any; see `_key` for which key counts. `received` is the
        body as it arrived, kept beside the normalised request (an operator's retry has none: the first stays).
        """
        policy = self._policies.for_client(client)
        key = _key(command, key, policy)
        refuse_cancelled(command)
        callback_url = await self._callbacks.target(client, command)
        now = self._clock()
        claim = await self._claim(command, client, key, lease_until=now + self._lease(policy), received=received)
        if claim.kind == "replay":
            assert claim.attempt.receipt is not None
            return OrderOutcome(claim.attempt.receipt, replayed=True)
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

    async def accept_order(
        self, command: PlaceOrder, *, client: str, key: str | None = None, received: ReceivedBody | None = None
    ) -> Accepted:
        """Queue the order for the worker (the async lane): nothing is sent to Xentral here.

        A queued attempt is due at once (its lease ends now); the worker processes the queue in
        arrival order, at the pace the Xentral limiter allows. `received` as for `place_order`.
        """
        key = _key(command, key, self._policies.for_client(client))
        refuse_cancelled(command)
        await self._callbacks.target(client, command, resolve=False)
        claim = await self._claim(command, client, key, lease_until=self._clock(), queued=True, received=received)
        if claim.kind == "replay":
            assert claim.attempt.receipt is not None
            return Accepted(claim.attempt, OrderOutcome(claim.attempt.receipt, replayed=True))
        return Accepted(claim.attempt, None)

    async def preview_order(
        self, command: PlaceOrder, *, client: str, key: str | None = None, fresh: bool = False
    ) -> OrderPreview:
        """The dry run: what `place_order` would do with this request, found by its reads and checks,
        with nothing written (no key claimed, no customer, no order). Raises what `place_order` would.
        `fresh`: an operator's look before a retry, with Xentral as it is now (`_forget_cached`)."""
        policy = self._policies.for_client(client)
        refuse_cancelled(command)
        await self._callbacks.target(client, command)
        key = _key(command, key, policy)
        earlier = await self._store.find(client, key)
        if earlier is not None and earlier.key != key:
            earlier = None  # found by its reference, but this request's key is another
        flow = self._flow(policy)
        if fresh:
            await self._forget_cached(command, flow, methods=True)
        preview = await preview_order(
            command,
            policy,
            instance=flow.route.instance,
            earlier=earlier,
            gateway=flow.route.gateway,
            drafter=flow.drafter,
            importer=flow.importer,
        )
        if preview.existing is not None:  # refused as the real run refuses it
            await self._refuse_another_clients(preview.existing.id, client, policy, command.reference)
        return preview

    async def reconcile(self, attempt: Attempt, rules: ReconcileRules) -> Finding:
        """The reconciler's lane: finish an attempt nobody is finishing (taken with `claim_unresolved`)
        as a retry of its request would, but never import again before the order is provably absent.

        Xentral failing to answer leaves it for a later look (`rules.recheck`), until `rules.give_up`
        after it was received: then it fails with `xentral_outcome_unresolved` (and `order.failed`).
        """
        policy = self._policies.for_client(attempt.client)
        callback_url = None
        if attempt.last(StepName.RECONCILER_CHECKED) is None:
            attempt.record(StepName.RESUMED, self._clock(), "by the reconciler: the previous attempt's lease expired")
        attempt.note(StepName.RECONCILER_CHECKED, self._clock(), "taken by the reconciler")
        try:
            assert attempt.request is not None
            command = PlaceOrder.from_json(attempt.request)
            callback_url = await self._callbacks.target(attempt.client, command)
            with self._running.running():
                return await self._reconcile(command, attempt, policy, callback_url, rules)
        except LeaseLost:
            return Finding.TAKEN
        except XentralSideError as error:
            return await self._unresolved(attempt, rules, error, callback_url)
        except OrderError as error:
            await self._fail(attempt, error, callback_url)
            log.info("order.failed", reference=attempt.reference, client=attempt.client, code=error.code)
            return Finding.FAILED

    async def _reconcile(
        self,
        command: PlaceOrder,
        attempt: Attempt,
        policy: ClientPolicy,
        callback_url: str | None,
        rules: ReconcileRules,
    ) -> Finding:
        flow = self._flow(policy)
        if attempt.may_have_order:
            existing = await flow.importer.find_existing(policy.external_reference(command.reference))
            if existing is not None:
                try:
                    draft: OrderDraft | None = await flow.drafter.draft(command, policy)
                except OrderError:
                    draft = None  # the order exists; only its totals check is lost (e.g. a product renamed)
                await self._existing(existing, command, attempt, policy, callback_url, draft)
                log.info("order.reconciled", reference=attempt.reference, client=attempt.client, order_id=existing.id)
                return Finding.FOUND
            imported = attempt.last(StepName.IMPORTING)
            now = self._clock()
            if imported is not None and now - imported.at < rules.settle:
                attempt.lease_until = min(now + rules.recheck, imported.at + rules.settle)
                attempt.note(StepName.RECONCILER_CHECKED, now, "not in Xentral yet; too soon after the import to tell")
                await self._store.save(attempt)
                return Finding.NOT_YET
        # Nothing was sent, or the order provably did not land: run again, as a retry would.
        await self._run(command, attempt, policy, callback_url)
        log.info("order.completed", reference=attempt.reference, client=attempt.client, by="reconciler")
        return Finding.RAN_AGAIN

    async def _unresolved(
        self, attempt: Attempt, rules: ReconcileRules, error: XentralSideError, callback_url: str | None
    ) -> Finding:
        now = self._clock()
        if now - attempt.created_at >= rules.give_up:
            days = rules.give_up / dt.timedelta(days=1)
            gave_up = XentralOutcomeUnresolved(
                f"Xentral has not confirmed or ruled out this order for {days:g} days (last: {error.code}); "
                "it may still hold it. A retry looks it up by reference before anything is sent again."
            )
            await self._fail(attempt, gave_up, callback_url)
            log.warning("order.gave_up", reference=attempt.reference, client=attempt.client, last=error.code)
            return Finding.GAVE_UP
        attempt.lease_until = now + rules.recheck
        attempt.note(StepName.RECONCILER_CHECKED, now, f"{error.code}: {error.detail}")
        await self._store.save(attempt)
        return Finding.UNKNOWN

    async def run_queued(self, attempt: Attempt) -> None:
        """Run a queued attempt the worker claimed; a transient failure puts it back with a delay
        instead of failing it, and it fails for good after the last requeue (`RequeueLimits`).

        Raises only `StoreUnavailable` (nothing can be recorded now: the lease runs out and the
        order is taken again); every other outcome is recorded on the attempt.
        """
        callback_url = None
        try:
            if attempt.request is None:
                raise ValueError("the queued attempt has no stored request")
            command = PlaceOrder.from_json(attempt.request)
            callback_url = await self._callbacks.target(attempt.client, command)
            await self._execute(command, attempt, callback_url, resumed=len(attempt.steps) > 1)
        except LeaseLost:
            return  # another worker owns it now
        except StoreUnavailable:
            raise
        except _REQUEUED_ERRORS as error:
            await self._requeue(attempt, error, callback_url)
        except OrderError as error:
            if attempt.state != AttemptState.FAILED:  # e.g. a refused callback_url, before the flow ran
                await self._fail(attempt, error, callback_url)
        except Exception as error:
            # A bug or a stored request we cannot read: retry a few times, then give up visibly.
            log.exception("queue.order_crashed", reference=attempt.reference)
            crash = XentralMisbehaved(f"Processing failed unexpectedly ({type(error).__name__})")
            await self._requeue(attempt, crash, callback_url)

    async def retry_failed(self, attempt: Attempt, *, operator: str, via: str) -> OrderOutcome | None:
        """An operator's retry of a failed order, noted on it ("retry requested by `operator` in `via`").

        It is `place_order` with the order's stored request, key and reference: a failed attempt's
        key may be claimed again, and Xentral is searched for the reference before anything is
        imported. None when the order is not failed (any more); an attempt without a stored request
        (or never stored) cannot be retried and is a ValueError.
        """
        if attempt.id is None or attempt.request is None:
            raise ValueError(f"attempt {attempt.reference!r} has no stored request to retry")
        step = Step(StepName.OPERATOR_RETRY, self._clock(), f"retry requested by {operator} in {via}")
        if not await self._store.note(attempt.id, step, only_in=[AttemptState.FAILED]):
            return None
        command = PlaceOrder.from_json(attempt.request)
        await self._forget_cached(command, self._flow(self._policies.for_client(attempt.client)))
        return await self.place_order(command, client=attempt.client, key=attempt.key)

    async def retry_corrected(
        self, attempt: Attempt, command: PlaceOrder, *, operator: str, via: str, changed: list[str]
    ) -> OrderOutcome | None:
        """An operator's retry of a failed order with a corrected request (same reference and key):
        the correction is noted on it (who, where, which fields), the request it arrived with is kept
        (`original_request`), and the corrected one goes through `place_order`. None when the order is
        not failed (any more); another reference is a ValueError (it would be another order)."""
        if attempt.id is None or attempt.request is None:
            raise ValueError(f"attempt {attempt.reference!r} has no stored request to correct")
        if command.reference != attempt.reference:
            raise ValueError("a corrected request keeps the order's reference")
        fields = ", ".join(changed) if changed else "nothing changed"
        detail = f"request corrected by {operator} in {via} ({fields}); the original is kept"
        if not await self._store.note(
            attempt.id, Step(StepName.OPERATOR_CORRECTION, self._clock(), detail), only_in=[AttemptState.FAILED]
        ):
            return None
        await self._store.keep_original(attempt.id, attempt.original_request or attempt.request)
        await self._forget_cached(command, self._flow(self._policies.for_client(attempt.client)))
        return await self.place_order(command, client=attempt.client, key=attempt.key)

    async def order_status(self, *, client: str, reference: str) -> Attempt | None:
        return await self._store.find(client, reference)

    # -- the flow -------------------------------------------------------------------------------

    async def _claim(
        self,
        command: PlaceOrder,
        client: str,
        key: str,
        *,
        lease_until: dt.datetime,
        queued: bool = False,
        received: ReceivedBody | None = None,
    ) -> Claim:
        request = command.to_json()
        claim = await self._store.claim(
            client=client,
            key=key,
            reference=command.reference,
            fingerprint=fingerprint_of(request),
            owner=uuid.uuid4().hex,
            now=self._clock(),
            lease_until=lease_until,
            request=request,
            queued=queued,
            received=received,
        )
        if claim.kind == "key_reused":
            raise IdempotencyKeyReused(
                f"Idempotency key '{key}' was used for a different request (reference "
                f"'{claim.attempt.reference}'); send a new key or the identical body"
            )
        return claim

    async def _execute(
        self, command: PlaceOrder, attempt: Attempt, callback_url: str | None, *, resumed: bool
    ) -> OrderReceipt:
        """Run a claimed attempt to its end; failures are recorded on the attempt before they are raised."""
        policy = self._policies.for_client(attempt.client)
        bound = log.bind(reference=command.reference, client=attempt.client, resumed=resumed)
        try:
            with self._running.running():
                receipt = await self._run(command, attempt, policy, callback_url)
        except XentralOutcomeUnknown as error:
            # Keep the state (importing) but give the key back soon: the retry reconciles first.
            retry_after = policy.idempotency.unknown_outcome_retry_seconds
            error.retry_after = retry_after
            attempt.lease_until = self._clock() + dt.timedelta(seconds=retry_after)
            attempt.record(StepName.OUTCOME_UNKNOWN, self._clock(), error.detail)
            await self._store.save(attempt)
            bound.warning("order.outcome_unknown", detail=error.detail)
            raise
        except OrderError as error:
            if isinstance(error, _REQUEUED_ERRORS) and attempt.queued:
                raise  # `run_queued` decides: requeue or, after many tries, fail
            await self._fail(attempt, error, callback_url)
            bound.info("order.failed", code=error.code, detail=error.detail)
            raise
        bound.info("order.completed", order_id=receipt.order_id, outcome=receipt.outcome)
        return receipt

    async def _run(
        self, command: PlaceOrder, attempt: Attempt, policy: ClientPolicy, callback_url: str | None
    ) -> OrderReceipt:
        flow = self._flow(policy)
        check_upstream = policy.idempotency.upstream_check == "always" or attempt.import_attempted
        reuse_customer = attempt.kept_customer(command.customer.identity) is not None
        existing, draft, lookup = await gather_reads(
            flow.importer.find_existing(policy.external_reference(command.reference)) if check_upstream else nothing(),
            flow.drafter.draft(command, policy),
            nothing() if reuse_customer else find_customer(flow.route.gateway, command.customer, policy.customers),
        )
        if existing is not None:
            return await self._existing(existing, command, attempt, policy, callback_url, draft)

        order_id = None
        for refreshed in (False, True):
            customer_id = await flow.customers.settle(command, attempt, policy, draft.project_id, lookup)
            try:
                order_id = await flow.importer.import_order(
                    replace(draft, customer_id=customer_id), attempt, lease=self._lease(policy)
                )
                break
            except RepeatRefused as refused:  # Xentral holds an order under the reference: ours, or another's
                return await self._existing(refused.order, command, attempt, policy, callback_url, draft)
            except XentralRejectedOrder:
                if refreshed or flow.route.cache is None:
                    raise
                # A cached product or customer id may be stale: forget them, resolve again from
                # Xentral, and try once more. An import Xentral rejected created nothing.
                attempt.record(StepName.CACHE_REFRESHED, self._clock(), "Xentral rejected the import; resolving again")
                draft, lookup = await self._resolve_fresh(command, attempt, policy, flow)
        assert order_id is not None
        order = await flow.importer.read_back(order_id, draft.reference, attempt)
        # Our totals (orders/pricing.py) against Xentral's own, which the list read-back carries.
        totals = draft.totals.with_xentral(order.total) if draft.totals is not None else None
        if totals is not None and self._on_totals is not None:
            self._on_totals(totals)
        receipt = OrderReceipt(
            reference=command.reference,
            order_id=order.id,
            order_number=order.document_number,
            order_status=order.status,
            customer_id=customer_id,
            customer_number=attempt.customer_number or order.customer_number,
            customer_created=attempt.customer_created,
            outcome="created",
            totals=totals.to_json() if totals is not None else None,
            warnings=totals.warnings() if totals is not None else [],
            held_reasons=held_reasons(order),
        )
        await self._finish(attempt, receipt, callback_url)
        return receipt

    async def _existing(
        self,
        existing: SalesOrder,
        command: PlaceOrder,
        attempt: Attempt,
        policy: ClientPolicy,
        callback_url: str | None,
        draft: OrderDraft | None = None,
    ) -> OrderReceipt:
        """The answer for an order Xentral already holds under the reference (never another client's); when it
        is the one an import of ours made, its totals are checked against the draft's, as a created order's are."""
        await self._refuse_another_clients(existing.id, attempt.client, policy, command.reference)
        receipt = self._flow(policy).importer.receipt_for_existing(command.reference, existing, attempt)
        if receipt.outcome == "created" and draft is not None and draft.totals is not None:
            totals = draft.totals.with_xentral(existing.total)
            if self._on_totals is not None:
                self._on_totals(totals)
            receipt = replace(receipt, totals=totals.to_json(), warnings=totals.warnings())
        await self._finish(attempt, receipt, callback_url)
        return receipt

    async def _resolve_fresh(
        self, command: PlaceOrder, attempt: Attempt, policy: ClientPolicy, flow: InstanceFlow
    ) -> tuple[OrderDraft, CustomerLookup | None]:
        """Draft and customer again from Xentral itself, after dropping what the caches said."""
        await self._forget_cached(command, flow, methods=True)
        details = command.customer
        if details.email:
            await self._store.forget_customer_creation(creation_identity(flow.route.instance, details.email))
        if attempt.customer_created:
            # We created this customer moments ago; its id is not a cached guess.
            return await flow.drafter.draft(command, policy), None
        attempt.customer_id = None
        draft, lookup = await gather_reads(
            flow.drafter.draft(command, policy), find_customer(flow.route.gateway, details, policy.customers)
        )
        return draft, lookup

    async def _forget_cached(self, command: PlaceOrder, flow: InstanceFlow, *, methods: bool = False) -> None:
        """Drop what the caches say of this order's products and customer (and, with `methods`, Xentral's
        shipping and payment methods and projects).

        An operator's dry run and retry read Xentral as it is now: a SKU created there after the order
        failed is otherwise still remembered missing (`cache.missing_product_seconds`), so the dry run
        would say "fails the same way" and withhold the retry the fix made possible. A retry keeps the
        methods its dry run just read (a bulk retry of many orders does not read them once per order)."""
        if methods:
            flow.drafter.reference_data.invalidate()
        cache = flow.route.cache
        if cache is None:
            return
        await cache.forget_products([item.sku for item in command.items])
        details = command.customer
        if details.number:
            await cache.forget_customer("number", details.number)
        if details.email:
            await cache.forget_customer("email", details.email)

    async def _finish(self, attempt: Attempt, receipt: OrderReceipt, callback_url: str | None) -> None:
        attempt.state = AttemptState.COMPLETED
        attempt.receipt = receipt
        attempt.order_id = receipt.order_id
        attempt.error = None
        attempt.record(StepName.COMPLETED, self._clock(), f"order {receipt.order_id} ({receipt.outcome})")
        await self._store.save(attempt, self._callbacks.created(attempt, receipt, callback_url))

    async def _fail(self, attempt: Attempt, error: OrderError, callback_url: str | None = None) -> None:
        """Record the attempt as failed (with `order.failed` in the same transaction when it is due)."""
        attempt.state = AttemptState.FAILED
        attempt.error = error.to_json()  # with its pointers, retryability and totals line table
        attempt.record(StepName.FAILED, self._clock(), error.code)
        policy = self._policies.for_client(attempt.client)
        await self._store.save(attempt, self._callbacks.failed(attempt, policy, callback_url))

    async def _requeue(self, attempt: Attempt, error: OrderError, callback_url: str | None) -> None:
        requeues = attempt.count(StepName.REQUEUED)
        limits = self._requeue_limits
        if requeues >= limits.max_requeues:
            await self._fail(attempt, error, callback_url)
            if self._on_gave_up is not None:
                self._on_gave_up(attempt, error)
            return
        delay = min(limits.backoff_cap_seconds, max(error.retry_after or 0, 2.0 * 2**requeues))
        attempt.lease_until = self._clock() + dt.timedelta(seconds=delay)
        attempt.record(StepName.REQUEUED, self._clock(), f"{error.code}: retry in {delay:.0f}s")
        await self._store.save(attempt)

    def _lease(self, policy: ClientPolicy) -> dt.timedelta:
        return dt.timedelta(seconds=policy.idempotency.lease_seconds)


def _key(command: PlaceOrder, header_key: str | None, policy: ClientPolicy) -> str:
    """The key a request is deduplicated by: the `Idempotency-Key` header when allowed, else the reference."""
    if header_key and policy.idempotency.key_source == "header_or_reference":
        return header_key
    return command.reference
