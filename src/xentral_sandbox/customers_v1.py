"""TEMPORARY bridge: the 2024 v1 customer reads and create, which the 2026 API no longer has.

Served only with `SandboxConfig.v1_customers` (off in today's Xentral: the routes then answer 404), for the
service's client until it speaks v2 customers. Records are the same as v2's (customers.py), so a customer
created here is found through v2 and the other way round. Delete this module, its operations
(`operations.V1_CUSTOMER_OPERATIONS`) and the setting together.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from starlette.responses import Response

from .context import RequestContext, created, csv_response, cursored, json_response, select
from .customers import viewed
from .filters import FilterSpec
from .operations import CSV
from .problems import NOT_BLANK, request_validation
from .representations import EMPTY_ADDRESS, project_ref
from .state import Record, SandboxState
from .validation import CustomerV1, strict_json_validate


def _v1_address(c: Record) -> dict[str, Any]:
    """The masterdata address in v1's closed address shape (a v2 write may have stored more members)."""
    stored = c.get("address") or {}
    return {key: empty if stored.get(key) is None else stored[key] for key, empty in EMPTY_ADDRESS.items()}


def customer_item(state: SandboxState, c: Record) -> dict[str, Any]:
    """List item: `general.number` and `general.customerNumber` both hold the number (docs/xentral.md#customers)."""
    general: dict[str, Any] = {
        "name": c.get("name", ""),
        "email": c.get("email") or "",
        "customerNumber": c.get("number", ""),
        "number": c.get("number", ""),
        "phone": c.get("phone"),
        "mobile": c.get("mobile"),
        "fax": c.get("fax"),
        "department": c.get("department") or "",
        "subdivision": c.get("subdivision") or "",
        "vatNumber": c.get("vatNumber") or "",
        "taxNumber": c.get("taxNumber"),
        "gln": c.get("gln") or "",
        "employeeNumber": "",
        "honorific": c.get("honorific") or "",
        "title": c.get("title") or "",
        "birthday": c.get("birthday"),
        "tags": [{"id": t["id"]} for t in c.get("tags", [])],
        "address": _v1_address(c),
    }
    return {
        "id": c["id"],
        "type": c.get("type", "person"),
        "project": project_ref(state, c.get("project")),
        "general": general,
        "tags": [{"id": t["id"]} for t in c.get("tags", [])],
        "freeFields": [],
    }


def customer_view(c: Record) -> dict[str, Any]:
    """The view has no email or contact fields (additionalProperties false in the spec)."""
    general: dict[str, Any] = {
        "honorific": c.get("honorific") or "",
        "name": c.get("name", ""),
        "address": _v1_address(c),
    }
    if c.get("birthday"):  # the view's birthday is a non-nullable date: left out when unknown
        general["birthday"] = c["birthday"]
    return {
        "id": c["id"],
        "type": c.get("type", "person"),
        "number": c.get("number", ""),
        "general": general,
        "tags": [{"id": t["id"]} for t in c.get("tags", [])],
    }


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
    return viewed(ctx, lambda c: {"data": customer_view(c)})


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
        "addresses": [],
    }
    return _store(ctx, record)


__all__ = ["create_customer_v1", "get_customer", "list_customers"]
