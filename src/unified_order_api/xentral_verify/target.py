"""Where the test orders go: the test project the operator named, and what an import there needs.

The project is checked against Xentral before anything is written (an unknown one refuses the run);
a customer, product and methods are the ones named, else the first suitable ones the instance lists.
The customer (created in the test project) is the only thing `verify-xentral` may create and not undo:
Xentral keeps a customer with orders (cancelled ones too; assumed), so its id is printed for the next
run's `--customer`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Protocol

from ..xentral import XentralClient
from ..xentral.errors import XentralNotFound
from ..xentral.filters import Page
from ..xentral.wire import CustomerCreate, WireRef

__all__ = ["Target", "TargetRefused", "find_target"]


class TargetRefused(Exception):
    """The named test project (or customer, product) cannot be used; the message says why, in one line."""


@dataclass(frozen=True, slots=True)
class Target:
    project_id: str
    customer_id: str
    customer_created: bool
    product_id: str
    shipping_method_id: str
    payment_method_id: str
    currency: str
    normal_rate: Decimal  # the project's normal VAT rate, percent
    discount_product_id: str | None


async def find_target(
    client: XentralClient,
    project_id: str,
    *,
    customer_id: str | None,
    product_id: str | None,
    discount_product_id: str | None,
) -> Target:
    projects = {project.id: project for project in await client.list_projects()}
    project = projects.get(project_id)
    if project is None:
        raise TargetRefused(f"Xentral has no project {project_id!r} (known: {', '.join(sorted(projects)) or 'none'})")
    shipping = await client.list_shipping_methods()
    payment = await client.list_payment_methods()
    if not shipping or not payment:
        raise TargetRefused("Xentral lists no shipping or no payment method; an import needs one of each")
    product = await _product(client, product_id)
    created = customer_id is None
    customer = customer_id or await client.create_customer(_test_customer(project.id))
    if not created:
        try:
            await client.get_customer(customer)
        except XentralNotFound:
            raise TargetRefused(f"Xentral has no customer {customer!r}") from None
    return Target(
        project_id=project.id,
        customer_id=customer,
        customer_created=created,
        product_id=product,
        shipping_method_id=_preferring(shipping, project.id),
        payment_method_id=_preferring(payment, project.id),
        currency=project.currency or "EUR",
        normal_rate=Decimal(format(project.normal_tax_rate, "g"))
        if project.normal_tax_rate is not None
        else Decimal(19),
        discount_product_id=discount_product_id,
    )


def _test_customer(project_id: str) -> CustomerCreate:
    """The test customer, in the test project like everything else the run writes."""
    return {
        "customerType": "person",
        "firstname": "Verify",
        "lastname": "Xentral (unified-order-api test)",
        "project": {"id": project_id},
        "contactDetails": {"email": "verify-xentral@example.invalid"},
    }


async def _product(client: XentralClient, product_id: str | None) -> str:
    """The named product, else the first one an order may carry (not disabled, deleted or a shipping cost)."""
    if product_id is not None:
        try:
            item = await client.get_product(product_id)
        except XentralNotFound:
            raise TargetRefused(f"Xentral has no product {product_id!r}") from None
        if item.is_disabled or item.is_deleted:
            raise TargetRefused(f"product {product_id!r} is disabled or deleted in Xentral")
        return item.id
    for item in (await client.list_products([], Page(1, 50))).data:
        if not (item.is_disabled or item.is_deleted or item.is_shipping_costs_product):
            return item.id
    raise TargetRefused("no orderable product among Xentral's first 50; name one with --product")


class _Method(Protocol):
    @property
    def id(self) -> str: ...
    @property
    def project(self) -> WireRef | None: ...


def _preferring(methods: Sequence[_Method], project_id: str) -> str:
    """A method of the project when there is one, else the first."""
    for method in methods:
        if method.project is not None and method.project.id == project_id:
            return method.id
    return methods[0].id
