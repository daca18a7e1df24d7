"""v2 customers: search, view, create, and the addresses a customer gets in a second write.

The 2026 API has no v1 customer reads or create: those routes answer 404.
Internally a customer is one flat record (`name`, `email`, `number`, `type`, `address` = the masterdata
address, `addresses` = billing and delivery addresses); representations.py renders the v2 shapes.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any

from starlette.responses import Response

from .context import RequestContext, created, cursored, json_response, paged, select
from .filters import FilterSpec
from .problems import (
    INVALID_CHOICE,
    MISSING,
    NOT_BLANK,
    conflict,
    conflict_items,
    empty,
    generic_validation,
    put_violation,
    request_validation,
)
from .representations import customer_address_v2, customer_item_v2, customer_links, customer_view_v2
from .state import Record
from .validation import ADDRESS_MODELS, CustomerCreateV2, parse_json_object, strict_json_validate

CUSTOMER_OPS = frozenset({"equals", "notEquals", "lessThan", "greaterThan", "in", "notIn"})
# The address a filter statement on street/zip/city/state/addressType is tested against.
ADDRESS = "_address"


def _field(name: str) -> Any:
    return lambda row: row.get(name)


def _address(name: str) -> Any:
    return lambda row: (row.get(ADDRESS) or {}).get(name)


_SPEC = FilterSpec(
    keys={
        "id": lambda c: c["id"],
        "uuid": _field("uuid"),
        # Assumption (docs/xentral.md#customers): `number` matches the customer number.
        "number": _field("number"),
        "customerType": _field("type"),
        "name": _field("name"),
        "deviatingCustomerNumber": _field("deviatingCustomerNumber"),
        "firstname": _field("firstname"),
        "lastname": _field("lastname"),
        "title": _field("title"),
        "salutation": _field("salutation"),
        "birthdate": _field("birthday"),
        "department": _field("department"),
        "subDepartment": _field("subdivision"),
        "projectId": _field("project"),
        "phone": _field("phone"),
        "fax": _field("fax"),
        # Assumption (docs/xentral.md#matching-text): email `equals` is case-insensitive (see filters.py).
        "email": _field("email"),
        "website": _field("website"),
        "salesManager": _field("salesManager"),
        "accountManager": _field("accountManager"),
        "isLead": lambda c: bool(c.get("isLead", False)),
        "contactPerson": _field("contactPerson"),
        # Assumption: the address keys are a join on the customer's addresses (masterdata, billing and
        # delivery): all address statements of one filter must hold for one and the same address.
        "street": _address("street"),
        "zip": _address("zip"),
        "city": _address("city"),
        "state": _address("state"),
        "addressType": _address("type"),
    },
    ops=CUSTOMER_OPS,
)
_ORDER_FIELDS = {"id": lambda c: int(c["id"])}


def addresses_of(customer: Record) -> list[Record]:
    """The masterdata address (when there is one) first, then billing and delivery addresses."""
    masterdata = customer.get("address")
    listed = [{**masterdata, "id": "masterdata", "type": "masterdata"}] if masterdata else []
    return listed + list(customer.get("addresses") or [])


def _rows(customer: Record) -> list[Mapping[str, Any]]:
    """One row per address (customer fields plus that address) for the address join; one when none."""
    return [{**customer, ADDRESS: address} for address in addresses_of(customer)] or [customer]


def list_customers(ctx: RequestContext) -> Response:
    if ctx.query.get("page") is not None and ctx.query.get("cursor") is not None:
        # The spec: "Use this or `cursor`, but not both. If both are provided, an exception will be thrown."
        # Assumption: that exception is a 400 generic-validation problem.
        raise generic_validation(["Use either `page` or `cursor` for pagination, not both."])
    with ctx.state.lock:
        items = select(ctx, list(ctx.state.customers.values()), _SPEC, _ORDER_FIELDS, rows=_rows)
        slicer = cursored if ctx.query.get("cursor") is not None else paged
        payload = slicer(ctx, items, customer_item_v2)
    return json_response(payload)


def viewed(ctx: RequestContext, render: Callable[[Record], dict[str, Any]]) -> Response:
    """The customer of the path's `id`, rendered; 404 when there is none."""
    with ctx.state.lock:
        customer = ctx.state.customers.get(ctx.path_params["id"])
        return empty(404) if customer is None else json_response(render(customer))


def get_customer(ctx: RequestContext) -> Response:
    return viewed(ctx, lambda c: {"data": customer_view_v2(ctx.state, c), "links": customer_links(c)})


def _check_references(ctx: RequestContext, data: dict[str, Any], violations: dict[str, Any]) -> None:
    project_id = (data.get("project") or {}).get("id")
    if project_id is not None and project_id not in ctx.state.projects:
        put_violation(violations, ("project", "id"), f"Project with id `{project_id}` not found.")
    method_id = ((data.get("financials") or {}).get("paymentMethod") or {}).get("id")
    if method_id is not None and method_id not in ctx.state.payment_methods:
        put_violation(
            violations, ("financials", "paymentMethod", "id"), f"Payment method with id `{method_id}` not found."
        )


