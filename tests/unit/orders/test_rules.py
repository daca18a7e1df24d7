"""Pure rules of the order service: code matching, SKU resolution, commands, cross-field checks."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import asdict
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from unified_order_api.api.schemas import OrderRequest, cross_field_problems
from unified_order_api.orders.commands import PlaceOrder
from unified_order_api.orders.items import resolve_items
from unified_order_api.orders.model import PaymentMethod, Product, ShippingMethod
from unified_order_api.orders.reference_data import match_code

SHIPPING = [
    ShippingMethod("1", "dhl", "dhl", "DHL Paket"),
    ShippingMethod("2", "gls", "glsapi", "GLS International"),
    ShippingMethod("4", "dpd", "dpd", "DPD Classic"),
]
PAYMENT = [PaymentMethod("2", "paypal", "PayPal"), PaymentMethod("3", "vorkasse", "Vorkasse")]


def test_mapping_wins_over_names() -> None:
    assert match_code("DHL_Standard", {"dhl_standard": "1"}, SHIPPING).id == "1"


def test_mapping_to_a_missing_id_is_reported_not_used() -> None:
    match = match_code("express", {"express": "99"}, SHIPPING)
    assert match.id is None and match.candidates == ("99",)


def test_codes_match_type_module_designation_or_id_ignoring_case_and_punctuation() -> None:
    assert match_code("GLS-API", {}, SHIPPING).id == "2"
    assert match_code("dpd classic", {}, SHIPPING).id == "4"
    assert match_code("Pay-Pal", {}, PAYMENT).id == "2"
    assert match_code("3", {}, PAYMENT).id == "3"
    assert match_code("ups", {}, SHIPPING).id is None


def test_a_code_matching_several_methods_is_not_guessed() -> None:
    methods = [ShippingMethod("1", "dhl", "dhl", "DHL"), ShippingMethod("5", "dhl", "dhlexpress", "DHL Express")]
    match = match_code("dhl", {}, methods)
    assert match.id is None and match.candidates == ("1", "5")


def test_items_resolve_case_insensitively_and_report_each_problem() -> None:
    from unified_order_api.orders.commands import ItemRequest

    products = {
        "ART-001": Product("1", "ART-001", "Shirt"),
        "ART-004": Product("4", "ART-004", "Mug", is_locked=True, locked_reason="Discontinued"),
    }
    items = [
        ItemRequest(" art-001 ", Decimal(2)),
        ItemRequest("ART-999", Decimal(1)),
        ItemRequest("ART-004", Decimal(1)),
    ]
    lines, problems = resolve_items(items, products, "EUR")
    assert [(line.product_id, line.quantity) for line in lines] == [("1", Decimal(2))]
    assert [(p.pointer, p.code, p.detail) for p in problems] == [
        ("/items/1/sku", "item_not_found", "Item ART-999 not found"),
        ("/items/2/sku", "item_not_sellable", "Item ART-004 is locked in Xentral: Discontinued"),
    ]


def test_cross_field_rules_need_email_and_address_without_a_customer_number() -> None:
    pointers = [p.pointer for p in cross_field_problems({"customer": {"name": "X"}})]
    assert pointers == ["/customer/email", "/customer/street", "/customer/zip", "/customer/city", "/customer/country"]
    assert cross_field_problems({"customer": {"name": "X", "customer_number": "10001"}}) == []
    assert cross_field_problems([1, 2]) == []


_text = (
    st.text(st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), min_size=1, max_size=20)
    .map(str.strip)
    .filter(bool)
)


@settings(deadline=None)  # what it checks is the round trip, not its speed on a loaded machine
@given(
    # A reference is any text without slashes that is not "." or ".." (refused since the faults work).
    reference=_text.filter(lambda s: "/" not in s and "\\" not in s and s not in (".", "..")),
    quantities=st.lists(st.decimals(min_value=Decimal("0.0001"), max_value=Decimal(1000), places=4), min_size=1),
    price=st.none() | st.decimals(min_value=Decimal(0), max_value=Decimal(10_000), places=2),
    note=st.none() | _text,
)
def test_commands_survive_the_queue_round_trip(
    reference: str, quantities: list[Decimal], price: Decimal | None, note: str | None
) -> None:
    body = {
        "reference": reference,
        "customer": {"email": "a@b.de", "name": "A", "street": "S", "zip": "1", "city": "C", "country": "de"},
        "items": [
            {"sku": f"SKU-{i}", "quantity": str(q), "price": None if price is None else str(price)}
            for i, q in enumerate(quantities)
        ],
        "internal_note": note,
        "order_date": "2026-11-27",
        "custom_fields": {"k": "v"},
    }
    command = OrderRequest.model_validate(body).to_command()
    restored = PlaceOrder.from_json(command.to_json())
    assert restored == command
    assert restored.fingerprint() == command.fingerprint()
    assert restored.order_date == dt.date(2026, 11, 27)
    # Stored attempts keep their fingerprints: the same digest as the first implementation's.
    assert command.fingerprint() == _first_fingerprint(command)
    assert command.to_json() == json.loads(json.dumps(asdict(command), default=_first_canonical))


def _first_canonical(value: object) -> str:
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    if isinstance(value, dt.date):
        return value.isoformat()
    raise TypeError(type(value).__name__)


# Fields the first implementation did not have (money, fulfilment); unset, they must not change a digest.
_MONEY_FIELDS = {"prices", "taxation", "shipping_costs", "discounts", "fees", "expected_total", "redeemed"}
_MONEY_FIELDS |= {"vat_id_checked", "fast_lane", "auto_create_documents", "preferred_warehouse", "storage_country"}
_MONEY_ITEM_FIELDS = {"tax_rate", "vat_category", "discount_percent", "tax_amount", "taxes"}


def _first_fingerprint(command: PlaceOrder) -> str:
    fields = {k: v for k, v in asdict(command).items() if k not in _MONEY_FIELDS}
    fields["items"] = [{k: v for k, v in item.items() if k not in _MONEY_ITEM_FIELDS} for item in fields["items"]]
    canonical = json.dumps(fields, sort_keys=True, separators=(",", ":"), default=_first_canonical)
    return hashlib.sha256(canonical.encode()).hexdigest()


def test_fingerprint_ignores_how_a_number_is_written() -> None:
    def command(quantity: str) -> PlaceOrder:
        return OrderRequest.model_validate(
            {
                "reference": "R",
                "customer": {"name": "A", "customer_number": "1"},
                "items": [{"sku": "A", "quantity": quantity}],
            }
        ).to_command()

    assert command("2").fingerprint() == command("2.00").fingerprint()
    assert command("2").fingerprint() != command("3").fingerprint()
