"""Keys, tokens and Xentral addresses: refused at load in the forms that would fail later, never echoed."""

from __future__ import annotations

import pytest
from pydantic import SecretStr, ValidationError

from unified_order_api.api.auth import ApiKeys
from unified_order_api.api.errors import Unauthenticated
from unified_order_api.cache.lookups import _customer_key
from unified_order_api.config import ApiClient, ConsoleOperator, Settings
from unified_order_api.config.credentials import header_safe, xentral_address

KEY = "shop-key-0123456789"
NEXT = "shop-key-next-9876543210"


def test_a_placeholder_or_a_space_in_a_token_is_refused_without_echoing_it() -> None:
    for value, expected in (("pat-…", "character 5 is not printable ASCII"), ("a b", "character 2 is a space")):
        with pytest.raises(ValueError, match=expected) as refused:
            header_safe(SecretStr(value))
        assert value not in str(refused.value)
    assert header_safe(SecretStr("pat-0123_abc.XYZ~")).get_secret_value() == "pat-0123_abc.XYZ~"


def test_a_xentral_address_has_a_scheme_and_no_api_path() -> None:
    assert xentral_address("https://acme.xentral.biz/") == "https://acme.xentral.biz"
    assert xentral_address("http://127.0.0.1:8765") == "http://127.0.0.1:8765"
    for wrong in ("acme.xentral.biz", "ftp://acme.xentral.biz", "https://acme.xentral.biz/api/v1", "https:///x"):
        with pytest.raises(ValueError):
            xentral_address(wrong)
    with pytest.raises(ValueError, match=r"use https://acme\.xentral\.biz;") as refused:
        xentral_address("https://user:pw-secret@acme.xentral.biz/api/v2")
    assert "pw-secret" not in str(refused.value)


def test_client_admin_and_operator_keys_need_16_characters() -> None:
    with pytest.raises(ValidationError, match="at least 16 characters"):
        ApiClient(name="shop", api_key="k" * 15)
    with pytest.raises(ValidationError, match="at least 16 characters"):
        ApiClient(name="shop", api_key=KEY, api_key_next="short")
    with pytest.raises(ValidationError, match="at least 16 characters"):
        Settings(admin_api_key="admin")
    with pytest.raises(ValidationError, match="at least 16 characters"):
        ConsoleOperator(name="alice", api_key="alice-key-0123456789", api_key_next="alice")


def test_during_a_rotation_both_keys_of_a_client_and_of_the_admin_are_accepted() -> None:
    shop = ApiClient(name="shop", api_key=KEY, api_key_next=NEXT)
    other = ApiClient(name="other", api_key="other-key-0123456789")
    keys = ApiKeys([shop, other], "admin-key-0123456789", "admin-next-0123456789")
    assert keys.client_for(KEY).name == keys.client_for(NEXT).name == "shop"
    assert keys.client_for("other-key-0123456789").name == "other"
    with pytest.raises(Unauthenticated):
        keys.client_for(NEXT + "x")
    keys.check_admin("admin-key-0123456789")
    keys.check_admin("admin-next-0123456789")
    with pytest.raises(Unauthenticated):
        keys.check_admin(KEY)


def test_the_lease_must_outlast_one_xentral_write() -> None:
    with pytest.raises(ValidationError, match=r"lease_seconds \(40\) must be longer than one Xentral write may take"):
        Settings(idempotency={"lease_seconds": 40})
    fits = Settings(
        idempotency={"lease_seconds": 3},
        xentral_timeout_seconds=1.5,
        xentral_wait_budget_seconds=0.5,
        xentral_connect_timeout_seconds=0.2,
        xentral_max_attempts=2,
    )
    assert fits.idempotency.lease_seconds == 3


def test_no_e_mail_in_a_customer_cache_key() -> None:
    key = _customer_key("email", " Kunde@Example.com ")
    assert "kunde" not in key.lower() and "example" not in key.lower()
    assert key == _customer_key("email", "kunde@example.com")  # spellings of one address share an entry
    assert key != _customer_key("number", "kunde@example.com")
