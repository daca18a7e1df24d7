"""Reading successful Xentral answers: JSON envelopes and the id behind a 201 `Location`.

A success we cannot use (no JSON, wrong shape, no Location) becomes
`XentralUnexpectedResponse`, never a pydantic or JSON error leaking out of the client.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, TypeVar
from urllib.parse import urlsplit

import httpx
from pydantic import BaseModel, ValidationError

from .errors import XentralUnexpectedResponse

__all__ = ["RawAnswer", "id_from_location", "parse_json", "raw_answer"]

M = TypeVar("M", bound=BaseModel)

_TRAILING_ID = re.compile(r"(\d+)/?$")


@dataclass(frozen=True, slots=True)
class RawAnswer:
    """A 2xx answer as it came: status, headers (lower-case names) and the JSON body (None when there is none
    or it is not JSON). For probes only; orders read typed answers."""

    status: int
    headers: Mapping[str, str]
    body: Any

    @property
    def location(self) -> str | None:
        return self.headers.get("location")

    def created_id(self, operation: str) -> str:
        """The new resource's id, read from `Location` as `id_from_location` reads it."""
        return _trailing_id(self.location, self.status, operation)


def raw_answer(response: httpx.Response) -> RawAnswer:
    try:
        body = json.loads(response.content) if response.content else None
    except ValueError:
        body = None
    headers = {name.lower(): value for name, value in response.headers.items()}
    return RawAnswer(response.status_code, headers, body)


def parse_json(response: httpx.Response, model: type[M], operation: str) -> M:
    """Validate the response body as `model`, mapping every failure to one error type."""
    try:
        return model.model_validate_json(response.content)
    except ValidationError as exc:
        # The errors name fields and types only (`include_input=False`): no payload echoes.
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc']) or '<body>'}: {err['msg']}"
            for err in exc.errors(include_url=False, include_input=False)[:3]
        )
        raise XentralUnexpectedResponse(
            response.status_code, None, operation, detail=f"unreadable response body ({problems})"
        ) from None


def id_from_location(response: httpx.Response, operation: str) -> str:
    """The new resource's id: the trailing digits of the `Location` header (docs/xentral.md#transport).

    Assumption (docs/xentral.md#transport): the Location path shape is not documented (the spec example is
    `https://example.xentral.biz/api/users/17`), so only its trailing `\\d+` is trusted; a
    trailing slash is tolerated, query and fragment are ignored.
    """
    return _trailing_id(response.headers.get("location"), response.status_code, operation)


def _trailing_id(location: str | None, status: int, operation: str) -> str:
    if not location:
        raise XentralUnexpectedResponse(status, None, operation, detail="created, but no Location header")
    match = _TRAILING_ID.search(urlsplit(location).path)
    if match is None:
        raise XentralUnexpectedResponse(status, None, operation, detail=f"no id at the end of Location {location!r}")
    return match.group(1)
