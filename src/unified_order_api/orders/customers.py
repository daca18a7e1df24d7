"""Find the order's customer in Xentral by the configured fields, or create it when allowed."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from ..config import CustomerPolicy
from .commands import CustomerDetails
from .errors import AmbiguousCustomer, CustomerNotFound, FieldProblem
from .model import Customer, CustomerLookupField, NewCustomer
from .ports import XentralGateway


@dataclass(frozen=True, slots=True)
class CustomerLookup:
    """The result of searching, before anything is created."""

    customer: Customer | None
    searched: tuple[CustomerLookupField, ...]


def _lookup_value(details: CustomerDetails, field: CustomerLookupField) -> str | None:
    value = details.number if field == "number" else details.email
    return value.strip() if value and value.strip() else None


def _pick(matches: Sequence[Customer], field: CustomerLookupField, value: str, policy: CustomerPolicy) -> Customer:
    if len(matches) == 1:
        return matches[0]
    if policy.on_several_matches == "reject":
        ids = ", ".join(customer.id for customer in matches)
        raise AmbiguousCustomer(f"{len(matches)} Xentral customers have {field} '{value}' (ids {ids})")
    # "oldest": the lowest id is the customer Xentral has known longest, the usual master record.
    return min(matches, key=lambda customer: (len(customer.id), customer.id))


async def find_customer(gateway: XentralGateway, details: CustomerDetails, policy: CustomerPolicy) -> CustomerLookup:
    searched: list[CustomerLookupField] = []
    for field in policy.lookup_fields:
        value = _lookup_value(details, field)
        if value is None:
            continue
        searched.append(field)
        matches = await gateway.find_customers(field, value)
        if field == "email":
            # Only exact addresses count, whatever Xentral's collation treats as equal.
            matches = [c for c in matches if (c.email or "").strip().casefold() == value.casefold()]
        if matches:
            return CustomerLookup(_pick(matches, field, value, policy), tuple(searched))
    return CustomerLookup(None, tuple(searched))


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
    details: CustomerDetails, searched: Sequence[CustomerLookupField], *, needs_email: bool = False
) -> CustomerNotFound:
    said = " or ".join(f"{field} '{_lookup_value(details, field)}'" for field in searched) or "the given data"
    if needs_email:
        return CustomerNotFound(
            [
                FieldProblem(
                    "/customer/email",
                    "customer_not_found",
                    f"No Xentral customer with {said}; send the customer's email to create a new one "
                    "(Xentral assigns new customer numbers itself)",
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


def new_customer(details: CustomerDetails, project_id: str | None) -> NewCustomer:
    return NewCustomer(
        kind="company" if details.company else "person",
        name=details.company or details.name,
        email=details.email or "",
        address=details.address,
        project_id=project_id,
        phone=details.phone,
        vat_id=details.vat_id,
    )
