"""The dry run: what an order would become in Xentral, found by the same reads and checks, with nothing written.

It runs what `place_order` runs before its first write — the earlier attempt under the key, the
duplicate check in Xentral, the draft (items, methods, project and every rule on them) and the
customer search and creation rules — with the same code, so a request the dry run accepts is
one the real run accepts too, and its `import_payload` is the body the real run sends. It
claims no key, creates no customer and no order, and records nothing: only reads (most of them
cached) reach Xentral.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any, Literal

from .attempts import Attempt, AttemptState, OrderReceipt
from .commands import PlaceOrder
from .customers import CustomerLookup, check_creatable, find_customer, new_customer
from .drafting import OrderDrafter
from .errors import IdempotencyKeyReused
from .importing import OrderImporter
from .model import OrderDraft, SalesOrder
from .policy import ClientPolicy
from .ports import XentralGateway
from .reads import gather_reads, nothing

__all__ = ["CustomerPreview", "OrderPreview", "preview_order"]

PreviewOutcome = Literal["create", "existing", "replay"]


@dataclass(frozen=True, slots=True)
class CustomerPreview:
    """The customer the order would be for: found (`id`, `number`), or created from `payload`."""

    id: str | None
    number: str | None
    would_create: bool
    payload: dict[str, Any] | None = None


@dataclass(frozen=True, slots=True)
class OrderPreview:
    """What a real run would do: `create` (import `import_payload`), answer the order Xentral already
    has (`existing`), or answer an earlier request's result (`replay`)."""

    reference: str
    outcome: PreviewOutcome
    instance: str
    draft: OrderDraft | None = None
    customer: CustomerPreview | None = None
    existing: SalesOrder | None = None
    receipt: OrderReceipt | None = None
    import_payload: dict[str, Any] | None = None


async def preview_order(
    command: PlaceOrder,
    policy: ClientPolicy,
    *,
    instance: str,
    earlier: Attempt | None,
    gateway: XentralGateway,
    drafter: OrderDrafter,
    importer: OrderImporter,
) -> OrderPreview:
    """Every read and check of the real run up to its first write; raises what the real run would raise."""
    if earlier is not None:
        _refuse_reused_key(earlier, command)
        if earlier.state == AttemptState.COMPLETED and earlier.receipt is not None:
            return OrderPreview(command.reference, "replay", instance, receipt=earlier.receipt)

    # A customer an earlier try of this order created is reused, as the real run does.
    kept = earlier.kept_customer(command.customer.identity) if earlier is not None else None
    existing, draft, lookup = await gather_reads(
        importer.find_existing(policy.external_reference(command.reference)),
        drafter.draft(command, policy),
        nothing() if kept else find_customer(gateway, command.customer, policy.customers),
    )
    if existing is not None:
        return OrderPreview(command.reference, "existing", instance, draft=draft, existing=existing)
    if kept is not None:
        assert earlier is not None
        customer = CustomerPreview(id=kept, number=earlier.customer_number, would_create=False)
    else:
        assert lookup is not None
        customer = _customer(command, policy, draft, lookup, gateway)
    draft = replace(draft, customer_id=customer.id or "")
    return OrderPreview(
        command.reference,
        "create",
        instance,
        draft=draft,
        customer=customer,
        import_payload=gateway.import_payload(draft),
    )


def _refuse_reused_key(earlier: Attempt, command: PlaceOrder) -> None:
    """The store's rule (`Attempts.claim`): a key names one request, except that a failed attempt
    may be sent again with a corrected body under the same reference."""
    same_reference = earlier.reference == command.reference
    same_request = same_reference and earlier.fingerprint == command.fingerprint()
    if (earlier.state == AttemptState.FAILED and same_reference) or same_request:
        return
    raise IdempotencyKeyReused(
        f"Idempotency key '{earlier.key}' was used for a different request (reference "
        f"'{earlier.reference}'); send a new key or the identical body"
    )


def _customer(
    command: PlaceOrder, policy: ClientPolicy, draft: OrderDraft, lookup: CustomerLookup, gateway: XentralGateway
) -> CustomerPreview:
    found = lookup.customer
    if found is not None:
        return CustomerPreview(id=found.id, number=found.number, would_create=False)
    check_creatable(command.customer, policy.customers, lookup.searched)
    payload = gateway.customer_payload(new_customer(command.customer, draft.project_id))
    return CustomerPreview(id=None, number=None, would_create=True, payload=payload)
