"""GET /metrics: the container's Prometheus registry in the text exposition format.

It holds counts and timings, no order data; `metrics.expose` decides who may read it here: anyone
(`public`, the demo's default), the admin key (`admin_key`, the default under `serve`), or nobody
(`port`: a port of its own serves it, opened by the app's lifespan).
"""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from ..metrics import CONTENT_TYPE
from .auth import presented_key
from .dependencies import api_keys, container
from .errors import NotFound

router = APIRouter(tags=["operations"])


@router.get("/metrics", summary="Prometheus metrics", include_in_schema=False)
async def metrics(request: Request) -> Response:
    service = container(request)
    exposure = service.settings.metrics.expose or "public"
    if exposure == "port":
        raise NotFound(f"/metrics is served on its own port ({service.settings.metrics.port}), not on this one")
    if exposure == "admin_key":
        api_keys(request).check_admin(presented_key(request))
    return Response(service.metrics.exposition(), media_type=CONTENT_TYPE)
