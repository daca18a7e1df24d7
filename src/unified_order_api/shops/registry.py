"""The shops the service connects: one line per shop module, and `ShopKind`, the one name of a shop kind.

A shop's kind is valid where it is registered here: in `shop.kind` of the settings and in the
webhook's path (`/api/shops/{client}/{kind}`), whose OpenAPI schema lists the registered kinds.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import AfterValidator, GetJsonSchemaHandler
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import CoreSchema

from . import shopify, shopware, woocommerce
from .connector import ShopConnector

__all__ = ["CONNECTORS", "ShopKind", "connector_for"]

CONNECTORS: dict[str, ShopConnector] = {
    connector.kind: connector
    for connector in (
        woocommerce.CONNECTOR,
        shopify.CONNECTOR,
        shopware.CONNECTOR,
    )
}


def connector_for(kind: str) -> ShopConnector:
    """The registered shop of this kind (a `ShopKind` is always registered)."""
    return CONNECTORS[kind]


def _registered(kind: str) -> str:
    if kind not in CONNECTORS:
        raise ValueError(f"unknown shop kind '{kind}' (known: {', '.join(CONNECTORS)})")
    return kind


class _KindsInSchema:
    """The JSON schema lists the kinds registered when it is made, as a `Literal` of them would."""

    def __get_pydantic_json_schema__(self, schema: CoreSchema, handler: GetJsonSchemaHandler) -> JsonSchemaValue:
        found: dict[str, Any] = handler(schema)
        return {**found, "enum": list(CONNECTORS)}


ShopKind = Annotated[str, AfterValidator(_registered), _KindsInSchema()]
