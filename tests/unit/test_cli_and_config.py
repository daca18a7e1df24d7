"""`serve` never starts without a real Xentral, and settings come from a TOML file and the environment."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from unified_order_api.config import Settings


def _clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    import os

    for name in list(os.environ):
        if name.startswith("UOA_"):
            monkeypatch.delenv(name)


def test_serve_refuses_to_start_without_xentral(tmp_path: Path) -> None:
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)}
    result = subprocess.run(
        [sys.executable, "-m", "unified_order_api.cli", "serve", "--port", "1"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        cwd=tmp_path,
    )
    assert result.returncode == 2
    assert "UOA_XENTRAL_URL" in result.stderr and "UOA_XENTRAL_TOKEN" in result.stderr
    assert "unified-order-api demo" in result.stderr


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
api_key = "k"
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
    with pytest.raises(FileNotFoundError, match=r"nope\.toml"):
        Settings()


def test_two_clients_with_one_name_refuse_to_load() -> None:
    from pydantic import ValidationError

    with pytest.raises(ValidationError, match="client names must be unique; repeated: shop"):
        Settings(clients=[{"name": "shop", "api_key": "k1"}, {"name": "shop", "api_key": "k2"}])


def test_serve_names_the_client_and_field_of_a_bad_override_without_its_secrets(tmp_path: Path) -> None:
    clients = '[{"name": "woo", "api_key": "key-that-must-not-show", "customers": {"on_several_matches": "pick"}}]'
    env = {
        "PATH": "/usr/bin:/bin",
        "HOME": str(tmp_path),
        "UOA_XENTRAL_URL": "https://acme.xentral.biz",
        "UOA_XENTRAL_TOKEN": "token-that-must-not-show",
        "UOA_CLIENTS": clients,
    }
    result = subprocess.run(
        [sys.executable, "-m", "unified_order_api.cli", "serve", "--port", "1"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        cwd=tmp_path,
    )
    assert result.returncode == 2
    assert "client 'woo'" in result.stderr and "customers.on_several_matches" in result.stderr
    assert "must-not-show" not in result.stderr + result.stdout
