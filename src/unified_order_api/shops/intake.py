"""One arrival of a shop's webhook, taken from client lookup to the queued order, or refused.

The steps, each by the shop's connector and nothing else: the client whose shop this is; the shop's
ping; its signature over the raw body; the freshness of a signed time; the memory of answered
arrivals; the topic; the translation; our request model's checks (those of `POST /api/orders`, so
a shop's order is validated exactly as a direct one); the duplicate check and the accept on the
async lane (the shop gets its 2xx at once; Shopify gives up after 5 s).

A delivery that reports refunds (the connector's `refunds`) has them recorded on the order they name
(`orders.refunds`), before and apart from the order translation; a refund of an order not received
here is answered 200 "ignored" with that reason (a 4xx would make the shop retry and, in the end,
switch its webhook off), unless the delivery is an order to import: then the order is queued and its
refunds recorded on it.

A delivery that reports the shop's cancellation of an order we hold (the connector's `cancellation`) goes
to the one cancellation flow (`orders.cancellations`), whatever the shop: cancelled in Xentral before
dispatch, recorded and told to the operator and the merchant after. A cancellation of an order not
received here is what it was before: a cancelled order, not imported (answered 200 "ignored"). An
order we hold arriving again with another address or other lines (a shop's `order.updated`) has the
change recorded for the operator (`orders.amendments`), never sent to Xentral.

Guarantees: nothing in the body is read before its signature holds (but on an operator's `replay` of an
arrival the inbox kept: its signature was checked, or refused, when it arrived); every refusal is one
`ShopRefused` with its problem code, which the HTTP edge answers as problem+json; retries are
deduplicated by reference through the order flow's idempotency, and by the shop's arrival id where
it sends one.
"""

from __future__ import annotations

import datetime as dt
import json
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, ClassVar, Literal

import structlog
from pydantic import ValidationError

from ..api.field_errors import field_error
from ..api.schemas import OrderRequest, cross_field_problems
from ..config import ApiClient, ShopSettings
from ..orders.amendments import ChangeOutcome, OrderChanges
from ..orders.attempts import Attempt, AttemptState, ReceivedBody
from ..orders.cancellations import OrderCancellations, RequestCancellation
from ..orders.commands import PlaceOrder
from ..orders.errors import FieldProblem, IdempotencyKeyReused
from ..orders.refunds import OrderRefunds, RecordRefund, RefundOutcome
from ..orders.service import OrderService
from ..write_back.model import ShopOrderIds
from ..write_back.ports import ShopOrderBook
from .arrivals import Answered, Arrival, ArrivalMemory
from .connector import ShopConnector
from .native import Ignored, NativeOrderInvalid, ReportedRefunds, Translated, native_pointer
from .registry import CONNECTORS
from .signatures import SignatureRejected, check_fresh, verify_hmac_sha256

__all__ = [
    "ArrivalNotJson",
    "ArrivalSignatureRefused",
    "ArrivalStale",
    "IntakeAnswer",
    "ShopIntake",
    "ShopNotConnected",
    "ShopOrderInvalid",
    "ShopRefused",
    "refunded_total_of",
]

log = structlog.get_logger(__name__)


class ShopRefused(Exception):
    """The arrival is refused: nothing of it is stored. Never raised itself: each subclass is one
    problem `code`, which the HTTP edge answers with its status (`api.error_handlers.STATUS`)."""

    code: ClassVar[str]
    title: ClassVar[str]

    def __init__(self, detail: str, errors: list[dict[str, str]] | None = None) -> None:
        super().__init__(detail)
        self.detail, self.errors = detail, errors


class ShopNotConnected(ShopRefused):
    """No shop of this kind is connected for this client (or no such client): the URL tells nothing more."""

    code = "not_found"
    title = "Not found"


class ArrivalSignatureRefused(ShopRefused):
    """The shop's HMAC signature over the raw body is missing or does not match the shop's secret."""

    code = "signature_invalid"
    title = "The shop's signature is missing or wrong"


class ArrivalStale(ShopRefused):
    """A signed arrival whose signed time is older than the shop's `max_age_seconds` (a replay)."""

    code = "webhook_stale"
    title = "The webhook is too old"


class ArrivalNotJson(ShopRefused):
    """A correctly signed body that is not a JSON object."""

    code = "invalid_json"
    title = "Malformed request"


class ShopOrderInvalid(ShopRefused):
    """A shop's order that cannot become our order request; pointers point into the shop's own JSON."""

    code = "request_invalid"
    title = "The shop's order is invalid"


