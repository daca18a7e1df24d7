"""`serve` refusing bad settings at start-up, as a real child process."""

from __future__ import annotations

from pathlib import Path

from tests.support.processes import serve_refusal


def test_serve_refuses_to_start_without_xentral(tmp_path: Path) -> None:
    result = serve_refusal(tmp_path)
    assert result.returncode == 2
    assert "UOA_XENTRAL_URL" in result.stderr and "UOA_XENTRAL_TOKEN" in result.stderr
    assert "unified-order-api demo" in result.stderr


def test_serve_names_the_client_and_field_of_a_bad_override_without_its_secrets(tmp_path: Path) -> None:
    clients = '[{"name": "woo", "api_key": "key-that-must-not-show", "customers": {"on_several_matches": "pick"}}]'
    result = serve_refusal(
        tmp_path,
        UOA_XENTRAL_URL="https://acme.xentral.biz",
        UOA_XENTRAL_TOKEN="token-that-must-not-show",
        UOA_CLIENTS=clients,
    )
    assert result.returncode == 2
    assert "client 'woo'" in result.stderr and "customers.on_several_matches" in result.stderr
    assert "must-not-show" not in result.stderr + result.stdout
