"""GET /metrics: the container's Prometheus registry in the text exposition format.

Unauthenticated, like most scrape endpoints: it holds counts and timings, no order data.
Restrict it at the network edge if the service is exposed publicly.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from fastapi import APIRouter, Request, Response

from ..metrics import CONTENT_TYPE

if TYPE_CHECKING:
    from ..bootstrap import Container

router = APIRouter(tags=["operations"])


@router.get("/metrics", summary="Prometheus metrics", include_in_schema=False)
async def metrics(request: Request) -> Response:
    container: Container = request.app.state.container
    return Response(container.metrics.exposition(), media_type=CONTENT_TYPE)