@dataclass(frozen=True, slots=True)
class IntakeAnswer:
    """What the shop is answered: its order queued, a duplicate of one we hold, its refund recorded on
    an order we hold, its cancellation of an order we hold (carried out or not: `reason` says), or
    nothing to import."""

    outcome: Literal["accepted", "duplicate", "ignored", "refunded", "cancellation"]
    reason: str | None = None
    reference: str | None = None
    attempt: Attempt | None = None  # the order's state when it is known


class ShopIntake:
    def __init__(
        self,
        clients: Sequence[ApiClient],
        orders: OrderService,
        memory: ArrivalMemory,
        refunds: OrderRefunds,
        *,
        now: Callable[[], float] = time.time,
        shop_orders: ShopOrderBook | None = None,
        cancellations: OrderCancellations | None = None,
        changes: OrderChanges | None = None,
    ) -> None:
        self._clients, self._orders, self._memory, self._now = clients, orders, memory, now
        self._refunds = refunds
        self._shop_orders = shop_orders
        self._cancellations, self._changes = cancellations, changes

    async def receive(
        self, client_name: str, kind: str, arrival: Arrival, *, received: ReceivedBody | None = None
    ) -> IntakeAnswer:
        """`received`: the body as the edge keeps it, stored with the order it makes."""
        return await self._receive(client_name, kind, arrival, signed=True, received=received)

    async def replay(
        self, client_name: str, kind: str, arrival: Arrival, *, received: ReceivedBody | None = None
    ) -> IntakeAnswer:
        """An arrival the inbox kept, sent again by an operator once the configuration is fixed: every step
        of `receive` but the signature and its freshness (the inbox keeps no signature, and a kept arrival
        is old by definition); the operator's session is what authenticates it. `received`: the inbox's
        kept body, stored with the order it makes."""
        return await self._receive(client_name, kind, arrival, signed=False, received=received)

    async def _receive(
        self, client_name: str, kind: str, arrival: Arrival, *, signed: bool, received: ReceivedBody | None
    ) -> IntakeAnswer:
        client, shop, connector = self._client(client_name, kind)
        structlog.contextvars.bind_contextvars(client=client.name, shop=kind)
        if connector.ping is not None and connector.ping(arrival):
            return IntakeAnswer("ignored", reason=f"{connector.title} ping: the webhook is reachable")
        payload = _signed_object(connector, shop, arrival, self._now()) if signed else _json_object(arrival)

        arrival_id = connector.arrival_id(arrival.headers, payload)
        if arrival_id and (answered := await self._memory.recall(client.name, kind, arrival_id)) is not None:
            if answered.reference is None:
                return IntakeAnswer("ignored", reason=answered.reason)
            return await self._duplicate(client, answered.reference, f"Delivery '{arrival_id}' was answered before")

        reported = _reported_refunds(connector, arrival, payload)
        cancelled = _reported_cancellation(connector, arrival, payload)
        if cancelled is not None and (answer := await self._cancel(client, cancelled)) is not None:
            if reported is not None:  # a cancelled order's refunds go on it too
                await self._record_refunds(client, reported)
            if arrival_id:
                await self._memory.remember(client.name, kind, arrival_id, Answered(reference=answer.reference))
            return answer

        if reported is not None and (refunded := await self._record_refunds(client, reported)) is not None:
            if arrival_id:
                await self._memory.remember(client.name, kind, arrival_id, Answered(reference=refunded.reference))
            return refunded

        result = _translated(connector, shop, arrival, payload)
        if isinstance(result, Ignored):
            reason = result.reason
            if reported is not None:
                reason = f"{reported}, which was not received here: not recorded ({reason})"
            log.info("shop.webhook_ignored", reason=reason)
            if arrival_id:
                await self._memory.remember(client.name, kind, arrival_id, Answered(reason=reason))
            return IntakeAnswer("ignored", reason=reason)
        command = _validated(result).to_command()
        structlog.contextvars.bind_contextvars(reference=command.reference)
        await self._keep_shop_ids(client, connector, payload, command)
        # An order we hold (not a failed one, which a resend retries) makes this arrival a duplicate.
        earlier = await self._orders.order_status(client=client.name, reference=command.reference)
        try:
            # No key of its own: the order's reference is what the shop's retries are deduplicated by.
            accepted = await self._orders.accept_order(command, client=client.name, received=received)
        except IdempotencyKeyReused:
            reason = f"Order '{command.reference}' was received before; later changes to it are not imported"
            reason = await self._record_change(client, connector, command.reference, command) or reason
            log.info("shop.webhook_ignored", reason=reason)
            return await self._duplicate(client, command.reference, reason)
        if reported is not None:  # the order is held now: its refunds go on it
            await self._record_refunds(client, reported)
        if arrival_id:
            await self._memory.remember(client.name, kind, arrival_id, Answered(reference=command.reference))
        if accepted.outcome is not None or (earlier is not None and earlier.state != AttemptState.FAILED):
            return await self._duplicate(client, command.reference, f"Order '{command.reference}' was received before")
        return IntakeAnswer("accepted", reference=command.reference, attempt=accepted.attempt)

    async def _keep_shop_ids(
        self, client: ApiClient, connector: ShopConnector, payload: dict[str, Any], command: PlaceOrder
    ) -> None:
        """The shop's ids of the order (its id, its delivery's, its lines'), kept before the order is queued,
        so a write-back job always finds them (kept for every shop, so credentials added later find them too)."""
        if self._shop_orders is None or not command.external_order_id:
            return
        delivery = connector.delivery_id(payload) if connector.delivery_id is not None else None
        lines = tuple((item.line_id, item.sku, item.quantity) for item in command.items)
        ids = ShopOrderIds(connector.kind, command.external_order_id, delivery, lines)
        await self._shop_orders.remember(
            client.name, command.reference, ids, dt.datetime.fromtimestamp(self._now(), dt.UTC)
        )

    async def _cancel(self, client: ApiClient, command: RequestCancellation) -> IntakeAnswer | None:
        """The shop's cancellation carried out by the one flow; None when the order is not one we hold."""
        if self._cancellations is None:
            return None
        record, attempt, repeated = await self._cancellations.request(command, client=client.name)
        if record is None or attempt is None:
            return None
        said = "recorded before: " if repeated else ""
        if not record.outcome.needs_operator:
            log.info("shop.cancellation", reference=attempt.reference, outcome=record.outcome.value)
        else:
            log.warning("shop.cancellation_not_carried_out", reference=attempt.reference, outcome=record.outcome.value)
        reason = f"Cancellation of order '{attempt.reference}' {said}{record.detail}"
        return IntakeAnswer("cancellation", reason=reason, reference=attempt.reference, attempt=attempt)

    async def _record_change(
        self, client: ApiClient, connector: ShopConnector, reference: str, command: PlaceOrder
    ) -> str | None:
        """A changed address or changed lines of an order in Xentral, recorded for the operator; the answer's
        reason, or None when nothing we compare changed (or the order is not in Xentral)."""
        if self._changes is None:
            return None
        attempt = await self._orders.order_status(client=client.name, reference=reference)
        if attempt is None or attempt.state != AttemptState.COMPLETED:
            return None
        outcome, change = await self._changes.record(attempt, command, source=connector.kind)
        if outcome is ChangeOutcome.NOTHING:
            return None
        when = "recorded" if outcome is ChangeOutcome.RECORDED else "recorded before"
        return (
            f"Order '{reference}' was received before; the shop's change is {when} for the operator and not sent "
            f"to Xentral: {'; '.join(change.changes)}"
        )

    async def _record_refunds(self, client: ApiClient, reported: ReportedRefunds) -> IntakeAnswer | None:
        """Each reported refund recorded on its order (once per refund id); None when the order is unknown."""
        recorded, attempt = [], None
        for refund in reported.refunds:
            outcome, attempt = await self._refunds.record(refund, client=client.name)
            if outcome is RefundOutcome.UNKNOWN_ORDER:
                return None
            if outcome is RefundOutcome.RECORDED:
                recorded.append(refund)
        reference = attempt.reference if attempt is not None else None
        if not recorded:
            return IntakeAnswer(
                "duplicate", reason=f"{reported}: recorded before", reference=reference, attempt=attempt
            )
        ids = ", ".join(refund.refund_id for refund in recorded)
        reason = f"Refund {ids} of {refunded_total_of(recorded)} recorded on order '{reference}'"
        return IntakeAnswer("refunded", reason=reason, reference=reference, attempt=attempt)

    def _client(self, name: str, kind: str) -> tuple[ApiClient, ShopSettings, ShopConnector]:
        """The client whose shop this is; any other path is 404, so the URL tells nothing about who exists."""
        for client in self._clients:
            if client.name == name and client.shop is not None and client.shop.kind == kind and kind in CONNECTORS:
                return client, client.shop, CONNECTORS[kind]
        raise ShopNotConnected(f"No {kind} shop is connected at this address")

    async def _duplicate(self, client: ApiClient, reference: str, reason: str) -> IntakeAnswer:
        """The same answer for an order we have: its current state, and nothing created again."""
        attempt = await self._orders.order_status(client=client.name, reference=reference)
        return IntakeAnswer("duplicate", reason=reason, reference=reference, attempt=attempt)


