"""The integration harness (settings, service_url, api) for the /metrics tests here."""

from tests.integration.conftest import api, service_url, settings

__all__ = ["api", "service_url", "settings"]
