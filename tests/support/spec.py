"""Where Xentral's OpenAPI specs live for the contract tests (never copied into the repo).

The spec to build against is the Xentral 2026 spec (`openapi-2026-subset.json`), read from
`XENTRAL_OPENAPI_SPEC` or `<repo>/../shared/xentral/`. The December 2024 spec (`openapi-subset.json`, from
`XENTRAL_OPENAPI_SPEC_2024` or the same folder) serves one test only: the list of operations that left.
A missing spec skips its tests, which CI (`UOA_TEST_REQUIRE_ALL`) counts as failures.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
SHARED_SPECS = REPO_ROOT.parent / "shared" / "xentral"
SPEC_VARIABLE = "XENTRAL_OPENAPI_SPEC"
SPEC_2024_VARIABLE = "XENTRAL_OPENAPI_SPEC_2024"


def _located(variable: str, file_name: str) -> Path:
    configured = os.environ.get(variable)
    path = Path(configured) if configured else SHARED_SPECS / file_name
    if not path.is_file():
        pytest.skip(f"Xentral OpenAPI spec not found at {path} (set {variable})")
    return path


def spec_path() -> Path:
    """The 2026 spec: `XENTRAL_OPENAPI_SPEC`, else `<repo>/../shared/xentral/openapi-2026-subset.json`."""
    return _located(SPEC_VARIABLE, "openapi-2026-subset.json")


def spec_2024_path() -> Path:
    """The 2024 spec: `XENTRAL_OPENAPI_SPEC_2024`, else `<repo>/../shared/xentral/openapi-subset.json`."""
    return _located(SPEC_2024_VARIABLE, "openapi-subset.json")


def events_spec_path() -> Path:
    """Xentral's AsyncAPI of its events: `XENTRAL_EVENTS_SPEC`, else `<repo>/../shared/xentral/…-asyncapi-2026.json`."""
    return _located("XENTRAL_EVENTS_SPEC", "xentral-events-asyncapi-2026.json")


def event_payload_schema(name: str) -> dict[str, Any]:
    """The payload schema of one event channel (`shipment.created`) of the AsyncAPI spec."""
    channels = json.loads(events_spec_path().read_text())["channels"]
    schema: dict[str, Any] = channels[name]["publish"]["message"]["payload"]
    return schema


@pytest.fixture(scope="session", name="spec_path")
def spec_path_fixture() -> Path:
    return spec_path()


def load_openapi(path: Path, json_media_types: tuple[str, ...] = ()) -> Any:
    """The spec as an openapi-core `OpenAPI`, with JSON decoding for `json_media_types` (openapi-core decodes
    only plain `application/json`).

    The 2026 subset is not a valid OpenAPI 3.0 document as a whole (its v3 sales order operations use OpenAPI
    3.1 type lists such as `["string", "null"]`), so the document itself is not validated; every request and
    answer checked against one of its operations still is.
    """
    from openapi_core import Config, OpenAPI

    decoders = dict.fromkeys(json_media_types, json.loads)
    config = Config(spec_validator_cls=None, extra_media_type_deserializers=decoders)
    return OpenAPI.from_file_path(str(path), config=config)
