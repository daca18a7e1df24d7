"""Where Xentral's OpenAPI subset lives for the contract tests (never copied into the repo)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]


def spec_path() -> Path:
    """`XENTRAL_OPENAPI_SPEC`, else `<repo>/../shared/xentral/openapi-subset.json`; skips when missing."""
    configured = os.environ.get("XENTRAL_OPENAPI_SPEC")
    path = Path(configured) if configured else REPO_ROOT.parent / "shared" / "xentral" / "openapi-subset.json"
    if not path.is_file():
        pytest.skip(f"Xentral OpenAPI spec not found at {path} (set XENTRAL_OPENAPI_SPEC)")
    return path


@pytest.fixture(scope="session", name="spec_path")
def spec_path_fixture() -> Path:
    return spec_path()
