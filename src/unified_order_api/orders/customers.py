"""Settle the order's customer: found in Xentral by the configured fields, reused, or created once.

One creation per new customer across every instance: creation claims in the database make an
order that searched before another one created the customer learn its id instead of creating a
second one.

A new customer is two writes in Xentral: the customer, then its addresses. The second is its own
persisted step (`writing_customer_addresses` before it, `customer_addresses_written` after), so that
neither a lost answer nor a crash between the two leaves the customer without its address or gives
it a second one: whoever continues after a lost answer, a crash or a lost creation (a retry of the
order, a takeover of its lease, another order finding the customer) reads the customer's addresses
first and writes only the missing ones; the customer itself is never created again (the attempt and
the creation claim both keep its id).
"""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, replace

from ..clock import Clock
from .attempts import Attempt, AttemptState, StepName, checkpoint
from .commands import CustomerDetails, PlaceOrder
from .errors import (
    AmbiguousCustomer,
    CustomerNotFound,
    FieldProblem,
    OrderInProgress,
    OrderRejected,
    XentralOutcomeUnknown,
    XentralRejectedOrder,
)
from .model import Address, Customer, CustomerAddress, CustomerSearch, NewCustomer, same_place
from .policy import ClientPolicy, CustomerPolicy
from .ports import Attempts, CustomerCreations, XentralGateway
from .routing import DEFAULT_INSTANCE

CUSTOMER_CREATION_WAIT_SECONDS = 30.0
CUSTOMER_CREATION_POLL_SECONDS = 0.2
# While a lost creation may still land, a waiting order searches Xentral at most this often.
UNKNOWN_SEARCH_SECONDS = 1.0
# Long enough for every order that searched before the creation; after it, Xentral's search finds it.
CUSTOMER_CREATION_MEMORY_SECONDS = 600.0


@dataclass(frozen=True, slots=True)
class CustomerLookup:
    """The result of searching, before anything is created; `ambiguous` says why a name-and-address
    match was passed over (several customers), for the attempt's steps."""

    customer: Customer | None
    searched: tuple[CustomerSearch, ...]
    ambiguous: str | None = None


def _lookup_value(details: CustomerDetails, field: CustomerSearch) -> str | None:
    if field == "address":
        address = details.address
        parts = (customer_name(details), address.street, address.zip, address.city)
        return ", ".join(part.strip() for part in parts) if all(part and part.strip() for part in parts) else None
    value = details.number if field == "number" else details.email
    return value.strip() if value and value.strip() else None


def customer_name(details: CustomerDetails) -> str:
    """The name a customer has in Xentral: the company's for a business, else the person's."""
    return details.company or details.name


def _pick(matches: Sequence[Customer], field: CustomerSearch, value: str, policy: CustomerPolicy) -> Customer:
    if len(matches) == 1:
        return matches[0]
    if policy.on_several_matches == "reject":
        ids = ", ".join(customer.id for customer in matches)
        raise AmbiguousCustomer(f"{len(matches)} Xentral customers have {field} '{value}' (ids {ids})")
    # "oldest": the lowest id is the customer Xentral has known longest, the usual master record.
    return min(matches, key=lambda customer: (len(customer.id), customer.id))


async def find_customer(gateway: XentralGateway, details: CustomerDetails, policy: CustomerPolicy) -> CustomerLookup:
    """Try the client's lookup fields in order; the first that finds a customer decides.

    Several customers with one number or e-mail are picked per `on_several_matches`; several with one
    name and address are never picked among (`on_ambiguous_address`: refuse, or go on as if none)."""
    searched: list[CustomerSearch] = []
    ambiguous: str | None = None
    for field in policy.lookup_fields:
        value = _lookup_value(details, field)
        if value is None:
            continue
        searched.append(field)
        if field == "address":
            matches = await gateway.find_customers_at(customer_name(details), details.address)
            if len(matches) == 1:
                return CustomerLookup(matches[0], tuple(searched))
            if matches:
                ids = ", ".join(sorted((customer.id for customer in matches), key=lambda i: (len(i), i)))
                said = f"{len(matches)} Xentral customers have the name and address '{value}' (ids {ids})"
                if policy.on_ambiguous_address == "reject":
                    raise AmbiguousCustomer(said)
                ambiguous = f"{said}; not guessing, going on as if none was found"
            continue
        matches = await gateway.find_customers(field, value)
        if field == "email":
            # Only exact addresses count, whatever Xentral's collation treats as equal.
            matches = [c for c in matches if (c.email or "").strip().casefold() == value.casefold()]
        if matches:
            return CustomerLookup(_pick(matches, field, value, policy), tuple(searched), ambiguous)
    return CustomerLookup(None, tuple(searched), ambiguous)


