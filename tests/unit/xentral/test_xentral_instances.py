"""Several Xentral instances: which settings are refused when loaded."""

from __future__ import annotations

import pytest

from unified_order_api.config import Settings


def test_a_client_naming_a_missing_instance_is_refused() -> None:
    with pytest.raises(ValueError, match=r"client 'amazon'.*'nowhere'"):
        Settings(clients=[{"name": "amazon", "api_key": "amazon-key-0123456789", "xentral": "nowhere"}])


def test_two_names_for_one_instance_are_refused() -> None:
    with pytest.raises(ValueError, match="same URL"):
        Settings(
            xentral_url="https://acme.xentral.biz",
            xentral_token="t",
            xentral_instances={"again": {"url": "https://acme.xentral.biz/", "token": "u"}},
        )


def test_without_a_default_instance_only_clients_on_it_need_xentral_url() -> None:
    from unified_order_api.bootstrap import ConfigurationError, check_production_settings

    own = {
        "name": "amazon",
        "api_key": "amazon-key-0123456789",
        "xentral": {"url": "https://m.xentral.biz", "token": "t"},
    }
    check_production_settings(Settings(clients=[own]))
    with pytest.raises(ConfigurationError, match="UOA_XENTRAL_URL"):
        check_production_settings(Settings(clients=[own, {"name": "woo", "api_key": "woo-key-0123456789"}]))


def test_reference_prefixes_need_to_differ_only_among_clients_of_one_instance() -> None:
    from unified_order_api.bootstrap import ConfigurationError, check_production_settings

    own = {
        "name": "amazon",
        "api_key": "amazon-key-0123456789",
        "xentral": {"url": "https://m.xentral.biz", "token": "t"},
    }
    shop = {"name": "woo", "api_key": "woo-key-0123456789"}
    apart = Settings(xentral_url="https://a.xentral.biz", xentral_token="t", clients=[own, shop])
    check_production_settings(apart)  # their references never meet: each Xentral has its own
    together = Settings(xentral_url="https://a.xentral.biz", xentral_token="t", clients=[shop, {**shop, "name": "b"}])
    with pytest.raises(ConfigurationError, match="reference_prefix"):
        check_production_settings(together)
