"""GET /metrics: the container's Prometheus registry in the text exposition format.

Unauthenticated, like most scrape endpoints: it holds counts and timings, no order data.
Restrict it at the network edge if the service is exposed publicly.
"""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from ..metrics import CONTENT_TYPE
from .dependencies import container

router = APIRouter(tags=["operations"])


@router.get("/metrics", summary="Prometheus metrics", include_in_schema=False)
async def metrics(request: Request) -> Response:
    return Response(container(request).metrics.exposition(), media_type=CONTENT_TYPE)
