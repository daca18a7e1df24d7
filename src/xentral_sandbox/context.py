"""What a handler gets (one parsed request) and the two success responses it gives back."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from starlette.responses import Response

from .config import SandboxConfig
from .filters import FilterSpec, matches, parse_filters
from .operations import CSV
from .ordering import apply_order
from .pagination import parse_cursor, parse_page
from .state import Record, SandboxState


@dataclass(frozen=True)
class RequestContext:
    state: SandboxState
    config: SandboxConfig
    query: dict[str, Any]  # bracket-parsed query string
    path_params: Mapping[str, str]
    body: bytes
    media_type: str  # the negotiated response representation
    base_url: str  # scheme://host[:port], used for Location headers
    misbehaviours: frozenset[str] = frozenset()  # fault kinds changing this answer's content (faults.py)

    def misbehaves(self, kind: str) -> bool:
        return kind in self.misbehaviours

    def location(self, path: str) -> str:
        """Absolute unless the instance is switched to the path-only reading (readings.py)."""
        if self.state.readings.location_form == "path":
            return path
        return f"{self.base_url.rstrip('/')}{path}"


def json_response(payload: Any, media_type: str = "application/json") -> Response:
    return Response(json.dumps(payload, ensure_ascii=False), status_code=200, media_type=media_type)


def created(location: str) -> Response:
    """201 with Location and an empty text/html body, as every Xentral create answers (docs/xentral.md#transport)."""
    return Response("", status_code=201, media_type="text/html", headers={"Location": location})


def csv_response(rows: list[dict[str, Any]], columns: tuple[str, ...]) -> Response:
    """text/csv is declared for customers and products lists; the sandbox renders a flat subset of columns."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=columns, extrasaction="ignore")
    writer.writeheader()
    writer.writerows(rows)
    return Response(buffer.getvalue(), status_code=200, media_type=CSV)


def select(
    ctx: RequestContext,
    records: list[Record],
    spec: FilterSpec | None,
    order_fields: Mapping[str, Callable[[Mapping[str, Any]], Any]] | None,
    rows: Callable[[Record], list[Mapping[str, Any]]] | None = None,
) -> list[Record]:
    """Filter (AND of statements) and sort; the default order is ascending id.

    `rows` turns a record into the joined rows a filter is tested on (a record matches when one row does);
    without it the record is its one row. Under the `ignore_filters` fault the filter is validated but not
    applied.
    """
    chosen = records
    if spec is not None:
        statements = parse_filters(ctx.query.get("filter"), spec)
        if not ctx.misbehaves("ignore_filters"):
            joined = rows or (lambda record: [record])
            chosen = [r for r in records if any(matches(row, statements, spec) for row in joined(r))]
    chosen = sorted(chosen, key=lambda r: int(r["id"]))
    if order_fields is None:
        return chosen
    return [dict(r) for r in apply_order(list[Mapping[str, Any]](chosen), ctx.query.get("order"), order_fields)]


def paged(ctx: RequestContext, items: list[Record], render: Callable[[Record], Any]) -> dict[str, Any]:
    page = parse_page(ctx.query.get("page"), clamp=ctx.state.readings.oversize_page == "clamped")
    return {"data": [render(r) for r in page.slice(items)], "extra": page.extra(len(items))}  # noqa: S610


def cursored(ctx: RequestContext, items: list[Record], render: Callable[[Record], Any]) -> dict[str, Any]:
    readings = ctx.state.readings
    cursor = parse_cursor(ctx.query.get("cursor"), clamp=readings.oversize_page == "clamped")
    end = cursor.extra(len(items), past_end=readings.cursor_end == "empty-page")  # noqa: S610
    return {"data": [render(r) for r in cursor.slice(items)], "extra": end}
