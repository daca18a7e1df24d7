"""Where the spec is ambiguous about money, our one assumption is pinned to its text.

If Xentral's spec changes the wording these rest on, these tests fail and the assumption
(docs/xentral.md#prices-tax-and-totals, `xentral/import_payload.py`, `xentral_sandbox/pricing.py`) must be revisited.
"""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

from unified_order_api.orders.model import LineTax
from unified_order_api.xentral.import_payload import tax_body

IMPORT = "/api/v1/salesOrders/actions/import"


def _import_schema(spec_path: Path) -> dict[str, Any]:
    spec = json.loads(spec_path.read_text("utf-8"))
    schema: dict[str, Any] = spec["paths"][IMPORT]["post"]["requestBody"]["content"]["application/json"]["schema"]
    return schema


def test_position_discount_is_contested_so_it_is_never_sent(spec_path: Path) -> None:
    """The description says a fraction, the example a percentage: the discounted price is sent instead."""
    discount = _import_schema(spec_path)["properties"]["positions"]["items"]["properties"]["discount"]
    assert "0.15" in discount["description"] and "15%" in discount["description"]
    assert discount.get("example", 10) > 1
    assert "price" in _import_schema(spec_path)["properties"]["positions"]["items"]["properties"]


def test_tax_rate_is_sent_on_the_scale_of_the_projects_rates(spec_path: Path) -> None:
    spec = json.loads(spec_path.read_text("utf-8"))
    project = spec["paths"]["/api/v1/projects"]["get"]["responses"]["200"]["content"]["application/json"]["schema"]
    normal = project["properties"]["data"]["items"]["properties"]["normalTaxRate"]
    assert normal["example"] > 1  # project rates are percentages (13.3), so is the line's rate
    financials_tax = _import_schema(spec_path)["properties"]["financials"]["properties"]["tax"]["properties"]
    assert {"normalTaxRate", "reducedTaxRate"} <= set(financials_tax)
    assert tax_body(LineTax(None, Decimal("7.5"), Decimal("7.5")))["rate"] == 7.5


def test_a_line_sends_only_one_of_rate_and_category(spec_path: Path) -> None:
    schema = _import_schema(spec_path)["properties"]
    tax = schema["positions"]["items"]["properties"]["tax"]
    assert "only one of `rate` or `vatCategory`" in tax["properties"]["rate"]["description"]
    # The 2026 spec made a position's taxText optional; shipping costs still require it, so it is always sent.
    assert "taxText" in tax["properties"] and "taxText" not in tax.get("required", [])
    shipping = schema["delivery"]["allOf"][0]["properties"]["shippingCosts"]["items"]["properties"]["tax"]
    assert shipping["required"] == ["taxText"]
    for line_tax in (LineTax("normal", None, Decimal(19)), LineTax(None, Decimal(6), Decimal(6))):
        body = tax_body(line_tax)
        assert ("rate" in body) != ("vatCategory" in body) and "taxText" in body
