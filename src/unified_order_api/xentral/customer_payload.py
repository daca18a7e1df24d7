"""`NewCustomer` → the bodies of `POST /api/v2/customers` and of its addresses (docs/xentral.md#customers).

Xentral's 2026 API creates a customer in two writes: the customer (type, name parts, contact details,
VAT id, the number when we have one) and then each address as a sub-resource. The order service
runs the second write as its own step (orders/customers.py); here only the bodies are built.
"""

from __future__ import annotations

from ..orders.model import Address, CustomerAddress, NewCustomer
from .wire import CustomerAddressBody, CustomerContactBody, CustomerCreate

__all__ = ["customer_address_body", "customer_create", "name_parts"]


def name_parts(name: str) -> tuple[str | None, str]:
    """(first name, last name) of a person's full name: the last word is the last name; one word has no first."""
    words = name.split()
    if len(words) < 2:
        return None, name.strip()
    return " ".join(words[:-1]), words[-1]


def customer_create(customer: NewCustomer) -> CustomerCreate:
    """The v2 create body; every object in it is `additionalProperties:false`.

    The spec: a `person` requires `firstname` and `lastname`, a `company` requires `name` ("Name of the
    company"). Shops send one name field, split at its last space. Assumption (docs/xentral.md#customers): a
    one-word name (a marketplace's buyer alias) has no first name to send, so it is created as a `company`
    with that `name` rather than with an invented first name. The e-mail and phone go to `contactDetails`,
    the VAT id to `financials.tax.vatId`; without a `number` Xentral's number range assigns one.
    """
    first, last = name_parts(customer.name)
    body: CustomerCreate
    if customer.kind == "person" and first is not None:
        body = {"customerType": "person", "firstname": first, "lastname": last}
    else:
        body = {"customerType": "company", "name": customer.name.strip(), "salutation": "company"}
    if customer.address.title is not None:
        body["title"] = customer.address.title
    if customer.number:
        body["number"] = customer.number
    if customer.project_id is not None:
        body["project"] = {"id": customer.project_id}
    contact: CustomerContactBody = {}
    if customer.email:
        contact["email"] = customer.email
    phone = customer.phone or customer.address.phone
    if phone is not None:
        contact["phone"] = phone
    if contact:
        body["contactDetails"] = contact
    if customer.vat_id:
        body["financials"] = {"tax": {"vatId": customer.vat_id}}
    return body


def customer_address_body(address: CustomerAddress) -> CustomerAddressBody:
    """One address of the new customer. The master data address has no name of its own (it is the
    customer's); a delivery address names its recipient. Countries are ISO 3166-1 alpha-2, as ours."""
    place = address.address
    body: CustomerAddressBody = {
        "type": address.kind,
        "street": place.street,
        "zip": place.zip,
        "city": place.city,
        "country": place.country,
    }
    if place.address_supplement:
        body["addressSupplement"] = place.address_supplement
    if place.state:
        body["state"] = place.state
    if address.kind == "deliveryaddress":
        body["name"] = _recipient(place)
        if place.salutation is not None:
            body["salutation"] = place.salutation
        if place.phone or place.email:
            body["contactDetails"] = {"phone": place.phone, "email": place.email}
    return body


def _recipient(place: Address) -> str:
    return place.company or place.name
