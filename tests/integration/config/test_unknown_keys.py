"""A misspelled setting is refused at start-up, in a TOML file, in a JSON value and as a variable,
naming the key and the valid name closest to it (instead of silently keeping the default)."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from tests.support.processes import cli_refusal, serve_refusal

XENTRAL = {"UOA_XENTRAL_URL": "https://acme.xentral.biz", "UOA_XENTRAL_TOKEN": "token-that-must-not-show"}
CLIENT = {"name": "shop", "api_key": "key-that-must-not-show"}


def _refused(result: subprocess.CompletedProcess[str], *named: str) -> str:
    """The refusal is a short message naming every string of `named`: exit 2, no traceback, no secret."""
    message = result.stderr.strip()
    assert result.returncode == 2, message
    assert "Traceback" not in message
    assert 1 <= len(message.splitlines()) <= 2, message
    for text in named:
        assert text in message
    assert "must-not-show" not in result.stderr + result.stdout
    return message


def _check_config(tmp_path: Path, toml: str, **settings: str) -> subprocess.CompletedProcess[str]:
    config = tmp_path / "uoa.toml"
    config.write_text(toml, encoding="utf-8")
    return cli_refusal(tmp_path, ["check-config"], UOA_CONFIG_FILE=str(config), **settings)


def test_a_misspelled_key_in_the_toml_file(tmp_path: Path) -> None:
    toml = '[shiping_map]\ndhl_standard = "1"\n'
    message = _refused(_check_config(tmp_path, toml, **XENTRAL), "shiping_map", "did you mean 'shipping_map'")
    assert message.startswith("unified-order-api check-config: invalid configuration:")


def test_a_misspelled_nested_key_in_the_toml_file(tmp_path: Path) -> None:
    toml = "[queue]\npol_seconds = 2\n"
    _refused(_check_config(tmp_path, toml, **XENTRAL), "queue.pol_seconds", "did you mean 'poll_seconds'")


def test_a_misspelled_client_field_in_a_json_value(tmp_path: Path) -> None:
    clients = json.dumps([{**CLIENT, "refrence_prefix": "WOO-"}])
    result = serve_refusal(tmp_path, UOA_CLIENTS=clients, **XENTRAL)
    _refused(result, "client 'shop'", "refrence_prefix", "did you mean 'reference_prefix'")


def test_a_misspelled_client_field_in_the_toml_file(tmp_path: Path) -> None:
    toml = '[[clients]]\nname = "shop"\napi_key = "key-that-must-not-show"\nrefrence_prefix = "WOO-"\n'
    _refused(_check_config(tmp_path, toml, **XENTRAL), "client 'shop'", "refrence_prefix", "'reference_prefix'")


def test_a_misspelled_environment_variable(tmp_path: Path) -> None:
    result = serve_refusal(
        tmp_path, UOA_SHIPING_MAP='{"dhl_standard": "1"}', UOA_CLIENTS=json.dumps([CLIENT]), **XENTRAL
    )
    message = _refused(result, "UOA_SHIPING_MAP", "did you mean UOA_SHIPPING_MAP?")
    assert message.startswith("unified-order-api serve: invalid configuration:")


def test_check_config_refuses_a_misspelled_environment_variable_too(tmp_path: Path) -> None:
    result = cli_refusal(tmp_path, ["check-config"], UOA_SHIPING_MAP="{}", **XENTRAL)
    _refused(result, "UOA_SHIPING_MAP", "UOA_SHIPPING_MAP")
