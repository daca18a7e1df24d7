from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import pytest

from unified_order_api.orders.model import (
    Address,
    Fulfilment,
    LineTax,
    Money,
    NewCustomer,
    OrderDiscount,
    OrderDraft,
    OrderLine,
    ShippingCost,
)
from unified_order_api.xentral import build_import_payload, customer_address_body, customer_create
from unified_order_api.xentral.customer_payload import name_parts


def _draft(**overrides: object) -> OrderDraft:
    fields: dict[str, object] = {
        "order_date": dt.date(2025, 1, 15),
        "reference": "SHOP-1001",
        "customer_id": "394",
        "project_id": "4",
        "payment_method_id": "1",
        "shipping_method_id": "2",
        "currency": "EUR",
        "lines": (
            OrderLine(
                product_id="241",
                sku="SKU-1",
                quantity=Decimal("2"),
                unit_price=Money(Decimal("19.99"), "EUR"),
                line_id="l1",
            ),
            OrderLine(product_id="242", sku="SKU-2", quantity=Decimal("1.5")),
        ),
    }
    fields.update(overrides)
    return OrderDraft(**fields)  # type: ignore[arg-type]


def test_minimal_draft_leaves_optional_parts_out() -> None:
    assert build_import_payload(_draft()) == {
        "date": "2025-01-15",
        "externalOrderNumber": "SHOP-1001",
        "customer": {"id": "394"},
        "project": {"id": "4"},
        "financials": {"paymentMethod": {"id": "1"}, "currency": "EUR"},
        "delivery": {"shippingMethod": {"id": "2"}, "autoShipping": False},
        "positions": [
            {
                "product": {"id": "241"},
                "quantity": 2,
                "price": {"amount": "19.99", "currency": "EUR"},
                "webId": "l1",
            },
            {"product": {"id": "242"}, "quantity": 1.5},
        ],
    }


def test_full_draft() -> None:
    billing = Address(
        name="Max Muster",
        street="Musterstr. 1",
        zip="12345",
        city="Berlin",
        country="DE",
        company="ACME GmbH",
        title="Dr.",
        address_supplement="Hinterhaus",
        email="max@ex.de",
        phone="+49 1",
    )
    shipping = Address(
        name="Erika Muster",
        street="Weg 2",
        zip="54321",
        city="Köln",
        country="DE",
        salutation="mrs",
        title="Prof.",
        state="NRW",
        phone="+49 2",
    )
    payload = build_import_payload(
        _draft(
            billing_address=billing,
            shipping_address=shipping,
            sales_channel_id="3",
            external_order_id="987654321",
            transaction_number="PAYPAL-TX-1",
            customer_order_number="PO-77",
            internal_note="call before delivery",
            internal_designation="unified-api",
            language="de",
            auto_shipping=True,
            shipping_costs=(ShippingCost("453", Money(Decimal("4.9"), "EUR"), LineTax("normal", None, Decimal(19))),),
            custom_fields={"gift": "yes", "channel": "web"},
        )
    )
    assert payload["externalOrderId"] == "987654321"
    assert payload["transactionNumber"] == "PAYPAL-TX-1"
    assert payload["customerOrderNumber"] == "PO-77"
    assert payload["internalDesignation"] == "unified-api"
    assert payload["comment"] == "call before delivery\n\nCustom fields:\ngift: yes\nchannel: web"
    assert payload["salesChannel"] == {"id": "3"}
    assert payload["language"] == {"iso2": "de"}
    assert payload["financials"]["billingAddress"] == {
        "type": "company",
        "name": "ACME GmbH",
        "contactPerson": "Max Muster",
        "title": "Dr.",
        "street": "Musterstr. 1",
        "zipCode": "12345",
        "city": "Berlin",
        "country": "DE",
        "addressSupplement": "Hinterhaus",
        "email": "max@ex.de",
        "phoneNumber": "+49 1",
    }
    assert payload["delivery"] == {
        "shippingMethod": {"id": "2"},
        "autoShipping": True,
        "shippingAddress": {
            "type": "mrs",
            "name": "Erika Muster",
            "street": "Weg 2",
            "zipCode": "54321",
            "city": "Köln",
            "state": "NRW",
            "country": "DE",
        },
        "shippingCosts": [
            {
                "shippingCostProduct": {"id": "453"},
                "quantity": 1,
                "price": {"amount": "4.9", "currency": "EUR"},
                "tax": {"vatCategory": "normal", "taxText": "19% VAT"},
            }
        ],
    }


