"""The FastAPI application: routers, middleware, error handlers, and the container's lifetime."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI
from starlette.types import Scope

from . import __version__
from .api import admin, health, metrics, orders, problem_types, shops, xentral_events
from .api.auth import ApiKeys
from .api.docs_pages import install_docs_pages
from .api.error_handlers import install_error_handlers
from .api.metrics_middleware import RequestMetrics
from .api.middleware import BodyGuard, RequestContext
from .api.openapi_document import published_document
from .bootstrap import Container, bootstrap
from .config import Settings
from .configcheck import warn_about_config
from .console import PREFIX as CONSOLE_PREFIX
from .console import create_console
from .inbox.recording import InboxRecording, RefusalRecorder

ContainerFactory = Callable[[Settings], Awaitable[Container]]

DESCRIPTION = """
One request creates a complete, released sales order in Xentral: the customer is found
or created, every item is checked first, and the same reference never makes a second order.
Errors are RFC 9457 problem+json with every problem listed at once.
"""


def _recording_of(scope: Scope) -> InboxRecording | None:
    """The running service's inbox recording (none before the lifespan built the container)."""
    container = getattr(scope["app"].state, "container", None)
    return container.recording if isinstance(container, Container) else None


def create_app(
    settings: Settings, container_factory: ContainerFactory = bootstrap, *, check_config_at_start: bool = False
) -> FastAPI:
    """The app; `check_config_at_start` (serve, demo) checks the configuration against Xentral in the
    background once started, logging problems as warnings."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        container = await container_factory(settings)
        app.state.container = container
        app.state.api_keys = ApiKeys.from_settings(container.settings)
        where = container.settings.metrics
        stop_metrics = container.metrics.serve_on_port(where.host, where.port) if where.expose == "port" else None
        container.start_background()
        if check_config_at_start:
            container.tasks.start(warn_about_config(container), name="config-check")
        try:
            yield
        finally:
            await container.aclose()
            if stop_metrics is not None:
                await asyncio.to_thread(stop_metrics)

    app = FastAPI(
        title="Unified Order API",
        version=__version__,
        description=DESCRIPTION,
        lifespan=lifespan,
        docs_url=None,  # served by `docs_pages`, with their scripts from this process
        redoc_url=None,
    )
    install_docs_pages(app, app.openapi_url or "/openapi.json")
    app.include_router(orders.router)
    app.include_router(shops.router)
    app.include_router(xentral_events.router)
    app.include_router(health.router)
    app.include_router(admin.router)
    app.include_router(metrics.router)
    app.include_router(problem_types.router)
    if settings.console.enabled:
        app.mount(CONSOLE_PREFIX, create_console(app, settings))
    install_error_handlers(app)
    limits = settings.limits
    app.add_middleware(
        BodyGuard,
        max_bytes=limits.max_body_bytes,
        drain_max_bytes=limits.drain_max_bytes,
        body_timeout=limits.body_timeout_seconds,
        min_rate=limits.min_body_bytes_per_second,
        forms_under=CONSOLE_PREFIX + "/",
        form_paths=shops.FORM_ENCODED_PATH,
    )
    app.add_middleware(RefusalRecorder, recording_of=_recording_of)  # outside the guard: its refusals count too
    app.add_middleware(RequestContext)
    app.add_middleware(RequestMetrics)

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = published_document(FastAPI.openapi(app), settings)
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
    return app
