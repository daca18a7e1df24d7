"""The integration harness (sandbox, settings, service_url, api) for the /metrics tests here."""

from tests.integration.conftest import api, sandbox, sandbox_session, service_url, settings

__all__ = ["api", "sandbox", "sandbox_session", "service_url", "settings"]
