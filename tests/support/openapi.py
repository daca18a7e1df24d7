"""Validate a value against a schema inside an OpenAPI 3.1 document, its `$ref`s resolved within it."""

from __future__ import annotations

from typing import Any

from jsonschema import Draft202012Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

__all__ = ["validator_for"]

DOCUMENT_URI = "urn:unified-order-api:openapi"


def validator_for(doc: dict[str, Any], pointer: str) -> Draft202012Validator:
    """A validator of the schema at JSON pointer `pointer` in `doc` (e.g. `/components/schemas/Problem`)."""
    registry: Registry[Any] = Registry().with_resource(
        DOCUMENT_URI, Resource.from_contents(doc, default_specification=DRAFT202012)
    )
    return Draft202012Validator({"$ref": f"{DOCUMENT_URI}#{pointer}"}, registry=registry)
