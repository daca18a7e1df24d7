"""Liveness and readiness: is the process up, and can it reach its database and Xentral."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from .dependencies import container

router = APIRouter(tags=["health"])


@router.get("/healthz", summary="The process is alive")
async def healthz() -> dict[str, str]:
    return {"status": "ok"}


@router.get("/readyz", summary="The database takes writes and Xentral answers; Redis, if used, is reported")
async def readyz(request: Request) -> JSONResponse:
    checks: dict[str, Any] = await container(request).readiness.check()
    # A degraded helper (Redis) still serves orders, more slowly: ready, but say so.
    ready = all(check["ok"] or check.get("degraded") for check in checks.values())
    degraded = any(check.get("degraded") for check in checks.values())
    status = ("degraded" if degraded else "ready") if ready else "not_ready"
    return JSONResponse({"status": status, "checks": checks}, status_code=200 if ready else 503)