def test_what_xentrals_own_connectors_send() -> None:
    """webId on every kind of line, vatCheck with a VAT id, fast lane, documents and a preferred warehouse."""
    tax = LineTax("normal", None, Decimal(19))
    payload = build_import_payload(
        _draft(
            external_order_id="5551",
            vat_id="ATU12345678",
            vat_id_checked=True,
            fulfilment=Fulfilment(fast_lane=True, documents="delivery_note", preferred_warehouse_id="3"),
            shipping_costs=(ShippingCost("453", Money(Decimal("4.90"), "EUR"), tax, "DHL", "ship-1"),),
            discounts=(OrderDiscount("99", Money(Decimal("5.00"), "EUR"), tax, "TENOFF", "coupon-7"),),
            prices="gross",
        )
    )
    assert payload["externalOrderId"] == "5551"
    assert payload["vatCheck"] is True
    assert payload["autoCreateDocuments"] == "deliveryNote"
    assert payload["delivery"]["fastLane"] is True
    assert payload["delivery"]["preferredWarehouse"] == {"id": "3"}
    assert "storageCountry" not in payload["delivery"]
    assert [line.get("webId") for line in payload["positions"]] == ["l1", None]
    assert payload["delivery"]["shippingCosts"][0]["webId"] == "ship-1"
    assert payload["discountPositions"][0]["webId"] == "coupon-7"


def test_a_storage_country_and_an_unchecked_vat_id() -> None:
    payload = build_import_payload(
        _draft(vat_id="ATU12345678", prices="net", fulfilment=Fulfilment(fast_lane=False, storage_country="AT"))
    )
    assert payload["vatCheck"] is False
    assert payload["delivery"]["storageCountry"] == "AT" and payload["delivery"]["fastLane"] is False
    assert "preferredWarehouse" not in payload["delivery"] and "autoCreateDocuments" not in payload


def test_without_a_vat_id_no_vat_check_is_sent() -> None:
    assert "vatCheck" not in build_import_payload(_draft(vat_id_checked=True))


def test_a_place_of_fulfilment_is_a_warehouse_or_a_country() -> None:
    with pytest.raises(ValueError, match="not both"):
        Fulfilment(preferred_warehouse_id="3", storage_country="DE")


def test_custom_fields_alone_make_the_comment() -> None:
    assert build_import_payload(_draft(custom_fields={"a": "1"}))["comment"] == "Custom fields:\na: 1"


def test_amounts_are_plain_decimal_strings_and_json_serialisable() -> None:
    line = OrderLine(product_id="1", sku="S", quantity=Decimal("1E+1"), unit_price=Money(Decimal("1E+1"), "EUR"))
    payload = build_import_payload(_draft(lines=(line,)))
    assert payload["positions"][0] == {
        "product": {"id": "1"},
        "quantity": 10,
        "price": {"amount": "10", "currency": "EUR"},
    }
    json.dumps(payload)


def test_no_none_values_anywhere() -> None:
    payload = build_import_payload(_draft())

    def walk(node: object) -> None:
        assert node is not None
        if isinstance(node, dict):
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(payload)


def test_customer_v2_body() -> None:
    customer = NewCustomer(
        kind="person",
        name="Max Muster",
        email="max@ex.de",
        address=Address(name="Max Muster", street="Musterstr. 1", zip="12345", city="Berlin", country="DE"),
        project_id="1",
        phone="+49 30 1",
        vat_id="DE123",
    )
    assert customer_create(customer) == {
        "customerType": "person",
        "firstname": "Max",
        "lastname": "Muster",
        "project": {"id": "1"},
        "contactDetails": {"email": "max@ex.de", "phone": "+49 30 1"},
        "financials": {"tax": {"vatId": "DE123"}},
    }
    # The address is the second write: the customer's master data.
    assert customer_address_body(customer.addresses[0]) == {
        "type": "masterdata",
        "street": "Musterstr. 1",
        "zip": "12345",
        "city": "Berlin",
        "country": "DE",
    }


def test_customer_v2_body_of_a_company_with_its_number() -> None:
    customer = NewCustomer(
        kind="company",
        name="ACME",
        email="a@ex.de",
        number="K-9",
        address=Address(
            name="ACME", street="S 1", zip="1", city="C", country="AT", state="W", address_supplement="Tor 3"
        ),
    )
    body = customer_create(customer)
    assert "project" not in body and "firstname" not in body and "lastname" not in body
    assert (body["customerType"], body["name"], body["number"], body["salutation"]) == (
        "company",
        "ACME",
        "K-9",
        "company",
    )
    address = customer_address_body(customer.addresses[0])
    assert (address["addressSupplement"], address["state"]) == ("Tor 3", "W")


def test_a_one_word_name_is_a_last_name() -> None:
    assert name_parts("Madonna") == (None, "Madonna")
    assert name_parts("  Anna  Maria   Muster ") == ("Anna Maria", "Muster")


def test_a_person_with_a_one_word_name_is_created_by_that_name() -> None:
    # A person needs first and last name in v2; a marketplace alias has no first name to send.
    alias = NewCustomer(
        kind="person",
        name="MFNIntegrationTestMerchant",
        email="b@ex.de",
        address=Address(name="x", street="S", zip="1", city="C", country="DE"),
    )
    body = customer_create(alias)
    assert (body["customerType"], body["name"]) == ("company", "MFNIntegrationTestMerchant")
    assert "firstname" not in body and "lastname" not in body
