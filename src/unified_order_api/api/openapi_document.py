"""`/openapi.json` as published: FastAPI's document, completed so that it says everything the service does.

FastAPI documents what the routes declare; the rest is added here, each from the code that decides it,
so the document cannot drift from the service:
- every problem answer is `application/problem+json` (422 included: FastAPI's `HTTPValidationError` is
  never what the service sends), with real bodies as examples (`problem_examples`) and each code's
  meaning from the catalogue; `Problem.code` lists every code;
- the shop webhook is one path per registered shop (`shop_webhook_docs`): its body, its examples, its
  signature header and how to compute it, and only the content types that shop may send;
- the order's rules that span fields (`order_rules`) are in the request schema, so a request the
  schema calls valid is one the service takes or refuses with a documented status.
"""

from __future__ import annotations

from typing import Any

from ..config import Settings
from .order_rules import describe_order_rules
from .problem_catalogue import ENTRIES, entry_for
from .problem_examples import problem_examples
from .problems import PROBLEM_EXAMPLES_KEY, PROBLEM_MEDIA_TYPE, use_problem_media_type
from .shop_webhook_docs import describe_shop_webhooks

__all__ = ["published_document"]

_PROBLEM_REF = "#/components/schemas/Problem"
_VALIDATION_REF = "#/components/schemas/HTTPValidationError"
_METHODS = {"get", "put", "post", "delete", "patch", "options", "head"}


def published_document(document: dict[str, Any], settings: Settings) -> dict[str, Any]:
    """The document `/openapi.json` serves, made from FastAPI's own (changed in place)."""
    use_problem_media_type(document)
    _validation_errors_as_problems(document)
    describe_shop_webhooks(document)
    describe_order_rules(document, settings)
    _problem_examples(document)
    _problem_codes(document)
    return document


def _operations(document: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    return [
        (path, operation)
        for path, item in document.get("paths", {}).items()
        for method, operation in item.items()
        if method in _METHODS
    ]


def _validation_errors_as_problems(document: dict[str, Any]) -> None:
    """FastAPI adds `422 HTTPValidationError` to operations with parameters; the service answers those
    with problem+json `request_invalid`, as every other refusal."""
    for _path, operation in _operations(document):
        response = operation.get("responses", {}).get("422")
        if response is None:
            continue
        content = response.get("content", {})
        json_content = content.get("application/json")
        if json_content is not None and json_content.get("schema", {}).get("$ref") == _VALIDATION_REF:
            del content["application/json"]
            content[PROBLEM_MEDIA_TYPE] = {"schema": {"$ref": _PROBLEM_REF}}
            response["description"] = "The request is invalid; `errors` lists every problem with its JSON pointer"
            response[PROBLEM_EXAMPLES_KEY] = ["RequestInvalid"]
    schemas = document.get("components", {}).get("schemas", {})
    for name in ("HTTPValidationError", "ValidationError"):
        schemas.pop(name, None)


def _problem_examples(document: dict[str, Any]) -> None:
    """Each problem response: the bodies the service sends with that status here, and what each code means."""
    for path, operation in _operations(document):
        for status, response in operation.get("responses", {}).items():
            kinds = response.pop(PROBLEM_EXAMPLES_KEY, None)
            media = response.get("content", {}).get(PROBLEM_MEDIA_TYPE)
            if kinds is None or media is None:
                continue
            examples = problem_examples(path, int(status), kinds)
            media["examples"] = {}
            for example in examples:
                name = example.code if example.code not in media["examples"] else f"{example.code} ({example.title})"
                media["examples"][name] = {"summary": f"{example.code}: {example.title}", "value": example.body}
            meanings = []
            for code in dict.fromkeys(example.code for example in examples):
                entry = entry_for(code)
                meanings.append(f"- `{code}`: {entry.meaning if entry else ''}".rstrip())
            response["description"] = "\n\n".join([response.get("description", ""), "\n".join(meanings)])


def _problem_codes(document: dict[str, Any]) -> None:
    """`Problem.code`: every code of the catalogue, each with its meaning (docs/errors.md in full)."""
    schema = document.get("components", {}).get("schemas", {}).get("Problem")
    if schema is None:
        return
    code = schema["properties"]["code"]
    code["enum"] = [entry.code for entry in ENTRIES]
    listing = "\n".join(f"- `{entry.code}`: {entry.meaning}" for entry in ENTRIES)
    code["description"] = f"{code.get('description', '')}; one of (each at `/problems/{{code}}`):\n\n{listing}"