def new_customer_problems(details: CustomerDetails) -> list[FieldProblem]:
    """What a customer we would have to create is missing."""
    problems = []
    address = details.address
    for name, value in (
        ("street", address.street),
        ("zip", address.zip),
        ("city", address.city),
        ("country", address.country),
    ):
        if not value:
            problems.append(
                FieldProblem(
                    f"/customer/{name}",
                    "required",
                    f"Required field '{name}' is missing (needed to create the customer)",
                )
            )
    return problems


def customer_not_found(
    details: CustomerDetails, searched: Sequence[CustomerSearch], *, needs_email: bool = False
) -> CustomerNotFound:
    said = " or ".join(f"{field} '{_lookup_value(details, field)}'" for field in searched) or "the given data"
    if needs_email:
        return CustomerNotFound(
            [
                FieldProblem(
                    "/customer/email",
                    "customer_not_found",
                    f"No Xentral customer with {said}; send the customer's email to create a new one "
                    "(an order finds the customer it created again by its email)",
                )
            ]
        )
    pointer = "/customer/customer_number" if "number" in searched and not details.email else "/customer/email"
    return CustomerNotFound(
        [
            FieldProblem(
                pointer, "customer_not_found", f"No Xentral customer with {said}, and creating customers is disabled"
            )
        ]
    )


def new_customer(
    details: CustomerDetails, project_id: str | None, delivery_address: Address | None = None
) -> NewCustomer:
    """The customer to create: its address is the master data; a shipping address elsewhere is a delivery address."""
    return NewCustomer(
        kind="company" if details.company else "person",
        name=customer_name(details),
        email=details.email or "",
        address=details.address,
        project_id=project_id,
        phone=details.phone,
        vat_id=details.vat_id,
        number=details.number.strip() if details.number and details.number.strip() else None,
        delivery_address=delivery_address,
    )


def check_creatable(details: CustomerDetails, policy: CustomerPolicy, searched: Sequence[CustomerSearch]) -> None:
    """Raise why a customer that was not found may not be created, if it may not."""
    if not policy.create_missing:
        raise customer_not_found(details, searched)
    if not details.email:
        # A creation is claimed by the e-mail (creation_identity): without one, two orders could not
        # tell that they create the same customer, and each would create one.
        raise customer_not_found(details, searched, needs_email=True)
    problems = new_customer_problems(details)
    if problems:
        raise OrderRejected(problems)


def creation_identity(instance: str, email: str) -> str:
    """The key of a customer creation claim: the Xentral instance (a customer of one is no customer of
    another; instance names have no `:`), and the email as Xentral's search compares it."""
    return f"{instance}:{email.strip().casefold()}"


