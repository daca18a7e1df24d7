"""Personal access tokens with scopes, and what Xentral answers when one lacks the operation's scope.

Xentral scopes a token per resource group and action (`salesOrder:create`, `customer:create`; the 2026 spec
names `salesOrder:read|create|update|delete` in its descriptions). Assumption: every resource the sandbox
serves follows that `resource:read|create` pattern (see `operations.OPERATIONS`). A token configured without
scopes holds all of them, as the sandbox's one token always did.

A missing scope is answered per `Readings.missing_scope`: the 2026 spec's 400 problem whose `type` ends in
`#token-scopes` (with the missing scopes), where the operation declares that problem; where it does not,
403 ("Unable to authorize the client"), the answer every operation declares. The other readings: a 401
with a JSON `message` ("Missing required scopes: customer:create."), or a bare 403.
"""

from __future__ import annotations

import json

from starlette.responses import Response

from .problems import PROBLEM_TYPE, TOKEN_SCOPES, empty
from .readings import MissingScope

__all__ = ["missing_scope_response", "unauthenticated"]


def missing_scope_response(scope: str, reading: MissingScope, declares_problem: bool) -> Response:
    if reading == "400" and declares_problem:
        body = {"type": TOKEN_SCOPES, "title": "The token lacks required scopes.", "scopes": [scope]}
        return Response(json.dumps(body), status_code=400, media_type=PROBLEM_TYPE)
    if reading == "401":
        return Response(
            json.dumps({"message": f"Missing required scopes: {scope}."}),
            status_code=401,
            media_type="application/json",
        )
    return empty(403)


def unauthenticated() -> Response:
    """No token, or one the instance does not know (or no longer knows: expired, deleted)."""
    return Response("Unauthorized", status_code=401, media_type="text/html")
