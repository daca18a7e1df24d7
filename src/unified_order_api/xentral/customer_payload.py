"""`NewCustomer` → the body of `POST /api/v1/customers` (docs/xentral.md#customers).

v1, not v2: v1 carries the address and the e-mail in one call, v2 has no address at all
and would need a second, undocumented request. v1 has no customer-number field: Xentral's
number range assigns one.
"""

from __future__ import annotations

from ..orders.model import NewCustomer
from .wire import CustomerContactV1, CustomerCreateV1, CustomerGeneralV1

__all__ = ["customer_create_v1"]


def customer_create_v1(customer: NewCustomer) -> CustomerCreateV1:
    """The v1 create body; every object in it is `additionalProperties:false`.

    Decisions on fields without a v1 home:
    - `address.address_supplement` goes to the address `note`, the only free text there
      (assumption, docs/xentral.md#customers: `note` is the address remark); `note` is required, so "" when absent.
    - `address.company`/`salutation`/`email`, and `NewCustomer.vat_id`, have no v1 create
      field and are not sent (the list's `general.vatNumber` cannot be set here).
    - Assumption (docs/xentral.md#customers): the country is sent as given (ISO-2 from our domain),
      although the spec's customer examples spell "Deutschland".
    """
    address = customer.address
    general: CustomerGeneralV1 = {
        "name": customer.name,
        "address": {
            "street": address.street,
            "zip": address.zip,
            "city": address.city,
            "state": address.state,  # required key, nullable
            "country": address.country,
            "note": address.address_supplement or "",
        },
    }
    if address.title is not None:
        general["title"] = address.title
    contact: CustomerContactV1 = {"email": customer.email}
    phone = customer.phone or address.phone
    if phone is not None:
        contact["phone"] = phone
    body: CustomerCreateV1 = {"type": customer.kind, "general": general, "contact": contact}
    if customer.project_id is not None:
        body["project"] = {"id": customer.project_id}
    return body
