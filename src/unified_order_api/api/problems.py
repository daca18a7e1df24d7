"""RFC 9457 problem details: the one shape every error of this service takes, as OpenAPI documents it.

The answers themselves are built in `error_handlers` only.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from fastapi import Request
from pydantic import BaseModel, Field

PROBLEM_MEDIA_TYPE = "application/problem+json"


class FieldError(BaseModel):
    pointer: str = Field(description="JSON pointer (RFC 6901) into the request body", examples=["/items/1/quantity"])
    code: str = Field(description="Stable machine-readable code", examples=["item_not_found"])
    detail: str = Field(description="What is wrong, for people", examples=["Item ART-999 not found"])


class Problem(BaseModel):
    type: str = Field(
        description="`/problems/{code}`, a page saying what the code means and what to do (docs/errors.md)",
        examples=["/problems/order_invalid"],
    )
    title: str
    status: int
    detail: str | None = None
    instance: str | None = None
    code: str = Field(description="Stable machine-readable code of the whole problem")
    errors: list[FieldError] | None = None
    request_id: str | None = None
    retry_after: float | None = Field(default=None, description="Seconds to wait before retrying, when known")
    retryable: bool | None = Field(
        default=None,
        description="On 5xx: whether sending the same request again can succeed (then after Retry-After); "
        "false for configuration errors of this service, which need an operator",
    )
    order_may_exist: bool | None = Field(
        default=None,
        description="On 503 database_unavailable: the order may already exist in Xentral (a retry with the same "
        "reference finds it)",
    )
    customer: dict[str, Any] | None = Field(
        default=None, description="The customer Xentral already holds when an order failed after creating it"
    )


def request_id_of(request: Request) -> str | None:
    """The id `RequestContext` gave this request, for the problem body."""
    value = request.scope.get("state", {}).get("request_id")
    return value if isinstance(value, str) else None


PROBLEM_EXAMPLES_KEY = "x-problem-examples"
"""Where `problem_responses` notes the error classes an operation's examples are of; the published
document (`openapi_document`) turns it into real problem bodies and removes it."""


def problem_responses(*statuses: int, examples: Iterable[str] = ()) -> dict[int | str, dict[str, Any]]:
    """OpenAPI `responses` entries documenting problem+json answers. `examples`: the names of the error
    classes (`problem_examples.EXAMPLE_ERRORS`) this operation answers with; a status none of them has
    shows every example of that status."""
    kinds = list(examples)
    descriptions = {
        400: "Malformed request",
        401: "Missing or wrong API key",
        404: "Not found",
        409: "Conflict: the order is being processed, several customers match, or the reference is another client's",
        413: "Request body too large",
        415: "Content-Type is not application/json",
        422: "The order is invalid; `errors` lists every problem with its JSON pointer",
        502: "Xentral rejected our credentials or answered unexpectedly",
        503: "Xentral or our order database is unavailable, or Xentral is rate-limited; see Retry-After",
        504: "Xentral did not answer in time; retrying with the same key is safe",
    }
    return {
        status: {"model": Problem, "description": descriptions.get(status, "Problem"), PROBLEM_EXAMPLES_KEY: kinds}
        for status in statuses
    }


def use_problem_media_type(openapi: dict[str, Any]) -> dict[str, Any]:
    """FastAPI documents every model response as application/json; ours are problem+json."""
    ref = "#/components/schemas/Problem"
    for path_item in openapi.get("paths", {}).values():
        for operation in path_item.values():
            for response in operation.get("responses", {}).values():
                content = response.get("content", {})
                json_content = content.get("application/json")
                if json_content and json_content.get("schema", {}).get("$ref") == ref:
                    content[PROBLEM_MEDIA_TYPE] = content.pop("application/json")
    return openapi
