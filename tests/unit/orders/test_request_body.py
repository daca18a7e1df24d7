"""The order request as the edge reads it, without a server: every schema problem at once with its
pointer, references made of dots, and shipping and payment codes matched to Xentral's names
(end to end: tests/integration/orders/test_create_order.py, test_references.py)."""

from __future__ import annotations

import copy
import dataclasses
from typing import Any

import pytest
from pydantic import ValidationError

from tests.support.fakes import command
from tests.support.order_harness import Harness, make
from unified_order_api.api.field_errors import field_error
from unified_order_api.api.schemas import ORDER_EXAMPLE, OrderRequest, cross_field_problems
from unified_order_api.orders.model import PaymentMethod, ShippingMethod

__all__ = ["make"]


def _problems(body: dict[str, Any]) -> list[dict[str, str]]:
    """The schema's problems with `body`, as field problems (the edge adds the cross-field rules' to them)."""
    with pytest.raises(ValidationError) as raised:
        OrderRequest.model_validate(body)
    return [field_error(dict(error)) for error in raised.value.errors()]


def _body(**changes: Any) -> dict[str, Any]:
    body = copy.deepcopy(ORDER_EXAMPLE)
    body.update(changes)
    return body


def test_schema_problems_are_reported_at_once_with_pointers() -> None:
    body = _body(items=[{"sku": "ART-001", "quantity": 0}, {"quantity": 1}], colour="red")
    del body["customer"]["email"]
    codes = [(problem["pointer"], problem["code"]) for problem in _problems(body)]
    assert ("/items/0/quantity", "greater_than") in codes
    assert ("/items/1/sku", "required") in codes
    assert ("/colour", "unknown_field") in codes
    [email] = cross_field_problems(body)  # a rule across fields, checked on the same raw body
    assert (email.pointer, email.code, email.detail) == (
        "/customer/email",
        "required",
        "Required field 'email' is missing",
    )


@pytest.mark.parametrize("reference", [".", "..", " .. "])
def test_dot_references_are_refused(reference: str) -> None:
    assert [problem["pointer"] for problem in _problems(_body(reference=reference))] == ["/reference"]


@pytest.mark.parametrize("reference", ["...", ".a", "..b", "a.", "SHOP.1"])
def test_references_with_dots_are_fine(reference: str) -> None:
    assert OrderRequest.model_validate(_body(reference=reference)).to_command().reference == reference


async def test_codes_match_xentral_names_without_a_mapping(make: Any) -> None:
    h: Harness = await make()
    h.gateway.shipping = [
        ShippingMethod("1", "dhl", "dhl", "DHL Paket"),
        ShippingMethod("4", "dpd", "dpd", "DPD Classic"),
    ]
    h.gateway.payments = [PaymentMethod("2", "paypal", "PayPal"), PaymentMethod("3", "vorkasse", "Vorkasse")]
    order = dataclasses.replace(command(), shipping="DPD", payment="Vorkasse")
    outcome = await h.service.place_order(order, client="shop")
    draft = h.gateway.drafts[outcome.receipt.order_id]
    assert (draft.shipping_method_id, draft.payment_method_id) == ("4", "3")
