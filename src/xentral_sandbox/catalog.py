"""The mapping lists: shipping methods, payment methods, projects, sales channels, external reference targets.

See docs/xentral.md#mapping-lists.
"""

from __future__ import annotations

from typing import Any

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


_CHANNEL_SPEC = FilterSpec(
    keys={"id": lambda c: c["id"], "name": _field("name"), "moduleName": _field("moduleName")},
    # The payment methods' operators but the comparisons.
    ops=_PAYMENT_SPEC.ops - {"greaterThan", "lessThan"},
)


def _copy(record: Record) -> Record:
    return dict(record)


def _listing(ctx: RequestContext, records: dict[str, Record], spec: FilterSpec | None, order: Any) -> Response:
    with ctx.state.lock:
        items = select(ctx, list(records.values()), spec, order)
        return json_response(paged(ctx, items, _copy))


def list_shipping_methods(ctx: RequestContext) -> Response:
    return _listing(ctx, ctx.state.shipping_methods, None, None)


def list_payment_methods(ctx: RequestContext) -> Response:
    return _listing(ctx, ctx.state.payment_methods, _PAYMENT_SPEC, _PAYMENT_ORDER)


def list_projects(ctx: RequestContext) -> Response:
    return _listing(ctx, ctx.state.projects, _PROJECT_SPEC, _PROJECT_ORDER)


def list_external_reference_targets(ctx: RequestContext) -> Response:
    """No paging and no `extra` on this endpoint (docs/xentral.md#mapping-lists)."""
    with ctx.state.lock:
        items = select(ctx, list(ctx.state.external_reference_targets.values()), None, None)
        return json_response({"data": [_copy(t) for t in items]})


def _sales_channel(channel: Record) -> Record:
    """Seed members plus the flags the spec lists. Assumption: created and updated at the seed's date."""
    return {
        "stockExport": False,
        "productExport": False,
        "preventDeletion": False,
        "hideFromOverview": False,
        "isMigratedToConnect": True,
        "createdAt": "2024-12-01T08:00:00+00:00",
        "updatedAt": "2024-12-01T08:00:00+00:00",
    } | channel


def list_sales_channels(ctx: RequestContext) -> Response:
    """`GET /api/v2/salesChannels`. Assumption: the import's `salesChannel.id` is one of these ids (orders.py);
    the seed gives them the ids of the external reference targets of the same shops."""
    with ctx.state.lock:
        items = select(ctx, list(ctx.state.sales_channels.values()), _CHANNEL_SPEC, None)
        return json_response(paged(ctx, items, _sales_channel))
