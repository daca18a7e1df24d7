"""The currencies: the service and the sandbox accept exactly the enum the Xentral 2026 spec gives every
money object, read from the spec itself — the request field, the default setting, the sandbox's list."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from unified_order_api.api.schemas import OrderRequest
from unified_order_api.orders.currencies import CURRENCIES
from unified_order_api.orders.policy import OrderDefaults
from xentral_sandbox.validation import CURRENCIES as SANDBOX_CURRENCIES


def _enums(node: Any) -> list[list[str]]:
    """Every `currency` enum in the spec (money objects: prices, values, totals, revenues)."""
    found: list[list[str]] = []
    if isinstance(node, dict):
        currency = (node.get("properties") or {}).get("currency")
        if isinstance(currency, dict) and "enum" in currency:
            found.append(currency["enum"])
        for value in node.values():
            found += _enums(value)
    elif isinstance(node, list):
        for value in node:
            found += _enums(value)
    return found


@pytest.fixture(scope="module")
def spec_enum(spec_path: Path) -> list[str]:
    enums = _enums(json.loads(spec_path.read_text()))
    assert len(enums) > 20 and all(enum == enums[0] for enum in enums), "the spec's money objects disagree"
    return enums[0]


def test_the_service_and_the_sandbox_take_the_specs_enum(spec_enum: list[str]) -> None:
    assert list(CURRENCIES) == spec_enum
    assert list(SANDBOX_CURRENCIES) == spec_enum


def _request(currency: str) -> dict[str, Any]:
    return {
        "reference": "CUR-1",
        "customer": {"email": "a@example.com", "name": "A", "street": "S 1", "zip": "1", "city": "C", "country": "DE"},
        "items": [{"sku": "ART-001", "quantity": 1}],
        "currency": currency,
    }


def test_each_is_accepted_and_nothing_else(spec_enum: list[str]) -> None:
    for currency in spec_enum:
        assert OrderRequest.model_validate(_request(currency)).currency == currency
        assert OrderDefaults(currency=currency).currency == currency  # type: ignore[arg-type]
    for wrong in ("XYZ", "eur", "EURO", ""):
        with pytest.raises(ValidationError):
            OrderRequest.model_validate(_request(wrong))
        with pytest.raises(ValidationError):
            OrderDefaults(currency=wrong)  # type: ignore[arg-type]