def _signed_object(connector: ShopConnector, shop: ShopSettings, arrival: Arrival, now: float) -> dict[str, Any]:
    """The body as a JSON object, once its signature (and the time it signs, where it signs one) holds."""
    header, secret = connector.signature.header, shop.secret.get_secret_value()
    try:
        verify_hmac_sha256(
            arrival.body,
            arrival.headers.get(header.lower()),
            secret,
            header=header,
            encoding=connector.signature.encoding,
        )
    except SignatureRejected as error:
        log.warning("shop.signature_rejected", reason=str(error))
        raise ArrivalSignatureRefused(str(error)) from None
    payload = _json_object(arrival)
    if connector.signed_time is not None:
        try:
            check_fresh(connector.signed_time(payload), now=now, max_age_seconds=shop.max_age_seconds)
        except SignatureRejected as error:
            log.warning("shop.stale_webhook", reason=str(error))
            raise ArrivalStale(str(error)) from None
    return payload


def _json_object(arrival: Arrival) -> dict[str, Any]:
    try:
        payload = json.loads(arrival.body)
    except (UnicodeDecodeError, ValueError) as error:
        raise ArrivalNotJson(f"The body is not valid JSON: {error}") from None
    if not isinstance(payload, dict):
        raise ArrivalNotJson("The body is not a JSON object")
    return payload


