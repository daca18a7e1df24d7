"""Customer list, view and the v1/v2 creates (docs/xentral.md#customers)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from starlette.responses import Response

from .context import RequestContext, created, csv_response, cursored, json_response, select
from .filters import FilterSpec
from .operations import CSV
from .problems import NOT_BLANK, ProblemError, conflict, empty, put_violation, request_validation
from .representations import customer_item, customer_view
from .state import Record
from .validation import CustomerV1, CustomerV2, strict_json_validate


def _addr(key: str) -> Any:
    return lambda c: (c.get("address") or {}).get(key)


def _spec(ctx: RequestContext) -> FilterSpec:
    projects = ctx.state.projects

    def project_name(c: Mapping[str, Any]) -> Any:
        project = projects.get(c.get("project") or "")
        return project["name"] if project else None

    return FilterSpec(
        keys={
            "id": lambda c: c["id"],
            "name": lambda c: c.get("name"),
            # Assumption (docs/xentral.md#customers): `number` matches the customer number, which the
            # sandbox shows in both general.number and general.customerNumber.
            "number": lambda c: c.get("number"),
            "country": _addr("country"),
            "zip": _addr("zip"),
            "city": _addr("city"),
            "street": _addr("street"),
            "addressNote": _addr("note"),
            "project": lambda c: c.get("project"),
            "projectName": project_name,
            "phone": lambda c: c.get("phone"),
            "fax": lambda c: c.get("fax"),
            "mobile": lambda c: c.get("mobile"),
            # Assumption (docs/xentral.md#matching-text): email `equals` is case-insensitive (see filters.py).
            "email": lambda c: c.get("email"),
            "department": lambda c: c.get("department"),
            "subdivision": lambda c: c.get("subdivision"),
            "vatNumber": lambda c: c.get("vatNumber"),
            "taxNumber": lambda c: c.get("taxNumber"),
            "gln": lambda c: c.get("gln"),
            "tag": lambda c: [t["id"] for t in c.get("tags", [])],
            "tagName": lambda c: [t.get("name", "") for t in c.get("tags", [])],
        },
        search=lambda c: [c.get("name"), c.get("number"), c.get("email")],
        allow_id_map=True,
    )


_ORDER_FIELDS = {
    "id": lambda c: int(c["id"]),
    "name": lambda c: c.get("name"),
    "number": lambda c: c.get("number"),
    "country": _addr("country"),
    "zip": _addr("zip"),
    "city": _addr("city"),
    "project": lambda c: c.get("project"),
    "projectName": lambda c: c.get("project"),
    "telephone": lambda c: c.get("phone"),
    "fax": lambda c: c.get("fax"),
    "mobile": lambda c: c.get("mobile"),
    "email": lambda c: c.get("email"),
    "addressNote": _addr("note"),
    "department": lambda c: c.get("department"),
    "subdivision": lambda c: c.get("subdivision"),
    "vatNumber": lambda c: c.get("vatNumber"),
    "taxNumber": lambda c: c.get("taxNumber"),
    "gln": lambda c: c.get("gln"),
}


def list_customers(ctx: RequestContext) -> Response:
    with ctx.state.lock:
        items = select(ctx, list(ctx.state.customers.values()), _spec(ctx), _ORDER_FIELDS)
        payload = cursored(ctx, items, lambda c: customer_item(ctx.state, c))
    if ctx.media_type == CSV:
        rows = [{"id": i["id"], "type": i["type"], **i["general"], **i["general"]["address"]} for i in payload["data"]]
        return csv_response(rows, ("id", "type", "customerNumber", "name", "email", "street", "zip", "city", "country"))
    return json_response(payload)


def get_customer(ctx: RequestContext) -> Response:
    with ctx.state.lock:
        customer = ctx.state.customers.get(ctx.path_params["id"])
        if customer is None:
            return empty(404)
        return json_response({"data": customer_view(customer)})


def _store(ctx: RequestContext, record: Record) -> Response:
    with ctx.state.lock:
        record["id"] = ctx.state.next_id(ctx.state.customers)
        if not record.get("number"):
            record["number"] = ctx.state.take_number("customer", 10000)
        ctx.state.customers[record["id"]] = record
    return created(ctx.location(f"/api/v1/customers/{record['id']}"))


def _check_project(ctx: RequestContext, data: dict[str, Any]) -> None:
    project_id = (data.get("project") or {}).get("id")
    if project_id is not None and project_id not in ctx.state.projects:
        raise request_validation({"project": {"id": [f"Project with id `{project_id}` not found."]}})


def create_customer_v1(ctx: RequestContext) -> Response:
    data = strict_json_validate(CustomerV1, ctx.body)
    general, contact = data["general"], data.get("contact") or {}
    if not general["name"].strip():
        raise request_validation({"general": {"name": [NOT_BLANK]}})
    _check_project(ctx, data)
    record: Record = {
        "type": data["type"],
        "name": general["name"],
        "title": general.get("title"),
        "birthday": general.get("birthday"),
        "address": general.get("address"),
        "email": contact.get("email"),
        "phone": contact.get("phone"),
        "mobile": contact.get("mobile"),
        "fax": contact.get("fax"),
        "project": (data.get("project") or {}).get("id"),
        "tags": data.get("tags") or [],
    }
    return _store(ctx, record)


def create_customer_v2(ctx: RequestContext) -> Response:
    data = strict_json_validate(CustomerV2, ctx.body)
    kind = data.get("type") or "person"
    violations: dict[str, Any] = {}
    if kind == "company":
        if not (data.get("name") or "").strip():
            put_violation(violations, ("name",), NOT_BLANK)
        name = data.get("name") or ""
    else:
        for member in ("firstname", "lastname"):
            if not (data.get(member) or "").strip():
                put_violation(violations, (member,), NOT_BLANK)
        name = f"{data.get('firstname') or ''} {data.get('lastname') or ''}".strip()
    if violations:
        raise request_validation(violations)
    _check_project(ctx, data)
    contact = data.get("contact") or {}
    number = data.get("number")
    with ctx.state.lock:
        # Assumption (docs/xentral.md#customers): the 409 fires when the requested customer number is taken.
        if number and any(c.get("number") == number for c in ctx.state.customers.values()):
            raise conflict([f"A customer with number `{number}` already exists."])
        record: Record = {
            "type": kind,
            "name": name,
            "firstname": data.get("firstname"),
            "lastname": data.get("lastname"),
            "title": data.get("title"),
            "birthday": data.get("birthdate"),
            "number": number,
            "email": contact.get("email"),
            "phone": contact.get("phone"),
            "mobile": contact.get("mobile"),
            "fax": contact.get("fax"),
            "department": data.get("department"),
            "subdivision": data.get("subDepartment"),
            "project": (data.get("project") or {}).get("id"),
            "address": None,  # v2 has no address fields (docs/xentral.md#customers)
            "tags": [],
        }
        return _store(ctx, record)


__all__ = ["ProblemError", "create_customer_v1", "create_customer_v2", "get_customer", "list_customers"]
