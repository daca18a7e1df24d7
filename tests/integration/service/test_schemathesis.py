"""Fuzz our own API from its OpenAPI document: no input may produce a 5xx or an undocumented answer."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.specs.openapi.checks import positive_data_acceptance

from tests.support.servers import running_service
from tests.support.service import API_KEY, service_settings
from unified_order_api.app import create_app
from unified_order_api.config import Settings
from xentral_sandbox.testing import SandboxHandle

# The document is what the running service serves; building it needs no Xentral and no database.
schema = schemathesis.openapi.from_dict(create_app(Settings()).openapi())


@pytest.fixture(scope="module")
def service_url(sandbox_session: SandboxHandle, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    tmp: Path = tmp_path_factory.mktemp("fuzz")
    sandbox_session.reset()
    with running_service(service_settings(sandbox_session, tmp)) as url:
        yield url


@schema.parametrize()
@settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))
def test_no_input_breaks_the_api(case: schemathesis.Case, service_url: str) -> None:
    # Valid-looking orders with invented SKUs are rightly refused (422), so "schema-valid data
    # must be accepted" does not hold for this API; every other check does.
    case.call_and_validate(
        base_url=service_url, headers={"X-API-Key": API_KEY}, excluded_checks=[positive_data_acceptance]
    )
