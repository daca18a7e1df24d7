"""Fuzz our own API from its OpenAPI document: no input may produce a 5xx or an undocumented answer."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.config import PositiveDataAcceptanceConfig
from schemathesis.generation import GenerationMode
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    positive_data_acceptance,
    response_schema_conformance,
    status_code_conformance,
)

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


# Positive data only: every request the schema calls valid must be answered with a status the document
# lists for it, in its documented shape, and never a 5xx; and it must be taken (2xx), or refused for what
# no schema can know: the key (401), the client or shop (404), or an order whose SKUs, codes or totals
# Xentral does not know (422). A 415 or 400 for a schema-valid body fails. The document is the one the
# running service serves (made from its settings: no default shipping or payment method, so both are required).
POSITIVE_CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    positive_data_acceptance,
]
document = create_app(Settings()).openapi()
positive = schemathesis.openapi.from_dict(document)
positive.config.generation.update(modes=[GenerationMode.POSITIVE])
positive.config.checks.positive_data_acceptance = PositiveDataAcceptanceConfig(
    expected_statuses=["2XX", "401", "404", "422"]
)


def test_the_fuzzed_document_is_the_one_served(service_url: str) -> None:
    assert httpx.get(f"{service_url}/openapi.json", timeout=30).json() == document


@positive.parametrize()
@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
def test_valid_requests_get_a_documented_answer(case: schemathesis.Case, service_url: str) -> None:
    assert case.meta is None or case.meta.generation.mode.is_positive
    case.call_and_validate(base_url=service_url, headers={"X-API-Key": API_KEY}, checks=POSITIVE_CHECKS)
