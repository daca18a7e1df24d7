"""Short idempotency leases for crash tests, with Xentral calls short enough for them.

A lease must outlast one Xentral write (`config.rules.lease_outlasts_xentral_write`: wait budget +
max attempts x connect timeout + timeout), or the settings are refused. Tests that kill a process and
wait for its lease to run out use leases of a few seconds, so their Xentral calls get matching
limits: 0.15 + 2 x 0.1 + 0.6 = 0.95 of the lease. The sandbox answers in milliseconds.
"""

from __future__ import annotations

from typing import Any

from unified_order_api.config.keys import env_name

__all__ = ["leased_env", "leased_settings"]


def leased_settings(lease_seconds: float) -> dict[str, Any]:
    """Settings (keyword arguments of `Settings`) with this lease and Xentral calls that fit in it."""
    return {
        "idempotency": {"lease_seconds": lease_seconds},
        "xentral_wait_budget_seconds": 0.15 * lease_seconds,
        "xentral_max_attempts": 2,
        "xentral_connect_timeout_seconds": 0.1 * lease_seconds,
        "xentral_timeout_seconds": 0.6 * lease_seconds,
    }


def leased_env(lease_seconds: float) -> dict[str, str]:
    """The same as `UOA_*` variables, for a service run as a child process."""
    values = leased_settings(lease_seconds)
    env = {env_name("idempotency", "lease_seconds"): str(lease_seconds)}
    env.update({env_name(name): str(value) for name, value in values.items() if name != "idempotency"})
    return env