class CustomerSettlement:
    """The customer id an order is imported for: kept from an earlier try, found, or created now."""

    def __init__(
        self,
        *,
        gateway: XentralGateway,
        attempts: Attempts,
        creations: CustomerCreations,
        clock: Clock,
        instance: str = DEFAULT_INSTANCE,
    ) -> None:
        self._gateway = gateway
        self._instance = instance
        self._attempts = attempts
        self._creations = creations
        self._clock = clock

    async def settle(
        self,
        command: PlaceOrder,
        attempt: Attempt,
        policy: ClientPolicy,
        project_id: str,
        lookup: CustomerLookup | None,
    ) -> str:
        kept = attempt.kept_customer(command.customer.identity)
        if lookup is not None and lookup.ambiguous is not None:
            attempt.record(StepName.CUSTOMER_AMBIGUOUS, self._clock(), lookup.ambiguous)
        if kept is not None:
            customer_id = kept
            if attempt.addresses_pending:
                # A lost answer or a crash came between the customer and its addresses: look, then write.
                await self._write_addresses(command, attempt, policy, project_id, kept, look_first=True)
        elif lookup is not None and lookup.customer is not None:
            customer_id = lookup.customer.id
            attempt.customer_number = lookup.customer.number
            attempt.customer_created = False
        else:
            searched = lookup.searched if lookup else ()
            customer_id = await self._create(command, attempt, policy, project_id, searched)
        attempt.customer_id = customer_id
        attempt.customer_identity = command.customer.identity
        attempt.state = AttemptState.CUSTOMER_RESOLVED
        attempt.record(StepName.CUSTOMER_RESOLVED, self._clock(), f"customer {customer_id}")
        # Not saved here: the import's checkpoint follows at once, before any Xentral call, and
        # persists this step with it (one durable write less per order). A created customer's id
        # was already made durable by the creation claim.
        return customer_id

    async def _checkpoint(self, attempt: Attempt, policy: ClientPolicy) -> None:
        lease = dt.timedelta(seconds=policy.idempotency.lease_seconds)
        await checkpoint(self._attempts, attempt, now=self._clock(), lease=lease)

    async def _create(
        self,
        command: PlaceOrder,
        attempt: Attempt,
        policy: ClientPolicy,
        project_id: str,
        searched: Sequence[CustomerSearch],
    ) -> str:
        check_creatable(command.customer, policy.customers, searched)
        email = command.customer.email
        assert email is not None
        identity = creation_identity(self._instance, email)
        lease = dt.timedelta(seconds=policy.idempotency.lease_seconds)
        deadline = self._clock() + dt.timedelta(seconds=CUSTOMER_CREATION_WAIT_SECONDS)
        searched_at: dt.datetime | None = None
        while True:
            claim = await self._creations.claim_customer_creation(
                identity, owner=attempt.owner, now=self._clock(), lease_until=self._clock() + lease
            )
            if claim.kind == "created":
                assert claim.customer_id is not None
                return self._found(attempt, claim.customer_id, "created just before")
            if claim.kind == "mine":
                break
            if claim.kind == "search_then_create":
                # The claim is ours, but an earlier creation may have landed: only a search that
                # finds nothing lets us create.
                try:
                    found = await self._search(email, policy)
                except BaseException:
                    await self._finish(identity, attempt, None, policy, outcome_unknown=True)
                    raise
                if found is None:
                    break
                await self._finish(identity, attempt, found.id, policy)
                return await self._found_lost(command, attempt, policy, project_id, found)
            if claim.kind == "search" and (
                searched_at is None or self._clock() - searched_at >= dt.timedelta(seconds=UNKNOWN_SEARCH_SECONDS)
            ):
                # An earlier creation's answer was lost and it may still land: look, but do not create.
                searched_at = self._clock()
                found = await self._search(email, policy)
                if found is not None:
                    await self._creations.record_found_customer(identity, found.id, self._remember_until())
                    return await self._found_lost(command, attempt, policy, project_id, found)
            if self._clock() >= deadline:
                raise OrderInProgress(
                    f"Another order is creating the customer '{email}' right now; retry shortly", retry_after=5
                )
            await asyncio.sleep(CUSTOMER_CREATION_POLL_SECONDS)
        customer_id = None
        unknown = False
        try:
            customer_id = await self._create_now(command, attempt, policy, project_id)
        except XentralOutcomeUnknown:
            unknown = True  # it may have landed: keep the claim, as unknown, for the quiet time
            raise
        finally:
            # The customer exists from here on: the claim keeps its id before the addresses are written,
            # so a failure of the second write can never lead anyone to create the customer again.
            await self._finish(identity, attempt, customer_id, policy, outcome_unknown=unknown)
        await self._write_addresses(command, attempt, policy, project_id, customer_id, look_first=False)
        return customer_id

    def _remember_until(self) -> dt.datetime:
        return self._clock() + dt.timedelta(seconds=CUSTOMER_CREATION_MEMORY_SECONDS)

    async def _finish(
        self,
        identity: str,
        attempt: Attempt,
        customer_id: str | None,
        policy: ClientPolicy,
        *,
        outcome_unknown: bool = False,
    ) -> None:
        if outcome_unknown:
            # Xentral may still finish the lost request: nobody creates until it surely has.
            until = self._clock() + dt.timedelta(seconds=policy.idempotency.unknown_outcome_retry_seconds)
        else:
            until = self._remember_until()
        await self._creations.finish_customer_creation(
            identity,
            owner=attempt.owner,
            customer_id=customer_id,
            remember_until=until,
            outcome_unknown=outcome_unknown,
        )

    async def _search(self, email: str, policy: ClientPolicy) -> Customer | None:
        """The customer with exactly this email in Xentral (a miss is never cached), or None."""
        value = email.strip()
        matches = [
            customer
            for customer in await self._gateway.find_customers("email", value)
            if (customer.email or "").strip().casefold() == value.casefold()
        ]
        return _pick(matches, "email", value, policy.customers) if matches else None

    async def _found_lost(
        self, command: PlaceOrder, attempt: Attempt, policy: ClientPolicy, project_id: str, found: Customer
    ) -> str:
        """The customer a creation made whose answer was lost (or whose creator died): whoever made it may
        not have written its addresses, so they are looked at and the missing ones written."""
        customer_id = self._found(attempt, found.id, "found after a creation whose answer was lost", found)
        await self._write_addresses(command, attempt, policy, project_id, customer_id, look_first=True)
        return customer_id

    def _found(self, attempt: Attempt, customer_id: str, how: str, customer: Customer | None = None) -> str:
        attempt.customer_created = False
        if customer is not None:
            attempt.customer_number = customer.number
        attempt.record(StepName.CUSTOMER_FOUND, self._clock(), f"customer {customer_id}, {how}")
        return customer_id

    async def _create_now(self, command: PlaceOrder, attempt: Attempt, policy: ClientPolicy, project_id: str) -> str:
        attempt.record(StepName.CREATING_CUSTOMER, self._clock())
        await self._checkpoint(attempt, policy)
        try:
            customer_id = await self._gateway.create_customer(new_customer(command.customer, project_id))
        except XentralRejectedOrder as error:
            raise XentralRejectedOrder(
                f"Xentral rejected the new customer: {error.detail}",
                violations=[replace(v, pointer=_customer_pointer(v.pointer)) for v in error.violations],
            ) from error
        attempt.customer_created = True
        attempt.customer_id = customer_id
        attempt.customer_identity = command.customer.identity
        attempt.customer_number = None  # the number range assigned one; the order read-back tells it
        attempt.record(StepName.CUSTOMER_CREATED, self._clock(), f"customer {customer_id}")
        return customer_id

    async def _write_addresses(
        self,
        command: PlaceOrder,
        attempt: Attempt,
        policy: ClientPolicy,
        project_id: str,
        customer_id: str,
        *,
        look_first: bool,
    ) -> None:
        """The second write of a new customer, as its own persisted step.

        `look_first`: the addresses may exist already (a retry, a takeover, a lost creation): read the
        customer's addresses and write only those missing. Right after the creation nothing can exist
        yet, so nothing is read. A lost answer is settled at once by looking and writing what is missing;
        if that fails too, the persisted step makes the next try look first.
        """
        wanted = new_customer(command.customer, project_id, command.shipping_address).addresses
        kinds = " and ".join("master data" if a.kind == "masterdata" else "delivery" for a in wanted)
        attempt.record(StepName.WRITING_CUSTOMER_ADDRESSES, self._clock(), f"customer {customer_id}: {kinds}")
        await self._checkpoint(attempt, policy)
        try:
            written = await self._add_missing(customer_id, wanted, look_first=look_first)
        except XentralOutcomeUnknown:
            written = await self._add_missing(customer_id, wanted, look_first=True)
        except XentralRejectedOrder as error:
            raise XentralRejectedOrder(
                f"Xentral rejected the new customer's address: {error.detail}",
                violations=[replace(v, pointer=_customer_pointer(v.pointer)) for v in error.violations],
            ) from error
        detail = f"customer {customer_id}: {written} written" if written else f"customer {customer_id}: all present"
        attempt.record(StepName.CUSTOMER_ADDRESSES_WRITTEN, self._clock(), detail)

    async def _add_missing(self, customer_id: str, wanted: Sequence[CustomerAddress], *, look_first: bool) -> int:
        present = await self._gateway.customer_addresses(customer_id) if look_first else ()
        written = 0
        for address in wanted:
            if any(_same_address(address, held) for held in present):
                continue
            await self._gateway.create_customer_address(customer_id, address)
            written += 1
        return written


def _same_address(wanted: CustomerAddress, held: CustomerAddress) -> bool:
    """Whether the customer already holds `wanted`: the master data exists once (whatever it says, it is
    not ours to overwrite); a delivery address counts when it names the same place."""
    if wanted.kind != held.kind:
        return False
    if wanted.kind == "masterdata":
        return True
    place, other = wanted.address, held.address
    return same_place(replace(place, name=place.company or place.name), other)


def _customer_pointer(pointer: str) -> str:
    return "/customer" + pointer if pointer != "/" else "/customer"
