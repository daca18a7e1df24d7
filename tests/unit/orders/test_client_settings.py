"""Per-client settings that are refused when loaded: a bad override, a lease set per client."""

from __future__ import annotations

import pytest

from unified_order_api.config import Settings


def test_a_bad_client_override_names_the_client_and_field_but_not_the_key() -> None:
    with pytest.raises(ValueError) as raised:
        Settings(
            clients=[
                {"name": "ok", "api_key": "ok-key-0123456789"},
                {"name": "woo", "api_key": "very-secret-key-0123", "defaults": {"currency": ["EUR"]}},
            ]
        )
    message = str(raised.value)
    assert "client 'woo'" in message and "defaults.currency" in message
    assert "very-secret-key-0123" not in message


def test_leases_stay_global() -> None:
    with pytest.raises(ValueError, match=r"client 'woo'.*idempotency\.lease_seconds"):
        Settings(clients=[{"name": "woo", "api_key": "woo-key-0123456789", "idempotency": {"lease_seconds": 5}}])