def refunded_total_of(refunds: Sequence[RecordRefund]) -> str:
    """The refunds' money as a merchant reads it ("12.50 EUR")."""
    total = sum((refund.amount for refund in refunds), Decimal(0))
    currency = refunds[0].currency if refunds else None
    return f"{total} {currency}" if currency else str(total)


def _reported_refunds(connector: ShopConnector, arrival: Arrival, payload: dict[str, Any]) -> ReportedRefunds | None:
    if connector.refunds is None:
        return None
    topic = arrival.headers.get(connector.topics.header.lower()) if connector.topics is not None else None
    try:
        return connector.refunds(topic, payload)
    except (AttributeError, KeyError, TypeError, ValueError, ArithmeticError) as error:
        log.warning("shop.unexpected_refund_shape", error=type(error).__name__)
        raise ShopOrderInvalid("The body does not have the shape of a shop refund") from None


def _reported_cancellation(
    connector: ShopConnector, arrival: Arrival, payload: dict[str, Any]
) -> RequestCancellation | None:
    if connector.cancellation is None:
        return None
    topic = arrival.headers.get(connector.topics.header.lower()) if connector.topics is not None else None
    try:
        return connector.cancellation(topic, payload)
    except (AttributeError, KeyError, TypeError, ValueError) as error:
        log.warning("shop.unexpected_cancellation_shape", error=type(error).__name__)
        raise ShopOrderInvalid("The body does not have the shape of a shop's cancelled order") from None


def _translated(
    connector: ShopConnector, shop: ShopSettings, arrival: Arrival, payload: dict[str, Any]
) -> Translated | Ignored:
    topics = connector.topics
    topic = arrival.headers.get(topics.header.lower()) if topics is not None else None
    if topics is not None and topic is not None and topic not in topics.orders:
        return Ignored(f"Topic '{topic}' creates no order")
    try:
        return connector.translate(payload, shop)
    except (AttributeError, KeyError, TypeError, ValueError, ArithmeticError) as error:
        # A signed body of a shape the shop does not send (an object where a list belongs…).
        log.warning("shop.unexpected_shape", error=type(error).__name__)
        raise ShopOrderInvalid("The body does not have the shape of a shop order") from None
    except NativeOrderInvalid as invalid:
        errors = [problem.to_json() for problem in invalid.problems]
        raise ShopOrderInvalid(str(invalid), errors=errors) from None


def _validated(result: Translated) -> OrderRequest:
    """Our request model checks the translated order as it checks `POST /api/orders` (with the rules
    across fields); every problem is reported with a pointer into the shop's own JSON."""
    order: OrderRequest | None = None
    errors: list[dict[str, str]] = []
    try:
        order = OrderRequest.model_validate(result.body)
    except ValidationError as error:
        errors = [field_error(dict(e)) for e in error.errors()]
    seen = {e["pointer"] for e in errors}
    errors += [p.to_json() for p in cross_field_problems(result.body) if p.pointer not in seen]
    if order is None or errors:
        native = [
            FieldProblem(native_pointer(e["pointer"], result.origins), e["code"], e["detail"]).to_json() for e in errors
        ]
        detail = "; ".join(f"{e['pointer']}: {e['detail']}" for e in native)
        raise ShopOrderInvalid(detail, errors=native)
    return order
