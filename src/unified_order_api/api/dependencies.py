"""What routers take from the running app: the container the lifespan built, and the API keys.

One typed accessor each, so no router reaches into `app.state` itself.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from fastapi import Request

from .auth import ApiKeys

if TYPE_CHECKING:
    from ..bootstrap import Container

__all__ = ["api_keys", "container"]


def container(request: Request) -> Container:
    return request.app.state.container  # type: ignore[no-any-return]


def api_keys(request: Request) -> ApiKeys:
    return request.app.state.api_keys  # type: ignore[no-any-return]
