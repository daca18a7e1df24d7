"""A payment code mapped by payment status: a paid prepayment order is not held as an unpaid one."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from unified_order_api.config import ApiClient, Settings, order_policies
from unified_order_api.orders.payments import StatusUnmapped, mapped_entries, payment_codes

MAP = {"paypal": "2", "prepayment": {"paid": "2", "*": "3"}, "invoice": {"pending": "1"}}


def test_a_plain_code_maps_every_status() -> None:
    for status in (None, "paid", "pending"):
        codes, _ = payment_codes({"paypal": "2"}, status)
        assert codes == {"paypal": "2"}


def test_a_status_map_picks_by_status_and_falls_back_to_the_star() -> None:
    assert payment_codes(MAP, "paid")[0]["prepayment"] == "2"
    assert payment_codes(MAP, "pending")[0]["prepayment"] == "3"
    assert payment_codes(MAP, None)[0]["prepayment"] == "3"  # no status sent: the rest


def test_a_status_the_code_is_not_mapped_for_is_named_not_guessed() -> None:
    codes, unmapped = payment_codes(MAP, "paid")
    assert "invoice" not in codes
    assert unmapped == [StatusUnmapped("invoice", "paid", ("pending",))]
    assert unmapped[0].detail == (
        "Payment code 'invoice' is mapped for payment status pending only, not for payment status 'paid'; "
        "add it or '*' to payment_map.invoice"
    )


def test_each_mapped_id_has_its_setting_name() -> None:
    assert list(mapped_entries(MAP)) == [
        ("invoice.pending", "1"),
        ("paypal", "2"),
        ("prepayment.*", "3"),
        ("prepayment.paid", "2"),
    ]


def test_settings_take_both_forms_and_clients_override_a_code_as_a_whole() -> None:
    settings = Settings(
        payment_map={" PayPal ": "2", "Prepayment": {"paid": "2", "*": "3"}},
        clients=[ApiClient(name="b2b", api_key="k" * 20, payment_map={"prepayment": {"*": "3"}})],
    )
    assert settings.payment_map == {"paypal": "2", "prepayment": {"paid": "2", "*": "3"}}
    policies = order_policies(settings)
    assert policies.for_client("b2b").payment_map == {"paypal": "2", "prepayment": {"*": "3"}}


def test_an_unknown_status_is_refused_at_start_up() -> None:
    with pytest.raises(ValidationError, match="payment_map"):
        Settings(payment_map={"prepayment": {"payed": "2"}})
