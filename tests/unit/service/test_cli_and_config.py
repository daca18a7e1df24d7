"""`serve` never starts without a real Xentral, and settings come from a TOML file and the environment."""

from __future__ import annotations

from pathlib import Path

import pytest

from unified_order_api.config import Settings, order_policies
from unified_order_api.config.settings import ConfigFileMissing


def _clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    import os

    for name in list(os.environ):
        if name.startswith("UOA_"):
            monkeypatch.delenv(name)


def test_settings_from_a_toml_file_with_the_environment_winning(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _clean_env(monkeypatch)
    config = tmp_path / "uoa.toml"
    config.write_text(
        """
xentral_url = "https://acme.xentral.biz"
xentral_token = "from-file"
shipping_map = { DHL_Standard = "4" }

[defaults]
project_id = "7"
currency = "CHF"

[[clients]]
name = "shop"
api_key = "shop-key-0123456789"
""",
        encoding="utf-8",
    )
    monkeypatch.setenv("UOA_CONFIG_FILE", str(config))
    monkeypatch.setenv("UOA_XENTRAL_TOKEN", "from-env")
    monkeypatch.setenv("UOA_DEFAULTS__CURRENCY", "EUR")
    settings = Settings()
    assert settings.xentral_url == "https://acme.xentral.biz"
    assert settings.xentral_token is not None and settings.xentral_token.get_secret_value() == "from-env"
    assert settings.defaults.project_id == "7"
    assert settings.defaults.currency == "EUR"
    assert settings.shipping_map == {"dhl_standard": "4"}
    assert [client.name for client in settings.clients] == ["shop"]
    assert "from-env" not in repr(settings)


def test_a_missing_config_file_is_an_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _clean_env(monkeypatch)
    monkeypatch.setenv("UOA_CONFIG_FILE", str(tmp_path / "nope.toml"))
    with pytest.raises(ConfigFileMissing, match=r"nope\.toml, which does not exist"):
        Settings()


def test_two_clients_with_one_name_refuse_to_load() -> None:
    from pydantic import ValidationError

    with pytest.raises(ValidationError, match="client names must be unique; repeated: shop"):
        Settings(
            clients=[
                {"name": "shop", "api_key": "shop-key-0123456789"},
                {"name": "shop", "api_key": "shop-key-9876543210"},
            ]
        )


def _documented_toml(page: str, heading: str) -> str:
    """The first TOML block under `heading` in `page` (relative to docs/)."""
    text = (Path(__file__).parents[3] / "docs" / page).read_text(encoding="utf-8")
    section = text.split(f"## {heading}\n", 1)[1]
    return section.split("```toml\n", 1)[1].split("```", 1)[0]


def test_the_documented_example_of_two_shops_on_two_instances(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _clean_env(monkeypatch)
    config = tmp_path / "uoa.toml"
    config.write_text(_documented_toml("concepts/instances.md", "An example"), encoding="utf-8")
    monkeypatch.setenv("UOA_CONFIG_FILE", str(config))
    settings = Settings()

    assert set(settings.xentral_endpoints()) == {"default", "merchant"}
    assert [settings.instance_name(client) for client in settings.clients] == ["default", "merchant"]
    policies = order_policies(settings)
    woo, amazon = policies.for_client("woocommerce"), policies.for_client("amazon")
    assert (woo.instance, amazon.instance) == ("default", "merchant")
    assert (woo.defaults.project_id, amazon.defaults.project_id) == ("4", "1")
    assert (woo.defaults.currency, amazon.defaults.currency) == ("EUR", "EUR")
    assert dict(woo.shipping_map) == {"dhl_standard": "1", "gls": "2", "express": "4"}
    assert dict(amazon.payment_map) == {"paypal": "3", "invoice": "1"}
    assert (amazon.defaults.payment_method_id, amazon.defaults.auto_shipping) == ("6", True)
    assert (woo.customers.create_missing, amazon.customers.create_missing) == (True, False)
    assert (woo.idempotency.upstream_check, amazon.idempotency.upstream_check) == ("always", "when_unsure")
    assert amazon.respond_async and not woo.respond_async
    assert (woo.totals.on_mismatch, amazon.totals.on_mismatch) == ("refuse", "flag")
    assert settings.xentral_instances["merchant"].rate_limit_reserve == 20