def _name_violations(data: dict[str, Any]) -> tuple[str, str, dict[str, Any]]:
    """(customer type, full name, violations). Assumption: without `customerType` a person is created."""
    kind = data.get("customerType") or "person"
    violations: dict[str, Any] = {}
    if kind == "company":
        if not (data.get("name") or "").strip():
            put_violation(violations, ("name",), NOT_BLANK)
        return kind, (data.get("name") or "").strip(), violations
    for member in ("firstname", "lastname"):
        if not (data.get(member) or "").strip():
            put_violation(violations, (member,), NOT_BLANK)
    return kind, f"{data.get('firstname') or ''} {data.get('lastname') or ''}".strip(), violations


def create_customer(ctx: RequestContext) -> Response:
    data = strict_json_validate(CustomerCreateV2, ctx.body)
    kind, name, violations = _name_violations(data)
    _check_references(ctx, data, violations)
    if violations:
        raise request_validation(violations)
    contact = data.get("contactDetails") or {}
    financials = data.get("financials") or {}
    number = data.get("number")
    state = ctx.state
    with state.lock:
        taken = next((c for c in state.customers.values() if number and c.get("number") == number), None)
        if taken is not None:
            # Assumption (docs/xentral.md#customers): the 409 fires when the requested customer number is
            # taken; it names the customer holding it in the spec's `conflictItems` form.
            raise conflict_items([(int(taken["id"]), "Customer", [f"The customer number `{number}` is taken."])])
        record: Record = {
            "id": state.next_id(state.customers),
            "type": kind,
            "name": name,
            "firstname": data.get("firstname"),
            "lastname": data.get("lastname"),
            "title": data.get("title"),
            "salutation": data.get("salutation"),
            "birthday": data.get("birthdate"),
            "number": number or state.take_number("customer", 10000),
            "deviatingCustomerNumber": data.get("deviatingCustomerNumber"),
            "email": contact.get("email"),
            "phone": contact.get("phone"),
            "mobile": contact.get("mobile"),
            "fax": contact.get("fax"),
            "website": contact.get("website"),
            "department": data.get("department"),
            "subdivision": data.get("subDepartment"),
            "project": (data.get("project") or {}).get("id"),
            "vatNumber": (financials.get("tax") or {}).get("vatId"),
            "paymentMethod": (financials.get("paymentMethod") or {}).get("id"),
            "isLead": bool(data.get("isLead", False)),
            "createdAt": datetime.now(UTC).isoformat(timespec="seconds"),
            "address": None,  # the masterdata address is a second write (create_address)
            "addresses": [],
            "tags": [],
        }
        state.customers[record["id"]] = record
    return created(ctx.location(f"/api/v2/customers/{record['id']}"))


def list_addresses(ctx: RequestContext) -> Response:
    with ctx.state.lock:
        customer = ctx.state.customers.get(ctx.path_params["customerId"])
        if customer is None:
            return empty(404)
        base = f"/api/v2/customers/{customer['id']}"
        payload = paged(ctx, addresses_of(customer), lambda a: customer_address_v2(customer, a))
    payload["links"] = {"self": f"{base}/addresses", "next": None, "prev": None, "customer": base}
    return json_response(payload)


def create_address(ctx: RequestContext) -> Response:
    """masterdata and billingaddress exist once per customer (their ids are the type names, as the spec's
    list shows); a customer can hold several delivery addresses with numeric ids."""
    kind = parse_json_object(ctx.body).get("type")
    if kind not in ADDRESS_MODELS:
        raise request_validation({"type": [MISSING if kind is None else INVALID_CHOICE]})
    data = strict_json_validate(ADDRESS_MODELS[kind], ctx.body)
    state = ctx.state
    with state.lock:
        customer = state.customers.get(ctx.path_params["customerId"])
        if customer is None:
            return empty(404)
        address = {k: v for k, v in data.items() if k not in {"contactDetails", "deliveryDetails"}}
        address |= {f"contact_{k}": v for k, v in (data.get("contactDetails") or {}).items()}
        address |= dict(data.get("deliveryDetails") or {})
        if kind == "masterdata":
            if customer.get("address"):
                raise conflict(["The customer already has a masterdata address."])
            customer["address"] = {**address, "note": ""}
            ident = "masterdata"
        elif kind == "billingaddress":
            if any(a["type"] == kind for a in customer.get("addresses") or []):
                raise conflict(["The customer already has a billing address."])
            ident = "billingaddress"
            customer.setdefault("addresses", []).append({**address, "id": ident})
        else:
            ident = state.take_number("customerAddress", 1)
            customer.setdefault("addresses", []).append({**address, "id": ident})
    return created(ctx.location(f"/api/v2/customers/{customer['id']}/addresses/{ident}"))
