"""The mapping lists: shipping methods, payment methods, projects, external reference targets.

See docs/xentral.md#mapping-lists.
"""

from __future__ import annotations

from starlette.responses import Response

from .context import RequestContext, json_response, paged, select
from .filters import FilterSpec, Getter
from .state import Record

_PAYMENT_SPEC = FilterSpec(
    keys={
        "id": lambda m: m["id"],
        "type": lambda m: m.get("type"),
        "project": lambda m: (m.get("project") or {}).get("id"),
    },
    ops=frozenset(
        {
            "equals",
            "notEquals",
            "in",
            "notIn",
            "contains",
            "notContains",
            "startsWith",
            "endsWith",
            "greaterThan",
            "lessThan",
        }
    ),
    search=lambda m: [m.get("type"), m.get("designation")],
)
_PAYMENT_ORDER = {
    "id": lambda m: int(m["id"]),
    "type": lambda m: m.get("type"),
    "project": lambda m: (m.get("project") or {}).get("id"),
}


def _field(name: str) -> Getter:
    return lambda record: record.get(name)


_PROJECT_FIELDS = (
    "name",
    "keyName",
    "description",
    "currency",
    "normalTaxRate",
    "reducedTaxRate",
    "storageProcess",
    "pickingProcess",
)
_PROJECT_SPEC = FilterSpec(
    keys={"id": lambda p: p["id"], **{f: _field(f) for f in _PROJECT_FIELDS}},
    search=lambda p: [p.get("name"), p.get("keyName"), p.get("description")],
)
_PROJECT_ORDER = {"id": lambda p: int(p["id"]), **{f: _field(f) for f in _PROJECT_FIELDS}}


def _copy(record: Record) -> Record:
    return dict(record)


def list_shipping_methods(ctx: RequestContext) -> Response:
    with ctx.state.lock:
        items = select(ctx, list(ctx.state.shipping_methods.values()), None, None)
        return json_response(paged(ctx, items, _copy))


def list_payment_methods(ctx: RequestContext) -> Response:
    with ctx.state.lock:
        items = select(ctx, list(ctx.state.payment_methods.values()), _PAYMENT_SPEC, _PAYMENT_ORDER)
        return json_response(paged(ctx, items, _copy))


def list_projects(ctx: RequestContext) -> Response:
    with ctx.state.lock:
        items = select(ctx, list(ctx.state.projects.values()), _PROJECT_SPEC, _PROJECT_ORDER)
        return json_response(paged(ctx, items, _copy))


def list_external_reference_targets(ctx: RequestContext) -> Response:
    """No paging and no `extra` on this endpoint (docs/xentral.md#mapping-lists)."""
    with ctx.state.lock:
        items = select(ctx, list(ctx.state.external_reference_targets.values()), None, None)
        return json_response({"data": [_copy(t) for t in items]})
